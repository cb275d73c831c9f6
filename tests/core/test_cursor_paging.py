"""Paging as an opaque cursor (issue 17.4): the pager, the filtered read and the budget serve a list whose next
page starts after a record (Voucherify's ``starting_after`` / ``starting_after_id``, TWC's ``lastItemId``) as
they serve UltraCart's offsets, and a bare array (TWC's search) as one page."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uc_mcp.core.budget import PagePosition, fit_list, result_json
from uc_mcp.core.filtering import first_matches
from uc_mcp.core.paging import OFFSET, AfterCursor, Page, walk

pytestmark = pytest.mark.anyio


def created(index: int) -> str:
    return f"2026-01-{1 + index // 1440:02d}T{index // 60 % 24:02d}:{index % 60:02d}:00Z"


class CursorApi:
    """A Voucherify-like list: records ascending by ``created_at``, a page holds those strictly after
    ``starting_after``; ``has_more``; with ``give_next`` the API's own ``more_starting_after`` (an id cursor)."""

    def __init__(self, size: int, *, give_next: bool = False, ignore_cursor: bool = False, delay: float = 0) -> None:
        self.data = [{"id": f"cust_{index:05d}", "created_at": created(index)} for index in range(size)]
        self.give_next = give_next
        self.ignore_cursor = ignore_cursor
        self.delay = delay
        self.calls: list[Any] = []

    async def __call__(self, starting_after: Any, limit: int) -> Page[dict[str, Any]]:
        self.calls.append(starting_after)
        if self.delay:
            await anyio.sleep(self.delay)
        if starting_after is None or self.ignore_cursor:
            begin = 0
        elif self.give_next:
            begin = next(i for i, r in enumerate(self.data) if r["id"] == starting_after) + 1
        else:
            begin = next((i for i, r in enumerate(self.data) if r["created_at"] > starting_after), len(self.data))
        items = self.data[begin : begin + limit]
        more = begin + len(items) < len(self.data)
        following = items[-1]["id"] if self.give_next and more and items else None
        return Page(items, more, following, len(self.data))


BY_CREATED = AfterCursor(lambda record: record["created_at"])
BY_ID = AfterCursor(lambda record: record["id"])


async def test_a_cursor_walk_reads_every_record_once_in_order() -> None:
    api = CursorApi(1234)
    walker = walk(api, paging=BY_CREATED, limit=100)
    assert await walker.items() == api.data
    assert (walker.pages, walker.records, walker.stopped, walker.resume) == (13, 1234, "end", None)
    assert api.calls[0] is None and api.calls[1] == created(99)  # the first page, then after its last record


async def test_the_apis_own_next_cursor_is_followed() -> None:
    api = CursorApi(250, give_next=True)  # it takes back only its own (id) cursor, not a created_at
    walker = walk(api, paging=BY_CREATED, limit=100)
    assert await walker.items() == api.data
    assert api.calls == [None, "cust_00099", "cust_00199"]


@pytest.mark.parametrize("paging", [BY_CREATED, BY_ID])
@given(size=st.integers(0, 300), limit=st.integers(1, 120), cap=st.integers(1, 400))
@settings(max_examples=40, deadline=None)
async def test_a_capped_walk_resumes_exactly_where_it_stopped(
    paging: AfterCursor, size: int, limit: int, cap: int
) -> None:
    api = CursorApi(size, give_next=paging is BY_ID)
    first = walk(api, paging=paging, limit=limit, max_records=cap)
    got = await first.items()
    assert got == api.data[:cap]
    if first.resume is None:
        assert len(got) == size and first.stopped == "end"
        return
    assert first.stopped == "max_records"
    rest = await walk(api, paging=paging, limit=limit, start=first.resume).items()
    assert got + rest == api.data  # nothing skipped, nothing twice


async def test_max_pages_stops_with_the_cursor_of_the_next_page() -> None:
    api = CursorApi(500)
    walker = walk(api, paging=BY_CREATED, limit=100, max_pages=2)
    assert len(await walker.items()) == 200
    assert (walker.stopped, walker.resume) == ("max_pages", created(199))


async def test_a_server_that_ignores_the_cursor_is_stopped_as_stalled() -> None:
    api = CursorApi(500, ignore_cursor=True)
    walker = walk(api, paging=BY_CREATED, limit=100)
    assert len(await walker.items()) == 200
    assert (walker.stopped, walker.resume, len(api.calls)) == ("stalled", None, 2)


