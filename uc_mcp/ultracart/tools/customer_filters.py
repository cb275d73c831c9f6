"""The customer filters: one definition for every tool that selects customers — list
(``ultracart_get_customers``), count, export, rank, and the two that find takes — and one plan for
answering them with the fewest API calls.

Where each filter is applied (reference/ultracart-customer-api.md and the OpenAPI subset):

- ``GET /customer/customers`` takes 27 filters as query parameters: email, QuickBooks class/code,
  signup and last-modified ranges, the names, company, city, state, postal code, country and phones
  of billing and shipping addresses, and pricing tier (oid or name).
- ``POST /customer/customers/query`` (``CustomerQuery``, a read under the same ``customer_read``
  scope) takes the same 27 plus ``any_tags`` / ``all_tags`` (and ``emails``). Tags are filterable only
  there, so a filter with tags is sent there; any other filter goes to the plain GET.
- Neither filters by store credit or by email-list membership. ``has_store_credit`` is checked here,
  on every customer read (``_expand=loyalty``), walking pages of 200 within the tool's ``max_calls``:
  the answer's ``how`` says so, and says when the walk stopped before the end. Email-list membership
  cannot be filtered at all: UltraCart has no per-customer read of subscriptions (see email_lists.py);
  a list's size is its ``member_count`` (``ultracart_get_customer_email_lists``).

One meaning everywhere, the API's (the sandbox emulates it in sandbox/filters.py, an assumption there too):

- an address filter (``billing_state``, ``shipping_city``, ...) matches a customer with ANY such
  address, not only the default one; count's ``by=state`` / ``by=country`` follow the same rule;
- ``_start`` / ``_end`` bounds are inclusive; a date alone starts at 00:00 (``_start``) or covers that
  whole day (``_end``: sent as 23:59:59, so that this holds whatever the API does with a bare date); a
  date or time without an offset is in the store's time zone (assumed: the merchant's zone, in which
  UltraCart renders its dates; the sandbox's is America/New_York);
- two-letter state and country codes are sent upper-case (``assist.with_codes_upper``);
- store credit is ``loyalty.internal_gift_certificate_balance``, the balance available now, as
  ``ultracart_rank_customers`` reads it (the assumption is written down in rank.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final

from pydantic import AfterValidator, Field, create_model, model_validator

from ...core.paging import FetchPage, Page
from .. import models as m
from ..api import CustomerFilters
from .assist import with_codes_upper
from .common import StrictInput

# -- the fields -------------------------------------------------------------------------------------

_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?")
DATE_ONLY_LENGTH: Final = len("2024-01-31")


def _real_moment(value: str) -> str:
    # The schema's pattern is loose (bytes in every host's context): the exact shape is checked here, and a
    # day that exists (2024-13-45 has the shape).
    try:
        if _MOMENT.fullmatch(value):
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return value
    except ValueError:
        pass
    raise ValueError("expected a real ISO-8601 date or date-time, e.g. 2024-01-31 or 2024-01-31T09:00:00-05:00")


DateText = Annotated[str, Field(max_length=40, pattern=r"^\d{4}-\d\d-\d\d[T \d:.Z+-]*$"), AfterValidator(_real_moment)]
TagList = list[Annotated[str, Field(min_length=1, max_length=250)]]


def no_default(schema: dict[str, Any]) -> None:
    # Every filter defaults to "not given"; 30 '"default": null' would be bytes in every host's context.
    schema.pop("default", None)


def _optional(annotation: Any, description: str | None = None, **constraints: Any) -> tuple[Any, Any]:
    # Typed without "| None" (the default None is never validated, and the server drops null arguments):
    # an "anyOf [..., null]" per filter would double the schema.
    return (annotation, Field(None, description=description, json_schema_extra=no_default, **constraints))


# The API's lengths (CustomerQuery's maxLength; the GET filters are the same fields).
ADDRESS_LENGTHS: Final = {
    "first_name": 30,
    "last_name": 30,
    "company": 50,
    "city": 32,
    "state": 32,
    "postal_code": 20,
    "country_code": 2,
    "day_phone": 25,
    "evening_phone": 25,
}
ANY_ADDRESS: Final = "any {kind} address matches, not only the default"
ANY_ADDRESS_IN: Final = "Any {kind} address in this {place} (not only the default)"


def _address_field(kind: str, suffix: str) -> tuple[Any, Any]:
    length = ADDRESS_LENGTHS[suffix]
    if suffix.endswith("_phone"):
        # The API matches phones on their digits and refuses a filter without any.
        return _optional(str, max_length=length, pattern="[0-9]")
    if suffix == "state":
        return _optional(str, ANY_ADDRESS_IN.format(kind=kind, place="state") + ", e.g. TX.", max_length=length)
    if suffix == "country_code":
        described = ANY_ADDRESS_IN.format(kind=kind, place="country") + ", e.g. US."
        return _optional(str, described, min_length=2, max_length=length)
    return _optional(str, max_length=length)


def _date_field(name: str) -> tuple[Any, Any]:
    what = "Signed up" if name.startswith("signup") else "Changed"
    if name.endswith("_start"):
        return _optional(DateText, f"{what} on/after; no offset: store time zone.")
    return _optional(DateText, f"{what} on/before; a bare date: the whole day, store time zone.")


def _filter_field(name: str) -> tuple[Any, Any]:
    kind, _, suffix = name.partition("_")
    if kind in ("billing", "shipping") and suffix in ADDRESS_LENGTHS:
        return _address_field(kind, suffix)
    if name.endswith(("_dts_start", "_dts_end")):
        return _date_field(name)
    if name == "pricing_tier_oid":
        return _optional(int, ge=1, le=2_147_483_647)
    if name == "pricing_tier_name":
        return _optional(str, "Has this pricing tier, e.g. Wholesale.", max_length=50)
    return _optional(str, max_length=100)  # email (part of one), qb_class, quickbooks_code


# Every filter, by name: the API's 27, the tags only its query endpoint takes, and what is checked here.
API_FILTERS: Final = tuple(CustomerFilters.__annotations__)
TAG_FILTERS: Final = ("any_tags", "all_tags")
FILTER_FIELDS: Final[dict[str, Any]] = {
    **{name: _filter_field(name) for name in API_FILTERS},
    "any_tags": _optional(TagList, "Has at least one of these tags.", max_length=20),
    "all_tags": _optional(TagList, "Has every one of these tags.", max_length=20),
    "has_store_credit": _optional(
        bool,
        "true: store credit > 0; false: none. Checked here, not by the API (reads the other filters' "
        "matches, 200 per call).",
    ),
}
RANGES: Final = ("signup_dts", "last_modified_dts")


def _bound(value: str, end: bool) -> datetime:
    closed = value + ("T23:59:59" if end else "T00:00:00") if len(value) == DATE_ONLY_LENGTH else value
    return datetime.fromisoformat(closed.replace("Z", "+00:00"))


_Fields: Any = create_model("CustomerFilterFields", __base__=StrictInput, **FILTER_FIELDS)


class CustomerFilterInput(_Fields):
    """The customer filters, as a base of every tool input that takes them."""

    @model_validator(mode="after")
    def _ranges_in_order(self) -> CustomerFilterInput:
        for prefix in RANGES:
            start, end = getattr(self, f"{prefix}_start"), getattr(self, f"{prefix}_end")
            if start is None or end is None:
                continue
            first, last = _bound(start, end=False), _bound(end, end=True)
            # A bound with an offset and one without are in different zones: the API compares those.
            if (first.tzinfo is None) == (last.tzinfo is None) and first > last:
                raise ValueError(f"{prefix}_start is later than {prefix}_end, so nothing could match; swap them")
        return self


# -- the plan -----------------------------------------------------------------------------------------

STORE_CREDIT_EXPANSION: Final = "loyalty"
STORE_CREDIT_FIELD: Final = "loyalty.internal_gift_certificate_balance"


def store_credit(customer: Mapping[str, Any]) -> Decimal | None:
    """The store credit available now (0 when the customer has none), None when it is not a number."""
    loyalty = customer.get("loyalty")
    balance = loyalty.get("internal_gift_certificate_balance") if isinstance(loyalty, Mapping) else None
    if balance is None:
        return Decimal(0)  # assumed: the API leaves out what a customer never had
    if isinstance(balance, bool) or not isinstance(balance, int | float | str):
        return None
    try:
        amount = Decimal(str(balance).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


@dataclass(frozen=True, slots=True)
class Selection:
    """A validated filter, split by where it is applied: ``api`` (GET parameter names, codes upper-cased,
    bare end dates closed), ``tags`` (the query endpoint only) and ``store_credit`` (checked here)."""

    api: dict[str, Any]
    tags: dict[str, list[str]]
    store_credit: bool | None = None
    closed_ends: tuple[str, ...] = ()  # the _end filters given as a bare date

    @property
    def checked_here(self) -> bool:
        """Whether some filter is applied here, so that the API's pages and totals are a superset."""
        return self.store_credit is not None

    @property
    def endpoint(self) -> str:
        return "POST /customer/customers/query" if self.tags else "GET /customer/customers"

    def with_api(self, **filters: Any) -> Selection:
        return Selection({**self.api, **filters}, self.tags, self.store_credit, self.closed_ends)

    def expansions(self, expand: Any = None) -> list[str] | None:
        """``expand`` plus what the checks made here need."""
        wanted = {*(expand or ()), *((STORE_CREDIT_EXPANSION,) if self.checked_here else ())}
        return sorted(wanted) or None

    async def page(
        self, api: Any, offset: int, limit: int, *, sort: Any = None, expand: Any = None, only: Any = None
    ) -> Page[dict[str, Any]]:
        """One page of the customers the API's filters match (not yet checked here: see ``keep``); ``only``: the
        keys of each customer the caller reads (``UltraCartApi.customer_page``)."""
        wanted = self.expansions(expand)
        if self.tags:
            query = m.CustomerQuery.model_validate({**self.api, **self.tags})
            page: Page[dict[str, Any]] = await api.customer_page(
                offset, limit, query=query, sort=sort, expand=wanted, only=only
            )
        else:
            page = await api.customer_page(offset, limit, sort=sort, expand=wanted, only=only, **self.api)
        return page

    def fetch(self, api: Any, *, sort: Any = None, expand: Any = None, only: Any = None) -> FetchPage[dict[str, Any]]:
        async def fetch(offset: int, limit: int) -> Page[dict[str, Any]]:
            return await self.page(api, offset, limit, sort=sort, expand=expand, only=only)

        return fetch

    def keep(self, customer: Mapping[str, Any]) -> bool:
        """Whether a customer the API returned passes the checks made here."""
        if self.store_credit is None:
            return True
        amount = store_credit(customer)
        return amount is not None and (amount > 0) == self.store_credit

    def meaning(self, *, terse: bool = False) -> list[str]:
        """What the filters given mean and where they were applied, for an answer's ``how`` (``terse``: the same
        facts in fewer words, for a tight result budget)."""
        lines = []
        for kind in ("billing", "shipping"):
            names = [name for name in self.api if name.startswith(f"{kind}_")]
            if names:
                said = f"any {kind} address" if terse else ANY_ADDRESS.format(kind=kind)
                lines.append(f"{', '.join(names)}: {said}")
        if self.closed_ends:
            said = "whole day" if terse else "a bare date covers that whole day (store's time zone)"
            lines.append(f"{', '.join(self.closed_ends)}: {said}")
        if self.tags:
            said = "query endpoint" if terse else f"sent to {self.endpoint}, the only endpoint that filters by tag"
            lines.append(f"{', '.join(self.tags)}: {said}")
        if self.checked_here:
            said = "" if terse else f" on each customer's {STORE_CREDIT_FIELD} (the API has no store-credit filter)"
            lines.append(f"has_store_credit={'true' if self.store_credit else 'false'}: checked here{said}")
        return lines


