"""What every provider's ``<provider>_find_customers`` shares: why a customer matched and how well (``Match``), the
customers found so far (``Candidates``), the notice that says what a search may have missed, and the ranked answer
fitted to the result budget.

Matching a free-form query is done twice: the API's filters narrow the candidates, and the provider's ``explain``
re-checks every candidate locally to rank it and say why it matched. A candidate the API returned that the local
check cannot explain (an API match rule we do not know) is kept last, as "matched by the API's <step>".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .budget import MIN_MAX_TOKENS, estimate_tokens, fit_list, result_json, text_tokens
from .results import mark
from .toolspec import ToolContext

FIT_NOTICE_ROOM: Final = 50  # tokens: about what fit_list's notice of a cut takes (ours replaces it)
_DIGITS: Final = re.compile(r"\D")
_PHONE: Final = re.compile(r"^\+?[\d\s().-]+$")


def digits(text: Any) -> str:
    return _DIGITS.sub("", text) if isinstance(text, str) else ""


def is_phone(query: str) -> bool:
    """A phone number or a fragment of one ("0143", "(303) 555-0191"): digits and separators, 4 digits at least."""
    return bool(_PHONE.match(query.strip())) and len(digits(query)) >= 4


@dataclass(frozen=True, slots=True, order=True)
class Match:
    """Why a customer matched: lower ``rank`` is better (0 = an exact id or email)."""

    rank: int
    reason: str


@dataclass(slots=True)
class Candidates:
    """Customers found so far, by their id (the record's ``id_key``, a value of ``id_type``), with the best reason
    each matched; ``tie`` orders customers that matched equally well."""

    explain: Callable[[Mapping[str, Any], str], Match | None]
    id_key: str
    id_type: type
    tie: Callable[[Mapping[str, Any]], Any]
    found: dict[Any, tuple[Match, dict[str, Any]]] = field(default_factory=dict)

    def add(self, customer: Mapping[str, Any], query: str, api_step: str | None) -> bool:
        """Keep ``customer`` when it matches ``query`` — or, found by an API step, in any case (last)."""
        identifier = customer.get(self.id_key)
        if not isinstance(identifier, self.id_type):
            return False
        match = self.explain(customer, query) or (Match(5, f"matched by the API's {api_step}") if api_step else None)
        if match is None:
            return False
        known = self.found.get(identifier)
        if known is None or match < known[0]:
            self.found[identifier] = (match, dict(customer))
        return True

    def exact(self) -> bool:
        return any(match.rank == 0 for match, _ in self.found.values())

    def ranked(self) -> list[tuple[Match, dict[str, Any]]]:
        return sorted(self.found.values(), key=lambda pair: (pair[0], self.tie(pair[1])))


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a search went, for the notice of its answer."""

    matched: int  # customers that matched (before ``limit``)
    limit: int
    max_calls: int
    stopped: bool  # max_calls ran out
    overflowing: Sequence[str]  # API steps that matched more customers than the one page that was ranked
    page: int  # that page's size
    narrow: str  # how the query can be narrowed: "full email, billing_state"
    nothing: str  # what to try when no customer matched

    def notice(self, shown: int) -> str | None:
        """What the answer showing the best ``shown`` may be missing, and how to get it."""
        parts = []
        if shown < self.matched:
            why = "raise limit for more" if shown == self.limit else "to fit the result budget"
            parts.append(f"Showing the best {shown} of {self.matched} matches ({why}).")
        if self.overflowing:
            parts.append(
                f"The {' and '.join(self.overflowing)} matched more than {self.page} customers and only the first "
                f"{self.page} were ranked, so better matches may be missing."
            )
        if self.stopped:
            parts.append(
                f"The search stopped at max_calls={self.max_calls}, so matches may be missing: call again with a "
                "higher max_calls."
            )
        if parts:
            parts.append(f"Or narrow the query ({self.narrow}).")
        if not self.matched and not self.stopped and not self.overflowing:
            parts.append(f"No customer matched. {self.nothing}")
        return " ".join(parts) or None


def ranked_result(
    ctx: ToolContext,
    matched: Sequence[Mapping[str, Any]],
    outcome: Outcome,
    *,
    extras: Mapping[str, Any],
    detail_hint: str,
    id_fields: Sequence[str],
    columns: Sequence[str],
    paging: Mapping[str, Any] | None = None,
    terse: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The best ``outcome.limit`` of ``matched`` (rows, best first) as a table within the result budget, with
    ``extras`` (how the search went) and the notice. A ranked answer, not a page: fit_list's paging keys and its
    notice of a cut (which speaks of offsets and fields) give way to ours; ``paging`` holds the keys a list result
    must carry all the same (``next_offset``: None). ``terse``: shorter extras, for a budget the full ones would
    take half of."""
    rows = list(matched[: outcome.limit])
    # The table gets what the rest of the result (with its longest notice) leaves of the budget, plus the room of
    # fit_list's own notice of a cut, which ours replaces; the loop below makes sure.
    longest = outcome.notice(0) or ""
    reserve = estimate_tokens({**extras, "notice": longest, "sandbox": True})
    if terse is not None and reserve > ctx.max_tokens // 2:  # a tight budget: rows first
        extras = terse
        reserve = estimate_tokens({**extras, "notice": longest, "sandbox": True})
    table = fit_list(
        rows,
        total=len(matched),
        max_tokens=max(MIN_MAX_TOKENS, ctx.max_tokens - reserve + FIT_NOTICE_ROOM),
        detail_hint=detail_hint,
        id_fields=id_fields,
        columns=columns,
    )
    items: list[Any] = table["items"]
    shortened = table.get("notice") if len(items) == len(rows) else None  # only long values trimmed
    base = {key: value for key, value in table.items() if key not in ("next_offset", "notice")}
    while True:
        notice = " ".join(filter(None, (shortened, outcome.notice(len(items)))))
        result = {**base, "items": items, "returned": len(items), **(paging or {}), "notice": notice or None}
        result = mark(ctx, {**result, **extras})
        if not items or text_tokens(result_json(result)) <= ctx.max_tokens:
            return result
        items = items[:-1]
