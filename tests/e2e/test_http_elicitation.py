"""A person confirms a guarded tool through elicitation whatever protocol era the client speaks, over
streamable HTTP as over stdio: real ``uc-mcp serve`` processes and the SDK's own clients.

- modern: ``Client`` on 2026-07-28, input-required rounds with sealed ``requestState``;
- handshake era: ``ClientSession`` on 2025-11-25 (``initialize``, then the server's
  ``elicitation/create`` request in the middle of ``tools/call``). Over HTTP that needs a session
  (``Mcp-Session-Id``) with SSE; the session belongs to the token (and tenant) that opened it.

With ``--workers 2`` there are no sessions (a session cannot follow its client between worker
processes): handshake-era clients are served statelessly and guarded tools answer them by the
confirmation fallback, while modern clients are still asked.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import httpx2
import pytest
from mcp.client import Client
from mcp.client.session import ClientSession
from mcp.client.session import ElicitationFnT as Answer
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, ElicitResult

from tests.servers import McpHttpServer, mcp_http_server, two_store_upstream
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio
CREDIT_TOOL = "ultracart_add_customer_store_credit"
JANE = 100001
CUSTOMERS = 30
TOKEN_A = "elicitation-token-a-0123456789"
TOKEN_B = "elicitation-token-b-0123456789"
TOKENS = {"alice": {"token": TOKEN_A, "scope": "full"}, "bob": {"token": TOKEN_B, "scope": "full"}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
CallTool = Callable[[str, dict[str, Any]], Awaitable[CallToolResult]]


def answering(action: Literal["accept", "decline", "cancel"], asked: list[str]) -> Answer:
    """The person's answer to every question (recorded in ``asked``)."""

    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action=action)

    return callback


def credits(db: Path, marker: str) -> list[Decimal]:
    """The store-credit ledger entries this test made (its marker starts the description)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT amount_cents FROM ledger WHERE description LIKE ?", (marker + " %",)).fetchall()
    return [Decimal(cents) / 100 for (cents,) in rows]


def audit(state: Path, marker: str) -> list[dict[str, Any]]:
    """The audit records of this test's call (its marker is the description argument)."""
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    return [record for record in records if record.get("arguments", {}).get("description") == marker]


def seeded(db: Path) -> Path:
    Sandbox(SandboxOptions(db=db, customers=CUSTOMERS)).close()
    return db


def server_env(state: Path, db: Path, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(state),
        "XDG_STATE_HOME": str(state / "xdg"),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_SANDBOX_DB": str(db),
        "UC_MCP_SANDBOX_CUSTOMERS": str(CUSTOMERS),
        "UC_MCP_AUDIT_LOG": str(state / "audit.jsonl"),
        **extra,
    }


# -- the clients ---------------------------------------------------------------------------------------


@asynccontextmanager
async def modern_http(url: str, token: str, answer: Answer) -> AsyncIterator[CallTool]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(url, http_client=http, terminate_on_close=False)
    async with http, Client(transport, elicitation_callback=answer) as client:
        assert client.protocol_version == "2026-07-28"
        yield client.call_tool


@asynccontextmanager
async def handshake_http(url: str, token: str, answer: Answer) -> AsyncIterator[CallTool]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with (
        http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write, elicitation_callback=answer) as session,
    ):
        assert (await session.initialize()).protocol_version == "2025-11-25"
        yield session.call_tool


def stdio_params(state: Path, db: Path) -> StdioServerParameters:
    env = {"PATH": os.environ["PATH"], **server_env(state, db)}
    return StdioServerParameters(command=sys.executable, args=["-m", "uc_mcp", "serve"], env=env, cwd=state)


@asynccontextmanager
async def modern_stdio(params: StdioServerParameters, answer: Answer) -> AsyncIterator[CallTool]:
    async with Client(stdio_client(params), elicitation_callback=answer) as client:
        assert client.protocol_version == "2026-07-28"
        yield client.call_tool


