"""Voucherify's assist tools answering support questions, through the MCP protocol, on the embedded sandbox.

``voucherify_find_customers``, ``voucherify_customer_overview`` and ``voucherify_count_customers`` are called through
the SDK's in-memory client. Every answer is checked three ways:

- content: against ground truth computed here from the sandbox store itself (its customers, events, segments and
  holdings read directly), never from the tools' own matching, ranking or counting code, and never hard-coded
  (a query is taken from the data: the last digits of a phone, an email in another case);
- cost: the requests the sandbox received are recorded by wrapping its ASGI app, and must equal the tool's own
  ``api_calls``, stay within ``max_calls`` (4 for the overview, 1 for the count), and all be reads (GET);
- shape: every successful result validates against the tool's published ``outputSchema``.

The store's clock is fixed at the tests' "now" (statuses such as EXPIRED depend on it).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import Tool

from tests.support.mcp import Request, failed, rows, succeeded
from tests.support.mcp import watch as watch_requests
from tests.voucherify.conftest import VOUCHERIFY_NOW
from tests.voucherify.mcp.conftest import CUSTOMERS, JANE, JANE_EMAIL, UNKNOWN, ServerFactory
from uc_mcp.core.paging import Page
from uc_mcp.core.toolspec import ToolContext
from uc_mcp.server import runtime_of
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.sandbox.queries import ActivityQuery, CustomerQuery, RedeemableQuery
from uc_mcp.voucherify.sandbox.runtime import Sandbox
from uc_mcp.voucherify.sandbox.store import SandboxStore
from uc_mcp.voucherify.tools.find import FindCustomersInput, find_customers

pytestmark = pytest.mark.anyio

FIND = "voucherify_find_customers"
OVERVIEW = "voucherify_customer_overview"
COUNT = "voucherify_count_customers"
DEFAULT_MAX_CALLS = 8  # MaxCalls' default
LIMITS = {OVERVIEW: 4, COUNT: 1}
PAGE = 100  # the scan's page: the API's largest
# A part that fails: what the sandbox answers to a request the harness refuses.
REFUSED = b'{"code":400,"key":"invalid_query_params","message":"Invalid query params"}'


# -- the harness: a connected client and the sandbox's request log ------------------------------------------


@dataclass(slots=True)
class Harness:
    """One server: its client, its store, and every request its sandbox received."""

    client: Client
    store: SandboxStore
    tools: dict[str, Tool]
    requests: list[Request] = field(default_factory=list)
    refuse: re.Pattern[str] | None = None  # requests whose path matches are answered 400 (a part that fails)

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Call a tool that must succeed: valid against its outputSchema, its api_calls what the sandbox saw."""
        self.requests.clear()
        structured, _ = succeeded(await self.client.call_tool(name, arguments), self.tools[name])
        limit = LIMITS.get(name, arguments.get("max_calls", DEFAULT_MAX_CALLS))
        assert structured["api_calls"] == len(self.requests) <= limit, self.requests
        assert all(request.method == "GET" for request in self.requests)
        return structured

    async def fail(self, name: str, arguments: dict[str, Any]) -> str:
        self.requests.clear()
        return failed(await self.client.call_tool(name, arguments))


def watch(sandbox: Sandbox, harness: Harness) -> None:
    """Record every HTTP request that reaches the sandbox app; answer 400 to those ``harness.refuse`` matches."""

    def refuse(path: str) -> bytes | None:
        return REFUSED if harness.refuse is not None and harness.refuse.search(path) else None

    watch_requests(sandbox, harness.requests, refuse)


def open_store(server: MCPServer) -> tuple[Sandbox, SandboxStore]:
    runtime = runtime_of(server)
    runtime.client()  # open the sandbox now, to fix its clock and watch it from the first call
    sandbox: Sandbox = runtime.sandbox
    sandbox.store.clock = FixedClock(VOUCHERIFY_NOW)
    return sandbox, sandbox.store


@asynccontextmanager
async def connect(server_factory: ServerFactory, **settings: Any) -> AsyncIterator[Harness]:
    server = server_factory(**settings)
    sandbox, store = open_store(server)
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        harness = Harness(client, store, tools)
        watch(sandbox, harness)
        yield harness


@pytest.fixture
async def h(server_factory: ServerFactory) -> AsyncIterator[Harness]:
    async with connect(server_factory) as harness:
        yield harness


