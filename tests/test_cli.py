"""The ``uc-mcp`` command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ULTRACART_", "UC_MCP_"))}
    env |= {"UC_MCP_SANDBOX_DB": str(tmp_path / "cli.sqlite3"), "UC_MCP_SANDBOX_CUSTOMERS": "30"}
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
    listing = run(tmp_path, "tools")
    assert listing.returncode == 0
    assert "ultracart_get_customers " in listing.stdout
    assert "budget" in listing.stdout
    definitions = json.loads(run(tmp_path, "tools", "--json", "--read-only").stdout)
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
