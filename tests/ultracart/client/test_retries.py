"""The shared client under faults: reads recover, writes never apply twice, 429s are ridden out."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.conftest import SEED, TEST_NOW
from uc_mcp.core.errors import NotFound, OutcomeUnknown, ProviderError, Unauthorized
from uc_mcp.core.http import HttpCore, RetryPolicy
from uc_mcp.ultracart import models as m
from uc_mcp.ultracart.api import UltraCartApi
from uc_mcp.ultracart.client import sandbox_api, simple_key_auth
from uc_mcp.ultracart.sandbox.clock import FixedClock
from uc_mcp.ultracart.sandbox.faults import FaultConfig, FaultKind
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(max_attempts=8, base_delay=0.001, max_delay=0.01, total_timeout=20)


def faulty(rate: float, seed: int = 11, kinds: tuple[FaultKind, ...] | None = None, **extra: object) -> Sandbox:
    config = FaultConfig(fault_rate=rate, fault_seed=seed, **extra)  # type: ignore[arg-type]
    if kinds is not None:
        config.kinds = kinds
    return Sandbox(SandboxOptions(customers=60, seed=SEED, clock=FixedClock(TEST_NOW), faults=config))


async def test_reads_recover_at_a_20_percent_fault_rate() -> None:
    box = faulty(0.2, kinds=(*FaultConfig().kinds, FaultKind.CONNECT))
    api = sandbox_api(box, retry=FAST, timeout=2)
    seen: list[int] = []
    offset = 0
    while True:
        page = await api.get_customers(limit=7, offset=offset)
        assert page.customers is not None
        seen += [c.customer_profile_oid for c in page.customers if c.customer_profile_oid]
        result_set = page.metadata.result_set  # type: ignore[union-attr]
        assert result_set is not None
        if not result_set.more:
            break
        offset = result_set.next_offset or offset + len(page.customers)
    for oid in range(100001, 100031):
        assert (await api.get_customer(oid)).customer.customer_profile_oid == oid  # type: ignore[union-attr]
    assert sorted(seen) == list(range(100001, 100061))
    injected = sum(box.faults.plan.counts.values())
    print(f"\nreads: {api.http.stats.requests} requests, {injected} faults injected, {api.http.stats.retries} retries")
    assert injected >= 5
    assert api.http.stats.retries >= injected - 1
    await api.aclose()
    box.close()


@pytest.mark.parametrize("kinds", [(FaultKind.TIMEOUT, FaultKind.RESET), tuple(FaultConfig().kinds)])
async def test_store_credit_never_applies_twice(kinds: tuple[FaultKind, ...]) -> None:
    box = faulty(0.3, seed=5, kinds=(*kinds, FaultKind.CONNECT))
    api = sandbox_api(box, retry=FAST, timeout=2)
    outcomes: Counter[str] = Counter()
    request_ids = []
    for i in range(60):
        request_id = f"req:{i:06x}"
        request_ids.append(request_id)
        try:
            await api.add_customer_store_credit(
                100010, m.CustomerStoreCreditAddRequest(amount=Decimal("1.00")), request_id=request_id
            )
            outcomes["executed"] += 1
        except OutcomeUnknown as unknown:
            assert f"[{request_id}]" in str(unknown)
            outcomes["unknown"] += 1
    box.options.faults.fault_rate = 0
    ledger = box.store.get_store_credit(100010).get("past_ledgers", [])
    applied = Counter(
        request_id
        for request_id in request_ids
        for entry in ledger
        if f"[{request_id}]" in entry.get("description", "")
    )
    print(f"\nstore credit under {[k.value for k in kinds]}: {dict(outcomes)}; applied {sum(applied.values())}")
    assert max(applied.values()) == 1, "a credit was applied twice"
    assert outcomes["executed"] + outcomes["unknown"] == 60
    assert sum(applied.values()) >= outcomes["executed"]
    assert sum(applied.values()) <= outcomes["executed"] + outcomes["unknown"]
    assert outcomes["unknown"] > 0, "the fault mix must produce ambiguous outcomes"
    await api.aclose()
    box.close()


async def test_connect_failures_and_429_are_retried_for_writes() -> None:
    """Provably-not-reached failures are safe to retry even for a non-idempotent insert."""
    box = faulty(0.5, seed=2, kinds=(FaultKind.CONNECT, FaultKind.RATE_LIMITED))
    api = sandbox_api(box, retry=FAST)
    for i in range(20):
        created = await api.insert_customer(m.Customer(email=f"retry{i}@example.com"))
        assert created.customer is not None
    assert api.http.stats.retries > 0
    assert box.store.count_customers() == 80
    await api.aclose()
    box.close()


async def test_429_storm_is_ridden_out_within_the_rate() -> None:
    box = Sandbox(
        SandboxOptions(customers=60, seed=SEED, clock=FixedClock(TEST_NOW), faults=FaultConfig(rate_limit=200))
    )
    api = sandbox_api(box, retry=RetryPolicy(total_timeout=20))
    for oid in range(100001, 100041):
        assert (await api.get_customer(oid)).customer is not None
    limiter = api.http.options.limiter
    print(f"\n429s: {limiter.rate_limited}, adapted rate {limiter.rate}")
    assert limiter.rate_limited >= 1, "an unpaced client must meet the limit"
    assert limiter.rate is not None
    assert limiter.rate <= 200 * 1.2
    await api.aclose()
    box.close()


async def test_errors_never_carry_credentials() -> None:
    secret = "canary-SECRET-key-0123"
    box = Sandbox(SandboxOptions(customers=5, api_key=secret))
    api = sandbox_api(box, retry=FAST)
    with pytest.raises(NotFound) as missing:
        await api.get_customer(42)
    assert secret not in str(missing.value)
    assert secret not in repr(missing.value)
    # A wrong key: the client's own key is a different canary.
    wrong_key = replace(api.http.options, auth=simple_key_auth("canary-WRONG-0987"), transport=box.transport())
    wrong = UltraCartApi(HttpCore(wrong_key))
    with pytest.raises(Unauthorized) as refused:
        await wrong.get_customer(100001)
    for text in (str(refused.value), repr(refused.value)):
        assert "canary-WRONG-0987" not in text
        assert secret not in text
    assert "API key" in str(refused.value)
    await api.aclose()
    await wrong.aclose()
    box.close()


async def test_delete_retried_after_an_ambiguous_failure_is_not_an_error() -> None:
    box = faulty(1.0, seed=1, kinds=(FaultKind.TIMEOUT,))
    api = sandbox_api(box, retry=FAST, timeout=1)
    # Switch faults off after the first (possibly after-write) timeout.
    plan = box.faults.plan
    original = plan.decide

    def once(write: bool):  # type: ignore[no-untyped-def]
        decision = original(write)
        box.options.faults.fault_rate = 0
        return decision

    plan.decide = once  # type: ignore[method-assign]
    await api.delete_customer(100020)
    with pytest.raises(ProviderError):
        await api.get_customer(100020)
    await api.aclose()
    box.close()
