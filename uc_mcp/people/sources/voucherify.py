"""Voucherify, as the people tools see it: ``voucherify_find_customers`` and ``voucherify_customer_overview``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.toolspec import ToolContext
from ...voucherify.tools import find, overview
from .base import Eraser, Found, Record, Source, rows_of


async def find_records(query: str, ctx: ToolContext, max_calls: int) -> Found:
    request = find.FindCustomersInput(query=query, max_calls=max_calls)
    result = await find.find_customers(request, ctx)
    records = [
        Record("voucherify", str(row["id"]), row.get("email"), row.get("name"), row=row)
        for row in rows_of(result)
        if row.get("id")
    ]
    return Found(records, bool(result.get("complete")), int(result.get("api_calls", 0)), list(result.get("how", [])))


async def overview_of(record: Record, ctx: ToolContext) -> dict[str, Any]:
    return await overview.customer_overview(overview.OverviewInput(customer_id=record.id), ctx)


def facts(result: Mapping[str, Any]) -> dict[str, Any]:
    customer = result.get("customer") or {}
    address = customer.get("address") or {}
    metadata = customer.get("metadata") or {}
    found: dict[str, Any] = {"email": customer.get("email")}
    if address:
        line, postcode = address.get("line_1"), address.get("postal_code")
        found["default_address"] = f"{line}, {postcode}" if line or postcode else None
    # Assumption: Voucherify has no consent field of its own; the demo data and many stores keep a
    # ``metadata.newsletter`` flag. Compared only when present.
    if isinstance(metadata.get("newsletter"), bool):
        found["marketing"] = metadata["newsletter"]
    # Voucherify has loyalty points, not tiers: no "loyalty_tier" fact (not compared).
    return found


async def read(record: Record, ctx: ToolContext) -> Mapping[str, Any]:
    customer: Mapping[str, Any] = await ctx.api.customer_record(record.id)
    return customer


async def erase(record: Record, ctx: ToolContext) -> None:
    # The permanent deletion (GDPR "forget"), not DELETE: a deleted customer's activity history stays.
    await ctx.api.customer_permanently_deletion(record.id)


ERASER = Eraser(
    read,
    erase,
    lambda record_id: {"customer_id": record_id},
    what="permanently erase the customer with its activity, segment memberships and orders' customer data",
    finish="voucherify_customer_permanently_deletion with customer_id={id}",
)


async def contact(record: Record, ctx: ToolContext) -> tuple[str | None, str | None]:
    customer = await ctx.api.customer_record(record.id)
    address = customer.get("address") or {}
    return customer.get("phone"), address.get("postal_code")


SOURCE = Source("voucherify", "Voucherify", find_records, overview_of, facts, overview.MAX_CALLS, ERASER, contact)
