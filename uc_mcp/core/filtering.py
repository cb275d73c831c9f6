"""Filtering here what an offset-paged API cannot filter: the first N records a check keeps, and where
to resume.

Provider-neutral: a provider supplies ``fetch(offset, limit) -> Page`` (``core/paging.py``) and a
predicate. Offsets stay the API's own: each kept record carries its position in the API's list, and
``next_offset`` is the position just after the last record kept, so that a caller resumes exactly
there and nothing is skipped or shown twice (as far as offset paging itself allows: the list may move
between calls).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .paging import FetchPage, StopReason, walk

__all__ = ["Matches", "first_matches"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Matches(Generic[T]):
    """What a filtered read found. ``stopped`` is the walk's reason, or ``"max_records"`` when ``want``
    records were kept; ``total`` is the API's count of the list read (all records, kept or not)."""

    items: list[T]
    positions: list[int]  # each kept record's offset in the API's list
    read: int  # records checked
    pages: int
    next_offset: int | None  # None: the list was read to its end
    stopped: StopReason
    total: int | None

    def resume_after(self, shown: int) -> int | None:
        """Where to resume when only the first ``shown`` kept records are passed on."""
        return self.positions[shown] if shown < len(self.items) else self.next_offset


async def first_matches(
    fetch: FetchPage[T],
    keep: Callable[[T], bool],
    *,
    want: int,
    start: int = 0,
    limit: int = 200,
    max_pages: int | None = None,
) -> Matches[T]:
    """The first ``want`` records from ``start`` that ``keep`` accepts, reading ``limit`` per page and at
    most ``max_pages`` pages."""
    walker = walk(fetch, limit=limit, start=start, max_pages=max_pages)
    items: list[T] = []
    positions: list[int] = []
    read = 0
    page_start = start
    try:
        async for page in walker:
            for index, record in enumerate(page.items):
                read += 1
                if not keep(record):
                    continue
                items.append(record)
                positions.append(page_start + index)
                if len(items) < want:
                    continue
                last = index == len(page.items) - 1
                if last and walker.stopped in ("end", "stalled"):
                    # Enough on the very last record there is: the walk's own ending stands.
                    return Matches(items, positions, read, walker.pages, None, walker.stopped, walker.total)
                # Enough, with more of the list unread: resume right after this record.
                resume = walker.next_offset if last else page_start + index + 1
                return Matches(items, positions, read, walker.pages, resume, "max_records", walker.total)
            if walker.next_offset is not None:
                page_start = walker.next_offset
    finally:
        await walker.aclose()
    return Matches(items, positions, read, walker.pages, walker.next_offset, walker.stopped or "end", walker.total)
