"""Five ordinary support questions about TWC customers, answered through the MCP protocol.

Each question is answered with the tool calls a model would make, written out below as the call sequence per
question, through the SDK's in-memory ``Client`` (whose host says yes when asked to confirm). Every answer is
checked against ground truth read from the sandbox store directly (``store.get``), never from the tools' own
matching or ranking code; the values a question is about (a mobile number, a customerRef, which address is old)
are read from the store too. Each question's tool calls and result bytes (the UTF-8 length of each result's text
content) are counted: a question may take ``LOOKUP_CALLS``, the five together ``TOTAL_CALLS``; the result bytes
together stay within ``TOTAL_BYTES``. ``pytest -s`` prints the table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from mcp.client import Client
from mcp_types import ElicitResult

from tests.support.mcp import Cost, charged_call, rows
from tests.twc.mcp.conftest import TENANT, ServerFactory
from uc_mcp.server import runtime_of
from uc_mcp.twc.sandbox.errors import ApiError
from uc_mcp.twc.sandbox.store import SandboxStore

pytestmark = pytest.mark.anyio

# Story people of the demo data (uc_mcp/twc/sandbox/demo_data.py), by customerRef: the questions name them.
JANE, JOHN, JOSE, CHLOE = "100001", "100003", "ALVAREZ.MX/06", "AU-300021"

LOOKUP_CALLS = 2  # find the customer (or read it), then the answer or the action
TOTAL_CALLS = 8
# Measured: 6,157 bytes (the two overviews of Jane are 3,292 of them). About 30% headroom.
TOTAL_BYTES = 8_000


@dataclass(slots=True)
class Desk:
    client: Client
    store: SandboxStore
    asked: list[str] = field(default_factory=list)  # what the person was asked to confirm
    costs: list[Cost] = field(default_factory=list)

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """One tool call that must succeed; its result bytes are charged to the current question."""
        return await charged_call(self.client, self.costs[-1], tool, arguments)

    def customer(self, ref: str) -> dict[str, Any]:
        found: dict[str, Any] = self.store.get(TENANT, "customerRef", ref)
        return found


@pytest.fixture
async def desk(server_factory: ServerFactory) -> AsyncIterator[Desk]:
    server = server_factory()
    runtime_of(server).client()  # open the sandbox now, to read its store
    asked: list[str] = []

    async def yes(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(server, elicitation_callback=yes) as client:
        yield Desk(client, runtime_of(server).sandbox.store, asked)


# -- the questions, each as the calls a model makes -----------------------------------------------------------


async def q1_opted_in_to_sms(desk: Desk) -> None:
    john = desk.customer(JOHN)
    overview = await desk.call("twc_customer_overview", {"match_by": "email", "customer": john["email"]})
    assert overview["customer"]["id"] == john["id"]
    sms = john["optin_preferences"]["sms"]
    assert overview["consent"]["sms"]["opted_in"] is sms["opt_in_active"] is True
    assert overview["consent"]["sms"]["since"] == sms["opted_in_at"]
    assert overview["consent"]["email"]["opted_in"] is False  # opted out of email: the answer tells them apart


async def q2_find_by_mobile(desk: Desk) -> None:
    chloe = desk.customer(CHLOE)
    found = await desk.call("twc_find_customers", {"phone": chloe["mobile"]})
    (row,) = rows(found)
    assert (row["id"], row["name"], row["matched"]) == (chloe["id"], "Chloé Nguyen", "mobile (exact)")


async def q3_default_address(desk: Desk) -> None:
    jane = desk.customer(JANE)
    found = await desk.call("twc_find_customers", {"name": "Jane Doe"})
    (row,) = rows(found)
    assert row["id"] == jane["id"]
    overview = await desk.call("twc_customer_overview", {"customer": row["id"]})
    default = overview["addresses"]["default"]
    assert default["id"] == jane["defaultAddress"]["id"]
    assert (default["address1"], default["city"], default["postcode"]) == (
        jane["defaultAddress"]["address1"],
        jane["defaultAddress"]["city"],
        jane["defaultAddress"]["postcode"],
    )


async def q4_delete_an_old_address(desk: Desk) -> None:
    """Jane's old address is the one that is not her default: the model reads her addresses, then deletes it
    (the host asks the person, who says yes)."""
    jane = desk.customer(JANE)
    (old,) = [address for address in jane["addresses"] if not address["defaultAddress"]]
    overview = await desk.call("twc_customer_overview", {"match_by": "customerRef", "customer": JANE})
    (shown,) = overview["addresses"]["others"]
    assert shown["id"] == old["id"]
    done = await desk.call(
        "twc_delete_customer_address", {"match_by": "customerRef", "customer": JANE, "address_id": shown["id"]}
    )
    assert done["status"] == "executed" and done["deleted_address_id"] == old["id"]
    assert old["id"] in desk.asked[-1] and jane["id"] in desk.asked[-1]
    after = desk.customer(JANE)
    assert [address["id"] for address in after["addresses"]] == [jane["defaultAddress"]["id"]]


async def q5_find_by_customer_ref(desk: Desk) -> None:
    jose = desk.customer(JOSE)
    found = await desk.call("twc_find_customers", {"customerRef": JOSE})
    (row,) = rows(found)
    assert (row["id"], row["customerRef"], row["email"]) == (jose["id"], JOSE, jose["email"])
    with pytest.raises(ApiError):  # a ref is the tenant's own: the other demo tenant has no such customer
        desk.store.get("demo-homewares", "customerRef", JOSE)


Question = tuple[str, int, Callable[[Desk], Awaitable[None]]]
QUESTIONS: tuple[Question, ...] = (
    ("Is john.smith@example.com opted in to SMS?", 1, q1_opted_in_to_sms),
    ("Who has Chloé's mobile number?", 1, q2_find_by_mobile),
    ("What is Jane Doe's default address?", LOOKUP_CALLS, q3_default_address),
    ("Delete Jane's old address", LOOKUP_CALLS, q4_delete_an_old_address),
    ("Who is customer ALVAREZ.MX/06?", 1, q5_find_by_customer_ref),
)


def table(costs: list[Cost]) -> str:
    width = max(len(cost.question) for cost in costs)
    lines = ["TWC support desk", f" #  {'question':<{width}}  calls  bytes"]
    lines += [
        f"{number:>2}  {cost.question:<{width}}  {cost.calls:>5}  {cost.bytes:>5}"
        for number, cost in enumerate(costs, 1)
    ]
    lines.append(f"    {'total':<{width}}  {sum(c.calls for c in costs):>5}  {sum(c.bytes for c in costs):>5}")
    return "\n".join(lines)


async def test_five_ordinary_support_questions(desk: Desk) -> None:
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
    assert len(desk.asked) == 1  # the one action asked the person; nothing else did
