"""Walk a paged list API while it says ``more``, with caps; where a page starts is an opaque cursor.

Provider-independent: a provider supplies ``fetch(cursor, limit) -> Page`` and a :class:`Paging` that
says where the page after some of a page's records starts, and this module decides when to stop. The
three providers' styles:

- ``OFFSET`` (UltraCart's ``_offset``/``next_offset``; the default): the cursor is a record count. A
  missing ``next_offset`` falls back to ``offset + len(items)``; the pages ahead can be predicted, so
  they can be read ahead.
- ``AfterCursor(cursor_of)`` (Voucherify's ``starting_after`` = the last record's ``created_at``, its
  ``starting_after_id`` = the ``more_starting_after`` the API returns; TWC's ``lastItemId``): the next
  page starts after a record, at the API's cursor when it gave one (``Page.next``) else at
  ``cursor_of(last record)``. The start is None (the first page). Only the page after one that has
  arrived can be known, so the read-ahead is the one-page kind (``eager=False``).
- A bare array (TWC's search) is one page with ``more=False``: the walk yields it and ends; a tool shows
  it in budget-sized slices with offsets into the array.

Servers are not trusted to be well behaved: an empty page or a cursor that does not advance ends the
walk (``stopped == "stalled"``) instead of looping forever.

    walker = walk(fetch, limit=200, max_records=1000)
    async for page in walker:
        ...
    walker.stopped  # "end" | "max_pages" | "max_records" | "stalled"
    walker.resume   # the cursor to resume from, or None when there is nothing more to fetch

Per-page work is a handful of comparisons on locals, so the walk costs next to nothing over a
hand-written loop.

Read-ahead (``concurrency=N`` with a caller's ``task_group``): once a page has reported ``total``, the
next N-1 pages (``limit`` records apart, below ``total`` and within ``max_pages``) are fetched in the
background, in the caller's task group, while the consumer handles the current one — a sliding window
of N requests. Pages are still yielded in order and every stop rule is the same; a page fetched
ahead is used only when the walk really arrives at its offset (a short page or another
``next_offset`` drops the read-ahead and the walk goes on from where the server said), and a fetch
error surfaces when the walk reaches that page. The HTTP client's limiter still decides how many
requests are really in flight and at what pace (it learns from 429s), so N is a ceiling. Pages read
ahead beyond an early stop are requests made for nothing. No read-ahead with ``max_records``, nor (eager)
without a known total.

``eager=False`` is read-ahead for callers that count API calls: one page ahead, requested only once the
page before it has arrived whole (a full page, with more to come), so no request is ever made while the
walk waits, after a page that failed, or where the walk will not go. The next request is in flight while
the consumer handles the current page — all that an API answering one request at a time allows — and the
walk makes the same requests as a sequential walk, unless the consumer itself stops early.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, Protocol, TypeAlias, TypeVar

import anyio
import anyio.lowlevel
from anyio.abc import TaskGroup

__all__ = ["OFFSET", "AfterCursor", "FetchPage", "Offsets", "Page", "Paging", "StopReason", "Walk", "walk"]

T = TypeVar("T")

StopReason: TypeAlias = Literal["end", "max_pages", "max_records", "stalled"]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page as the API reported it. ``next`` is the API's cursor of the page after it (UltraCart's
    ``next_offset``, Voucherify's ``more_starting_after``); ``next``/``total`` are None when it did not say."""

    items: list[T]
    more: bool
    next: Any = None
    total: int | None = None


FetchPage: TypeAlias = Callable[[Any, int], Awaitable[Page[T]]]
"""``fetch(cursor, limit)`` returns the page starting at ``cursor`` with at most ``limit`` items."""


