"""Pieces every UltraCart toolset shares: ids, paging inputs, result models."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BeforeValidator,
    Field,
)

from ...core import results
from ...core.budget import BYTES_PER_TOKEN, estimate_tokens, fit_list, fit_object, result_json
from ...core.paging import Page
from ...core.results import ListResult as ListResult  # the bases live in core/results.py (every provider's)
from ...core.results import ObjectResult as ObjectResult
from ...core.results import Result as Result
from ...core.results import StrictInput as StrictInput
from ...core.results import WriteInput as WriteInput
from ...core.results import mark as mark
from ...core.results import one_object as one_object
from ...core.toolspec import ToolContext
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view


def _not_bool(value: Any) -> Any:
    # JSON true/false is not an id, but pydantic's lax int reads true as 1 (customer 1).
    if isinstance(value, bool):
        raise ValueError("expected an integer id, not true or false")
    return value


# The validator goes after Field: before it, pydantic publishes the bounds as "ge"/"le", not minimum/maximum.
CustomerOid = Annotated[
    int,
    Field(ge=1, le=2_147_483_647, description="The customer's customer_profile_oid (an integer id)."),
    BeforeValidator(_not_bool),
]
ItemOid = Annotated[
    int,
    Field(ge=1, le=2_147_483_647, description="The wishlist item's customer_wishlist_item_oid."),
    BeforeValidator(_not_bool),
]
Expansion = Literal[
    "attachments",
    "billing",
    "cards",
    "cc_emails",
    "loyalty",
    "orders_summary",
    "pricing_tiers",
    "privacy",
    "properties",
    "quotes_summary",
    "reviewer",
    "shipping",
    "software_entitlements",
    "tags",
    "tax_codes",
]
EXPANSIONS: Final = frozenset(Expansion.__args__)  # type: ignore[attr-defined]
# What a compact customer view needs from the API.
VIEW_EXPANSION = ("billing", "shipping", "tags")
LIST_ID_FIELDS = ("customer_profile_oid", "email")


# The fields the API sorts customers by (it refuses any other), with an optional direction.
SORT_KEY = (
    r"^[+-]?(customer_profile_oid|email|signup_dts|last_modified_dts|qb_class|qb_code|"
    r"(billing|shipping)\.(first_name|last_name|company|city|state_region|postal_code|country_code))$"
)


class PageInput(StrictInput):
    limit: int = Field(50, ge=1, le=200, description="Customers per page (1-200).")
    offset: int = Field(0, ge=0, le=10_000_000, description="Zero-based offset: pass next_offset from the last result.")
    fields: list[Annotated[str, Field(max_length=80)]] | None = Field(
        None,
        max_length=30,
        description="Return these fields per customer instead of the compact table, e.g. "
        '["email","billing.city","tags"]. Dotted paths reach into addresses.',
    )
    sort: list[Annotated[str, Field(pattern=SORT_KEY)]] | None = Field(
        None, max_length=5, description='Sort keys, "+" ascending or "-" descending, e.g. ["-signup_dts","+email"].'
    )


# -- how many rows to ask the API for -----------------------------------------------------------------
#
# A list result shows as many rows as fit the result budget, up to ``limit``. The API's rows are most of a list
# tool's work (each is decoded with its addresses and tags), so the tools ask for the rows that can fit, not
# for ``limit``: a page of 200 asked for and cut to ~134 by the budget decoded 200, and the next call, starting
# at next_offset, decoded the other 66 again. What is shown is the same either way (below).

# A compact table row's bytes, on the low side (so that the first request nearly always brings a few rows more
# than fit, and the budget still cuts): rows of the demo store are 83-180 bytes, 113 on average; a customer
# with no address at all (no name, place or company) is ~95.
TABLE_ROW_BYTES: Final = 96
# Bytes of a list result besides its rows, at the least (the columns and the counts; a notice adds more).
LIST_ENVELOPE_BYTES: Final = 200
# A projected field (fields=[...]), on the low side: its key, quotes and colon, and a short value; a dotted
# path adds its root object once (``"billing":[{...}]``). A sub-object named whole is bigger: in the demo store
# a customer's addresses are ~400 bytes (270-1,100), cards ~260, the other expansions 40-270.
FIELD_VALUE_BYTES: Final = 8
WHOLE_FIELD_BYTES: Final[Mapping[str, int]] = {"billing": 300, "shipping": 300, "cards": 150}
WHOLE_EXPANSION_BYTES: Final = 40
FETCH_MARGIN: Final = 2  # rows asked for beyond the estimate
MAX_FETCHES: Final = 4  # API requests one call makes at most to fill its budget

Shape = Callable[[Page[dict[str, Any]]], dict[str, Any]]
FetchRows = Callable[[int, int], Awaitable[Page[dict[str, Any]]]]


def row_bytes(fields: Sequence[str] | None) -> int:
    """A low estimate of one list row's bytes: a compact table row, or a projection of ``fields``."""
    if not fields:
        return TABLE_ROW_BYTES
    size, roots = 2, set()  # {}
    for name in fields:
        root, dot, _ = name.partition(".")
        if dot:
            size += len(name.rsplit(".", 1)[-1]) + 4 + FIELD_VALUE_BYTES  # "leaf":value,
            if root not in roots:
                roots.add(root)
                size += len(root) + 8  # "root":[{},
        elif name in EXPANSIONS:
            size += len(name) + 4 + WHOLE_FIELD_BYTES.get(name, WHOLE_EXPANSION_BYTES)
        else:
            size += len(name) + 4 + FIELD_VALUE_BYTES
    return size