# -- ground truth, read from the store ------------------------------------------------------------------------


def everyone(store: SandboxStore) -> list[dict[str, Any]]:
    """Every customer in the store, oldest first, read from the store itself."""
    customers: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = store.list_customers(CustomerQuery(limit=PAGE, page=page, order="created_at"))
        customers += answer["customers"]
        if not answer["has_more"]:
            assert len(customers) == store.count_customers() == CUSTOMERS
            return customers
        page += 1


def digits(text: Any) -> str:
    return "".join(ch for ch in text if ch.isdigit()) if isinstance(text, str) else ""


def found_ids(result: Mapping[str, Any]) -> set[str]:
    return {row["id"] for row in rows(result)}


def scan_pages() -> int:
    return -(-CUSTOMERS // PAGE)


# -- find ----------------------------------------------------------------------------------------------------


async def test_find_by_exact_email_is_one_call_and_finds_everyone_with_it(h: Harness) -> None:
    truth = {c["id"] for c in everyone(h.store) if c.get("email") == JANE_EMAIL}
    assert len(truth) >= 2  # Voucherify allows two customers with one email: the demo has Jane twice
    result = await h.call(FIND, {"query": JANE_EMAIL})
    assert found_ids(result) == truth
    assert {row["matched"] for row in rows(result)} == {"email (exact)"}
    assert (result["api_calls"], result["complete"], result["interpreted_as"]) == (1, True, "email")
    assert h.requests[0].path == "/v1/customers" and "email=jane%40example.com" in h.requests[0].query


async def test_an_email_typed_in_capitals_is_found_by_its_lower_case_form(h: Harness) -> None:
    truth = {c["id"] for c in everyone(h.store) if c.get("email") == JANE_EMAIL}
    result = await h.call(FIND, {"query": JANE_EMAIL.upper()})
    assert found_ids(result) == truth
    assert result["how"] == ["email filter: 0 match(es)", f"email filter (lower case): {len(truth)} match(es)"]
    assert {row["matched"] for row in rows(result)} == {"email (exact, other case)"}


async def test_an_email_stored_in_another_case_is_found_by_the_scan(h: Harness) -> None:
    """The API's filter is exact: a customer whose email has capitals is found only by reading the customers."""
    customers = everyone(h.store)
    stored = next(c for c in customers if isinstance(c.get("email"), str) and c["email"] != c["email"].lower())
    query = stored["email"].lower()
    truth = {c["id"] for c in customers if isinstance(c.get("email"), str) and c["email"].lower() == query}
    result = await h.call(FIND, {"query": query})
    assert found_ids(result) == truth and stored["id"] in truth
    assert rows(result)[0]["matched"] == "email (exact, other case)"
    assert result["api_calls"] == 1 + scan_pages() and result["complete"] is True
    assert result["how"][-1] == f"scanned all {CUSTOMERS} customers ({scan_pages()} page(s)): {len(truth)} match(es)"


async def test_find_by_the_last_digits_of_a_phone(h: Harness) -> None:
    customers = everyone(h.store)
    jane = h.store.get_customer(JANE)
    ending = digits(jane["phone"])[-4:]
    truth = {c["id"] for c in customers if digits(c.get("phone")).endswith(ending)}
    result = await h.call(FIND, {"query": ending})
    assert found_ids(result) == truth and jane["id"] in truth
    assert all(row["matched"] == f"phone (ends with {ending})" for row in rows(result))
    assert result["interpreted_as"] == "phone" and result["complete"] is True
    # A number without separators may be a source_id: read directly first, then every page.
    assert result["api_calls"] == 1 + scan_pages()


async def test_find_by_a_formatted_phone_number(h: Harness) -> None:
    jane = h.store.get_customer(JANE)
    result = await h.call(FIND, {"query": f"  {jane['phone']} "})
    assert rows(result)[0]["id"] == jane["id"] and rows(result)[0]["matched"] == "phone (exact)"
    assert result["api_calls"] == scan_pages()  # no direct lookup for a number with separators


async def test_find_by_one_word_of_a_name_in_lower_case(h: Harness) -> None:
    customers = everyone(h.store)
    truth = {c["id"] for c in customers if "smith" in str(c.get("name") or "").casefold().split()}
    assert len(truth) >= 2
    result = await h.call(FIND, {"query": "smith"})
    assert found_ids(result) == truth
    assert {row["matched"] for row in rows(result)} == {"name word (exact)"}
    assert result["interpreted_as"] == "word"


async def test_find_by_a_full_name_ranks_the_exact_name_first(h: Harness) -> None:
    jane = h.store.get_customer(JANE)
    result = await h.call(FIND, {"query": str(jane["name"]).lower()})
    best = rows(result)[0]
    assert (best["id"], best["matched"]) == (jane["id"], "name (exact)")
    assert result["how"][:2] == ["name filter: 0 match(es)", "name filter (capitalised): 1 match(es)"]
    assert result["api_calls"] == 2


@pytest.mark.parametrize("key", ["source_id", "id"])
async def test_find_by_source_id_or_id_is_one_call(h: Harness, key: str) -> None:
    jane = h.store.get_customer(JANE)
    result = await h.call(FIND, {"query": jane[key]})
    assert [(row["id"], row["matched"]) for row in rows(result)] == [(jane["id"], key)]
    assert result["api_calls"] == 1 and result["complete"] is True


async def test_an_unknown_id_is_one_call_and_says_nothing_matched(h: Harness) -> None:
    result = await h.call(FIND, {"query": UNKNOWN})
    assert (result["returned"], result["api_calls"], result["complete"]) == (0, 1, True)
    assert result["how"] == ["id lookup: no such customer"]
    assert result["notice"].startswith("No customer matched.")


@pytest.mark.parametrize(
    ("max_calls", "how"),
    [
        (1, ["id/source_id lookup: no such customer", "stopped before the scan: max_calls=1 reached"]),
        (
            2,  # one page of the scan read: the lines say how far it got and where it stopped, in agreement
            [
                "id/source_id lookup: no such customer",
                f"scanned {PAGE} of {CUSTOMERS} customers (1 page(s)) before max_calls ran out",
                "stopped before page 2 of the scan: max_calls=2 reached",
            ],
        ),
    ],
)
async def test_find_stops_at_max_calls_with_a_partial_answer(h: Harness, max_calls: int, how: list[str]) -> None:
    result = await h.call(FIND, {"query": "Qwxzy", "max_calls": max_calls})
    assert (result["api_calls"], result["complete"]) == (max_calls, False)
    assert f"max_calls={max_calls}" in result["notice"] and "higher max_calls" in result["notice"]
    assert result["how"] == how


async def test_a_partial_scan_keeps_what_the_pages_read_held(h: Harness) -> None:
    """One page of the scan read (the direct lookup, then page 1 of the oldest customers): its matches are shown,
    and the answer says it covered that page only."""
    oldest = everyone(h.store)[:PAGE]
    truth = {c["id"] for c in oldest if "example" in str(c.get("email") or "").casefold()}
    result = await h.call(FIND, {"query": "example", "max_calls": 2, "limit": 50})
    assert result["total"] == len(truth) and found_ids(result) <= truth
    assert result["complete"] is False
    assert f"scanned {PAGE} of {CUSTOMERS} customers (1 page(s)) before max_calls ran out" in result["how"]


async def test_find_results_fit_a_small_budget(server_factory: ServerFactory) -> None:
    async with connect(server_factory, max_result_tokens=400) as small:
        result = await small.call(FIND, {"query": "example", "limit": 50})
    text = json.dumps(result, separators=(",", ":"), ensure_ascii=False)
    assert len(text.encode()) <= 400 * 4
    assert 0 < result["returned"] < result["total"]
    assert f"Showing the best {result['returned']} of {result['total']} matches" in result["notice"]


# -- overview ------------------------------------------------------------------------------------------------


def newest_events(store: SandboxStore, customer_id: str, count: int) -> list[dict[str, Any]]:
    return list(store.list_activity(customer_id, ActivityQuery(limit=count))["data"])


def holdings(store: SandboxStore, customer_id: str) -> list[dict[str, Any]]:
    return list(store.list_redeemables(customer_id, RedeemableQuery(limit=100))["data"])


def status_rank(status: Any) -> int:
    return {"ACTIVE": 0, "NOT_ACTIVE_YET": 1}.get(status, 2)


@pytest.mark.parametrize("key", ["source_id", "id"])
async def test_overview_of_jane(h: Harness, key: str) -> None:
    jane = h.store.get_customer(JANE)
    result = await h.call(OVERVIEW, {"customer_id": jane[key]})
    assert result["api_calls"] == 4
    assert sorted(request.path.rsplit("/", 1)[-1] for request in h.requests) == sorted(
        [jane[key], "segments", "redeemables", "activity"]
    )
    person = result["customer"]
    assert {k: person.get(k) for k in ("id", "source_id", "name", "email", "phone", "birthdate")} == {
        k: jane.get(k) for k in ("id", "source_id", "name", "email", "phone", "birthdate")
    }
    assert person["address"] == jane["address"] and person["metadata"] == jane["metadata"]
    # Loyalty and the summaries as the record holds them.
    assert result["loyalty"]["points"] == jane["loyalty"]["points"] > 0
    assert result["loyalty"]["campaigns"] == jane["loyalty"]["campaigns"]
    assert result["orders"] == jane["summary"]["orders"]
    assert result["redemptions"]["total"] == jane["summary"]["redemptions"]["total_redeemed"]
    # Segments, redeemables and activity as the store has them.
    segments = h.store.list_segments(jane["id"])["data"]
    assert result["segments"] == [{"id": s["id"], "name": s["name"]} for s in segments] and segments
    held = holdings(h.store, jane["id"])
    top = result["redeemables"]["top"]
    assert result["redeemables"]["total"] == len(held) and 0 < len(top) <= 5
    by_code = {item["redeemable"]["voucher"]["code"]: item for item in held}
    for row in top:
        stored = by_code[row["code"]]
        voucher = stored["redeemable"]["voucher"]
        assert row["status"] == stored["redeemable"]["status"]
        assert row.get("expires") == voucher.get("expiration_date")
        assert row.get("points_balance") == (voucher.get("loyalty_card") or {}).get("balance")
        assert row.get("gift_balance_cents") == (voucher.get("gift") or {}).get("balance")
    ranks = [status_rank(row["status"]) for row in top]
    assert ranks == sorted(ranks)  # usable ones first
    newest = newest_events(h.store, jane["id"], 5)
    assert [(e["type"], e["created_at"]) for e in result["activity"]] == [(e["type"], e["created_at"]) for e in newest]
    assert result["more"]["activity"] == f"voucherify_list_customer_activity customer_id={jane['id']}"


async def test_overview_by_a_unique_email(h: Harness) -> None:
    customers = everyone(h.store)
    emails = [c.get("email") for c in customers]
    unique = next(c for c in customers if c.get("email") and emails.count(c["email"]) == 1 and c.get("loyalty"))
    result = await h.call(OVERVIEW, {"email": unique["email"]})
    assert result["customer"]["id"] == unique["id"] and result["api_calls"] == 4
    assert h.requests[0].path == "/v1/customers"  # the list's email filter, not a second read of the customer


async def test_overview_by_a_shared_email_names_the_customers_and_asks_for_one(h: Harness) -> None:
    truth = sorted(c["id"] for c in everyone(h.store) if c.get("email") == JANE_EMAIL)
    message = await h.fail(OVERVIEW, {"email": JANE_EMAIL})
    assert f"email: {len(truth)} customers have this email" in message and "customer_id" in message
    assert all(customer_id in message for customer_id in truth)
    assert len(h.requests) == 1


async def test_overview_of_an_unknown_customer_is_an_error(h: Harness) -> None:
    message = await h.fail(OVERVIEW, {"customer_id": UNKNOWN})
    assert "Not found" in message and len(h.requests) == 1
    message = await h.fail(OVERVIEW, {"email": "nobody@nowhere.example"})
    assert "voucherify_find_customers" in message and len(h.requests) == 1


@pytest.mark.parametrize("arguments", [{}, {"customer_id": JANE, "email": JANE_EMAIL}])
async def test_overview_wants_exactly_one_key(h: Harness, arguments: dict[str, Any]) -> None:
    message = await h.fail(OVERVIEW, arguments)
    assert "exactly one of customer_id or email" in message and h.requests == []


async def test_a_part_that_fails_leaves_the_rest_of_the_overview(h: Harness) -> None:
    jane = h.store.get_customer(JANE)
    h.refuse = re.compile(r"/activity$")
    result = await h.call(OVERVIEW, {"customer_id": JANE})
    assert "activity" not in result and result["notice"].startswith("Not available: activity:")
    assert result["loyalty"]["points"] == jane["loyalty"]["points"] and result["segments"]
    assert result["api_calls"] == 4  # the refused call was made, and counted


async def test_the_overview_fits_a_small_budget(server_factory: ServerFactory) -> None:
    async with connect(server_factory, max_result_tokens=300) as small:
        result = await small.call(OVERVIEW, {"customer_id": JANE})
    assert len(json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode()) <= 300 * 4
    assert result["customer"]["id"] and "notice" in result


# -- count ---------------------------------------------------------------------------------------------------


async def test_count_everyone_is_one_call(h: Harness) -> None:
    result = await h.call(COUNT, {})
    assert (result["total"], result["api_calls"]) == (h.store.count_customers(), 1)
    assert h.requests[0].query.startswith("limit=1")


async def test_count_in_a_city(h: Harness) -> None:
    city = h.store.get_customer(JANE)["address"]["city"]
    truth = sum((c.get("address") or {}).get("city") == city for c in everyone(h.store))
    result = await h.call(COUNT, {"city": city})
    assert result["total"] == truth > 1
    assert result["how"][0].startswith("city: exact, case-sensitive")


async def test_count_of_a_segment(h: Harness) -> None:
    segment = h.store.list_segments(JANE)["data"][0]
    truth = sum(
        any(s["id"] == segment["id"] for s in h.store.list_segments(c["id"])["data"]) for c in everyone(h.store)
    )
    result = await h.call(COUNT, {"segment_id": segment["id"]})
    assert result["total"] == truth > 1


async def test_count_created_in_a_date_range(h: Harness) -> None:
    customers = everyone(h.store)
    start, end = customers[len(customers) // 4]["created_at"], customers[3 * len(customers) // 4]["created_at"]
    truth = sum(start < c["created_at"] < end for c in customers)
    result = await h.call(COUNT, {"created_after": start, "created_before": end})
    assert result["total"] == truth > 0
    assert "created_at%5Bafter%5D=" in h.requests[0].query and "created_at%5Bbefore%5D=" in h.requests[0].query


async def test_count_refuses_a_bad_date_by_name(h: Harness) -> None:
    message = await h.fail(COUNT, {"created_after": "last tuesday"})
    assert "created_after" in message and "last tuesday" not in message and h.requests == []


# -- past the API's last page --------------------------------------------------------------------------------


class ManyCustomers:
    """A fake API of ``count`` customers, one a second, each with a phone starting +1 555, for the walk past page
    99 (10,000 customers do not belong in a sandbox test): ``customers_page`` as the real list answers it."""

    def __init__(self, count: int) -> None:
        self.customers = [
            {
                "id": f"cust_{n:06d}",
                "name": f"Person {n}",
                "phone": f"+1 555 {n:06d}",
                "created_at": f"2020-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
            }
            for n in range(count)
        ]
        self.calls: list[dict[str, Any]] = []

    async def customers_page(
        self, limit: int, *, page: int | None = None, order: str | None = None, starting_after: str | None = None
    ) -> Page[dict[str, Any]]:
        self.calls.append({"page": page, "starting_after": starting_after})
        assert order == "created_at" and (page is None or 1 <= page <= 99)
        rows = [c for c in self.customers if starting_after is None or c["created_at"] > starting_after]
        start = (page - 1) * limit if page else 0
        chunk = rows[start : start + limit]
        return Page(items=chunk, more=start + limit < len(rows), total=len(self.customers))


async def test_the_scan_goes_past_page_99_by_the_created_at_cursor() -> None:
    api = ManyCustomers(99 * PAGE + 50)  # 99 pages by number, the last by the cursor: 100 calls
    ctx = ToolContext(client=lambda: api, max_tokens=4000, backend="api")
    # A phone written with separators is no source_id: no direct lookup, every call a page.
    result = await find_customers(FindCustomersInput(query="+1 555", max_calls=100, limit=1), ctx)
    assert result["total"] == len(api.customers) and result["complete"] is True  # every one read once
    assert [call["page"] for call in api.calls] == [*range(1, 100), None]
    assert api.calls[-1]["starting_after"] == api.customers[99 * PAGE - 1]["created_at"]
    assert (
        result["how"][-1] == f"scanned all {len(api.customers)} customers (100 page(s)): {len(api.customers)} match(es)"
    )
