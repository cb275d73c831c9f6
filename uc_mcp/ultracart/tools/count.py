"""``ultracart_count_customers``: how many customers match a filter, optionally broken down by
country, state, signup year, pricing tier or tag — with as few API calls as the API allows.

- The count is one call: a one-customer page's ``total_records``. When the API leaves it null (it
  may; the sandbox's ``strict`` profile does whenever a filter is set), the matching customers are
  walked and counted, 200 per call.
- A breakdown by signup year is one call per year (a signup date range's ``total_records``) when
  totals are known and that is cheaper than walking; every other breakdown needs the records, so
  the matching customers are walked once (``_expand`` only what the dimensions need) and counted
  here — one walk serves every dimension asked for.
- ``max_calls`` bounds all of it. When it runs out the answer is partial, and says how much of the
  set it covers and how to get the rest. ``how`` lists how each number was computed.

Assumptions: a customer's country and state are those of its primary address (default billing,
else first billing, else shipping — the same rule as the list view); a customer with several tags
or pricing tiers is counted under each, one with none under ``(none)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from pydantic import Field, create_model

from ...core.budget import estimate_tokens
from ...core.toolspec import ToolContext, ToolSpec
from ..views import customer_view
from .assist import PAGE, BudgetSpent, CallBudget, MaxCalls, with_codes_upper
from .common import ObjectResult, StrictInput, mark
from .customers import FILTER_FIELDS, requested_filters

Dimension = Literal["country", "state", "signup_year", "pricing_tier", "tag"]
TOP_VALUES: Final = 25
_EXPANSIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "country": ("billing", "shipping"),
    "state": ("billing", "shipping"),
    "signup_year": (),
    "pricing_tier": ("pricing_tiers",),
    "tag": ("tags",),
}

CountCustomersInput = create_model(
    "CountCustomersInput",
    __base__=StrictInput,
    **FILTER_FIELDS,
    by=(
        list[Dimension] | None,
        Field(None, max_length=2, description="Break the count down by up to two of these."),
    ),
    max_calls=(int, MaxCalls),
)


class CountResult(ObjectResult):
    # Not required: a null total is left out of the result (``budget.result_json``), and a result
    # without it must still match this schema.
    total: int | None = Field(None, description="Customers matching the filter; absent when the walk could not finish.")
    at_least: int | None = Field(None, description="When total is unknown: customers counted before max_calls ran out.")
    by: dict[str, Any] | None = Field(None, description="Per dimension: [value, count] pairs, largest first.")
    how: list[str] = Field(description="How each number was computed.")
    api_calls: int
    complete: bool


def _values(customer: Mapping[str, Any], dimension: str) -> list[str]:
    if dimension in ("country", "state"):
        value = customer_view(customer).get("country" if dimension == "country" else "state")
        return [str(value) if value else "(none)"]
    if dimension == "signup_year":
        signup = customer.get("signup_dts")
        return [signup[:4] if isinstance(signup, str) and len(signup) >= 4 else "(none)"]
    key, inner = ("pricing_tiers", "name") if dimension == "pricing_tier" else ("tags", "tag_value")
    entries = [str(entry.get(inner)) for entry in customer.get(key) or [] if isinstance(entry, Mapping)]
    return entries or ["(none)"]


def _ranked(counter: Counter[str], dimension: str, top: int = TOP_VALUES) -> list[Any]:
    if dimension == "signup_year":  # a time series reads in order: the latest ``top`` years
        years = sorted(counter.items())
        pairs: list[Any] = [[value, count] for value, count in years[-top:]]
        if len(years) > top:
            pairs.insert(0, [f"({len(years) - top} earlier years)", sum(count for _, count in years[:-top])])
        return pairs
    pairs = [[value, count] for value, count in counter.most_common(top)]
    rest = sum(counter.values()) - sum(count for _, count in pairs)
    if rest:
        pairs.append([f"({len(counter) - top} other values)", rest])
    return pairs


def _fit_by(payload: dict[str, Any], counters: dict[str, Counter[str]], max_tokens: int) -> str | None:
    """Put the breakdown in ``payload``, with fewer values per dimension until it fits ``max_tokens``
    (the payload's other notice and this one's included); returns what was cut, if anything."""
    reserve = 60 + estimate_tokens(payload.get("notice") or "")  # this notice, "sandbox", the separator
    for top in (TOP_VALUES, 10, 5, 3, 1):
        payload["by"] = {dimension: _ranked(counter, dimension, top) for dimension, counter in counters.items()}
        if estimate_tokens(payload) + reserve <= max_tokens:
            break
    if top == TOP_VALUES or all(len(counter) <= top for counter in counters.values()):
        return None
    return (
        f"by shows the {top} largest values per dimension (latest years for signup_year) to fit the result "
        "budget; count one value exactly with its filter (e.g. billing_state)."
    )


async def count_customers(request: Any, ctx: ToolContext) -> dict[str, Any]:
    filters = with_codes_upper(requested_filters(request))
    dimensions: list[str] = list(dict.fromkeys(request.by or []))
    budget = CallBudget(request.max_calls)
    tally = _Tally(ctx, budget, filters, dimensions)
    result, how = tally.result, tally.how
    complete = True
    try:
        await tally.run()
    except BudgetSpent:
        complete = False
        if "_seen" in result:
            how.append(f"read {result['_seen']} matching customers before max_calls ran out")
    if not complete or result.get("total") is None:
        complete = False
        seen = result.pop("_seen", None)
        if result.get("total") is None and seen is not None:
            result["at_least"] = seen
    result.pop("_seen", None)
    counters = result.pop("by", None)
    payload = {**result, "how": how, "api_calls": budget.used, "complete": complete}
    if not complete:
        payload["notice"] = (
            f"Partial: max_calls={request.max_calls} ran out before every matching customer was seen, so the "
            "numbers cover only part of the set. Call again with a higher max_calls (each call reads 200 "
            "customers) or a narrower filter."
        )
    if counters is not None:
        cut = _fit_by(payload, counters, ctx.max_tokens)
        if cut:
            payload["notice"] = " ".join(filter(None, (payload.get("notice"), cut)))
    return mark(ctx, payload)


@dataclass(slots=True)
class _Tally:
    """One count in progress: the filter and dimensions asked for, the call budget, the numbers found so
    far (``result``) and how each was computed (``how``)."""

    ctx: ToolContext
    budget: CallBudget
    filters: dict[str, Any]
    dimensions: list[str]
    result: dict[str, Any] = field(default_factory=lambda: {"total": None})
    how: list[str] = field(default_factory=list)

    async def run(self) -> None:
        if any(d != "signup_year" for d in self.dimensions):
            # The breakdown needs every matching record: the walk's first page brings the total too.
            await self.walk()
        else:
            await self.count()

    async def count(self) -> None:
        """The total from a one-customer page, a signup-year breakdown from per-year totals when that is
        cheaper than reading; reading the matching customers when the API gives no total."""
        first = await self.budget.call("count", lambda: self.ctx.api.customer_page(0, 1, **self.filters))
        total = first.total
        if total is not None:
            self.result["total"] = total
            self.how.append("total: the API's total_records for the filter (1 call)")
        if self.dimensions and total is not None:
            years = datetime.now(UTC).year - 1995 + 1  # one call per year since UltraCart began (assumed floor)
            if -(-total // PAGE) >= years and await self.years_by_totals():
                return
        if self.dimensions or total is None:
            await self.walk()

    async def years_by_totals(self) -> bool:
        """Signup years from date-range totals: the earliest signup first, then one call per year, each
        year's count kept as it comes (a partial answer keeps the years counted). False when the API
        gives no total for a date range (it may omit totals for any filter): the caller reads instead."""
        api, filters = self.ctx.api, self.filters
        oldest = await self.budget.call(
            "oldest signup", lambda: api.customer_page(0, 1, sort=["+signup_dts"], **filters)
        )
        counter: Counter[str] = Counter()
        self.result["by"] = {"signup_year": counter}
        if not oldest.items or not isinstance(oldest.items[0].get("signup_dts"), str):
            return True
        start, end = int(oldest.items[0]["signup_dts"][:4]), datetime.now(UTC).year
        for year in range(start, end + 1):
            window = {**filters, "signup_dts_start": f"{year}-01-01", "signup_dts_end": f"{year}-12-31T23:59:59"}
            try:
                page = await self.budget.call(f"signup {year}", lambda window=window: api.customer_page(0, 1, **window))  # type: ignore[misc]
            except BudgetSpent:
                counted = f"years {start}-{year - 1}" if year > start else "no year"
                self.how.append(f"by signup_year: {counted} counted from total_records before max_calls ran out")
                raise
            if page.total is None:
                del self.result["by"]
                self.how.append("by signup_year: the API gave no total for a date range; counting by reading instead")
                return False
            if page.total:
                counter[str(year)] = page.total
        self.how.append(f"by signup_year: one total_records call per year {start}-{end}")
        return True

    async def walk(self) -> None:
        """Read every matching customer once, counting and grouping here."""
        api, filters, dimensions, result = self.ctx.api, self.filters, self.dimensions, self.result
        expand = sorted({name for dimension in dimensions for name in _EXPANSIONS[dimension]})
        counters: dict[str, Counter[str]] = {dimension: Counter() for dimension in dimensions}
        offset, seen, pages = 0, 0, 0
        try:
            while True:
                page = await self.budget.call(
                    "walk",
                    lambda offset=offset: api.customer_page(offset, PAGE, expand=expand or None, **filters),  # type: ignore[misc]
                )
                pages += 1
                seen += len(page.items)
                if pages == 1 and page.total is not None and result.get("total") is None:
                    result["total"] = page.total
                    self.how.append("total: the API's total_records for the filter (from the first page read)")
                for customer in page.items:
                    for dimension in dimensions:
                        counters[dimension].update(_values(customer, dimension))
                if not page.more or not page.items:
                    break
                offset = page.next_offset if page.next_offset is not None else offset + len(page.items)
        finally:
            result["_seen"] = seen
            if dimensions:
                result["by"] = counters  # ranked and fitted to the budget at the end
        if result.get("total") is None:
            result["total"] = seen
            self.how.append(
                f"total: counted by reading all {seen} matching customers ({_calls(pages)}; the API gave no total)"
            )
        if dimensions:
            self.how.append(f"by {', '.join(dimensions)}: counted from all {seen} matching customers ({_calls(pages)})")


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"


TOOLS = (
    ToolSpec(
        name="ultracart_count_customers",
        title="Count customers",
        description=(
            "Count customers matching filters (the same filters as ultracart_get_customers), optionally broken "
            "down by country, state, signup_year, pricing_tier or tag. Uses the API's totals when it gives them, "
            "else reads the matching customers (200 per call). At most max_calls API calls; a partial answer "
            "says so. how explains each number."
        ),
        toolset="assist",
        input_model=CountCustomersInput,
        output_model=CountResult,
        handler=count_customers,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
