"""Fixtures of the Voucherify tests: an in-process Voucherify sandbox on a fixed clock and a client on it whose every
response is checked against the OpenAPI subset (``tests/voucherify/sandbox/conformance.py``).

The names carry ``voucherify_`` so that they never shadow the root conftest's UltraCart ``clock``/``sandbox``/``api``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx2
import pytest

from tests.voucherify.sandbox.conformance import check_response
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.sandbox.demo_data import DEMO_ANCHOR
from uc_mcp.voucherify.sandbox.runtime import Sandbox, SandboxOptions

VOUCHERIFY_SEED = 2018
VOUCHERIFY_CUSTOMERS = 120
# The tests' "now": one hour after the demo data's anchor, so statuses and expiry are fixed.
VOUCHERIFY_NOW = DEMO_ANCHOR + timedelta(hours=1)


@pytest.fixture
def voucherify_clock() -> FixedClock:
    return FixedClock(VOUCHERIFY_NOW)


@pytest.fixture
def voucherify_sandbox(voucherify_clock: FixedClock) -> Iterator[Sandbox]:
    box = Sandbox(
        SandboxOptions(db=":memory:", customers=VOUCHERIFY_CUSTOMERS, seed=VOUCHERIFY_SEED, clock=voucherify_clock)
    )
    yield box
    box.close()


async def _conformance_hook(response: httpx2.Response) -> None:
    await response.aread()
    request = response.request
    # The path as sent: a customer id with "/" (sent as %2F) is one segment.
    path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
    check_response(request.method, path, response.status_code, response.content)


@pytest.fixture
async def voucherify_api(voucherify_sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """An authenticated client on the in-process sandbox; every response is checked against the spec."""
    async with voucherify_sandbox.client(event_hooks={"response": [_conformance_hook]}) as client:
        yield client
