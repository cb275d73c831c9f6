"""Shared fixtures: an in-process sandbox on a fixed clock and a conformance-checked client.

Hypothesis profiles for every test: a small, derandomised (fixed-seed) "ci" profile when CI is
set, a larger, randomised "dev" default. Tests that need another budget scale from the loaded
profile's ``max_examples``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx2
import pytest
from hypothesis import HealthCheck, settings

from tests.ultracart.conformance import check_response
from uc_mcp.ultracart.sandbox.clock import FixedClock
from uc_mcp.ultracart.sandbox.demo_data import DEMO_ANCHOR
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

SEED = 2017
CUSTOMERS = 250
# The tests' "now": one hour after the demo data's anchor, so vesting and expiry are fixed.
TEST_NOW = DEMO_ANCHOR + timedelta(hours=1)

settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default paths (the audit log, the sandbox DB, the schema cache) land in a temporary directory, for this process
    and any ``uc-mcp`` it starts, never in the home directory of whoever runs the tests."""
    base = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "cache"))  # the schema cache


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
def sandbox(clock: FixedClock) -> Iterator[Sandbox]:
    box = Sandbox(SandboxOptions(db=":memory:", customers=CUSTOMERS, seed=SEED, clock=clock))
    yield box
    box.close()


async def _conformance_hook(response: httpx2.Response) -> None:
    await response.aread()
    check_response(response.request.method, response.request.url.path, response.status_code, response.content)


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """An authenticated client on the in-process sandbox; every response is checked against the spec."""
    async with sandbox.client(event_hooks={"response": [_conformance_hook]}) as client:
        yield client
