"""Connections that never finish their request cannot starve the server (issue 14.16): real sockets
against a real ``uc-mcp serve --transport http`` whose descriptor limit is lowered.

- at most ``--max-pending-connections`` connections wait for their headers at once (the oldest is
  closed past that), so a flood of them leaves descriptors for authenticated calls;
- headers must be complete within ``--header-timeout``, a body within ``--body-timeout`` (408);
- a request refused before its body was read (401) closes its connection.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx2
import pytest

from tests.servers import McpHttpServer, mcp_http_server
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

TOKEN = "limits-test-token-0123456789"
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def env(state: Path) -> dict[str, str]:
    db = state / "sandbox.sqlite3"
    Sandbox(SandboxOptions(db=db, customers=10)).close()
    return {
        "HOME": str(state),
        "XDG_STATE_HOME": str(state / "xdg"),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_SANDBOX_DB": str(db),
        "UC_MCP_HTTP_TOKEN": TOKEN,
        "UC_MCP_AUDIT_LOG": str(state / "audit.jsonl"),
    }


def port_of(server: McpHttpServer) -> int:
    return int(server.url.split(":")[2].split("/")[0])


def open_slowly(port: int, first_bytes: bytes) -> socket.socket:
    """A connection that sends ``first_bytes`` and then nothing more."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if first_bytes:
        sock.sendall(first_bytes)
    return sock


def until_closed(sock: socket.socket, within: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    start = time.monotonic()
    sock.settimeout(within)
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            raise AssertionError(f"still open after {within} s; received {received[:200]!r}") from None
        except ConnectionResetError:
            return received, time.monotonic() - start
        if not chunk:
            return received, time.monotonic() - start
        received += chunk


def call(server: McpHttpServer) -> httpx2.Response:
    return httpx2.post(server.url, json=LIST, headers={**HEADERS, "Authorization": f"Bearer {TOKEN}"}, timeout=10)


PARTIAL_HEADERS = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def body_request(length: int, authorized: bool) -> bytes:
    auth = f"Authorization: Bearer {TOKEN}\r\n" if authorized else ""
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Accept: application/json, text/event-stream\r\n{auth}Content-Length: {length}\r\n\r\n"
    )
    return head.encode() + b'{"jsonrpc":'  # and the rest never comes


@pytest.mark.slow
def test_a_flood_of_unfinished_connections_leaves_room_for_authenticated_calls(tmp_path: Path) -> None:
    # The header deadline is long here: what keeps the server reachable is the cap on connections
    # waiting for headers, not a timeout.
    args = ("--header-timeout", "120", "--max-pending-connections", "32")
    with mcp_http_server(env(tmp_path), tmp_path / "serve.log", *args, open_files=128) as server:
        assert call(server).status_code == 200  # warm: the first call opens the sandbox
        with ExitStack() as stack:
            slow = [stack.enter_context(open_slowly(port_of(server), PARTIAL_HEADERS)) for _ in range(250)]
            slow += [stack.enter_context(open_slowly(port_of(server), b"")) for _ in range(50)]
            started = time.monotonic()
            answers = [call(server) for _ in range(3)]
            elapsed = time.monotonic() - started
            oldest, _ = until_closed(slow[0], within=10)  # evicted to make room
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all("ultracart_find_customers" in answer.text for answer in answers)
    # A flood arriving all at once can still exhaust the descriptors for a moment (asyncio accepts a
    # burst before any connection is set up, then retries after 1 s); then the cap frees them.
    assert elapsed < 10, elapsed
    assert oldest == b""  # no request was read, so nothing was answered


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpHttpServer]:
    state = tmp_path_factory.mktemp("limits")
    args = ("--header-timeout", "1.5", "--body-timeout", "1.5")
    with mcp_http_server(env(state), state / "serve.log", *args) as running:
        yield running


@pytest.mark.parametrize("first_bytes", [b"", PARTIAL_HEADERS], ids=["nothing", "part-of-the-headers"])
def test_headers_not_finished_in_time_close_the_connection(server: McpHttpServer, first_bytes: bytes) -> None:
    with open_slowly(port_of(server), first_bytes) as sock:
        received, elapsed = until_closed(sock, within=10)
    assert received == b""
    assert 1.0 <= elapsed < 5, elapsed


def test_a_body_not_finished_in_time_is_answered_408_and_closed(server: McpHttpServer) -> None:
    with open_slowly(port_of(server), body_request(200, authorized=True)) as sock:
        received, elapsed = until_closed(sock, within=10)
    assert received.startswith(b"HTTP/1.1 408 "), received[:100]
    assert 1.0 <= elapsed < 5, elapsed


def test_an_unauthenticated_request_is_refused_at_once_without_waiting_for_its_body(server: McpHttpServer) -> None:
    with open_slowly(port_of(server), body_request(200, authorized=False)) as sock:
        received, elapsed = until_closed(sock, within=10)
    assert received.startswith(b"HTTP/1.1 401 "), received[:100]
    assert elapsed < 1.0, elapsed


def test_authenticated_calls_are_not_cut_short(server: McpHttpServer) -> None:
    """Several requests on one kept-alive connection, with pauses shorter than every bound."""
    with httpx2.Client(headers={**HEADERS, "Authorization": f"Bearer {TOKEN}"}, timeout=10) as http:
        for _ in range(3):
            answer = http.post(server.url, content=json.dumps(LIST))
            assert answer.status_code == 200
            time.sleep(0.5)
    assert "Traceback" not in server.output()