@asynccontextmanager
async def handshake_stdio(params: StdioServerParameters, answer: Answer) -> AsyncIterator[CallTool]:
    async with (
        stdio_client(params) as (read, write),
        ClientSession(read, write, elicitation_callback=answer) as session,
    ):
        assert (await session.initialize()).protocol_version == "2025-11-25"
        yield session.call_tool


# -- over HTTP -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("elicitation")


@pytest.fixture(scope="module")
def db(state: Path) -> Path:
    return seeded(state / "sandbox.sqlite3")


@pytest.fixture(scope="module")
def server(state: Path, db: Path) -> Iterator[McpHttpServer]:
    env = server_env(state, db, UC_MCP_HTTP_TOKENS=json.dumps(TOKENS))
    with mcp_http_server(env, state / "serve.log") as running:
        yield running


HTTP_CLIENTS = {"modern": modern_http, "handshake": handshake_http}


@pytest.mark.parametrize("kind", HTTP_CLIENTS)
async def test_over_http_a_yes_credits_once(server: McpHttpServer, state: Path, db: Path, kind: str) -> None:
    marker = f"http-{kind}-{uuid.uuid4().hex[:8]}"
    asked: list[str] = []
    async with HTTP_CLIENTS[kind](server.url, TOKEN_A, answering("accept", asked)) as call_tool:
        result = await call_tool(CREDIT_TOOL, {"customer_profile_oid": JANE, "amount": 5, "description": marker})
    assert not result.is_error, result.content
    assert result.structured_content is not None and result.structured_content["status"] == "executed"
    assert len(asked) == 1 and asked[0].startswith("Add 5.00 store credit to Jane Doe <jane@example.com> (#100001)?")
    assert credits(db, marker) == [Decimal(5)]
    accepted = [record for record in audit(state, marker) if record["event"] == "accepted"]
    assert [(record["actor"], record["via"]) for record in accepted] == [("token:alice", "elicitation")]


@pytest.mark.parametrize("kind", HTTP_CLIENTS)
async def test_over_http_a_no_changes_nothing(server: McpHttpServer, db: Path, kind: str) -> None:
    marker = f"http-{kind}-{uuid.uuid4().hex[:8]}"
    asked: list[str] = []
    async with HTTP_CLIENTS[kind](server.url, TOKEN_A, answering("decline", asked)) as call_tool:
        result = await call_tool(CREDIT_TOOL, {"customer_profile_oid": JANE, "amount": 5, "description": marker})
    assert result.structured_content is not None and result.structured_content["status"] == "declined", result
    assert len(asked) == 1
    assert credits(db, marker) == []


