"""``uc-mcp sandbox voucherify``: its options (the shared ``uc-mcp sandbox`` namespace; ``--api-key ID:TOKEN`` for
the key pair) and what it prints before serving: the base URL at the real paths and the key pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from uc_mcp.cli import build_parser
from uc_mcp.core.sandbox.faults import FaultKind
from uc_mcp.voucherify import sandbox_cli
from uc_mcp.voucherify.sandbox.runtime import Sandbox
from uc_mcp.voucherify.settings import VoucherifySettings


def parse(*argv: str) -> object:
    return build_parser().parse_args(["sandbox", "voucherify", *argv])


def test_options_from_flags_and_settings(tmp_path: Path) -> None:
    settings = VoucherifySettings(voucherify_sandbox_customers=33, voucherify_sandbox_seed=9)
    options = sandbox_cli.sandbox_options(
        parse("--db", str(tmp_path / "x.sqlite3"), "--api-key", "my-id:my-token", "--fault-kinds", "429,reset"),
        settings,
    )
    assert (options.db, options.customers, options.seed) == (tmp_path / "x.sqlite3", 33, 9)
    assert (options.app_id, options.app_token) == ("my-id", "my-token")
    assert options.faults.kinds == (FaultKind.RATE_LIMITED, FaultKind.RESET)
    token_only = sandbox_cli.sandbox_options(parse("--api-key", "just-a-token", "--customers", "5"), settings)
    assert (token_only.app_id, token_only.app_token, token_only.customers) == ("sandbox-app-id", "just-a-token", 5)


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
        sandbox_cli.sandbox_options(parse(*argv), VoucherifySettings())
    assert str(stopped.value).startswith(message)


def test_run_prints_the_base_url_and_the_key_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(Sandbox, "serve", lambda self, host, port: served.append((host, port)))
    args = parse("--db", str(tmp_path / "v.sqlite3"), "--customers", "12", "--port", "9123")
    assert sandbox_cli.run(args, VoucherifySettings()) == 0
    assert served == [("127.0.0.1", 9123)]
    printed = capsys.readouterr().err
    assert "12 customers" in printed and "http://127.0.0.1:9123/v1" in printed
    assert "X-App-Id: sandbox-app-id" in printed and "X-App-Token: sandbox-app-token" in printed
