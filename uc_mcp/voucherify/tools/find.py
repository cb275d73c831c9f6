"""``voucherify_find_customers``: one free-form query (email, part of one, name, source_id, customer id, phone
number or its last digits) → a ranked, budgeted list of customers with why each matched.

Honesty with the real API: Voucherify's list filters (``email``, ``name``) match exactly, there is no phone filter
at all, and a project is paced (100 requests a minute on Business, 100 an hour on a sandbox project). So every
call of this tool spends API calls through one ``CallBudget`` (``max_calls``), stops with a partial answer when it
is spent, and says how it got its answer (``how``). Cheapest first, each step one API call:

1. a customer id (``cust_…``) or a single word that may be a source_id is read directly (``{customerId}``
   resolves either);
2. an email, or a full name, goes through the API's exact filter: as typed, then lower-cased (an email) or with
   each word capitalised (a name) when that differs;
3. when those find nobody and calls are left (``scan``), pages of 100 customers are read, oldest first, and
   matched here — case-insensitively, by prefix and substring, phones by their digits. That is the only way to find
   "phone ending 0143", a first name alone, or an email stored in another case.

**Email case.** The API's ``email`` filter is exact, and we assume it is case-sensitive (the documentation does
not say; the sandbox is): ``john.smith@example.com`` does not find ``John.Smith@example.com`` through it. The
email is therefore tried as typed and in lower case, and when neither finds anyone the scan compares emails
case-insensitively ("email (exact, other case)"). An address found by the filter is not looked for in other cases
as well (that would need a scan of every customer): Voucherify allows several customers with one email, in any
case, and the filter finds those that share the exact spelling.

Every candidate is re-checked here (:func:`explain`) to rank it and say why it matched; one the API returned that
the local check cannot explain is kept last, as "matched by the API's <step>". What every provider's find shares
(the candidates, the notice, the ranked answer) is core/ranking.py's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from pydantic import AfterValidator, Field

from ...core.callbudget import BudgetSpent, CallBudget
from ...core.errors import NotFound
from ...core.paging import Page
from ...core.paths import is_dot_segment
from ...core.ranking import Candidates, Match, Outcome, digits, is_phone, ranked_result
from ...core.results import not_blank
from ...core.toolspec import ToolContext, ToolSpec
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view
from .common import Result, StrictInput

MaxCalls = Field(
    8,
    ge=1,
    le=100,
    description="Most Voucherify API calls this may make (a project allows about 100 a minute, a sandbox project "
    "100 an hour).",
)
PAGE: Final = 100  # the API's largest page (reference §4.6)
MAX_PAGE: Final = 99  # the API's last page number; past it the walk follows the created_at cursor
EMAIL_SHAPE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_FIELDS: Final = ("id", "email")


class FindCustomersInput(StrictInput):
    # Spaces alone would be looked up as an empty customer id (core/results.py).
    query: Annotated[str, AfterValidator(not_blank)] = Field(
        min_length=1,
        max_length=255,
        description="An email or part of one, a name or part of one, a source_id, a customer id (cust_...), or a "
        "phone number or its last digits.",
    )
    limit: int = Field(10, ge=1, le=50, description="Most customers to return.")
    max_calls: int = MaxCalls
    scan: bool = Field(True, description="Read and match pages of customers when the API's filters find nobody.")


class FindResult(Result):
    columns: list[str] | None = Field(None, description="Column names of the rows in items.")
    items: list[Any] = Field(description="The best matches first, one row each.")
    returned: int
    total: int | None = Field(None, description="Every customer that matched (more than returned when cut).")
    interpreted_as: str = Field(
        description="What the query was taken for: id, email, partial email, phone, name, word."
    )
    how: list[str] = Field(description="The API calls made, in order, and what a scan covered.")
    api_calls: int
    complete: bool = Field(
        description="False when matches may be missing: max_calls ran out, or a filter matched more customers than "
        "the one page (100) that was ranked."
    )


# -- local matching ------------------------------------------------------------------------------------------


def fold(text: Any) -> str:
    return " ".join(text.split()).casefold() if isinstance(text, str) else ""


def _identity(customer: Mapping[str, Any], query: str, needle: str) -> list[Match]:
    found: list[Match] = []
    if customer.get("id") == query:
        found.append(Match(0, "id"))
    source = customer.get("source_id")
    if isinstance(source, str) and source:
        if source == query:
            found.append(Match(0, "source_id"))
        elif fold(source) == needle:
            found.append(Match(1, "source_id (other case)"))
        elif len(needle) >= 3 and needle in fold(source):
            found.append(Match(4, "source_id (contains)"))
    return found


def _email(customer: Mapping[str, Any], query: str, needle: str) -> list[Match]:
    email = customer.get("email")
    folded = fold(email)
    if not folded:
        return []
    if email == query:
        return [Match(0, "email (exact)")]
    if folded == needle:
        return [Match(0, "email (exact, other case)")]
    if folded.split("@")[0] == needle.rstrip("@"):
        return [Match(2, "email name (exact)")]
    if folded.startswith(needle):
        return [Match(3, "email (starts with)")]
    if needle in folded:
        return [Match(4, "email (contains)")]
    return []


def _name(customer: Mapping[str, Any], needle: str) -> list[Match]:
    name = fold(customer.get("name"))
    if not name:
        return []
    words, single = name.split(), " " not in needle
    if name == needle:
        return [Match(1, "name (exact)")]
    if single and needle in words:
        return [Match(2, "name word (exact)")]
    if name.startswith(needle):
        return [Match(3, "name (starts with)")]
    if single and any(word.startswith(needle) for word in words):
        return [Match(3, "name word (starts with)")]
    if len(needle) >= 3 and needle in name:
        return [Match(4, "name (contains)")]
    return []


def _phone(customer: Mapping[str, Any], query: str) -> list[Match]:
    wanted, phone = digits(query), digits(customer.get("phone"))
    if not phone or not is_phone(query):
        return []
    if phone == wanted:
        return [Match(1, "phone (exact)")]
    if phone.endswith(wanted):
        return [Match(2, f"phone (ends with {wanted})")]
    if wanted in phone:
        return [Match(4, "phone (contains)")]
    return []


def explain(customer: Mapping[str, Any], query: str) -> Match | None:
    """The best reason ``customer`` matches ``query`` (case-insensitive, whitespace-insensitive), or None."""
    text = query.strip()
    needle = fold(text)
    if not needle:
        return None
    found = [
        *_identity(customer, text, needle),
        *_email(customer, text, needle),
        *_name(customer, needle),
        *_phone(customer, text),
    ]
    return min(found) if found else None


def empty_candidates() -> Candidates:
    """Customers found so far, by id, with the best reason each matched. Ties read best by name (then id, for a
    stable order)."""
    return Candidates(explain, "id", str, lambda customer: (fold(customer.get("name")), str(customer.get("id"))))


# -- what the query is, and which API steps suit it ------------------------------------------------------------


def interpret(query: str) -> str:
    text = query.strip()
    if text.lower().startswith("cust_") and not any(ch.isspace() for ch in text):
        return "id"
    if "@" in text:
        return "email" if EMAIL_SHAPE.match(text) else "partial email"
    if is_phone(text):
        return "phone"
    return "name" if any(ch.isspace() for ch in text) else "word"


def direct_lookup(query: str, kind: str) -> bool:
    """Whether the query may be an id or a source_id, read directly (one call): an id, a single word, or a
    number written without separators (a numeric source_id; otherwise the end of a phone number)."""
    text = query.strip()
    if is_dot_segment(text):
        return False  # "." and ".." address no customer: read as a path they are the list or the API's root
    return kind in ("id", "word") or (kind == "phone" and text.isdigit())


def filter_steps(query: str, kind: str) -> list[tuple[str, dict[str, str]]]:
    """The API's exact filters worth trying: the email as typed and in lower case, a full name as typed and with
    each word capitalised. A single word is no name filter's (names are stored whole: "Jane" would find only
    customers named exactly Jane): the scan matches it against every word of every name."""
    text = " ".join(query.split())
    if kind == "email":
        forms = [("email filter", text), ("email filter (lower case)", text.lower())]
        key = "email"
    elif kind == "name":
        forms = [
            ("name filter", text),
            ("name filter (capitalised)", " ".join(w[:1].upper() + w[1:] for w in text.split())),
        ]
        key = "name"
    else:
        return []
    steps: list[tuple[str, dict[str, str]]] = []
    for label, value in forms:
        if all(value != known[key] for _, known in steps):
            steps.append((label, {key: value}))
    return steps


# -- the tool --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Search:
    """One search in progress: its API calls, what they found and how, and whether matches may be missing."""

    ctx: ToolContext
    query: str
    kind: str
    budget: CallBudget
    candidates: Candidates = field(default_factory=empty_candidates)
    how: list[str] = field(default_factory=list)
    overflowing: list[str] = field(default_factory=list)  # filters that matched more than the page ranked
    scanned: int = 0
    store_size: int | None = None

    async def direct(self) -> None:
        label = "id lookup" if self.kind == "id" else "id/source_id lookup"
        query = self.query
        try:
            record = await self.budget.call(label, lambda: self.ctx.api.customer_record(query))
        except NotFound:
            self.how.append(f"{label}: no such customer")
            return
        added = self.candidates.add(record, query, label)
        self.how.append(f"{label}: {'found' if added else 'no match'}")

    async def filtered(self, label: str, filters: Mapping[str, str]) -> None:
        page: Page[dict[str, Any]] = await self.budget.call(label, lambda: self.ctx.api.customers_page(PAGE, **filters))
        added = sum(self.candidates.add(customer, self.query, label) for customer in page.items)
        self.how.append(f"{label}: {added} match(es)" + (" in the first page; more exist" if page.more else ""))
        if page.more:
            self.overflowing.append(label)

    async def scan(self) -> None:
        """Pages of 100 customers, oldest first (customers created meanwhile join the end, so no page shifts):
        page numbers up to the API's 99th, then the ``starting_after`` created-at cursor (a customer created in the
        same millisecond as the last one read may be skipped there: the cursor is a moment, not a record)."""
        number, last_created = 0, None
        try:
            while True:
                number += 1
                page = await self._page(number, last_created)
                if number == 1:
                    self.store_size = page.total
                self.scanned += len(page.items)
                for customer in page.items:
                    self.candidates.add(customer, self.query, None)
                if not page.more or not page.items:
                    self.how.append(
                        f"scanned all {self.scanned} customers ({number} page(s)): {len(self.candidates.found)} match(es)"
                    )
                    return
                last_created = page.items[-1].get("created_at")
        except BudgetSpent:
            if number == 1:
                raise BudgetSpent("the scan") from None  # the caller's line: stopped before the scan
            of = f" of {self.store_size}" if self.store_size is not None else ""
            self.how.append(f"scanned {self.scanned}{of} customers ({number - 1} page(s)) before max_calls ran out")
            raise BudgetSpent(f"page {number} of the scan") from None

    async def _page(self, number: int, last_created: Any) -> Page[dict[str, Any]]:
        api = self.ctx.api
        if number <= MAX_PAGE or not isinstance(last_created, str):
            page: Page[dict[str, Any]] = await self.budget.call(
                "scan", lambda: api.customers_page(PAGE, page=number, order="created_at")
            )
        else:
            page = await self.budget.call(
                "scan", lambda: api.customers_page(PAGE, order="created_at", starting_after=last_created)
            )
        return page


async def find_customers(request: FindCustomersInput, ctx: ToolContext) -> dict[str, Any]:
    query = " ".join(request.query.split())
    kind = interpret(query)
    search = Search(ctx, query, kind, CallBudget(request.max_calls))
    stopped = False
    try:
        if direct_lookup(query, kind):
            await search.direct()
        if not search.candidates.exact():
            for label, filters in filter_steps(query, kind):
                if search.candidates.found:
                    break  # the email as typed found someone: the lower-case form is for when it did not
                await search.filtered(label, filters)
        # An id is unique and cannot be found by reading pages: only other kinds of query are scanned for.
        if not search.candidates.found and request.scan and kind != "id":
            await search.scan()
    except BudgetSpent as spent:
        stopped = True
        search.how.append(f"stopped before {spent}: max_calls={request.max_calls} reached")
    return _result(ctx, request, search, stopped)


def _result(ctx: ToolContext, request: FindCustomersInput, search: Search, stopped: bool) -> dict[str, Any]:
    matched = [{**customer_view(customer), "matched": match.reason} for match, customer in search.candidates.ranked()]
    outcome = Outcome(
        matched=len(matched),
        limit=request.limit,
        max_calls=request.max_calls,
        stopped=stopped,
        overflowing=search.overflowing,
        page=PAGE,
        narrow="a full email, a source_id",
        nothing="Try part of the email, one word of the name, or the phone's last 4 digits.",
    )
    extras = {
        "interpreted_as": search.kind,
        "how": search.how,
        "api_calls": search.budget.used,
        "complete": not stopped and not search.overflowing,
    }
    return ranked_result(
        ctx,
        matched,
        outcome,
        extras=extras,
        detail_hint="call voucherify_customer_overview or voucherify_get_customer with its id",
        id_fields=ID_FIELDS,
        columns=(*COMPACT_CUSTOMER_FIELDS, "matched"),
    )


TOOLS = (
    ToolSpec(
        name="voucherify_find_customers",
        title="Find Voucherify customers",
        description=(
            "Find Voucherify customers from one free-form query: an email or any part of one, a name or one word "
            "of it, a source_id, a customer id (cust_...), a phone number or its last digits. Matching is "
            "case-insensitive: the API's exact email and name filters are tried as typed and in lower case or "
            "capitalised, then pages of customers are read and matched here. Returns the best matches first, each "
            "with why it matched, and how the search was done. Makes at most max_calls API calls; when they run out "
            "the answer is partial and says so."
        ),
        toolset="assist",
        input_model=FindCustomersInput,
        output_model=FindResult,
        handler=find_customers,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
