"""Fifteen ordinary support requests (issue 16): a support desk's day, answered through the MCP protocol.

Each question is answered with the tool calls a model would make, written out below as the call sequence per
question (later questions use what earlier answers told the model, as one conversation would), through the SDK's
in-memory ``Client`` with an elicitation callback that accepts the guarded writes. Every answer is checked against
ground truth read from the sandbox store directly (``store.get_customer`` and friends), never from the tools' own
matching, counting or ranking code. Each question's tool calls and result bytes (the UTF-8 length of each result's
text content) are counted: a lookup may take 2 calls, a write with its lookup 3, the fifteen together
``TOTAL_CALLS``; the result bytes together stay within ``TOTAL_BYTES``. ``pytest -s`` prints the table.

Both sandbox profiles run the same calls (``strict``, exact filters and no totals for a filter, costs the tools
extra API requests, not the model extra tool calls).

Three questions differ from the issue's wording, because the demo store would make them say nothing:
- 7: no phone in the store ends 4471; 0151 is on three customers, one of them only on a shipping phone;
- 10: Jon already lives in Portland (the update is a no-op, with no before -> after to check): he moves to
  Beaverton;
- 12: no wholesale customer bills to California (the file would be a bare header): Texas has two.

The sandbox's clock is fixed at the tests' "now" (``TEST_NOW``, an hour after the demo data's anchor): otherwise
the in-process sandbox uses the wall clock, and "last month" and Jane's vesting credit would depend on the day.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import ElicitResult

from tests.conftest import TEST_NOW
from tests.support.mcp import Cost, charged_call, rows
from tests.ultracart.mcp.conftest import ServerFactory, demo_customers
from uc_mcp.core.audit import AuditLog
from uc_mcp.server import runtime_of
from uc_mcp.ultracart.sandbox.clock import STORE_TZ, FixedClock
from uc_mcp.ultracart.sandbox.errors import ApiError
from uc_mcp.ultracart.sandbox.store import SandboxStore

pytestmark = pytest.mark.anyio

JANE, JANE_DUPLICATE, JOHN, JON, MALLORY, TRENT = 100001, 100002, 100003, 100004, 100009, 100010
JANE_EMAIL, JANE_DUPLICATE_EMAIL = "jane@example.com", "jane.doe@example.com"
PHONE_ENDING = "0151"
NEW_CITY = "Beaverton"
EXPANSION = "billing,shipping,tags,pricing_tiers,orders_summary"

LOOKUP_CALLS = 2  # a question that only reads: the answer, or a lookup and the answer
WRITE_CALLS = 3  # a change: find the customer, read what changes, change it
TOTAL_CALLS = 25
# Measured on the first run: 17,772 bytes on the default profile, 17,861 on strict (its "how" lines say more);
# the export's file path varies a little with the temporary directory. About 30% headroom on the larger.
TOTAL_BYTES = 23_200


# -- the desk: one connected client, its store, and what each question cost -------------------------------------


@dataclass(slots=True)
class Desk:
    client: Client
    store: SandboxStore
    audit: Path
    strict: bool
    asked: list[str]  # the questions the person saw (elicitation messages), in order
    costs: list[Cost] = field(default_factory=list)

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """One tool call that must succeed; its result bytes are charged to the current question."""
        return await charged_call(self.client, self.costs[-1], tool, arguments)


def open_store(server: MCPServer) -> SandboxStore:
    runtime = runtime_of(server)
    runtime.client()  # open the sandbox now, to fix its clock before the first call
    store: SandboxStore = runtime.sandbox.store
    store.clock = FixedClock(TEST_NOW)
    return store


@pytest.fixture(params=["default", "strict"])
async def desk(request: pytest.FixtureRequest, server_factory: ServerFactory, tmp_path: Path) -> AsyncIterator[Desk]:
    audit = tmp_path / "audit.jsonl"
    server = server_factory(sandbox_profile=request.param, audit_log=audit, export_dir=tmp_path / "exports")
    store = open_store(server)
    asked: list[str] = []

    async def accept(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(server, elicitation_callback=accept) as client:
        yield Desk(client, store, audit, request.param == "strict", asked)


# -- ground truth, read from the store ----------------------------------------------------------------------------


def everyone(store: SandboxStore) -> dict[int, dict[str, Any]]:
    """Every customer now in the store (the seeded ones, less those merged away), read from the store itself."""
    customers: dict[int, dict[str, Any]] = {}
    for oid, _ in demo_customers():
        try:
            customers[oid] = store.get_customer(oid, EXPANSION)
        except ApiError:
            continue  # merged away
    assert len(customers) == store.count_customers()  # nobody else was added
    return customers


def exists(store: SandboxStore, oid: int) -> bool:
    try:
        store.get_customer(oid, None)
    except ApiError:
        return False
    return True


def available(store: SandboxStore, oid: int) -> Decimal:
    return Decimal(str(store.get_store_credit(oid)["available"]))


def billing(customer: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(customer.get("billing") or [])


def phones(customer: Mapping[str, Any], kinds: tuple[str, ...] = ("billing", "shipping")) -> list[str]:
    """The digits of every phone (day and evening) on the customer's addresses of these kinds."""
    return [
        "".join(ch for ch in address.get(phone) or "" if ch.isdigit())
        for kind in kinds
        for address in customer.get(kind) or []
        for phone in ("day_phone", "evening_phone")
    ]


