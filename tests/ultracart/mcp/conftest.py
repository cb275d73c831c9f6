"""Fixtures for tests that talk to the server through the MCP protocol (the SDK's own client).

The sandbox database is seeded once per session and copied for every test, so a test may change
its copy freely. Settings never read ``.env`` or the caller's ``ULTRACART_*`` / ``VOUCHERIFY_*`` / ``UC_MCP_*``
environment, so the suite behaves the same on any machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer

from uc_mcp.server import build_server, runtime_of
from uc_mcp.settings import Settings
from uc_mcp.ultracart.sandbox import demo_data
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

CUSTOMERS = 60
BIGGER_STORE = 450  # three pages of 200: for walks that must page
SEED = 2017
FIRST_OID = 100001

SettingsFactory = Callable[..., Settings]
ServerFactory = Callable[..., MCPServer]


@cache
def demo_customers() -> tuple[tuple[int, demo_data.DemoCustomer], ...]:
    """Ground truth: the seeded customers straight from the generator, with the oid the store gives them."""
    return tuple((FIRST_OID + index, customer) for index, customer in enumerate(demo_data.generate(CUSTOMERS, SEED)))


def make_settings(**overrides: Any) -> Settings:
    """Settings from keyword arguments only (no ``.env``; the environment is cleaned by ``_hermetic_env``)."""
    return Settings(_env_file=None, **overrides)


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("ULTRACART_", "VOUCHERIFY_", "UC_MCP_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "sandbox.sqlite3"
    Sandbox(SandboxOptions(db=path, customers=CUSTOMERS, seed=SEED)).close()
    # A clean close checkpoints the WAL: the single file is the whole database.
    assert path.exists() and not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def sandbox_db(seeded_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "s.sqlite3"
    shutil.copyfile(seeded_db, copy)
    return copy


@pytest.fixture(scope="session")
def bigger_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bigger") / "bigger.sqlite3"
    Sandbox(SandboxOptions(db=path, customers=BIGGER_STORE)).close()
    return path


@pytest.fixture
def bigger_db(bigger_seed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "bigger.sqlite3"
    shutil.copyfile(bigger_seed, copy)
    return copy


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


@pytest.fixture
def server_factory(settings_factory: SettingsFactory) -> Iterator[ServerFactory]:
    """Build servers on this test's sandbox copy; close the sandboxes they opened."""
    built: list[MCPServer] = []

    def factory(**overrides: Any) -> MCPServer:
        server = build_server(settings_factory(**overrides))
        built.append(server)
        return server

    yield factory
    for server in built:
        sandbox = runtime_of(server).sandbox
        if sandbox is not None:
            sandbox.close()


@pytest.fixture
def server(server_factory: ServerFactory) -> MCPServer:
    return server_factory()


@pytest.fixture
async def client(server: MCPServer) -> AsyncIterator[Client]:
    async with Client(server) as connected:
        yield connected
