"""``voucherify_customer_overview`` (one customer's support view in at most 4 API calls) and
``voucherify_count_customers`` (how many customers match the list's filters, in one call).

The overview reads the customer (by id or source_id, or by its exact email through the list's filter), then its
segments, its redeemables and its latest activity concurrently (the client's limiter serialises them when the
project's pace asks for it). The customer record itself carries the loyalty, redemption and order summaries, so
nothing else is read. What it shows:

- profile: ids, name, email, phone, birthdate, address, description, metadata, dates;
- loyalty: points left over all loyalty cards, per campaign (with its tier), points redeemed, referrals;
- redemptions and orders: the record's ``summary`` (money in cents, as Voucherify counts it);
- segments: id and name;
- redeemables: how many the customer holds, and the top ``TOP_REDEEMABLES``: the ones usable now first (ACTIVE,
  then NOT_ACTIVE_YET), those holding a balance (gift cents, loyalty points) before the rest, the soonest expiry
  first;
- activity: the ``LATEST_EVENTS`` newest events.

One part failing (a timeout on the activity, say) leaves the rest useful: the notice says what is missing. The whole
is fitted to the result budget; ``more`` names the tool that gives each full list.

The count is the list's own ``total`` for the same filters: one call of one customer, never a walk. Voucherify's
filters match exactly (email, name and city are case-sensitive, we assume: the documentation does not say, the
sandbox is), which the result's ``how`` says.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import anyio
from pydantic import Field, model_validator

from ...core.budget import fit_object
from ...core.callbudget import CallBudget
from ...core.errors import BadRequest, NotFound, ProviderError
from ...core.paging import Page
from ...core.redact import mark_hidden
from ...core.toolspec import ToolContext, ToolSpec
from ..views import activity_view, redeemable_view
from .common import CustomerId, DateTimeText, ObjectResult, StrictInput, mark

MAX_CALLS: Final = 4
TOP_REDEEMABLES: Final = 5
LATEST_EVENTS: Final = 5
REDEEMABLES_READ: Final = 100  # one page, the API's largest: the top ones are chosen from it
# Usable now, usable later, then the rest (USED, NO_BALANCE, EXPIRED, DISABLED, or a status we do not know).
STATUS_ORDER: Final = {"ACTIVE": 0, "NOT_ACTIVE_YET": 1}
PROFILE_KEYS: Final = ("id", "source_id", "name", "email", "phone", "birthdate", "address", "description")
EXACT_EMAIL = Field(
    None, min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$", description="Or the customer's exact email."
)


class OverviewInput(StrictInput):
    customer_id: CustomerId | None = None
    email: str | None = EXACT_EMAIL

    @model_validator(mode="after")
    def _one_key(self) -> OverviewInput:
        if (self.customer_id is None) == (self.email is None):
            raise ValueError("give exactly one of customer_id or email")
        return self


class OverviewResult(ObjectResult):
    customer: dict[str, Any] = Field(description="Profile: ids, name, email, phone, address, metadata, dates.")
    loyalty: dict[str, Any] | None = Field(
        None,
        description="points left on all loyalty cards, per campaign (tier), points_redeemed, referrals made and received.",
    )
    redemptions: dict[str, Any] | None = Field(None, description="Redemption counts; gift amounts in cents.")
    orders: dict[str, Any] | None = Field(None, description="Paid orders: count and amounts in cents.")
    segments: list[Any] | None = None
    redeemables: dict[str, Any] | None = Field(
        None, description="total held, and the top ones: usable first, then with a balance, soonest expiry first."
    )
    activity: list[Any] | None = Field(None, description="The latest events, newest first.")
    more: dict[str, str] | None = Field(None, description="Which tool gives the full detail of each part.")
    api_calls: int


# -- the parts ---------------------------------------------------------------------------------------------------


def _get(record: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(record, Mapping):
            return None
        record = record.get(key)
    return record


def profile(customer: Mapping[str, Any]) -> dict[str, Any]:
    """Who the customer is; name and email marked when they hid characters (as in the list views)."""
    person: dict[str, Any] = {key: customer.get(key) for key in PROFILE_KEYS}
    person["name"] = mark_hidden(customer.get("name"))
    person["email"] = mark_hidden(customer.get("email"))
    person["created_at"] = customer.get("created_at")
    person["updated_at"] = customer.get("updated_at")
    person["metadata"] = customer.get("metadata")
    return person


def loyalty(customer: Mapping[str, Any]) -> dict[str, Any] | None:
    held = customer.get("loyalty")
    if not isinstance(held, Mapping):
        return None
    return {
        "points": held.get("points"),
        "campaigns": held.get("campaigns"),
        "points_redeemed": _get(customer, "summary", "redemptions", "loyalty_card", "redeemed_points"),
        "referred_customers": held.get("referred_customers"),
        "referrals_received": _get(customer, "referrals", "total"),
    }


def redemptions(customer: Mapping[str, Any]) -> dict[str, Any] | None:
    summary = _get(customer, "summary", "redemptions")
    if not isinstance(summary, Mapping):
        return None
    return {
        "total": summary.get("total_redeemed"),
        "succeeded": summary.get("total_succeeded"),
        "failed": summary.get("total_failed"),
        "rolled_back": summary.get("total_rolled_back"),
        "gift_redeemed_cents": _get(summary, "gift", "redeemed_amount"),
        "gift_left_cents": _get(summary, "gift", "amount_to_go"),
    }


def _balance(row: Mapping[str, Any]) -> int:
    value = row.get("gift_balance_cents") or row.get("points_balance") or 0
    return value if isinstance(value, int) else 0


def top_redeemables(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``TOP_REDEEMABLES`` most useful to a support conversation (module doc), as compact rows."""
    # The holder id (rh_...) is left out: the code says which voucher it is.
    rows = [{key: value for key, value in redeemable_view(item).items() if key != "id"} for item in items]
    ranked = sorted(
        rows,
        key=lambda row: (
            STATUS_ORDER.get(str(row.get("status")), 2),
            0 if _balance(row) > 0 else 1,
            str(row.get("expires") or "~"),  # no expiry sorts after every date
            str(row.get("code") or ""),
        ),
    )
    return ranked[:TOP_REDEEMABLES]


