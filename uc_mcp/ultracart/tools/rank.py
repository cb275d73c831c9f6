"""``ultracart_rank_customers``: the top (or bottom) N customers by a number their records carry —
store credit, order total, order count, loyalty points or signup date — within ``max_calls``.

Where each value is read (``MEASURES``), in the fewest calls the API allows:

- ``signup_date`` is ``signup_dts``, which the API sorts by itself (``_sort``; assumed sortable: the
  spec does not list the sortable fields, and the list tools make the same assumption): one sorted
  page of N customers is the whole answer, whatever the store's size.
- The others live in expansions the API cannot sort by, so the matching customers are read, 200 per
  call (``core.paging.walk``), each with the one expansion its value is in plus the addresses its
  name is in, and a bounded heap keeps the best N+1 (the one past N only tells whether rank N ties
  with a customer not shown). Nothing else of a page outlives it: memory does not grow with the store.
- ``store_credit`` is ``loyalty.internal_gift_certificate_balance`` (``_expand=loyalty``; a string in
  the API). Assumed: UltraCart keeps a customer's store credit on their internal gift certificate
  (the one ``adjust_internal_certificate`` moves), and that balance is what can be spent now — the
  store-credit endpoint's ``available`` (unused and vested), not its ``total`` (lifetime credited).
  There is no ``_expand=store_credit``; the store-credit endpoint says ``available`` exactly but
  costs one call per customer, 200 times the calls of a page.
- A customer without the sub-object (no orders, no points, no gift certificate) counts as 0
  (assumed: the API leaves out what a customer never had). A value that is there but not a number
  is skipped and counted in ``how``.

Filters are those of ``ultracart_get_customers`` (``customer_filters.py``). ``has_store_credit``, which
the API does not have, is checked here on every customer read: the API's total then counts customers
that are not ranked, so ``total`` is given only once every customer was read, and a sorted ranking
(signup date) reads sorted pages until N+1 customers pass, within ``max_calls`` like the others.

Ties go to the lower ``customer_profile_oid``, in either order (the sorted page asks the API for the
same tie-break). When ``max_calls`` runs out the ranking is of the customers read so far, and says
how many of how many, and how to finish: a higher ``max_calls``, or ``offset=next_offset`` to rank
the rest and merge (the best N of two disjoint rankings together are the best N of both).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal, cast

from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from ...core.budget import fit_list, result_json, text_tokens
from ...core.filtering import first_matches
from ...core.paging import Page, walk
from ...core.toolspec import ToolContext, ToolSpec
from ..views import customer_view
from .assist import PAGE, CallBudget, MaxCalls
from .common import LIST_ID_FIELDS, ListResult, mark
from .customer_filters import OUT_OF_CALLS, CustomerFilterInput, Selection, read_line, selection

RankBy = Literal["store_credit", "order_total", "order_count", "loyalty_points", "signup_date"]
Order = Literal["desc", "asc"]
NAME_EXPANSION: Final = ("billing", "shipping")  # the compact view's name comes from an address
TIE_BREAK: Final = "ties: the lower customer_profile_oid ranks first"
MAX_CALLS_LIMIT: Final[int] = next(bound.le for bound in cast(FieldInfo, MaxCalls).metadata if hasattr(bound, "le"))


@dataclass(frozen=True, slots=True)
class Measure:
    """Where one ``by`` reads its value: the path in the record, the expansion that brings it, the result
    column it is shown under, and what it is (for ``ranked_by``)."""

    path: tuple[str, ...]
    expansion: str | None
    column: str
    meaning: str
    whole: bool = False  # a count: shown as an integer
    assumption: str | None = None  # said in ``how``: what the value is taken for

    @property
    def field_path(self) -> str:
        return ".".join(self.path)


MEASURES: Final[Mapping[str, Measure]] = {
    "store_credit": Measure(
        ("loyalty", "internal_gift_certificate_balance"),
        "loyalty",
        "store_credit_available",
        "loyalty.internal_gift_certificate_balance: store credit available now (unused and vested), "
        "not the lifetime total credited",
        assumption="assumed: the internal gift certificate's balance is the store-credit endpoint's available "
        "(that endpoint would take a call per customer)",
    ),
    "order_total": Measure(
        ("orders_summary", "total"), "orders_summary", "order_total", "orders_summary.total: all orders, lifetime"
    ),
    "order_count": Measure(
        ("orders_summary", "order_count"),
        "orders_summary",
        "order_count",
        "orders_summary.order_count: orders placed",
        whole=True,
    ),
    "loyalty_points": Measure(
        ("loyalty", "current_points"),
        "loyalty",
        "loyalty_points",
        "loyalty.current_points: points now, pending points not included",
        whole=True,
    ),
    "signup_date": Measure(("signup_dts",), None, "signup_dts", "signup_dts: when the customer signed up"),
}
# Values the API sorts by itself (``by`` -> its ``_sort`` field): one sorted page answers.
API_SORTED: Final[Mapping[str, str]] = {"signup_date": "signup_dts"}

RankCustomersInput = create_model(
    "RankCustomersInput",
    __base__=CustomerFilterInput,
    by=(
        RankBy,
        Field(
            description=(
                "store_credit: available balance (unused, vested; not lifetime credited); order_total: "
                "orders_summary.total (lifetime); order_count: orders_summary.order_count; loyalty_points: "
                "loyalty.current_points (not pending); signup_date: signup_dts."
            )
        ),
    ),
    order=(Order, Field("desc", description="desc: most or newest first; asc: least or oldest.")),
    limit=(int, Field(5, ge=1, le=50, description="How many customers to rank.")),
    offset=(
        int,
        Field(
            0,
            ge=0,
            le=10_000_000,
            description="Rank only customers from this offset on: next_offset of a partial ranking.",
        ),
    ),
    max_calls=(int, MaxCalls),
)


class RankResult(ListResult):
    ranked_by: str = Field(description="The field ranked and what it means.")
    order: str
    examined: int | None = Field(None, description="Matching customers compared (of total).")
    how: list[str] = Field(description="How the ranking was computed.")
    api_calls: int
    complete: bool = Field(description="False when not every matching customer was compared: see notice.")


# -- values and the bounded heap --------------------------------------------------------------------

ZERO: Final = Decimal(0)


def value_of(customer: Mapping[str, Any], measure: Measure) -> Decimal | None:
    """The customer's number for ``measure``: 0 when the record has none, None when it is not a number."""
    value: Any = customer
    for key in measure.path:
        value = value.get(key) if isinstance(value, Mapping) else None
        if value is None:
            return ZERO
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass(slots=True)
class Best:
    """The best ``keep`` customers offered so far, as compact rows; never more than ``keep`` held.

    A min-heap whose top is the worst customer kept: in descending order the smallest value, in
    ascending order the largest; between equal values the larger oid (ties go to the lower oid).
    """

    keep: int
    descending: bool
    column: str
    whole: bool
    heap: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)

    def offer(self, customer: Mapping[str, Any], value: Decimal) -> None:
        oid = customer.get("customer_profile_oid")
        if not isinstance(oid, int):
            return  # nothing to rank it by, or to show
        key = (value if self.descending else -value, -oid)
        if len(self.heap) >= self.keep and key <= self.heap[0][:2]:
            return
        if any(entry[1] == -oid for entry in self.heap):
            return  # read twice: a page shifted under the walk (customers added or removed meanwhile)
        shown = int(value) if self.whole and value == value.to_integral_value() else value
        entry = (key[0], key[1], compact_row(customer, self.column, shown))
        if len(self.heap) < self.keep:
            heapq.heappush(self.heap, entry)
        else:
            heapq.heapreplace(self.heap, entry)

    def ranked(self) -> list[dict[str, Any]]:
        return [entry[2] for entry in sorted(self.heap, key=lambda entry: entry[:2], reverse=True)]


