"""Canary secrets and canary customer data never leak (issue 5, "PII and secrets").

``canary_session.py`` runs a full tool session in its own process — inserts, lookups, errors, a
wrong key, guarded actions, an unexpected failure — under the MCP SDK's default logging set-up.
Every byte it leaves is scanned:

- results (what the model sees): no secret — API keys, confirmation secret, HTTP token, password,
  verification token, magic-link token, the full card number;
- stderr (host log files) and the audit log: none of those, and no customer data beyond ids
  (email, name, phone, street).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tests.paths import REPO
from tests.servers import sandbox_server

ROOT = REPO
SECRETS = {
    "api key": "uck-CANARY-7f3a9c21e8",
    "wrong key": "uck-CANARY-wrong-55d0b4",
    "confirm secret": "CANARY-confirm-secret-0c9e1f",
    "http token": "CANARY-http-token-a81b77",
    "password": "CANARY-pw-Hunter2!",
}
PII = {
    "email": "canary.pii.7731@example.com",
    "name": "Quillon Vexmoor",
    "phone": "512-555-7731",
    "street": "7731 Canary Lane",
}
CARD = "4242 4242 4242 4242"  # Luhn-valid test card number


@pytest.fixture(scope="module")
def leftovers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("canary")
    db = work / "sandbox.sqlite3"
    audit = work / "audit.jsonl"
    out = work / "results.json"
    with sandbox_server(db, "--customers", "20", "--api-key", SECRETS["api key"]) as base_url:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(work),
            "XDG_STATE_HOME": str(work / "state"),
            "ULTRACART_API_KEY": SECRETS["api key"],
            "ULTRACART_BASE_URL": base_url,
            "UC_MCP_CONFIRM_SECRET": SECRETS["confirm secret"],
            "UC_MCP_HTTP_TOKEN": SECRETS["http token"],
            "UC_MCP_AUDIT_LOG": str(audit),
            "CANARY_EMAIL": PII["email"],
            "CANARY_NAME": PII["name"],
            "CANARY_PHONE": PII["phone"],
            "CANARY_STREET": PII["street"],
            "CANARY_CARD": CARD,
            "CANARY_PASSWORD": SECRETS["password"],
            "CANARY_WRONG_KEY": SECRETS["wrong key"],
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.ultracart.mcp.canary_session", str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    with sqlite3.connect(db) as conn:
        issued = [row[0] for row in conn.execute("SELECT token FROM verify_token UNION SELECT token FROM magic_link")]
    return {
        "results": json.loads(out.read_text(encoding="utf-8")),
        "stderr": done.stderr.decode("utf-8", errors="replace"),
        "stdout": done.stdout.decode("utf-8", errors="replace"),
        "audit": audit.read_text(encoding="utf-8"),
        "issued": issued,
    }


def _secrets(leftovers: dict[str, object]) -> dict[str, str]:
    issued = leftovers["issued"]
    assert isinstance(issued, list) and len(issued) == 2  # one verification token, one magic link
    return {**SECRETS, "verification token": issued[0], "magic link token": issued[1], "card": CARD.replace(" ", "")}


def _variants(value: str) -> set[str]:
    return {value, value.lower(), value.replace(" ", ""), json.dumps(value)[1:-1]}


def test_the_session_did_what_it_claims(leftovers: dict[str, object]) -> None:
    """The scan is only worth something if the session exercised every path."""
    results = leftovers["results"]
    assert isinstance(results, list)
    outcomes = [(entry["tool"], entry["is_error"]) for entry in results]
    assert ("ultracart_insert_customer", False) in outcomes and ("ultracart_insert_customer", True) in outcomes
    assert ("wrong key", True) in outcomes
    guarded = {entry["tool"]: entry["structured"] for entry in results if entry["tool"].endswith(("_link", "_credit"))}
    assert guarded["ultracart_get_magic_link"]["status"] == "executed"
    assert guarded["ultracart_add_customer_store_credit"]["status"] == "executed"
    wrong = results[-1]["text"]
    assert "Unauthorized" in wrong or "unauthorized" in wrong
    # The card number typed into a note comes back masked, the rest of the note intact.
    assert "paid with card ****4242, call back" in results[0]["text"]
    # The unexpected failure was logged through the SDK's handler, by type, without the exception's
    # customer-quoting text (so the scan of stderr is not a scan of an empty stream).
    stderr = leftovers["stderr"]
    assert isinstance(stderr, str)
    assert "ERROR" in stderr and "RuntimeError" in stderr and "unexpected state" not in stderr
    assert leftovers["stdout"] == ""
    audit = str(leftovers["audit"])
    assert audit.count('"event":"intent"') >= 5


@pytest.mark.parametrize("place", ["results", "stderr", "audit"])
def test_no_secret_anywhere(leftovers: dict[str, object], place: str) -> None:
    text = json.dumps(leftovers[place], ensure_ascii=False) if place == "results" else str(leftovers[place])
    for name, secret in _secrets(leftovers).items():
        for variant in _variants(secret):
            assert variant not in text, f"{name} leaked into {place}"


@pytest.mark.parametrize("place", ["stderr", "audit"])
def test_no_customer_data_in_logs_or_audit(leftovers: dict[str, object], place: str) -> None:
    text = str(leftovers[place])
    for name, value in PII.items():
        for variant in _variants(value) | {value.split(" ")[-1]}:
            assert variant not in text, f"customer {name} leaked into {place}"
