"""Every write says what it changed (``changes``, core/changes.py), and every guarded preview what will
move or disappear — checked against the sandbox store itself, through the MCP protocol.

- ground truth: the store read directly before and after each call (``runtime_of(server).sandbox.store``),
  never through the API client or a tool; the expected ``changes`` are derived from those two reads by
  this file's own comparison, so a field the tool forgot and a field it reported without a change both fail;
- cost: every request that reaches the sandbox is recorded (as in test_assist_tools.py); saying what
  changed costs a write at most one API call more than the write itself, and never a second write.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from inline_snapshot import snapshot
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, TextContent
from starlette.types import ASGIApp, Scope

from uc_mcp.core.budget import prune
from uc_mcp.server import runtime_of
from uc_mcp.ultracart.sandbox.documents import EXPANSIONS
from uc_mcp.ultracart.sandbox.runtime import Sandbox
from uc_mcp.ultracart.sandbox.store import ApiError, SandboxStore

pytestmark = pytest.mark.anyio

TOOLSETS = ["customers", "wishlist", "email_lists", "store_credit", "admin"]
ALL = ",".join(EXPANSIONS)
JANE, JANE_DUPLICATE = 100001, 100002
SERVER_MAINTAINED = {"last_modified_dts", "last_modified_by"}
ADDRESS_DERIVED = {"day_phone_e164", "evening_phone_e164", "last_used_dts", "customer_profile_oid"}
# How the store's lists compare: records by their id (and what the service derives, left out), or values.
RECORDS = {
    "billing": ("customer_billing_oid", ADDRESS_DERIVED),
    "shipping": ("customer_shipping_oid", ADDRESS_DERIVED),
    "properties": ("name", {"customer_profile_property_oid"}),
}
VALUES = {"tags": "tag_value", "pricing_tiers": "name"}
# Requests a write makes without saying what changed (the code as it was): saying it may add one read.
WRITE_CALLS = {
    "ultracart_insert_customer": ["GET", "POST"],
    "ultracart_update_customer": ["GET", "GET", "PUT"],
    "ultracart_insert_wish_list_item": ["POST"],
    "ultracart_update_wish_list_item": ["GET", "PUT"],
    "ultracart_update_customer_email_lists": ["POST"],
    "ultracart_add_customer_store_credit": ["POST", "GET"],
    "ultracart_adjust_internal_certificate": ["POST"],
    "ultracart_merge_customer": ["PUT"],
    "ultracart_delete_customer": ["DELETE"],
    "ultracart_delete_wish_list_item": ["DELETE"],
}


@dataclass(slots=True)
class Harness:
    client: Client
    store: SandboxStore
    schemas: dict[str, Any]
    requests: list[tuple[str, str]] = field(default_factory=list)

    async def write(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Call a write that must succeed (a guarded one through its preview and token) and check its cost."""
        self.requests.clear()
        result = self.payload(tool, await self.client.call_tool(tool, arguments))
        if result.get("status") == "confirmation_required":
            self.requests.clear()  # the preview's reads are not the write's
            result = self.payload(tool, await self.client.call_tool(tool, {**arguments, "confirm": result["confirm"]}))
            assert result["status"] == "executed", result
        self.check_cost(tool)
        return result

    async def preview(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        self.requests.clear()
        result = self.payload(tool, await self.client.call_tool(tool, arguments))
        assert result["status"] == "confirmation_required", result
        assert {method for method, _ in self.requests} <= {"GET"}
        return result

    def payload(self, tool: str, result: CallToolResult) -> dict[str, Any]:
        block = result.content[0]
        assert isinstance(block, TextContent)
        assert not result.is_error, block.text
        assert isinstance(result.structured_content, dict)
        assert json.loads(block.text) == result.structured_content
        jsonschema.validate(result.structured_content, self.schemas[tool])
        return result.structured_content

    def check_cost(self, tool: str) -> None:
        methods = [method for method, _ in self.requests]
        baseline = WRITE_CALLS[tool]
        writes = [method for method in baseline if method != "GET"]
        # Never a second write (a write that finds nothing to change makes none).
        assert [method for method in methods if method != "GET"] in (writes, []), self.requests
        assert len(methods) <= len(baseline) + 1, self.requests

    def customer(self, oid: int) -> dict[str, Any]:
        return self.store.get_customer(oid, ALL)

    def available(self, oid: int) -> Decimal:
        return Decimal(str(self.store.get_store_credit(oid)["available"]))


def watch(sandbox: Sandbox, log: list[tuple[str, str]]) -> None:
    """Record every HTTP request that reaches the sandbox app."""
    inner: ASGIApp = sandbox.faults.app

    async def recording(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            log.append((scope["method"], scope["path"]))
        await inner(scope, receive, send)

    sandbox.faults.app = recording


@asynccontextmanager
async def connect(server_factory: Callable[..., MCPServer], **settings: Any) -> AsyncIterator[Harness]:
    server = server_factory(toolsets=TOOLSETS, **settings)
    runtime = runtime_of(server)
    runtime.client()
    sandbox: Sandbox = runtime.sandbox
    async with Client(server) as client:  # no elicitation: guarded tools take the token path
        schemas = {tool.name: tool.output_schema for tool in (await client.list_tools()).tools}
        harness = Harness(client, sandbox.store, schemas)
        watch(sandbox, harness.requests)
        yield harness


@pytest.fixture
async def h(server_factory: Callable[..., MCPServer]) -> AsyncIterator[Harness]:
    async with connect(server_factory) as harness:
        yield harness


# -- the expected changes, from two reads of the store ------------------------------------------------


def _blank(value: Any) -> bool:
    return value in (None, "", [], {})


def _differing(old: dict[str, Any], new: dict[str, Any], ignore: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    names = [name for name in {*old, *new} if name not in ignore]
    changed = [
        name
        for name in names
        if not (_blank(old.get(name)) and _blank(new.get(name))) and old.get(name) != new.get(name)
    ]
    return {name: old.get(name) for name in changed}, {name: new.get(name) for name in changed}


def expected_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed from one store read of a customer to the next, in the shape the tools answer with."""
    out: dict[str, dict[str, Any]] = {"before": {}, "after": {}, "added": {}, "removed": {}}
    for name in {*before, *after} - SERVER_MAINTAINED:
        old, new = before.get(name), after.get(name)
        if name in VALUES:
            olds, news = [e[VALUES[name]] for e in old or []], [e[VALUES[name]] for e in new or []]
            out["added"][name] = [v for v in news if v not in olds]
            out["removed"][name] = [v for v in olds if v not in news]
        elif name in RECORDS:
            key, ignore = RECORDS[name]
            olds_by, news_by = {e[key]: e for e in old or []}, {e[key]: e for e in new or []}
            out["added"][name] = [k for k in news_by if k not in olds_by]
            out["removed"][name] = [k for k in olds_by if k not in news_by]
            pairs = [(k, *_differing(olds_by[k], news_by[k], ignore)) for k in olds_by if k in news_by]
            out["before"][name] = [{key: k, **was} for k, was, _ in pairs if was]
            out["after"][name] = [{key: k, **now} for k, was, now in pairs if was]
        elif isinstance(old, dict) or isinstance(new, dict):
            was, now = _differing(old or {}, new or {}, set())
            if was:
                out["before"][name], out["after"][name] = was, now
        elif not (_blank(old) and _blank(new)) and old != new:
            out["before"][name], out["after"][name] = old, new
    expected: dict[str, Any] = prune(out)
    return expected


def canonical(changes: dict[str, Any]) -> dict[str, Any]:
    """Changes with every list sorted (the order of added tags is not what is being tested)."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return sorted((walk(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
        return value

    result: dict[str, Any] = walk(changes)
    return result


# -- update_customer and insert_customer --------------------------------------------------------------


def _update_cases() -> list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]]:
    def address(kind: str, c: dict[str, Any], index: int = 0) -> int:
        oid: int = c[kind][index][f"customer_{kind}_oid"]
        return oid

    return [
        (
            "scalars set and cleared",
            lambda c: {"changes": {"terms": "Net 60", "tax_id": "", "referral_source": "Radio"}},
        ),
        ("a flag", lambda c: {"changes": {"do_not_send_mail": not c["do_not_send_mail"]}}),
        ("tags added and removed", lambda c: {"add_tags": ["vip-2026"], "remove_tags": [c["tags"][0]["tag_value"]]}),
        ("tags replaced", lambda c: {"changes": {"tags": ["only", c["tags"][-1]["tag_value"]]}}),
        (
            "addresses edited, added, removed",
            lambda c: {
                "changes": {
                    "billing": [{"oid": address("billing", c), "city": "Salem", "address2": "Suite 9"}],
                    "shipping": [
                        {"oid": address("shipping", c, 1), "remove": True},
                        {"first_name": "Gift", "city": "Reno", "country_code": "US", "default": True},
                    ],
                }
            },
        ),
        (
            "properties and pricing tiers",
            lambda c: {
                "changes": {
                    "properties": [
                        {"name": c["properties"][0]["name"], "value": "updated"},
                        {"name": "favourite_colour", "value": "green"},
                    ],
                    "pricing_tiers": ["Wholesale"],
                }
            },
        ),
        ("email", lambda c: {"changes": {"email": "jane.new@example.com"}}),
    ]


@pytest.mark.parametrize(("case", "arguments"), _update_cases(), ids=[case for case, _ in _update_cases()])
async def test_update_customer_answers_with_the_stores_before_and_after(
    h: Harness, case: str, arguments: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    before = h.customer(JANE)
    result = await h.write("ultracart_update_customer", {"customer_profile_oid": JANE, **arguments(before)})
    after = h.customer(JANE)
    expected = expected_changes(before, after)
    assert expected, case  # the case changes something
    assert canonical(result["changes"]) == canonical(expected), case
    # The record in the result is the customer as stored now.
    assert result["customer"]["customer_profile_oid"] == JANE
    assert {k: v for k, v in after.items() if k in result["customer"]} == result["customer"]


async def test_a_tag_update_says_which_tags_came_and_went(h: Harness) -> None:
    h.store.update_customer(JANE, {"tags": [{"tag_value": "churn-risk"}, {"tag_value": "newsletter"}]}, None)
    result = await h.write(
        "ultracart_update_customer", {"customer_profile_oid": JANE, "add_tags": ["vip"], "remove_tags": ["CHURN-RISK"]}
    )
    assert result["changes"] == snapshot({"added": {"tags": ["vip"]}, "removed": {"tags": ["churn-risk"]}})
    # Asking for what is already so changes nothing, and says nothing changed.
    again = await h.write(
        "ultracart_update_customer", {"customer_profile_oid": JANE, "add_tags": ["VIP"], "remove_tags": ["gone"]}
    )
    assert "changes" not in again and "Nothing to change" in again["notice"]


async def test_changed_values_are_masked_like_the_record(server_factory: Callable[..., MCPServer]) -> None:
    # The changes put each value under its own field name, so UC_MCP_REDACT masks them as it masks the record.
    async with connect(server_factory, redact=["email", "name", "address"]) as h:
        billing = h.customer(JANE)["billing"][0]["customer_billing_oid"]
        h.store.update_customer(JANE, {"properties": [{"name": "wifi_password", "value": "old-Secret-1"}]}, None)
        result = await h.write(
            "ultracart_update_customer",
            {
                "customer_profile_oid": JANE,
                "changes": {
                    "email": "jane.new@example.com",
                    "billing": [{"oid": billing, "first_name": "Janet", "address1": "1 Elm Street"}],
                    "properties": [{"name": "wifi_password", "value": "new-Secret-2"}],
                },
            },
        )
    text = json.dumps(result)
    for secret in ("jane@example.com", "jane.new@example.com", "Janet", "Pecan Hollow", "1 Elm Street", "Secret-"):
        assert secret not in text, secret
    assert result["changes"]["before"]["email"] == "j***@example.com"
    assert result["changes"]["after"]["email"] == "j***@example.com"
    # A property named like a secret keeps its name and loses its value, on both sides.
    assert result["changes"]["before"]["properties"] == [{"name": "wifi_password", "value": "[redacted]"}]
    assert result["changes"]["after"]["properties"] == [{"name": "wifi_password", "value": "[redacted]"}]
    assert result["changes"]["after"]["billing"] == [
        {"customer_billing_oid": billing, "first_name": "J***", "address1": "[redacted]"}
    ]


async def test_insert_customer_names_the_customer_it_created(h: Harness) -> None:
    count = h.store.count_customers()
    result = await h.write("ultracart_insert_customer", {"email": "new.person@example.com", "tags": ["vip"]})
    oid = result["customer"]["customer_profile_oid"]
    assert result["changes"] == {"added": {"customers": [oid]}}
    assert h.store.count_customers() == count + 1
    assert h.customer(oid)["email"] == "new.person@example.com"


async def test_long_changed_values_stay_within_the_budget(server_factory: Callable[..., MCPServer]) -> None:
    async with connect(server_factory, max_result_tokens=600) as h:
        long_notes = "n" * 1900
        result = await h.write(
            "ultracart_update_customer", {"customer_profile_oid": JANE, "changes": {"business_notes": long_notes}}
        )
    assert len(json.dumps(result, separators=(",", ":")).encode()) <= 600 * 4
    assert result["changes"]["after"]["business_notes"].startswith("nnn")
    assert "notice" in result


# -- wishlist and email lists -----------------------------------------------------------------------------


async def test_wishlist_insert_and_update_answer_with_what_the_store_shows(h: Harness) -> None:
    before = {item["customer_wishlist_item_oid"] for item in h.store.get_wishlist(JANE)}
    inserted = await h.write(
        "ultracart_insert_wish_list_item", {"customer_profile_oid": JANE, "merchant_item_oid": 4242, "priority": 4}
    )
    after = {item["customer_wishlist_item_oid"] for item in h.store.get_wishlist(JANE)}
    assert inserted["changes"] == {"added": {"wishlist": sorted(after - before)}}

    item_oid = inserted["item"]["customer_wishlist_item_oid"]
    stored = h.store.get_wishlist_item(JANE, item_oid)
    updated = await h.write(
        "ultracart_update_wish_list_item",
        {"customer_profile_oid": JANE, "customer_wishlist_item_oid": item_oid, "priority": 2, "comments": "soon"},
    )
    now = h.store.get_wishlist_item(JANE, item_oid)
    assert (
        updated["changes"]
        == expected_changes(stored, now)
        == {
            "before": {"priority": 4},
            "after": {"priority": 2, "comments": "soon"},
        }
    )
    same = await h.write(
        "ultracart_update_wish_list_item",
        {"customer_profile_oid": JANE, "customer_wishlist_item_oid": item_oid, "priority": 2},
    )
    assert "changes" not in same and h.store.get_wishlist_item(JANE, item_oid) == now


async def test_email_list_update_says_it_cannot_know_what_was_there_before(h: Harness) -> None:
    lists = [entry["email_list_uuid"] for entry in h.store.email_lists()]
    on = h.store.customer_list_uuids(JANE)
    result = await h.write(
        "ultracart_update_customer_email_lists",
        {
            "customer_profile_oid": JANE,
            "add_to_lists": [on[0]],
            "remove_from_lists": [u for u in lists if u not in on][:1],
        },
    )
    # Already on that list: nothing is claimed as changed, and the result says why it cannot tell.
    assert "changes" not in result
    assert "cannot be told" in result["notice"]
    assert result["add_to_lists"] == [on[0]]


# -- store credit and cashback ---------------------------------------------------------------------------


@pytest.mark.parametrize("days", [{}, {"vesting_days": 10, "expiration_days": 400}])
async def test_store_credit_echoes_its_ledger_entry_and_the_balances(h: Harness, days: dict[str, int]) -> None:
    before = h.store.get_store_credit(JANE)
    result = await h.write(
        "ultracart_add_customer_store_credit",
        {"customer_profile_oid": JANE, "amount": 20, "description": "Late parcel", **days},
    )
    after = h.store.get_store_credit(JANE)
    entry = result["ledger_entry"]
    request_id = entry["description"].rsplit("[", 1)[1].rstrip("]")
    assert entry["description"] == f"Late parcel [{request_id}]"
    mine = [
        e for e in after.get("past_ledgers", []) + after.get("future_ledgers", []) if request_id in e["description"]
    ]
    credit = [e for e in mine if e["action"] in ("Credit", "Vesting")]
    assert len(credit) == 1 and entry["amount"] == credit[0]["amount"] == 20.0
    assert entry["gift_certificate_ledger_oid"] == credit[0]["gift_certificate_ledger_oid"]
    dates = {"Credit": "entry_dts", "Vesting": "vesting_dts", "Expiring": "expiration_dts"}
    assert {dates[e["action"]]: e["entry_dts"] for e in mine} == {
        key: entry[key] for key in ("entry_dts", "vesting_dts", "expiration_dts") if key in entry
    }
    assert ("vesting_dts" in entry, "expiration_dts" in entry) == (bool(days), bool(days))
    figures = {
        "store_credit_available": "available",
        "store_credit_vesting": "vesting",
        "store_credit_lifetime_credited": "total",
    }
    moved = {name: key for name, key in figures.items() if before[key] != after[key]}
    assert result["changes"] == {
        "before": {name: before[key] for name, key in moved.items()},
        "after": {name: after[key] for name, key in moved.items()},
    }
    assert set(moved) == (
        {"store_credit_vesting", "store_credit_lifetime_credited"}
        if days
        else {"store_credit_available", "store_credit_lifetime_credited"}
    )
    assert result["available_now"] == after["available"]


async def test_cashback_says_the_balance_before_and_after(h: Harness) -> None:
    before = h.available(JANE)
    result = await h.write(
        "ultracart_adjust_internal_certificate",
        {"customer_profile_oid": JANE, "adjustment_amount": -7.5, "description": "Correction"},
    )
    after = h.available(JANE)
    assert after == before - Decimal("7.50")
    assert result["changes"] == {
        "before": {"store_credit_available": float(before)},
        "after": {"store_credit_available": float(after)},
    }
    assert result["ledger_entry"]["description"].startswith("Correction [req")

    vesting = await h.write(
        "ultracart_adjust_internal_certificate",
        {"customer_profile_oid": JANE, "adjustment_amount": 5, "vesting_days": 30},
    )
    assert h.available(JANE) == after  # nothing usable changed yet: nothing is reported as changed
    assert "changes" not in vesting and "vests in 30 days" in vesting["notice"]


# -- merge and delete: the preview lists what the store then shows moved or gone ------------------------


def _ids(customer: dict[str, Any], kind: str) -> set[int]:
    return {entry[f"customer_{kind}_oid"] for entry in customer.get(kind) or []}


def _wishlist(store: SandboxStore, oid: int) -> dict[int, int]:
    return {item["customer_wishlist_item_oid"]: item["merchant_item_oid"] for item in store.get_wishlist(oid)}


async def test_merge_preview_lists_everything_that_moves_and_goes(h: Harness) -> None:
    survivor, away = 100003, JANE  # Jane holds a bit of everything: addresses, tags, credit, wishlist, orders, points
    duplicate = next(iter(_wishlist(h.store, away).items()))
    h.store.insert_wishlist_item(survivor, {"merchant_item_oid": duplicate[1]})  # the survivor wishes for it too
    away_record, survivor_record = h.customer(away), h.customer(survivor)
    away_credit, survivor_credit = h.store.get_store_credit(away), h.store.get_store_credit(survivor)
    away_wishes, survivor_wishes = _wishlist(h.store, away), _wishlist(h.store, survivor)
    survivor_lists = set(h.store.customer_list_uuids(survivor))
    arguments = {"customer_profile_oid": survivor, "merge_customer_profile_oid": away}

    preview = await h.preview("ultracart_merge_customer", arguments)
    moves, deletes = preview["preview"]["moves"], preview["preview"]["deletes"]
    # What the preview says, against the store before the merge.
    assert set(moves["billing"]) == _ids(away_record, "billing") and set(moves["shipping"]) == _ids(
        away_record, "shipping"
    )
    assert moves["tags"] == [tag["tag_value"] for tag in away_record["tags"]]
    assert moves["properties"] == [p["name"] for p in away_record["properties"]]
    assert moves["pricing_tiers"] == [t["name"] for t in away_record["pricing_tiers"]]
    assert (moves["store_credit_available"], moves["store_credit_lifetime_credited"]) == (
        away_credit["available"],
        away_credit["total"],
    )
    assert moves["wishlist_items"] == len(away_wishes) and set(moves["wishlist_item_oids"]) == set(away_wishes)
    assert moves["orders_summary"] == {k: away_record["orders_summary"][k] for k in ("order_count", "total")}
    assert moves["loyalty"]["current_points"] == away_record["loyalty"]["current_points"]
    assert "email-list" in moves["email_lists"]
    assert deletes == {"customer_profile_oid": away, "wishlist_item_oids": [duplicate[0]]}
    question = preview["question"]
    assert f"{len(away_record['shipping'])} shipping addresses" in question
    assert (
        f"{len(away_wishes)} wishlist items" in question
        and "1 wishlist item the surviving profile already has" in question
    )
    assert (
        f"{away_record['orders_summary']['order_count']} orders" in question
        and f"Profile #{away} is then deleted" in question
    )

    result = await h.write("ultracart_merge_customer", arguments)
    # What the store shows moved is what the preview listed, and nothing else.
    after = h.customer(survivor)
    assert _ids(after, "billing") - _ids(survivor_record, "billing") == set(moves["billing"])
    assert _ids(after, "shipping") - _ids(survivor_record, "shipping") == set(moves["shipping"])
    gained_tags = {t["tag_value"] for t in after["tags"]} - {t["tag_value"] for t in survivor_record.get("tags") or []}
    assert gained_tags <= set(moves["tags"]) <= {t["tag_value"] for t in after["tags"]}
    credit = h.store.get_store_credit(survivor)
    assert credit["available"] == pytest.approx(survivor_credit["available"] + moves["store_credit_available"])
    assert credit["total"] == pytest.approx(survivor_credit["total"] + moves["store_credit_lifetime_credited"])
    wishes = _wishlist(h.store, survivor)
    assert set(wishes) - set(survivor_wishes) == set(moves["wishlist_item_oids"]) - set(deletes["wishlist_item_oids"])
    assert (
        after["orders_summary"]["order_count"]
        == (survivor_record.get("orders_summary") or {}).get("order_count", 0) + moves["orders_summary"]["order_count"]
    )
    assert (
        after["loyalty"]["current_points"]
        == (survivor_record.get("loyalty") or {}).get("current_points", 0) + moves["loyalty"]["current_points"]
    )
    assert set(h.store.customer_list_uuids(survivor)) >= survivor_lists
    with pytest.raises(ApiError):
        h.customer(away)
    # The result states what moved (from the profile as read just before) and what went.
    assert result["changes"] == {"removed": {"customers": [away]}}
    assert {key: result["moved"][key] for key in ("billing", "shipping", "tags", "orders_summary", "loyalty")} == {
        key: moves[key] for key in ("billing", "shipping", "tags", "orders_summary", "loyalty")
    }
    assert result["moved"]["store_credit_available"] == moves["store_credit_available"]
    assert "wishlist" in result["notice"]


async def test_delete_preview_lists_everything_that_disappears(h: Harness) -> None:
    record, credit, wishes = h.customer(JANE), h.store.get_store_credit(JANE), _wishlist(h.store, JANE)
    preview = await h.preview("ultracart_delete_customer", {"customer_profile_oid": JANE})
    deletes = preview["preview"]["deletes"]
    assert set(deletes["billing"]) == _ids(record, "billing") and set(deletes["shipping"]) == _ids(record, "shipping")
    assert deletes["tags"] == [tag["tag_value"] for tag in record["tags"]]
    assert deletes["cards"] == [card["customer_profile_credit_card_id"] for card in record["cards"]]
    assert (deletes["store_credit_available"], deletes["store_credit_lifetime_credited"]) == (
        credit["available"],
        credit["total"],
    )
    assert set(deletes["wishlist_item_oids"]) == set(wishes)
    assert deletes["loyalty"]["current_points"] == record["loyalty"]["current_points"]
    assert deletes["orders_summary"]["order_count"] == record["orders_summary"]["order_count"]
    assert "email-list" in deletes["email_lists"]
    assert f"{len(wishes)} wishlist items" in preview["question"]

    result = await h.write("ultracart_delete_customer", {"customer_profile_oid": JANE})
    with pytest.raises(ApiError):
        h.customer(JANE)
    with pytest.raises(ApiError):
        h.store.get_wishlist(JANE)
    assert h.store.customer_list_uuids(JANE) == []
    removed = result["changes"]["removed"]
    assert removed["customers"] == [JANE]
    assert set(removed["billing"]) == _ids(record, "billing") and removed["tags"] == deletes["tags"]
    assert result["changes"]["before"]["store_credit_available"] == credit["available"]
    assert result["changes"]["before"]["loyalty"]["current_points"] == record["loyalty"]["current_points"]
    assert "after" not in result["changes"]


async def test_deleting_a_wishlist_item_names_it(h: Harness) -> None:
    item = next(iter(_wishlist(h.store, JANE)))
    result = await h.write(
        "ultracart_delete_wish_list_item", {"customer_profile_oid": JANE, "customer_wishlist_item_oid": item}
    )
    assert result["changes"] == {"removed": {"wishlist": [item]}}
    assert item not in _wishlist(h.store, JANE)


async def test_a_merge_of_a_profile_with_long_lists_stays_within_the_budget(
    server_factory: Callable[..., MCPServer],
) -> None:
    async with connect(server_factory, max_result_tokens=1500) as h:
        tags = [{"tag_value": f"{index:02d}-" + "t" * 240} for index in range(50)]
        h.store.update_customer(JANE_DUPLICATE, {"tags": tags}, None)
        arguments = {"customer_profile_oid": JANE, "merge_customer_profile_oid": JANE_DUPLICATE}
        preview = await h.preview("ultracart_merge_customer", arguments)
        assert len(json.dumps(preview, separators=(",", ":")).encode()) <= 1500 * 4
        assert "50 tags" in preview["question"] and "notice" in preview["preview"]
        result = await h.write("ultracart_merge_customer", arguments)
    assert len(json.dumps(result, separators=(",", ":")).encode()) <= 1500 * 4
    assert result["changes"] == {"removed": {"customers": [JANE_DUPLICATE]}}
