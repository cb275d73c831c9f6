"""``uc-mcp doctor`` and ``uc-mcp config HOST``: what they find and print, and that the printed host
block really starts a working server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from tests.servers import sandbox_server
from uc_mcp.cli import main

KEY = "uck-DOCTOR-CANARY-0123456789"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("ULTRACART_", "UC_MCP_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("UC_MCP_SANDBOX_DB", str(tmp_path / "sandbox.sqlite3"))
    monkeypatch.setenv("UC_MCP_SANDBOX_CUSTOMERS", "20")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_doctor_on_the_sandbox_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "doctor")
    assert code == 0, out
    assert "ok    API call           get_customers answered" in out and "(20 customers)" in out
    assert "ok    audit log" in out and "all checks passed" in out


def test_doctor_reports_a_wrong_key_without_printing_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sandbox_server(tmp_path / "remote.sqlite3", "--customers", "5", "--api-key", "the-right-key-000") as url:
        monkeypatch.setenv("ULTRACART_BASE_URL", url)
        monkeypatch.setenv("ULTRACART_API_KEY", KEY)
        code, out = run(capsys, "doctor")
    assert code == 1
    assert "FAIL  API call" in out and "Unauthorized" in out
    assert "simple key set (…6789)" in out
    assert KEY not in out and KEY[:-4] not in out


def test_doctor_fails_an_unwritable_audit_log_and_missing_credentials(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("not a directory")
    monkeypatch.setenv("UC_MCP_AUDIT_LOG", str(tmp_path / "file" / "audit.jsonl"))
    monkeypatch.setenv("UC_MCP_BACKEND", "ultracart")
    code, out = run(capsys, "doctor", "--offline")
    assert code == 1
    assert "FAIL  backend" in out and "ULTRACART_API_KEY" in out
    assert "FAIL  audit log" in out and "writes would be refused" in out


def test_config_uses_placeholders_unless_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ULTRACART_API_KEY", KEY)
    monkeypatch.setenv("UC_MCP_READ_ONLY", "1")
    monkeypatch.delenv("UC_MCP_SANDBOX_DB")
    _, out = run(capsys, "config", "claude-desktop")
    entry = json.loads(out)["mcpServers"]["uc-mcp"]
    assert entry["args"] == ["-m", "uc_mcp", "serve"] and Path(entry["command"]).is_absolute()
    assert entry["env"] == {"ULTRACART_API_KEY": "<your UltraCart simple key>", "UC_MCP_READ_ONLY": "1"}
    assert KEY not in out
    _, out = run(capsys, "config", "vscode", "--include-secrets")
    assert json.loads(out)["servers"]["uc-mcp"]["env"]["ULTRACART_API_KEY"] == KEY
    _, out = run(capsys, "config", "claude-code", "--sandbox")
    assert out.startswith("claude mcp add uc-mcp --env ") and "--env UC_MCP_BACKEND=sandbox" in out and " -- " in out


@pytest.mark.anyio
async def test_the_printed_block_starts_a_server(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, out = run(capsys, "config", "claude-desktop", "--sandbox")
    entry = json.loads(out)["mcpServers"]["uc-mcp"]
    # A host passes only the block's env (plus where to keep state, here a temporary directory).
    env = {**entry["env"], "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")}
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=env, cwd=Path(__file__).parents[1])
    async with Client(params) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        found = await client.call_tool("ultracart_find_customers", {"query": "jane@example.com"})
    assert "ultracart_find_customers" in tools
    assert found.structured_content["items"][0][1] == "jane@example.com"  # type: ignore[index]


def test_doctor_checks_redis_when_configured(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.servers import free_port

    monkeypatch.setenv("UC_MCP_REDIS_URL", f"redis://:CANARY-redis-pw@127.0.0.1:{free_port()}/0")
    code, out = run(capsys, "doctor", "--offline")
    assert code == 1 and "FAIL  redis" in out
    assert "CANARY-redis-pw" not in out
