"""``UltraCartApi``: one async method per customer operation, named as in UltraCart's Python SDK.

Typed arguments in, pydantic models out (``models.py``); transport, retries, rate limiting and
error mapping are ``core/http.py``'s. Query parameters are serialised as UltraCart expects:
``_expand`` and ``_sort`` comma-separated (the ``+`` of a sort is percent-encoded by the client),
date-times as ISO-8601.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from types import GenericAlias
from typing import Any, TypedDict, TypeVar, Unpack

from pydantic import BaseModel

from ..core.api import ApiClient
from ..core.audit import new_request_id
from ..core.errors import BadRequest, InvalidResponse
from ..core.http import Decode, decode_json
from ..core.paging import Page
from ..core.paths import path_segment
from . import models as m

API_VERSION = "2017-03-01"
Model = TypeVar("Model", bound=BaseModel)
Expand = str | Sequence[str] | None
DateLike = str | datetime | None
# POSTs whose body is a query: they read, so running out of retries never makes their outcome unknown.
READ_ONLY_POSTS = frozenset(
    {"get_customers_by_query", "get_customers_for_data_tables", "search_customer_profile_values"}
)


class CustomerFilters(TypedDict, total=False):
    """The 27 filter query parameters of ``getCustomers`` (all optional)."""

    email: str
    qb_class: str
    quickbooks_code: str
    last_modified_dts_start: str | datetime
    last_modified_dts_end: str | datetime
    signup_dts_start: str | datetime
    signup_dts_end: str | datetime
    billing_first_name: str
    billing_last_name: str
    billing_company: str
    billing_city: str
    billing_state: str
    billing_postal_code: str
    billing_country_code: str
    billing_day_phone: str
    billing_evening_phone: str
    shipping_first_name: str
    shipping_last_name: str
    shipping_company: str
    shipping_city: str
    shipping_state: str
    shipping_postal_code: str
    shipping_country_code: str
    shipping_day_phone: str
    shipping_evening_phone: str
    pricing_tier_oid: int
    pricing_tier_name: str


def _csv(value: Expand) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else ",".join(value)
    return text or None


def _date(value: DateLike) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the unset ones; date-times as ISO-8601."""
    return {key: _date(value) for key, value in values.items() if value is not None and value != ""}


def _refuse_unsuccessful(payload: Any, operation: str) -> None:
    """An envelope answering ``success: false`` is an error, whatever the HTTP status said."""
    if not isinstance(payload, dict) or payload.get("success") is not False:
        return
    error = payload.get("error")
    message = (error.get("user_message") or error.get("developer_message")) if isinstance(error, dict) else None
    raise BadRequest(str(message or "the API answered success=false"), operation=operation)


def tag_description(description: str | None, request_id: str, limit: int = 50) -> str:
    """``description`` with `` [req:xxxxxx]`` appended, within UltraCart's 50 characters."""
    suffix = f"[{request_id}]"
    text = (description or "").strip()
    room = limit - len(suffix) - (1 if text else 0)
    return f"{text[:room].rstrip()} {suffix}".strip()


# What a caller reads of each customer of a page (``customer_page(only=...)``): a key mapped to None is decoded
# whole; a key mapped to names holds a list of objects (addresses, tags) of which only those keys are decoded
# (none: the entries are empty objects, as many as there are).
CustomerKeys = Mapping[str, tuple[str, ...] | None]


def page_decoder(only: CustomerKeys) -> Decode:
    """A decoder of a customers page that builds only the ``only`` keys of each customer (and the page's
    ``customers`` and ``metadata``); the rest of the page is parsed (and checked to be JSON) but never built,
    which is most of a page with addresses: 0.5 ms instead of 1.7 for a page of 200 with ``json``.

    Each key kept has the value ``decode_json`` gives it. A page that is not of that shape (``customers`` not
    a list of objects, an address list that is not a list of objects, ...) is decoded whole by ``decode_json``,
    so that whoever reads it meets what they would have met without ``only``."""
    return _page_decoder(tuple((key, None if inner is None else tuple(inner)) for key, inner in only.items()))


