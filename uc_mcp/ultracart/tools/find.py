"""``ultracart_find_customers``: one free-form query (email, partial email, name, company, phone
fragment, oid) → a ranked, budgeted list of customers with why each matched.

How a query is answered, cheapest first, each step one API call within ``max_calls``:

1. an oid (digits, no leading zero) is read directly; an exact email is looked up by email;
2. the API's filters narrow the candidates — email, billing last/first name, company, the four
   phone fields (billing/shipping, day/evening) — chosen by what the query looks like (names are
   also sent capitalised: the real API may match case-sensitively, as the sandbox's ``strict``
   profile does);
3. when those find nothing and calls are left, pages of customers are scanned and matched here
   (case-insensitive; prefixes, substrings, phone endings) — the only way to find "phone ending
   4471" on an API that matches exactly. The result says how many were scanned and whether the
   scan covered everyone.

Every candidate is re-checked locally (:func:`assist.explain`): exact email and oid hits first,
then exact names, then prefixes and substrings. A candidate the API returned that the local check
cannot explain (an API match rule we do not know) is kept last as "matched by the API's <filter>".
What every provider's find shares (the candidates, the notice, the ranked answer) is core/ranking.py's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from ...core.errors import NotFound
from ...core.paging import OFFSET
from ...core.ranking import Candidates, Outcome, ranked_result
from ...core.results import not_blank
from ...core.toolspec import ToolContext, ToolSpec
from ...ui import TABLE_VIEW
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view
from .assist import (
    CANDIDATE_EXPANSION,
    PAGE,
    BudgetSpent,
    CallBudget,
    MaxCalls,
    customers_page,
    digits,
    explain,
    fold,
    is_phone,
)
from .common import LIST_ID_FIELDS, ListResult, StrictInput
from .customer_filters import FILTER_FIELDS, selection

EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# A phone may be on any of four address fields, and the API's filters cannot be OR-ed: one call each.
PHONE_FILTERS = ("billing_day_phone", "billing_evening_phone", "shipping_day_phone", "shipping_evening_phone")


class FindCustomersInput(StrictInput):
    # Spaces alone would be sent as an empty filter, which matches every customer (core/results.py).
    query: Annotated[str, AfterValidator(not_blank)] = Field(
        min_length=1,
        max_length=100,
        description="An email or part of one, a name, a company, a phone number or its last digits, or an oid.",
    )
    # Two of the filters of ultracart_get_customers, with their meaning (any billing address matches).
    billing_state: str = FILTER_FIELDS["billing_state"][1]
    billing_country_code: str = FILTER_FIELDS["billing_country_code"][1]
    limit: int = Field(10, ge=1, le=50, description="Most customers to return.")
    max_calls: int = MaxCalls
    scan: bool = Field(True, description="Scan pages when the API's filters find nothing (costs calls).")


class FindResult(ListResult):
    interpreted_as: str = Field(description="What the query was taken for: oid, email, partial email, phone, name.")
    how: list[str] = Field(description="The API calls made, in order, and what the scan covered.")
    api_calls: int
    complete: bool = Field(
        description=(
            "False when matches may be missing: max_calls ran out before every step was tried, or a filter "
            "matched more customers than the one page (200) that was ranked."
        )
    )


def empty_candidates() -> Candidates:
    """Customers found so far, by oid, with the best reason each matched (equal matches by oid)."""
    return Candidates(explain, "customer_profile_oid", int, lambda customer: customer.get("customer_profile_oid", 0))


def interpret(query: str) -> str:
    text = query.strip()
    # An oid has no leading zero: "0143" is the end of a phone number, not customer 143.
    if text.isdigit() and not text.startswith("0") and len(text) <= 10 and int(text) <= 2_147_483_647:
        return "oid"
    if "@" in text:
        return "email" if re.match(EMAIL_SHAPE, text) else "partial email"
    if is_phone(text):
        return "phone"
    if " " not in text and "." in text:
        return "partial email"
    return "name"


def filter_steps(query: str, kind: str) -> list[tuple[str, dict[str, str]]]:
    """The API filters worth trying for this kind of query, most specific first."""
    text = query.strip()
    words = text.split()
    capitalised = " ".join(word[:1].upper() + word[1:] for word in words)
    if kind in ("email", "partial email"):
        return [("email filter", {"email": text})]
    if kind in ("phone", "oid"):
        # An oid that is no customer may be the end of a phone number.
        wanted = digits(text)
        return [(f"{name} filter", {name: wanted}) for name in PHONE_FILTERS] if len(wanted) >= 4 else []
    steps: list[tuple[str, dict[str, str]]] = []
    if len(words) > 1:
        first, last = words[0], " ".join(words[1:])
        steps.append(
            (
                "billing name filters",
                {"billing_first_name": first[:1].upper() + first[1:], "billing_last_name": last[:1].upper() + last[1:]},
            )
        )
        steps.append(("billing_company filter", {"billing_company": capitalised}))
    else:
        steps += [
            ("billing_last_name filter", {"billing_last_name": capitalised}),
            ("billing_first_name filter", {"billing_first_name": capitalised}),
            ("billing_company filter", {"billing_company": capitalised}),
            ("email filter", {"email": text.lower()}),
        ]
    return steps


async def find_customers(request: FindCustomersInput, ctx: ToolContext) -> dict[str, Any]:
    query = request.query.strip()
    kind = interpret(query)
    budget = CallBudget(request.max_calls)
    chosen = selection(request)
    narrowing = chosen.api
    found = empty_candidates()
    how: list[str] = chosen.meaning()
    stopped = False  # max_calls ran out
    overflowing: list[str] = []  # filters that matched more customers than the page that was ranked
    try:
        await _direct(ctx, budget, query, kind, found, how)
        # A number is ambiguous: customer 4471 and "the phone ending 4471" are both tried (an oid hit ranks
        # first). Any other exact hit (a full email) makes the filters pointless.
        if kind == "oid" or not found.exact():
            for label, filters in filter_steps(query, kind):
                page = await customers_page(ctx.api, budget, label, {**filters, **narrowing})
                added = sum(found.add(customer, query, label) for customer in page.items)
                how.append(f"{label}: {added} match(es)" + (" in the first page; more exist" if page.more else ""))
                if page.more:
                    overflowing.append(label)
        if not found.found and request.scan:
            await _scan(ctx, budget, query, narrowing, found, how)
        elif kind == "oid" and request.scan and found.exact():
            how.append(
                f"not scanned for phone endings (customer {query} exists); to search phones only, call again with "
                f"query='-{query}'"
            )
    except BudgetSpent as spent:
        stopped = True
        how.append(f"stopped before {spent}: max_calls={request.max_calls} reached")
    complete = not stopped and not overflowing
    matched = [
        {**customer_view(customer), "matched": match.reason}
        for match, customer in found.ranked()
        if _in_scope(customer, narrowing)
    ]
    extras = {"interpreted_as": kind, "how": how, "api_calls": budget.used, "complete": complete}
    # For a tight budget: what the filters mean in fewer words.
    terse = {**extras, "how": chosen.meaning(terse=True) + how[len(chosen.meaning()) :]}
    return ranked_result(
        ctx,
        matched,
        _outcome(stopped, overflowing, len(matched), request),
        extras=extras,
        detail_hint="call ultracart_get_customer with its customer_profile_oid",
        id_fields=LIST_ID_FIELDS,
        columns=(*COMPACT_CUSTOMER_FIELDS, "matched"),
        paging={"next_offset": None},  # a ListResult's, though a ranked answer has no next page
        terse=terse,
    )


async def _direct(
    ctx: ToolContext, budget: CallBudget, query: str, kind: str, found: Candidates, how: list[str]
) -> None:
    """Exact lookups: an oid or a full email address."""
    if kind not in ("oid", "email"):
        return
    label = "oid lookup" if kind == "oid" else "exact email lookup"
    try:
        record = await budget.call(
            label,
            lambda: ctx.api.customer_record(
                int(query) if kind == "oid" else None,
                email=query if kind == "email" else None,
                expand=list(CANDIDATE_EXPANSION),
            ),
        )
    except NotFound:
        how.append(f"{label}: no such customer")
        return
    added = found.add(record or {}, query, label)
    how.append(f"{label}: {'found' if added else 'no match'}")


async def _scan(
    ctx: ToolContext, budget: CallBudget, query: str, narrowing: dict[str, str], found: Candidates, how: list[str]
) -> None:
    """Pages of customers matched here, until the budget or the customers run out."""
    offset, scanned, pages = 0, 0, 0
    try:
        while True:
            page = await customers_page(ctx.api, budget, "scan", narrowing, offset=offset)
            pages += 1
            scanned += len(page.items)
            for customer in page.items:
                found.add(customer, query, None)
            if not page.more or not page.items:
                how.append(f"scanned all {scanned} customers ({pages} page(s)): {len(found.found)} match(es)")
                return
            offset = OFFSET.after(offset, page, len(page.items))
    except BudgetSpent:
        how.append(f"scanned {scanned} customers ({pages} page(s)) before max_calls ran out; more exist")
        raise BudgetSpent(f"scanning past customer {scanned}") from None


def _in_scope(customer: Mapping[str, Any], narrowing: Mapping[str, str]) -> bool:
    """The direct lookups ignore the state/country filters; apply them to what they found, with the
    filters' meaning: any billing address in that state and any in that country (case-insensitive, as
    codes are; the API's own matching decided the filtered steps)."""
    billing = [address for address in customer.get("billing") or [] if isinstance(address, Mapping)]
    return all(
        any(fold(address.get(key)) == fold(wanted) for address in billing)
        for name, key in (("billing_state", "state_region"), ("billing_country_code", "country_code"))
        if (wanted := narrowing.get(name))
    )


def _outcome(stopped: bool, overflowing: list[str], matched: int, request: FindCustomersInput) -> Outcome:
    return Outcome(
        matched=matched,
        limit=request.limit,
        max_calls=request.max_calls,
        stopped=stopped,
        overflowing=overflowing,
        page=PAGE,
        narrow="full email, billing_state",
        nothing="Try part of the email, the last name alone, or the phone's last 4 digits.",
    )


TOOLS = (
    ToolSpec(
        name="ultracart_find_customers",
        title="Find customers",
        description=(
            "Find customers from one free-form query: an email or any part of one (matched anywhere, case-insensitive), a name, a company, a phone number "
            "or its last digits, or a customer_profile_oid. Returns the best matches first, each with why it "
            "matched, and how the search was done. Makes at most max_calls API calls; when they run out the "
            "answer is partial and says so. Use ultracart_get_customer for one customer's details."
        ),
        toolset="assist",
        input_model=FindCustomersInput,
        output_model=FindResult,
        handler=find_customers,
        read_only=True,
        destructive=False,
        idempotent=True,
        view=TABLE_VIEW,
    ),
)
