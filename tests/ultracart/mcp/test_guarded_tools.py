"""Guarded tools: nothing happens without a person's yes, in every confirmation path.

The sandbox state is checked after each step. Elicitation runs in both ``Client(mode="auto")``
(2026-07-28 input-required rounds) and ``mode="legacy"`` (handshake-era requests).
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import ElicitResult

from tests.ultracart.mcp.conftest import ServerFactory
from uc_mcp.core.confirm import Confirmations, claim_execution
from uc_mcp.core.confirm_token import ConfirmationTokens
from uc_mcp.schemas import definition
from uc_mcp.server import runtime_of
from uc_mcp.ultracart.tools.guarded import TOOLS as GUARDED_TOOLS

pytestmark = pytest.mark.anyio
JANE, JANE_DUPLICATE, MALLORY = 100001, 100002, 100009
MODES = ["auto", "legacy"]


def store(server: MCPServer) -> Any:
    runtime_of(server).client()
    return runtime_of(server).sandbox.store


def available(server: MCPServer, oid: int) -> Decimal:
    return Decimal(str(store(server).get_store_credit(oid)["available"]))


def exists(server: MCPServer, oid: int) -> bool:
    try:
        store(server).get_customer(oid, None)
    except Exception:
        return False
    return True


def answering(action: str, asked: list[str]) -> Any:
    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action=action)  # type: ignore[arg-type]

    return callback


def payload(result: Any) -> dict[str, Any]:
    """A successful guarded result, checked against the guarded tools' (shared) outputSchema."""
    assert not result.is_error, result.content[0].text
    schema = definition(GUARDED_TOOLS[0])["outputSchema"]
    jsonschema.validate(result.structured_content, schema)
    assert json.loads(result.content[0].text) == result.structured_content
    return dict(result.structured_content)


@pytest.mark.parametrize("mode", MODES)
async def test_accepted_elicitation_executes_once(server_factory: ServerFactory, mode: str) -> None:
    server = server_factory()
    before = available(server, JANE)
    asked: list[str] = []
    arguments = {"customer_profile_oid": JANE, "amount": 20, "description": "Late parcel"}
    async with Client(server, mode=mode, elicitation_callback=answering("accept", asked)) as client:  # type: ignore[arg-type]
        result = payload(await client.call_tool("ultracart_add_customer_store_credit", arguments))
    assert result["status"] == "executed"
    assert available(server, JANE) == before + Decimal("20.00")
    assert len(asked) == 1
    assert asked[0].startswith("Add 20.00 store credit to Jane Doe <jane@example.com> (#100001)?")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_declined_or_cancelled_changes_nothing(server_factory: ServerFactory, mode: str, action: str) -> None:
    server = server_factory()
    asked: list[str] = []
    async with Client(server, mode=mode, elicitation_callback=answering(action, asked)) as client:  # type: ignore[arg-type]
        result = payload(await client.call_tool("ultracart_delete_customer", {"customer_profile_oid": JANE}))
        merge = payload(
            await client.call_tool(
                "ultracart_merge_customer", {"customer_profile_oid": JANE, "merge_customer_profile_oid": JANE_DUPLICATE}
            )
        )
    assert result["status"] == merge["status"] == "declined"
    assert "do not retry" in result["notice"].lower()
    assert exists(server, JANE)
    assert exists(server, JANE_DUPLICATE)
    assert len(asked) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_each_guarded_tool_acts_after_a_yes(server_factory: ServerFactory, mode: str) -> None:
    server = server_factory()
    wishlist = store(server).get_wishlist(JANE)
    async with Client(server, mode=mode, elicitation_callback=answering("accept", [])) as client:  # type: ignore[arg-type]
        merged = payload(
            await client.call_tool(
                "ultracart_merge_customer", {"customer_profile_oid": JANE, "merge_email": "jane.doe@example.com"}
            )
        )
        item = payload(
            await client.call_tool(
                "ultracart_delete_wish_list_item",
                {"customer_profile_oid": JANE, "customer_wishlist_item_oid": wishlist[0]["customer_wishlist_item_oid"]},
            )
        )
        cashback = payload(
            await client.call_tool(
                "ultracart_adjust_internal_certificate", {"customer_profile_oid": JANE, "adjustment_amount": 5}
            )
        )
        link = payload(
            await client.call_tool(
                "ultracart_get_magic_link", {"customer_profile_oid": JANE, "storefront_host_name": "shop.example.com"}
            )
        )
        deleted = payload(await client.call_tool("ultracart_delete_customer", {"customer_profile_oid": 100003}))
    assert merged["status"] == item["status"] == cashback["status"] == link["status"] == deleted["status"] == "executed"
    assert not exists(server, JANE_DUPLICATE)
    assert len(store(server).get_wishlist(JANE)) == len(wishlist) - 1
    assert cashback["adjustment_amount"] == 5.0
    assert "url" not in link  # a login link is a credential: not put into the chat by default
    assert "https://" not in json.dumps(link)
    assert not exists(server, 100003)