@cache
def _page_decoder(only: tuple[tuple[str, tuple[str, ...] | None], ...]) -> Decode:
    import msgspec.json

    # Types built from names known at run time (mypy reads only literal TypedDicts and list[...] of types).
    typed_dict: Any = TypedDict
    fields: dict[str, Any] = {}
    for key, inner in only:
        if inner is None:
            fields[key] = Any
        else:
            fields[key] = _list_or_none(typed_dict(f"Kept_{key}", dict.fromkeys(inner, Any), total=False))
    customer = typed_dict("KeptCustomer", fields, total=False)
    page = typed_dict("KeptPage", {"customers": _list_or_none(customer), "metadata": Any}, total=False)
    typed = msgspec.json.Decoder(page)

    def decode(content: bytes) -> Any:
        try:
            return typed.decode(content)
        except (ValueError, RecursionError):  # not JSON (decode_json then says so), or not of the shape above
            return decode_json(content)

    return decode


def _list_or_none(item: Any) -> Any:
    return GenericAlias(list, (item,)) | None


class UltraCartApi(ApiClient):
    """The 24 customer operations of UltraCart REST API v2 (on the HTTP core: core/api.py)."""

    async def _call(
        self,
        model: type[Model],
        method: str,
        path: str,
        *,
        operation: str,
        idempotent: bool | None = None,
        params: dict[str, Any] | None = None,
        body: BaseModel | None = None,
        check: str | None = None,
        envelope: bool = True,
    ) -> Model:
        payload = await self._send(method, path, operation, idempotent, params, body, check)
        if envelope:
            _refuse_unsuccessful(payload, operation)
        return model.model_validate(payload or {})

    async def _send(
        self,
        method: str,
        path: str,
        operation: str,
        idempotent: bool | None,
        params: dict[str, Any] | None,
        body: BaseModel | None,
        check: str | None,
        decode: Decode = decode_json,
    ) -> Any:
        return await self.http.request(
            method,
            path,
            operation=operation,
            idempotent=method in ("GET", "PUT", "DELETE") if idempotent is None else idempotent,
            params=params,
            body=None if body is None else m.dump_body(body),
            check=check or "look the record up before trying again",
            write=method != "GET" and operation not in READ_ONLY_POSTS,
            decode=decode,
        )

    # -- customers -------------------------------------------------------------------------------

    async def get_customers(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        since: DateLike = None,
        sort: Expand = None,
        expand: Expand = None,
        **filters: Unpack[CustomerFilters],
    ) -> m.CustomersResponse:
        params = _params(**filters, _limit=limit, _offset=offset, _since=since, _sort=_csv(sort), _expand=_csv(expand))
        return await self._call(
            m.CustomersResponse, "GET", "/customer/customers", operation="get_customers", params=params
        )

    async def get_customers_by_query(
        self,
        customer_query: m.CustomerQuery,
        *,
        limit: int | None = None,
        offset: int | None = None,
        since: DateLike = None,
        sort: Expand = None,
        expand: Expand = None,
    ) -> m.CustomersResponse:
        params = _params(_limit=limit, _offset=offset, _since=since, _sort=_csv(sort), _expand=_csv(expand))
        return await self._call(
            m.CustomersResponse,
            "POST",
            "/customer/customers/query",
            operation="get_customers_by_query",
            idempotent=True,  # a query: nothing is written
            params=params,
            body=customer_query,
        )

    async def customer_page(
        self,
        offset: int,
        limit: int,
        *,
        query: m.CustomerQuery | None = None,
        since: DateLike = None,
        sort: Expand = None,
        expand: Expand = None,
        only: CustomerKeys | None = None,
        **filters: Unpack[CustomerFilters],
    ) -> Page[dict[str, Any]]:
        """One page of customers as plain JSON records, for the pager and the budget.

        Lists are walked and shaped as dicts (compact views, projection, trimming); parsing every
        record into ``Customer`` first would cost more than the whole walk's overhead allows.
        With ``query`` the page comes from ``get_customers_by_query``, else from ``get_customers``.
        With ``only`` each customer holds only those keys (``CustomerKeys``; see ``page_decoder``).
        """
        params = _params(_limit=limit, _offset=offset, _since=since, _sort=_csv(sort), _expand=_csv(expand))
        decode = decode_json if only is None else page_decoder(only)
        if query is not None:
            payload = await self._send(
                "POST", "/customer/customers/query", "get_customers_by_query", True, params, query, None, decode
            )
        else:
            filtered = {**_params(**filters), **params}
            payload = await self._send(
                "GET", "/customer/customers", "get_customers", True, filtered, None, None, decode
            )
        if not isinstance(payload, dict) or not isinstance(payload.get("customers", []), list):
            raise InvalidResponse("a customers page without a customers list", operation="get_customers")
        result_set = (payload.get("metadata") or {}).get("result_set") or {}
        items = payload.get("customers") or []
        return Page(
            items=items,
            more=bool(result_set.get("more")),
            next=result_set.get("next_offset"),
            total=result_set.get("total_records"),
        )

    async def get_customer(self, customer_profile_oid: int, *, expand: Expand = None) -> m.CustomerResponse:
        return await self._call(
            m.CustomerResponse,
            "GET",
            f"/customer/customers/{int(customer_profile_oid)}",
            operation="get_customer",
            params=_params(_expand=_csv(expand)),
        )

    async def customer_record(
        self, customer_profile_oid: int | None = None, *, email: str | None = None, expand: Expand = None
    ) -> dict[str, Any] | None:
        """One customer as plain JSON (``get_customer``, or ``get_customer_by_email`` with ``email``), for
        tools that pass the record on: parsing it into ``Customer`` only to dump it again would cost more
        than the rest of the tool's own work (unknown fields survive either way: models keep extras)."""
        if email is not None:
            segment = path_segment(email, "email", safe="@+")
            path, operation = f"/customer/customers/by_email/{segment}", "get_customer_by_email"
        else:
            path, operation = f"/customer/customers/{int(customer_profile_oid or 0)}", "get_customer"
        payload = await self._send("GET", path, operation, True, _params(_expand=_csv(expand)), None, None)
        _refuse_unsuccessful(payload, operation)
        record = payload.get("customer") if isinstance(payload, dict) else None
        if record is not None and not isinstance(record, dict):
            raise InvalidResponse("a customer that is not a JSON object", operation=operation)
        return record

    async def get_customer_by_email(self, email: str, *, expand: Expand = None) -> m.CustomerResponse:
        return await self._call(
            m.CustomerResponse,
            "GET",
            f"/customer/customers/by_email/{path_segment(email, 'email', safe='@+')}",
            operation="get_customer_by_email",
            params=_params(_expand=_csv(expand)),
        )

    async def get_customers_for_data_tables(self, *, expand: Expand = None) -> m.DataTablesServerSideResponse:
        return await self._call(
            m.DataTablesServerSideResponse,
            "POST",
            "/customer/customers/dataTables",
            operation="get_customers_for_data_tables",
            idempotent=True,
            params=_params(_expand=_csv(expand)),
            envelope=False,
        )

    async def insert_customer(self, customer: m.Customer, *, expand: Expand = None) -> m.CustomerResponse:
        return await self._call(
            m.CustomerResponse,
            "POST",
            "/customer/customers",
            operation="insert_customer",
            idempotent=False,
            params=_params(_expand=_csv(expand)),
            body=customer,
            check=f"look the customer up by email ({customer.email or 'the email you sent'}) before inserting again",
        )

    async def update_customer(
        self, customer_profile_oid: int, customer: m.Customer, *, expand: Expand = None
    ) -> m.CustomerResponse:
        return await self._call(
            m.CustomerResponse,
            "PUT",
            f"/customer/customers/{int(customer_profile_oid)}",
            operation="update_customer",
            params=_params(_expand=_csv(expand)),
            body=customer,
        )

    async def delete_customer(self, customer_profile_oid: int) -> None:
        await self._deleted("DELETE", f"/customer/customers/{int(customer_profile_oid)}", "delete_customer", None)

    async def merge_customer(
        self, customer_profile_oid: int, merge_request: m.CustomerMergeRequest, *, expand: Expand = None
    ) -> None:
        await self._deleted(
            "PUT",
            f"/customer/customers/{int(customer_profile_oid)}/merge",
            "merge_customer",
            merge_request,
            params=_params(_expand=_csv(expand)),
        )

    async def _deleted(
        self, method: str, path: str, operation: str, body: BaseModel | None, params: dict[str, Any] | None = None
    ) -> None:
        """DELETE and merge may be retried; a 404 after a retry means the first attempt did it."""
        await self._gone_ok_on_retry(lambda: self._send(method, path, operation, True, params, body, None))

    # -- store credit and cashback ---------------------------------------------------------------

    async def get_customer_store_credit(self, customer_profile_oid: int) -> m.CustomerStoreCreditResponse:
        return await self._call(
            m.CustomerStoreCreditResponse,
            "GET",
            f"/customer/customers/{int(customer_profile_oid)}/store_credit",
            operation="get_customer_store_credit",
        )

    async def add_customer_store_credit(
        self,
        customer_profile_oid: int,
        store_credit_request: m.CustomerStoreCreditAddRequest,
        *,
        request_id: str | None = None,
    ) -> m.BaseResponse:
        """Add store credit. The description carries ``[req:xxxxxx]`` so that an unknown outcome can
        be checked in the ledger; pass ``request_id`` to choose it."""
        request_id = request_id or new_request_id()
        body = store_credit_request.model_copy(
            update={"description": tag_description(store_credit_request.description, request_id)}
        )
        oid = int(customer_profile_oid)
        return await self._call(
            m.BaseResponse,
            "POST",
            f"/customer/customers/{oid}/store_credit",
            operation="add_customer_store_credit",
            idempotent=False,
            body=body,
            check=f"get customer {oid}'s store credit and look for a ledger entry whose description "
            f"contains [{request_id}]",
        )

    async def adjust_internal_certificate(
        self,
        customer_profile_oid: int,
        adjust_request: m.AdjustInternalCertificateRequest,
        *,
        request_id: str | None = None,
    ) -> m.AdjustInternalCertificateResponse:
        request_id = request_id or new_request_id()
        body = adjust_request.model_copy(
            update={"description": tag_description(adjust_request.description, request_id)}
        )
        oid = int(customer_profile_oid)
        return await self._call(
            m.AdjustInternalCertificateResponse,
            "POST",
            f"/customer/customers/{oid}/adjust_cashback_balance",
            operation="adjust_internal_certificate",
            idempotent=False,
            body=body,
            check=f"get customer {oid}'s store credit / cashback ledger and look for an entry whose "
            f"description contains [{request_id}]",
        )

    # -- wishlist -------------------------------------------------------------------------------

    async def get_customer_wish_list(self, customer_profile_oid: int) -> m.CustomerWishListItemsResponse:
        return await self._call(
            m.CustomerWishListItemsResponse,
            "GET",
            f"/customer/customers/{int(customer_profile_oid)}/wishlist",
            operation="get_customer_wish_list",
        )

    async def get_customer_wish_list_item(
        self, customer_profile_oid: int, customer_wishlist_item_oid: int
    ) -> m.CustomerWishListItemResponse:
        return await self._call(
            m.CustomerWishListItemResponse,
            "GET",
            f"/customer/customers/{int(customer_profile_oid)}/wishlist/{int(customer_wishlist_item_oid)}",
            operation="get_customer_wish_list_item",
        )

    async def insert_wish_list_item(
        self, customer_profile_oid: int, wishlist_item: m.CustomerWishListItem
    ) -> m.CustomerWishListItem:
        oid = int(customer_profile_oid)
        return await self._call(
            m.CustomerWishListItem,
            "POST",
            f"/customer/customers/{oid}/wishlist",
            operation="insert_wish_list_item",
            idempotent=False,
            body=wishlist_item,
            check=f"list customer {oid}'s wishlist and look for merchant item {wishlist_item.merchant_item_oid}",
            envelope=False,
        )

    async def update_wish_list_item(
        self, customer_profile_oid: int, customer_wishlist_item_oid: int, wishlist_item: m.CustomerWishListItem
    ) -> m.CustomerWishListItem:
        return await self._call(
            m.CustomerWishListItem,
            "PUT",
            f"/customer/customers/{int(customer_profile_oid)}/wishlist/{int(customer_wishlist_item_oid)}",
            operation="update_wish_list_item",
            body=wishlist_item,
            envelope=False,
        )

    async def delete_wish_list_item(self, customer_profile_oid: int, customer_wishlist_item_oid: int) -> None:
        await self._deleted(
            "DELETE",
            f"/customer/customers/{int(customer_profile_oid)}/wishlist/{int(customer_wishlist_item_oid)}",
            "delete_wish_list_item",
            None,
        )

    # -- email lists, verification, magic link ---------------------------------------------------

    async def get_customer_email_lists(self) -> m.EmailListsResponse:
        return await self._call(
            m.EmailListsResponse, "GET", "/customer/email_lists", operation="get_customer_email_lists"
        )

    async def update_customer_email_lists(
        self, customer_profile_oid: int, list_changes: m.CustomerEmailListChanges
    ) -> m.CustomerEmailListChanges:
        return await self._call(
            m.CustomerEmailListChanges,
            "POST",
            f"/customer/customers/{int(customer_profile_oid)}/email_lists",
            operation="update_customer_email_lists",
            idempotent=True,  # adding to / removing from a set: repeating it changes nothing
            body=list_changes,
            envelope=False,
        )

    async def get_email_verification_token(
        self, token_request: m.EmailVerifyTokenRequest
    ) -> m.EmailVerifyTokenResponse:
        return await self._call(
            m.EmailVerifyTokenResponse,
            "POST",
            "/customer/customers/email_verify/get_token",
            operation="get_email_verification_token",
            idempotent=False,
            body=token_request,
            check="request a new token; an unused earlier one simply expires",
        )

    async def validate_email_verification_token(
        self, validation_request: m.EmailVerifyTokenValidateRequest
    ) -> m.EmailVerifyTokenValidateResponse:
        """``success`` is the answer (False: unknown, used or expired), so it is not an error here."""
        return await self._call(
            m.EmailVerifyTokenValidateResponse,
            "POST",
            "/customer/customers/email_verify/validate_token",
            operation="validate_email_verification_token",
            idempotent=False,  # a token validates once: a blind retry would report it as used
            body=validation_request,
            check="the token may have been consumed; ask the customer to request a new one",
            envelope=False,
        )

    async def get_magic_link(self, customer_profile_oid: int, storefront_host_name: str) -> m.CustomerMagicLinkResponse:
        return await self._call(
            m.CustomerMagicLinkResponse,
            "PUT",
            f"/customer/customers/{int(customer_profile_oid)}/magic_link/"
            + path_segment(storefront_host_name, "storefront_host_name"),
            operation="get_magic_link",
        )

    # -- store configuration -------------------------------------------------------------------

    async def get_customer_editor_values(self) -> m.CustomerEditorValues:
        return await self._call(
            m.CustomerEditorValues,
            "GET",
            "/customer/editor_values",
            operation="get_customer_editor_values",
            envelope=False,
        )

    async def search_customer_profile_values(self, lookup_request: m.LookupRequest) -> m.LookupResponse:
        return await self._call(
            m.LookupResponse,
            "POST",
            "/customer/search",
            operation="search_customer_profile_values",
            idempotent=True,
            body=lookup_request,
        )
