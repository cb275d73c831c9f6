"""The list tools ask the API only for the rows that can fit the result budget, and decode only what the
compact table shows of each customer (issue 16.8).

A page of ``limit`` rows used to be read whatever the budget: the budget cut a page of 200 to ~134 rows and
the next call, starting at ``next_offset``, read the other 66 again. Now the first request asks for the rows
that may fit (``common.rows_to_ask``), and a call asks for more only when every row it got fit; a page for the
compact table builds only the keys the view reads (``common.COMPACT_VIEW_KEYS``). What a call shows must not
change: each result here is compared with the one the same call gives when it reads ``limit`` rows at once,
each customer decoded whole (the code as it was), and every walk with ``next_offset`` must meet every customer
exactly once.

Requests are recorded where they reach the sandbox's app (behind its fault layer), i.e. as the API sees them.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from mcp.client import Client

from tests.ultracart.mcp.conftest import BIGGER_STORE, ServerFactory
from uc_mcp.server import runtime_of
from uc_mcp.ultracart.tools import common

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
PAGE_PATHS = ("/rest/v2/customer/customers", "/rest/v2/customer/customers/query")
FIRST_OID = 100001

# The three shapes of a list call: the plain table (customer_list), a filter whose meaning the result states
# (``how``: a bare end date; matches everyone), and the query endpoint (POST, no filter: everyone).
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "table": ("ultracart_get_customers", {}),
    "with how": ("ultracart_get_customers", {"signup_dts_end": "2099-12-31"}),
    "query": ("ultracart_get_customers_by_query", {}),
}
FIELDS: dict[str, list[str] | None] = {
    "compact": None,
    "two fields": ["email", "billing.city"],
    "whole addresses": ["customer_profile_oid", "email", "billing", "shipping", "tags"],
}
# Rows the API may be asked for beyond those shown, as a share of them: the estimate of a row is on the low
# side; a projection of whole addresses varies most (14-17 rows of ~1 KB fit the default budget).
SLACK = {"compact": 0.35, "two fields": 0.35, "whole addresses": 1.0}
BUDGETS = {"default": None, "small": 300}
# At 300 tokens a customer with its addresses is shown by its ids alone, one a call: 1,200 shows a few.
SMALL_FOR_WHOLE_ADDRESSES = 1200


@dataclass(slots=True)
class Watched:
    client: Client
    asked: list[int] = field(default_factory=list)  # the _limit of every page request, in order


@asynccontextmanager
async def watched(server_factory: ServerFactory, db: Path, budget: int | None) -> AsyncIterator[Watched]:
    settings: dict[str, Any] = {"sandbox_db": db, "sandbox_customers": BIGGER_STORE}
    if budget is not None:
        settings["max_result_tokens"] = budget
    server = server_factory(**settings)
    runtime = runtime_of(server)
    runtime.client()  # open the sandbox now, so that its requests can be watched
    async with Client(server) as client:
        seen = Watched(client)
        inner: ASGIApp = runtime.sandbox.faults.app

        async def recording(scope: Scope, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] in PAGE_PATHS:
                seen.asked.append(int(parse_qs(scope["query_string"].decode())["_limit"][0]))
            await inner(scope, receive, send)

        runtime.sandbox.faults.app = recording
        yield seen


@contextmanager
def as_before(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reference: a call reading a whole page of ``limit`` customers, each decoded whole, as before."""
    with monkeypatch.context() as before:
        before.setattr(common, "rows_to_ask", lambda max_tokens, fields, limit: limit)
        before.setattr(common, "decoded_keys", lambda request: None)
        yield


