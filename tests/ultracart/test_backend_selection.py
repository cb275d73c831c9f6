"""Backend selection reads the same sources as the settings (DESIGN.md "Backend selection").

Any ``ULTRACART_*`` setting present in the environment, the ``.env`` file of the working directory or
the flags (keyword arguments) means the real API — then a missing or malformed credential is an error,
never a silent fallback to the demo sandbox. Only with none of them does stdio run on the sandbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO
from uc_mcp.settings import Settings
from uc_mcp.ultracart.client import choose_backend

KEY = "uck-SELECTION-CANARY-0123456789"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # the .env these tests write, and no other


@pytest.mark.parametrize(
    "setting",
    [
        f"ULTRACART_API_KEY={KEY}",
        f"ULTRACART_OAUTH_TOKEN={KEY}",
        "ULTRACART_BASE_URL=https://secure.ultracart.com/rest/v2",
        "ultracart_api_key=" + KEY,  # names are case-insensitive, as for the settings
        "ULTRACART_SIMPLE_KEY=" + KEY,  # a misspelt name still says "the real API" (then: no credential)
    ],
)
def test_an_ultracart_setting_in_dot_env_selects_the_real_api(tmp_path: Path, setting: str) -> None:
    (tmp_path / ".env").write_text(f"# copied from .env.example\n{setting}\n")
    assert choose_backend(Settings(), "stdio") == "ultracart"
    assert choose_backend(Settings(), "http") == "ultracart"


@pytest.mark.parametrize("name", ["ULTRACART_API_KEY", "ULTRACART_OAUTH_TOKEN", "ULTRACART_BASE_URL"])
def test_an_ultracart_setting_in_the_environment_selects_the_real_api(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "https://secure.ultracart.com/rest/v2" if name.endswith("URL") else KEY)
    assert choose_backend(Settings(_env_file=None), "stdio") == "ultracart"


@pytest.mark.parametrize(
    "flag",
    [
        {"ultracart_api_key": KEY},
        {"ultracart_oauth_token": KEY},
        {"ultracart_base_url": "https://secure.ultracart.com/rest/v2"},
    ],
)
def test_an_ultracart_setting_given_as_a_flag_selects_the_real_api(flag: dict[str, str]) -> None:
    assert choose_backend(Settings(_env_file=None, **flag), "stdio") == "ultracart"  # type: ignore[arg-type]


def test_settings_copied_with_the_model_keep_their_selection() -> None:
    """Over HTTP each token scope gets a copy of the settings: the copy selects what the original did."""
    settings = Settings(_env_file=None, ultracart_api_key=KEY)  # type: ignore[arg-type]
    assert choose_backend(settings.model_copy(update={"read_only": True}), "stdio") == "ultracart"


def test_only_empty_or_no_ultracart_settings_leave_stdio_on_the_sandbox(tmp_path: Path) -> None:
    # A copied .env.example leaves the credentials empty: that means "not set".
    (tmp_path / ".env").write_text("ULTRACART_API_KEY=\nULTRACART_OAUTH_TOKEN=\nUC_MCP_READ_ONLY=1\n")
    assert choose_backend(Settings(), "stdio") == "sandbox"


def test_the_shipped_env_example_copied_to_dot_env_runs_the_sandbox(tmp_path: Path) -> None:
    """The README's new user copies .env.example to .env before having a key: still the sandbox."""
    example = REPO / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())
    assert choose_backend(Settings(), "stdio") == "sandbox"


def test_a_key_only_in_dot_env_is_what_the_doctor_and_the_server_use(tmp_path: Path) -> None:
    """As a user runs it: a key in .env, nothing in the environment. The doctor reports the real API
    (not "embedded sandbox … all checks passed"), and the key is never printed."""
    (tmp_path / ".env").write_text(f"ULTRACART_API_KEY={KEY}\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_"))
    }
    env["UC_MCP_AUDIT_LOG"] = str(tmp_path / "audit.jsonl")
    done = subprocess.run(
        [sys.executable, "-m", "uc_mcp", "doctor", "--offline"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    out = done.stdout + done.stderr
    assert "embedded sandbox" not in out
    assert "UltraCart at https://secure.ultracart.com/rest/v2, simple key set (…6789)" in out
    assert KEY not in out and "Traceback" not in out
    assert done.returncode == 0, out
