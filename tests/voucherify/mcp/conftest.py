"""Fixtures for tests that talk to Voucherify's tools through the MCP protocol (the SDK's own client), as
tests/ultracart/mcp/conftest.py does for UltraCart.

Voucherify's sandbox database is seeded once per session and copied for every test, so a test may change its copy
freely. Servers run Voucherify alone on its sandbox (``providers=["voucherify=sandbox"]``); settings never read
``.env`` or the caller's ``ULTRACART_*`` / ``VOUCHERIFY_*`` / ``UC_MCP_*`` environment (``_hermetic_env``).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer

from tests.ultracart.mcp.conftest import _hermetic_env, make_settings  # noqa: F401  (an autouse fixture)
from uc_mcp.server import build_server, runtime_of
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

SettingsFactory = Callable[..., Settings]
ServerFactory = Callable[..., MCPServer]


@pytest.fixture(scope="session")
def voucherify_seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voucherify-seed") / "voucherify.sqlite3"
    Sandbox(SandboxOptions(db=path, customers=CUSTOMERS, seed=SEED)).close()
    return path


@pytest.fixture
def voucherify_db(voucherify_seeded_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "voucherify.sqlite3"
    shutil.copyfile(voucherify_seeded_db, copy)
    return copy


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


@pytest.fixture
def server_factory(settings_factory: SettingsFactory) -> Iterator[ServerFactory]:
    """Build servers on this test's sandbox copy; close every sandbox they opened."""
    built: list[MCPServer] = []

    def factory(**overrides: Any) -> MCPServer:
        server = build_server(settings_factory(**overrides))
        built.append(server)
        return server

    yield factory
    for server in built:
        runtime_of(server).close()


@pytest.fixture
def server(server_factory: ServerFactory) -> MCPServer:
    return server_factory()


@pytest.fixture
async def client(server: MCPServer) -> AsyncIterator[Client]:
    async with Client(server) as connected:
        yield connected
