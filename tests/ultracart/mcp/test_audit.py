"""The audit trail (``core/audit.py``) as the tools write it, and ``uc-mcp audit`` reading it back.

Records are read from the JSON Lines file after real tool calls through the MCP protocol, and the
sandbox's state is checked beside them: no intent record, no write; a lost outcome record is a
warning on the result; guarded calls leave one record per step.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer

from tests.ultracart.mcp.conftest import ServerFactory
from tests.ultracart.mcp.test_guarded_tools import JANE, answering, available, exists, store
from uc_mcp.audit_report import parse_since, render, select
from uc_mcp.cli import main
from uc_mcp.core.audit import AuditLog, AuditUnavailable, summarise
from uc_mcp.core.errors import OutcomeUnknown
from uc_mcp.server import runtime_of

pytestmark = pytest.mark.anyio
NEW_EMAIL = "audit.canary.4411@example.com"


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def records(path: Path) -> list[dict[str, Any]]:
    return list(AuditLog(path).read())


def events(path: Path) -> list[tuple[str, str]]:
    return [(record["event"], record["tool"]) for record in records(path)]


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "audit.jsonl"


async def test_a_write_leaves_intent_then_outcome(server_factory: ServerFactory, audit_path: Path) -> None:
    server = server_factory(audit_log=audit_path)
    async with Client(server) as client:
        await client.call_tool("ultracart_get_customer", {"customer_profile_oid": JANE})  # reads are not audited
        result = await client.call_tool(
            "ultracart_insert_customer",
            {"email": NEW_EMAIL, "business_notes": "call before noon", "billing": [{"day_phone": "+1 512 555 0142"}]},
        )
    assert not result.is_error, result.content
    created = result.structured_content["customer"]["customer_profile_oid"]  # type: ignore[index]
    intent, outcome = records(audit_path)
    assert (intent["event"], outcome["event"], outcome["outcome"]) == ("intent", "executed", "executed")
    assert intent["request_id"] == outcome["request_id"] and intent["request_id"].startswith("req:")
    assert outcome["result"] == {"customer_profile_oid": created}
    assert intent["actor"].startswith("local:") and intent["tenant"] == "default"
    assert intent["time"] <= outcome["time"]
    # Personal data is masked in the summary; the operator finds the record by id.
    text = read_text(audit_path)
    assert NEW_EMAIL not in text and "a***@example.com" in text
    assert "call before noon" not in text and "555 0142" not in text
    assert oct(AuditLog(audit_path).path.stat().st_mode & 0o777) == "0o600"


async def test_no_intent_record_means_no_write(server_factory: ServerFactory, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the log's directory should be")
    server = server_factory(audit_log=blocked / "audit.jsonl")
    async with Client(server, elicitation_callback=answering("accept", [])) as client:
        before = store(server).count_customers()
        credit_before = available(server, JANE)
        insert = await client.call_tool("ultracart_insert_customer", {"email": NEW_EMAIL})
        credit = await client.call_tool(
            "ultracart_add_customer_store_credit", {"customer_profile_oid": JANE, "amount": 5}
        )
        read = await client.call_tool("ultracart_get_customer", {"customer_profile_oid": JANE})
    for refused in (insert, credit):
        assert refused.is_error
        message = refused.content[0].text  # type: ignore[union-attr]
        assert "nothing was done" in message and "audit log" in message and "UC_MCP_AUDIT_LOG" in message
    assert not read.is_error  # reads do not need the audit log
    assert store(server).count_customers() == before
    assert available(server, JANE) == credit_before


class FailsAfter(AuditLog):
    """An audit log whose disk fills up after ``room`` records."""

    def __init__(self, path: Path, room: int) -> None:
        super().__init__(path)
        self.room = room

    def append(self, record: Any) -> None:
        if self.room <= 0:
            raise AuditUnavailable(f"the audit log {self.path} cannot be written (No space left on device)")
        self.room -= 1
        super().append(record)


async def test_a_lost_outcome_record_is_a_warning_on_the_result(
    server_factory: ServerFactory, audit_path: Path
) -> None:
    server = server_factory(audit_log=audit_path)
    runtime_of(server).audit_log = FailsAfter(audit_path, room=1)  # the intent fits
    async with Client(server) as client:
        result = await client.call_tool("ultracart_insert_customer", {"email": NEW_EMAIL})
    assert not result.is_error
    assert "could not be written" in result.structured_content["warning"]  # type: ignore[index]
    assert store(server).get_customer_by_email(NEW_EMAIL, None)["email"] == NEW_EMAIL  # it did happen
    assert events(audit_path) == [("intent", "ultracart_insert_customer")]


async def test_token_path_records_every_step(server_factory: ServerFactory, audit_path: Path) -> None:
    server = server_factory(audit_log=audit_path, confirm_fallback="token")
    arguments = {"customer_profile_oid": JANE, "amount": 20, "description": "Late parcel"}
    async with Client(server) as client:
        preview = await client.call_tool("ultracart_add_customer_store_credit", arguments)
        token = preview.structured_content["confirm"]  # type: ignore[index]
        forged = await client.call_tool("ultracart_add_customer_store_credit", {**arguments, "confirm": "v1.1.x.y"})
        done = await client.call_tool("ultracart_add_customer_store_credit", {**arguments, "confirm": token})
    assert forged.is_error and not done.is_error
    trail = records(audit_path)
    assert [record["event"] for record in trail] == ["previewed", "token_refused", "accepted", "intent", "executed"]
    assert trail[2]["via"] == "token"
    assert all(record["targets"] == {"customer_profile_oid": JANE} for record in trail)
    assert all(record["arguments"]["amount"] == "20.00" for record in trail)
    assert token not in read_text(audit_path)  # a token in the log could be replayed
    assert trail[1]["arguments"]["confirm"] == "[redacted]"
    # The ledger entry carries the request id of the call that made it.
    ledger = store(server).get_store_credit(JANE)
    descriptions = [entry.get("description", "") for entry in ledger.get("past_ledgers", [])]
    assert any(f"[{trail[3]['request_id']}]" in text for text in descriptions), descriptions


@pytest.mark.parametrize(("answer", "expected"), [("accept", "executed"), ("decline", "declined")])
async def test_elicitation_records_the_question_and_the_answer(
    server_factory: ServerFactory, audit_path: Path, answer: str, expected: str
) -> None:
    server = server_factory(audit_log=audit_path)
    async with Client(server, elicitation_callback=answering(answer, [])) as client:
        await client.call_tool("ultracart_delete_customer", {"customer_profile_oid": JANE})
    trail = [record["event"] for record in records(audit_path)]
    if expected == "executed":
        assert trail == ["elicited", "accepted", "intent", "executed"]
        assert records(audit_path)[1]["via"] == "elicitation"
        assert not exists(server, JANE)
    else:
        assert trail == ["elicited", "declined"]
        assert exists(server, JANE)


async def test_deny_and_rejected_calls_are_recorded_without_values(
    server_factory: ServerFactory, audit_path: Path
) -> None:
    server = server_factory(audit_log=audit_path, confirm_fallback="deny")
    async with Client(server) as client:
        await client.call_tool("ultracart_delete_customer", {"customer_profile_oid": JANE})
        await client.call_tool("ultracart_insert_customer", {"email": "CANARY-value-77", "bogus": 1})
    denied, rejected = records(audit_path)
    assert denied["event"] == "denied" and "UC_MCP_CONFIRM_FALLBACK=deny" in denied["error"]
    assert rejected["event"] == "rejected" and rejected["arguments"] == {}
    assert "bogus" in rejected["error"]
    assert "CANARY-value-77" not in read_text(audit_path)


async def test_an_unknown_outcome_is_recorded_as_such(
    server_factory: ServerFactory, audit_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = server_factory(audit_log=audit_path)
    api = runtime_of(server).client()

    async def lost_in_transit(*args: Any, **kwargs: Any) -> Any:
        raise OutcomeUnknown("timed out after sending", check="look for the customer by email", status=None)

    monkeypatch.setattr(api, "insert_customer", lost_in_transit)
    async with Client(server) as client:
        result = await client.call_tool("ultracart_insert_customer", {"email": NEW_EMAIL})
    assert result.is_error and "Outcome unknown" in result.content[0].text  # type: ignore[union-attr]
    intent, outcome = records(audit_path)
    assert intent["event"] == "intent"
    assert outcome["event"] == "outcome_unknown" and outcome["outcome"] == "unknown"
    assert "look for the customer by email" in outcome["error"]


def test_summary_drops_secrets_and_masks_personal_data() -> None:
    summary = summarise(
        {
            "email": "jane@example.com",
            "password": "hunter2-canary",
            "token": "tok-canary",
            "confirm": "v1.123.abc.def",
            "customer_profile_oid": 7,
            "billing": [{"day_phone": "512-555-0142", "address1": "1 Main St", "city": "Austin"}],
            "business_notes": "x" * 500,
            "tags": [f"t{n}" for n in range(15)],
        }
    )
    assert summary["email"] == "j***@example.com"
    assert summary["password"] == summary["token"] == summary["confirm"] == "[redacted]"
    assert summary["billing"] == [{"day_phone": "***0142", "address1": "***", "city": "Austin"}]
    assert summary["business_notes"] == "[redacted]"
    assert summary["tags"][-1] == "... 5 more" and len(summary["tags"]) == 11


def test_summary_keeps_a_secret_property_present_without_its_value() -> None:
    """Customer properties are name/value pairs: one named like a secret is recorded as there, its
    value not (as the outbound filter shows it); a property's name is no person's name to mask."""
    properties = [
        {"name": "API Key", "value": "canary-audit-5521"},
        {"name": "wifi_password", "value": "canary-audit-5522"},
        {"name": "shirt_size", "value": "L"},
    ]
    for arguments in ({"email": "a@example.com", "properties": properties}, {"customer": {"properties": properties}}):
        summary = summarise(arguments)
        assert "canary-audit" not in json.dumps(summary)
    assert summarise({"properties": properties})["properties"] == [
        {"name": "API Key", "value": "[redacted]"},
        {"name": "wifi_password", "value": "[redacted]"},
        {"name": "shirt_size", "value": "L"},
    ]


async def test_a_write_with_secret_properties_leaves_no_value_in_the_log(
    server_factory: ServerFactory, audit_path: Path
) -> None:
    server = server_factory(audit_log=audit_path)
    secret = {"name": "Stripe API Key", "value": "canary-audit-5523"}
    async with Client(server) as client:
        inserted = await client.call_tool("ultracart_insert_customer", {"email": NEW_EMAIL, "properties": [secret]})
        created = inserted.structured_content["customer"]["customer_profile_oid"]  # type: ignore[index]
        changes = {"properties": [{**secret, "value": "canary-audit-5524"}]}
        updated = await client.call_tool(
            "ultracart_update_customer", {"customer_profile_oid": created, "changes": changes}
        )
    assert not inserted.is_error and not updated.is_error, (inserted.content, updated.content)
    log = read_text(audit_path)
    assert [event for event, _ in events(audit_path)] == ["intent", "executed", "intent", "executed"]
    assert "canary-audit" not in log and "Stripe API Key" in log
    assert "canary-audit" not in json.dumps([inserted.structured_content, updated.structured_content])


def test_parse_since() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == now - timedelta(hours=2)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T10:00:00+01:00", now) == datetime(2026, 11, 1, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="--since"):
        parse_since("yesterday-ish", now)


async def test_uc_mcp_audit_prints_and_filters(
    server_factory: ServerFactory, audit_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server: MCPServer = server_factory(audit_log=audit_path)
    async with Client(server, elicitation_callback=answering("accept", [])) as client:
        await client.call_tool("ultracart_insert_customer", {"email": NEW_EMAIL})
        await client.call_tool("ultracart_add_customer_store_credit", {"customer_profile_oid": JANE, "amount": 5})
    capsys.readouterr()
    assert main(["audit", "--path", str(audit_path), "--tool", "store_credit", "--since", "1h"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 4 and all("ultracart_add_customer_store_credit" in line for line in lines)
    assert "executed" in lines[-1] and f"customer_profile_oid={JANE}" in lines[-1]
    assert "4 record(s)" in err
    assert main(["audit", "--path", str(audit_path), "--json", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["audit", "--path", str(audit_path), "--json"]) == 0
    stored = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert stored == records(audit_path)
    assert main(["audit", "--path", str(audit_path), "--since", "soon"]) == 2
    assert "--since" in capsys.readouterr().err


def test_render_and_select_survive_odd_records() -> None:
    odd = [{"event": "intent"}, {"time": "not a time", "tool": "x"}, {"time": "2026-01-01T00:00:00Z", "tool": "y"}]
    assert [render(record) for record in odd]  # no exception on missing fields
    since = datetime(2025, 1, 1, tzinfo=UTC)
    assert [record.get("tool") for record in select(odd, since=since)] == ["y"]
