"""What Voucherify completes (core/completions.py): its prompts' customer arguments and its customer templates'
``{customer_id}``, from one API call per completion.

Voucherify's list filters match whole values only (``email`` exactly, reference §4.6), so a prefix is matched here,
in one page: an address typed whole goes through the ``email`` filter (every customer of that spelling, however
old); anything else is looked for among the newest ``PAGE`` customers (the list's default order), by email, id
(``cust_…``) or source_id — older customers are not searched (``hasMore``: they may match).
"""

from __future__ import annotations

from typing import Any, Final

from ..core.completions import Completions, Match, Matches, customers, ids, starts
from ..core.toolspec import ToolContext
from .names import NAME
from .prompts import PROMPTS
from .tools.find import EMAIL_SHAPE, PAGE


def _match(customer: dict[str, Any]) -> Match | None:
    identifiers = tuple(
        (key, value) for key in ("id", "source_id") if isinstance(value := customer.get(key), str) and value
    )
    if not identifiers:
        return None
    email = customer.get("email")
    return Match(identifiers, email if isinstance(email, str) else None)


def _starts_with(match: Match, typed: str) -> bool:
    return any(starts(value, typed) for value in (match.email or "", *(value for _, value in match.ids)))


async def search(typed: str, ctx: ToolContext) -> Matches:
    """The customers whose email, id or source_id starts with ``typed``: one call."""
    if EMAIL_SHAPE.match(typed):
        page = await ctx.api.customers_page(PAGE, email=typed)
    else:
        page = await ctx.api.customers_page(PAGE)
    found = [match for match in map(_match, page.items) if match is not None and _starts_with(match, typed)]
    return Matches(found, page.more)


_CUSTOMER: Final = customers(search)

COMPLETIONS: Final = Completions(
    scheme=NAME,
    prompts=frozenset(spec.fn.__name__ for spec in PROMPTS),
    completers={"customer": _CUSTOMER, "customer_id": ids(search)},
    customers=search,
)