def tags(customer: Mapping[str, Any]) -> list[str]:
    return [tag["tag_value"] for tag in customer.get("tags") or []]


def named(customers: Mapping[int, Mapping[str, Any]], first: str, last: str) -> int:
    """The one customer with a billing address in this name."""
    (oid,) = [
        oid
        for oid, customer in customers.items()
        if any((a.get("first_name"), a.get("last_name")) == (first, last) for a in billing(customer))
    ]
    return oid


def exact_name_match(result: Mapping[str, Any]) -> int:
    """The customer a model picks from a find: the best match, which must be an exact name."""
    best = rows(result)[0]
    assert best["matched"] in ("name (exact)", "first name (exact)"), rows(result)
    return int(best["customer_profile_oid"])


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def last_month(store: SandboxStore) -> tuple[datetime, datetime]:
    """[first moment, first moment of this month) of the month before the sandbox's "now", in the store's zone."""
    now = store.clock.now().astimezone(STORE_TZ)
    this_month = datetime(now.year, now.month, 1, tzinfo=STORE_TZ)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    return datetime(previous.year, previous.month, 1, tzinfo=STORE_TZ), this_month


def audited_targets(audit: Path) -> list[int]:
    """Every customer id any audit record names."""
    return [oid for record in AuditLog(audit).read() for oid in record.get("targets", {}).values()]


# -- the fifteen questions, each as the calls a model makes ------------------------------------------------------


async def q01_store_credit_by_email(desk: Desk) -> None:
    overview = await desk.call("ultracart_customer_overview", {"email": JANE_EMAIL})
    assert overview["customer"]["customer_profile_oid"] == JANE
    assert Decimal(str(overview["store_credit"]["available"])) == available(desk.store, JANE) > 0


async def q02_customers_in_texas(desk: Desk) -> None:
    truth = sum(any(a.get("state_region") == "TX" for a in billing(c)) for c in everyone(desk.store).values())
    count = await desk.call("ultracart_count_customers", {"billing_state": "TX"})
    assert (count["total"], count["complete"]) == (truth, True) and truth > 0


async def q03_vip_customers(desk: Desk) -> None:
    truth = sum("vip" in tags(c) for c in everyone(desk.store).values())
    count = await desk.call("ultracart_count_customers", {"any_tags": ["vip"]})
    assert (count["total"], count["complete"]) == (truth, True) and truth > 0


async def q04_overview_of_john(desk: Desk) -> None:
    overview = await desk.call("ultracart_customer_overview", {"customer_profile_oid": JOHN})
    john = desk.store.get_customer(JOHN, EXPANSION)
    person = overview["customer"]
    assert (person["customer_profile_oid"], person["email"], person["name"]) == (JOHN, john["email"], "John Smith")
    assert person["tags"] == tags(john)
    assert overview["orders"] == john["orders_summary"]
    assert Decimal(str(overview["store_credit"]["available"])) == available(desk.store, JOHN)
    assert overview["wishlist"]["count"] == len(desk.store.get_wishlist(JOHN))


