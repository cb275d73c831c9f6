"""Stronger evidence for the weakest links ``customers_find`` shows: the phone and postcode of people whose names
alone match.

The providers' find rows carry neither (a row is a compact view), so two people of different emails and the same
name would stay a weak "name" link, even when the demo data's near-duplicate (Jane Doe at an old address) shares
her phone and postcode. For each person in such a link, one record is read in full — one API call, from the system
with the most calls left of ``max_calls`` — at most ``MOST_READS`` a call, concurrently; a read that fails leaves
the link as it was. The evidence is still shown, never merged (linking.py).
"""

from __future__ import annotations

import dataclasses
from typing import Final

import anyio

from .linking import possible_links
from .search import Outcome, guarded
from .sources import Record

MOST_READS: Final = 4


def _weak_people(people: list[list[Record]]) -> list[int]:
    """The people (by index) in a link whose only evidence is the name."""
    return sorted(
        {index for link in possible_links(people) if link["evidence"] == ["name"] for index in link["people"]}
    )


async def with_contacts(people: list[list[Record]], outcomes: list[Outcome], max_calls: int) -> list[list[Record]]:
    """``people`` with the phone and postcode of one record of each person linked by name alone, where calls are
    left; each system's outcome counts the calls made."""
    by_system = {outcome.source.name: outcome for outcome in outcomes if outcome.found is not None}
    left = {name: max_calls - outcome.found.api_calls for name, outcome in by_system.items() if outcome.found}
    chosen: list[tuple[int, int]] = []  # (person, record) positions to read
    for person in _weak_people(people):
        unread = [(left.get(r.provider, 0), k) for k, r in enumerate(people[person]) if r.postcode is None]
        room, best = max(unread, default=(0, -1))
        if room >= 1 and len(chosen) < MOST_READS:
            left[people[person][best].provider] -= 1
            chosen.append((person, best))
    if not chosen:
        return people
    enriched = [list(person) for person in people]

    async def read(person: int, position: int) -> None:
        record = people[person][position]
        outcome = by_system[record.provider]
        found, _ = await guarded(outcome.source, lambda: outcome.source.contact(record, outcome.ctx))
        if outcome.found is not None:
            outcome.found = dataclasses.replace(outcome.found, api_calls=outcome.found.api_calls + 1)
        if found is not None:
            phone, postcode = found
            enriched[person][position] = dataclasses.replace(
                record, phone=record.phone or phone, postcode=postcode or None
            )

    async with anyio.create_task_group() as group:
        for person, position in chosen:
            group.start_soon(read, person, position)
    return enriched
