"""An elicitation round is bound to the store (tenant) and caller that started it, whatever the secrets (issue 14.9).

A multi-tenant deployment without ``UC_MCP_REQUEST_STATE_SECRET`` once let a round started for store A be finished
with store B's credential, and the action ran in store B. Here a real ``uc-mcp serve --transport http`` process
in multi-tenant mode, two stores behind one UltraCart stand-in, and raw 2026-07-28 ``tools/call`` rounds.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx2

from tests.e2e.test_http import AUTOMATION, http_server, two_stores

PROTOCOL = "2026-07-28"
KEY_A, KEY_B = "store-a-key-0123456789", "store-b-key-0123456789"
TOOL = "ultracart_add_customer_store_credit"
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientInfo": {"name": "round-binding-test", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
}


def tools_call(url: str, store_key: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One raw ``tools/call`` for the store whose key is ``store_key``; the JSON-RPC message."""
    body = {
        "jsonrpc": "2.0",
        "id": uuid.uuid4().hex,
        "method": "tools/call",
        "params": {"name": TOOL, "arguments": arguments, **extra, "_meta": META},
    }
    headers = {
        "Authorization": f"Bearer {AUTOMATION}",
        "X-UltraCart-Simple-Key": store_key,
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": PROTOCOL,
        "Mcp-Method": "tools/call",
        "Mcp-Name": TOOL,
    }
    answer = httpx2.post(url, json=body, headers=headers, timeout=30)
    assert answer.status_code in (200, 400), answer.text
    return dict(answer.json())


def multi_tenant_env(home: Path, upstream: str) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "xdg"),
        "UC_MCP_MULTI_TENANT": "1",
        "ULTRACART_BASE_URL": f"{upstream}/rest/v2",
        "UC_MCP_HTTP_TOKEN": AUTOMATION,
        "UC_MCP_AUDIT_LOG": str(home / "audit.jsonl"),
    }


def ledger_entries(db: Path, marker: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM ledger WHERE description LIKE ?", (marker + "%",)).fetchone()[0])


def test_a_round_started_for_one_store_cannot_be_finished_in_another(tmp_path: Path) -> None:
    marker = "bind" + uuid.uuid4().hex[:8]
    arguments = {"customer_profile_oid": 100001, "amount": "2.00", "description": marker}
    with two_stores(tmp_path) as upstream:
        with http_server(multi_tenant_env(tmp_path, upstream)) as url:
            asked = tools_call(url, KEY_A, arguments)["result"]
            assert asked["resultType"] == "input_required", asked
            ((key, request),) = asked["inputRequests"].items()
            assert request["method"] == "elicitation/create"
            final_round = {
                "inputResponses": {key: {"action": "accept", "content": {"confirm": True}}},
                "requestState": asked["requestState"],
            }
            in_b = tools_call(url, KEY_B, arguments, **final_round)
            in_a = tools_call(url, KEY_A, arguments, **final_round)
        a_entries, b_entries = (
            ledger_entries(tmp_path / "a.sqlite3", marker),
            ledger_entries(tmp_path / "b.sqlite3", marker),
        )
    assert "error" in in_b and "requestState" in in_b["error"]["message"], in_b  # refused before any tool code
    assert in_a["result"]["structuredContent"]["status"] == "executed", in_a  # its own store finishes it
    assert (a_entries, b_entries) == (1, 0)


def test_a_placeholder_in_the_store_header_is_named_as_the_header(tmp_path: Path) -> None:
    """In multi-tenant mode the credential comes with the request: a bad one is reported as that header's,
    not as a server setting the operator never set."""
    with two_stores(tmp_path) as upstream, http_server(multi_tenant_env(tmp_path, upstream)) as url:
        answer = tools_call(url, "<your simple key>", {"customer_profile_oid": 100001, "amount": "1.00"})
    text = answer["result"]["content"][0]["text"]
    assert answer["result"]["isError"] and "X-UltraCart-Simple-Key header" in text, answer
    assert "ULTRACART_API_KEY" not in text and "your simple key" not in text
