"""The pager's read-ahead (``walk(concurrency=N, task_group=...)``): same pages, same order, same stop
rules as the sequential walk, with up to N fetches in flight once the total is known."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from uc_mcp.core.paging import Page, walk

pytestmark = pytest.mark.anyio


class Server:
    """A fake list API over ``size`` records; records how many fetches were in flight at once."""

    def __init__(self, size: int, *, total: bool = True, short_at: int | None = None, fail_at: int | None = None):
        self.size = size
        self.total = total
        self.short_at = short_at  # this offset answers one record short (the data moved)
        self.fail_at = fail_at
        self.in_flight = 0
        self.most_in_flight = 0
        self.offsets: list[int] = []

    async def fetch(self, offset: int, limit: int) -> Page[int]:
        self.offsets.append(offset)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await anyio.sleep(0.01)
            if offset == self.fail_at:
                raise RuntimeError(f"failed at {offset}")
            end = min(self.size, offset + limit - (1 if offset == self.short_at else 0))
            items = list(range(offset, end))
            more = end < self.size
            return Page(items, more, end if more else None, self.size if self.total else None)
        finally:
            self.in_flight -= 1


async def _collect(server: Server, **options: Any) -> tuple[list[int], Any]:
    seen: list[int] = []
    async with anyio.create_task_group() as group:
        walker = walk(server.fetch, task_group=group, **options)
        async for page in walker:
            seen.extend(page.items)
    return seen, walker


async def test_read_ahead_yields_every_page_in_order_with_several_in_flight() -> None:
    server = Server(1000)
    seen, walker = await _collect(server, limit=100, concurrency=4)
    assert seen == list(range(1000))
    assert (walker.pages, walker.records, walker.stopped, walker.resume) == (10, 1000, "end", None)
    assert server.most_in_flight == 4
    assert sorted(server.offsets) == list(range(0, 1000, 100))  # no page fetched twice, none past the end


async def test_read_ahead_stays_within_max_pages() -> None:
    server = Server(1000)
    seen, walker = await _collect(server, limit=100, concurrency=4, max_pages=3)
    assert seen == list(range(300))
    assert (walker.stopped, walker.resume) == ("max_pages", 300)
    assert sorted(server.offsets) == [0, 100, 200]


async def test_a_short_page_drops_the_read_ahead_and_the_walk_follows_the_server() -> None:
    server = Server(1000, short_at=300)
    seen, walker = await _collect(server, limit=100, concurrency=4)
    assert seen == list(range(1000))  # nothing skipped, nothing twice
    assert walker.stopped == "end"
    assert 399 in server.offsets  # resumed where the server said, not where the read-ahead guessed


async def test_a_failed_page_surfaces_when_the_walk_reaches_it() -> None:
    server = Server(1000, fail_at=500)
    seen: list[int] = []
    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        try:  # inside the group: a consumer handles the error before the group closes
            async for page in walk(server.fetch, limit=100, concurrency=4, task_group=group):
                seen.extend(page.items)
        except RuntimeError as error:
            failure = error
    assert str(failure) == "failed at 500"
    assert seen == list(range(500))


async def test_without_a_total_the_walk_reads_one_page_at_a_time() -> None:
    server = Server(500, total=False)
    seen, _ = await _collect(server, limit=100, concurrency=4)
    assert seen == list(range(500))
    assert server.most_in_flight == 1


async def test_read_ahead_needs_the_callers_task_group() -> None:
    with pytest.raises(ValueError, match="task_group"):
        walk(Server(10).fetch, concurrency=2)


# -- one page ahead, for callers that count API calls (eager=False) ------------------------------------------------


async def test_one_page_ahead_is_requested_while_the_consumer_handles_a_page_total_or_not() -> None:
    for total in (True, False):
        server = Server(500, total=total)
        seen: list[int] = []
        requested_while_handling: list[bool] = []
        async with anyio.create_task_group() as group:
            async for page in walk(server.fetch, limit=100, concurrency=2, task_group=group, eager=False):
                await anyio.sleep(0.02)  # the consumer's work: the next page is on its way meanwhile
                requested_while_handling.append(page.items[-1] + 1 in server.offsets)
                seen.extend(page.items)
        assert seen == list(range(500))
        assert server.offsets == [0, 100, 200, 300, 400]  # each once, in order, none past the end
        assert requested_while_handling == [True, True, True, True, False]
        assert server.most_in_flight == 1  # the page being read, never two at once


async def test_one_page_ahead_requests_nothing_past_a_failed_page() -> None:
    server = Server(1000, fail_at=300)
    seen: list[int] = []
    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        try:
            async for page in walk(server.fetch, limit=100, concurrency=4, task_group=group, eager=False):
                seen.extend(page.items)
        except RuntimeError as error:
            failure = error
    assert str(failure) == "failed at 300" and seen == list(range(300))
    assert server.offsets == [0, 100, 200, 300]  # what a walk without read-ahead requests


async def test_one_page_ahead_only_where_the_walk_goes() -> None:
    server = Server(1000, short_at=300)  # 300 answers 99: the walk resumes at 399, not 400
    seen, walker = await _collect(server, limit=100, concurrency=2, eager=False, max_pages=6)
    assert seen == list(range(599))
    assert server.offsets == [0, 100, 200, 300, 399, 499]  # nothing at 400, nothing past max_pages
    assert (walker.stopped, walker.resume) == ("max_pages", 599)