class Paging(Protocol):
    """How a list API says where a page starts (module doc). Cursors are hashable: pages read ahead are
    kept by theirs."""

    @property
    def first(self) -> Hashable:
        """The cursor of the first page."""
        ...

    def after(self, at: Any, page: Page[Any], count: int) -> Any:
        """The cursor just after the first ``count`` records of ``page``, which was fetched at ``at``."""
        ...

    def advanced(self, at: Any, resume: Any) -> bool:
        """Whether ``resume`` is past ``at``: a cursor that is not ends the walk as stalled."""
        ...

    def ahead(self, at: Any, limit: int, step: int) -> Any:
        """The cursor ``step`` full pages after ``at`` when it can be known before they are read, else None."""
        ...

    def within(self, cursor: Any, total: int | None) -> bool:
        """Whether a page at ``cursor`` can hold records of a list of ``total`` (None: not known)."""
        ...


class Offsets:
    """Offset paging: the cursor is how many records come before the page."""

    __slots__ = ()
    first: Final = 0

    def after(self, at: int, page: Page[Any], count: int) -> int:
        if count == len(page.items) and page.next is not None:
            return int(page.next)
        return at + count

    def advanced(self, at: int, resume: int) -> bool:
        return resume > at

    def ahead(self, at: int, limit: int, step: int) -> int:
        return at + step * limit

    def within(self, cursor: int, total: int | None) -> bool:
        return total is None or cursor < total


OFFSET: Final = Offsets()


class AfterCursor:
    """Paging after a record: the next page starts at the API's cursor, or after ``cursor_of(record)`` of the
    last record read (Voucherify's ``created_at`` for ``starting_after``; an id for ``lastItemId``).

    Assumption, as the APIs say nothing: a cursor strictly after a record; records that share the cursor
    value of the last one read (two customers created in the same millisecond) may be skipped at a page
    boundary. The API's own ``more_starting_after``, when given, avoids this.
    """

    __slots__ = ("cursor_of",)
    first: Final = None

    def __init__(self, cursor_of: Callable[[Any], Hashable]) -> None:
        self.cursor_of = cursor_of

    def after(self, at: Any, page: Page[Any], count: int) -> Any:
        if count == len(page.items) and page.next is not None:
            return page.next
        return self.cursor_of(page.items[count - 1]) if count else at

    def advanced(self, at: Any, resume: Any) -> bool:
        return resume is not None and resume != at

    def ahead(self, at: Any, limit: int, step: int) -> None:
        return None  # the next cursor is in the page after, which has not been read

    def within(self, cursor: Any, total: int | None) -> bool:
        return True  # a cursor says nothing of how many records come before it