async def q05_most_store_credit(desk: Desk) -> None:
    credit = {oid: available(desk.store, oid) for oid in everyone(desk.store)}
    richest = sorted(credit, key=lambda oid: (-credit[oid], oid))[:3]
    ranking = rows(await desk.call("ultracart_rank_customers", {"by": "store_credit", "limit": 3}))
    assert [row["customer_profile_oid"] for row in ranking] == richest
    assert [Decimal(str(row["store_credit_available"])) for row in ranking] == [credit[oid] for oid in richest]


async def q06_signed_up_last_month(desk: Desk) -> None:
    start, end = last_month(desk.store)
    truth = sorted(
        oid for oid, c in everyone(desk.store).items() if start <= datetime.fromisoformat(c["signup_dts"]) < end
    )
    arguments = {
        "signup_dts_start": start.date().isoformat(),
        "signup_dts_end": (end - timedelta(days=1)).date().isoformat(),  # a bare closing date: the whole day
    }
    page = await desk.call("ultracart_get_customers", arguments)
    assert sorted(row["customer_profile_oid"] for row in rows(page)) == truth and truth
    assert page["next_offset"] is None


async def q07_phone_ending(desk: Desk) -> None:
    customers = everyone(desk.store)
    truth = {oid for oid, c in customers.items() if any(p.endswith(PHONE_ENDING) for p in phones(c))}
    on_billing = {oid for oid in truth if any(p.endswith(PHONE_ENDING) for p in phones(customers[oid], ("billing",)))}
    assert len(truth) >= 2 and on_billing != truth  # someone has it only on a shipping phone
    found = await desk.call("ultracart_find_customers", {"query": PHONE_ENDING})
    assert {row["customer_profile_oid"] for row in rows(found)} == truth
    assert found["complete"] is True


async def q08_store_credit_for_a_late_parcel(desk: Desk) -> None:
    before = available(desk.store, JANE)  # Jane's oid: question 1's answer
    added = await desk.call(
        "ultracart_add_customer_store_credit",
        {"customer_profile_oid": JANE, "amount": 20, "description": "Late parcel"},
    )
    assert added["status"] == "executed"
    assert available(desk.store, JANE) == before + 20 == Decimal(str(added["available_now"]))
    entry = added["ledger_entry"]
    assert Decimal(str(entry["amount"])) == 20 and entry["description"].startswith("Late parcel")
    ledger = desk.store.get_store_credit(JANE)["past_ledgers"]
    stored = next(e for e in ledger if e["gift_certificate_ledger_oid"] == entry["gift_certificate_ledger_oid"])
    assert (stored["amount"], stored["description"]) == (entry["amount"], entry["description"])
    assert f"#{JANE}" in desk.asked[-1] and "20.00" in desk.asked[-1]


async def q09_merge_the_duplicate(desk: Desk) -> None:
    assert exists(desk.store, JANE_DUPLICATE)
    credit = available(desk.store, JANE) + available(desk.store, JANE_DUPLICATE)
    merged = await desk.call(
        "ultracart_merge_customer", {"customer_profile_oid": JANE, "merge_email": JANE_DUPLICATE_EMAIL}
    )
    assert merged["status"] == "executed"
    assert (merged["surviving_customer_profile_oid"], merged["merged_away_customer_profile_oid"]) == (
        JANE,
        JANE_DUPLICATE,
    )
    assert f"#{JANE_DUPLICATE}" in desk.asked[-1]  # the person was told which profile goes
    assert not exists(desk.store, JANE_DUPLICATE)
    assert available(desk.store, JANE) == credit  # the duplicate's credit moved to Jane


