"""Toolset ``activity``: what a Voucherify customer did and holds: their events, segments and redeemables
(vouchers, gift cards, loyalty cards, referral codes).

Activity and redeemables page with an id cursor (``starting_after_id``; the API's ``more_starting_after`` is the
id after a full page): a result's ``next_cursor`` is that id, or the id of the last row shown when the budget cut
the page short (``core/paging.py``'s ``AfterCursor``), so nothing is skipped or shown twice.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field

from ...core.budget import PagePosition
from ...core.errors import BadRequest
from ...core.paging import AfterCursor, Page
from ...core.toolspec import Hints, ToolContext, ToolSpec
from ..views import ACTIVITY_FIELDS, REDEEMABLE_FIELDS, activity_view, redeemable_view
from .common import CursorListResult, CursorText, CustomerId, DateTimeText, StrictInput, cursor_list, cursor_position
from .customers import FieldsInput

CampaignType = Literal["PROMOTION", "GIFT_VOUCHERS", "REFERRAL_PROGRAM", "DISCOUNT_COUPONS", "LOYALTY_PROGRAM"]
VoucherType = Literal["GIFT_VOUCHER", "DISCOUNT_VOUCHER", "LOYALTY_CARD"]
HolderRole = Literal["OWNER", "REFERRER", "REFEREE"]
CampaignId = Annotated[str, Field(min_length=1, max_length=100)]
BY_ID: Final = AfterCursor(lambda record: record.get("id"))
# A redeemables cursor is always a holder id (reference §4.9: ``rh_…``): the API's more_starting_after or the id of
# the last row shown. It is checked here because the API does not refuse an unknown starting_after_id (the list is
# in id order: any text is a bound, as the sandbox reads it), so a made-up cursor would answer a page as if it were
# the next one. (An activity cursor is checked by the API: 400 for an id that is not one of the customer's events.)
_HOLDER_ID: Final = re.compile(r"^rh_[A-Za-z0-9]{1,100}$")


def holder_cursor(value: str) -> str:
    """A pydantic ``AfterValidator`` for the redeemables' ``cursor``."""
    if not _HOLDER_ID.match(value):
        raise ValueError(
            "not a cursor this tool returned; pass next_cursor from the previous result unchanged, or leave cursor "
            "out for the first page."
        )
    return value


def _id_cursor(value: Any) -> str | None:
    return str(value) if value else None


async def _page(request: Any, fetch: Callable[[], Awaitable[Page[dict[str, Any]]]]) -> Page[dict[str, Any]]:
    """``fetch()``; the API's refusal of a cursor (it names its own ``starting_after_id``) said of ``cursor``."""
    try:
        return await fetch()
    except BadRequest as refusal:
        if request.cursor is not None and "starting_after_id" in refusal.detail:
            raise ValueError(
                "cursor: not a cursor of this listing; pass next_cursor from the previous result unchanged, with the "
                "same customer_id, or leave cursor out for the first page."
            ) from None
        raise


class ListActivityInput(FieldsInput):
    customer_id: CustomerId
    limit: int = Field(20, ge=1, le=100, description="Events per page (1-100).")
    cursor: CursorText | None = None
    order: Literal["created_at", "-created_at"] | None = Field(None, description="Default: newest first.")
    start_date: DateTimeText | None = None
    end_date: DateTimeText | None = None
    campaign_id: CampaignId | None = None
    campaign_type: CampaignType | None = None
    category: Literal["ACTION", "EFFECT"] | None = Field(
        None, description="ACTION: what the customer did; EFFECT: what happened to them as a result."
    )
    type: str | None = Field(
        None,
        max_length=100,
        pattern=r"^customer\.[a-z0-9_.]+$",
        description="One event type, e.g. customer.redemption.succeeded, customer.order.paid.",
    )


async def list_customer_activity(request: ListActivityInput, ctx: ToolContext) -> dict[str, Any]:
    filters = request.model_dump(
        include={"start_date", "end_date", "campaign_id", "campaign_type", "category", "type"}, exclude_none=True
    )
    page = await _page(
        request,
        lambda: ctx.api.activity_page(
            request.customer_id, request.limit, starting_after_id=request.cursor, order=request.order, **filters
        ),
    )
    tool = "voucherify_list_customer_activity"
    return cursor_list(
        ctx,
        page,
        cursor_position(request.cursor, page, BY_ID, _id_cursor),
        view=activity_view,
        columns=ACTIVITY_FIELDS,
        fields=request.fields,
        tool=tool,
        detail_hint=f'call {tool} with fields=["id","type","data"] and a smaller limit',
        id_fields=("id", "type"),
    )


class SegmentsInput(StrictInput):
    customer_id: CustomerId


