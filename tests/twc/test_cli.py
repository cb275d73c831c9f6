"""``uc-mcp`` for TWC, run as a real process: from a fresh clone with no credentials anywhere, TWC's tools answer
from its embedded sandbox (issue 19, "Done means"); a failed call exits 1 with its message, a missing credential
2 naming the variable."""

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
    env |= {"UC_MCP_TWC_SANDBOX_DB": str(tmp_path / "twc.sqlite3"), **extra}
    return subprocess.run(
        [sys.executable, "-m", "uc_mcp", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no stray .env
        timeout=120,
        check=False,
    )


def test_search_customers_with_no_credentials_answers_from_the_embedded_sandbox(tmp_path: Path) -> None:
    done = run(tmp_path, "call", "twc_search_customers", '{"email": "jane@example.com"}')
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sandbox"] is True and (result["returned"], result["total"]) == (1, 1)
    row = dict(zip(result["columns"], result["items"][0], strict=True))
    assert (row["email"], row["name"], row["customerRef"]) == ("jane@example.com", "Jane Doe", "100001")
    assert (tmp_path / "twc.sqlite3").exists()


def test_a_tool_outside_the_shared_defaults_is_reachable(tmp_path: Path) -> None:
    """With several providers each lists only its shared defaults; `uc-mcp call` reaches the rest."""
    done = run(tmp_path, "call", "twc_validate_customer", '{"email": "new@example.net"}')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] is True


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ('{"customer": "00000000-0000-4000-8000-000000000000"}', "Not found (HTTP 404)"),
        ('{"customer": 7}', "customer: expected text (a JSON string)"),
    ],
)
def test_a_failed_call_exits_1_with_the_message(tmp_path: Path, arguments: str, says: str) -> None:
    done = run(tmp_path, "call", "twc_get_customer", arguments)
    assert done.returncode == 1
    assert says in json.loads(done.stdout)["error"]


def test_a_missing_credential_is_exit_2_naming_the_variables(tmp_path: Path) -> None:
    done = run(tmp_path, "call", "twc_search_customers", '{"email": "a@b.example"}', TWC_CLIENT_ID="acme-retail-api")
    assert done.returncode == 2
    assert "TWC_CLIENT_SECRET and TWC_TENANT are not set" in done.stderr and done.stderr.count("\n") == 1
