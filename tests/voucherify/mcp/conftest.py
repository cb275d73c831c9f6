"""Fixtures for tests that talk to Voucherify's tools through the MCP protocol (the SDK's own client), as
tests/ultracart/mcp/conftest.py does for UltraCart (what both share: tests/support/mcp.py).

Voucherify's sandbox database is seeded once per session and copied for every test, so a test may change its copy
freely. Servers run Voucherify alone on its sandbox (``providers=["voucherify=sandbox"]``); settings never read
``.env`` or the caller's ``ULTRACART_*`` / ``VOUCHERIFY_*`` / ``UC_MCP_*`` environment (``_hermetic_env``).
"""

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
    scoped_server,
    seeded_database,
    server,
    server_factory,
)
from uc_mcp.settings import Settings
from uc_mcp.voucherify.sandbox.runtime import Sandbox, SandboxOptions

CUSTOMERS = 120
SEED = 2018
# Story customers of the demo data (uc_mcp/voucherify/sandbox/demo_data.py): Jane's shop account, with a loyalty
# card, a gift card, coupons and a long history; the same email again on an older newsletter sign-up.
JANE = "uc-100001"
JANE_NEWSLETTER = "newsletter-jane-2023"
JANE_EMAIL = "jane@example.com"
UNKNOWN = "cust_NoSuchCustomer0000000000"


@pytest.fixture(scope="session")
def voucherify_seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_database(
        tmp_path_factory.mktemp("voucherify-seed"),
        "voucherify.sqlite3",
        lambda path: Sandbox(SandboxOptions(db=path, customers=CUSTOMERS, seed=SEED)),
    )


@pytest.fixture
def voucherify_db(voucherify_seeded_db: Path, tmp_path: Path) -> Path:
    return database_copy(voucherify_seeded_db, tmp_path, "voucherify.sqlite3")


@pytest.fixture
def settings_factory(voucherify_db: Path, tmp_path: Path) -> SettingsFactory:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "providers": ["voucherify=sandbox"],
            "voucherify_sandbox_db": voucherify_db,
            "voucherify_sandbox_customers": CUSTOMERS,
            "audit_log": tmp_path / "audit.jsonl",
        }
        return make_settings(**(values | overrides))

    return factory
