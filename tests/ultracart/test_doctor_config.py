"""``uc-mcp doctor`` and ``uc-mcp config HOST``: what they find and print, and that the printed host
block really starts a working server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from tests.paths import REPO
from tests.servers import sandbox_server
from uc_mcp.cli import main

KEY = "uck-DOCTOR-CANARY-0123456789"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("UC_MCP_SANDBOX_DB", str(tmp_path / "sandbox.sqlite3"))
    monkeypatch.setenv("UC_MCP_SANDBOX_CUSTOMERS", "20")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """``uc-mcp doctor ...`` for UltraCart alone: its checks, named without a provider prefix."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UC_MCP_PROVIDERS", os.environ.get("UC_MCP_PROVIDERS", "ultracart"))
        code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def config(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    """``uc-mcp config ...``: the block (stdout) and the notes for the person pasting it (stderr)."""
    assert main(["config", *argv]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


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
    out, notes = config(capsys, "claude-desktop")
    entry = json.loads(out)["mcpServers"]["uc-mcp"]
    assert entry["args"] == ["-m", "uc_mcp", "serve"] and Path(entry["command"]).is_absolute()
    assert entry["env"] == {"ULTRACART_API_KEY": "<your UltraCart simple key>", "UC_MCP_READ_ONLY": "1"}
    assert KEY not in out + notes
    assert "Replace the placeholder of ULTRACART_API_KEY" in notes and "Restart the host" in notes
    out, _ = config(capsys, "vscode", "--include-secrets")
    assert json.loads(out)["servers"]["uc-mcp"]["env"]["ULTRACART_API_KEY"] == KEY
    out, _ = config(capsys, "claude-code", "--sandbox")
    assert out.startswith("claude mcp add uc-mcp --env ") and "--env UC_MCP_BACKEND=sandbox" in out and " -- " in out
    assert "ULTRACART_API_KEY" not in out  # --sandbox: the sandbox's block whatever is configured


@pytest.mark.anyio
async def test_the_printed_block_starts_a_server(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, _ = config(capsys, "claude-desktop", "--sandbox")
    entry = json.loads(out)["mcpServers"]["uc-mcp"]
    # A host passes only the block's env (plus where to keep state, here a temporary directory).
    env = {**entry["env"], **{f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("STATE", "DATA", "CACHE")}}
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=env, cwd=REPO)
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


# -- the doctor never crashes: every check fails with the cause and the fix ---------------------------------

# (environment, the failing check, what its line must say), each checked offline and online.
DOCTOR_FAILURES = {
    "unreadable setting": ({"UC_MCP_READ_ONLY": "2"}, "configuration", "UC_MCP_READ_ONLY='2' is not valid"),
    "http base URL": (
        {"ULTRACART_API_KEY": KEY, "ULTRACART_BASE_URL": "http://secure.ultracart.com/rest/v2"},
        "backend",
        "ULTRACART_BASE_URL='http://secure.ultracart.com/rest/v2' is not allowed",
    ),
    "not a URL": (
        {"ULTRACART_API_KEY": KEY, "ULTRACART_BASE_URL": "secure.ultracart.com"},
        "backend",
        "ULTRACART_BASE_URL='secure.ultracart.com' is not a URL",
    ),
    "placeholder key": (
        {"ULTRACART_API_KEY": "<your UltraCart simple key>"},
        "backend",
        "ULTRACART_API_KEY is not a usable credential",
    ),
    "key and token": (
        {"ULTRACART_API_KEY": KEY, "ULTRACART_OAUTH_TOKEN": KEY},
        "backend",
        "Set either ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN, not both",
    ),
    "sandbox database is a directory": ({"UC_MCP_SANDBOX_DB": "{tmp}"}, "backend", "it is a directory"),
    "sandbox database under a file": (
        {"UC_MCP_SANDBOX_DB": "{tmp}/a-file/sandbox.sqlite3"},
        "backend",
        "a-file is a file, not a directory",
    ),
    "audit log under a file": (
        {"UC_MCP_AUDIT_LOG": "{tmp}/a-file/audit.jsonl"},
        "audit log",
        "not writable",
    ),
}


@pytest.mark.parametrize("online", [False, True], ids=["offline", "online"])
@pytest.mark.parametrize("case", DOCTOR_FAILURES)
def test_the_doctor_fails_each_check_with_its_cause_and_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, online: bool
) -> None:
    environment, check, cause = DOCTOR_FAILURES[case]
    (tmp_path / "a-file").write_text("not a directory")
    for name, value in environment.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    code, out = run(capsys, "doctor", *([] if online else ["--offline"]))
    assert code == 1, out
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith(f"FAIL  {check:<18} ") and cause in failed[0], out
    fix = out.splitlines()[out.splitlines().index(failed[0]) + 1]
    assert fix.strip().startswith("fix: ") or " set " in failed[0].lower(), out  # the fix, on its line or in it
    assert KEY not in out and "Traceback" not in out


@pytest.mark.parametrize("case", ["not a database", "no place to create it"])
def test_the_doctor_fails_a_sandbox_database_it_cannot_open(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not an SQLite database" * 100)
    path = junk if case == "not a database" else Path("/proc/uc-mcp-doctor/sandbox.sqlite3")
    monkeypatch.setenv("UC_MCP_SANDBOX_DB", str(path))
    code, out = run(capsys, "doctor")
    assert code == 1
    assert f"FAIL  sandbox database   UC_MCP_SANDBOX_DB={str(path)!r} cannot hold the embedded sandbox's" in out
    assert "Set UC_MCP_SANDBOX_DB to a file path" in out


def test_the_doctor_fails_a_sandbox_database_in_a_directory_it_cannot_write(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    # Root may write anywhere: answer for it as the kernel answers any other user.
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: access(path, mode) and Path(path) != locked)
    monkeypatch.setenv("UC_MCP_SANDBOX_DB", str(locked / "sandbox.sqlite3"))
    code, out = run(capsys, "doctor", "--offline")
    assert code == 1 and "FAIL  backend" in out and f"this user cannot create files in {locked}" in out


def test_the_doctor_fails_a_base_url_that_is_not_the_api(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sandbox without its /rest/v2: the server answers, but get_customers (which names no record)
    is not there — the base URL is wrong, whatever the 404's body says."""
    with sandbox_server(tmp_path / "remote.sqlite3", "--customers", "5", "--api-key", KEY) as url:
        root = url.removesuffix("/rest/v2")
        monkeypatch.setenv("ULTRACART_BASE_URL", root)
        monkeypatch.setenv("ULTRACART_API_KEY", KEY)
        code, out = run(capsys, "doctor")
    assert code == 1
    assert f"FAIL  API call           ULTRACART_BASE_URL='{root}' answered 404 to get_customers" in out
    assert "fix: set ULTRACART_BASE_URL to https://secure.ultracart.com/rest/v2" in out
    assert KEY not in out


def test_a_check_that_breaks_unexpectedly_is_that_checks_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from uc_mcp import doctor

    def broken(*args: object) -> None:
        raise RuntimeError(f"disk on fire near {KEY}")

    monkeypatch.setenv("UC_MCP_HTTP_TOKEN", KEY)
    monkeypatch.setattr(doctor, "_files", broken)
    code, out = run(capsys, "doctor", "--offline")
    assert code == 1
    assert "FAIL  audit log          could not be checked: RuntimeError: disk on fire near [redacted]" in out
    assert "ok    confirmation" in out  # the checks after it still ran
    assert KEY not in out


# -- `uc-mcp config`: a block that works as printed -----------------------------------------------------------


def test_config_without_a_credential_prints_the_sandbox_block_and_how_to_switch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ULTRACART_BASE_URL", "https://secure.ultracart.com/rest/v2")  # a URL is not a credential
    out, notes = config(capsys, "claude-desktop")
    env = json.loads(out)["mcpServers"]["uc-mcp"]["env"]
    assert env["UC_MCP_BACKEND"] == "sandbox" and not any(name.startswith("ULTRACART_") for name in env)
    assert (
        "No credential is configured here (UltraCart: ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN" in notes
        and "For a real store" in notes
    )
    assert "claude_desktop_config.json" in notes and "Restart the host" in notes
    out, _ = config(capsys, "--sandbox")  # the host defaults to Claude Desktop
    assert json.loads(out)["mcpServers"]["uc-mcp"]["env"]["UC_MCP_BACKEND"] == "sandbox"


def test_config_reads_a_credential_from_dot_env(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A host starts the server elsewhere, without this directory's .env: the block carries its settings."""
    (tmp_path / ".env").write_text(f"ULTRACART_API_KEY={KEY}\nUC_MCP_REDACT=email\n")
    out, notes = config(capsys, "cursor")
    env = json.loads(out)["mcpServers"]["uc-mcp"]["env"]
    assert env["ULTRACART_API_KEY"] == "<your UltraCart simple key>" and env["UC_MCP_REDACT"] == "email"
    assert KEY not in out + notes and "~/.cursor/mcp.json" in notes
    out, _ = config(capsys, "cursor", "--include-secrets")
    assert json.loads(out)["mcpServers"]["uc-mcp"]["env"]["ULTRACART_API_KEY"] == KEY


@pytest.mark.anyio
async def test_the_real_store_block_left_unedited_starts_and_every_tool_names_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Launched as printed, placeholder and all: the host must not see just "Connection closed"."""
    monkeypatch.setenv("ULTRACART_API_KEY", KEY)
    out, _ = config(capsys, "claude-desktop")
    entry = json.loads(out)["mcpServers"]["uc-mcp"]
    assert entry["env"]["ULTRACART_API_KEY"] == "<your UltraCart simple key>"
    env = {**entry["env"], **{f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("STATE", "DATA", "CACHE")}}
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=env, cwd=tmp_path)
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        found = await client.call_tool("ultracart_find_customers", {"query": "jane@example.com"})
        listed = await client.call_tool("ultracart_get_customers", {"limit": 1})
    assert len(tools) > 10
    for result in (found, listed):
        text = " ".join(getattr(block, "text", "") for block in result.content)
        assert result.is_error
        assert "ULTRACART_API_KEY is not a usable credential" in text and "placeholder" in text
