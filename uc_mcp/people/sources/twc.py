"""The Wishlist (TWC), as the people tools see it: ``twc_find_customers`` and ``twc_customer_overview``.

TWC's find takes separate fields: the one query is sent as the field it looks like (an email, a phone, a
customerRef of digits, else a name); a TWC id (a UUID) is read directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ...core.errors import NotFound
from ...core.toolspec import ToolContext
from ...twc.tools import find, overview
from ...twc.tools.common import read_customer
from .base import Eraser, Found, Record, Source, rows_of

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")


def _request(query: str, max_calls: int) -> find.FindCustomersInput | None:
    """TWC's find for this query; None when it is no field TWC's find can search."""
    text = query.strip()
    if "@" in text:
        field = "email"
    elif text.isdigit() and len(text) < 7:
        field = "customerRef"
    elif PHONE.match(text):
        field = "phone"
    elif text.isdigit() or text.startswith("cust_"):
        field = "customerRef"  # another provider's id may be this store's own reference
    else:
        field = "name"
    try:
        return find.FindCustomersInput.model_validate({field: text, "max_calls": min(max_calls, 30)})
    except ValidationError:
        return None


def _record(row: Mapping[str, Any]) -> Record:
    phone = row.get("mobile") or row.get("phone")
    return Record("twc", str(row["id"]), row.get("email"), row.get("name"), phone, row=row)


async def find_records(query: str, ctx: ToolContext, max_calls: int) -> Found:
    if UUID.match(query.strip()):
        return await _by_id(query.strip(), ctx)
    request = _request(query, max_calls)
    if request is None:
        return Found([], True, 0, ["not searched: TWC's find cannot search this kind of query"])
    result = await find.find_customers(request, ctx)
    records = [_record(row) for row in rows_of(result) if row.get("id")]
    return Found(records, bool(result.get("complete")), int(result.get("api_calls", 0)), list(result.get("how", [])))


async def _by_id(customer_id: str, ctx: ToolContext) -> Found:
    request = overview.OverviewInput(match_by="id", customer=customer_id)
    try:
        result = await overview.customer_overview(request, ctx)
    except NotFound:
        return Found([], True, 1, ["id lookup: no such customer"])
    row = dict(result.get("customer") or {})
    return Found([_record(row)], True, int(result.get("api_calls", 1)), ["id lookup: found"])


async def overview_of(record: Record, ctx: ToolContext) -> dict[str, Any]:
    return await overview.customer_overview(overview.OverviewInput(match_by="id", customer=record.id), ctx)


def facts(result: Mapping[str, Any]) -> dict[str, Any]:
    customer = result.get("customer") or {}
    consent = result.get("consent") or {}
    default = (result.get("addresses") or {}).get("default") or {}
    loyalty = result.get("loyalty") or {}
    email_channel = consent.get("email") or {}
    found: dict[str, Any] = {"email": customer.get("email"), "loyalty_tier": loyalty.get("loyaltyTier")}
    if default:
        line, postcode = default.get("address1"), default.get("postcode")
        found["default_address"] = f"{line}, {postcode}" if line or postcode else None
    if isinstance(email_channel.get("opted_in"), bool):
        found["marketing"] = email_channel["opted_in"]
    return found


async def read(record: Record, ctx: ToolContext) -> Mapping[str, Any]:
    return await read_customer(ctx, "id", record.id)


async def erase(record: Record, ctx: ToolContext) -> None:
    await ctx.api.delete_customer(record.id)


ERASER = Eraser(
    read,
    erase,
    lambda record_id: {"customer_id": record_id},
    what="delete the customer with its addresses, consent and attributes (its wishlists are kept, de-identified)",
    finish="twc_delete_customer with match_by=id, customer={id}",
)


async def contact(record: Record, ctx: ToolContext) -> tuple[str | None, str | None]:
    customer = await read_customer(ctx, "id", record.id)
    address = customer.get("defaultAddress") or {}
    return customer.get("mobile") or customer.get("phone"), address.get("postcode")


SOURCE = Source("twc", "The Wishlist", find_records, overview_of, facts, overview.MAX_CALLS, ERASER, contact)
