"""One query in every enabled system at once, and the person a key names: what ``customers_find``,
``customer_360``, ``customers_data_request`` and ``customers_erase`` all start from.

Each system is searched in its own task (an anyio task group), through its own ``ToolContext`` — its client, rate
limiter and ``max_calls`` — so the wall time is the slowest system's, not the sum. A system that fails leaves the
others' answer intact; its outcome says why.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

import anyio
from pydantic import ValidationError

from ..core.client_log import tell_client
from ..core.errors import ConfigurationError, NotFound, ProviderError
from ..core.toolspec import ToolContext
from .linking import email_key, group, ref
from .sources import Found, Reach, Record, Source, sources_for

__all__ = ["Outcome", "Person", "guarded", "records_of", "resolve", "search"]

T = TypeVar("T")
log = logging.getLogger("uc_mcp.people")


@dataclasses.dataclass(slots=True)
class Outcome:
    """One system's part of a search: what it found, or why it found nothing."""

    source: Source
    ctx: ToolContext
    found: Found | None = None
    problem: str | None = None

    def status(self) -> dict[str, Any]:
        if self.found is None:
            return {"status": "failed", "problem": self.problem}
        status = "ok" if self.found.complete else "partial"
        part: dict[str, Any] = {"status": status, "records": len(self.found.records), "api_calls": self.found.api_calls}
        if not self.found.complete:
            part["problem"] = "max_calls ran out before every search was made: matches may be missing"
        return part


async def guarded(source: Source, call: Callable[[], Awaitable[T]]) -> tuple[T | None, str | None]:
    """Run one system's call; its failure becomes a message naming the system, never an exception."""
    try:
        return await call(), None
    except (ProviderError, ConfigurationError) as problem:
        kind = problem.kind if isinstance(problem, ProviderError) else "configuration"
        tell_client("warning", log, "%s did not answer (%s): the answer leaves it out", source.title, kind)
        return None, f"{source.title}: {problem}"
    except ValidationError:
        return None, f"{source.title}: this query is no value its search accepts"


def _share(ctx: ToolContext, parts: int) -> ToolContext:
    """A system's context with its share of the result budget."""
    return dataclasses.replace(ctx, max_tokens=max(300, ctx.max_tokens // max(parts, 1)))


async def search(
    reach: Reach,
    query: str,
    max_calls: int,
    only: Collection[str] | None = None,
    spent: Mapping[str, int] | None = None,
) -> list[Outcome]:
    """``query`` in every enabled system (or those in ``only``), concurrently, each within ``max_calls`` less
    what it has ``spent`` already for this call; outcomes in registry order."""
    chosen = [(s, c) for s, c in sources_for(reach) if only is None or s.name in only]
    outcomes = [Outcome(source, _share(ctx, len(chosen))) for source, ctx in chosen]

    async def one(outcome: Outcome) -> None:
        left = max_calls - (spent or {}).get(outcome.source.name, 0)
        if left < 1:  # its calls are spent: not searched, so matches there may be missing
            outcome.found = Found([], complete=False, api_calls=0)
            return
        outcome.found, outcome.problem = await guarded(
            outcome.source, lambda: outcome.source.find(query, outcome.ctx, left)
        )

    async with anyio.create_task_group() as group_:
        for outcome in outcomes:
            group_.start_soon(one, outcome)
    return outcomes


def records_of(outcomes: list[Outcome]) -> list[Record]:
    return [record for outcome in outcomes if outcome.found for record in outcome.found.records]


class NoSuchPerson(NotFound):
    """No one person by this key: the message says what to do (NotFound's own hint, about record ids, is not it)."""

    hint = ""


def _identified(people: list[list[Record]], key: str) -> list[Record]:
    """The person ``key`` names: by email, else the one whose record has that id or reference."""
    wanted = email_key(key)
    by_email = [person for person in people if email_key(person[0].email) == wanted]
    if by_email:
        return by_email[0]
    refs = {key, key.casefold()}
    by_id = [
        person
        for person in people
        if any(
            record.id in refs or str(record.row.get("customerRef") or record.row.get("source_id")) in refs
            for record in person
        )
    ]
    if len(by_id) > 1:
        found = ", ".join(ref(person[0]) for person in by_id)
        raise NoSuchPerson(f"person: {len(by_id)} people have this id or reference ({found}); give their email instead")
    if not by_id:
        raise NoSuchPerson("person: nobody in any enabled system has this email, id or reference; try customers_find")
    return by_id[0]


@dataclasses.dataclass(slots=True)
class Person:
    """The person a key names: their email (when a record has one), their records in every system, and each
    system's search outcome (registry order)."""

    email: str | None
    records: list[Record]
    outcomes: list[Outcome]

    def records_in(self, system: str) -> list[Record]:
        return [record for record in self.records if record.provider == system]


async def resolve(reach: Reach, key: str, max_calls: int) -> Person:
    """The person ``key`` (an email, or any system's id or reference) names, in every enabled system.

    Found by one system's id, the person's email is searched again in every system (the one that matched the id
    included: it may hold another record with the same email, as Voucherify allows), so the person is the same
    whichever of their ids was given. NotFound when nobody has the key."""
    outcomes = await search(reach, key, max_calls)
    person = _identified(group(records_of(outcomes)), key)
    email = person[0].email
    if email and email_key(email) != email_key(key):
        spent = {o.source.name: o.found.api_calls for o in outcomes if o.found is not None}
        again = await search(reach, email, max_calls, spent=spent)  # max_calls bounds both searches together
        seen = {ref(record) for record in person}
        person = person + [
            r for r in records_of(again) if email_key(r.email) == email_key(email) and ref(r) not in seen
        ]
        outcomes = [_merged(first, second) for first, second in zip(outcomes, again, strict=True)]
    return Person(email, person, outcomes)


def _merged(first: Outcome, second: Outcome) -> Outcome:
    """One system's outcome of both searches (by the key, then by the email): the email search's, counting both
    searches' calls; the first's, marked incomplete, when only the email search failed (records of the email may
    be missing there); the email search's when the first failed."""
    if first.found is None:
        return second
    if second.found is None:
        first.found = dataclasses.replace(first.found, complete=False)
        return first
    calls = first.found.api_calls + second.found.api_calls
    second.found = dataclasses.replace(
        second.found, api_calls=calls, complete=first.found.complete and second.found.complete
    )
    return second
