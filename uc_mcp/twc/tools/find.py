"""``twc_find_customers``: find TWC customers by any of email, name, phone (mobile or landline) and customerRef →
a ranked, budgeted list with why each matched.

Honesty with the real API: TWC's search (``GET /customers/search``) matches every parameter given, exactly, and
has no parameter for customerRef (which has its own lookup, ``GET /customers/{customerRef}/ref``); it has no list
of every customer either, so nothing can be scanned and matched here: a customer is found only by a value TWC
holds exactly (a phone written as it is stored, spaces included; a whole first or last name). The tool makes the
most of that, each step one API call, cheapest and surest first, through one ``CallBudget`` (``max_calls``):

1. ``customerRef``: the ref lookup (a ref is unique in the tenant);
2. ``email``: the search by email, as typed, then in lower case when that differs and the email as typed found
   nobody (the docs do not say whether TWC compares emails with regard to case; the sandbox does not);
3. ``name``: two or more words are a first name (all but the last word) and a last name, searched together; one
   word is searched as a last name, then as a first name. Each as typed, then capitalised ("jane DOE" → "Jane
   Doe") when that differs and the form as typed found nobody (names are matched exactly);
4. ``phone``: the search by mobile, then by phone (one number may be stored in either field).

Each field given is searched on its own and the customers found are re-checked here against every field given
(:func:`explain`): a customer matching all of them ranks first, and ``matched`` says which fields matched and how.
Once a customer matches every field given by an exact customerRef or email (unique in a tenant), the remaining
steps are skipped: the search for that person is over. Names and phone numbers are not unique: every step is made. A customer TWC returned that the local check cannot explain is kept last, as "matched by the API's <step>".
What every provider's find shares (the candidates, the notice, the ranked answer) is core/ranking.py's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import Field, model_validator

from ...core.callbudget import BudgetSpent, CallBudget
from ...core.errors import NotFound
from ...core.ranking import Candidates, Match, Outcome, digits, ranked_result
from ...core.toolspec import ToolContext, ToolSpec
from .. import models as m
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view, full_name
from .common import CustomerKey, Result, StrictInput
from .fields import PhoneText

DEFAULT_CALLS: Final = 8
ID_FIELDS: Final = ("id", "email")
FIELDS: Final = ("customerRef", "email", "name", "phone")


class FindCustomersInput(StrictInput):
    email: str | None = Field(
        None, min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$", description="The customer's whole email."
    )
    name: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=r"\S",
        description='A whole first or last name, or first and last name ("Jane Doe").',
    )
    phone: PhoneText | None = Field(
        None, min_length=3, description="A mobile or phone number as the customer's record writes it."
    )
    customerRef: CustomerKey | None = Field(None, description="Your own reference for the customer.")
    limit: int = Field(10, ge=1, le=50, description="Most customers to return.")
    max_calls: int = Field(DEFAULT_CALLS, ge=1, le=30, description="Most TWC API calls this may make.")

    @model_validator(mode="after")
    def _at_least_one(self) -> FindCustomersInput:
        if not any(getattr(self, name) for name in FIELDS):
            raise ValueError("give at least one of email, name, phone, customerRef")
        return self


class FindResult(Result):
    columns: list[str] | None = Field(None, description="Column names of the rows in items.")
    items: list[Any] = Field(description="The best matches first, one row each.")
    returned: int
    total: int | None = Field(None, description="Every customer that matched (more than returned when cut).")
    how: list[str] = Field(description="The API calls made, in order, and what each found.")
    api_calls: int
    complete: bool = Field(description="False when max_calls ran out before every search was made.")


# -- local matching ------------------------------------------------------------------------------------------


def fold(text: Any) -> str:
    return " ".join(text.split()).casefold() if isinstance(text, str) else ""


def _ref(customer: Mapping[str, Any], wanted: str) -> Match | None:
    held = customer.get("customerRef")
    if held == wanted:
        return Match(0, "customerRef (exact)")
    if fold(held) and fold(held) == fold(wanted):
        return Match(1, "customerRef (other case)")
    return None


def _email(customer: Mapping[str, Any], wanted: str) -> Match | None:
    held = customer.get("email")
    if held == wanted:
        return Match(0, "email (exact)")
    if fold(held) and fold(held) == fold(wanted):
        return Match(0, "email (exact, other case)")
    return None


def _name(customer: Mapping[str, Any], wanted: str) -> Match | None:
    needle = fold(wanted)
    whole = fold(full_name(customer))
    if whole and whole == needle:
        return Match(1, "name (exact)")
    if " " not in needle:
        if fold(customer.get("lastName")) == needle:
            return Match(2, "last name (exact)")
        if fold(customer.get("firstName")) == needle:
            return Match(2, "first name (exact)")
    return None


def _phone(customer: Mapping[str, Any], wanted: str) -> Match | None:
    number = digits(wanted)
    for key in ("mobile", "phone"):
        held = customer.get(key)
        if held == wanted.strip():
            return Match(1, f"{key} (exact)")
        if number and digits(held) == number:
            return Match(1, f"{key} (same digits)")
    return None


MATCHERS: Final[Mapping[str, Callable[[Mapping[str, Any], str], Match | None]]] = {
    "customerRef": _ref,
    "email": _email,
    "name": _name,
    "phone": _phone,
}


def explain(customer: Mapping[str, Any], wanted: Mapping[str, str]) -> Match | None:
    """Why ``customer`` matches the fields ``wanted``, or None when it matches none of them. A customer matching
    more of them ranks better; among equals, the surest match (an exact ref or email) first."""
    found = [match for name, value in wanted.items() if (match := MATCHERS[name](customer, value)) is not None]
    if not found:
        return None
    missing = len(wanted) - len(found)
    return Match(10 * missing + min(found).rank, ", ".join(match.reason for match in found))


def empty_candidates(wanted: Mapping[str, str]) -> Candidates:
    """Customers found so far, by id, with why each matched; ties read best by name (then id, for a stable
    order)."""
    return Candidates(
        lambda customer, _query: explain(customer, wanted),
        "id",
        str,
        lambda customer: (fold(full_name(customer)), str(customer.get("id"))),
    )


# -- the API steps ---------------------------------------------------------------------------------------------


def capitalised(text: str) -> str:
    """Each word with a capital first letter and the rest in lower case ("jane DOE" → "Jane Doe")."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split())