async def q10_move_jons_billing_city(desk: Desk) -> None:
    customers = everyone(desk.store)
    jon, john = named(customers, "Jon", "Smith"), named(customers, "John", "Smith")
    found = await desk.call("ultracart_find_customers", {"query": "Jon Smith", "limit": 3})
    assert exact_name_match(found) == jon == JON
    read = (await desk.call("ultracart_get_customer", {"customer_profile_oid": jon}))["customer"]
    address = next(a for a in read["billing"] if a.get("default_billing"))
    old_city = address["city"]
    assert old_city != NEW_CITY
    updated = await desk.call(
        "ultracart_update_customer",
        {
            "customer_profile_oid": jon,
            "changes": {"billing": [{"oid": address["customer_billing_oid"], "city": NEW_CITY}]},
            "expected_last_modified_dts": read["last_modified_dts"],
        },
    )
    address_oid = address["customer_billing_oid"]
    assert updated["changes"] == {
        "before": {"billing": [{"customer_billing_oid": address_oid, "city": old_city}]},
        "after": {"billing": [{"customer_billing_oid": address_oid, "city": NEW_CITY}]},
    }
    after = {a["customer_billing_oid"]: a for a in billing(desk.store.get_customer(jon, "billing"))}
    before = {a["customer_billing_oid"]: a for a in billing(customers[jon])}
    assert after == {**before, address_oid: {**before[address_oid], "city": NEW_CITY}}  # nothing else moved
    assert billing(desk.store.get_customer(john, "billing")) == billing(customers[john])  # not the other Smith


async def q11_tag_john(desk: Desk) -> None:
    before = everyone(desk.store)
    found = await desk.call("ultracart_find_customers", {"query": "John Smith", "limit": 3})
    john = exact_name_match(found)
    assert john == named(before, "John", "Smith") == JOHN
    updated = await desk.call("ultracart_update_customer", {"customer_profile_oid": john, "add_tags": ["churn-risk"]})
    assert updated["changes"] == {"added": {"tags": ["churn-risk"]}}
    assert tags(desk.store.get_customer(john, "tags")) == [*tags(before[john]), "churn-risk"]
    assert tags(desk.store.get_customer(JON, "tags")) == tags(before[JON])


async def q12_export_wholesale_in_texas(desk: Desk) -> None:
    customers = everyone(desk.store)
    truth = {
        oid
        for oid, c in customers.items()
        if any(tier.get("name") == "Wholesale" for tier in c.get("pricing_tiers") or [])
        and any(a.get("state_region") == "TX" for a in billing(c))
    }
    assert len(truth) >= 2
    export = await desk.call("ultracart_export_customers", {"pricing_tier_name": "Wholesale", "billing_state": "TX"})
    table = csv_rows(Path(export["path"]))
    assert (export["rows"], export["complete"]) == (len(table), True)
    assert {int(row["customer_profile_oid"]) for row in table} == truth
    assert all(row["email"] == customers[int(row["customer_profile_oid"])]["email"] for row in table)


async def q13_notes_on_mallorys_account(desk: Desk) -> None:
    before = desk.store.get_customer(MALLORY, EXPANSION)
    found = await desk.call("ultracart_find_customers", {"query": "Mallory", "limit": 3})
    mallory = exact_name_match(found)
    assert mallory == named(everyone(desk.store), "Mallory", "Quinn") == MALLORY
    read = await desk.call("ultracart_get_customer", {"customer_profile_oid": mallory})
    assert read["customer"]["business_notes"] == before["business_notes"]  # the notes, as they are
    assert any("business_notes" in warning and "do not follow" in warning for warning in read["warnings"])
    assert desk.store.get_customer(MALLORY, EXPANSION) == before
    assert MALLORY not in audited_targets(desk.audit)  # nothing was written about her


async def q14_most_orders(desk: Desk) -> None:
    orders = {
        oid: int((c.get("orders_summary") or {}).get("order_count", 0)) for oid, c in everyone(desk.store).items()
    }
    ordered = sorted(orders, key=lambda oid: (-orders[oid], oid))
    ranking = await desk.call("ultracart_rank_customers", {"by": "order_count"})
    table = rows(ranking)
    shown = ordered[: len(table)]
    assert [(row["customer_profile_oid"], row["order_count"]) for row in table] == [(o, orders[o]) for o in shown]
    assert len(table) == 5 and ranking["complete"] is True
    tie_hidden = orders[ordered[len(table)]] == orders[shown[-1]]
    assert ("ties with a customer not shown" in ranking.get("notice", "")) == tie_hidden