@pytest.mark.parametrize("mode", MODES)
async def test_an_elicited_credit_answers_with_its_ledger_entry_and_the_balances(
    server_factory: ServerFactory, mode: str
) -> None:
    server = server_factory()
    before = store(server).get_store_credit(JANE)
    arguments = {"customer_profile_oid": JANE, "amount": 20, "description": "Late parcel"}
    async with Client(server, mode=mode, elicitation_callback=answering("accept", [])) as client:  # type: ignore[arg-type]
        result = payload(await client.call_tool("ultracart_add_customer_store_credit", arguments))
    after = store(server).get_store_credit(JANE)
    assert result["changes"] == {
        "before": {"store_credit_available": before["available"], "store_credit_lifetime_credited": before["total"]},
        "after": {"store_credit_available": after["available"], "store_credit_lifetime_credited": after["total"]},
    }
    entry = result["ledger_entry"]
    assert entry["description"].startswith("Late parcel [req:")
    (stored,) = [e for e in after["past_ledgers"] if e["description"] == entry["description"]]
    assert (stored["gift_certificate_ledger_oid"], stored["amount"], stored["entry_dts"]) == (
        entry["gift_certificate_ledger_oid"],
        entry["amount"],
        entry["entry_dts"],
    )


async def test_token_path_previews_then_executes_once(server_factory: ServerFactory) -> None:
    server = server_factory()
    before = available(server, JANE)
    arguments = {"customer_profile_oid": JANE, "amount": 12.5}
    async with Client(server) as client:  # no elicitation capability: the token fallback (stdio default)
        preview = payload(await client.call_tool("ultracart_add_customer_store_credit", arguments))
        assert preview["status"] == "confirmation_required"
        assert preview["preview"]["amount"] == 12.5
        assert "explicit yes" in preview["instructions"]
        assert available(server, JANE) == before  # a preview changes nothing
        token = preview["confirm"]
        other = await client.call_tool(
            "ultracart_add_customer_store_credit", {**arguments, "amount": 99, "confirm": token}
        )
        forged = await client.call_tool(
            "ultracart_add_customer_store_credit", {**arguments, "confirm": "v1.1.aaaa.bbbb"}
        )
        done = payload(await client.call_tool("ultracart_add_customer_store_credit", {**arguments, "confirm": token}))
        reused = await client.call_tool("ultracart_add_customer_store_credit", {**arguments, "confirm": token})
    assert other.is_error
    assert "other arguments" in other.content[0].text  # type: ignore[union-attr]
    assert forged.is_error
    assert done["status"] == "executed"
    assert reused.is_error
    assert "already used" in reused.content[0].text  # type: ignore[union-attr]
    assert available(server, JANE) == before + Decimal("12.50")  # exactly once


