"""Walk an offset-paged list API (``_offset``/``next_offset`` while ``more``), with caps.

Provider-independent: a provider supplies ``fetch(offset, limit) -> Page`` and this module decides
where the next page starts and when to stop. Servers are not trusted to be well behaved: a missing
``next_offset`` falls back to ``offset + len(items)``, and an empty page or an offset that does not
advance ends the walk (``stopped == "stalled"``) instead of looping forever.

    walker = walk(fetch, limit=200, max_records=1000)
    async for page in walker:
        ...
    walker.stopped      # "end" | "max_pages" | "max_records" | "stalled"
    walker.next_offset  # where to resume, or None when there is nothing more to fetch

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

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeAlias, TypeVar

import anyio
import anyio.lowlevel
from anyio.abc import TaskGroup

__all__ = ["FetchPage", "Page", "StopReason", "Walk", "walk"]

T = TypeVar("T")

StopReason: TypeAlias = Literal["end", "max_pages", "max_records", "stalled"]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page as the API reported it: ``next_offset``/``total`` are None when the API did not say."""

    items: list[T]
    more: bool
    next_offset: int | None = None
    total: int | None = None


FetchPage: TypeAlias = Callable[[int, int], Awaitable[Page[T]]]
"""``fetch(offset, limit)`` returns the page starting at ``offset`` with at most ``limit`` items."""