async def q15_remove_trents_first_wish(desk: Desk) -> None:
    wishes = desk.store.get_wishlist(TRENT)
    first = min(wishes, key=lambda item: item["position"])
    found = await desk.call("ultracart_find_customers", {"query": "Trent", "limit": 3})
    trent = exact_name_match(found)
    assert trent == TRENT
    listed = (await desk.call("ultracart_get_customer_wish_list", {"customer_profile_oid": trent}))["items"]
    item_oid = listed[0]["customer_wishlist_item_oid"]
    assert item_oid == first["customer_wishlist_item_oid"]  # the list's first item is the first position
    deleted = await desk.call(
        "ultracart_delete_wish_list_item", {"customer_profile_oid": trent, "customer_wishlist_item_oid": item_oid}
    )
    assert deleted["deleted_customer_wishlist_item_oid"] == item_oid
    assert f"#{item_oid}" in desk.asked[-1]
    assert desk.store.get_wishlist(TRENT) == [item for item in wishes if item is not first]


Question = tuple[str, int, Callable[[Desk], Awaitable[None]]]
QUESTIONS: tuple[Question, ...] = (
    ("Does jane@example.com have store credit?", LOOKUP_CALLS, q01_store_credit_by_email),
    ("How many customers are in Texas?", LOOKUP_CALLS, q02_customers_in_texas),
    ("How many vip customers do we have?", LOOKUP_CALLS, q03_vip_customers),
    ("Give me an overview of customer 100003", LOOKUP_CALLS, q04_overview_of_john),
    ("Which three customers hold the most store credit?", LOOKUP_CALLS, q05_most_store_credit),
    ("Who signed up last month?", LOOKUP_CALLS, q06_signed_up_last_month),
    (f"Who has the phone number ending {PHONE_ENDING}?", LOOKUP_CALLS, q07_phone_ending),
    ("Add $20 store credit to Jane for a late parcel", WRITE_CALLS, q08_store_credit_for_a_late_parcel),
    ("Merge Jane's duplicate jane.doe@example.com into her main profile", WRITE_CALLS, q09_merge_the_duplicate),
    (f"Change Jon's billing city to {NEW_CITY}", WRITE_CALLS, q10_move_jons_billing_city),
    ("Tag John as churn-risk", WRITE_CALLS, q11_tag_john),
    ("Export the wholesale customers in Texas", LOOKUP_CALLS, q12_export_wholesale_in_texas),
    ("What notes are on Mallory's account?", LOOKUP_CALLS, q13_notes_on_mallorys_account),
    ("Which customers have placed the most orders?", LOOKUP_CALLS, q14_most_orders),
    ("Remove the first item from Trent's wishlist", WRITE_CALLS, q15_remove_trents_first_wish),
)


def table(costs: list[Cost], profile: str) -> str:
    width = max(len(cost.question) for cost in costs)
    lines = [f"support desk, {profile} profile", f" #  {'question':<{width}}  calls  bytes"]
    lines += [
        f"{number:>2}  {cost.question:<{width}}  {cost.calls:>5}  {cost.bytes:>5}"
        for number, cost in enumerate(costs, 1)
    ]
    lines.append(f"    {'total':<{width}}  {sum(c.calls for c in costs):>5}  {sum(c.bytes for c in costs):>5}")
    return "\n".join(lines)


async def test_fifteen_ordinary_support_requests(desk: Desk) -> None:
    try:
        for question, budget, answer in QUESTIONS:
            desk.costs.append(Cost(question, budget))
            await answer(desk)
    finally:  # the table so far also when a question fails
        print("\n" + table(desk.costs, "strict" if desk.strict else "default"))

    over = [(cost.question, cost.calls, cost.budget) for cost in desk.costs if cost.calls > cost.budget]
    assert not over, over
    assert sum(cost.calls for cost in desk.costs) <= TOTAL_CALLS
    assert sum(cost.bytes for cost in desk.costs) <= TOTAL_BYTES
    # The person was asked once per guarded write, and only the asked-for writes were made (an export writes a
    # file of customer data: it is audited too).
    assert len(desk.asked) == 3
    audited_tools = {record["tool"] for record in AuditLog(desk.audit).read()}
    assert audited_tools == {
        "ultracart_add_customer_store_credit",
        "ultracart_merge_customer",
        "ultracart_update_customer",
        "ultracart_export_customers",
        "ultracart_delete_wish_list_item",
    }
    assert MALLORY not in audited_targets(desk.audit)