def compact_row(customer: Mapping[str, Any], column: str, value: Any) -> dict[str, Any]:
    view = customer_view(customer)
    return {"customer_profile_oid": view["customer_profile_oid"], "email": view["email"], "name": view["name"]} | {
        column: value
    }


# -- the two ways to rank ------------------------------------------------------------------------------


@dataclass(slots=True)
class Ranking:
    """One ranking in progress: the customers found, best first (one more than asked for, when there is
    one: it tells whether rank N ties), how they were found, and how much of the set that covers."""

    ctx: ToolContext
    request: Any
    measure: Measure
    chosen: Selection
    budget: CallBudget
    rows: list[dict[str, Any]] = field(default_factory=list)
    how: list[str] = field(default_factory=list)
    total: int | None = None
    examined: int | None = None
    next_offset: int | None = None
    stopped: str = "end"  # "end" | "max_calls" | "stalled"

    @property
    def complete(self) -> bool:
        return self.stopped == "end" and self.request.offset == 0  # from offset 0: the whole set

    def _sort(self, sort_field: str) -> list[str]:
        return [("-" if self.request.order == "desc" else "+") + sort_field, "+customer_profile_oid"]

    async def sorted_by_api(self, sort_field: str) -> None:
        """One page sorted by the API: its first ``limit`` customers are the ranking."""
        request, sort = self.request, self._sort(sort_field)
        page: Page[dict[str, Any]] = await self.budget.call(
            "sorted page",
            lambda: self.chosen.page(self.ctx.api, 0, request.limit + 1, sort=sort, expand=NAME_EXPANSION),
        )
        # The API compared every matching customer; how many that is, it may not say (then neither do we).
        self.total = self.examined = page.total
        self._take_sorted(page.items, sort_field)
        of = f"all {page.total}" if page.total is not None else "all"
        self.how.append(f"sorted by the API (_sort={','.join(sort)}) over {of} matching customers: 1 call")

    async def sorted_and_checked(self, sort_field: str) -> None:
        """Pages sorted by the API, read until ``limit + 1`` customers pass the checks made here."""
        request, sort = self.request, self._sort(sort_field)
        fetch = self.chosen.fetch(self.ctx.api, sort=sort, expand=NAME_EXPANSION)

        async def counted(offset: int, limit: int) -> Page[dict[str, Any]]:
            page: Page[dict[str, Any]] = await self.budget.call("sorted page", lambda: fetch(offset, limit))
            return page

        found = await first_matches(
            counted, self.chosen.keep, want=request.limit + 1, start=request.offset, max_pages=request.max_calls
        )
        self._take_sorted(found.items, sort_field)
        self.examined = len(found.items)
        if found.stopped == "max_pages":
            self.stopped, self.next_offset = "max_calls", found.resume_after(len(found.items))
        elif found.stopped == "stalled":
            self.stopped = "stalled"
        elif found.stopped == "end" and request.offset == 0:
            self.total = len(found.items)  # every matching customer was read
        self.how.append(f"sorted by the API (_sort={','.join(sort)}), read in that order")
        early = OUT_OF_CALLS if self.stopped == "max_calls" else None
        self.how.append(read_line(found.read, found.pages, len(found.items), stopped=early, start=request.offset))

    def _take_sorted(self, customers: list[dict[str, Any]], sort_field: str) -> None:
        for customer in customers:
            value = customer.get(sort_field)
            if isinstance(value, str) and value:
                self.rows.append(compact_row(customer, sort_field, value))
        if missing := len(customers) - len(self.rows):
            self.how.append(f"{missing} customer(s) without {sort_field} left out")

    async def walked(self) -> None:
        """Read the matching customers page by page, keeping only the best ``limit + 1``."""
        request, measure, api, chosen = self.request, self.measure, self.ctx.api, self.chosen
        expand = chosen.expansions({*NAME_EXPANSION, *((measure.expansion,) if measure.expansion else ())}) or []
        best = Best(request.limit + 1, request.order == "desc", measure.column, measure.whole)
        examined = unreadable = 0

        async def fetch(offset: int, limit: int) -> Page[dict[str, Any]]:
            page: Page[dict[str, Any]] = await self.budget.call(
                "page", lambda: chosen.page(api, offset, limit, expand=expand)
            )
            return page

        walker = walk(fetch, limit=PAGE, start=request.offset, max_pages=request.max_calls)
        read = 0
        async for page in walker:
            if self.total is None and not chosen.checked_here:  # checked here: the API's total is a superset
                self.total = page.total
            read += len(page.items)
            for customer in page.items:
                if not chosen.keep(customer):
                    continue
                examined += 1
                value = value_of(customer, measure)
                if value is None:
                    unreadable += 1
                else:
                    best.offer(customer, value)
        self.rows, self.examined = best.ranked(), examined
        self.stopped = {"end": "end", "max_pages": "max_calls"}.get(walker.stopped or "", "stalled")
        if self.stopped == "max_calls":
            self.next_offset = walker.resume
        elif self.stopped == "end" and self.total is None and request.offset == 0:
            self.total = examined  # counted: the API gave no total
        self.how.append(
            f"read {PAGE} per call with _expand={','.join(expand)} (the API cannot sort by {measure.field_path}); "
            "a customer without it counts as 0"
        )
        if measure.assumption:
            self.how.append(measure.assumption)
        if chosen.checked_here:
            early = {"end": None, "max_calls": OUT_OF_CALLS}.get(self.stopped, "the API stopped returning customers")
            self.how.append(read_line(read, walker.pages, examined, stopped=early, start=request.offset))
        self.how.append(self._coverage(examined))
        if unreadable:
            self.how.append(f"{unreadable} customer(s) skipped: {measure.field_path} not a number")

    def _coverage(self, examined: int) -> str:
        of = f" of {self.total}" if self.total is not None else ""
        start = f" from offset {self.request.offset}" if self.request.offset else ""
        why = {"end": "", "max_calls": ", then max_calls ran out", "stalled": ", then the API returned no more"}
        calls = "1 call" if self.budget.used == 1 else f"{self.budget.used} calls"
        return f"compared {examined}{of} matching customers{start} in {calls}{why[self.stopped]}"


