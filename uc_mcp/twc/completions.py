"""What TWC completes (core/completions.py): its prompts' customer arguments and channels, and its customer
templates' ``{customer_id}``.

TWC cannot complete a customer from a prefix: its search matches whole values only and it has no list of every
customer (twc/tools/find.py). What one call can do: an email typed whole is searched (emails are unique in a
tenant: it offers that customer's address, or its id), an id (a UUID) typed whole is read (it offers the id when
the customer exists). Anything else is not searched — no call — and completes to nothing.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ..core.completions import Completions, Match, Matches, choices, customers, ids
from ..core.errors import NotFound
from ..core.toolspec import ToolContext
from .names import NAME
from .prompts import CHANNELS, PROMPTS

EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
UUID: Final = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _match(customer: Any) -> Match | None:
    if not isinstance(customer, dict) or not isinstance(customer.get("id"), str):
        return None
    email = customer.get("email")
    return Match((("id", customer["id"]),), email if isinstance(email, str) else None)


async def search(typed: str, ctx: ToolContext) -> Matches:
    """The customer of a whole email or id: one call; nothing else is searched (None: unknown)."""
    if EMAIL.match(typed):
        found = await ctx.api.search_records(email=typed)
    elif UUID.match(typed):
        try:
            customer = await ctx.api.get_customer(typed)
            found = [{"id": customer.id, "email": customer.email}]
        except NotFound:
            found = []
    else:
        return Matches((), None)
    return Matches([match for match in map(_match, found) if match is not None], False)


COMPLETIONS: Final = Completions(
    scheme=NAME,
    prompts=frozenset(spec.fn.__name__ for spec in PROMPTS),
    completers={"customer": customers(search), "channel": choices(CHANNELS), "customer_id": ids(search)},
    customers=search,
)