def selection(request: Any) -> Selection:
    """The filters a validated input sets (any model with the fields of ``CustomerFilterInput``)."""
    given = {name: value for name in API_FILTERS if (value := getattr(request, name, None)) is not None}
    api = with_codes_upper(given)
    closed = tuple(name for name in api if name.endswith("_end") and len(api[name]) == DATE_ONLY_LENGTH)
    for name in closed:
        api[name] += "T23:59:59"  # no offset: the store's time zone, as the bare date was
    tags = {name: list(dict.fromkeys(value)) for name in TAG_FILTERS if (value := getattr(request, name, None))}
    return Selection(api, tags, getattr(request, "has_store_credit", None), closed)


OUT_OF_CALLS: Final = "max_calls ran out"


def read_line(
    read: int,
    pages: int,
    kept: int,
    *,
    stopped: str | None = None,
    listed: int | None = None,
    start: int = 0,
    terse: bool = False,
) -> str:
    """``how``'s line for a walk that checked customers here; ``stopped`` says why it ended early, if it did."""
    calls = "1 call" if pages == 1 else f"{pages} calls"
    of = f" of {listed}" if listed is not None else ""
    origin = f" from offset {start}" if start else ""
    if terse:
        return f"read {read}{of}{origin} ({calls}{', ' + stopped if stopped else ''}): {kept} passed"
    if stopped:
        return (
            f"read {read}{of} customers the API's filters match{origin} ({calls}) before {stopped}; {kept} of "
            "them passed the checks made here"
        )
    return f"read all {read} customers the API's filters match{origin} ({calls}); {kept} passed the checks made here"
