"""Fixtures for the cross-provider tools: a server with the three embedded sandboxes, each database seeded once per
session and copied for every test (what every provider's MCP tests share is tests/support/mcp.py's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.mcp import (  # noqa: F401  (fixtures, found here by pytest)
    ServerFactory,
    SettingsFactory,
    _hermetic_env,
    client,
    database_copy,
    make_settings,
    seeded_database,
    server,
    server_factory,
)
from uc_mcp.settings import Settings
from uc_mcp.twc.sandbox.runtime import Sandbox as TwcSandbox
from uc_mcp.twc.sandbox.runtime import SandboxOptions as TwcOptions
from uc_mcp.ultracart.sandbox.runtime import Sandbox as UltraCartSandbox
from uc_mcp.ultracart.sandbox.runtime import SandboxOptions as UltraCartOptions
from uc_mcp.voucherify.sandbox.runtime import Sandbox as VoucherifySandbox
from uc_mcp.voucherify.sandbox.runtime import SandboxOptions as VoucherifyOptions

CUSTOMERS = 40
ALL_THREE = ["ultracart=sandbox", "voucherify=sandbox", "twc=sandbox"]


@pytest.fixture(scope="session")
def people_seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("people-seed")
    return {
        "ultracart": seeded_database(
            folder, "uc.sqlite3", lambda p: UltraCartSandbox(UltraCartOptions(db=p, customers=CUSTOMERS, seed=2017))
        ),
        "voucherify": seeded_database(
            folder, "v.sqlite3", lambda p: VoucherifySandbox(VoucherifyOptions(db=p, customers=CUSTOMERS, seed=2018))
        ),
        "twc": seeded_database(
            folder, "t.sqlite3", lambda p: TwcSandbox(TwcOptions(db=p, customers=CUSTOMERS, seed=2019))
        ),
    }


@pytest.fixture
def settings_factory(people_seeds: dict[str, Path], tmp_path: Path) -> SettingsFactory:
    copies = {name: database_copy(path, tmp_path, path.name) for name, path in people_seeds.items()}

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "providers": ALL_THREE,
            "sandbox_db": copies["ultracart"],
            "sandbox_customers": CUSTOMERS,
            "sandbox_seed": 2017,
            "voucherify_sandbox_db": copies["voucherify"],
            "voucherify_sandbox_customers": CUSTOMERS,
            "voucherify_sandbox_seed": 2018,
            "twc_sandbox_db": copies["twc"],
            "twc_sandbox_customers": CUSTOMERS,
            "twc_sandbox_seed": 2019,
            "audit_log": tmp_path / "audit.jsonl",
        }
        return make_settings(**(values | overrides))

    return factory
