"""Fixtures for tests that talk to the server through the MCP protocol (the SDK's own client).

The sandbox database is seeded once per session and copied for every test, so a test may change
its copy freely. Settings never read ``.env`` or the caller's ``ULTRACART_*`` / ``VOUCHERIFY_*`` / ``UC_MCP_*``
environment, so the suite behaves the same on any machine. What every provider's MCP tests share is
``tests/support/mcp.py``'s.
"""

from __future__ import annotations

from functools import cache
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
from uc_mcp.ultracart.sandbox import demo_data
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

CUSTOMERS = 60
BIGGER_STORE = 450  # three pages of 200: for walks that must page
SEED = 2017
FIRST_OID = 100001


@cache
def demo_customers() -> tuple[tuple[int, demo_data.DemoCustomer], ...]:
    """Ground truth: the seeded customers straight from the generator, with the oid the store gives them."""
    return tuple((FIRST_OID + index, customer) for index, customer in enumerate(demo_data.generate(CUSTOMERS, SEED)))


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_database(
        tmp_path_factory.mktemp("seed"),
        "sandbox.sqlite3",
        lambda path: Sandbox(SandboxOptions(db=path, customers=CUSTOMERS, seed=SEED)),
    )


@pytest.fixture
def sandbox_db(seeded_db: Path, tmp_path: Path) -> Path:
    return database_copy(seeded_db, tmp_path, "s.sqlite3")


@pytest.fixture(scope="session")
def bigger_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_database(
        tmp_path_factory.mktemp("bigger"),
        "bigger.sqlite3",
        lambda path: Sandbox(SandboxOptions(db=path, customers=BIGGER_STORE)),
    )


@pytest.fixture
def bigger_db(bigger_seed: Path, tmp_path: Path) -> Path:
    return database_copy(bigger_seed, tmp_path, "bigger.sqlite3")


@pytest.fixture
def settings_factory(sandbox_db: Path) -> SettingsFactory:
    def factory(**overrides: Any) -> Settings:
        # UltraCart alone (these tests are about it): other providers' sandboxes stay closed and unlisted.
        values: dict[str, Any] = {
            "backend": "sandbox",
            "providers": ["ultracart=sandbox"],
            "sandbox_db": sandbox_db,
            "sandbox_customers": CUSTOMERS,
        }
        return make_settings(**(values | overrides))

    return factory