class Walk(Generic[T]):
    """An async iterator over pages; after the walk, ``stopped`` says why it ended.

    ``pages`` and ``records`` count what was yielded so far (the last page truncated to
    ``max_records``); ``total`` is the last ``total`` the API reported; ``resume`` is the cursor a later
    walk could resume from (None when the API said there is nothing more, or could not be trusted).
    ``stopped`` is set before the last page is yielded, so a consumer can see it while handling it.
    """

    __slots__ = ("_gen", "pages", "paging", "records", "resume", "stopped", "total")

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        paging: Paging = OFFSET,
        limit: int = 200,
        start: Any = None,
        max_pages: int | None = None,
        max_records: int | None = None,
        concurrency: int = 1,
        task_group: TaskGroup | None = None,
        eager: bool = True,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        start = paging.first if start is None else start
        if isinstance(paging, Offsets) and start < 0:
            raise ValueError(f"start must be >= 0, got {start}")
        if (max_pages is not None and max_pages < 0) or (max_records is not None and max_records < 0):
            raise ValueError("max_pages and max_records must be >= 0")
        self.paging = paging
        self.pages = 0
        self.records = 0
        self.total: int | None = None
        self.resume: Any = start
        self.stopped: StopReason | None = None
        if concurrency > 1 and task_group is None:
            raise ValueError("reading ahead (concurrency > 1) needs the caller's task_group")
        if concurrency > 1 and task_group is not None and max_records is None:
            ahead = _Ahead(fetch, paging, concurrency, task_group, eager)
            self._gen = self._run_ahead(ahead, limit, start, max_pages)
        else:
            self._gen = self._walk(lambda at, want, pages: fetch(at, want), limit, start, max_pages, max_records)

    def __aiter__(self) -> AsyncIterator[Page[T]]:
        # ``async for`` drives the generator itself: no Python-level call per page in between.
        return self._gen

    def __anext__(self) -> Awaitable[Page[T]]:
        return self._gen.__anext__()

    async def aclose(self) -> None:
        await self._gen.aclose()

    async def items(self) -> list[T]:
        """Run the (rest of the) walk and return every item, in order."""
        out: list[T] = []
        async for page in self:
            out.extend(page.items)
        return out

    async def _run_ahead(
        self, ahead: _Ahead[T], limit: int, start: Any, max_pages: int | None
    ) -> AsyncGenerator[Page[T], None]:
        """The same walk, each page taken from the read-ahead window; the window closes with it."""

        def from_window(at: Any, want: int, pages: int) -> Awaitable[Page[T]]:
            return ahead.page(at, want, self.total, pages, max_pages)

        try:
            async for page in self._walk(from_window, limit, start, max_pages, None):
                yield page
        finally:
            ahead.cancel()

    async def _walk(
        self,
        get: Callable[[Any, int, int], Awaitable[Page[T]]],
        limit: int,
        at: Any,
        max_pages: int | None,
        max_records: int | None,
    ) -> AsyncGenerator[Page[T], None]:
        """The walk itself: ``get(cursor, limit, pages_so_far)`` returns the next page."""
        if max_pages == 0 or max_records == 0:
            self.stopped = "max_pages" if max_pages == 0 else "max_records"
            return
        paging = self.paging
        pages = records = 0
        uncapped = max_records is None
        cap = 0 if max_records is None else max_records
        while True:
            # Never ask for records we would throw away.
            want = limit if uncapped or cap - records >= limit else cap - records
            page = await get(at, want, pages)
            count = len(page.items)
            pages += 1
            if page.more and count:
                # The common case, kept short: a page with more to come and no cap reached.
                resume = paging.after(at, page, count)
                if paging.advanced(at, resume) and pages != max_pages and (uncapped or records + count < cap):
                    records += count
                    self.pages = pages
                    self.records = records
                    self.total = page.total
                    self.resume = resume
                    yield page
                    at = resume
                    continue
            page, stop, last_resume = _last_page(paging, page, at, records, pages, max_pages, max_records)
            self.pages = pages
            self.records = records + len(page.items)
            self.total = page.total
            self.resume = last_resume
            self.stopped = stop
            yield page
            return


class _Slot(Generic[T]):
    """One page being read ahead: its own cancel scope, and its page or error once done."""

    __slots__ = ("done", "error", "page", "scope")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.scope = anyio.CancelScope()
        self.page: Page[T] | None = None
        self.error: Exception | None = None


