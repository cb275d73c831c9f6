"""Shared fixtures: an in-process sandbox on a fixed clock and a conformance-checked client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx2
import pytest

from tests.conformance import check_response
from uc_mcp.ultracart.sandbox.clock import FixedClock
from uc_mcp.ultracart.sandbox.demo_data import DEMO_ANCHOR
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

SEED = 2017
CUSTOMERS = 250
# The tests' "now": one hour after the demo data's anchor, so vesting and expiry are fixed.
TEST_NOW = DEMO_ANCHOR + timedelta(hours=1)


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