def initialize(url: str, token: str, **headers: str) -> str:
    """A raw handshake-era ``initialize``; the session id it was answered with."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
    }
    answer = httpx2.post(url, json=body, headers={**HEADERS, "Authorization": f"Bearer {token}", **headers}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.headers["mcp-session-id"]


def in_session(url: str, session: str, token: str, **headers: str) -> httpx2.Response:
    body = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
    headers = {**HEADERS, "Authorization": f"Bearer {token}", "Mcp-Session-Id": session, **headers}
    return httpx2.post(url, json=body, headers=headers, timeout=30)


def test_a_session_answers_only_the_token_that_opened_it(server: McpHttpServer) -> None:
    session = initialize(server.url, TOKEN_A)
    assert in_session(server.url, session, TOKEN_B).status_code == 404  # as if it did not exist
    assert in_session(server.url, session, "not-a-token-0123456789").status_code == 401
    mine = in_session(server.url, session, TOKEN_A)
    assert mine.status_code == 200 and CREDIT_TOOL in mine.text
    stream = httpx2.get(
        server.url,
        headers={"Accept": "text/event-stream", "Authorization": f"Bearer {TOKEN_B}", "Mcp-Session-Id": session},
        timeout=30,
    )
    assert stream.status_code == 404


async def test_a_session_answers_only_the_store_that_opened_it(tmp_path: Path) -> None:
    key_a, key_b = "store-a-key-0123456789", "store-b-key-0123456789"
    with two_store_upstream(tmp_path, {"a": key_a, "b": key_b}) as upstream:
        env = {
            "HOME": str(tmp_path),
            "XDG_STATE_HOME": str(tmp_path / "xdg"),
            "UC_MCP_MULTI_TENANT": "1",
            "ULTRACART_BASE_URL": f"{upstream}/rest/v2",
            "UC_MCP_HTTP_TOKEN": TOKEN_A,
            "UC_MCP_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        }
        with mcp_http_server(env, tmp_path / "serve.log") as running:
            session = initialize(running.url, TOKEN_A, **{"X-UltraCart-Simple-Key": key_a})
            other_store = in_session(running.url, session, TOKEN_A, **{"X-UltraCart-Simple-Key": key_b})
            same_store = in_session(running.url, session, TOKEN_A, **{"X-UltraCart-Simple-Key": key_a})
    assert other_store.status_code == 404
    assert same_store.status_code == 200


# -- over stdio ----------------------------------------------------------------------------------------

STDIO_CLIENTS = {"modern": modern_stdio, "handshake": handshake_stdio}


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize("kind", STDIO_CLIENTS)
async def test_over_stdio_the_same(tmp_path: Path, kind: str, action: Literal["accept", "decline"]) -> None:
    db = seeded(tmp_path / "sandbox.sqlite3")
    marker = f"stdio-{kind}-{action}"
    asked: list[str] = []
    async with STDIO_CLIENTS[kind](stdio_params(tmp_path, db), answering(action, asked)) as call_tool:
        result = await call_tool(CREDIT_TOOL, {"customer_profile_oid": JANE, "amount": 5, "description": marker})
    assert result.structured_content is not None, result.content
    assert result.structured_content["status"] == ("executed" if action == "accept" else "declined")
    assert len(asked) == 1 and asked[0].startswith("Add 5.00 store credit to Jane Doe")
    assert credits(db, marker) == ([Decimal(5)] if action == "accept" else [])


# -- several workers -----------------------------------------------------------------------------------


@pytest.mark.slow
async def test_with_several_workers_handshake_clients_get_the_fallback_and_modern_ones_are_asked(
    tmp_path: Path,
) -> None:
    from tests.redis_server import redis_server

    db = seeded(tmp_path / "sandbox.sqlite3")
    with redis_server() as redis_url:
        env = server_env(
            tmp_path,
            db,
            UC_MCP_HTTP_TOKEN=TOKEN_A,
            UC_MCP_REDIS_URL=redis_url,
            UC_MCP_CONFIRM_SECRET="workers-confirm-secret-0123456789abcdef",
            UC_MCP_REQUEST_STATE_SECRET="workers-request-state-secret-0123456789",
        )
        with mcp_http_server(env, tmp_path / "serve.log", "--workers", "2") as running:
            handshake_asked: list[str] = []
            async with handshake_http(running.url, TOKEN_A, answering("accept", handshake_asked)) as call_tool:
                refused = await call_tool(
                    CREDIT_TOOL, {"customer_profile_oid": JANE, "amount": 5, "description": "workers-handshake"}
                )
            modern_asked: list[str] = []
            async with modern_http(running.url, TOKEN_A, answering("accept", modern_asked)) as call_tool:
                done = await call_tool(
                    CREDIT_TOOL, {"customer_profile_oid": JANE, "amount": 5, "description": "workers-modern"}
                )
            summary = running.output()
    assert refused.is_error and "UC_MCP_CONFIRM_FALLBACK=deny" in refused.content[0].text  # type: ignore[union-attr]
    assert handshake_asked == [] and credits(db, "workers-handshake") == []
    assert not done.is_error and len(modern_asked) == 1 and credits(db, "workers-modern") == [Decimal(5)]
    assert "sessions: off (2 workers)" in summary and "UC_MCP_CONFIRM_FALLBACK=deny" in summary
