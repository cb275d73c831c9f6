"""Filtering here what a paged API cannot filter: the first N records a check keeps, and where to resume.

Provider-neutral: a provider supplies ``fetch(cursor, limit) -> Page`` and its ``Paging``
(``core/paging.py``: offsets, or a cursor after a record) and a predicate. Cursors stay the API's own:
each kept record carries the cursor its page would start at to begin with it, and ``next_offset`` is
the cursor just after the last record kept, so that a caller resumes exactly there and nothing is
skipped or shown twice (as far as the API's paging itself allows: the list may move between calls).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .paging import OFFSET, FetchPage, Paging, StopReason, walk

__all__ = ["Matches", "first_matches"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Matches(Generic[T]):
    """What a filtered read found. ``stopped`` is the walk's reason, or ``"max_records"`` when ``want``
    records were kept; ``total`` is the API's count of the list read (all records, kept or not)."""

    items: list[T]
    positions: list[Any]  # the cursor that starts at each kept record (its offset, for offset paging)
    read: int  # records checked
    pages: int
    next_offset: Any  # the cursor after the last record kept; None: the list was read to its end
    stopped: StopReason
    total: int | None

    def resume_after(self, shown: int) -> Any:
        """Where to resume when only the first ``shown`` kept records are passed on."""
        return self.positions[shown] if shown < len(self.items) else self.next_offset


async def first_matches(
    fetch: FetchPage[T],
    keep: Callable[[T], bool],
    *,
    want: int,
    start: Any = None,
    limit: int = 200,
    max_pages: int | None = None,
    paging: Paging = OFFSET,
) -> Matches[T]:
    """The first ``want`` records from ``start`` (the first page by default) that ``keep`` accepts, reading
    ``limit`` per page and at most ``max_pages`` pages."""
    walker = walk(fetch, paging=paging, limit=limit, start=start, max_pages=max_pages)
    items: list[T] = []
    positions: list[Any] = []
    read = 0
    page_start = walker.resume
    try:
        async for page in walker:
            for index, record in enumerate(page.items):
                read += 1
                if not keep(record):
                    continue
                items.append(record)
                positions.append(paging.after(page_start, page, index))
                if len(items) < want:
                    continue
                last = index == len(page.items) - 1
                if last and walker.stopped in ("end", "stalled"):
                    # Enough on the very last record there is: the walk's own ending stands.
                    return Matches(items, positions, read, walker.pages, None, walker.stopped, walker.total)
                # Enough, with more of the list unread: resume right after this record.
                resume = walker.resume if last else paging.after(page_start, page, index + 1)
                return Matches(items, positions, read, walker.pages, resume, "max_records", walker.total)
            if walker.resume is not None:
                page_start = walker.resume
    finally:
        await walker.aclose()
    return Matches(items, positions, read, walker.pages, walker.resume, walker.stopped or "end", walker.total)