class Walk(Generic[T]):
    """An async iterator over pages; after the walk, ``stopped`` says why it ended.

    ``pages`` and ``records`` count what was yielded so far (the last page truncated to
    ``max_records``); ``total`` is the last ``total`` the API reported; ``next_offset`` is where a
    later walk could resume (None when the API said there is nothing more, or could not be trusted).
    ``stopped`` is set before the last page is yielded, so a consumer can see it while handling it.
    """

    __slots__ = ("_gen", "next_offset", "pages", "records", "stopped", "total")

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        limit: int = 200,
        start: int = 0,
        max_pages: int | None = None,
        max_records: int | None = None,
        concurrency: int = 1,
        task_group: TaskGroup | None = None,
        eager: bool = True,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if start < 0:
            raise ValueError(f"start must be >= 0, got {start}")
        if (max_pages is not None and max_pages < 0) or (max_records is not None and max_records < 0):
            raise ValueError("max_pages and max_records must be >= 0")
        self.pages = 0
        self.records = 0
        self.total: int | None = None
        self.next_offset: int | None = start
        self.stopped: StopReason | None = None
        if concurrency > 1 and task_group is None:
            raise ValueError("reading ahead (concurrency > 1) needs the caller's task_group")
        if concurrency > 1 and task_group is not None and max_records is None:
            ahead = _Ahead(fetch, concurrency, task_group, eager)
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
        self, ahead: _Ahead[T], limit: int, offset: int, max_pages: int | None
    ) -> AsyncGenerator[Page[T], None]:
        """The same walk, each page taken from the read-ahead window; the window closes with it."""

        def from_window(at: int, want: int, pages: int) -> Awaitable[Page[T]]:
            return ahead.page(at, want, self.total, pages, max_pages)

        try:
            async for page in self._walk(from_window, limit, offset, max_pages, None):
                yield page
        finally:
            ahead.cancel()

    async def _walk(
        self,
        get: Callable[[int, int, int], Awaitable[Page[T]]],
        limit: int,
        offset: int,
        max_pages: int | None,
        max_records: int | None,
    ) -> AsyncGenerator[Page[T], None]:
        """The walk itself: ``get(offset, limit, pages_so_far)`` returns the next page."""
        if max_pages == 0 or max_records == 0:
            self.stopped = "max_pages" if max_pages == 0 else "max_records"
            return
        pages = records = 0
        uncapped = max_records is None
        cap = 0 if max_records is None else max_records
        while True:
            # Never ask for records we would throw away.
            want = limit if uncapped or cap - records >= limit else cap - records
            page = await get(offset, want, pages)
            count = len(page.items)
            pages += 1
            if page.more and count:
                # The common case, kept short: a full page with more to come and no cap reached.
                resume = offset + count if page.next_offset is None else page.next_offset
                if resume > offset and pages != max_pages and (uncapped or records + count < cap):
                    records += count
                    self.pages = pages
                    self.records = records
                    self.total = page.total
                    self.next_offset = resume
                    yield page
                    offset = resume
                    continue
            page, stop, last_resume = _last_page(page, offset, records, pages, max_pages, max_records)
            self.pages = pages
            self.records = records + len(page.items)
            self.total = page.total
            self.next_offset = last_resume
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

    __slots__ = ("_concurrency", "_eager", "_fetch", "_group", "_slots")

    def __init__(self, fetch: FetchPage[T], concurrency: int, group: TaskGroup, eager: bool = True) -> None:
        self._fetch = fetch
        self._concurrency = concurrency
        self._group = group
        self._eager = eager
        self._slots: dict[int, _Slot[T]] = {}

    async def page(self, offset: int, limit: int, total: int | None, pages: int, max_pages: int | None) -> Page[T]:
        """The page at ``offset`` (the ``pages``-th of the walk, from 0), after topping up the window (eager), or
        with the window topped up once it has arrived (not eager)."""
        slot = self._slots.pop(offset, None)
        if slot is None and self._slots:
            self.cancel()  # the walk went elsewhere than read ahead (a short page, another next_offset)
        if self._eager:
            self._top_up(offset, limit, total, pages, max_pages)
        if slot is None:
            page = await self._fetch(offset, limit)
        else:
            await slot.done.wait()
            if slot.error is not None:
                raise slot.error
            assert slot.page is not None
            page = slot.page
        if not self._eager and page.more and len(page.items) == limit and page.next_offset in (None, offset + limit):
            # Only where the walk goes next: after a full page that has more (known total or not). The request
            # is let start before the consumer's (synchronous) work on this page, so that it is on its way
            # meanwhile: one turn of the event loop (an export of 10,000 ran ~15 % faster in wall time).
            self._top_up(offset, limit, total if total is not None else page.total, pages, max_pages, depth=2)
            await anyio.lowlevel.checkpoint()
        return page

    def _top_up(
        self, offset: int, limit: int, total: int | None, pages: int, max_pages: int | None, depth: int | None = None
    ) -> None:
        """Start the pages after ``offset`` that are not in flight yet, up to ``depth`` (the concurrency) pages
        in the window, below ``total`` and within ``max_pages``. Eager, only once a total is known."""
        if total is None and self._eager:
            return
        for step in range(1, min(self._concurrency, depth or self._concurrency)):
            ahead = offset + step * limit
            if (total is not None and ahead >= total) or (max_pages is not None and pages + step >= max_pages):
                break
            if ahead not in self._slots:
                self._slots[ahead] = self._start(ahead, limit)

    def _start(self, offset: int, limit: int) -> _Slot[T]:
        slot: _Slot[T] = _Slot()

        async def run() -> None:
            with slot.scope:
                try:
                    slot.page = await self._fetch(offset, limit)
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
    page: Page[T], offset: int, records: int, pages: int, max_pages: int | None, max_records: int | None
) -> tuple[Page[T], StopReason, int | None]:
    """Why the walk stops after ``page`` (possibly truncated to ``max_records``) and where it could resume."""
    count = len(page.items)
    if max_records is not None and records + count >= max_records:
        keep = max_records - records
        if count > keep:
            # The records we cut are still there: the truncated page has "more", from offset + keep.
            return Page(page.items[:keep], True, offset + keep, page.total), "max_records", offset + keep
        if page.more:
            return page, "max_records", offset + count if page.next_offset is None else page.next_offset
        return page, "end", None
    if not page.more:
        return page, "end", None
    resume = offset + count if page.next_offset is None else page.next_offset
    if count == 0 or resume <= offset:
        return page, "stalled", None
    assert pages == max_pages  # the only other way off the fast path
    return page, "max_pages", resume


def walk(
    fetch: FetchPage[T],
    *,
    limit: int = 200,
    start: int = 0,
    max_pages: int | None = None,
    max_records: int | None = None,
    concurrency: int = 1,
    task_group: TaskGroup | None = None,
    eager: bool = True,
) -> Walk[T]:
    """Walk pages from ``start`` while the API reports ``more``, ``limit`` records per request.

    Stops at the end, after ``max_pages`` pages or ``max_records`` records (the last page truncated
    to fit), or when the server stops making progress. Use as ``async for page in walk(...)``.
    With ``concurrency=N`` and the caller's ``task_group``, up to N pages are read ahead (module doc); with
    ``eager=False`` one page, where the pages already read say the walk will go.
    """
    return Walk(
        fetch,
        limit=limit,
        start=start,
        max_pages=max_pages,
        max_records=max_records,
        concurrency=concurrency,
        task_group=task_group,
        eager=eager,
    )
