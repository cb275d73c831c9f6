"""Several replicas behind one deployment (issue 7): real ``uc-mcp serve --transport http`` processes
sharing a real ``redis-server``, the confirmation secret, the request-state keys and one sandbox file.

Proven here: a confirm token issued by one replica executes once on another and is then refused
everywhere; an elicitation round started on one replica finishes on the other, and the resent final
round executes nothing more on either; two replicas calling one store stay at its rate together; an
export link made on one replica reads on the other, for its own token only, until it expires (issue 14);
and ``--workers 2`` refuses to start without Redis, and with it serves on one port (export links too).

Without ``redis-server`` these tests are skipped with a message (a failure under CI).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import IO, Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.redis_server import redis_server, redis_server_program
from tests.servers import asgi_server, free_port
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
TOKEN = "replica-test-token-0123456789"
COLLEAGUE_TOKEN = "replica-colleague-token-0123456789"  # another token of the same store, as powerful
CONFIRM_SECRET = "replica-confirm-secret-0123456789abcdef"
STATE_SECRET = "replica-request-state-secret-0123456789"
PROTOCOL = "2026-07-28"
CREDIT_TOOL = "ultracart_add_customer_store_credit"
JANE = 100001
CUSTOMERS = 30


# -- processes -----------------------------------------------------------------------------------------


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s: {log.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the server and any workers it started
            process.wait()


@contextmanager
def serving(env: dict[str, str], logs: Path, *args: str, count: int = 1) -> Iterator[list[str]]:
    """``count`` processes of ``uc-mcp serve --transport http`` started together; yields their /mcp URLs."""
    base = {"PATH": os.environ["PATH"], "HOME": env.get("HOME", "/tmp")}
    started: list[tuple[int, subprocess.Popen[bytes], Path, IO[bytes]]] = []
    try:
        for _ in range(count):
            port = free_port()
            log = logs / f"serve-{port}.log"
            out = log.open("wb")
            command = [sys.executable, "-m", "uc_mcp", "serve", "--transport", "http", "--port", str(port), *args]
            process = subprocess.Popen(
                command, env={**base, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
            started.append((port, process, log, out))
        for port, process, log, _ in started:
            _wait_for(port, process, log)
        yield [f"http://127.0.0.1:{port}/mcp" for port, *_ in started]
    finally:
        for _, process, _, out in started:
            _stop(process)
            out.close()


def replica_env(state: Path, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(state),
        "XDG_STATE_HOME": str(state / "xdg"),
        "UC_MCP_REDIS_URL": redis_url,
        "UC_MCP_CONFIRM_SECRET": CONFIRM_SECRET,
        "UC_MCP_REQUEST_STATE_SECRET": STATE_SECRET,
        "UC_MCP_HTTP_TOKEN": TOKEN,
        "UC_MCP_HTTP_TOKENS": json.dumps({"colleague": {"token": COLLEAGUE_TOKEN, "scope": "full"}}),
        "UC_MCP_AUDIT_LOG": str(state / "audit.jsonl"),
        "UC_MCP_EXPORT_DIR": str(state / "exports"),  # one directory every replica reads
        **extra,
    }


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("replicas")


@pytest.fixture(scope="module")
def replicas(state: Path, redis_url: str) -> Iterator[list[str]]:
    """Two replicas over one sandbox file (seeded here first, so they never race to create it)."""
    db = state / "sandbox.sqlite3"
    Sandbox(SandboxOptions(db=db, customers=CUSTOMERS)).close()
    env = replica_env(
        state,
        redis_url,
        UC_MCP_BACKEND="sandbox",
        UC_MCP_PROVIDERS="ultracart",
        UC_MCP_SANDBOX_DB=str(db),
        UC_MCP_SANDBOX_CUSTOMERS=str(CUSTOMERS),
        UC_MCP_CONFIRM_FALLBACK="token",
    )
    with serving(env, state, count=2) as urls:
        yield urls


@asynccontextmanager
async def connect(url: str, token: str = TOKEN) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        yield client


def credits(state: Path, marker: str) -> int:
    with sqlite3.connect(state / "sandbox.sqlite3") as conn:
        return int(conn.execute("SELECT COUNT(*) FROM ledger WHERE description LIKE ?", (marker + "%",)).fetchone()[0])


def used_keys(redis_url: str) -> list[str]:
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    return sorted(str(key) for key in client.scan_iter("uc-mcp:used:*"))


# -- (a) a confirm token -------------------------------------------------------------------------------


async def test_a_token_issued_by_one_replica_executes_once_on_another(
    replicas: list[str], state: Path, redis_url: str
) -> None:
    a, b = replicas
    marker = "tok" + uuid.uuid4().hex[:8]
    arguments = {"customer_profile_oid": JANE, "amount": "5.00", "description": marker}
    async with connect(a) as client:
        preview = await client.call_tool(CREDIT_TOOL, arguments)
    assert not preview.is_error, preview.content
    assert preview.structured_content is not None
    assert preview.structured_content["status"] == "confirmation_required"
    token = preview.structured_content["confirm"]
    async with connect(b) as client:
        executed = await client.call_tool(CREDIT_TOOL, {**arguments, "confirm": token})
    assert not executed.is_error, executed.content
    assert executed.structured_content is not None and executed.structured_content["status"] == "executed"
    for url in (a, b):
        async with connect(url) as client:
            again = await client.call_tool(CREDIT_TOOL, {**arguments, "confirm": token})
        assert again.is_error
        assert "already used" in again.content[0].text  # type: ignore[union-attr]
    assert credits(state, marker) == 1
    assert any(key.startswith("uc-mcp:used:confirm-token:") for key in used_keys(redis_url))


# -- (b) an elicitation round --------------------------------------------------------------------------

META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientInfo": {"name": "replica-test", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
}


def tools_call(url: str, tool: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One raw ``tools/call`` as the SDK client sends it on the 2026-07-28 protocol; its JSON-RPC result."""
    body = {
        "jsonrpc": "2.0",
        "id": uuid.uuid4().hex,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, **extra, "_meta": META},
    }
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": PROTOCOL,
        "Mcp-Method": "tools/call",
        "Mcp-Name": tool,
    }
    answer = httpx2.post(url, json=body, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    message = answer.json()
    assert "error" not in message, message
    return dict(message["result"])


def ask_on(url: str, tool: str, arguments: dict[str, Any], question: str) -> dict[str, Any]:
    """Start the round on one replica; the final round's parameters (the human said yes)."""
    asked = tools_call(url, tool, arguments)
    assert asked["resultType"] == "input_required", asked
    (key, request), *more = asked["inputRequests"].items()
    assert not more and request["method"] == "elicitation/create"
    assert request["params"]["message"].startswith(question), request
    return {
        "inputResponses": {key: {"action": "accept", "content": {"confirm": True}}},
        "requestState": asked["requestState"],
    }


def audit_events(state: Path, tool: str, **arguments: Any) -> list[str]:
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    return [
        record["event"]
        for record in records
        if record.get("tool") == tool
        and all(record.get("arguments", {}).get(name) == value for name, value in arguments.items())
    ]


def test_an_elicitation_round_started_on_one_replica_finishes_on_the_other(
    replicas: list[str], state: Path, redis_url: str
) -> None:
    a, b = replicas
    tool, host = "ultracart_get_magic_link", f"shop-{uuid.uuid4().hex[:8]}.example.com"
    arguments = {"customer_profile_oid": JANE, "storefront_host_name": host}
    final_round = ask_on(a, tool, arguments, "Create a login link that signs in as ")
    done = tools_call(b, tool, arguments, **final_round)
    assert done["resultType"] == "complete" and not done["isError"], done
    assert done["structuredContent"]["status"] == "executed" and done["structuredContent"]["created"]
    for url in (a, b, a):  # a client resending the final round, to either replica
        resent = tools_call(url, tool, arguments, **final_round)
        assert resent["resultType"] == "complete" and not resent["isError"], resent
        assert "not repeated" in resent["structuredContent"]["notice"], resent
    with sqlite3.connect(state / "sandbox.sqlite3") as conn:
        links = conn.execute("SELECT COUNT(*) FROM magic_link WHERE host = ?", (host,)).fetchone()[0]
    assert links == 1
    assert any(key.startswith("uc-mcp:used:elicited:") for key in used_keys(redis_url))
    events = audit_events(state, tool, storefront_host_name=host)
    assert events.count("executed") == 1 and events.count("duplicate_round") == 3, events


def test_a_resent_round_whose_question_changed_is_asked_again_not_executed(replicas: list[str], state: Path) -> None:
    """After a credit the preview shows a new balance, so the SDK takes the resent answer as an answer to
    another question and asks again: nothing runs twice either way."""
    a, b = replicas
    marker = "eli" + uuid.uuid4().hex[:8]
    arguments = {"customer_profile_oid": JANE, "amount": "3.00", "description": marker}
    final_round = ask_on(a, CREDIT_TOOL, arguments, "Add 3.00 store credit to ")
    done = tools_call(b, CREDIT_TOOL, arguments, **final_round)
    assert done["resultType"] == "complete" and done["structuredContent"]["status"] == "executed", done
    for url in (a, b):
        resent = tools_call(url, CREDIT_TOOL, arguments, **final_round)
        assert resent["resultType"] == "input_required" or "not repeated" in str(resent), resent
    assert credits(state, marker) == 1


# -- (c) the shared pace -------------------------------------------------------------------------------


@contextmanager
def recording_upstream(db: Path, arrivals: list[float]) -> Iterator[str]:
    """The sandbox API on a real socket, noting when each request arrives (the store's view of the rate)."""
    sandbox = Sandbox(SandboxOptions(db=db, customers=CUSTOMERS))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            arrivals.append(time.monotonic())
        await sandbox.asgi(scope, receive, send)

    try:
        with asgi_server(app) as url:
            yield f"{url}/rest/v2"
    finally:
        sandbox.close()


async def test_two_replicas_stay_at_the_stores_rate_together(tmp_path: Path, redis_url: str) -> None:
    rate, per_replica = 5.0, 6
    seen: list[float] = []
    with recording_upstream(tmp_path / "upstream.sqlite3", seen) as base_url:
        env = replica_env(
            tmp_path,
            redis_url,
            UC_MCP_BACKEND="ultracart",
            ULTRACART_API_KEY="sandbox-key",
            ULTRACART_BASE_URL=base_url,
            UC_MCP_RATE_LIMIT=str(rate),
        )
        with serving(env, tmp_path, count=2) as urls:
            headers = {
                "Authorization": f"Bearer {TOKEN}",
                "Accept": "application/json, text/event-stream",
                "Content-Type": "application/json",
            }
            async with httpx2.AsyncClient(headers=headers, timeout=60) as http:

                async def get_customer(url: str, oid: int) -> None:
                    body = {
                        "jsonrpc": "2.0",
                        "id": oid,
                        "method": "tools/call",
                        "params": {"name": "ultracart_get_customer", "arguments": {"customer_profile_oid": oid}},
                    }
                    answer = await http.post(url, json=body)
                    assert answer.status_code == 200 and not answer.json()["result"]["isError"], answer.text

                for url in urls:  # each replica opens its API client
                    await get_customer(url, JANE)
                await anyio.sleep(0.5)  # the shared timeline is in the past again
                before = len(seen)
                async with anyio.create_task_group() as group:
                    for index in range(per_replica):
                        for url in urls:
                            group.start_soon(get_customer, url, JANE + 1 + index)
                arrivals = seen[before:]
    count = 2 * per_replica
    assert len(arrivals) == count  # one API request per call
    span = arrivals[-1] - arrivals[0]
    # Together at the rate: count requests need (count - 1) / rate seconds (2.2 s); each replica pacing
    # alone would have finished in half that.
    assert span >= (count - 1) / rate * 0.85, span
    assert span < (count - 1) / rate * 2 + 1, span
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= rate + 1, arrivals


# -- (d) export links -----------------------------------------------------------------------------------

EXPORT_TOOL = "ultracart_export_customers"
MADE_UP_EXPORT = "ultracart://exports/AAAAAAAAAAAAAAAAAAAAAA.jsonl"


async def export_on(url: str) -> str:
    """An export of every customer made through ``url``; its resource URI."""
    async with connect(url) as client:
        made = await client.call_tool(EXPORT_TOOL, {"format": "jsonl"})
    assert not made.is_error, made.content
    assert made.structured_content is not None and made.structured_content["rows"] == CUSTOMERS
    return str(made.structured_content["resource_uri"])


async def read_on(url: str, uri: str, token: str = TOKEN) -> list[dict[str, Any]]:
    async with connect(url, token) as client:
        read = await client.read_resource(uri)
    return [json.loads(line) for line in read.contents[0].text.splitlines()]  # type: ignore[union-attr]


async def refusal_on(url: str, uri: str, token: str = TOKEN) -> str:
    async with connect(url, token) as client:
        with pytest.raises(MCPError) as refused:
            await client.read_resource(uri)
    return refused.value.error.message


def expire_now(redis_url: str, uri: str) -> None:
    """What an hour does to an export link: Redis drops its record, and its file is due for deletion."""
    import redis

    from uc_mcp.core.shared_state import EXPORT_PREFIX

    client = redis.Redis.from_url(redis_url)
    export_id = uri.removeprefix("ultracart://exports/")
    assert client.pexpire(f"{EXPORT_PREFIX}id:{export_id}", 1)
    entries: list[Any] = list(client.zrange(f"{EXPORT_PREFIX}files", 0, -1))
    due = [entry for entry in entries if json.loads(entry)[0] == export_id]
    assert len(due) == 1
    client.zadd(f"{EXPORT_PREFIX}files", {due[0]: 0})
    time.sleep(0.01)


async def test_an_export_made_on_one_replica_reads_on_the_other_for_its_token_only(
    replicas: list[str], state: Path, redis_url: str
) -> None:
    a, b = replicas
    uri = await export_on(a)
    rows = await read_on(b, uri)
    assert sorted(row["customer_profile_oid"] for row in rows) == list(range(JANE, JANE + CUSTOMERS))
    assert await read_on(a, uri) == rows
    # Another token of the same store: on either replica, the very answer an id that never existed gets.
    never = await refusal_on(a, MADE_UP_EXPORT, COLLEAGUE_TOKEN)
    assert "No such export" in never
    for url in (a, b):
        assert await refusal_on(url, uri, COLLEAGUE_TOKEN) == never
    [file] = (state / "exports").glob("customers-*.jsonl")
    expire_now(redis_url, uri)
    for url in (b, a):
        assert await refusal_on(url, uri) == never
    assert not file.exists()  # the replica that noticed deleted it, though the other one wrote it


# -- (e) several workers behind one port ---------------------------------------------------------------


def test_several_workers_need_redis(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "uc_mcp", "serve", "--transport", "http", "--port", str(free_port())]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_SANDBOX_DB": str(tmp_path / "s.sqlite3"),
        "UC_MCP_CONFIRM_SECRET": CONFIRM_SECRET,
        "UC_MCP_REQUEST_STATE_SECRET": STATE_SECRET,
    }
    done = subprocess.run([*command, "--workers", "2"], env=env, capture_output=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "UC_MCP_REDIS_URL" in done.stderr.decode()


async def test_two_workers_with_redis_serve_one_port(tmp_path: Path, redis_url: str) -> None:
    redis_server_program()
    env = replica_env(
        tmp_path,
        redis_url,
        UC_MCP_BACKEND="sandbox",
        UC_MCP_PROVIDERS="ultracart",
        UC_MCP_SANDBOX_DB=str(tmp_path / "sandbox.sqlite3"),
        UC_MCP_SANDBOX_CUSTOMERS=str(CUSTOMERS),
    )
    Sandbox(SandboxOptions(db=tmp_path / "sandbox.sqlite3", customers=CUSTOMERS)).close()
    with serving(env, tmp_path, "--workers", "2") as (url,):
        names: set[frozenset[str]] = set()
        for _ in range(4):
            async with connect(url) as client:
                names.add(frozenset(tool.name for tool in (await client.list_tools()).tools))
                counted = await client.call_tool("ultracart_count_customers", {})
            assert not counted.is_error and counted.structured_content is not None
            assert counted.structured_content["total"] == CUSTOMERS
        # An export link works whichever worker a connection lands on (it was 11 reads of 20).
        uri = await export_on(url)
        reads = [await read_on(url, uri) for _ in range(20)]
    (tools,) = names
    assert CREDIT_TOOL in tools
    assert all(len(rows) == CUSTOMERS for rows in reads)