def rows_to_ask(max_tokens: int, fields: Sequence[str] | None, limit: int) -> int:
    """How many rows to ask the API for, for a list result of ``max_tokens``: all that may fit, at most ``limit``."""
    room = max_tokens * BYTES_PER_TOKEN - LIST_ENVELOPE_BYTES
    return max(1, min(limit, room // row_bytes(fields) + FETCH_MARGIN))


async def fitted_rows(fetch: FetchRows, request: PageInput, max_tokens: int, shape: Shape) -> dict[str, Any]:
    """``shape(page)`` of the page ``request`` asks for, reading from the API only the rows that can fit
    ``max_tokens``: the result is the one that ``shape`` makes of a page of ``request.limit`` rows.

    The first request asks for ``rows_to_ask``. When every row it brought fits, fewer than ``limit`` were asked
    for and the API has more, the rows were smaller than estimated: the rest is asked for, as many as the room
    left holds at the size of the rows just shaped (learnt within this call only: a call depends on no other),
    and the page shaped again. ``next_offset`` is ``offset + returned`` as for one page (``fit_list``), so
    paging neither skips nor repeats a row."""
    asked = rows_to_ask(max_tokens, request.fields, request.limit)
    page = await fetch(request.offset, asked)
    result = shape(page)
    for _ in range(MAX_FETCHES - 1):
        have = len(page.items)
        # More could fit only if every row given was shown, the API gave all that was asked and has more.
        if not (page.more and have >= asked and result["returned"] == have and have < request.limit):
            break
        wanted = _more_rows(result, max_tokens, request.limit - have)
        following = await fetch(request.offset + have, wanted)
        if not following.items:
            break
        asked = have + wanted
        # The later page's cursor and "more" (and total, when it says), with every row so far.
        total = following.total if following.total is not None else page.total
        page = replace(following, items=[*page.items, *following.items], total=total)
        result = shape(page)
    return result


def _more_rows(result: Mapping[str, Any], max_tokens: int, most: int) -> int:
    """Rows to ask for after ``result`` took every row it was given: the room left at the rows' average size."""
    shown = max(1, int(result["returned"]))
    used = len(result_json(result).encode("utf-8"))
    per_row = max(1.0, len(result_json({"items": result["items"]}).encode("utf-8")) / shown)
    room = max_tokens * BYTES_PER_TOKEN - used
    return max(1, min(most, math.ceil(room / per_row * 1.25) + FETCH_MARGIN))


# What ``customer_view`` reads of a customer: a page for the compact table is decoded with these keys only
# (``UltraCartApi.customer_page(only=...)``): the addresses' other fields, which are most of a page, are never
# built. The view's output is the same (tests/ultracart/mcp/test_list_fetch.py checks it on every demo customer).
_VIEW_ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "company",
    "city",
    "state_region",
    "country_code",
    "default_billing",
    "default_shipping",
)
COMPACT_VIEW_KEYS: Final[Mapping[str, tuple[str, ...] | None]] = {
    "customer_profile_oid": None,
    "email": None,
    "signup_dts": None,
    "last_modified_dts": None,
    "billing": _VIEW_ADDRESS_KEYS,
    "shipping": _VIEW_ADDRESS_KEYS,
    "tags": (),  # only counted
}


def decoded_keys(request: PageInput) -> Mapping[str, tuple[str, ...] | None] | None:
    """The keys of each customer a list call reads: the compact view's, or all of them with ``fields``."""
    return None if request.fields else COMPACT_VIEW_KEYS


def customer_list(ctx: ToolContext, page: Any, request: PageInput, tool: str) -> dict[str, Any]:
    fields = request.fields or None
    result = fit_list(
        page.items,
        view=customer_view,
        fields=fields,
        total=page.total,
        offset=request.offset,
        more=page.more,
        max_tokens=ctx.max_tokens - 20,
        next_hint=f"call {tool} again with offset={{offset}}",
        detail_hint="call ultracart_get_customer with its customer_profile_oid",
        id_fields=LIST_ID_FIELDS,
        columns=None if fields else COMPACT_CUSTOMER_FIELDS,
    )
    return mark(ctx, result)


CHANGES_DESCRIPTION = (
    "What this write changed. before/after: the old and new value of each changed field (nested objects and list "
    "entries by their id and the sub-fields that changed; a field missing on one side was empty there). "
    "added/removed: values or ids that came into or left a list (tags, addresses by oid, wishlist items)."
)


# Ids that name a record when nothing else of it fits.
RECORD_IDS = ("customer_profile_oid", "email", "customer_wishlist_item_oid", "merchant_item_oid")


def changes_field() -> Any:
    """The ``changes`` field of a write's result model (``core/changes.py``)."""
    return Field(None, description=CHANGES_DESCRIPTION)


def changed_object(
    ctx: ToolContext, key: str, value: Any, changes: Mapping[str, Any], *, hint: str | None = None
) -> dict[str, Any]:
    """A write's result: the record as stored under ``key`` and its ``changes``, fitted to the budget together
    (core/results.py); when the record cannot fit, its ``RECORD_IDS`` say which one it was."""
    return results.changed_object(ctx, key, value, changes, record_ids=RECORD_IDS, hint=hint)


def fitted_payload(ctx: ToolContext, payload: dict[str, Any], *, key: str, hint: str) -> dict[str, Any]:
    """A result holding one list under ``key`` (an API answer without paging), fitted to the budget.

    Trimming long values comes first; if the list still does not fit, as many entries as fit are
    shown, and the notice says how many were left out.
    """
    max_tokens = ctx.max_tokens - 20
    fitted = fit_object(payload, max_tokens=max_tokens, detail_hint=hint)
    entries = payload.get(key) or []
    if key in fitted or not entries:
        return mark(ctx, {**fitted, key: fitted.get(key, [])})  # an empty list is an answer: keep it
    low, high = 0, len(entries)
    best: dict[str, Any] = {key: [], "notice": ""}
    while low <= high:
        middle = (low + high) // 2
        notice = f"Showing {middle} of {len(entries)} (budget ~{max_tokens} tokens); to see the rest, {hint}."
        attempt = fit_object({**payload, key: entries[:middle]}, max_tokens=max_tokens, detail_hint=hint)
        candidate = {**attempt, "notice": " ".join(filter(None, (attempt.get("notice"), notice)))}
        if key in attempt and estimate_tokens(candidate) <= max_tokens:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return mark(ctx, best)
