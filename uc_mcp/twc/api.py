"""``TwcApi``: one async method per endpoint of TWC's customer service (the 13 of the seed revision, reference §5),
named after the doc's method names (``createCustomer`` → ``create_customer``; its three ``updateCustomer`` routes
are ``update_customer``, ``update_customer_by_id`` and ``update_customer_by_ref``; ``lookupCustomer`` is
``search_customers``, as the tools call it).

Typed arguments in, pydantic models out (``models.py``); a body may also be a plain JSON mapping, sent as it is
(the docs' own samples, unknown fields). Transport, the token (``core/auth.py``: fetched on first use, renewed before
``expires_in`` and once on a 401), ``X-TWC-Tenant``, retries, rate limiting and error mapping are the shared
client's (``core/http.py``); what counts as "not applied" versus "outcome unknown" is written in ``envelope.py``.

Paths are the service's, under the gateway prefix ``/services/customerservice/api/v2`` (the client's base URL is
the gateway's root). A value in a path segment (an id, a customerRef) is percent-encoded as one segment, ``@``
kept: a ref may hold ``/``, ``?``, ``#``, ``%`` or spaces (reference §5); the ``id=`` and ``customerRef=``
prefixes of the update routes stay literal. Idempotent (retried after a failure that may have reached the
service): GET, every PUT (an update sends the same fields however often), DELETE; never create, add address or
upload (reference §7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, TypedDict, Unpack
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from ..core.api import ApiClient
from ..core.errors import InvalidResponse, NotFound
from ..core.paging import Page
from . import models as m

__all__ = [
    "SEARCH_FIELDS",
    "SERVICE_PREFIX",
    "CustomerBody",
    "SearchCriteria",
    "TwcApi",
    "segment",
]

SERVICE_PREFIX: Final = "/services/customerservice/api/v2"
SEARCH_FIELDS: Final = ("email", "firstName", "lastName", "mobile", "phone")

# A body: a request model (only the fields set are sent) or plain JSON, sent as it is.
CustomerBody = m.CustomerWrite | Mapping[str, Any]
AddressBody = m.AddressWrite | Mapping[str, Any]
MatchKind = Literal["id", "customerRef"]


class SearchCriteria(TypedDict, total=False):
    """``lookupCustomer``'s query: every criterion given must match (AND), exactly."""

    email: str
    firstName: str
    lastName: str
    mobile: str
    phone: str


def segment(value: str, name: str = "id") -> str:
    """``value`` as one path segment: percent-encoded (``@`` kept), and a value of dots alone encoded too, so
    that no URL normalisation reads it as ``.`` or ``..``. ValueError naming ``name`` when empty."""
    if not value:
        raise ValueError(f"{name}: must not be empty")
    if set(value) == {"."}:
        return "%2E" * len(value)
    return quote(value, safe="@")


def customers_path(suffix: str = "") -> str:
    return f"{SERVICE_PREFIX}/customers{suffix}"


def _body(body: BaseModel | Mapping[str, Any]) -> Any:
    return m.dump_body(body) if isinstance(body, BaseModel) else dict(body)


def _customer(payload: Any, operation: str) -> m.Customer:
    if not isinstance(payload, dict):
        raise InvalidResponse("the answer was not a customer (a JSON object)", operation=operation)
    try:
        return m.Customer.model_validate(payload)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in item["loc"]) for item in error.errors(include_input=False)})
        detail = f"a customer with unreadable field(s) {', '.join(fields[:5])}"
        raise InvalidResponse(detail, operation=operation) from None