async def test_expired_token_executes_nothing(server_factory: ServerFactory) -> None:
    server = server_factory()
    arguments = {"customer_profile_oid": 100004}
    async with Client(server) as client:
        token = payload(await client.call_tool("ultracart_delete_customer", arguments))["confirm"]
        confirmations: Confirmations = runtime_of(server).confirmations
        late = time.time() + confirmations.tokens.ttl_seconds + 5
        confirmations.tokens._clock = lambda: late  # type: ignore[method-assign]
        expired = await client.call_tool("ultracart_delete_customer", {**arguments, "confirm": token})
    assert expired.is_error
    assert "expired" in expired.content[0].text  # type: ignore[union-attr]
    assert exists(server, 100004)


async def test_deny_fallback_refuses_a_client_following_injected_instructions(server_factory: ServerFactory) -> None:
    """A manipulated model reads a planted note and tries to finish a merge on its own."""
    server = server_factory(confirm_fallback="deny")
    async with Client(server) as client:
        note = await client.call_tool("ultracart_get_customer", {"customer_profile_oid": MALLORY})
        assert "ignore all previous instructions" in json.dumps(note.structured_content).lower()
        attempt = {"customer_profile_oid": JANE, "merge_customer_profile_oid": MALLORY}
        plain = await client.call_tool("ultracart_merge_customer", attempt)
        with_token = await client.call_tool("ultracart_merge_customer", {**attempt, "confirm": "v1.9999999999.x.y"})
        credit = await client.call_tool(
            "ultracart_add_customer_store_credit", {"customer_profile_oid": MALLORY, "amount": 500}
        )
    for result in (plain, with_token, credit):
        assert result.is_error
        assert "Nothing was done" in result.content[0].text  # type: ignore[union-attr]
    assert exists(server, MALLORY)
    assert exists(server, JANE)


async def test_token_fallback_lets_a_manipulated_model_confirm_its_own_preview(server_factory: ServerFactory) -> None:
    """The honest limit of the token path (why deny exists): a model can redeem its own token."""
    server = server_factory(confirm_fallback="token")
    async with Client(server) as client:
        attempt = {"customer_profile_oid": JANE, "merge_customer_profile_oid": JANE_DUPLICATE}
        token = payload(await client.call_tool("ultracart_merge_customer", attempt))["confirm"]
        done = payload(await client.call_tool("ultracart_merge_customer", {**attempt, "confirm": token}))
    assert done["status"] == "executed"
    assert not exists(server, JANE_DUPLICATE)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"customer_profile_oid": JANE, "amount": 100000}, "amount"),
        ({"customer_profile_oid": JANE, "amount": 1.234}, "amount"),
        ({"customer_profile_oid": JANE, "amount": -5}, "amount"),
        ({"customer_profile_oid": JANE, "amount": 501}, "UC_MCP_MAX_CREDIT"),
        ({"customer_profile_oid": JANE, "amount": 5, "password": "canary-pw"}, "password"),
    ],
)
async def test_bad_credit_requests_change_nothing(
    server_factory: ServerFactory, arguments: dict[str, Any], field: str
) -> None:
    server = server_factory()
    before = available(server, JANE)
    async with Client(server, elicitation_callback=answering("accept", [])) as client:
        result = await client.call_tool("ultracart_add_customer_store_credit", arguments)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert field in text
    assert "canary-pw" not in text
    assert available(server, JANE) == before


def test_a_resent_final_round_executes_once() -> None:
    """The single-use key: the same confirmed call (same request state) is claimed only once."""
    confirmations = Confirmations(tokens=ConfirmationTokens(b"k" * 32), fallback="token")

    class Ctx:  # the SDK's Context exposes the echoed state as `request_state`
        request_state = "round-2-state"

    arguments = {"customer_profile_oid": JANE, "amount": "20.00"}
    assert claim_execution(confirmations, "ultracart_add_customer_store_credit", arguments, Ctx())  # type: ignore[arg-type]
    assert not claim_execution(confirmations, "ultracart_add_customer_store_credit", arguments, Ctx())  # type: ignore[arg-type]
    Ctx.request_state = "another-call"
    assert claim_execution(confirmations, "ultracart_add_customer_store_credit", arguments, Ctx())  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES)
