"""Six ordinary support questions about Voucherify customers, answered through the MCP protocol.

Each question is answered with the tool calls a model would make, written out below as the call sequence per
question, through the SDK's in-memory ``Client``. Every answer is checked against ground truth read from the sandbox
store directly (``store.get_customer``, ``list_activity``, ``list_segments``, ``list_redeemables``), never from the
tools' own matching or ranking code; the values a question is about (a phone's last digits, the failed code) are
read from the store too, not written here. Each question's tool calls and result bytes (the UTF-8 length of each
result's text content) are counted: a lookup may take 2 calls, the coupon question 3, the six together
``TOTAL_CALLS``; the result bytes together stay within ``TOTAL_BYTES``. ``pytest -s`` prints the table.

The store's clock is fixed at the tests' "now": a coupon's status (EXPIRED) depends on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from mcp.client import Client

from tests.support.mcp import Cost, charged_call, rows
from tests.voucherify.conftest import VOUCHERIFY_NOW
from tests.voucherify.mcp.conftest import ServerFactory
from uc_mcp.server import runtime_of
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.sandbox.queries import ActivityQuery, CustomerQuery, RedeemableQuery
from uc_mcp.voucherify.sandbox.store import SandboxStore

pytestmark = pytest.mark.anyio

# Story people of the demo data (uc_mcp/voucherify/sandbox/demo_data.py), by source_id: the questions name them.
JANE, JOHN, JON, ZOE, LUKAS = "uc-100001", "uc-100003", "uc-100004", "uc-100005", "shop-lukas-becker"
FAILED = "customer.redemption.failed"

LOOKUP_CALLS = 2  # find the customer, then the answer
COUPON_CALLS = 3  # find, the failed redemptions, what the customer holds
TOTAL_CALLS = 10
# Measured: 7,744 bytes (the two overviews are 5,173 of them). About 30% headroom.
TOTAL_BYTES = 10_000


@dataclass(slots=True)
class Desk:
    client: Client
    store: SandboxStore
    costs: list[Cost] = field(default_factory=list)

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """One tool call that must succeed; its result bytes are charged to the current question."""
        return await charged_call(self.client, self.costs[-1], tool, arguments)


@pytest.fixture
async def desk(server_factory: ServerFactory) -> AsyncIterator[Desk]:
    server = server_factory()
    runtime_of(server).client()  # open the sandbox now, to fix its clock before the first call
    store: SandboxStore = runtime_of(server).sandbox.store
    store.clock = FixedClock(VOUCHERIFY_NOW)
    async with Client(server) as client:
        yield Desk(client, store)


# -- ground truth, read from the store ----------------------------------------------------------------------------


def everyone(store: SandboxStore) -> list[dict[str, Any]]:
    customers: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = store.list_customers(CustomerQuery(limit=100, page=page))
        customers += answer["customers"]
        if not answer["has_more"]:
            return customers
        page += 1


def digits(text: Any) -> str:
    return "".join(ch for ch in text if ch.isdigit()) if isinstance(text, str) else ""


def best_match(result: Mapping[str, Any], *reasons: str) -> str:
    """The customer a model picks from a find: the best match, which must be of one of these kinds."""
    best = rows(result)[0]
    assert best["matched"] in reasons, rows(result)
    return str(best["id"])


def held(store: SandboxStore, customer_id: str) -> dict[str, dict[str, Any]]:
    """What the customer holds, by code."""
    items = store.list_redeemables(customer_id, RedeemableQuery(limit=100))["data"]
    return {item["redeemable"]["voucher"]["code"]: item for item in items}


# -- the questions, each as the calls a model makes -----------------------------------------------------------


async def q1_loyalty_balance(desk: Desk) -> None:
    jane = desk.store.get_customer(JANE)
    found = await desk.call("voucherify_find_customers", {"query": "jane doe"})
    customer_id = best_match(found, "name (exact)")
    assert customer_id == jane["id"]
    overview = await desk.call("voucherify_customer_overview", {"customer_id": customer_id})
    assert overview["loyalty"]["points"] == jane["loyalty"]["points"] > 0
    cards = {row["code"]: row for row in overview["redeemables"]["top"] if row["voucher_type"] == "LOYALTY_CARD"}
    truth = {
        code: item["redeemable"]["voucher"]["loyalty_card"]["balance"]
        for code, item in held(desk.store, jane["id"]).items()
        if item["voucher_type"] == "LOYALTY_CARD"
    }
    assert {code: row["points_balance"] for code, row in cards.items()} == truth and truth
    assert sum(truth.values()) == overview["loyalty"]["points"]


async def q2_why_the_coupon_failed(desk: Desk) -> None:
    jon = desk.store.get_customer(JON)
    failures = desk.store.list_activity(jon["id"], ActivityQuery(limit=10, type=FAILED))["data"]
    (failure,) = failures
    truth = failure["data"]["data"]
    code = truth["voucher"]["code"]
    found = await desk.call("voucherify_find_customers", {"query": "Jon Smith", "limit": 3})
    customer_id = best_match(found, "name (exact)")
    assert customer_id == jon["id"]
    events = await desk.call(
        "voucherify_list_customer_activity",
        {
            "customer_id": customer_id,
            "type": FAILED,
            "limit": 5,
            "fields": ["type", "created_at", "data.data.voucher.code", "data.data.redemption"],
        },
    )
    (event,) = events["items"]
    assert event["data"]["data"]["voucher"]["code"] == code
    redemption = event["data"]["data"]["redemption"]
    assert (redemption["failure_code"], redemption["failure_message"]) == (
        truth["redemption"]["failure_code"],
        truth["redemption"]["failure_message"],
    )
    holdings = await desk.call(
        "voucherify_list_customer_redeemables", {"customer_id": customer_id, "voucher_type": ["DISCOUNT_VOUCHER"]}
    )
    row = next(row for row in rows(holdings) if row["code"] == code)
    stored = held(desk.store, jon["id"])[code]
    assert row["status"] == stored["redeemable"]["status"] == "EXPIRED"
    # The reason, from the data: it had expired before the redemption was tried.
    assert row["expires"] == stored["redeemable"]["voucher"]["expiration_date"] < event["created_at"]


async def q3_which_segments(desk: Desk) -> None:
    lukas = desk.store.get_customer(LUKAS)
    found = await desk.call("voucherify_find_customers", {"query": "lukas"})
    customer_id = best_match(found, "name word (exact)")
    assert customer_id == lukas["id"]
    segments = await desk.call("voucherify_list_customer_segments", {"customer_id": customer_id})
    truth = [(s["id"], s["name"]) for s in desk.store.list_segments(lukas["id"])["data"]]
    assert [tuple(row) for row in segments["items"]] == truth and truth


async def q4_recent_activity(desk: Desk) -> None:
    zoe = desk.store.get_customer(ZOE)
    overview = await desk.call("voucherify_customer_overview", {"email": zoe["email"]})
    assert overview["customer"]["id"] == zoe["id"]
    newest = desk.store.list_activity(zoe["id"], ActivityQuery(limit=5))["data"]
    assert [(e["type"], e["created_at"]) for e in overview["activity"]] == [
        (e["type"], e["created_at"]) for e in newest
    ]


async def q5_find_by_phone(desk: Desk) -> None:
    ending = digits(desk.store.get_customer(JOHN)["phone"])[-4:]
    truth = {c["id"] for c in everyone(desk.store) if digits(c.get("phone")).endswith(ending)}
    found = await desk.call("voucherify_find_customers", {"query": ending})
    assert {row["id"] for row in rows(found)} == truth and found["complete"] is True
    assert desk.store.get_customer(JOHN)["id"] in truth


async def q6_customers_in_a_city(desk: Desk) -> None:
    city = desk.store.get_customer(JANE)["address"]["city"]
    truth = sum((c.get("address") or {}).get("city") == city for c in everyone(desk.store))
    count = await desk.call("voucherify_count_customers", {"city": city})
    assert count["total"] == truth > 1


Question = tuple[str, int, Callable[[Desk], Awaitable[None]]]
QUESTIONS: tuple[Question, ...] = (
    ("What is Jane Doe's loyalty balance?", LOOKUP_CALLS, q1_loyalty_balance),
    ("Why did Jon Smith's coupon not apply?", COUPON_CALLS, q2_why_the_coupon_failed),
    ("Which segments is Lukas in?", LOOKUP_CALLS, q3_which_segments),
    ("What has zoe.bronte@example.co.uk done lately?", LOOKUP_CALLS, q4_recent_activity),
    ("Who has the phone number ending in John's last four digits?", LOOKUP_CALLS, q5_find_by_phone),
    ("How many customers live in Jane's city?", LOOKUP_CALLS, q6_customers_in_a_city),
)


def table(costs: list[Cost]) -> str:
    width = max(len(cost.question) for cost in costs)
    lines = ["Voucherify support desk", f" #  {'question':<{width}}  calls  bytes"]
    lines += [
        f"{number:>2}  {cost.question:<{width}}  {cost.calls:>5}  {cost.bytes:>5}"
        for number, cost in enumerate(costs, 1)
    ]
    lines.append(f"    {'total':<{width}}  {sum(c.calls for c in costs):>5}  {sum(c.bytes for c in costs):>5}")
    return "\n".join(lines)


async def test_six_ordinary_support_questions(desk: Desk) -> None:
    try:
        for question, budget, answer in QUESTIONS:
            desk.costs.append(Cost(question, budget))
            await answer(desk)
    finally:  # the table so far also when a question fails
        print("\n" + table(desk.costs))

    over = [(cost.question, cost.calls, cost.budget) for cost in desk.costs if cost.calls > cost.budget]
    assert not over, over
    assert sum(cost.calls for cost in desk.costs) <= TOTAL_CALLS
    assert sum(cost.bytes for cost in desk.costs) <= TOTAL_BYTES
