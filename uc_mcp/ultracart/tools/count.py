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

Filters (``customer_filters.py``): the API's are counted by the API; ``has_store_credit``, which the
API does not have, is checked here on every customer the API's filters match, so the API's total is
not the answer then and the matching customers are always read.

One meaning with the filters: a customer counts under every distinct state (country) of its billing
addresses, as ``billing_state`` (``billing_country_code``) matches any billing address — so
``count(billing_state=S).total`` is the ``by=state`` count of S, and the per-state counts can add up
to more than the total when customers have billing addresses in several states. A customer with no
billing state (country) counts under ``(none)``. Likewise a customer with several tags or pricing
tiers is counted under each, one with none under ``(none)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from pydantic import Field, create_model

from ...core.budget import estimate_tokens
from ...core.paging import OFFSET
from ...core.toolspec import ToolContext, ToolSpec
from .assist import PAGE, BudgetSpent, CallBudget, MaxCalls
from .common import ObjectResult, mark
from .customer_filters import OUT_OF_CALLS, CustomerFilterInput, Selection, read_line, selection

Dimension = Literal["country", "state", "signup_year", "pricing_tier", "tag"]
TOP_VALUES: Final = 25
_EXPANSIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "country": ("billing",),
    "state": ("billing",),
    "signup_year": (),
    "pricing_tier": ("pricing_tiers",),
    "tag": ("tags",),
}