# -- the answer ----------------------------------------------------------------------------------------


async def rank_customers(request: Any, ctx: ToolContext) -> dict[str, Any]:
    sort_field = API_SORTED.get(request.by)
    chosen = selection(request)
    if sort_field is not None and request.offset and not chosen.checked_here:
        raise ValueError(
            f"offset: {request.by} is ranked by the API's own sort in one call and is never partial; leave "
            "offset out (it resumes a partial ranking of the other values, or of a filter checked here)."
        )
    measure = MEASURES[request.by]
    ranking = Ranking(ctx, request, measure, chosen, CallBudget(request.max_calls))
    ranking.how.extend(chosen.meaning())
    if sort_field is not None and chosen.checked_here:
        await ranking.sorted_and_checked(sort_field)
    elif sort_field is not None:
        await ranking.sorted_by_api(sort_field)
    else:
        await ranking.walked()
    ranking.how.append(TIE_BREAK)
    return _fitted(ctx, ranking)


def _ties_at_the_cut(ranking: Ranking) -> bool:
    limit: int = ranking.request.limit
    rows, column = ranking.rows, ranking.measure.column
    return len(rows) > limit and bool(rows[limit - 1][column] == rows[limit][column])


def _coverage_notice(ranking: Ranking, *, terse: bool = False) -> str | None:
    """What part of the matching customers the ranking covers, and how to rank the rest."""
    request, examined = ranking.request, ranking.examined or 0
    of = f" of {ranking.total}" if ranking.total is not None else ""
    merge = f"the best {request.limit} of both answers together are the best {request.limit} of all"
    if ranking.stopped == "max_calls":
        needed = -(-(ranking.total - request.offset) // PAGE) if ranking.total is not None else None
        more_calls = needed is not None and needed <= MAX_CALLS_LIMIT
        if terse:
            calls = f" or max_calls={needed}" if more_calls else ""
            return f"Partial: {examined}{of} compared. Rest: offset={ranking.next_offset} (then merge){calls}."
        rest = f"call again with offset={ranking.next_offset} and merge ({merge})"
        if more_calls:
            rest = f"call again with max_calls={needed}, or {rest}"
        return (
            f"Partial: max_calls={request.max_calls} ran out after {examined}{of} matching customers, so this "
            f"ranks only those. To rank them all, {rest}. Or narrow the filter."
        )
    if ranking.stopped == "stalled":
        if terse:
            return f"Partial: the API stopped after {examined}."
        return (
            f"Partial: the API stopped returning customers after {examined}; this ranks only those. Try again, "
            "or narrow the filter."
        )
    if request.offset:
        if terse:
            return f"Ranks customers from offset {request.offset} on only: merge with the earlier ranking."
        return (
            f"This ranks the matching customers from offset {request.offset} on; merge it with the ranking of "
            f"those before ({merge})."
        )
    return None


def _tie_notice(ranking: Ranking, *, terse: bool = False) -> str | None:
    limit, column = ranking.request.limit, ranking.measure.column
    if not _ties_at_the_cut(ranking):
        return None
    if terse:
        return f"Rank {limit} ties with a customer not shown."
    return f"Rank {limit} ties with a customer not shown (same {column}); raise limit to see the tie."


def _cut_notice(shown: int, ranked: int) -> str | None:
    if shown == ranked:
        return None
    if shown == 0:
        return f"None of the {ranked} ranked customers fit the result budget."
    return f"Showing ranks 1-{shown} of {ranked}: the rest did not fit the result budget."


@dataclass(frozen=True, slots=True)
class _Style:
    """How much the result says around its rows: tried from the fullest until the result fits."""

    how: list[str]
    ranked_by: str
    coverage: str | None
    tie: str | None


def _fitted(ctx: ToolContext, ranking: Ranking) -> dict[str, Any]:
    """The result: the ranked rows as a table, as many as the budget holds. Under a tight budget ``how``
    is shortened first, then the notices, and only then are rows left out (the rows are the answer)."""
    request, measure = ranking.request, ranking.measure
    ranked = [{"rank": rank, **row} for rank, row in enumerate(ranking.rows[: request.limit], start=1)]
    columns = ("rank", *LIST_ID_FIELDS, "name", measure.column)
    full = _Style(ranking.how, measure.meaning, _coverage_notice(ranking), _tie_notice(ranking))
    # Briefer: what the filters mean (a filter checked here must still say so) and how much was compared.
    brief_how = ranking.chosen.meaning(terse=True) + [
        line for line in ranking.how if line.startswith(("compared", "sorted"))
    ]
    brief = _Style(brief_how, measure.meaning, full.coverage, full.tie)
    terse = _Style(
        brief_how, measure.field_path, _coverage_notice(ranking, terse=True), _tie_notice(ranking, terse=True)
    )
    table = fit_list(
        ranked,
        max_tokens=ctx.max_tokens,  # long values trimmed, rows that alone exceed the budget dropped
        detail_hint="call ultracart_get_customer with its customer_profile_oid",
        id_fields=LIST_ID_FIELDS,
        columns=columns,
    )
    # A ranking, not a page: fit_list's notice of a cut (offsets, fields=[...]) gives way to ours, and the
    # loop below decides how many rows fit beside the rest of the result.
    items: list[Any] = table["items"]
    shortened = table.get("notice") if len(items) == len(ranked) else None
    attempts = [(full, len(items)), *((brief, shown) for shown in range(len(items), 0, -1))]
    attempts += [(terse, shown) for shown in range(len(items), -1, -1)]
    result: dict[str, Any] = {}
    for style, shown in attempts:
        notices = (
            shortened if shown == len(ranked) else None,
            style.coverage,
            style.tie,
            _cut_notice(shown, len(ranked)),
        )
        result = mark(
            ctx,
            {
                "columns": list(columns),
                "items": items[:shown],
                "returned": shown,
                "next_offset": ranking.next_offset,
                "ranked_by": style.ranked_by,
                "order": request.order,
                "total": ranking.total,
                "examined": ranking.examined,
                "how": style.how,
                "api_calls": ranking.budget.used,
                "complete": ranking.complete,
                "notice": " ".join(filter(None, notices)) or None,
            },
        )
        if text_tokens(result_json(result)) <= ctx.max_tokens:
            break
    return result


TOOLS = (
    ToolSpec(
        name="ultracart_rank_customers",
        title="Rank customers",
        description=(
            "The top (or bottom) customers by store credit, order total, order count, loyalty points or signup "
            "date, optionally within the filters of ultracart_get_customers. Signup date is sorted by the API in "
            "one call; the others are read 200 customers per call, at most max_calls calls: a partial ranking "
            "says how many were compared and how to finish it. how says how it was computed."
        ),
        toolset="assist",
        input_model=RankCustomersInput,
        output_model=RankResult,
        handler=rank_customers,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
