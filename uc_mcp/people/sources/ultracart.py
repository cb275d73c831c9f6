"""UltraCart, as the people tools see it: ``ultracart_find_customers`` and ``ultracart_customer_overview``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.errors import NotFound
from ...core.toolspec import ToolContext
from ...ultracart.tools import find, overview
from .base import Eraser, Found, Record, Source, rows_of


async def find_records(query: str, ctx: ToolContext, max_calls: int) -> Found:
    request = find.FindCustomersInput(query=query, max_calls=max_calls)
    result = await find.find_customers(request, ctx)
    records = [
        Record("ultracart", str(row["customer_profile_oid"]), row.get("email"), row.get("name"), row=row)
        for row in rows_of(result)
        if row.get("customer_profile_oid") is not None
    ]
    return Found(records, bool(result.get("complete")), int(result.get("api_calls", 0)), list(result.get("how", [])))


async def overview_of(record: Record, ctx: ToolContext) -> dict[str, Any]:
    request = overview.OverviewInput(customer_profile_oid=int(record.id))
    return await overview.customer_overview(request, ctx)


def facts(result: Mapping[str, Any]) -> dict[str, Any]:
    customer = result.get("customer") or {}
    # The shipping address is where orders go; billing when there is none.
    address = customer.get("shipping") or customer.get("billing") or {}
    loyalty = result.get("loyalty") or {}
    # UltraCart has no per-customer read of marketing subscriptions: no "marketing" fact (not compared).
    return {
        "email": customer.get("email"),
        "default_address": _address(address.get("address1"), address.get("postal_code")),
        "loyalty_tier": loyalty.get("loyalty_tier_name"),
    }


def _address(line: Any, postcode: Any) -> str | None:
    return f"{line}, {postcode}" if line or postcode else None


async def read(record: Record, ctx: ToolContext) -> Mapping[str, Any]:
    customer: Mapping[str, Any] | None = await ctx.api.customer_record(int(record.id))
    if customer is None:
        raise NotFound("the customer is gone", operation="get_customer")
    return customer


async def erase(record: Record, ctx: ToolContext) -> None:
    await ctx.api.delete_customer(int(record.id))


ERASER = Eraser(
    read,
    erase,
    lambda record_id: {"customer_profile_oid": int(record_id)},
    # As ultracart_delete_customer's preview says: orders are records of their own and stay in the order history.
    what="delete the profile with its store credit, wishlist and email-list entries (its orders stay in the order "
    "history)",
    finish="ultracart_delete_customer with customer_profile_oid={id}",
)


async def contact(record: Record, ctx: ToolContext) -> tuple[str | None, str | None]:
    customer = await ctx.api.customer_record(int(record.id), expand=["billing", "shipping"]) or {}
    # The API's billing and shipping are lists of addresses: the default shipping one (where orders go) first.
    address = _default(customer.get("shipping"), "default_shipping") or _default(
        customer.get("billing"), "default_billing"
    )
    phone = address.get("day_phone") or address.get("evening_phone")
    return (str(phone) if phone else None), address.get("postal_code")


def _default(addresses: Any, flag: str) -> Mapping[str, Any]:
    entries = [entry for entry in addresses or () if isinstance(entry, Mapping)] if isinstance(addresses, list) else []
    return next((entry for entry in entries if entry.get(flag) is True), entries[0] if entries else {})


SOURCE = Source("ultracart", "UltraCart", find_records, overview_of, facts, overview.MAX_CALLS, ERASER, contact)
