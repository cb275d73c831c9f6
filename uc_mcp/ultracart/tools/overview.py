"""``ultracart_customer_overview``: one customer's support view in one call.

Identity, default addresses, tags, pricing tiers, order summary, loyalty, store credit with the
latest ledger entries, and the wishlist's size and top items — from at most four API calls: the
customer by oid (or by email) with its expansions, then store credit and wishlist concurrently
(the client's rate limiter serialises them when the API allows one request at a time).

Email-list subscriptions are not in the overview: UltraCart has no per-customer read of them
(only the store's lists, and a write that changes a customer's), so the result says so instead of
guessing. Everything is fitted to the result budget; ``more`` names the tool for each full list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import anyio
from pydantic import Field, model_validator

from ...core.budget import fit_object
from ...core.errors import ProviderError
from ...core.redact import IDENTIFYING_KEYS, mark_hidden
from ...core.toolspec import ToolContext, ToolSpec
from ...ui import CUSTOMER_VIEW
from ..views import customer_view, store_credit_view
from .assist import CallBudget
from .common import CustomerOid, ObjectResult, StrictInput, mark

OVERVIEW_EXPANSION: Final = ("billing", "shipping", "tags", "pricing_tiers", "orders_summary", "loyalty")
MAX_CALLS: Final = 4
RECENT_LEDGER: Final = 5
TOP_WISHES: Final = 3
EMAIL_LISTS_NOTE: Final = (
    "UltraCart offers no per-customer read of email-list subscriptions; ultracart_get_customer_email_lists "
    "lists the store's lists."
)


class OverviewInput(StrictInput):
    customer_profile_oid: CustomerOid | None = None
    email: str | None = Field(
        None, min_length=3, max_length=100, pattern=r"^[^@\s/]+@[^@\s/]+$", description="Or the exact email."
    )

    @model_validator(mode="after")
    def _one_key(self) -> OverviewInput:
        if (self.customer_profile_oid is None) == (self.email is None):
            raise ValueError("give exactly one of customer_profile_oid or email")
        return self


class OverviewResult(ObjectResult):
    customer: dict[str, Any] = Field(description="Identity, addresses, tags, pricing tiers.")
    orders: dict[str, Any] | None = None
    loyalty: dict[str, Any] | None = None
    store_credit: dict[str, Any] | None = Field(
        None,
        description="available (usable now), vesting (usable later), expiring (of available, within 30 days), "
        "lifetime_credited (not a balance), and the latest ledger entries.",
    )
    wishlist: dict[str, Any] | None = Field(None, description="Item count and the top items by priority.")
    email_lists: str | None = None
    more: dict[str, str] | None = Field(None, description="Which tool gives the full detail of each part.")
    api_calls: int


def _address(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not address:
        return None
    keep = ("first_name", "last_name", "company", "address1", "address2", "city", "state_region", "postal_code")
    # Names and company marked here, before the budget measures them (as in views.customer_view).
    return {
        key: mark_hidden(address[key]) if key in IDENTIFYING_KEYS else address[key]
        for key in (*keep, "country_code", "day_phone")
        if address.get(key)
    }


def _default(customer: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    entries = [entry for entry in customer.get(kind) or [] if isinstance(entry, Mapping)]
    flagged = [entry for entry in entries if entry.get(f"default_{kind}")]
    chosen = flagged or entries
    return chosen[0] if chosen else None


def identity(customer: Mapping[str, Any]) -> dict[str, Any]:
    view = customer_view(customer)
    return {
        "customer_profile_oid": customer.get("customer_profile_oid"),
        "email": view.get("email"),  # marked when it hid characters, as name and company are
        "name": view.get("name"),
        "company": view.get("company"),
        "signup_dts": customer.get("signup_dts"),
        "last_modified_dts": customer.get("last_modified_dts"),
        "billing": _address(_default(customer, "billing")),
        "shipping": _address(_default(customer, "shipping")),
        "tags": [tag.get("tag_value") for tag in customer.get("tags") or [] if isinstance(tag, Mapping)],
        "pricing_tiers": [
            tier.get("name") for tier in customer.get("pricing_tiers") or [] if isinstance(tier, Mapping)
        ],
        "business_notes": customer.get("business_notes"),
    }


def _loyalty(loyalty: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not loyalty:
        return None
    keep = ("current_points", "pending_points", "loyalty_tier_name", "internal_gift_certificate_balance")
    return {key: loyalty[key] for key in keep if loyalty.get(key) is not None} or None


def _entry_instant(entry: Mapping[str, Any]) -> float:
    """When a ledger entry happened, as a POSIX time: entries carry their own UTC offsets (around a DST
    change two of them differ), so their text does not sort by time. A value without an offset is taken
    as UTC (assumed; UltraCart sends offsets); one that is no date-time sorts first (oldest)."""
    text = entry.get("entry_dts")
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return float("-inf")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _store_credit(credit: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if credit is None:
        return None
    view = store_credit_view(credit)  # figures named for what they are; ledger actions in the past tense
    ledger = sorted(view.get("past_ledgers") or [], key=_entry_instant)
    recent = [
        {key: entry[key] for key in ("entry_dts", "amount", "description", "action") if entry.get(key) is not None}
        for entry in ledger[-RECENT_LEDGER:][::-1]
    ]
    balances = {key: view.get(key) for key in ("available", "vesting", "expiring", "lifetime_credited")}
    return {
        **balances,
        "ledger_entries": len(ledger),
        "recent": recent,
        "scheduled": len(credit.get("future_ledgers") or []),
    }


def _wishlist(items: list[Mapping[str, Any]] | None) -> dict[str, Any] | None:
    if items is None:
        return None
    # Highest priority first: UltraCart documents "3 being low priority and 5 is high priority".
    # Items without one come last; ties keep the wishlist's own order (position).
    ranked = sorted(items, key=lambda item: (-(item.get("priority") or 0), item.get("position") or 0))
    top = [
        {
            key: item[key]
            for key in ("customer_wishlist_item_oid", "merchant_item_oid", "priority", "comments")
            if item.get(key)
        }
        for item in ranked[:TOP_WISHES]
    ]
    return {"count": len(items), "top": top}


def _json(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_none=True) if model is not None else None


async def customer_overview(request: OverviewInput, ctx: ToolContext) -> dict[str, Any]:
    budget = CallBudget(MAX_CALLS)
    expand = list(OVERVIEW_EXPANSION)
    if request.customer_profile_oid is not None:
        oid = request.customer_profile_oid
        response = await budget.call("customer", lambda: ctx.api.get_customer(oid, expand=expand))
    else:
        email = request.email or ""
        response = await budget.call("customer by email", lambda: ctx.api.get_customer_by_email(email, expand=expand))
    customer: dict[str, Any] = _json(response.customer) or {}
    oid = int(customer["customer_profile_oid"])
    parts: dict[str, Any] = {}
    missing: list[str] = []

    async def credit() -> None:
        try:
            answer = await budget.call("store credit", lambda: ctx.api.get_customer_store_credit(oid))
            parts["store_credit"] = _store_credit(_json(answer.customer_store_credit))
        except ProviderError as error:  # one part failing leaves the rest of the overview useful
            missing.append(f"store credit: {error}")

    async def wishes() -> None:
        try:
            answer = await budget.call("wishlist", lambda: ctx.api.get_customer_wish_list(oid))
            parts["wishlist"] = _wishlist([_json(item) for item in answer.wishlist_items or []])
        except ProviderError as error:
            missing.append(f"wishlist: {error}")

    async with anyio.create_task_group() as group:
        group.start_soon(credit)
        group.start_soon(wishes)
    person = identity(customer)
    body = {
        "customer": person,
        "orders": customer.get("orders_summary"),
        "loyalty": _loyalty(customer.get("loyalty")),
        "store_credit": parts.get("store_credit"),
        "wishlist": parts.get("wishlist"),
        "email_lists": EMAIL_LISTS_NOTE,
        "more": {
            "full record": f"ultracart_get_customer customer_profile_oid={oid}",
            "store credit ledger": f"ultracart_get_customer_store_credit customer_profile_oid={oid}",
            "wishlist": f"ultracart_get_customer_wish_list customer_profile_oid={oid}",
        },
    }
    # The customer part is left out last (the schema requires it); if even it does not fit, who
    # the customer is still does. The hint names the tools itself: "more" may be left out too.
    hint = (
        "call ultracart_get_customer, ultracart_get_customer_store_credit or ultracart_get_customer_wish_list "
        f"with customer_profile_oid={oid}"
    )
    fitted = fit_object(body, max_tokens=ctx.max_tokens - 60, detail_hint=hint, id_fields=("customer",))
    if "customer" not in fitted:
        fitted["customer"] = {key: person[key] for key in ("customer_profile_oid", "email")}
    if missing:
        fitted["notice"] = " ".join(filter(None, (fitted.get("notice"), "Not available: " + "; ".join(missing))))
    return mark(ctx, {**fitted, "api_calls": budget.used})


TOOLS = (
    ToolSpec(
        name="ultracart_customer_overview",
        title="Customer overview",
        description=(
            "One customer's support view in one call (by customer_profile_oid or exact email): identity, default "
            "addresses, tags, pricing tiers, order summary, loyalty, store credit balance and latest ledger entries, "
            "wishlist size and top items. At most 4 API calls. Its more field names the tool that gives each full list."
        ),
        toolset="assist",
        input_model=OverviewInput,
        output_model=OverviewResult,
        handler=customer_overview,
        read_only=True,
        destructive=False,
        idempotent=True,
        view=CUSTOMER_VIEW,
    ),
)
