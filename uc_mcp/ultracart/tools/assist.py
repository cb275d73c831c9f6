"""What the assist tools (find, overview, count, rank) share: UltraCart's paging facts and local matching (the
API-call budget is every provider's: core/callbudget.py).

Honesty with the real API (issue 6): UltraCart documents exact-match filters at best, may leave
``total_records`` null, and allows about 1,000 requests an hour, one at a time. So every assist
tool takes ``max_calls``, spends API calls through one :class:`CallBudget`, stops with a partial
answer when it is spent, and says how it got its answer. A call counts once however many times the
HTTP client retried it (retries of 429s and 5xx are the client's policy, ``core/http.py``).

Matching a free-form query is done twice: the API's filters narrow the candidates (how well
depends on the store: the sandbox's ``strict`` profile matches exactly and case-sensitively), and
:func:`explain` re-checks every candidate locally to rank it and say why it matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

from pydantic import Field

from ...core.callbudget import BudgetSpent as BudgetSpent  # every provider's (core/callbudget.py)
from ...core.callbudget import CallBudget as CallBudget
from ...core.paging import Page
from ...core.ranking import Match as Match  # every provider's (core/ranking.py)
from ...core.ranking import digits as digits
from ...core.ranking import is_phone as is_phone

T = TypeVar("T")

MaxCalls = Field(8, ge=1, le=100, description="Most UltraCart API calls this may make (the API allows ~1,000 an hour).")
PAGE: Final = 200  # the API's largest page
CANDIDATE_EXPANSION: Final = ("billing", "shipping", "tags")


# Filters whose two-letter values are codes (US states, countries). Assumed: UltraCart stores codes in
# upper case as checkout sends them, and its filters may match exactly (the sandbox's strict profile
# does), so the assist tools send "tx" as "TX". A full name ("Texas") is sent as given.
CODE_FILTERS: Final = frozenset({"billing_state", "shipping_state", "billing_country_code", "shipping_country_code"})


def with_codes_upper(filters: Mapping[str, Any]) -> dict[str, Any]:
    """``filters`` with two-letter state and country codes upper-cased."""
    return {
        key: value.upper()
        if key in CODE_FILTERS and isinstance(value, str) and len(value) == 2 and value.isalpha()
        else value
        for key, value in filters.items()
    }


async def customers_page(
    api: Any, budget: CallBudget, label: str, filters: Mapping[str, Any], *, offset: int = 0, limit: int = PAGE
) -> Page[dict[str, Any]]:
    """One ``get_customers`` page through the budget, with the addresses matching needs."""
    page: Page[dict[str, Any]] = await budget.call(
        label, lambda: api.customer_page(offset, limit, expand=list(CANDIDATE_EXPANSION), **filters)
    )
    return page


# -- local matching ---------------------------------------------------------------------------------


def fold(text: Any) -> str:
    return str(text).strip().casefold() if isinstance(text, str) else ""


def addresses(customer: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for kind in ("billing", "shipping"):
        for address in customer.get(kind) or []:
            if isinstance(address, Mapping):
                yield address


def explain(customer: Mapping[str, Any], query: str) -> Match | None:
    """The best reason ``customer`` matches ``query`` (an email, name, company, phone or oid), or None."""
    needle = fold(query)
    if not needle:
        return None
    found: list[Match] = []
    oid = customer.get("customer_profile_oid")
    if needle.isdigit() and str(oid) == needle:
        found.append(Match(0, "customer_profile_oid"))
    email = fold(customer.get("email"))
    if email:
        if email == needle:
            found.append(Match(0, "email (exact)"))
        elif email.split("@")[0] == needle.rstrip("@"):
            found.append(Match(1, "email name (exact)"))
        elif email.startswith(needle):
            found.append(Match(3, "email (starts with)"))
        elif needle in email:
            found.append(Match(4, "email (contains)"))
    words = needle.split()
    query_digits = digits(query)
    phone_like = is_phone(query)
    for address in addresses(customer):
        first, last, company = (
            fold(address.get("first_name")),
            fold(address.get("last_name")),
            fold(address.get("company")),
        )
        full = f"{first} {last}".strip()
        if full and full == " ".join(words):
            found.append(Match(1, "name (exact)"))
        elif len(words) > 1 and full.startswith(" ".join(words)):
            found.append(Match(3, "name (starts with)"))
        for label, value in (("last name", last), ("first name", first)):
            if value and value == needle:
                found.append(Match(2, f"{label} (exact)"))
            elif value and len(words) == 1 and value.startswith(needle):
                found.append(Match(3, f"{label} (starts with)"))
        if company:
            if company == needle:
                found.append(Match(2, "company (exact)"))
            elif needle in company:
                found.append(Match(4 if not company.startswith(needle) else 3, "company (contains)"))
        if phone_like:
            for kind in ("day_phone", "evening_phone"):
                phone = digits(address.get(kind))
                if phone and phone == query_digits:
                    found.append(Match(1, "phone (exact)"))
                elif phone.endswith(query_digits):
                    found.append(Match(2, f"phone (ends with {query_digits})"))
                elif query_digits in phone:
                    found.append(Match(4, "phone (contains)"))
    return min(found) if found else None
