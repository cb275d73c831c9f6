"""``VoucherifyApi``: one async method per customer operation, named as in Voucherify's Python SDK (6.x
``CustomersApi``), plus ``get_async_action`` (the Async Actions API, for the three operations that queue work).

Typed arguments in, pydantic models out (``models.py``); transport, retries, rate limiting and error mapping are
``core/http.py``'s, and what counts as "not applied" versus "outcome unknown" is written in ``envelope.py``. Query
parameters go on the wire as Voucherify reads them: the date ranges under their literal bracketed names
(``created_at[before]``), the redeemables' ``filters`` deepObject in bracket notation
(``filters[holder_role][conditions][$in][0]=OWNER``). ``{customerId}`` takes an id (``cust_…``) or a source_id.

The ``*_page`` methods return one page of plain JSON records as a ``core.paging.Page`` (the API's
``has_more``, ``total`` and ``more_starting_after``), for the tools, the pager and the budget: lists are shaped
as dicts (compact views, projection, trimming), so records are not parsed into models first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal, TypedDict, TypeVar, Unpack

import httpx2
from pydantic import BaseModel

from ..core.api import ApiClient
from ..core.errors import InvalidResponse
from ..core.paging import Page
from ..core.paths import path_segment
from . import models as m

Model = TypeVar("Model", bound=BaseModel)
DateLike = str | datetime | None
CustomerOrder = Literal["created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id"]
CampaignType = Literal["PROMOTION", "GIFT_VOUCHERS", "REFERRAL_PROGRAM", "DISCOUNT_COUPONS", "LOYALTY_PROGRAM"]
# What a multipart body of one CSV file is sent as (reference §4.10: one part, ``file``).
CSV_PART: Final = "file"


class CustomerFilters(TypedDict, total=False):
    """The filters of ``list_customers`` (all optional; exact matches, date-times as ISO 8601)."""

    email: str
    city: str
    name: str
    segment_id: str
    created_at_before: str | datetime
    created_at_after: str | datetime
    updated_at_before: str | datetime
    updated_at_after: str | datetime


class ActivityFilters(TypedDict, total=False):
    """The filters of ``list_customer_activity``."""

    start_date: str | datetime
    end_date: str | datetime
    campaign_id: str
    campaign_type: CampaignType | str
    category: Literal["ACTION", "EFFECT"] | str
    type: str  # an event name, e.g. customer.redemption.succeeded


# The SDK's names of the date filters and the bracketed names the API reads (the SDK maps them the same way).
_BRACKETED: Final = {
    "created_at_before": "created_at[before]",
    "created_at_after": "created_at[after]",
    "updated_at_before": "updated_at[before]",
    "updated_at_after": "updated_at[after]",
}


def _wire(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _params(values: Mapping[str, Any]) -> dict[str, Any]:
    """Query parameters without the unset ones, under their wire names; date-times as ISO 8601."""
    return {
        _BRACKETED.get(key, key): _wire(value) for key, value in values.items() if value is not None and value != ""
    }


def deep_object(name: str, value: Any) -> dict[str, str]:
    """``value`` as OpenAPI ``style: deepObject`` query parameters in bracket notation: nested objects by key,
    list items by index (``filters[holder_role][conditions][$in][0]=OWNER``), booleans as ``true``/``false``.
    The official SDK flattens objects the same way."""
    out: dict[str, str] = {}

    def flatten(prefix: str, item: Any) -> None:
        if isinstance(item, Mapping):
            for key, inner in item.items():
                flatten(f"{prefix}[{key}]", inner)
        elif isinstance(item, list | tuple):
            for index, inner in enumerate(item):
                flatten(f"{prefix}[{index}]", inner)
        elif isinstance(item, bool):
            out[prefix] = "true" if item else "false"
        elif item is not None:
            out[prefix] = str(_wire(item))

    flatten(name, value)
    return out


def customer_path(customer_id: str, suffix: str = "") -> str:
    """``/v1/customers/{customerId}``: an id or a source_id (any text: a source_id may be an email or hold a
    slash), percent-encoded as one path segment; "." and ".." are refused (core/paths.py)."""
    return f"/v1/customers/{path_segment(customer_id, 'customer_id', safe='@')}{suffix}"


class VoucherifyApi(ApiClient):
    """The 12 customer operations of Voucherify's API (v2018-08-01) and the async-action lookup (on the HTTP core:
    core/api.py)."""

    async def _send(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        idempotent: bool | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        check: str | None = None,
    ) -> Any:
        return await self.http.request(
            method,
            path,
            operation=operation,
            idempotent=method in ("GET", "PUT", "DELETE") if idempotent is None else idempotent,
            params=params,
            body=m.dump_body(body) if isinstance(body, BaseModel) else body,
            check=check or "look the customer up before trying again",
        )

    async def _call(self, model: type[Model], method: str, path: str, operation: str, **options: Any) -> Model:
        payload = await self._send(method, path, operation, **options)
        if not isinstance(payload, dict):
            raise InvalidResponse("the answer was not a JSON object", operation=operation)
        return model.model_validate(payload)

    async def _deleted(self, method: str, path: str, operation: str) -> Any:
        """A DELETE (or an erasure) may be retried; a 404 after a retry means the first attempt did it: None."""
        return await self._gone_ok_on_retry(lambda: self._send(method, path, operation, idempotent=True))

    # -- one customer ------------------------------------------------------------------------------

    async def create_customer(self, customer: m.CustomerCreate) -> m.Customer:
        """``POST /v1/customers``: an upsert. A customer with the same ``id`` (or, without ``id``, the same
        ``source_id``) is updated and returned, with 200 as for a new one. Not idempotent (without a source_id each
        call creates another customer): a failure after the request may have arrived is an unknown outcome."""
        if customer.source_id:
            check = f"get the customer by its source_id ({customer.source_id}) before trying again"
        elif customer.email:
            check = f"list customers with email {customer.email} to see whether it was created before trying again"
        else:
            check = "list the newest customers to see whether it was created before trying again"
        return await self._call(m.Customer, "POST", "/v1/customers", "create_customer", body=customer, check=check)

    async def get_customer(self, customer_id: str) -> m.Customer:
        return await self._call(m.Customer, "GET", customer_path(customer_id), "get_customer")

    async def customer_record(self, customer_id: str) -> dict[str, Any]:
        """``get_customer`` as plain JSON, for tools that pass the record on (unknown fields kept as they are)."""
        payload = await self._send("GET", customer_path(customer_id), "get_customer")
        if not isinstance(payload, dict):
            raise InvalidResponse("a customer that is not a JSON object", operation="get_customer")
        return payload

    async def update_customer(self, customer_id: str, customer: m.CustomerUpdate) -> m.Customer:
        """``PUT /v1/customers/{customerId}``: partial, only the fields given change. Idempotent."""
        return await self._call(m.Customer, "PUT", customer_path(customer_id), "update_customer", body=customer)

    async def delete_customer(self, customer_id: str) -> None:
        """``DELETE /v1/customers/{customerId}`` (204). A 404 after a retry means the first attempt deleted it."""
        await self._deleted("DELETE", customer_path(customer_id), "delete_customer")

    async def customer_permanently_deletion(self, customer_id: str) -> m.PermanentDeletion | None:
        """``POST /v1/customers/{customerId}/permanent-deletion``: erases the customer and the data linked to it.

        Repeating it cannot erase more (the customer is gone: 404), so it is retried like a DELETE; a 404 after a
        retry means the first attempt erased the customer, and its deletion object (the counts) was lost with the
        answer that never arrived: None then."""
        path = customer_path(customer_id, "/permanent-deletion")
        payload = await self._deleted("POST", path, "customer_permanently_deletion")
        if payload is None:
            return None
        if not isinstance(payload, dict):
            raise InvalidResponse("the answer was not a JSON object", operation="customer_permanently_deletion")
        return m.PermanentDeletion.model_validate(payload)

    # -- lists ---------------------------------------------------------------------------------------

    @staticmethod
    def _customer_params(
        limit: int | None,
        page: int | None,
        order: CustomerOrder | str | None,
        starting_after: DateLike,
        filters: Mapping[str, Any],
    ) -> dict[str, Any]:
        return _params({**filters, "limit": limit, "page": page, "order": order, "starting_after": starting_after})

    async def list_customers(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        order: CustomerOrder | str | None = None,
        starting_after: DateLike = None,
        **filters: Unpack[CustomerFilters],
    ) -> m.CustomersList:
        """``GET /v1/customers``: ``limit`` 1-100 (10), ``page`` 1-99, exact filters, date ranges, ``order``
        (newest first by default) and ``starting_after``, a ``created_at`` cursor (the list answers no cursor:
        it is the last record's ``created_at``)."""
        params = self._customer_params(limit, page, order, starting_after, filters)
        return await self._call(m.CustomersList, "GET", "/v1/customers", "list_customers", params=params)

    async def customers_page(
        self,
        limit: int,
        *,
        page: int | None = None,
        order: CustomerOrder | str | None = None,
        starting_after: DateLike = None,
        **filters: Unpack[CustomerFilters],
    ) -> Page[dict[str, Any]]:
        """One page of ``list_customers`` as plain JSON records (``Page.next`` is None: the API gives no cursor)."""
        params = self._customer_params(limit, page, order, starting_after, filters)
        payload = await self._send("GET", "/v1/customers", "list_customers", params=params)
        items = _records(payload, "customers", "list_customers")
        return Page(items=items, more=bool(payload.get("has_more")), total=_int(payload.get("total")))

    async def list_customer_activity(
        self,
        customer_id: str,
        *,
        limit: int | None = None,
        order: Literal["created_at", "-created_at"] | None = None,
        starting_after_id: str | None = None,
        **filters: Unpack[ActivityFilters],
    ) -> m.ActivityList:
        """``GET /v1/customers/{customerId}/activity``: 404 for an unknown customer; pass ``more_starting_after``
        back as ``starting_after_id`` for the next page."""
        params = _params({**filters, "limit": limit, "order": order, "starting_after_id": starting_after_id})
        path = customer_path(customer_id, "/activity")
        return await self._call(m.ActivityList, "GET", path, "list_customer_activity", params=params)

    async def activity_page(
        self,
        customer_id: str,
        limit: int,
        *,
        starting_after_id: str | None = None,
        order: Literal["created_at", "-created_at"] | None = None,
        **filters: Unpack[ActivityFilters],
    ) -> Page[dict[str, Any]]:
        params = _params({**filters, "limit": limit, "order": order, "starting_after_id": starting_after_id})
        path = customer_path(customer_id, "/activity")
        payload = await self._send("GET", path, "list_customer_activity", params=params)
        items = _records(payload, "data", "list_customer_activity")
        return Page(items=items, more=bool(payload.get("has_more")), next=payload.get("more_starting_after") or None)

    async def list_customer_segments(self, customer_id: str) -> m.SegmentsList:
        """``GET /v1/customers/{customerId}/segments``. For an unknown customer the API answers 200 with the
        segments such a customer would fall into (reference §4.8), not 404: look the customer up to tell."""
        path = customer_path(customer_id, "/segments")
        return await self._call(m.SegmentsList, "GET", path, "list_customer_segments")

    async def list_customer_redeemables(
        self,
        customer_id: str,
        *,
        limit: int | None = None,
        order: Literal["id", "-id"] | None = None,
        starting_after_id: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> m.RedeemablesList:
        """``GET /v1/customers/{customerId}/redeemables``. ``filters`` is the SDK's deepObject, e.g.
        ``{"holder_role": {"conditions": {"$in": ["OWNER"]}}, "junction": "and"}``. 404 for an unknown customer."""
        params = self._redeemable_params(limit, order, starting_after_id, filters)
        path = customer_path(customer_id, "/redeemables")
        return await self._call(m.RedeemablesList, "GET", path, "list_customer_redeemables", params=params)

    async def redeemables_page(
        self,
        customer_id: str,
        limit: int,
        *,
        starting_after_id: str | None = None,
        order: Literal["id", "-id"] | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Page[dict[str, Any]]:
        params = self._redeemable_params(limit, order, starting_after_id, filters)
        path = customer_path(customer_id, "/redeemables")
        payload = await self._send("GET", path, "list_customer_redeemables", params=params)
        items = _records(payload, "data", "list_customer_redeemables")
        return Page(
            items=items,
            more=bool(payload.get("has_more")),
            next=payload.get("more_starting_after") or None,
            total=_int(payload.get("total")),
        )

    @staticmethod
    def _redeemable_params(
        limit: int | None, order: str | None, starting_after_id: str | None, filters: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        params = _params({"limit": limit, "order": order, "starting_after_id": starting_after_id})
        return {**params, **deep_object("filters", filters)} if filters else params

    # -- async actions -------------------------------------------------------------------------------

    async def import_customers_using_csv(self, file: bytes, *, filename: str = "customers.csv") -> m.AsyncActionQueued:
        """``POST /v1/customers/importCSV`` (multipart, one part ``file``; row 1 the header): 202 with the
        action's id; the customers change when the action runs (``get_async_action``). Not idempotent: rows without
        a ``Source_id`` would be created again."""
        check = (
            "look up a few of the file's customers (by source_id or email) to see whether they were imported "
            "before importing again"
        )
        payload = await self._post_file("/v1/customers/importCSV", "import_customers_using_csv", file, filename, check)
        return m.AsyncActionQueued.model_validate(payload if isinstance(payload, dict) else {})

    async def update_customers_in_bulk(self, customers: Sequence[m.BulkCustomer]) -> m.AsyncActionQueued:
        """``POST /v1/customers/bulk/async``: a JSON array, upserted by source_id when the action runs (at most
        10 MB: 413). Sending the same array twice ends in the same customers, so it is retried like a PUT."""
        body = [m.dump_body(customer) for customer in customers]
        return await self._call(
            m.AsyncActionQueued,
            "POST",
            "/v1/customers/bulk/async",
            "update_customers_in_bulk",
            idempotent=True,
            body=body,
            check="get the customers by source_id to see whether the update was applied before sending it again",
        )

    async def update_customers_metadata_in_bulk(self, request: m.MetadataBulkUpdate) -> m.AsyncActionQueued:
        """``POST /v1/customers/metadata/async``: the same metadata merged into every listed customer (unknown
        source_ids are created) when the action runs. Repeating it changes nothing more: retried like a PUT."""
        return await self._call(
            m.AsyncActionQueued,
            "POST",
            "/v1/customers/metadata/async",
            "update_customers_metadata_in_bulk",
            idempotent=True,
            body=request,
            check="get a listed customer by source_id to see whether its metadata changed before sending it again",
        )

    async def get_async_action(self, async_action_id: str) -> m.AsyncAction:
        """``GET /v1/async-actions/{asyncActionId}``: the action's status and, once DONE or FAILED, its result."""
        path = f"/v1/async-actions/{path_segment(async_action_id, 'async_action_id')}"
        return await self._call(m.AsyncAction, "GET", path, "get_async_action")

    async def _post_file(self, path: str, operation: str, file: bytes, filename: str, check: str) -> Any:
        """A multipart POST of one file through the shared client, with the retry rules of a write that is not
        idempotent: again only when the request was provably not applied (never sent, or refused with 429 or
        413), else the failure stands (an ambiguous one is "outcome unknown")."""
        encoded = httpx2.Request("POST", "http://multipart.invalid/", files={CSV_PART: (filename, file, "text/csv")})
        body = (encoded.read(), encoded.headers["Content-Type"])
        return await self.http.request("POST", path, operation=operation, idempotent=False, encoded=body, check=check)


def _records(payload: Any, key: str, operation: str) -> list[dict[str, Any]]:
    """The list of records under ``key`` of a list answer; InvalidResponse for any other shape."""
    items = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidResponse(f"a list answer without a {key} list of objects", operation=operation)
    return items


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