@pytest.mark.parametrize("eager", [True, False])
async def test_read_ahead_with_a_cursor_makes_the_sequential_walks_requests(eager: bool) -> None:
    sequential = CursorApi(450)
    await walk(sequential, paging=BY_CREATED, limit=100).items()
    ahead = CursorApi(450, delay=0.005)
    async with anyio.create_task_group() as group:
        walker = walk(ahead, paging=BY_CREATED, limit=100, concurrency=4, task_group=group, eager=eager)
        seen, asked_when_handed = [], []
        async for page in walker:
            seen += page.items
            asked_when_handed.append(len(ahead.calls))
            await anyio.sleep(0.02)  # the consumer's work on a page, while the next one is on its way
    assert seen == ahead.data
    # A cursor is known only once the page before it arrived: no guessed pages, and each page but the last
    # was handed over with the request for the next one already made.
    assert ahead.calls == sequential.calls
    assert asked_when_handed == [2, 3, 4, 5, 5]


async def test_offsets_stay_the_default_and_predict_pages_ahead() -> None:
    assert OFFSET.after(40, Page([1, 2, 3], True, None), 2) == 42
    assert OFFSET.after(40, Page([1, 2, 3], True, 45), 3) == 45  # the API's next_offset, for a whole page
    assert [OFFSET.ahead(0, 100, step) for step in (1, 2)] == [100, 200]
    assert (OFFSET.within(200, 200), BY_CREATED.within("x", 0), BY_CREATED.ahead("x", 100, 1)) == (False, True, None)


async def test_a_filtered_read_resumes_at_a_kept_record_by_its_cursor() -> None:
    api = CursorApi(300)
    kept = [record for record in api.data if record["id"].endswith("7")]

    def keep(record: dict[str, Any]) -> bool:
        return bool(record["id"].endswith("7"))

    found = await first_matches(api, keep, want=5, limit=40, paging=BY_CREATED)
    assert found.items == kept[:5] and found.stopped == "max_records"
    # Show three: the next read starts at the fourth kept record, not after the fifth.
    again = await first_matches(api, keep, want=2, limit=40, paging=BY_CREATED, start=found.resume_after(3))
    assert again.items == kept[3:5]
    rest = await first_matches(api, keep, want=1000, limit=40, paging=BY_CREATED, start=found.resume_after(5))
    assert found.items + rest.items == kept and rest.next_offset is None


def cursor_position(page: Page[dict[str, Any]], start: Any) -> PagePosition:
    return PagePosition(
        start,
        after=lambda shown: BY_CREATED.after(start, page, shown),
        key="next_starting_after",
        parameter="starting_after",
    )


async def test_the_budget_gives_the_cursor_after_the_last_record_it_shows() -> None:
    api = CursorApi(300)
    records = [{**record, "note": "x" * 300} for record in api.data[:100]]
    page = Page(records, True, None, 300)
    result = fit_list(records, position=cursor_position(page, created(9)), more=True, total=300, max_tokens=1500)
    shown = result["returned"]
    assert 0 < shown < 100
    assert result["next_starting_after"] == records[shown - 1]["created_at"]
    assert "next_offset" not in result
    assert f"Next page: starting_after={records[shown - 1]['created_at']}." in result["notice"]
    assert f"from starting_after={created(9)}" in result["notice"]


async def test_a_whole_cursor_page_resumes_at_the_apis_cursor_and_the_end_says_null() -> None:
    api = CursorApi(30, give_next=True)
    page = await api(None, 10)
    position = PagePosition(
        None, lambda shown: BY_ID.after(None, page, shown), "next_starting_after_id", "starting_after_id"
    )
    assert fit_list(page.items, position=position, more=True, total=30)["next_starting_after_id"] == "cust_00009"
    last = await api("cust_00019", 10)
    position = PagePosition(
        "cust_00019", lambda shown: BY_ID.after("cust_00019", last, shown), "next_starting_after_id"
    )
    done = fit_list(last.items, position=position, more=last.more, total=30)
    assert json.loads(result_json(done))["next_starting_after_id"] is None  # "no next page" is said, not left out


async def test_a_bare_array_is_one_page_shown_in_budget_slices_by_offset() -> None:
    everyone = [{"id": index, "email": f"p{index}@example.com", "bio": "y" * 400} for index in range(60)]
    calls = 0

    async def search(cursor: Any, limit: int) -> Page[dict[str, Any]]:
        nonlocal calls
        calls += 1
        return Page(everyone, False)  # TWC search: the whole answer, no paging

    walker = walk(search, limit=50)
    pages = [page async for page in walker]
    assert (len(pages), calls, walker.stopped, walker.resume) == (1, 1, "end", None)
    shown: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        sliced = fit_list(everyone[offset:], offset=offset, max_tokens=1200)
        shown += sliced["items"]
        offset = sliced["next_offset"]
    assert [item["id"] for item in shown] == list(range(60))
