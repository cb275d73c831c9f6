"""Guarded Voucherify tools on one customer: ``voucherify_delete_customer`` (toolset ``customers``) and
``voucherify_customer_permanently_deletion`` (toolset ``privacy``). Nothing here runs without a person's yes
(``core/confirm.py``).

Each is a ``Guard``: the preview reads the customer as it is now and asks a deterministic question naming it, its
Voucherify id included (the binding: ``{customerId}`` takes an id or a source_id, and a source_id deleted and
created again names another customer); the action runs on the id the person approved, never resolving the
argument again.

What goes, as the docs and the sandbox read them (reference §4.4, §4.5):

- A delete removes the customer record (reading it afterwards is a 404). Voucherify keeps what happened: its
  activity history and the vouchers it held are not said to go (assumed; the sandbox keeps them). There is no
  undelete.
- A permanent deletion erases the customer and the data linked to it (GDPR "forget"): its events, its segment
  memberships, its orders and order events, and the redeemables it holds. The preview counts what it can read in
  four calls: the profile (loyalty points, orders), the redeemables (their ``total``), the segments and up to one
  page of activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ...core.changes import collection_changes
from ...core.confirm import Binding, Guard, Preview
from ...core.decline import decline_tool
from ...core.toolspec import ToolContext, ToolSpec
from ...ui import CONFIRM_VIEW
from .. import models as m
from ..views import customer_view
from . import bulk
from .common import CustomerId, WriteInput, mark
from .confirmation import Token, fitted, guarded_spec

BOUND: Final = "customer_id"  # the binding's key: the Voucherify id (cust_...) the preview resolved
EVENTS_PAGE: Final = 100  # activity events counted by a permanent deletion's preview (one page, the API's largest)
SEGMENTS_NAMED: Final = 5  # segment names a question quotes; its count says how many there are
GET_HINT: Final = (
    "read the customer with voucherify_get_customer and its redeemables with voucherify_list_customer_redeemables"
)


class CustomerTargetInput(WriteInput):
    customer_id: CustomerId
    confirm: Token | None = None


def _view(ctx: ToolContext, customer: m.Customer) -> dict[str, Any]:
    # The redacted view: a field masked in results is masked in the question too, and a value that hid invisible
    # characters says so (two customers never read the same).
    view = ctx.redactor.apply(customer_view(customer.model_dump(mode="json", exclude_none=True)))
    return {key: value for key, value in view.items() if value is not None}


def _who(view: dict[str, Any]) -> str:
    name = f"{view['name']} " if view.get("name") else ""
    email = f"<{view['email']}> " if view.get("email") else ""
    source = f"source_id {view['source_id']}, " if view.get("source_id") else ""
    return f"{name}{email}({source}{view.get('id')})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


async def _customer(ctx: ToolContext, customer_id: str) -> m.Customer:
    customer: m.Customer = await ctx.api.get_customer(customer_id)
    if not customer.id:  # every customer the API answers has one; without it there is nothing to bind
        raise ValueError("customer_id: Voucherify answered a customer without an id; nothing was done.")
    return customer


async def resolve_customer(request: CustomerTargetInput, ctx: ToolContext) -> Binding:
    """The Voucherify id the argument names now (one call): a token binds the id its preview showed."""
    return {BOUND: (await _customer(ctx, request.customer_id)).id}


# -- what a customer holds ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holdings:
    """What a customer holds, as the preview counts it; ``None`` where the API gave no count."""

    loyalty_points: int
    orders: int
    spent_cents: int
    redeemables: int | None
    redeemables_more: bool = False  # the count is a lower bound
    segments: tuple[str, ...] | None = None
    segment_count: int | None = None
    events: int | None = None
    events_more: bool = False

    def as_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {
            "redeemables_held": _at_least(self.redeemables, self.redeemables_more),
            "loyalty_points": self.loyalty_points,
            "orders": self.orders,
            "spent_cents": self.spent_cents,
        }
        if self.segment_count is not None:
            details["segments"] = self.segment_count
            details["segment_names"] = list(self.segments or ())
        if self.events is not None:
            details["activity_events"] = _at_least(self.events, self.events_more)
        return details


def _at_least(count: int | None, more: bool) -> int | str | None:
    return f"{count}+" if count is not None and more else count


def _profile_figures(customer: m.Customer) -> tuple[int, int, int]:
    orders = customer.summary.orders if customer.summary else None
    points = customer.loyalty.points if customer.loyalty else None
    return (
        points or 0,
        (orders.total_count if orders else None) or 0,
        (orders.total_amount if orders else None) or 0,
    )


async def _redeemables(ctx: ToolContext, customer_id: str) -> tuple[int | None, bool]:
    """How many redeemables the customer holds (one call of one row: the list's ``total``)."""
    held: m.RedeemablesList = await ctx.api.list_customer_redeemables(customer_id, limit=1)
    if held.total is not None:
        return held.total, False
    return len(held.data), bool(held.has_more)


async def _holdings(ctx: ToolContext, customer: m.Customer, *, everything: bool) -> Holdings:
    """The customer's figures (two calls with the profile); ``everything`` adds its segments and up to one page of
    its activity (two more)."""
    assert customer.id is not None
    points, orders, spent = _profile_figures(customer)
    redeemables, more = await _redeemables(ctx, customer.id)
    if not everything:
        return Holdings(points, orders, spent, redeemables, more)
    segments: m.SegmentsList = await ctx.api.list_customer_segments(customer.id)
    names = tuple(segment.name or segment.id or "?" for segment in segments.data)
    activity: m.ActivityList = await ctx.api.list_customer_activity(customer.id, limit=EVENTS_PAGE)
    return Holdings(
        points,
        orders,
        spent,
        redeemables,
        more,
        segments=names[:SEGMENTS_NAMED],
        segment_count=segments.total if segments.total is not None else len(names),
        events=len(activity.data),
        events_more=bool(activity.has_more),
    )


def _count(count: int | None, more: bool, word: str) -> str:
    if count is None:
        return f"its {word}s (not counted)"
    return f"{count}+ {word}s" if more else _plural(count, word)


def _money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def _held_words(held: Holdings) -> str:
    return (
        f"{_count(held.redeemables, held.redeemables_more, 'redeemable')} (vouchers, gift cards, loyalty or referral "
        f"cards), {_plural(held.loyalty_points, 'loyalty point')}"
    )


def _orders_words(held: Holdings) -> str:
    return f"{_plural(held.orders, 'order')} ({_money(held.spent_cents)} spent)"


def _segment_words(held: Holdings) -> str:
    count = held.segment_count or 0
    if not count:
        return "no segment memberships"
    names = ", ".join(held.segments or ())
    rest = f" and {count - len(held.segments or ())} more" if count > len(held.segments or ()) else ""
    return f"{_plural(count, 'segment membership')} ({names}{rest})"


# -- delete ------------------------------------------------------------------------------------------------------


async def preview_delete(request: CustomerTargetInput, ctx: ToolContext) -> Preview:
    customer = await _customer(ctx, request.customer_id)
    held = await _holdings(ctx, customer, everything=False)
    view = _view(ctx, customer)
    return Preview(
        f"Delete Voucherify customer {_who(view)}? It holds {_held_words(held)} and has {_orders_words(held)}. The customer record goes and "
        "cannot be restored; Voucherify keeps its activity history (voucherify_customer_permanently_deletion "
        "erases everything).",
        fitted(
            ctx,
            {"action": "delete customer", "customer": view, "holds": held.as_details()},
            ("action", "customer"),
            GET_HINT,
        ),
        binding={BOUND: customer.id},
    )


async def execute_delete(request: CustomerTargetInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    customer_id = str(binding[BOUND])  # the customer the person approved, whatever the argument names now
    await ctx.api.delete_customer(customer_id)
    return mark(
        ctx,
        {
            "deleted_customer_id": customer_id,
            "changes": collection_changes(removed={"customers": [customer_id]}),
        },
    )


# -- permanent deletion ------------------------------------------------------------------------------------------


async def preview_erase(request: CustomerTargetInput, ctx: ToolContext) -> Preview:
    customer = await _customer(ctx, request.customer_id)
    held = await _holdings(ctx, customer, everything=True)
    view = _view(ctx, customer)
    return Preview(
        f"Permanently erase Voucherify customer {_who(view)}? This cannot be undone. Erased with it: "
        f"{_held_words(held)}, {_segment_words(held)}, {_count(held.events, held.events_more, 'activity event')}, "
        f"and {_orders_words(held)} with their order events.",
        fitted(
            ctx,
            {"action": "permanently erase customer", "customer": view, "erases": held.as_details()},
            ("action", "customer"),
            GET_HINT,
        ),
        binding={BOUND: customer.id},
    )


ERASED_UNSEEN: Final = (
    "The customer was erased, but the answer with the counts of what went was lost (a retried request found it "
    "gone). Do not call it again: reading the customer now answers not found."
)


async def execute_erase(request: CustomerTargetInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    customer_id = str(binding[BOUND])
    deletion = await ctx.api.customer_permanently_deletion(customer_id)
    result: dict[str, Any] = {
        "erased_customer_id": customer_id,
        "changes": collection_changes(removed={"customers": [customer_id]}),
    }
    if deletion is None:
        result["notice"] = ERASED_UNSEEN
        return mark(ctx, result)
    result["deletion_id"] = deletion.id
    result["deletion_status"] = deletion.status
    if deletion.data_json is not None:
        result["erased"] = deletion.data_json.model_dump(mode="json", exclude_none=True)
    return mark(ctx, result)


TOOLS: tuple[ToolSpec, ...] = (
    guarded_spec(
        "voucherify_delete_customer",
        "Delete a Voucherify customer",
        "customers",
        "Delete a customer (by id or source_id); the preview shows what it holds. Its activity history stays in "
        "Voucherify: to forget a person, use voucherify_customer_permanently_deletion.",
        CustomerTargetInput,
        Guard(preview_delete, execute_delete, resolve_customer),
        idempotent=True,
    ),
    guarded_spec(
        "voucherify_customer_permanently_deletion",
        "Erase a Voucherify customer for good",
        "privacy",
        "Permanently erase a customer and everything linked to it (GDPR forget: events, segments, orders, "
        "redeemables held); the preview counts what goes. Cannot be undone.",
        CustomerTargetInput,
        Guard(preview_erase, execute_erase, resolve_customer),
        idempotent=True,
    ),
)


# -- the confirmation card's Cancel (MCP Apps, app-only): core/decline.py, over every guarded Voucherify tool -----

APP_TOOLS: tuple[ToolSpec, ...] = (decline_tool("voucherify", (*TOOLS, *bulk.TOOLS), CONFIRM_VIEW),)
