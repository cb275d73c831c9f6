"""Fixtures of the TWC tests: an in-process TWC sandbox on a fixed clock and clients on it, one per tenant, each
with a token already issued and ``X-TWC-Tenant`` set.

The names carry ``twc_`` so that they never shadow the root conftest's UltraCart ``clock``/``sandbox``/``api``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from uc_mcp.twc.sandbox.clock import FixedClock
from uc_mcp.twc.sandbox.demo_data import DEMO_ANCHOR
from uc_mcp.twc.sandbox.runtime import DEMO_TENANTS, Sandbox, SandboxOptions

TWC_SEED = 2019
TWC_CUSTOMERS = 40  # per tenant
# The tests' "now": one hour after the demo data's anchor.
TWC_NOW = DEMO_ANCHOR + timedelta(hours=1)
TWC_TENANT, TWC_OTHER_TENANT = tuple(DEMO_TENANTS)
SAMPLES = Path(__file__).parent / "samples"


def twc_sample(name: str) -> Any:
    """One of the docs' own request bodies (tests/twc/samples/SOURCES.md)."""
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def twc_clock() -> FixedClock:
    return FixedClock(TWC_NOW)


@pytest.fixture
def twc_sandbox(twc_clock: FixedClock) -> Iterator[Sandbox]:
    box = Sandbox(SandboxOptions(db=":memory:", customers=TWC_CUSTOMERS, seed=TWC_SEED, clock=twc_clock))
    yield box
    box.close()


@pytest.fixture
async def twc_api(twc_sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """A client of the first tenant on the in-process sandbox."""
    async with twc_sandbox.client(TWC_TENANT) as client:
        yield client


@pytest.fixture
async def twc_other_api(twc_sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """A client of the second tenant."""
    async with twc_sandbox.client(TWC_OTHER_TENANT) as client:
        yield client
