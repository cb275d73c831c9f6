"""The ``uc-mcp`` command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uc_mcp.cli import main
from uc_mcp.core.errors import ConfigurationError
from uc_mcp.providers import all_providers
from uc_mcp.settings import load_settings
from uc_mcp.tables import CROSS_TABLES


def run(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``uc-mcp ARGS`` with no credential anywhere: every provider on its embedded sandbox (``extra`` adds
    variables, e.g. ``UC_MCP_PROVIDERS``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_"))}
    env |= {"UC_MCP_SANDBOX_DB": str(tmp_path / "cli.sqlite3"), "UC_MCP_SANDBOX_CUSTOMERS": "30", **extra}
    return subprocess.run(
        [sys.executable, "-m", "uc_mcp", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_call_prints_the_structured_result(tmp_path: Path) -> None:
    done = run(tmp_path, "call", "ultracart_get_customer_by_email", '{"email": "jane@example.com"}')
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["customer"]["customer_profile_oid"] == 100001
    assert result["sandbox"] is True
    assert "jane@example.com" not in done.stderr  # no URLs with emails in the logs


def test_call_exits_1_on_a_tool_error_and_2_on_bad_json(tmp_path: Path) -> None:
    missing = run(tmp_path, "call", "ultracart_get_customer", '{"customer_profile_oid": 7}')
    assert missing.returncode == 1
    assert "not found" in json.loads(missing.stdout)["error"].lower()
    assert run(tmp_path, "call", "ultracart_get_customer", "{not json").returncode == 2


def test_tools_lists_sizes_and_read_only_filters(tmp_path: Path) -> None:
    alone = {"UC_MCP_PROVIDERS": "ultracart"}  # UltraCart's own defaults (with others, its shared ones)
    listing = run(tmp_path, "tools", **alone)
    assert listing.returncode == 0
    assert "ultracart_get_customers " in listing.stdout
    assert "budget" in listing.stdout
    definitions = json.loads(run(tmp_path, "tools", "--json", "--read-only", **alone).stdout)
    assert definitions
    assert all(tool["annotations"]["readOnlyHint"] for tool in definitions)


def test_ultracart_variable_without_a_key_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    env_run = subprocess.run(
        [sys.executable, "-m", "uc_mcp", "call", "ultracart_get_customers", "{}"],
        capture_output=True,
        text=True,
        env={**os.environ, "ULTRACART_BASE_URL": "https://secure.ultracart.com/rest/v2", "UC_MCP_BACKEND": "auto"},
        timeout=60,
        check=False,
    )
    assert env_run.returncode == 2
    assert "ULTRACART_API_KEY" in env_run.stderr


def test_call_confirm_runs_a_guarded_tool_in_one_step(tmp_path: Path) -> None:
    arguments = '{"customer_profile_oid": 100001, "amount": 7}'
    preview = run(tmp_path, "call", "ultracart_add_customer_store_credit", arguments)
    assert preview.returncode == 0
    assert json.loads(preview.stdout)["status"] == "confirmation_required"
    done = run(tmp_path, "call", "ultracart_add_customer_store_credit", arguments, "--confirm")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "executed"
    assert "confirming: Add 7.00 store credit" in done.stderr


# -- a setting or flag that cannot be used: one line, exit 2, never a traceback ----------------------------

# Every sub-command, as a user types it; `serve` over both transports.
COMMANDS = [
    ["serve"],
    ["serve", "--transport", "http"],
    ["tools"],
    ["call", "ultracart_get_customers", "{}"],
    ["sandbox", "--demo"],
    ["config", "claude-desktop"],
    ["audit"],
]
# (variable, value, what the message must say is allowed)
BAD_SETTINGS = [
    ("UC_MCP_READ_ONLY", "2", "expected 1 or 0"),
    ("UC_MCP_BACKEND", "remote", "expected one of 'auto', 'api', 'sandbox' or 'ultracart'"),
    ("UC_MCP_MAX_RESULT_TOKENS", "lots", "expected a whole number"),
    ("UC_MCP_MAX_CREDIT", "0", "expected a number more than 0"),
    ("UC_MCP_TOOLSETS", "customers,bogus", "expected a comma list of assist, customers"),
]


def in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, env: dict[str, str], *argv: str
) -> tuple[int, str, str]:
    for name in list(os.environ):
        if name.upper().startswith(("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("variable", "value", "allowed"), BAD_SETTINGS, ids=[bad[0] for bad in BAD_SETTINGS])
def test_every_command_refuses_a_bad_setting_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: list[str],
    variable: str,
    value: str,
    allowed: str,
) -> None:
    if variable == "UC_MCP_TOOLSETS" and command[0] in ("sandbox", "config", "audit"):
        pytest.skip("toolsets mean nothing to this command")
    code, out, err = in_process(monkeypatch, capsys, tmp_path, {variable: value}, *command)
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("uc-mcp: ")
    assert f"{variable}={value!r}" in err and allowed in err


@pytest.mark.parametrize("command", [["tools"], ["serve"], ["call", "ultracart_get_customers", "{}"]], ids=" ".join)
def test_an_unknown_toolset_flag_is_named_with_what_is_allowed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    code, out, err = in_process(monkeypatch, capsys, tmp_path, {}, *command, "--toolsets", "bogus")
    assert (code, out) == (2, "")
    # Every registered provider's toolsets, UltraCart's first.
    bare = ", ".join(dict.fromkeys(name for provider in all_providers() for name in provider.toolsets))
    qualified = ", ".join(provider.qualified(name) for provider in all_providers() for name in provider.toolsets)
    assert err == (
        f"uc-mcp: --toolsets='bogus' is not valid: unknown toolset(s) bogus; expected a comma list of {bare} (that "
        f"toolset of every provider that has it), or with the provider: {qualified}; or across providers: "
        f"{', '.join(table.name for table in CROSS_TABLES)}.\n"
    )
    assert bare.startswith("assist, customers, store_credit, wishlist, email_lists, admin, email_verification")
    assert qualified.startswith("ultracart.assist, ultracart.customers, ultracart.store_credit, ultracart.wishlist")


def test_the_doctor_and_schemas_report_a_bad_setting_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = in_process(monkeypatch, capsys, tmp_path, {"UC_MCP_READ_ONLY": "2"}, "doctor", "--offline")
    assert code == 1
    assert "FAIL  configuration      UC_MCP_READ_ONLY='2' is not valid: expected 1 or 0" in out
    code, _, _ = in_process(monkeypatch, capsys, tmp_path, {"UC_MCP_READ_ONLY": "2"}, "schemas", "--check")
    assert code in (0, 1)  # schemas reads no setting: it compares tool_schemas/ with the code


def test_a_secret_that_cannot_be_read_is_named_but_never_shown() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, ultracart_api_key=12345678901, http_token=98765432109)
    message = str(caught.value)
    assert "ULTRACART_API_KEY=(value not shown)" in message and "UC_MCP_HTTP_TOKEN=(value not shown)" in message
    assert "12345678901" not in message and "98765432109" not in message


def test_a_bad_setting_in_a_real_process_is_one_line_on_stderr(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "uc_mcp", "tools"],
        capture_output=True,
        text=True,
        env={**os.environ, "UC_MCP_READ_ONLY": "2"},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "uc-mcp: UC_MCP_READ_ONLY='2' is not valid: expected 1 or 0 (also true/false, yes/no, on/off).\n"
    )
