"""Pieces every UltraCart toolset shares: ids, paging inputs, result models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
)

from ...core.budget import estimate_tokens, fit_list, fit_object
from ...core.results import ListResult as ListResult  # the bases live in core/results.py (every provider's)
from ...core.results import ObjectResult as ObjectResult
from ...core.results import Result as Result
from ...core.results import StrictInput as StrictInput
from ...core.results import WriteInput as WriteInput
from ...core.results import mark as mark
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


def one_object(
    ctx: ToolContext, key: str, value: Any, fields: list[str] | None = None, *, hint: str | None = None
) -> dict[str, Any]:
    """One record under ``key``, fitted to the budget. ``hint`` says how to see what was cut when
    the tool has no ``fields`` parameter."""
    body = value.model_dump(mode="json", by_alias=True, exclude_none=True) if isinstance(value, BaseModel) else value
    fitted = fit_object(body or {}, max_tokens=ctx.max_tokens - 40, fields=fields, detail_hint=hint)
    # (Only popped when there: a fitted record remembers its JSON text until it is changed.)
    notice = fitted.pop("notice") if "notice" in fitted else None
    result: dict[str, Any] = {key: fitted}
    if notice:
        result["notice"] = notice
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
    """A write's result: the record as stored under ``key`` and its ``changes``, fitted to the budget
    together. Long values are shortened in both alike; if that is not enough the record goes first
    (it can be read again, the values it had before cannot), and only its ids are kept."""
    body = value.model_dump(mode="json", by_alias=True, exclude_none=True) if isinstance(value, BaseModel) else value
    record: dict[str, Any] = body or {}
    whole: dict[str, Any] = {key: record, "changes": dict(changes)} if changes else {key: record}
    fitted = fit_object(whole, max_tokens=ctx.max_tokens - 40, detail_hint=hint, id_fields=("changes",))
    notice = fitted.pop("notice") if "notice" in fitted else None
    result: dict[str, Any] = dict(fitted)
    if key not in result:  # the output schema requires the record: at least which one it is
        result[key] = {name: record[name] for name in RECORD_IDS if name in record}
    if notice:
        result["notice"] = notice
    return mark(ctx, result)


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