class _Ahead(Generic[T]):
    """The read-ahead window of a walk: up to ``concurrency`` pages in flight, in the caller's task group."""

    __slots__ = ("_concurrency", "_eager", "_fetch", "_group", "_paging", "_slots")

    def __init__(
        self, fetch: FetchPage[T], paging: Paging, concurrency: int, group: TaskGroup, eager: bool = True
    ) -> None:
        self._fetch = fetch
        self._paging = paging
        self._concurrency = concurrency
        self._group = group
        self._eager = eager
        self._slots: dict[Any, _Slot[T]] = {}

    async def page(self, at: Any, limit: int, total: int | None, pages: int, max_pages: int | None) -> Page[T]:
        """The page at cursor ``at`` (the ``pages``-th of the walk, from 0), after topping up the window
        (eager), or with the page after it started once it has arrived (not eager)."""
        slot = self._slots.pop(at, None)
        if slot is None and self._slots:
            self.cancel()  # the walk went elsewhere than read ahead (a short page, another next cursor)
        if self._eager:
            self._top_up(at, limit, total, pages, max_pages)
        if slot is None:
            page = await self._fetch(at, limit)
        else:
            await slot.done.wait()
            if slot.error is not None:
                raise slot.error
            assert slot.page is not None
            page = slot.page
        one_ahead = not self._eager or self._paging.ahead(at, limit, 1) is None  # a cursor: only the next is known
        if one_ahead and page.more and len(page.items) == limit and (max_pages is None or pages + 1 < max_pages):
            # Only where the walk goes next: after a full page that has more (known total or not). The request
            # is let start before the consumer's (synchronous) work on this page, so that it is on its way
            # meanwhile: one turn of the event loop (an export of 10,000 ran ~15 % faster in wall time).
            paging, following = self._paging, self._paging.after(at, page, limit)
            known = total if total is not None else page.total
            if paging.advanced(at, following) and paging.within(following, known) and following not in self._slots:
                self._slots[following] = self._start(following, limit)
            await anyio.lowlevel.checkpoint()
        return page

    def _top_up(self, at: Any, limit: int, total: int | None, pages: int, max_pages: int | None) -> None:
        """Start the pages after ``at`` that are not in flight yet, up to the concurrency in the window, below
        ``total`` and within ``max_pages``: only once a total is known, and where the cursors can be told."""
        if total is None:
            return
        for step in range(1, self._concurrency):
            ahead = self._paging.ahead(at, limit, step)
            if ahead is None or not self._paging.within(ahead, total):
                break
            if max_pages is not None and pages + step >= max_pages:
                break
            if ahead not in self._slots:
                self._slots[ahead] = self._start(ahead, limit)

    def _start(self, at: Any, limit: int) -> _Slot[T]:
        slot: _Slot[T] = _Slot()

        async def run() -> None:
            with slot.scope:
                try:
                    slot.page = await self._fetch(at, limit)
                except Exception as error:  # raised when (if) the walk reaches this page
                    slot.error = error
            slot.done.set()

        self._group.start_soon(run)
        return slot

    def cancel(self) -> None:
        for slot in self._slots.values():
            slot.scope.cancel()
        self._slots.clear()


def _last_page(
    paging: Paging,
    page: Page[T],
    at: Any,
    records: int,
    pages: int,
    max_pages: int | None,
    max_records: int | None,
) -> tuple[Page[T], StopReason, Any]:
    """Why the walk stops after ``page`` (possibly truncated to ``max_records``) and where it could resume."""
    count = len(page.items)
    if max_records is not None and records + count >= max_records:
        keep = max_records - records
        if count > keep:
            # The records we cut are still there: the truncated page has "more", from just after the last kept.
            resume = paging.after(at, page, keep)
            return Page(page.items[:keep], True, resume, page.total), "max_records", resume
        if page.more:
            return page, "max_records", paging.after(at, page, count)
        return page, "end", None
    if not page.more:
        return page, "end", None
    resume = paging.after(at, page, count)
    if count == 0 or not paging.advanced(at, resume):
        return page, "stalled", None
    assert pages == max_pages  # the only other way off the fast path
    return page, "max_pages", resume


def walk(
    fetch: FetchPage[T],
    *,
    paging: Paging = OFFSET,
    limit: int = 200,
    start: Any = None,
    max_pages: int | None = None,
    max_records: int | None = None,
    concurrency: int = 1,
    task_group: TaskGroup | None = None,
    eager: bool = True,
) -> Walk[T]:
    """Walk pages from ``start`` (the first page by default) while the API reports ``more``, ``limit``
    records per request, the cursors told by ``paging`` (offsets by default).

    Stops at the end, after ``max_pages`` pages or ``max_records`` records (the last page truncated
    to fit), or when the server stops making progress. Use as ``async for page in walk(...)``.
    With ``concurrency=N`` and the caller's ``task_group``, up to N pages are read ahead (module doc); with
    ``eager=False`` one page, where the pages already read say the walk will go.
    """
    return Walk(
        fetch,
        paging=paging,
        limit=limit,
        start=start,
        max_pages=max_pages,
        max_records=max_records,
        concurrency=concurrency,
        task_group=task_group,
        eager=eager,
    )
