"""core/paging.py: the walk visits exactly the records asked for, stops for the right reason, and
never loops on a misbehaving server."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from uc_mcp.core.paging import FetchPage, Page, Walk, walk

pytestmark = pytest.mark.anyio


class FakeApi:
    """An in-memory offset-paged list; flags make it misbehave the ways real servers do."""

    def __init__(
        self,
        size: int,
        *,
        report_next: bool = True,
        report_total: bool = True,
        overfill: int = 0,
    ) -> None:
        self.data = list(range(size))
        self.report_next = report_next
        self.report_total = report_total
        self.overfill = overfill  # extra items beyond the requested limit (a server ignoring _limit)
        self.calls: list[tuple[int, int]] = []

    async def __call__(self, offset: int, limit: int) -> Page[int]:
        self.calls.append((offset, limit))
        items = self.data[offset : offset + limit + self.overfill]
        end = offset + len(items)
        more = end < len(self.data)
        return Page(
            items,
            more,
            end if self.report_next and more else None,
            len(self.data) if self.report_total else None,
        )


async def collect(walker: Walk[Any]) -> list[Any]:
    out: list[Any] = []
    async for page in walker:
        out.extend(page.items)
    return out


async def test_walks_every_record_once_in_order() -> None:
    api = FakeApi(1234)
    walker = walk(api, limit=200)
    assert await collect(walker) == api.data
    assert walker.stopped == "end"
    assert walker.pages == 7
    assert walker.records == 1234
    assert walker.total == 1234
    assert walker.resume is None
    assert [offset for offset, _ in api.calls] == [0, 200, 400, 600, 800, 1000, 1200]


async def test_start_offset_and_items_helper() -> None:
    api = FakeApi(50)
    assert await walk(api, limit=20, start=45).items() == [45, 46, 47, 48, 49]


async def test_empty_list_is_one_empty_page() -> None:
    api = FakeApi(0)
    walker = walk(api)
    pages = [page async for page in walker]
    assert pages == [Page([], False, None, 0)]
    assert walker.stopped == "end"


async def test_max_pages() -> None:
    api = FakeApi(1000)
    walker = walk(api, limit=100, max_pages=3)
    assert await collect(walker) == list(range(300))
    assert walker.stopped == "max_pages"
    assert walker.resume == 300
    assert len(api.calls) == 3


async def test_max_pages_reached_exactly_at_the_end_is_the_end() -> None:
    walker = walk(FakeApi(300), limit=100, max_pages=3)
    await collect(walker)
    assert walker.stopped == "end"


async def test_max_records_truncates_and_asks_only_for_what_it_needs() -> None:
    api = FakeApi(1000)
    walker = walk(api, limit=100, max_records=250)
    assert await collect(walker) == list(range(250))
    assert walker.stopped == "max_records"
    assert walker.records == 250
    assert walker.resume == 250
    assert api.calls == [(0, 100), (100, 100), (200, 50)]


async def test_max_records_truncates_a_server_that_ignores_the_limit() -> None:
    api = FakeApi(1000, overfill=30)
    walker = walk(api, limit=100, max_records=120)
    pages = [page async for page in walker]
    assert [len(p.items) for p in pages] == [120]
    assert pages[-1] == Page(list(range(120)), True, 120, 1000)
    assert walker.stopped == "max_records"
    assert walker.resume == 120


async def test_max_records_equal_to_the_total_is_the_end() -> None:
    walker = walk(FakeApi(200), limit=100, max_records=200)
    assert len(await collect(walker)) == 200
    assert walker.stopped == "end"


async def test_zero_caps_fetch_nothing() -> None:
    api = FakeApi(10)
    walker = walk(api, max_pages=0)
    assert await collect(walker) == []
    assert walker.stopped == "max_pages"
    walker = walk(api, max_records=0)
    assert await collect(walker) == []
    assert walker.stopped == "max_records"
    assert api.calls == []


async def test_missing_next_offset_falls_back_to_offset_plus_count() -> None:
    api = FakeApi(450, report_next=False, report_total=False)
    walker = walk(api, limit=200)
    assert await collect(walker) == api.data
    assert walker.stopped == "end"
    assert walker.total is None


async def test_more_with_empty_pages_does_not_loop() -> None:
    calls = 0

    async def liar(offset: int, limit: int) -> Page[int]:
        nonlocal calls
        calls += 1
        items = list(range(offset, min(offset + limit, 30)))
        return Page(items, True, None, None)  # always "more", even past the end

    walker = walk(liar, limit=10)
    with anyio.fail_after(5):
        assert await collect(walker) == list(range(30))
    assert walker.stopped == "stalled"
    assert walker.resume is None
    assert calls == 4


async def test_next_offset_that_does_not_advance_does_not_loop() -> None:
    async def stuck(offset: int, limit: int) -> Page[int]:
        return Page([offset], True, offset, None)

    walker = walk(stuck, limit=10)
    with anyio.fail_after(5):
        pages = [page async for page in walker]
    assert len(pages) == 1
    assert walker.stopped == "stalled"


async def test_stopped_is_visible_while_handling_the_last_page() -> None:
    walker = walk(FakeApi(150), limit=100)
    seen = []
    async for _ in walker:
        seen.append(walker.stopped)
    assert seen == [None, "end"]


async def test_invalid_arguments() -> None:
    api: FetchPage[int] = FakeApi(1)
    with pytest.raises(ValueError, match="limit"):
        walk(api, limit=0)
    with pytest.raises(ValueError, match="start"):
        walk(api, start=-1)
    with pytest.raises(ValueError, match="max_pages"):
        walk(api, max_pages=-1)


async def test_anext_and_aclose() -> None:
    walker = walk(FakeApi(500), limit=100)
    first = await anext(walker)
    assert first.items == list(range(100))
    await walker.aclose()
    with pytest.raises(StopAsyncIteration):
        await anext(walker)


@given(
    size=st.integers(0, 600),
    limit=st.integers(1, 250),
    start=st.integers(0, 700),
    max_pages=st.none() | st.integers(0, 8),
    max_records=st.none() | st.integers(0, 700),
    report_next=st.booleans(),
)
def test_walk_property(
    size: int, limit: int, start: int, max_pages: int | None, max_records: int | None, report_next: bool
) -> None:
    async def run() -> None:
        api = FakeApi(size, report_next=report_next)
        walker = walk(api, limit=limit, start=start, max_pages=max_pages, max_records=max_records)
        got = await collect(walker)
        remaining = api.data[start:]
        cap = len(remaining)
        if max_pages is not None:
            cap = min(cap, max_pages * limit)
        if max_records is not None:
            cap = min(cap, max_records)
        assert got == remaining[:cap]
        assert walker.records == len(got)
        assert all(n <= limit for _, n in api.calls)
        if cap == len(remaining) and max_pages != 0 and max_records != 0:
            assert walker.stopped == "end"
            assert walker.resume is None
        else:
            assert walker.stopped in ("max_pages", "max_records")
            assert walker.resume == start + len(got)

    anyio.run(run)
