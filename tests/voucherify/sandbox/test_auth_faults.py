"""Authentication on every request (both keys of the pair, or a 401), the error envelope of routes and methods
that do not exist, and the fault layer: 429 with Voucherify's rate-limit headers, injected statuses in the
envelope, and network faults in process."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx2
import pytest

from tests.voucherify.conftest import VOUCHERIFY_NOW
from uc_mcp.core.sandbox.faults import FaultConfig, FaultKind
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.sandbox.runtime import (
    DEFAULT_APP_ID,
    DEFAULT_APP_TOKEN,
    IN_PROCESS_BASE_URL,
    Sandbox,
    SandboxOptions,
)

pytestmark = pytest.mark.anyio
PATHS = [
    ("GET", "/v1/customers"),
    ("POST", "/v1/customers"),
    ("GET", "/v1/customers/uc-100001"),
    ("DELETE", "/v1/customers/uc-100001"),
    ("POST", "/v1/customers/uc-100001/permanent-deletion"),
    ("GET", "/v1/customers/uc-100001/segments"),
    ("POST", "/v1/customers/bulk/async"),
    ("GET", "/v1/async-actions/aa_x"),
    ("GET", "/v1/no-such-route"),
]


@pytest.fixture
def sandbox_factory() -> Iterator[list[Sandbox]]:
    boxes: list[Sandbox] = []
    yield boxes
    for box in boxes:
        box.close()


def make(boxes: list[Sandbox], **faults: object) -> Sandbox:
    box = Sandbox(SandboxOptions(customers=20, clock=FixedClock(VOUCHERIFY_NOW), faults=FaultConfig(**faults)))  # type: ignore[arg-type]
    boxes.append(box)
    return box


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-App-Id": DEFAULT_APP_ID},
        {"X-App-Token": DEFAULT_APP_TOKEN},
        {"X-App-Id": DEFAULT_APP_ID, "X-App-Token": "wrong"},
        {"X-App-Id": "wrong", "X-App-Token": DEFAULT_APP_TOKEN},
        {"X-App-Id": DEFAULT_APP_TOKEN, "X-App-Token": DEFAULT_APP_ID},
        {"X-Client-Application-Id": DEFAULT_APP_ID, "X-Client-Token": DEFAULT_APP_TOKEN},
    ],
)
async def test_every_request_needs_the_whole_key_pair(voucherify_sandbox: Sandbox, headers: dict[str, str]) -> None:
    async with httpx2.AsyncClient(base_url=IN_PROCESS_BASE_URL, transport=voucherify_sandbox.transport()) as client:
        for method, path in PATHS:
            response = await client.request(method, path, headers=headers)
            body = response.json()
            assert response.status_code == 401, (method, path)
            assert {k: body[k] for k in ("code", "key", "message")} == {
                "code": 401,
                "key": "unauthorized",
                "message": "Unauthorized",
            }
            assert body["details"] and re.fullmatch(r"v-[0-9a-f]{18}", body["request_id"])
    assert voucherify_sandbox.store.count_customers() == 120  # nothing was deleted


async def test_request_ids_differ_per_request(voucherify_api: httpx2.AsyncClient) -> None:
    ids = {(await voucherify_api.get(f"/v1/customers/nobody-{n}")).json()["request_id"] for n in range(5)}
    assert len(ids) == 5


async def test_unknown_routes_and_methods_answer_in_the_envelope(voucherify_sandbox: Sandbox) -> None:
    async with voucherify_sandbox.client() as client:
        route = await client.get("/v1/vouchers")
        method = await client.patch("/v1/customers/uc-100001", json={})
    assert (route.status_code, route.json()["key"], route.json()["code"]) == (404, "not_found", 404)
    assert (method.status_code, method.json()["key"], method.json()["code"]) == (405, "method_not_allowed", 405)


async def test_429_carries_the_rate_limit_headers(sandbox_factory: list[Sandbox]) -> None:
    box = make(sandbox_factory, rate_limit=0.5)
    async with box.client() as client:
        assert (await client.get("/v1/customers")).status_code == 200
        limited = await client.get("/v1/customers")
    assert limited.status_code == 429
    assert limited.json() == {"code": 429, "message": "Too many requests hit the API too quickly."}
    headers = limited.headers
    assert (headers["retry-after"], headers["x-rate-limit-limit"], headers["x-rate-limit-remaining"]) == (
        "2",
        "30",
        "0",
    )
    assert headers["x-rate-limit-type"] == "api_calls" and int(headers["x-rate-limit-retry"]) > 1_700_000_000


@pytest.mark.parametrize(
    ("kind", "status", "key"), [("500", 500, "internal_error"), ("503", 503, "service_unavailable")]
)
async def test_injected_statuses_use_the_envelope(
    sandbox_factory: list[Sandbox], kind: str, status: int, key: str
) -> None:
    box = make(sandbox_factory, fault_rate=1.0, kinds=(FaultKind(kind),))
    async with box.client() as client:
        response = await client.get("/v1/customers/uc-100001")
    assert (response.status_code, response.json()["code"], response.json()["key"]) == (status, status, key)


async def test_network_faults_in_process(sandbox_factory: list[Sandbox]) -> None:
    box = make(sandbox_factory, fault_rate=1.0, kinds=(FaultKind.TIMEOUT,))
    async with box.client() as client:
        with pytest.raises(httpx2.ReadTimeout):
            await client.get("/v1/customers")
    reset = make(sandbox_factory, fault_rate=1.0, kinds=(FaultKind.RESET,))
    async with reset.client() as client:
        with pytest.raises(httpx2.RemoteProtocolError):
            await client.get("/v1/customers")


async def test_a_write_may_be_applied_before_the_fault(sandbox_factory: list[Sandbox]) -> None:
    """A garbled answer always comes after the work: the customer exists though the client saw no valid answer."""
    box = make(sandbox_factory, fault_rate=1.0, kinds=(FaultKind.GARBLED,))
    async with box.client() as client:
        response = await client.post("/v1/customers", json={"source_id": "garbled-1"})
    assert response.status_code == 200 and b"upstream error" in response.content
    assert box.store.get_customer("garbled-1")["source_id"] == "garbled-1"
