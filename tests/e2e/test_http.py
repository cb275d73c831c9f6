"""``uc-mcp serve --transport http`` end to end: a real process on 127.0.0.1, the SDK's streamable
HTTP client and raw requests.

Covered: tokens required once configured (401 before any MCP code runs), scoped tokens (a
read-only token neither lists nor calls a write tool), Host/Origin checks, JSON answers unless
progress was asked for (then SSE, and the notifications arrive), the token's name as the audit
actor, deny as the HTTP confirmation fallback, start-up refusals, two tenants of one
deployment that never see each other's customers, the start-up summary (where, who may call,
which store; never a secret), and GET/DELETE outside a session answered at once (400, or 405
without sessions). Elicitation per protocol era: test_http_elicitation.py; connection bounds:
test_http_limits.py; bodies that break parsers: test_http_bodies.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.servers import free_port, mcp_http_server, serving, two_store_upstream, wait_for_port

pytestmark = pytest.mark.anyio
SUPPORT = "support-seat-token-0123456789"
AUTOMATION = "automation-token-abcdefghij"
TOKENS = {"support": {"token": SUPPORT, "scope": "read-only"}, "automation": {"token": AUTOMATION, "scope": "full"}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@contextmanager
def http_server(env: dict[str, str], *args: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uc_mcp", "serve", "--transport", "http", "--port", str(port), *args]
    base = {"PATH": os.environ["PATH"], "HOME": env.get("HOME", "/tmp")}
    with serving(command, port, {**base, **env}):
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("http")


@pytest.fixture(scope="module")
def url(state: Path) -> Iterator[str]:
    env = {
        "HOME": str(state),
        "XDG_STATE_HOME": str(state / "xdg"),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_PROVIDERS": "ultracart",  # UltraCart's whole default listing (with others, its shared defaults)
        "UC_MCP_SANDBOX_DB": str(state / "sandbox.sqlite3"),
        "UC_MCP_SANDBOX_CUSTOMERS": "30",
        "UC_MCP_HTTP_TOKENS": json.dumps(TOKENS),
        "UC_MCP_AUDIT_LOG": str(state / "audit.jsonl"),
        "UC_MCP_EXPORT_DIR": str(state / "exports"),
    }
    with http_server(env) as address:
        yield address


@asynccontextmanager
async def connect(url: str, token: str, **headers: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}", **headers}, timeout=30)
    # Stateless server: no session to terminate on close (and the server may be gone by then).
    transport = streamable_http_client(url, http_client=http, terminate_on_close=False)
    async with http, Client(transport) as client:
        yield client


def post(url: str, body: dict[str, Any], **headers: str) -> httpx2.Response:
    return httpx2.post(url, json=body, headers={**HEADERS, **headers}, timeout=30)


LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def test_no_token_no_service(url: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token-0000000000"}, {"Authorization": SUPPORT}):
        answer = post(url, LIST, **headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert "tools" not in answer.text


def test_host_and_origin_are_checked(url: str) -> None:
    auth = {"Authorization": f"Bearer {AUTOMATION}"}
    assert post(url, LIST, Host="evil.example", **auth).status_code == 421
    assert post(url, LIST, Origin="http://evil.example", **auth).status_code == 403
    assert post(url, LIST, Origin=f"http://127.0.0.1:{url.split(':')[2].split('/')[0]}", **auth).status_code == 200


async def test_scopes_decide_what_a_token_can_see_and_do(url: str) -> None:
    async with connect(url, AUTOMATION) as client:
        full = {tool.name for tool in (await client.list_tools()).tools}
    async with connect(url, SUPPORT) as client:
        support = {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("ultracart_insert_customer", {"email": "x@example.com"})
        found = await client.call_tool("ultracart_find_customers", {"query": "jane@example.com"})
    assert "ultracart_insert_customer" in full and "ultracart_delete_customer" in full
    assert "ultracart_find_customers" in support and not any("insert" in name or "delete" in name for name in support)
    assert refused.is_error and "ultracart_insert_customer" in refused.content[0].text  # type: ignore[union-attr]
    assert found.structured_content["items"][0][1] == "jane@example.com"  # type: ignore[index]


async def test_writes_are_audited_under_the_tokens_name_and_deny_is_the_default(url: str, state: Path) -> None:
    async with connect(url, AUTOMATION) as client:
        inserted = await client.call_tool("ultracart_insert_customer", {"email": "http.audit@example.com"})
        guarded = await client.call_tool("ultracart_delete_customer", {"customer_profile_oid": 100001})
    assert not inserted.is_error
    assert guarded.is_error and "UC_MCP_CONFIRM_FALLBACK=deny" in guarded.content[0].text  # type: ignore[union-attr]
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    assert {record["actor"] for record in records} == {"token:automation"}
    assert [record["event"] for record in records][-3:] == ["intent", "executed", "denied"]


async def test_json_unless_progress_is_asked_and_then_progress_arrives(url: str) -> None:
    auth = {"Authorization": f"Bearer {AUTOMATION}"}
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ultracart_count_customers"}}
    plain = post(url, {**call, "params": {**call["params"], "arguments": {}}}, **auth)
    assert plain.headers["content-type"].startswith("application/json")
    total = json.loads(plain.text)["result"]["structuredContent"]["total"]
    assert total >= 30  # the seeded 30, plus what other tests in this module inserted
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async with connect(url, AUTOMATION) as client:
        result = await client.call_tool(
            "ultracart_export_customers", {"format": "jsonl"}, progress_callback=on_progress
        )
    assert not result.is_error, result.content
    assert progress and progress[-1] == (total, total)
    assert "path" not in result.structured_content and result.structured_content["resource_uri"]  # type: ignore[operator,index]


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"UC_MCP_BACKEND": "sandbox"}, ("--host", "0.0.0.0"), "UC_MCP_HTTP_TOKEN"),
        ({}, (), "UC_MCP_BACKEND=sandbox"),
        ({"UC_MCP_BACKEND": "sandbox"}, ("--workers", "2"), "UC_MCP_REDIS_URL"),
        ({"UC_MCP_BACKEND": "sandbox", "UC_MCP_HTTP_TOKEN": "short"}, (), "too short"),
    ],
)
def test_unsafe_start_ups_are_refused(tmp_path: Path, env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    command = [sys.executable, "-m", "uc_mcp", "serve", "--transport", "http", "--port", str(free_port()), *args]
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "UC_MCP_SANDBOX_DB": str(tmp_path / "s.sqlite3")}
    done = subprocess.run(command, env={**base, **env}, capture_output=True, timeout=60, check=False)
    assert done.returncode == 2
    assert message in done.stderr.decode()


# -- two stores, one deployment --------------------------------------------------------------------


@contextmanager
def two_stores(root: Path) -> Iterator[str]:
    """An UltraCart stand-in serving two stores, chosen by the API key, on a real socket."""
    with two_store_upstream(root, {"a": "store-a-key-0123456789", "b": "store-b-key-0123456789"}) as url:
        yield url


async def test_two_tenants_never_see_each_others_customers(tmp_path: Path) -> None:
    key_a, key_b = "store-a-key-0123456789", "store-b-key-0123456789"
    with two_stores(tmp_path) as upstream:
        env = {
            "HOME": str(tmp_path),
            "XDG_STATE_HOME": str(tmp_path / "xdg"),
            "UC_MCP_MULTI_TENANT": "1",
            "UC_MCP_PROVIDERS": "ultracart",
            "ULTRACART_BASE_URL": f"{upstream}/rest/v2",
            "UC_MCP_HTTP_TOKEN": AUTOMATION,
            "UC_MCP_CONFIRM_FALLBACK": "token",
            "UC_MCP_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        }
        with http_server(env) as url:
            async with connect(url, AUTOMATION, **{"X-UltraCart-Simple-Key": key_a}) as store_a:
                made = await store_a.call_tool("ultracart_insert_customer", {"email": "only.in.a@example.com"})
                oid = made.structured_content["customer"]["customer_profile_oid"]  # type: ignore[index]
                seen_by_a = await store_a.call_tool("ultracart_find_customers", {"query": "only.in.a@example.com"})
                preview = await store_a.call_tool(
                    "ultracart_add_customer_store_credit", {"customer_profile_oid": oid, "amount": 5}
                )
            async with connect(url, AUTOMATION, **{"X-UltraCart-Simple-Key": key_b}) as store_b:
                seen_by_b = await store_b.call_tool("ultracart_find_customers", {"query": "only.in.a@example.com"})
                token = preview.structured_content["confirm"]  # type: ignore[index]
                replay = await store_b.call_tool(
                    "ultracart_add_customer_store_credit", {"customer_profile_oid": oid, "amount": 5, "confirm": token}
                )
            missing = post(url, LIST, Authorization=f"Bearer {AUTOMATION}")
        a_customers = upstream_count(tmp_path / "a.sqlite3", "only.in.a@example.com")
        b_customers = upstream_count(tmp_path / "b.sqlite3", "only.in.a@example.com")
    assert seen_by_a.structured_content["items"] and not seen_by_b.structured_content["items"]  # type: ignore[index]
    assert replay.is_error  # a token confirmed for store A does nothing in store B
    assert (a_customers, b_customers) == (1, 0)
    assert missing.status_code == 401 and "X-UltraCart-Simple-Key" in missing.text
    tenants = {json.loads(line)["tenant"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()}
    assert len(tenants) == 2 and all(tenant.startswith("t-") for tenant in tenants)
    assert key_a not in (tmp_path / "audit.jsonl").read_text()


def upstream_count(db: Path, email: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM customer WHERE email_norm = ?", (email,)).fetchone()[0])


async def test_shutdown_lets_an_in_flight_write_finish_and_audit_it(tmp_path: Path) -> None:
    """SIGTERM while a write is in flight: the call completes, both audit records are written, the
    process exits cleanly."""
    import signal

    import anyio

    from tests.servers import sandbox_server

    with sandbox_server(tmp_path / "slow.sqlite3", "--customers", "5", "--latency-ms", "1500") as upstream:
        port = free_port()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "XDG_STATE_HOME": str(tmp_path / "xdg"),
            "ULTRACART_API_KEY": "sandbox-key",
            "ULTRACART_BASE_URL": upstream,
            "UC_MCP_HTTP_TOKEN": AUTOMATION,
            "UC_MCP_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        }
        command = [sys.executable, "-m", "uc_mcp", "serve", "--transport", "http", "--port", str(port)]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: ASYNC220
        try:
            wait_for_port(port, process)
            url = f"http://127.0.0.1:{port}/mcp"
            call = {"name": "ultracart_insert_customer", "arguments": {"email": "late@example.com"}}
            body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": call}
            answers: list[httpx2.Response] = []
            # Raw JSON-RPC: the SDK client makes further requests of its own (schema look-ups),
            # which would meet a server that has stopped listening — not what is tested here.
            async with httpx2.AsyncClient(timeout=30) as http:

                async def write() -> None:
                    headers = {**HEADERS, "Authorization": f"Bearer {AUTOMATION}"}
                    answers.append(await http.post(url, json=body, headers=headers))

                async with anyio.create_task_group() as group:
                    group.start_soon(write)
                    await anyio.sleep(0.8)  # the insert is now waiting on the slow upstream
                    process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a graceful shutdown
    result = answers[0].json()["result"]
    assert not result.get("isError") and result["structuredContent"]["customer"]["email"] == "late@example.com"
    events = [json.loads(line)["event"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert events == ["intent", "executed"]


# -- start-up summary and GET outside a session ----------------------------------------------------


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({"UC_MCP_HTTP_TOKENS": json.dumps(TOKENS)}, (), ["auth: 2 named tokens (automation, support)"]),
        ({"UC_MCP_HTTP_TOKEN": AUTOMATION}, ("-v",), ["auth: 1 token (UC_MCP_HTTP_TOKEN)"]),
        ({}, ("--stateless",), ["auth: no token", "sessions: off (--stateless)", "UC_MCP_CONFIRM_FALLBACK=deny"]),
        (
            {"UC_MCP_HTTP_TOKEN": AUTOMATION, "UC_MCP_MULTI_TENANT": "1", "UC_MCP_BACKEND": "ultracart"},
            (),
            ["multi-tenant: each request carries its store's UltraCart credential", "the store of each request's"],
        ),
        (
            {
                "UC_MCP_BACKEND": "ultracart",
                "ULTRACART_API_KEY": "real-store-key-0123456789",
                "ULTRACART_BASE_URL": "https://user:hunter2-password@store.example.com/rest/v2",
            },
            (),
            ["backend: the real store, UltraCart API at https://store.example.com/rest/v2"],
        ),
    ],
    ids=["named-tokens", "one-token-verbose", "no-token-stateless", "multi-tenant", "real-store"],
)
def test_start_up_says_where_who_and_which_store(
    tmp_path: Path, env: dict[str, str], args: tuple[str, ...], expected: list[str]
) -> None:
    base = {
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "xdg"),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_PROVIDERS": "ultracart",
        "UC_MCP_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
    }
    with mcp_http_server({**base, **env}, tmp_path / "serve.log", *args) as server:
        output = server.output()
    first = output.splitlines()[0]
    assert first == f"uc-mcp: MCP over streamable HTTP at {server.url}"
    for text in expected:
        assert text in output, output
    if env.get("UC_MCP_BACKEND", "sandbox") == "sandbox":
        assert (
            f"backend: the embedded SANDBOX (demo data, not a real store) in {tmp_path / 'sandbox.sqlite3'}" in output
        )
    for secret in (SUPPORT, AUTOMATION, "real-store-key-0123456789", "hunter2-password"):
        assert secret not in output


def test_a_get_or_delete_outside_a_session_is_answered_at_once(url: str) -> None:
    """It used to hold the connection open (~10 minutes) as a stream no session would ever use."""
    auth = {"Authorization": f"Bearer {AUTOMATION}"}
    for method in ("GET", "DELETE"):
        for accept in ("text/event-stream", "application/json, text/event-stream", "*/*"):
            answer = httpx2.request(method, url, headers={**auth, "Accept": accept}, timeout=5)
            assert answer.status_code == 400, (method, accept, answer.text)
            error = answer.json()
            assert error["id"] is None and error["error"]["code"] == -32600
            assert "Missing session ID" in error["error"]["message"]
    other = httpx2.request("PUT", url, headers=auth, timeout=5)
    assert other.status_code == 405 and other.headers["allow"] == "GET, POST, DELETE"
    modern = httpx2.get(url, headers={**auth, "MCP-Protocol-Version": "2026-07-28"}, timeout=5)
    assert modern.status_code == 405  # 2026-07-28 has no GET stream at all


def test_without_sessions_a_get_is_405(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
    }
    with mcp_http_server(env, tmp_path / "serve.log", "--stateless") as server:
        answers = [httpx2.request(method, server.url, timeout=5) for method in ("GET", "DELETE")]
        listed = post(server.url, LIST)
    assert [(answer.status_code, answer.headers["allow"]) for answer in answers] == [(405, "POST")] * 2
    assert listed.status_code == 200 and "ultracart_find_customers" in listed.text


async def test_every_provider_answers_over_http_on_its_sandbox(tmp_path: Path) -> None:
    """The sandbox chosen explicitly and no provider named: every provider serves, each its shared defaults."""
    env = {
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "xdg"),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_SANDBOX_DB": str(tmp_path / "ultracart.sqlite3"),
        "UC_MCP_SANDBOX_CUSTOMERS": "30",
        "UC_MCP_VOUCHERIFY_SANDBOX_DB": str(tmp_path / "voucherify.sqlite3"),
        "UC_MCP_TWC_SANDBOX_DB": str(tmp_path / "twc.sqlite3"),
        "UC_MCP_HTTP_TOKEN": AUTOMATION,
        "UC_MCP_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
    }
    with http_server(env) as url:
        async with connect(url, AUTOMATION) as client:
            assert client.instructions is not None
            assert "UltraCart" in client.instructions and "Voucherify" in client.instructions
            assert "TWC" in client.instructions
            names = {tool.name for tool in (await client.list_tools()).tools}
            answers = [
                await client.call_tool(tool, {"query": "jane@example.com"})
                for tool in ("ultracart_find_customers", "voucherify_find_customers")
            ]
            answers.append(await client.call_tool("twc_search_customers", {"email": "jane@example.com"}))
    assert {"ultracart_find_customers", "voucherify_find_customers", "voucherify_get_customer"} <= names
    assert "twc_search_customers" in names
    for answer in answers:
        assert not answer.is_error, answer.content
        assert answer.structured_content is not None and answer.structured_content["sandbox"] is True
        assert "jane@example.com" in json.dumps(answer.structured_content)
    assert (tmp_path / "voucherify.sqlite3").exists() and (tmp_path / "twc.sqlite3").exists()
