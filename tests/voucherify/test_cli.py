"""``uc-mcp`` for Voucherify, run as a real process: from a fresh clone with no credentials anywhere, Voucherify's
tools answer from its embedded sandbox (issue 18, "Done means")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``uc-mcp ARGS`` with no provider variable set (the sandboxes' data under this test's directories)."""
    prefixes = ("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")
    env = {name: value for name, value in os.environ.items() if not name.upper().startswith(prefixes)}
    env |= {"UC_MCP_VOUCHERIFY_SANDBOX_DB": str(tmp_path / "voucherify.sqlite3"), **extra}
    return subprocess.run(
        [sys.executable, "-m", "uc_mcp", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no stray .env
        timeout=120,
        check=False,
    )


def test_list_customers_with_no_credentials_answers_from_the_embedded_sandbox(tmp_path: Path) -> None:
    done = run(tmp_path, "call", "voucherify_list_customers", "{}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sandbox"] is True and result["total"] == 120 and result["returned"] == 20
    assert result["columns"][:4] == ["id", "source_id", "name", "email"] and result["next_cursor"]
    assert (tmp_path / "voucherify.sqlite3").exists()


def test_every_plain_tool_is_reachable_from_the_command_line(tmp_path: Path) -> None:
    """`uc-mcp call` reaches a tool outside the listing a host gets by default (with several providers each lists
    only its shared defaults)."""
    done = run(tmp_path, "call", "voucherify_list_customer_segments", '{"customer_id": "uc-100001"}')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["items"]


@pytest.mark.parametrize(
    ("arguments", "says"),
    [('{"customer_id": "cust_NoSuchCustomer"}', "Cannot find customer"), ('{"customer_id": 7}', "customer_id")],
)
def test_a_failed_call_exits_1_with_the_message(tmp_path: Path, arguments: str, says: str) -> None:
    done = run(tmp_path, "call", "voucherify_get_customer", arguments)
    assert done.returncode == 1
    assert says in json.loads(done.stdout)["error"]


def test_half_a_key_pair_is_exit_2_naming_the_missing_variable(tmp_path: Path) -> None:
    done = run(tmp_path, "call", "voucherify_list_customers", "{}", VOUCHERIFY_APP_ID="6a1e3f0c-0d4b-4c7e-9a55")
    assert done.returncode == 2
    assert "VOUCHERIFY_APP_TOKEN is not set" in done.stderr and done.stderr.count("\n") == 1
