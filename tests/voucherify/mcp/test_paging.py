"""Cursor paging of Voucherify's list tools: following ``next_cursor`` shows every record exactly once, in the order
asked for, also when the result budget cuts pages short (the class of bug: a cursor taken from the API's page end
rather than from the last row shown skips the rows the budget cut)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.client import Client

from tests.voucherify.mcp.conftest import CUSTOMERS, JANE, ServerFactory

pytestmark = pytest.mark.anyio


async def walk(client: Client, tool: str, arguments: dict[str, Any]) -> list[list[Any]]:
    """Every row of a listing, following next_cursor to the end (at most 200 calls)."""
    rows: list[list[Any]] = []
    cursor = None
    for _ in range(200):
        result = await client.call_tool(tool, {**arguments, **({"cursor": cursor} if cursor else {})})
        content = result.structured_content
        assert content is not None and not result.is_error, result.content
        assert content["returned"] == len(content["items"])
        rows += content["items"]
        cursor = content["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError("the walk did not end")


def ids(rows: list[list[Any]]) -> list[str]:
    return [row[0] for row in rows]


@pytest.mark.parametrize("order", [None, "-created_at", "created_at", "source_id", "-updated_at"])
@pytest.mark.parametrize("budget", [4000, 300], ids=["whole pages", "pages cut by the budget"])
async def test_following_next_cursor_lists_every_customer_once_in_order(
    server_factory: ServerFactory, order: str | None, budget: int
) -> None:
    async with Client(server_factory(max_result_tokens=budget)) as client:
        arguments: dict[str, Any] = {"limit": 9, **({"order": order} if order else {})}
        rows = await walk(client, "voucherify_list_customers", arguments)
        first = await client.call_tool("voucherify_list_customers", arguments)
    assert len(ids(rows)) == len(set(ids(rows))) == CUSTOMERS
    if budget == 300:  # the budget really cut: fewer rows than asked for per call
        assert first.structured_content is not None and first.structured_content["returned"] < 9
        assert first.structured_content["total"] == CUSTOMERS
    if order in (None, "-created_at", "created_at"):
        dates = [row[-1] for row in rows]  # signup_date
        assert dates == sorted(dates, reverse=order != "created_at")
    if order == "source_id":
        source_ids = [row[1] for row in rows]
        assert source_ids == sorted(source_ids)


async def test_every_page_reports_the_first_pages_total_under_a_filter(client: Client) -> None:
    first = await client.call_tool("voucherify_list_customers", {"limit": 2, "created_before": "2026-06-01"})
    assert first.structured_content is not None
    total = first.structured_content["total"]
    second = await client.call_tool(
        "voucherify_list_customers",
        {"limit": 2, "created_before": "2026-06-01", "cursor": first.structured_content["next_cursor"]},
    )
    assert second.structured_content is not None and second.structured_content["total"] == total
    assert not set(ids(first.structured_content["items"])) & set(ids(second.structured_content["items"]))


async def walk_from_page(client: Client, arguments: dict[str, Any]) -> list[list[Any]]:
    """The rows of the page ``arguments`` name, then of every page its next_cursor leads to."""
    first = await client.call_tool("voucherify_list_customers", arguments)
    assert first.structured_content is not None, first.content
    rows = list(first.structured_content["items"])
    cursor = first.structured_content["next_cursor"]
    rest = {key: value for key, value in arguments.items() if key != "page"}
    return rows + (await walk(client, "voucherify_list_customers", {**rest, "cursor": cursor}) if cursor else [])


@pytest.mark.parametrize("order", [None, "source_id"])
async def test_from_an_explicit_page_the_cursor_goes_on_to_the_end(client: Client, order: str | None) -> None:
    arguments: dict[str, Any] = {"limit": 10, **({"order": order} if order else {})}
    everything = await walk(client, "voucherify_list_customers", arguments)
    from_page_3 = await walk_from_page(client, {**arguments, "page": 3})
    assert ids(from_page_3) == ids(everything)[20:]


async def test_the_page_cap_is_said_not_hidden(client: Client) -> None:
    result = await client.call_tool("voucherify_list_customers", {"limit": 1, "page": 99, "order": "source_id"})
    content = result.structured_content
    assert content is not None and not result.is_error
    assert content["returned"] == 1 and content["next_cursor"] is None  # the API pages no further than 99
    assert "no further than page 99" in content["notice"]


@pytest.mark.parametrize("budget", [4000, 250], ids=["whole pages", "pages cut by the budget"])
async def test_following_next_cursor_lists_every_event_once(server_factory: ServerFactory, budget: int) -> None:
    async with Client(server_factory(max_result_tokens=budget)) as client:
        rows = await walk(client, "voucherify_list_customer_activity", {"customer_id": JANE, "limit": 6})
    async with Client(server_factory()) as client:
        whole = await client.call_tool("voucherify_list_customer_activity", {"customer_id": JANE, "limit": 100})
    assert whole.structured_content is not None and whole.structured_content["next_cursor"] is None
    assert ids(rows) == ids(whole.structured_content["items"])
    assert len(rows) > 6  # several pages


async def test_following_next_cursor_lists_every_redeemable_once(server_factory: ServerFactory) -> None:
    async with Client(server_factory(max_result_tokens=250)) as client:
        rows = await walk(client, "voucherify_list_customer_redeemables", {"customer_id": JANE, "limit": 2})
    async with Client(server_factory()) as client:
        whole = await client.call_tool("voucherify_list_customer_redeemables", {"customer_id": JANE, "limit": 100})
    assert whole.structured_content is not None and whole.structured_content["next_cursor"] is None
    assert ids(rows) == ids(whole.structured_content["items"]) and len(rows) >= 3
