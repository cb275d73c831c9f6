"""What UltraCart completes (core/completions.py): its prompts' customer arguments and its customer templates'
``{customer_profile_oid}``, from one API call per completion.

The reference documents ``getCustomers``'s ``email`` filter without saying how it matches; the embedded sandbox's
default profile matches a case-insensitive substring, its strict profile (as unhelpful as the real service may
be) the exact address. One page filtered by ``email`` and kept to the addresses that *start* with the text typed
is right under both: a substring match offers the prefixes among its page, an exact one offers the address once
it is typed whole. An oid cannot be searched by prefix: digits typed are looked up as that one customer.
"""

from __future__ import annotations

from typing import Any, Final

from ..core.completions import Completions, Match, Matches, customers, ids, starts
from ..core.errors import NotFound
from ..core.toolspec import ToolContext
from .names import NAME
from .prompts import PROMPTS

PAGE: Final = 100  # one page: the addresses the filter matched beyond it make ``hasMore``
ONLY: Final = {"customer_profile_oid": None, "email": None}  # the page decodes nothing else
MAX_OID: Final = 2_147_483_647


def _is_oid(text: str) -> bool:
    # As ultracart_find_customers reads a query: no leading zero (that is the end of a phone number).
    return text.isdigit() and not text.startswith("0") and int(text) <= MAX_OID


def _match(customer: dict[str, Any]) -> Match | None:
    oid, email = customer.get("customer_profile_oid"), customer.get("email")
    if not isinstance(oid, int):
        return None
    return Match((("customer_profile_oid", str(oid)),), email if isinstance(email, str) else None)


async def search(typed: str, ctx: ToolContext) -> Matches:
    """The customers whose email starts with ``typed``, or the customer whose oid it is: one call."""
    if _is_oid(typed):
        try:
            record = await ctx.api.customer_record(int(typed))
        except NotFound:
            record = None
        found = _match(record) if isinstance(record, dict) else None
        # Other customers' oids may start with these digits: whether more exist is unknown.
        return Matches([found] if found else [], None)
    page = await ctx.api.customer_page(0, PAGE, email=typed, only=ONLY)
    matches = [match for match in map(_match, page.items) if match and match.email and starts(match.email, typed)]
    return Matches(matches, page.more)


_CUSTOMER: Final = customers(search)

COMPLETIONS: Final = Completions(
    scheme=NAME,
    prompts=frozenset(spec.fn.__name__ for spec in PROMPTS),
    completers={
        "customer": _CUSTOMER,
        "keep": _CUSTOMER,
        "duplicate": _CUSTOMER,
        "customer_profile_oid": ids(search),
    },
    customers=search,
)