class TwcApi(ApiClient):
    """The customer service of one TWC tenant (on the HTTP core: core/api.py)."""

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
        write: bool | None = None,
    ) -> Any:
        return await self.http.request(
            method,
            path,
            operation=operation,
            idempotent=method in ("GET", "PUT", "DELETE") if idempotent is None else idempotent,
            params=params,
            body=body,
            check=check or "get the customer before trying again",
            write=write,
        )

    async def _customer_call(self, method: str, path: str, operation: str, **options: Any) -> m.Customer:
        return _customer(await self._send(method, path, operation, **options), operation)

    # -- 1, 2, 3: create, upload, validate ---------------------------------------------------------------------

    async def create_customer(self, customer: CustomerBody) -> m.Customer:
        """``POST /customers`` (201 + the customer). ``email`` (mandatory) and ``customerRef`` must be unique in
        the tenant: a duplicate is a 400. Not idempotent: a failure after the request may have arrived is an
        unknown outcome, never retried (the customer may exist now: look it up by its email)."""
        email = _body(customer).get("email")
        check = (
            f"search customers by email ({email}) to see whether it was created before trying again"
            if isinstance(email, str) and email
            else "search customers to see whether it was created before trying again"
        )
        return await self._customer_call(
            "POST", customers_path(), "create_customer", idempotent=False, body=_body(customer), check=check
        )

    async def upload_customers(self, customers: Sequence[CustomerBody]) -> None:
        """``POST /upload-customers`` (deprecated in favour of TWC's ImpEx API): a JSON array of customers,
        accepted with 200 (seed) or 202 and no body (2024 doc), applied by TWC afterwards. Fire and forget: not
        idempotent (the same customers again would be duplicates), so a failure after sending is an unknown
        outcome."""
        body = [_body(customer) for customer in customers]
        await self._send(
            "POST",
            f"{SERVICE_PREFIX}/upload-customers",
            "upload_customers",
            idempotent=False,
            body=body,
            check="search a few of the uploaded customers by email to see whether they arrived before uploading again",
        )

    async def validate_customer_request(self, customer: CustomerBody) -> None:
        """``POST /customers/validate``: 200 when TWC would accept this customer, else ``BadRequest`` with its
        reason. Changes nothing (a read-only POST: retried like a read). Mostly internal; the 2024 doc hides it."""
        await self._send(
            "POST", customers_path("/validate"), "validate_customer_request", idempotent=True, write=False,
            body=_body(customer),
        )  # fmt: skip

    # -- 4, 5, 6: the three updates ------------------------------------------------------------------------------

    async def update_customer(self, customer: m.CustomerMatch | Mapping[str, Any]) -> m.Customer:
        """``PUT /customers``: the customer named in the body by ``id``, else ``customerRef``, else ``email``, gets
        the other fields sent (partial: fields not sent stay). 200 (the 2024 doc lists 201: both accepted)."""
        return await self._customer_call("PUT", customers_path(), "update_customer", body=_body(customer))

    async def update_customer_by_id(self, customer_id: str, customer: CustomerBody) -> m.Customer:
        """``PUT /customers/id={id}``: partial, like every update."""
        path = customers_path(f"/id={segment(customer_id)}")
        return await self._customer_call("PUT", path, "update_customer_by_id", body=_body(customer))

    async def update_customer_by_ref(self, customer_ref: str, customer: CustomerBody) -> m.Customer:
        """``PUT /customers/customerRef={customerRef}``: partial, like every update."""
        path = customers_path(f"/customerRef={segment(customer_ref, 'customerRef')}")
        return await self._customer_call("PUT", path, "update_customer_by_ref", body=_body(customer))

    # -- 7, 8: addresses ---------------------------------------------------------------------------------------

    async def add_customer_address(self, customer_id: str, address: AddressBody) -> m.Customer:
        """``POST /customers/{id}/address``: one address added; answers the whole customer. Not idempotent (the
        same address twice is two addresses). Deprecated by the 2024 doc (the updates can send ``addresses``)."""
        path = customers_path(f"/{segment(customer_id)}/address")
        check = "get the customer and look at its addresses before adding it again"
        return await self._customer_call(
            "POST", path, "add_customer_address", idempotent=False, body=_body(address), check=check
        )

    async def delete_customer_address(self, customer_id: str, address_id: str) -> m.Customer:
        """``DELETE /customers/{id}/address/{addressId}``: answers the whole customer without it. A 404 after a
        retry means the first attempt deleted it (its answer was lost): the customer is read again."""
        path = customers_path(f"/{segment(customer_id)}/address/{segment(address_id, 'address_id')}")

        async def send() -> m.Customer:
            return await self._customer_call("DELETE", path, "delete_customer_address")

        deleted = await self._gone_ok_on_retry(send)
        return deleted if deleted is not None else await self.get_customer(customer_id)

    # -- 9, 10, 11: reads --------------------------------------------------------------------------------------

    async def get_customer(self, customer_id: str) -> m.Customer:
        """``GET /customers/{id}`` (TWC's UUID): ``NotFound`` for an unknown or deleted one."""
        return await self._customer_call("GET", customers_path(f"/{segment(customer_id)}"), "get_customer")

    async def get_customer_by_ref(self, customer_ref: str) -> m.Customer:
        """``GET /customers/{customerRef}/ref``: ``NotFound`` for an unknown or deleted one."""
        path = customers_path(f"/{segment(customer_ref, 'customerRef')}/ref")
        return await self._customer_call("GET", path, "get_customer_by_ref")

    async def get_customer_by(self, kind: MatchKind, value: str) -> m.Customer:
        """``get_customer`` or ``get_customer_by_ref``, as ``kind`` says."""
        return await (self.get_customer(value) if kind == "id" else self.get_customer_by_ref(value))

    async def search_records(self, **criteria: Unpack[SearchCriteria]) -> list[dict[str, Any]]:
        """``GET /customers/search``: the customers matching every criterion given, as plain JSON records (a bare
        array, no paging; reference §5). ValueError without a criterion (the docs do not define that search). A
        404 is read as no match (the doc says "returns an empty list" but lists 404; reference §8)."""
        params = {name: value for name, value in criteria.items() if isinstance(value, str) and value.strip()}
        if not params:
            raise ValueError(f"give at least one of {', '.join(SEARCH_FIELDS)} to search")
        try:
            payload = await self._send("GET", customers_path("/search"), "search_customers", params=params)
        except NotFound:
            return []
        if payload is None:
            return []
        if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
            raise InvalidResponse("the search did not answer a JSON array of customers", operation="search_customers")
        return payload

    async def search_customers(self, **criteria: Unpack[SearchCriteria]) -> list[m.Customer]:
        """``search_records`` as models."""
        return [_customer(item, "search_customers") for item in await self.search_records(**criteria)]

    async def search_page(self, **criteria: Unpack[SearchCriteria]) -> Page[dict[str, Any]]:
        """The search's bare array as one page (``core/paging.py``: ``more`` False, ``total`` its length)."""
        items = await self.search_records(**criteria)
        return Page(items=items, more=False, total=len(items))

    # -- 12, 13: deletes ---------------------------------------------------------------------------------------

    async def delete_customer(self, customer_id: str) -> None:
        """``DELETE /customers/{id}`` (204). TWC keeps the customer's wishlists, de-identified. A 404 after a retry
        means the first attempt deleted it."""
        path = customers_path(f"/{segment(customer_id)}")
        await self._gone_ok_on_retry(lambda: self._send("DELETE", path, "delete_customer"))

    async def delete_customer_by_ref(self, customer_ref: str) -> None:
        """``DELETE /customers/{customerRef}/ref`` (204), as ``delete_customer``."""
        path = customers_path(f"/{segment(customer_ref, 'customerRef')}/ref")
        await self._gone_ok_on_retry(lambda: self._send("DELETE", path, "delete_customer_by_ref"))
