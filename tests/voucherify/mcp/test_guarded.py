"""Voucherify's guarded customer tools (delete, permanent deletion) through the MCP protocol on the embedded sandbox:
nothing happens without a person's yes, in every confirmation path; what runs is the customer the question named;
the permanent deletion's question says it cannot be undone and counts what goes; every step is audited.

The sandbox's state is checked after each step (its store, not the tools).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import ElicitResult

from tests.voucherify.mcp.conftest import JANE, JANE_NEWSLETTER, UNKNOWN, ServerFactory
from uc_mcp.schemas import definition
from uc_mcp.server import runtime_of
from uc_mcp.voucherify.tools.guarded import TOOLS as GUARDED_TOOLS

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]
DELETE, ERASE = "voucherify_delete_customer", "voucherify_customer_permanently_deletion"


def store(server: MCPServer) -> Any:
    runtime_of(server).client()  # opens the embedded sandbox
    return runtime_of(server).sandbox.store


def customer_or_none(server: MCPServer, identifier: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = store(server).get_customer(identifier)
    except Exception:
        return None
    return found


def events_of(server: MCPServer, customer_id: str) -> int:
    with store(server).reading() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM event WHERE customer_id = ?", (customer_id,)).fetchone()[0])


def holdings_of(server: MCPServer, customer_id: str) -> int:
    with store(server).reading() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM holding WHERE customer_id = ?", (customer_id,)).fetchone()[0])


def audit_events(path: Path, tool: str) -> list[str]:
    records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [record["event"] for record in records if record["tool"] == tool]


def answering(action: str, asked: list[str], confirm: bool = True) -> Any:
    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": confirm})
        return ElicitResult(action=action)

    return callback


def payload(result: Any) -> dict[str, Any]:
    """A successful guarded result, checked against the guarded tools' (shared) outputSchema."""
    assert not result.is_error, result.content[0].text
    jsonschema.validate(result.structured_content, definition(GUARDED_TOOLS[0])["outputSchema"])
    assert json.loads(result.content[0].text) == result.structured_content
    return dict(result.structured_content)


def error_text(result: Any) -> str:
    assert result.is_error
    return str(result.content[0].text)


# -- the token path -----------------------------------------------------------------------------------------------


async def test_a_delete_preview_names_the_customer_and_changes_nothing_until_its_token_comes_back(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    server = server_factory()
    jane = store(server).get_customer(JANE)
    async with Client(server) as client:  # no elicitation: the token fallback (stdio's default)
        preview = payload(await client.call_tool(DELETE, {"customer_id": JANE}))
        assert customer_or_none(server, JANE) is not None  # a preview changes nothing
        done = payload(await client.call_tool(DELETE, {"customer_id": JANE, "confirm": preview["confirm"]}))
        reused = await client.call_tool(DELETE, {"customer_id": JANE, "confirm": preview["confirm"]})
    assert preview["status"] == "confirmation_required"
    question = preview["question"]
    assert question.startswith(f"Delete Voucherify customer {jane['name']} <{jane['email']}> (source_id {JANE}, ")
    assert jane["id"] in question  # the id the preview resolved: what the token binds
    assert "cannot be restored" in question
    assert preview["preview"]["customer"]["id"] == jane["id"]
    assert preview["preview"]["holds"]["loyalty_points"] == jane["loyalty"]["points"]
    assert done["status"] == "executed"
    assert done["deleted_customer_id"] == jane["id"]
    assert done["changes"] == {"removed": {"customers": [jane["id"]]}}
    assert customer_or_none(server, JANE) is None
    assert "not found" in error_text(reused).lower()  # once gone, a token has nothing left to act on
    assert audit_events(tmp_path / "audit.jsonl", DELETE)[:4] == ["previewed", "accepted", "intent", "executed"]


async def test_a_token_never_deletes_a_customer_nobody_saw(server_factory: ServerFactory) -> None:
    """A source_id names whichever customer holds it now: one deleted and created again after the preview is
    another customer, and the token for the first refuses to act on it."""
    server = server_factory()
    first = store(server).get_customer(JANE)
    async with Client(server) as client:
        preview = payload(await client.call_tool(DELETE, {"customer_id": JANE}))
        store(server).delete_customer(JANE, "test")
        store(server).create_customer(None, JANE, {"name": "Someone Else"}, "test")
        refused = await client.call_tool(DELETE, {"customer_id": JANE, "confirm": preview["confirm"]})
    assert "no longer holds" in error_text(refused)
    again = customer_or_none(server, JANE)
    assert again is not None and again["id"] != first["id"]  # the new customer is untouched


async def test_a_token_for_one_customer_does_not_delete_another(server_factory: ServerFactory) -> None:
    server = server_factory()
    async with Client(server) as client:
        token = payload(await client.call_tool(DELETE, {"customer_id": JANE}))["confirm"]
        other = await client.call_tool(DELETE, {"customer_id": JANE_NEWSLETTER, "confirm": token})
        erase = await client.call_tool(ERASE, {"customer_id": JANE, "confirm": token})
    assert "other arguments" in error_text(other)
    assert "other arguments" in error_text(erase)
    assert customer_or_none(server, JANE) is not None and customer_or_none(server, JANE_NEWSLETTER) is not None


# -- elicitation --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_an_accepted_permanent_deletion_erases_everything_once_and_says_what_went(
    server_factory: ServerFactory, tmp_path: Path, mode: str
) -> None:
    server = server_factory()
    jane = store(server).get_customer(JANE)
    events = events_of(server, jane["id"])
    segments = store(server).list_segments(jane["id"])["data"]
    assert events and segments and holdings_of(server, jane["id"])  # the demo's Jane has a history to erase
    asked: list[str] = []
    async with Client(server, mode=mode, elicitation_callback=answering("accept", asked)) as client:
        done = payload(await client.call_tool(ERASE, {"customer_id": JANE}))
    assert len(asked) == 1
    question = asked[0]
    assert jane["id"] in question and "This cannot be undone." in question
    shown = min(events, 100)
    assert f"{shown}{'+' if events > 100 else ''} activity events" in question
    assert f"{len(segments)} segment membership" in question
    assert all(segment["name"] in question for segment in segments[:5])
    assert f"{jane['loyalty']['points']} loyalty point" in question
    assert done["status"] == "executed" and done["erased_customer_id"] == jane["id"]
    assert done["deletion_status"] == "DONE"
    assert done["erased"]["customer_events"] == events and done["erased"]["segments"] == len(segments)
    assert customer_or_none(server, JANE) is None
    assert events_of(server, jane["id"]) == 0 and holdings_of(server, jane["id"]) == 0  # really erased
    assert audit_events(tmp_path / "audit.jsonl", ERASE) == ["elicited", "accepted", "intent", "executed"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("action", "ticked"), [("decline", True), ("cancel", True), ("accept", False)])
