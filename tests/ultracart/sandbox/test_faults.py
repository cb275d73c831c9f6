"""Fault injection in process: the exceptions a network raises, before/after writes, determinism."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anyio
import httpx2
import pytest

from tests.conftest import SEED, TEST_NOW
from uc_mcp.ultracart.sandbox.clock import FixedClock
from uc_mcp.ultracart.sandbox.faults import FaultConfig, FaultKind
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio
CREDIT = "/customer/customers/100005/store_credit"


def make(**faults: object) -> Sandbox:
    return Sandbox(
        SandboxOptions(customers=20, seed=SEED, clock=FixedClock(TEST_NOW), faults=FaultConfig(**faults))  # type: ignore[arg-type]
    )


@pytest.fixture
def closing() -> Iterator[list[Sandbox]]:
    boxes: list[Sandbox] = []
    yield boxes
    for box in boxes:
        box.close()


async def outcome(client: httpx2.AsyncClient, method: str, url: str, **kwargs: object) -> str:
    try:
        response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx2.HTTPError as error:
        return type(error).__name__
    try:
        response.json()
    except ValueError:
        return f"{response.status_code}-garbled"
    return str(response.status_code)


async def test_same_seed_same_faults(closing: list[Sandbox]) -> None:
    runs = []
    for _ in range(2):
        box = make(fault_rate=0.5, fault_seed=7)
        closing.append(box)
        async with box.client() as client:
            runs.append([await outcome(client, "GET", "/customer/customers/100001") for _ in range(40)])
    assert runs[0] == runs[1]
    assert len(set(runs[0])) >= 4, "a 50% rate over all kinds should show several outcomes"
    assert "200" in runs[0]


async def test_each_kind_raises_what_a_network_would(closing: list[Sandbox]) -> None:
    expected = {
        FaultKind.TIMEOUT: "ReadTimeout",
        FaultKind.RESET: "RemoteProtocolError",
        FaultKind.CONNECT: "ConnectError",
        FaultKind.RATE_LIMITED: "429",
        FaultKind.SERVER_ERROR: "500",
        FaultKind.UNAVAILABLE: "503",
        FaultKind.GARBLED: "200-garbled",
    }
    for kind, name in expected.items():
        box = make(fault_rate=1.0, kinds=(kind,))
        closing.append(box)
        async with box.client() as client:
            assert await outcome(client, "GET", "/customer/customers/100001") == name, kind


async def test_error_faults_carry_ultracart_error_bodies(closing: list[Sandbox]) -> None:
    box = make(fault_rate=1.0, kinds=(FaultKind.RATE_LIMITED,))
    closing.append(box)
    async with box.client() as client:
        response = await client.get("/customer/customers/100001")
    assert response.status_code == 429
    assert response.json()["error"]["error_code"] == "429"
    assert "exceeded" in response.headers["UC-REST-ERROR"]


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT, FaultKind.RESET])
async def test_write_faults_before_and_after_the_write(closing: list[Sandbox], kind: FaultKind) -> None:
    """Every failed credit was applied exactly when the fault struck after the write."""
    box = make(fault_rate=1.0, fault_seed=3, kinds=(kind,))
    closing.append(box)
    before = box.store.get_store_credit(100005)["total"]
    async with box.client() as client:
        results = [await outcome(client, "POST", CREDIT, json={"amount": 1}) for _ in range(30)]
    assert set(results) == {"ReadTimeout" if kind is FaultKind.TIMEOUT else "RemoteProtocolError"}
    after_writes = box.faults.plan.counts.get(f"{kind.value}-after", 0)
    before_writes = box.faults.plan.counts.get(kind.value, 0)
    assert after_writes + before_writes == 30
    assert 5 <= after_writes <= 25, "both kinds must occur"
    assert box.store.get_store_credit(100005)["total"] == pytest.approx(before + after_writes)


async def test_garbled_write_was_applied(closing: list[Sandbox]) -> None:
    box = make(fault_rate=1.0, kinds=(FaultKind.GARBLED,))
    closing.append(box)
    async with box.client() as client:
        response = await client.post("/customer/customers", json={"email": "garbled@example.com"})
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert box.store.get_customer_by_email("garbled@example.com", None)["email"] == "garbled@example.com"


async def test_reads_and_read_only_posts_never_get_after_faults(closing: list[Sandbox]) -> None:
    box = make(fault_rate=1.0, kinds=(FaultKind.TIMEOUT, FaultKind.RESET))
    closing.append(box)
    async with box.client() as client:
        for _ in range(10):
            await outcome(client, "POST", "/customer/customers/query", json={})
            await outcome(client, "GET", "/customer/customers/100001")
    assert set(box.faults.plan.counts) <= {"timeout", "reset"}


async def test_client_timeout_is_enforced_in_process(closing: list[Sandbox]) -> None:
    box = make(latency_ms=300)
    closing.append(box)
    async with box.client(timeout=0.05) as client:
        with pytest.raises(httpx2.ReadTimeout):
            await client.get("/customer/customers/100001")
    async with box.client(timeout=5) as client:
        assert (await client.get("/customer/customers/100001")).status_code == 200


async def test_rate_limit_is_a_leaky_bucket(closing: list[Sandbox]) -> None:
    box = make(rate_limit=20)
    closing.append(box)
    async with box.client() as client:
        burst = [(await client.get("/customer/customers/100001")).status_code for _ in range(4)]
        assert burst[0] == 200
        assert burst[1:].count(429) >= 2
        await anyio.sleep(0.06)
        assert (await client.get("/customer/customers/100001")).status_code == 200


async def test_concurrent_requests_draw_429(closing: list[Sandbox]) -> None:
    box = make(latency_ms=100, max_concurrency=1)
    closing.append(box)
    statuses: list[int] = []
    async with box.client() as client:

        async def one() -> None:
            statuses.append((await client.get("/customer/customers/100001")).status_code)

        async with anyio.create_task_group() as group:
            group.start_soon(one)
            group.start_soon(one)
    assert sorted(statuses) == [200, 429]


async def test_faults_off_by_default(sandbox: Sandbox) -> None:
    assert not sandbox.options.faults.active
    async with sandbox.client() as client:
        results = [await outcome(client, "GET", "/customer/customers/100001") for _ in range(50)]
    assert set(results) == {"200"}
    assert sandbox.faults.plan.counts == {}
