"""Fixtures for tests that talk to TWC's tools through the MCP protocol (the SDK's own client), as
tests/voucherify/mcp/conftest.py does for Voucherify (what every provider shares: tests/support/mcp.py).

TWC's sandbox database is seeded once per session and copied for every test, so a test may change its copy freely.
Servers run TWC alone on its sandbox (``providers=["twc=sandbox"]``), serving the first demo tenant; settings never
read ``.env`` or the caller's ``ULTRACART_*`` / ``VOUCHERIFY_*`` / ``TWC_*`` / ``UC_MCP_*`` environment
(``_hermetic_env``). ``on_clock`` puts a server's sandbox on a clock the test moves (token lifetimes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp.server.mcpserver import MCPServer

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
from uc_mcp.server import runtime_of
from uc_mcp.settings import Settings
from uc_mcp.twc.client import sandbox_api
from uc_mcp.twc.sandbox.clock import Clock
from uc_mcp.twc.sandbox.runtime import DEFAULT_TENANT, Sandbox, SandboxOptions

CUSTOMERS = 40  # per tenant
SEED = 2019
TENANT = DEFAULT_TENANT  # demo-coffee: the tenant the embedded sandbox serves by default
# Story customers of the demo data (uc_mcp/twc/sandbox/demo_data.py): Jane, in both demo tenants under other ids.
JANE_EMAIL = "jane@example.com"
JANE_REF = "100001"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="session")
def twc_seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_database(
        tmp_path_factory.mktemp("twc-seed"),
        "twc.sqlite3",
        lambda path: Sandbox(SandboxOptions(db=path, customers=CUSTOMERS, seed=SEED)),
    )


@pytest.fixture
def twc_db(twc_seeded_db: Path, tmp_path: Path) -> Path:
    return database_copy(twc_seeded_db, tmp_path, "twc.sqlite3")


@pytest.fixture
def settings_factory(twc_db: Path, tmp_path: Path) -> SettingsFactory:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "providers": ["twc=sandbox"],
            "twc_sandbox_db": twc_db,
            "twc_sandbox_customers": CUSTOMERS,
            "twc_sandbox_seed": SEED,
            "audit_log": tmp_path / "audit.jsonl",
        }
        return make_settings(**(values | overrides))

    return factory


def on_clock(
    built: MCPServer, clock: Clock, *, auth_clock: Callable[[], float] | None = None, **options: Any
) -> Sandbox:
    """Open ``built``'s TWC sandbox now on ``clock`` (its database, its tenant), before any call opened it: tokens
    are issued and expire on that clock, and the client renews them by it, or by ``auth_clock`` when given (a
    client whose clock disagrees with the server's). ``options``: more ``SandboxOptions`` (``token_lifetime``,
    ``tenants``)."""
    runtime = runtime_of(built).provider("twc")
    assert runtime.sandbox is None, "on_clock must come before the server's first TWC call"
    settings = runtime.settings
    sandbox = Sandbox(
        SandboxOptions(
            db=settings.sandbox_db_path,  # type: ignore[attr-defined]
            customers=CUSTOMERS,
            seed=SEED,
            clock=clock,
            **options,
        )
    )
    runtime.sandbox, runtime.api = sandbox, sandbox_api(sandbox, tenant=TENANT, clock=auth_clock)
    return sandbox
