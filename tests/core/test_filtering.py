"""``core.filtering.first_matches``: the first N records a check keeps from an offset-paged list, and the API
offset to resume at — checked against a plain list for every start, page size, want and page cap."""

from __future__ import annotations

import pytest

from uc_mcp.core.filtering import first_matches
from uc_mcp.core.paging import FetchPage, Page

pytestmark = pytest.mark.anyio

RECORDS = list(range(23))  # the API's list: record i is at offset i


def even(record: int) -> bool:
    return record % 2 == 0


def fetcher(calls: list[int]) -> FetchPage[int]:
    """The API's list served page by page; ``calls`` records each request's offset."""

    async def fetch(offset: int, limit: int) -> Page[int]:
        calls.append(offset)
        items = RECORDS[offset : offset + limit]
        more = offset + limit < len(RECORDS)
        return Page(items, more, offset + len(items) if more else None, len(RECORDS))

    return fetch


@pytest.mark.parametrize("limit", [1, 4, 5, 23, 50])
@pytest.mark.parametrize("want", [1, 3, 5, 12, 40])
@pytest.mark.parametrize("start", [0, 3, 10])
async def test_resuming_where_it_stopped_reads_every_match_once_in_order(limit: int, want: int, start: int) -> None:
    seen: list[int] = []
    offset: int | None = start
    while offset is not None:
        calls: list[int] = []
        found = await first_matches(fetcher(calls), even, want=want, start=offset, limit=limit)
        assert found.positions == found.items  # a record's position is its offset in the API's list
        assert len(found.items) <= want and calls[0] == offset
        seen += found.items
        if found.next_offset is not None:
            assert found.stopped == "max_records" and len(found.items) == want
            assert found.next_offset == found.items[-1] + 1  # right after the last record kept
        else:
            assert found.stopped == "end"
        offset = found.next_offset
    assert seen == [record for record in RECORDS[start:] if even(record)]


async def test_a_page_cap_stops_early_and_says_where_to_resume() -> None:
    calls: list[int] = []
    found = await first_matches(fetcher(calls), lambda record: record > 100, want=3, limit=5, max_pages=2)
    assert (found.items, found.read, found.pages, found.stopped, found.next_offset) == ([], 10, 2, "max_pages", 10)
    assert calls == [0, 5]


async def test_resume_after_fewer_rows_shown_is_the_position_of_the_first_not_shown() -> None:
    found = await first_matches(fetcher([]), even, want=5, limit=4)
    assert found.items == [0, 2, 4, 6, 8]
    assert [found.resume_after(shown) for shown in range(6)] == [0, 2, 4, 6, 8, 9]