async def test_the_same_action_confirmed_twice_runs_twice(server_factory: ServerFactory, mode: str) -> None:
    """Two separate, confirmed calls are two actions (the single-use key is per call, not per arguments)."""
    server = server_factory()
    before = available(server, JANE)
    arguments = {"customer_profile_oid": JANE, "amount": 3}
    async with Client(server, mode=mode, elicitation_callback=answering("accept", [])) as client:  # type: ignore[arg-type]
        first = payload(await client.call_tool("ultracart_add_customer_store_credit", arguments))
        second = payload(await client.call_tool("ultracart_add_customer_store_credit", arguments))
    assert first["status"] == second["status"] == "executed"
    assert available(server, JANE) == before + Decimal("6.00")


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("ultracart_delete_customer", {"customer_profile_oid": "100001; drop"}, "customer_profile_oid"),
        ("ultracart_delete_customer", {"customer_profile_oid": True}, "customer_profile_oid"),
        ("ultracart_merge_customer", {"customer_profile_oid": JANE}, "merge_customer_profile_oid"),
        (
            "ultracart_merge_customer",
            {"customer_profile_oid": JANE, "merge_customer_profile_oid": JANE},
            "merged into itself",
        ),
        ("ultracart_adjust_internal_certificate", {"customer_profile_oid": JANE, "adjustment_amount": 0}, "zero"),
        ("ultracart_delete_wish_list_item", {"customer_profile_oid": JANE, "customer_wishlist_item_oid": -1}, "item"),
        ("ultracart_get_magic_link", {"customer_profile_oid": JANE, "storefront_host_name": "evil/../x"}, "host"),
        ("ultracart_delete_customer", {"customer_profile_oid": 999999}, "not found"),
    ],
)
async def test_bad_guarded_requests_change_nothing(
    server_factory: ServerFactory, tool: str, arguments: dict[str, Any], field: str
) -> None:
    server = server_factory()
    customers = store(server).count_customers()
    credit = available(server, JANE)
    asked: list[str] = []
    async with Client(server, elicitation_callback=answering("accept", asked)) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert field.lower() in result.content[0].text.lower()  # type: ignore[union-attr]
    assert asked == []  # nobody is asked to confirm an action that cannot happen
    assert store(server).count_customers() == customers
    assert available(server, JANE) == credit


async def test_the_single_use_key_sees_the_sdks_request_state(
    server_factory: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards the unit test above against a fake that drifts from the SDK: in an input-required
    round the real Context carries the echoed request_state where claim_execution reads it."""
    seen: list[object] = []
    real = claim_execution

    def spy(confirmations: Confirmations, tool: str, arguments: dict[str, Any], ctx: Any, *rest: Any) -> bool:
        seen.append(getattr(ctx, "request_state", None))
        return real(confirmations, tool, arguments, ctx, *rest)

    monkeypatch.setattr("uc_mcp.core.toolspec.claim_execution", spy)
    server = server_factory()
    async with Client(server, mode="auto", elicitation_callback=answering("accept", [])) as client:
        payload(
            await client.call_tool("ultracart_add_customer_store_credit", {"customer_profile_oid": JANE, "amount": 1})
        )
    assert len(seen) == 1 and isinstance(seen[0], str) and seen[0]


async def test_a_token_is_for_the_amount_not_its_spelling(server_factory: ServerFactory) -> None:
    server = server_factory(confirm_fallback="token")
    before = available(server, JANE)
    async with Client(server) as client:
        preview = payload(
            await client.call_tool("ultracart_add_customer_store_credit", {"customer_profile_oid": JANE, "amount": 20})
        )
        done = await client.call_tool(
            "ultracart_add_customer_store_credit",
            {"customer_profile_oid": JANE, "amount": "20.00", "confirm": preview["confirm"]},
        )
    assert payload(done)["status"] == "executed"
    assert available(server, JANE) == before + Decimal("20.00")