async def list_customer_segments(request: SegmentsInput, ctx: ToolContext) -> dict[str, Any]:
    """The customer is read first: for an unknown id the API answers 200 with the segments such a customer would
    fall into (reference §4.8), which would read as that customer's; the read turns it into a clear not-found (and
    resolves a source_id to the id)."""
    customer: dict[str, Any] = await ctx.api.customer_record(request.customer_id)
    segments = await ctx.api.list_customer_segments(str(customer.get("id") or request.customer_id))
    rows = [segment.model_dump(mode="json", exclude_none=True, include={"id", "name"}) for segment in segments.data]
    page: Page[dict[str, Any]] = Page(rows, more=False)
    result = cursor_list(
        ctx,
        page,
        PagePosition(start=None, after=lambda shown: None, key="next_cursor", parameter="cursor"),
        view=lambda row: dict(row),
        columns=("id", "name"),
        fields=None,
        tool="voucherify_list_customer_segments",
        detail_hint="list the segment's members with voucherify_list_customers segment_id=<id>",
        id_fields=("id", "name"),
        total=segments.total if segments.total is not None else len(rows),
    )
    result["customer_id"] = customer.get("id")
    return result


class RedeemablesInput(FieldsInput):
    customer_id: CustomerId
    limit: int = Field(20, ge=1, le=100, description="Redeemables per page (1-100).")
    cursor: Annotated[CursorText, AfterValidator(holder_cursor)] | None = None
    order: Literal["id", "-id"] | None = None
    voucher_type: list[VoucherType] | None = Field(None, max_length=3, description="Any of these kinds.")
    campaign_type: list[CampaignType] | None = Field(None, max_length=5, description="Any of these campaign kinds.")
    holder_role: list[HolderRole] | None = Field(None, max_length=3, description="Any of these roles (OWNER: own).")
    campaign_id: list[CampaignId] | None = Field(None, max_length=20, description="Any of these campaigns.")
    created_after: DateTimeText | None = Field(None, description="Assigned to the customer after this moment.")
    created_before: DateTimeText | None = Field(None, description="Assigned to the customer before this moment.")


def redeemable_filters(request: RedeemablesInput) -> dict[str, Any]:
    """The request's filters as the API's ``filters`` deepObject: each list an ``$in`` condition, the dates
    ``$after``/``$before``, all of them joined with ``and``."""
    filters: dict[str, Any] = {}
    for name in ("voucher_type", "campaign_type", "holder_role", "campaign_id"):
        values = getattr(request, name)
        if values:
            filters[name] = {"conditions": {"$in": list(values)}}
    dates = {"$after": request.created_after, "$before": request.created_before}
    if any(dates.values()):
        filters["created_at"] = {"conditions": {op: value for op, value in dates.items() if value}}
    if filters:
        filters["junction"] = "and"
    return filters


async def list_customer_redeemables(request: RedeemablesInput, ctx: ToolContext) -> dict[str, Any]:
    page = await _page(
        request,
        lambda: ctx.api.redeemables_page(
            request.customer_id,
            request.limit,
            starting_after_id=request.cursor,
            order=request.order,
            filters=redeemable_filters(request) or None,
        ),
    )
    tool = "voucherify_list_customer_redeemables"
    return cursor_list(
        ctx,
        page,
        cursor_position(request.cursor, page, BY_ID, _id_cursor),
        view=redeemable_view,
        columns=REDEEMABLE_FIELDS,
        fields=request.fields,
        tool=tool,
        detail_hint=f'call {tool} with fields=["id","redeemable"] and a smaller limit',
        id_fields=("id", "code"),
        total=page.total if request.cursor is None else None,
    )


READ: Hints = {"read_only": True, "destructive": False, "idempotent": True, "toolset": "activity"}

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="voucherify_list_customer_activity",
        title="List a Voucherify customer's activity",
        description=(
            "A Voucherify customer's events (by id or source_id), newest first: redemptions, orders, loyalty "
            "points, segment changes, vouchers published... Filter by date range, campaign, category or event type. "
            "A compact table (id, type, time, channel, campaign, voucher code, segment, order, amount in cents, "
            "points) with next_cursor; fields=[...] for the events' full data."
        ),
        input_model=ListActivityInput,
        output_model=CursorListResult,
        handler=list_customer_activity,
        **READ,
    ),
    ToolSpec(
        name="voucherify_list_customer_segments",
        title="List a Voucherify customer's segments",
        description="The segments (id, name) a Voucherify customer belongs to, by id or source_id.",
        input_model=SegmentsInput,
        output_model=CursorListResult,
        handler=list_customer_segments,
        **READ,
        returns_customer_text=False,  # segment names are the merchant's, not a customer's
    ),
    ToolSpec(
        name="voucherify_list_customer_redeemables",
        title="List a Voucherify customer's redeemables",
        description=(
            "What a Voucherify customer holds (by id or source_id): discount vouchers, gift cards, loyalty cards and "
            "referral codes, filtered by kind, campaign, role or assignment date. A compact table (code, kind, "
            "campaign, role, status, discount, gift balance in cents, points balance, expiry) with total and "
            "next_cursor; fields=[...] for the full vouchers."
        ),
        input_model=RedeemablesInput,
        output_model=CursorListResult,
        handler=list_customer_redeemables,
        **READ,
    ),
)