def latest_events(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest events as compact rows, without the event id and channel: an overview's reader wants what
    happened and when (the ids page the full list, ``more`` names its tool)."""
    return [
        {key: value for key, value in activity_view(item).items() if key not in ("id", "channel")} for item in items
    ]


def _more(customer_id: str) -> dict[str, str]:
    return {
        "full record": f"voucherify_get_customer customer_id={customer_id}",
        "redeemables": f"voucherify_list_customer_redeemables customer_id={customer_id}",
        "activity": f"voucherify_list_customer_activity customer_id={customer_id}",
    }


# -- the overview ------------------------------------------------------------------------------------------------


async def _customer(request: OverviewInput, ctx: ToolContext, budget: CallBudget) -> dict[str, Any]:
    if request.customer_id is not None:
        customer_id = request.customer_id
        record: dict[str, Any] = await budget.call("customer", lambda: ctx.api.customer_record(customer_id))
        return record
    email = request.email or ""
    # Two customers may share an email: two are asked for, to tell one from several.
    page: Page[dict[str, Any]] = await budget.call("customer by email", lambda: ctx.api.customers_page(2, email=email))
    if not page.items:
        raise NotFound(
            "no customer has exactly this email (the API's filter is exact and case-sensitive); "
            "voucherify_find_customers matches emails in any case",
            operation="voucherify_customer_overview",
        )
    if len(page.items) > 1:
        count = page.total if page.total is not None else "several"
        ids = ", ".join(str(item.get("id")) for item in page.items)
        raise BadRequest(
            f"email: {count} customers have this email ({ids}{', ...' if page.more else ''}); call again with "
            "customer_id, or tell them apart with voucherify_find_customers",
            operation="voucherify_customer_overview",
        )
    return page.items[0]


async def customer_overview(request: OverviewInput, ctx: ToolContext) -> dict[str, Any]:
    budget = CallBudget(MAX_CALLS)
    customer = await _customer(request, ctx, budget)
    customer_id = str(customer.get("id"))
    parts: dict[str, Any] = {}
    missing: list[str] = []

    def part(name: str, read: Callable[[], Awaitable[Any]], shape: Callable[[Any], Any]) -> Callable[[], Any]:
        async def run() -> None:
            try:
                parts[name] = shape(await budget.call(name, read))
            except ProviderError as error:  # one part failing leaves the rest of the overview useful
                missing.append(f"{name}: {error}")

        return run

    api = ctx.api
    async with anyio.create_task_group() as group:
        group.start_soon(
            part(
                "segments",
                lambda: api.list_customer_segments(customer_id),
                lambda found: [{"id": s.id, "name": s.name} for s in found.data],
            )
        )
        group.start_soon(
            part(
                "redeemables",
                lambda: api.redeemables_page(customer_id, REDEEMABLES_READ),
                lambda page: {
                    "total": page.total if page.total is not None else len(page.items),
                    "top": top_redeemables(page.items),
                },
            )
        )
        group.start_soon(
            part(
                "activity",
                lambda: api.activity_page(customer_id, LATEST_EVENTS, order="-created_at"),
                lambda page: latest_events(page.items),
            )
        )
    person = profile(customer)
    body = {
        "customer": person,
        "loyalty": loyalty(customer),
        "redemptions": redemptions(customer),
        "orders": _get(customer, "summary", "orders"),
        "segments": parts.get("segments"),
        "redeemables": parts.get("redeemables"),
        "activity": parts.get("activity"),
        "more": _more(customer_id),
    }
    # The customer part is left out last (the schema requires it); if even it does not fit, who the customer is
    # still does. The hint names the tools itself: "more" may be left out too.
    hint = (
        "call voucherify_get_customer, voucherify_list_customer_redeemables or voucherify_list_customer_activity "
        f"with customer_id={customer_id}"
    )
    fitted = fit_object(body, max_tokens=ctx.max_tokens - 60, detail_hint=hint, id_fields=("customer",))
    if "customer" not in fitted:
        fitted["customer"] = {key: person[key] for key in ("id", "source_id", "email") if person.get(key)}
    if missing:
        fitted["notice"] = " ".join(filter(None, (fitted.get("notice"), "Not available: " + "; ".join(missing))))
    return mark(ctx, {**fitted, "api_calls": budget.used})


# -- the count ---------------------------------------------------------------------------------------------------


class CountCustomersInput(StrictInput):
    email: str | None = Field(None, min_length=1, max_length=255, description="Exactly this email.")
    name: str | None = Field(None, min_length=1, max_length=255, description="Exactly this name.")
    city: str | None = Field(None, min_length=1, max_length=255, description="Exactly this city.")
    segment_id: str | None = Field(None, min_length=1, max_length=100, description="Members of this segment.")
    created_after: DateTimeText | None = None
    created_before: DateTimeText | None = None
    updated_after: DateTimeText | None = None
    updated_before: DateTimeText | None = None


class CountResult(ObjectResult):
    # Not required: a null total is left out of the result, and a result without it must still match the schema.
    total: int | None = Field(None, description="Customers matching the filters, as the API counts them.")
    how: list[str] = Field(description="How the number was computed and what the filters mean.")
    api_calls: int


# The tool's names of the date filters, and the list API's (``api.CustomerFilters``).
DATE_FILTERS: Final = {
    "created_after": "created_at_after",
    "created_before": "created_at_before",
    "updated_after": "updated_at_after",
    "updated_before": "updated_at_before",
}
EXACT_FILTERS: Final = ("email", "name", "city")


def count_meaning(request: CountCustomersInput) -> list[str]:
    """What the filters given mean, in the words the API's behaviour needs."""
    said = []
    exact = [name for name in EXACT_FILTERS if getattr(request, name) is not None]
    if exact:
        said.append(f"{', '.join(exact)}: exact, case-sensitive matches (voucherify_find_customers matches loosely)")
    if any(getattr(request, name) is not None for name in DATE_FILTERS):
        said.append("dates: strictly before/after the moment given, in UTC when it has no offset")
    return said


async def count_customers(request: CountCustomersInput, ctx: ToolContext) -> dict[str, Any]:
    filters: dict[str, Any] = {
        DATE_FILTERS.get(name, name): value for name, value in request.model_dump(exclude_none=True).items()
    }
    budget = CallBudget(1)
    page: Page[dict[str, Any]] = await budget.call("count", lambda: ctx.api.customers_page(1, **filters))
    how = [*count_meaning(request)]
    result: dict[str, Any] = {"total": page.total, "api_calls": budget.used}
    if page.total is None:
        how.append("total: the API gave no total for these filters")
        result["notice"] = "The API gave no total; voucherify_list_customers with these filters pages through them."
    else:
        how.append("total: the API's total for the filters (1 call)")
    return mark(ctx, {**result, "how": how})


TOOLS = (
    ToolSpec(
        name="voucherify_customer_overview",
        title="Voucherify customer overview",
        description=(
            "One Voucherify customer's support view in one call (by customer_id — id or source_id — or exact "
            "email): profile, loyalty points per campaign, redemption and order summary, segments, the top "
            "redeemables with balances and expiry, and the latest activity. At most 4 API calls. Its more field "
            "names the tool that gives each full list."
        ),
        toolset="assist",
        input_model=OverviewInput,
        output_model=OverviewResult,
        handler=customer_overview,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolSpec(
        name="voucherify_count_customers",
        title="Count Voucherify customers",
        description=(
            "Count Voucherify customers matching the list's filters (exact email, name or city; segment_id; created "
            "or updated date range) in one API call, from the list's total. how says what the filters mean."
        ),
        toolset="assist",
        input_model=CountCustomersInput,
        output_model=CountResult,
        handler=count_customers,
        read_only=True,
        destructive=False,
        idempotent=True,
        returns_customer_text=False,  # a number and our own words
    ),
)
