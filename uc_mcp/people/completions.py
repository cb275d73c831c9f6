"""What the people layer completes (core/completions.py): the ``query``, ``person`` and ``email`` of its prompts and
the ``{email}`` of ``customers://person/{email}`` — the emails that start with what was typed, from every enabled
provider's one-call customer search at once (a provider that fails or is slow is left out, logged at debug). An
export's ``{token}`` is never completed (core's rule). Emails only: a customer id means nothing across systems.
"""

from __future__ import annotations

import logging
from typing import Final

import anyio

from ..core.completions import (
    MIN_SEARCH,
    SEARCH_SECONDS,
    Completed,
    Completions,
    Matches,
    Search,
    customer_emails,
    masks_emails,
)
from ..core.toolspec import ToolContext
from ..providers import all_providers
from .prompts import PROMPTS
from .sources.base import Reach

log = logging.getLogger("uc_mcp.people.completions")

SCHEME: Final = "customers"
# Each provider's own limit, inside the completion's: one slow system leaves the others' answers standing.
PROVIDER_SECONDS: Final = SEARCH_SECONDS * 0.8


def _searches(reach: Reach) -> list[tuple[str, Search, ToolContext]]:
    """Each enabled provider that has a customer search, with its own context."""
    providers = {provider.name: provider for provider in all_providers()}
    found = []
    for name, ctx in reach.contexts.items():
        provider = providers.get(name)
        completions = provider.completions() if provider is not None and provider.completions else None
        if completions is not None and completions.customers is not None:
            found.append((name, completions.customers, ctx))
    return found


async def _searched(name: str, search: Search, typed: str, ctx: ToolContext) -> Matches | None:
    """One provider's matches; None when it failed or took too long (the others still answer)."""
    try:
        with anyio.move_on_after(PROVIDER_SECONDS):
            return await search(typed, ctx)
        log.debug("%s: customer search for a completion gave up after %s s", name, PROVIDER_SECONDS)
    except Exception as error:  # no credentials, a 500: this system adds nothing
        log.debug("%s: customer search for a completion failed: %s", name, type(error).__name__)
    return None


async def person_emails(typed: str, ctx: ToolContext) -> Completed:
    """The emails every enabled provider holds that start with ``typed`` (one spelling each), searched at once."""
    text = typed.strip()
    reach = ctx.api
    if masks_emails(ctx) or len(text) < MIN_SEARCH or not isinstance(reach, Reach):
        return Completed((), None)
    searches = _searches(reach)
    results: list[Matches | None] = [None] * len(searches)

    async def run(index: int, name: str, search: Search, provider_ctx: ToolContext) -> None:
        results[index] = await _searched(name, search, text, provider_ctx)

    async with anyio.create_task_group() as group:
        for index, (name, search, provider_ctx) in enumerate(searches):
            group.start_soon(run, index, name, search, provider_ctx)
    spellings: dict[str, tuple[str, str]] = {}
    for matches in results:
        for offer in customer_emails(matches, text) if matches is not None else ():
            spellings.setdefault(offer[1].casefold(), offer)
    return Completed(sorted(spellings.values(), key=lambda offer: offer[1].casefold()), _more(results))


def _more(results: list[Matches | None]) -> bool | None:
    """True when any system may hold more; False only when every system answered in full."""
    if any(matches is not None and matches.more for matches in results):
        return True
    if results and all(matches is not None and matches.more is False for matches in results):
        return False
    return None


COMPLETIONS: Final = Completions(
    scheme=SCHEME,
    prompts=frozenset(spec.make(()).__name__ for spec in PROMPTS),
    completers={"query": person_emails, "person": person_emails, "email": person_emails},
)
