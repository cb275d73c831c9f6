"""``python -m uc_mcp serve`` as a host runs it: a stdio subprocess on the embedded sandbox.

Over stdio, stdout belongs to the protocol: one stray ``print`` or log line there breaks the host's
JSON-RPC stream. And stderr ends up in host log files, so customer data must not be written there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.session import IncomingMessage
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import TextContent

JANE_EMAIL = "jane@example.com"
SERVE = [sys.executable, "-m", "uc_mcp", "serve"]


def _serve_available() -> bool:
    try:
        done = subprocess.run([*SERVE, "--help"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


pytestmark = pytest.mark.skipif(not _serve_available(), reason="`python -m uc_mcp serve` does not exist yet")


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    # Only what the server needs: no provider's variable, so "auto" runs every provider on its embedded sandbox.
    return {
        "PATH": os.environ["PATH"],
        "UC_MCP_SANDBOX_DB": str(tmp_path / "x.sqlite3"),
        "UC_MCP_SANDBOX_CUSTOMERS": "30",
        "UC_MCP_VOUCHERIFY_SANDBOX_DB": str(tmp_path / "v.sqlite3"),
        **extra,
    }


@pytest.mark.anyio
async def test_stdio_server_lists_tools_and_answers_on_the_sandbox(tmp_path: Path) -> None:
    params = StdioServerParameters(command=SERVE[0], args=SERVE[1:], env=_environment(tmp_path), cwd=tmp_path)
    stream_faults: list[Exception] = []

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, Exception):  # e.g. a stdout line that is not JSON-RPC
            stream_faults.append(message)

    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w+", encoding="utf-8") as errlog:
        async with Client(stdio_client(params, errlog=errlog), message_handler=on_message) as client:
            assert client.instructions is not None and "SANDBOX" in client.instructions
            # Nothing configured: every provider runs on its sandbox, each listing its shared defaults.
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert {"ultracart_find_customers", "voucherify_find_customers", "voucherify_get_customer"} <= names
            found = await client.call_tool("ultracart_find_customers", {"query": JANE_EMAIL})
            result = await client.call_tool("voucherify_find_customers", {"query": JANE_EMAIL})
    for answer in (found, result):
        assert not answer.is_error, answer.content
        assert answer.structured_content is not None and answer.structured_content["sandbox"] is True
        block = answer.content[0]
        assert isinstance(block, TextContent) and json.loads(block.text) == answer.structured_content
    assert JANE_EMAIL in json.dumps(found.structured_content) and JANE_EMAIL in json.dumps(result.structured_content)
    assert stream_faults == []
    # The sandboxes named in the environment were used.
    assert (tmp_path / "x.sqlite3").exists() and (tmp_path / "v.sqlite3").exists()
    assert JANE_EMAIL not in stderr_path.read_text(encoding="utf-8")


def _request(request_id: int, method: str, params: dict[str, Any]) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})


def test_stdio_stdout_carries_nothing_but_json_rpc(tmp_path: Path) -> None:
    """Raw bytes, without the SDK's tolerance: every stdout line is a JSON-RPC message."""
    messages = [
        _request(
            1,
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "raw-test", "version": "0"},
            },
        ),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        _request(2, "tools/call", {"name": "ultracart_get_customer_by_email", "arguments": {"email": JANE_EMAIL}}),
        _request(3, "tools/call", {"name": "ultracart_get_customer", "arguments": {"customer_profile_oid": 999999}}),
    ]
    env = _environment(tmp_path, UC_MCP_PROVIDERS="ultracart")  # UltraCart's full default listing
    with subprocess.Popen(
        SERVE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path
    ) as process:
        watchdog = threading.Timer(60, process.kill)  # a hung server fails the test instead of hanging it
        watchdog.start()
        process.stdin.write(("\n".join(messages) + "\n").encode())  # type: ignore[union-attr]
        process.stdin.flush()  # type: ignore[union-attr]
        answers: dict[int, dict[str, Any]] = {}
        while len(answers) < 3:  # read the answers before closing stdin, so none is cut short
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line, "the server closed stdout early"
            message = json.loads(line)
            assert message["jsonrpc"] == "2.0"
            answers[message["id"]] = message
        stdout_rest, stderr = process.communicate(timeout=60)
        watchdog.cancel()
    assert stdout_rest.strip() == b""
    assert process.returncode == 0
    assert answers[1]["result"]["serverInfo"]["name"] == "uc-mcp"
    found = answers[2]["result"]
    assert found.get("isError", False) is False
    assert found["structuredContent"]["customer"]["email"] == JANE_EMAIL
    missing = answers[3]["result"]
    assert missing["isError"] is True
    assert "not found" in missing["content"][0]["text"].lower()
    assert JANE_EMAIL.encode() not in stderr
