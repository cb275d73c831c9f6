"""``uc-mcp sandbox twc``: its options (the shared ``uc-mcp sandbox`` namespace; ``--api-key ID:SECRET`` for the
first tenant's client) and what it prints before serving: the base URL, each realm's token URL, each tenant's
client id and secret; ``--demo`` against a real socket."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from uc_mcp.core.sandbox.faults import FaultKind
from uc_mcp.twc import sandbox_cli
from uc_mcp.twc.sandbox.runtime import DEMO_TENANTS, Sandbox


def settings_like(db: Path | None = None, customers: int = 80, seed: int = 2019) -> Any:
    """The settings the command reads, as TWC's settings class names them."""
    return SimpleNamespace(sandbox_db_path=db, twc_sandbox_customers=customers, twc_sandbox_seed=seed)


def parse(*argv: str) -> argparse.Namespace:
    """The ``uc-mcp sandbox`` options (``uc_mcp/cli.py``), parsed without a provider name (TWC may not be registered
    yet when this runs)."""
    parser = argparse.ArgumentParser()
    for flag, kind, default in (
        ("--host", str, "127.0.0.1"),
        ("--port", int, 8765),
        ("--db", str, None),
        ("--customers", int, None),
        ("--seed", int, None),
        ("--api-key", str, None),
        ("--latency-ms", float, 0.0),
        ("--fault-rate", float, 0.0),
        ("--fault-seed", int, 0),
        ("--fault-kinds", str, "429,500,503,timeout,reset,garbled"),
        ("--fault-timeout-s", float, 30.0),
        ("--rate-limit", float, 0.0),
        ("--max-concurrency", int, 0),
    ):
        parser.add_argument(flag, type=kind, default=default)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--strict", action="store_true")
    return parser.parse_args(argv)


def test_options_from_flags_and_settings(tmp_path: Path) -> None:
    settings = settings_like(customers=33, seed=9)
    options = sandbox_cli.sandbox_options(
        parse("--db", str(tmp_path / "x.sqlite3"), "--api-key", "my-id:my-secret", "--fault-kinds", "429,reset"),
        settings,
    )
    assert (options.db, options.customers, options.seed) == (tmp_path / "x.sqlite3", 33, 9)
    first, second = DEMO_TENANTS
    assert options.tenants[first] == ("my-id", "my-secret") and options.tenants[second] == DEMO_TENANTS[second]
    assert options.faults.kinds == (FaultKind.RATE_LIMITED, FaultKind.RESET)
    secret_only = sandbox_cli.sandbox_options(parse("--api-key", "just-a-secret", "--customers", "5"), settings)
    assert secret_only.tenants[first] == (DEMO_TENANTS[first][0], "just-a-secret") and secret_only.customers == 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--api-key", "id:"), "--api-key"),
        (("--fault-kinds", "boom"), "--fault-kinds"),
        (("--fault-rate", "2"), "--fault-rate"),
        (("--customers", "-1"), "--customers"),
    ],
)
def test_bad_options_name_the_flag(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        sandbox_cli.sandbox_options(parse(*argv), settings_like())
    assert str(stopped.value).startswith(message)


def test_run_prints_the_urls_and_every_tenants_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(Sandbox, "serve", lambda self, host, port: served.append((host, port)))
    args = parse("--db", str(tmp_path / "t.sqlite3"), "--customers", "12", "--port", "9124")
    assert sandbox_cli.run(args, settings_like()) == 0
    assert served == [("127.0.0.1", 9124)]
    printed = capsys.readouterr().err
    assert "24 customers" in printed and "http://127.0.0.1:9124/services/customerservice/api/v2" in printed
    for tenant, (client_id, secret) in DEMO_TENANTS.items():
        assert f"http://127.0.0.1:9124/auth/realms/{tenant}/protocol/openid-connect/token" in printed
        assert f"tenant {tenant}" in printed and f"client_id={client_id}" in printed and secret in printed


def test_demo_answers_on_a_real_socket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--db", str(tmp_path / "demo.sqlite3"), "--customers", "20", "--demo")
    assert sandbox_cli.run(args, settings_like()) == 0
    printed = capsys.readouterr().out
    assert "GET /customers/search?email=jane@example.com -> 200" in printed and '"customerRef": "100001"' in printed
    assert "/customers/ALVAREZ.MX%2F06/ref -> 200" in printed
    assert "-> 404" in printed