def store_oids(db: Path) -> list[int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [int(row[0]) for row in conn.execute("SELECT oid FROM customer ORDER BY oid")]
    finally:
        conn.close()


def margin(returned: int, slack: float = SLACK["compact"]) -> int:
    return max(8, math.ceil(returned * slack))


def row_oid(row: Any) -> int:
    return int(row[0] if isinstance(row, list) else row["customer_profile_oid"])


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


def with_oid(fields: list[str] | None) -> list[str] | None:
    """``fields`` with the oid, so that each row says which customer it is."""
    return None if fields is None else list(dict.fromkeys(["customer_profile_oid", *fields]))


@pytest.mark.anyio
@pytest.mark.parametrize("budget", list(BUDGETS), ids=list(BUDGETS))
@pytest.mark.parametrize("shape", list(FIELDS), ids=list(FIELDS))
@pytest.mark.parametrize("kind", list(CALLS), ids=list(CALLS))
async def test_a_walk_reads_only_what_fits_and_shows_what_a_whole_page_shows(
    server_factory: ServerFactory, bigger_db: Path, monkeypatch: pytest.MonkeyPatch, kind: str, shape: str, budget: str
) -> None:
    tool, filters = CALLS[kind]
    fields = with_oid(FIELDS[shape])
    everyone = store_oids(bigger_db)
    seen: list[int] = []
    tokens = SMALL_FOR_WHOLE_ADDRESSES if (shape, budget) == ("whole addresses", "small") else BUDGETS[budget]
    async with watched(server_factory, bigger_db, tokens) as h:
        offset: int | None = 0
        while offset is not None:
            arguments = {**filters, "limit": 200, "offset": offset, **({"fields": fields} if fields else {})}
            with as_before(monkeypatch):
                expected = await call(h.client, tool, arguments)
            h.asked.clear()
            page = await call(h.client, tool, arguments)
            assert page == expected
            assert ("how" in page) == (kind == "with how")
            returned = page["returned"]
            assert returned >= 1
            # The API was asked for the rows shown and a few more, not for a page of 200 cut by the budget (on
            # the last page it had no more to give than those shown).
            assert len(h.asked) == 1, h.asked
            if page["next_offset"] is not None:
                assert sum(h.asked) <= returned + margin(returned, SLACK[shape]), (h.asked, returned)
            seen.extend(row_oid(row) for row in page["items"])
            offset = page["next_offset"]
            assert offset is None or offset == len(seen)
            assert len(seen) <= len(everyone)
    assert seen == everyone  # every customer once, in the store's order


@pytest.mark.anyio
@pytest.mark.parametrize("kind", list(CALLS), ids=list(CALLS))
async def test_rows_smaller_than_estimated_still_fill_the_page(
    server_factory: ServerFactory, bigger_db: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """When every row the first request brought fits, the call asks for more (sized from the rows it shaped),
    so that it shows all that fit, up to ``limit``, as one page of ``limit`` rows would."""
    tool, filters = CALLS[kind]
    everyone = store_oids(bigger_db)
    monkeypatch.setattr(common, "TABLE_ROW_BYTES", 2000)  # the first request asks for ~8 rows
    seen: list[int] = []
    async with watched(server_factory, bigger_db, None) as h:
        offset: int | None = 0
        while offset is not None:
            arguments = {**filters, "limit": 120, "offset": offset}
            with as_before(monkeypatch):
                expected = await call(h.client, tool, arguments)
            h.asked.clear()
            page = await call(h.client, tool, arguments)
            assert page == expected
            assert 2 <= len(h.asked) <= common.MAX_FETCHES
            if page["next_offset"] is not None:
                assert sum(h.asked) <= page["returned"] + margin(page["returned"])
            seen.extend(row_oid(row) for row in page["items"])
            offset = page["next_offset"]
    assert seen == everyone


@pytest.mark.anyio
async def test_a_limit_below_what_fits_is_what_the_api_is_asked_for(
    server_factory: ServerFactory, bigger_db: Path
) -> None:
    async with watched(server_factory, bigger_db, None) as h:
        page = await call(h.client, "ultracart_get_customers", {"limit": 7, "offset": 3})
    assert h.asked == [7]
    assert [row_oid(row) for row in page["items"]] == list(range(FIRST_OID + 3, FIRST_OID + 10))
    assert page["next_offset"] == 10


@pytest.mark.anyio
async def test_the_last_page_ends_the_walk(server_factory: ServerFactory, bigger_db: Path) -> None:
    async with watched(server_factory, bigger_db, None) as h:
        page = await call(h.client, "ultracart_get_customers", {"limit": 200, "offset": BIGGER_STORE - 5})
    assert page["returned"] == 5 and page["next_offset"] is None
    assert len(h.asked) == 1