@dataclass(frozen=True, slots=True)
class Step:
    """One search: its label, its criteria, and the step it is another form of (made only when that one found
    nobody)."""

    label: str
    criteria: dict[str, str]
    instead_of: str | None = None


def _name_criteria(form: str) -> list[tuple[str, dict[str, str]]]:
    words = form.split(" ")
    if len(words) > 1:
        return [("firstName+lastName", {"firstName": " ".join(words[:-1]), "lastName": words[-1]})]
    return [("lastName", {"lastName": form}), ("firstName", {"firstName": form})]


def name_steps(name: str) -> list[Step]:
    """The searches for a name (module doc): first and last name together, or one word as each; as typed, then
    capitalised."""
    typed = " ".join(name.split())
    steps = [Step(f"search {kind}", criteria) for kind, criteria in _name_criteria(typed)]
    if capitalised(typed) != typed:
        steps += [
            Step(f"search {kind} (capitalised)", criteria, f"search {kind}")
            for kind, criteria in _name_criteria(capitalised(typed))
        ]
    return steps


def steps_for(request: FindCustomersInput) -> list[Step]:
    """Every search the fields given call for, in order (the ref lookup is not a search: ``Search.by_ref``)."""
    steps: list[Step] = []
    if request.email:
        typed = request.email.strip()
        steps.append(Step("search email", {"email": typed}))
        if typed.lower() != typed:
            steps.append(Step("search email (lower case)", {"email": typed.lower()}, "search email"))
    if request.name:
        steps += name_steps(request.name)
    if request.phone:
        number = request.phone.strip()
        steps += [Step("search mobile", {"mobile": number}), Step("search phone", {"phone": number})]
    return steps


@dataclass(slots=True)
class Search:
    """One search in progress: its API calls, what they found and how."""

    ctx: ToolContext
    wanted: dict[str, str]
    budget: CallBudget
    candidates: Candidates
    how: list[str] = field(default_factory=list)
    found_by: dict[str, int] = field(default_factory=dict)  # customers each step found

    def person_found(self) -> bool:
        """A customer matches every field given, by an exact customerRef or email: the search for that person is
        over (rank 0: ``explain``)."""
        return any(match.rank == 0 for match, _ in self.candidates.found.values())

    async def _call(self, label: str, make: Callable[[], Awaitable[Any]]) -> Any:
        return await self.budget.call(label, make)

    async def by_ref(self, ref: str) -> None:
        try:
            customer: m.Customer = await self._call("customerRef lookup", lambda: self.ctx.api.get_customer_by_ref(ref))
        except NotFound:
            self.how.append("customerRef lookup: no such customer")
            return
        added = self.candidates.add(m.record(customer), "", "customerRef lookup")
        self.how.append(f"customerRef lookup: {'found' if added else 'no match'}")

    async def search(self, step: Step) -> None:
        if step.instead_of is not None and self.found_by.get(step.instead_of):
            return  # the form as typed found customers: the other form is for when it did not
        criteria = step.criteria
        found: list[dict[str, Any]] = await self._call(step.label, lambda: self.ctx.api.search_records(**criteria))
        added = sum(self.candidates.add(customer, "", step.label) for customer in found)
        self.found_by[step.label] = len(found)
        self.how.append(f"{step.label}: {added} match(es)")


async def find_customers(request: FindCustomersInput, ctx: ToolContext) -> dict[str, Any]:
    wanted = {name: value for name in FIELDS if (value := getattr(request, name))}
    search = Search(ctx, wanted, CallBudget(request.max_calls), empty_candidates(wanted))
    stopped = False
    try:
        if request.customerRef:
            await search.by_ref(request.customerRef)
        for step in steps_for(request):
            if search.person_found():
                search.how.append("a customer matched every field given by its customerRef or email: no further search")
                break
            await search.search(step)
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
        overflowing=(),  # TWC's search answers every match at once (a bare array)
        page=0,
        narrow="add the email or the customerRef",
        nothing="TWC matches whole values exactly: try the email, the customerRef, the last name alone, or the "
        "number written as the customer's record has it (spaces included).",
    )
    extras = {"how": search.how, "api_calls": search.budget.used, "complete": not stopped}
    return ranked_result(
        ctx,
        matched,
        outcome,
        extras=extras,
        detail_hint="call twc_customer_overview or twc_get_customer with its id",
        id_fields=ID_FIELDS,
        columns=(*COMPACT_CUSTOMER_FIELDS, "matched"),
    )


TOOLS = (
    ToolSpec(
        name="twc_find_customers",
        title="Find TWC customers",
        description=(
            "Find The Wishlist (TWC) customers by any of email, name (first, last or both), phone (mobile or "
            "landline) and customerRef; at least one. TWC matches whole values exactly, so each is tried as typed "
            "and in lower case or capitalised. Returns the best matches first (those matching every field given "
            "first), each with why it matched, and how the search was done. Makes at most max_calls API calls; when "
            "they run out the answer is partial and says so."
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