async def test_declined_cancelled_or_unticked_changes_nothing(
    server_factory: ServerFactory, tmp_path: Path, mode: str, action: str, ticked: bool
) -> None:
    server = server_factory()
    asked: list[str] = []
    callback = answering(action, asked, confirm=ticked)
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        deleted = payload(await client.call_tool(DELETE, {"customer_id": JANE}))
        erased = payload(await client.call_tool(ERASE, {"customer_id": JANE_NEWSLETTER}))
    assert deleted["status"] == erased["status"] == "declined"
    assert "confirm" not in deleted and "do not retry" in deleted["notice"].lower()
    assert len(asked) == 2
    assert customer_or_none(server, JANE) is not None and customer_or_none(server, JANE_NEWSLETTER) is not None
    assert audit_events(tmp_path / "audit.jsonl", DELETE) == ["elicited", "declined"]


@pytest.mark.parametrize("mode", MODES)
async def test_an_accepted_delete_keeps_the_history_and_deletes_by_the_id_it_named(
    server_factory: ServerFactory, mode: str
) -> None:
    server = server_factory()
    jane = store(server).get_customer(JANE)
    events = events_of(server, jane["id"])
    asked: list[str] = []
    async with Client(server, mode=mode, elicitation_callback=answering("accept", asked)) as client:
        done = payload(await client.call_tool(DELETE, {"customer_id": JANE}))
    assert jane["id"] in asked[0]
    assert done["deleted_customer_id"] == jane["id"]
    assert customer_or_none(server, jane["id"]) is None
    assert events_of(server, jane["id"]) > events  # kept, and the deletion recorded as one more event


# -- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tool", [DELETE, ERASE])
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"customer_id": UNKNOWN}, "not found"),
        ({"customer_id": ""}, "customer_id"),
        ({"customer_id": "two\nlines"}, "customer_id"),
        ({}, "customer_id: required"),
        ({"customer_id": JANE, "force": True}, "force: not a parameter"),
    ],
)
async def test_bad_requests_change_nothing_and_ask_nobody(
    server_factory: ServerFactory, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    server = server_factory()
    customers = store(server).count_customers()
    asked: list[str] = []
    async with Client(server, elicitation_callback=answering("accept", asked)) as client:
        result = await client.call_tool(tool, arguments)
    assert expected.lower() in error_text(result).lower()
    assert asked == []  # nobody is asked to confirm what cannot happen
    assert store(server).count_customers() == customers


async def test_under_deny_nothing_runs_without_a_host_that_asks(server_factory: ServerFactory) -> None:
    server = server_factory(confirm_fallback="deny")
    async with Client(server) as client:
        plain = await client.call_tool(ERASE, {"customer_id": JANE})
        forged = await client.call_tool(ERASE, {"customer_id": JANE, "confirm": "v2.x.1.y.z.w"})
    for result in (plain, forged):
        assert "Nothing was done" in error_text(result)
    assert customer_or_none(server, JANE) is not None


async def test_every_question_names_what_its_preview_resolved(server_factory: ServerFactory) -> None:
    """The SDK re-asks when a final round's question differs from the one answered, and a token binds what its
    preview resolved: each guard's binding must be printed in its question."""
    from uc_mcp.core.toolspec import ToolContext

    server = server_factory()
    api = runtime_of(server).client()
    ctx = ToolContext(client=lambda: api, max_tokens=4000, backend="sandbox")
    for spec in GUARDED_TOOLS:
        assert spec.guard is not None
        request = spec.input_model.model_validate({"customer_id": JANE_NEWSLETTER})
        preview = await spec.guard.preview(request, ctx)
        assert preview.binding and all(str(value) in preview.question for value in preview.binding.values())
        assert await spec.guard.resolve(request, ctx) == preview.binding


def test_the_confirmation_cards_cancel_covers_every_guarded_voucherify_tool() -> None:
    """One app-only Cancel per provider (core/decline.py): it must accept every guarded tool of the table, the bulk
    ones included, or a card for them could not be cancelled."""
    from uc_mcp.voucherify.tools import TOOLS
    from uc_mcp.voucherify.tools.guarded import APP_TOOLS

    (cancel,) = APP_TOOLS
    accepted = cancel.input_schema()["properties"]["tool"]["enum"]
    assert cancel.name == "voucherify_decline_confirmation" and cancel.app_only
    assert sorted(accepted) == sorted(spec.name for spec in TOOLS if spec.guarded)
    assert len(accepted) == 5
