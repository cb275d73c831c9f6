"""The fault layer in front of the TWC sandbox (core/sandbox/faults.py): an injected status answers in the
service's problem JSON, and in process a reset or a timeout is the network exception a client would meet."""

from __future__ import annotations

import httpx2
import pytest

from tests.twc.conftest import TWC_NOW
from uc_mcp.core.sandbox.faults import FaultConfig, FaultKind
from uc_mcp.twc.sandbox.clock import FixedClock
from uc_mcp.twc.sandbox.runtime import SERVICE_PATH, Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio

SEARCH = SERVICE_PATH + "/customers/search?email=jane@example.com"


def faulty(*kinds: FaultKind) -> Sandbox:
    faults = FaultConfig(fault_rate=1.0, fault_seed=1, kinds=kinds)
    return Sandbox(SandboxOptions(customers=3, faults=faults, clock=FixedClock(TWC_NOW)))


@pytest.mark.parametrize("kind", [FaultKind.RATE_LIMITED, FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE])
async def test_an_injected_status_is_problem_json(kind: FaultKind) -> None:
    box = faulty(kind)
    try:
        async with box.client() as client:
            answer = await client.get(SEARCH)
        assert answer.status_code == int(kind.value)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == int(kind.value) and answer.json()["message"] == f"error.http.{kind.value}"
    finally:
        box.close()


async def test_in_process_a_reset_is_a_protocol_error() -> None:
    box = faulty(FaultKind.RESET)
    try:
        async with box.client() as client:
            with pytest.raises(httpx2.RemoteProtocolError):
                await client.get(SEARCH)
    finally:
        box.close()
