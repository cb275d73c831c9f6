"""Bodies that break a JSON parser are the client's mistake (issue 14.17): over a real socket,
``uc-mcp serve --transport http`` answers each with 400 and a JSON-RPC parse error, in every protocol
era and inside a session, and its log shows no traceback (it used to answer a deeply nested body 500,
after a RecursionError in the gate)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx2
import pytest

from tests.servers import McpHttpServer, mcp_http_server

TOKEN = "bodies-test-token-0123456789"
HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "Authorization": f"Bearer {TOKEN}",
}
SECRET_LOOKING = "do-not-echo-4242"


def tools_call(value: str) -> bytes:
    """A tools/call whose argument is ``value`` (raw JSON text)."""
    return (
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ultracart_get_customer",'
        f'"arguments":{{"customer_profile_oid":{value},"note":"{SECRET_LOOKING}"}}}}}}'
    ).encode()


BROKEN = {
    "nested-arrays": b"[" * 100_000 + b"]" * 100_000,
    "nested-objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "nested-in-arguments": tools_call("[" * 500 + "]" * 500),
    "nested-just-past-the-bound": tools_call("[" * 101 + "]" * 101),
    "huge-integer": tools_call("9" * 5_000),
    "invalid-utf8": tools_call('"x"').replace(b'"x"', b'"\xff\xfe"'),
    "truncated": tools_call("1")[:-3],
    "empty": b"",
    "not-json": b"jsonrpc=2.0&method=tools/list",
}
ERAS = {
    "no-version": {},
    "handshake": {"MCP-Protocol-Version": "2025-11-25"},
    "modern": {"MCP-Protocol-Version": "2026-07-28"},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpHttpServer]:
    state = tmp_path_factory.mktemp("bodies")
    env = {
        "HOME": str(state),
        "XDG_STATE_HOME": str(state / "xdg"),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_PROVIDERS": "ultracart",
        "UC_MCP_SANDBOX_DB": str(state / "sandbox.sqlite3"),
        "UC_MCP_SANDBOX_CUSTOMERS": "5",
        "UC_MCP_HTTP_TOKEN": TOKEN,
        "UC_MCP_AUDIT_LOG": str(state / "audit.jsonl"),
    }
    with mcp_http_server(env, state / "serve.log") as running:
        yield running


def session_of(server: McpHttpServer) -> str:
    body = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
    }
    answer = httpx2.post(server.url, json=body, headers=HEADERS, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.headers["mcp-session-id"]


def assert_parse_error(answer: httpx2.Response) -> None:
    assert answer.status_code == 400, answer.text[:300]
    message = answer.json()
    assert message["jsonrpc"] == "2.0" and message["id"] is None
    assert message["error"]["code"] == -32700 and message["error"]["message"].startswith("Parse error")
    assert SECRET_LOOKING not in answer.text


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("name", BROKEN)
def test_a_body_that_breaks_parsing_is_a_parse_error(server: McpHttpServer, name: str, era: str) -> None:
    answer = httpx2.post(server.url, content=BROKEN[name], headers={**HEADERS, **ERAS[era]}, timeout=30)
    assert_parse_error(answer)


@pytest.mark.parametrize("name", BROKEN)
def test_the_same_inside_a_session(server: McpHttpServer, name: str) -> None:
    headers = {**HEADERS, **ERAS["handshake"], "Mcp-Session-Id": session_of(server)}
    assert_parse_error(httpx2.post(server.url, content=BROKEN[name], headers=headers, timeout=30))


def test_nesting_within_the_bound_still_reaches_the_tool(server: McpHttpServer) -> None:
    answer = httpx2.post(server.url, content=tools_call("[" * 60 + "]" * 60), headers=HEADERS, timeout=30)
    assert answer.status_code == 200
    result = json.loads(answer.text)["result"]
    assert result["isError"] and "customer_profile_oid" in result["content"][0]["text"]


@pytest.mark.parametrize("value", ["NaN", "1e999999", '"\\ud800"', "-0.0000000000000000000000000001e-999999"], ids=str)
def test_odd_but_parseable_values_are_never_a_server_error(server: McpHttpServer, value: str) -> None:
    for era in ERAS.values():
        answer = httpx2.post(server.url, content=tools_call(value), headers={**HEADERS, **era}, timeout=30)
        assert answer.status_code < 500, answer.text[:300]


def test_no_traceback_in_the_log(server: McpHttpServer) -> None:
    """Runs after the tests above in this module (same server): nothing they sent left a traceback."""
    for body in BROKEN.values():
        httpx2.post(server.url, content=body, headers=HEADERS, timeout=30)
    log = server.output()
    assert "Traceback" not in log and "RecursionError" not in log
    assert SECRET_LOOKING not in log