CountCustomersInput = create_model(
    "CountCustomersInput",
    __base__=CustomerFilterInput,
    by=(
        list[Dimension] | None,
        Field(
            None,
            max_length=2,
            description="Break the count down by up to two of these. state/country: every distinct one of a "
            "customer's billing addresses (as billing_state matches), so counts can add up to more than total.",
        ),
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
        key = "country_code" if dimension == "country" else "state_region"
        billing = [address for address in customer.get("billing") or [] if isinstance(address, Mapping)]
        found = dict.fromkeys(str(address[key]) for address in billing if address.get(key))
        return list(found) or ["(none)"]
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


def _fit_by(
    payload: dict[str, Any], counters: dict[str, Counter[str]], max_tokens: int, terse: bool = False
) -> str | None:
    """Put the breakdown in ``payload``, with fewer values per dimension until it fits ``max_tokens``
    (the payload's other notice and this one's included); returns what was cut, if anything."""
    reserve = (25 if terse else 60) + estimate_tokens(payload.get("notice") or "")  # this notice, "sandbox"
    for top in (TOP_VALUES, 10, 5, 3, 1):
        payload["by"] = {dimension: _ranked(counter, dimension, top) for dimension, counter in counters.items()}
        if estimate_tokens(payload) + reserve <= max_tokens:
            break
    if top == TOP_VALUES or all(len(counter) <= top for counter in counters.values()):
        return None
    if terse:
        return f"by: the {top} largest values only; count one exactly with its filter."
    return (
        f"by shows the {top} largest values per dimension (latest years for signup_year) to fit the result "
        "budget; count one value exactly with its filter (e.g. billing_state)."
    )


# Said in ``how`` when the breakdown is by state or country (full and terse), with the filter it agrees with.
BY_ADDRESS: Final = (
    "by {dimension}: each customer under every distinct {dimension} of its billing addresses, as "
    "billing_{filter} matches (the counts may add up to more than total)",
    "by {dimension}: every billing-address {dimension}; may add up to more than total",
)


async def count_customers(request: Any, ctx: ToolContext) -> dict[str, Any]:
    chosen = selection(request)
    dimensions: list[str] = list(dict.fromkeys(request.by or []))
    budget = CallBudget(request.max_calls)
    tally = _Tally(ctx, budget, chosen, dimensions)
    result, how = tally.result, tally.how
    complete = True
    try:
        await tally.run()
    except BudgetSpent:
        complete = False
        if tally.read and not chosen.checked_here:  # (checked here, the read line says it)
            how.append(f"read {tally.read} matching customers before max_calls ran out")
    if not complete or result.get("total") is None:
        complete = False
        if result.get("total") is None and tally.pages:
            result["at_least"] = tally.kept
    counters = result.pop("by", None)
    # Fullest first; under a tight budget the same facts in fewer words (the numbers are the answer).
    payload: dict[str, Any] = {}
    for terse in (False, True):
        by_lines = [
            BY_ADDRESS[terse].format(dimension=dimension, filter="state" if dimension == "state" else "country_code")
            for dimension in ("state", "country")
            if dimension in dimensions
        ]
        read: list[str] = []
        if chosen.checked_here and tally.pages:
            stopped, listed = (None, None) if complete else (OUT_OF_CALLS, tally.listed)
            read = [read_line(tally.read, tally.pages, tally.kept, stopped=stopped, listed=listed, terse=terse)]
        said = chosen.meaning(terse=terse) + read + how + by_lines
        payload = {**result, "how": said, "api_calls": budget.used, "complete": complete}
        if not complete:
            payload["notice"] = _partial_notice(request.max_calls, terse)
        if counters is not None:
            cut = _fit_by(payload, counters, ctx.max_tokens, terse)
            if cut:
                payload["notice"] = " ".join(filter(None, (payload.get("notice"), cut)))
        if estimate_tokens(payload) + 10 <= ctx.max_tokens:  # 10: "sandbox"
            break
    return mark(ctx, payload)


def _partial_notice(max_calls: int, terse: bool) -> str:
    if terse:
        return f"Partial: max_calls={max_calls} ran out. Raise it or narrow the filter."
    return (
        f"Partial: max_calls={max_calls} ran out before every matching customer was seen, so the numbers cover "
        "only part of the set. Call again with a higher max_calls (each call reads 200 customers) or a narrower "
        "filter."
    )


@dataclass(slots=True)
class _Tally:
    """One count in progress: the filter and dimensions asked for, the call budget, the numbers found so
    far (``result``), how each was computed (``how``), and how much of the set was read."""

    ctx: ToolContext
    budget: CallBudget
    chosen: Selection
    dimensions: list[str]
    result: dict[str, Any] = field(default_factory=lambda: {"total": None})
    how: list[str] = field(default_factory=list)
    read: int = 0  # customers the API returned to the walk
    kept: int = 0  # of those, customers that match (all of them, unless a filter is checked here)
    pages: int = 0
    listed: int | None = None  # the API's total for its own filters

    async def run(self) -> None:
        if self.chosen.checked_here or any(d != "signup_year" for d in self.dimensions):
            # The API's total is not the answer when a filter is checked here, and a breakdown needs every
            # matching record: the walk's first page brings the API's total too.
            await self.walk()
        else:
            await self.count()

    async def count(self) -> None:
        """The total from a one-customer page, a signup-year breakdown from per-year totals when that is
        cheaper than reading; reading the matching customers when the API gives no total."""
        api, chosen = self.ctx.api, self.chosen
        first = await self.budget.call("count", lambda: chosen.page(api, 0, 1))
        total = first.total
        if total is not None:
            self.result["total"] = total
            self.how.append("total: the API's total_records for the filter (1 call)")
        # Per-year totals replace the signup range: with one given, the walk counts within it instead.
        ranged = "signup_dts_start" in chosen.api or "signup_dts_end" in chosen.api
        if self.dimensions and total is not None and not ranged:
            years = datetime.now(UTC).year - 1995 + 1  # one call per year since UltraCart began (assumed floor)
            if -(-total // PAGE) >= years and await self.years_by_totals():
                return
        if self.dimensions or total is None:
            await self.walk()

    async def years_by_totals(self) -> bool:
        """Signup years from date-range totals: the earliest signup first, then one call per year, each
        year's count kept as it comes (a partial answer keeps the years counted). False when the API
        gives no total for a date range (it may omit totals for any filter): the caller reads instead."""
        api, chosen = self.ctx.api, self.chosen
        oldest = await self.budget.call("oldest signup", lambda: chosen.page(api, 0, 1, sort=["+signup_dts"]))
        counter: Counter[str] = Counter()
        self.result["by"] = {"signup_year": counter}
        if not oldest.items or not isinstance(oldest.items[0].get("signup_dts"), str):
            return True
        start, end = int(oldest.items[0]["signup_dts"][:4]), datetime.now(UTC).year
        for year in range(start, end + 1):
            window = chosen.with_api(signup_dts_start=f"{year}-01-01", signup_dts_end=f"{year}-12-31T23:59:59")
            try:
                page = await self.budget.call(f"signup {year}", lambda window=window: window.page(api, 0, 1))  # type: ignore[misc]
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
        """Read every customer the API's filters match once, checking, counting and grouping here."""
        api, chosen, dimensions, result = self.ctx.api, self.chosen, self.dimensions, self.result
        expand = sorted({name for dimension in dimensions for name in _EXPANSIONS[dimension]})
        counters: dict[str, Counter[str]] = {dimension: Counter() for dimension in dimensions}
        offset = 0
        try:
            while True:
                page = await self.budget.call(
                    "walk",
                    lambda offset=offset: chosen.page(api, offset, PAGE, expand=expand),  # type: ignore[misc]
                )
                self.pages += 1
                self.read += len(page.items)
                if self.pages == 1:
                    self.listed = page.total
                    if page.total is not None and result.get("total") is None and not chosen.checked_here:
                        result["total"] = page.total
                        self.how.append("total: the API's total_records for the filter (from the first page read)")
                for customer in page.items:
                    if not chosen.keep(customer):
                        continue
                    self.kept += 1
                    for dimension in dimensions:
                        counters[dimension].update(_values(customer, dimension))
                if not page.more or not page.items:
                    break
                offset = OFFSET.after(offset, page, len(page.items))
        finally:
            if dimensions:
                result["by"] = counters  # ranked and fitted to the budget at the end
        pages, kept = _calls(self.pages), self.kept
        if chosen.checked_here:
            result["total"] = kept
            self.how.append(f"total: the {kept} that passed")  # after the read line (count_customers)
        elif result.get("total") is None:
            result["total"] = kept
            self.how.append(f"total: counted by reading all {kept} matching customers ({pages}; the API gave no total)")
        if dimensions:
            self.how.append(f"by {', '.join(dimensions)}: counted from all {kept} matching customers ({pages})")


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"


TOOLS = (
    ToolSpec(
        name="ultracart_count_customers",
        title="Count customers",
        description=(
            "Count customers matching filters (the same filters as ultracart_get_customers: tags, pricing tier, "
            "billing/shipping place, dates, has_store_credit, ...), optionally broken down by country, state, "
            "signup_year, pricing_tier or tag. Uses the API's totals when it gives them, else reads the matching "
            "customers (200 per call). At most max_calls API calls; a partial answer says so. how explains each "
            "number and what the filters mean."
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
