"""State shared by replicas through a real ``redis-server``: used tokens and single-use keys
(:class:`RedisUsedTokens`) and the client-side pace (:class:`RedisPace` in ``RateLimiter``).

Two objects on one Redis URL stand for two processes. Without ``redis-server`` these tests are skipped
(see ``tests/redis_server.py``); the ones that need no server run anyway.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from pydantic import SecretStr

from tests.redis_server import redis_server, unreachable_url
from uc_mcp.core.confirm_token import ConfirmationTokens, InvalidToken, MemoryUsedTokens
from uc_mcp.core.ratelimit import PaceUnavailable, RateLimiter
from uc_mcp.server import runtime_of
from uc_mcp.settings import Settings

pytestmark = pytest.mark.anyio
SECRET = b"0123456789abcdef0123456789abcdef"
CREDIT = {"customer_profile_oid": 100001, "amount": "20.00"}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:12]}"


def peek(url: str) -> object:
    import redis

    return redis.Redis.from_url(url)


# -- used tokens and single-use keys ----------------------------------------------------------------


def test_a_key_is_claimed_once_across_replicas(redis_url: str) -> None:
    from uc_mcp.core.shared_state import RedisUsedTokens

    replica_a, replica_b = RedisUsedTokens(redis_url), RedisUsedTokens(redis_url)
    key, expires = unique("elicited:k"), time.time() + 60
    assert replica_a.claim(key, expires) is True
    assert replica_b.claim(key, expires) is False
    assert replica_a.claim(key, expires) is False
    assert replica_b.claim(unique("elicited:other"), expires) is True
    client = peek(redis_url)
    ttl_ms = client.pttl("uc-mcp:used:" + key)  # type: ignore[attr-defined]
    assert 55_000 < ttl_ms <= 60_000  # kept until the expiry it was given (PXAT), then forgotten


def test_a_claim_is_forgotten_when_it_expires(redis_url: str) -> None:
    from uc_mcp.core.shared_state import RedisUsedTokens

    used = RedisUsedTokens(redis_url)
    key = unique("confirm-token:n")
    assert used.claim(key, time.time() + 0.3)
    assert not used.claim(key, time.time() + 0.3)
    time.sleep(0.45)
    assert used.claim(key, time.time() + 60)


def test_concurrent_claims_of_one_key_let_exactly_one_through(redis_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from uc_mcp.core.shared_state import RedisUsedTokens

    replicas = [RedisUsedTokens(redis_url) for _ in range(4)]
    key, expires = unique("confirm-token:race"), time.time() + 60
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda i: replicas[i % 4].claim(key, expires), range(32)))
    assert results.count(True) == 1


def test_a_token_issued_on_one_replica_is_redeemed_once_on_any(redis_url: str) -> None:
    from uc_mcp.core.shared_state import RedisUsedTokens

    replica_a = ConfirmationTokens(SECRET, used=RedisUsedTokens(redis_url))
    replica_b = ConfirmationTokens(SECRET, used=RedisUsedTokens(redis_url))
    token = replica_a.issue("ultracart_add_customer_store_credit", CREDIT, tenant="t-store-a")
    with pytest.raises(InvalidToken) as other_store:
        replica_b.redeem(token, "ultracart_add_customer_store_credit", CREDIT, tenant="t-store-b")
    assert other_store.value.reason == "mismatch"  # the tenant is signed: another store's replica refuses it
    replica_b.redeem(token, "ultracart_add_customer_store_credit", CREDIT, tenant="t-store-a")
    for replica in (replica_a, replica_b):
        with pytest.raises(InvalidToken) as again:
            replica.redeem(token, "ultracart_add_customer_store_credit", CREDIT, tenant="t-store-a")
        assert again.value.reason == "used"


def test_unreachable_redis_fails_closed_with_a_clear_error(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("redis")
    from uc_mcp.core.shared_state import RedisUsedTokens, SharedStateUnavailable

    url = unreachable_url()
    tokens = ConfirmationTokens(SECRET, used=RedisUsedTokens(url))
    token = tokens.issue("ultracart_delete_customer", {"customer_profile_oid": 1})
    started = time.monotonic()
    with caplog.at_level(logging.ERROR), pytest.raises(SharedStateUnavailable) as refused:
        tokens.redeem(token, "ultracart_delete_customer", {"customer_profile_oid": 1})
    assert time.monotonic() - started < 5  # bounded: a confirmation never hangs on a dead Redis
    # The store says what failed; the tool layer adds "nothing was done" and what to do next (a fresh preview).
    assert "UC_MCP_REDIS_URL" in str(refused.value) and "cannot be recorded" in str(refused.value)
    assert "never-shown-secret" not in str(refused.value) + caplog.text
    assert "127.0.0.1" in caplog.text and "unreachable" in caplog.text


def test_redis_going_away_mid_run_fails_closed() -> None:
    from uc_mcp.core.shared_state import RedisUsedTokens, SharedStateUnavailable

    with redis_server() as url:
        used = RedisUsedTokens(url)
        assert used.claim(unique("k"), time.time() + 60)
    with pytest.raises(SharedStateUnavailable):
        used.claim(unique("k"), time.time() + 60)


async def test_through_the_tools_a_confirmation_does_nothing_while_redis_is_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both confirmation paths (token and elicitation) end in an error and no credit."""
    pytest.importorskip("redis")
    from mcp.client import Client
    from mcp_types import ElicitResult

    from uc_mcp.server import build_server

    for name in list(os.environ):
        if name.upper().startswith(("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")):
            monkeypatch.delenv(name)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        backend="sandbox",
        sandbox_db=tmp_path / "s.sqlite3",
        sandbox_customers=5,
        confirm_fallback="token",
        audit_log=tmp_path / "audit.jsonl",
        redis_url=SecretStr(unreachable_url()),
    )
    server = build_server(settings, "stdio")

    async def yes(context: object, params: object) -> ElicitResult:
        return ElicitResult(action="accept", content={"confirm": True})

    tool = "ultracart_add_customer_store_credit"
    try:
        async with Client(server) as client:
            preview = await client.call_tool(tool, CREDIT)
            assert preview.structured_content is not None
            by_token = await client.call_tool(tool, {**CREDIT, "confirm": preview.structured_content["confirm"]})
        async with Client(server, elicitation_callback=yes) as client:  # type: ignore[arg-type]
            by_elicitation = await client.call_tool(tool, CREDIT)
        balance = runtime_of(server).sandbox.store.get_store_credit(100001)["available"]
    finally:
        runtime_of(server).sandbox.close()
    assert by_token.is_error and by_elicitation.is_error
    assert "never-shown-secret" not in str(by_token.content) + str(by_elicitation.content)
    events = [json.loads(line)["event"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert "executed" not in events and "intent" not in events, events
    assert balance == before_credit(tmp_path)


def before_credit(tmp_path: Path) -> float:
    """Jane's balance in a freshly seeded sandbox of the same seed (the one the tools were refused on)."""
    from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

    fresh = Sandbox(SandboxOptions(db=tmp_path / "fresh.sqlite3", customers=5))
    try:
        return float(fresh.store.get_store_credit(100001)["available"])
    finally:
        fresh.close()


def test_a_malformed_url_is_a_configuration_error() -> None:
    pytest.importorskip("redis")
    from uc_mcp.core.shared_state import RedisPace, RedisUnavailable, RedisUsedTokens

    for build in (lambda: RedisUsedTokens("http://example.com"), lambda: RedisPace("nonsense", "t-x")):
        with pytest.raises(RedisUnavailable, match="UC_MCP_REDIS_URL"):
            build()
    assert issubclass(RedisUnavailable, ValueError)  # the command line reports it and exits 2


def test_confirmations_use_redis_exactly_when_configured() -> None:
    pytest.importorskip("redis")
    from uc_mcp.core.shared_state import RedisUsedTokens
    from uc_mcp.server import build_confirmations

    local = build_confirmations(Settings(), "http")
    shared = build_confirmations(Settings(redis_url=SecretStr(unreachable_url())), "http")
    assert isinstance(local.tokens.used, MemoryUsedTokens)
    assert isinstance(shared.tokens.used, RedisUsedTokens)
    assert "never-shown-secret" not in repr(shared.tokens.used)


def test_without_a_redis_url_the_package_is_never_imported(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from uc_mcp.settings import Settings\n"
        "from uc_mcp.server import new_runtime\n"
        "runtime = new_runtime(Settings(backend='sandbox'), 'stdio')\n"
        "runtime.client()\n"
        "assert 'redis' not in sys.modules, 'redis imported without UC_MCP_REDIS_URL'\n"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "UC_MCP_SANDBOX_DB": str(tmp_path / "s.sqlite3")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()


# -- the shared pace ---------------------------------------------------------------------------------


async def test_two_replicas_take_slots_from_one_timeline(redis_url: str) -> None:
    from uc_mcp.core.shared_state import RedisPace

    tenant = unique("t")
    replica_a, replica_b = RedisPace(redis_url, tenant), RedisPace(redis_url, tenant)
    waits = [await (replica_a if i % 2 else replica_b).reserve(0.1) for i in range(6)]
    # Each reservation is one interval after the previous one, whichever replica took it.
    for i, wait in enumerate(waits):
        assert i * 0.1 - 0.05 <= wait <= i * 0.1 + 0.001, waits
    other = await RedisPace(redis_url, unique("t")).reserve(0.1)
    assert other == pytest.approx(0.0, abs=0.01)  # another store has its own timeline


async def test_limiters_of_two_replicas_stay_at_the_rate_together(redis_url: str) -> None:
    from uc_mcp.core.shared_state import RedisPace

    rate, per_replica = 20.0, 5
    tenant = unique("t")
    limiters = [RateLimiter(rate, 1, shared=RedisPace(redis_url, tenant)) for _ in range(2)]
    sent: list[tuple[float, int]] = []

    async def requests(index: int) -> None:
        for _ in range(per_replica):
            async with limiters[index].slot():
                sent.append((time.monotonic(), index))

    async with anyio.create_task_group() as group:
        for index in range(2):
            group.start_soon(requests, index)
    times = sorted(moment for moment, _ in sent)
    span = times[-1] - times[0]
    assert span >= (len(times) - 1) / rate * 0.85, span  # alone, each would have needed only half of that
    assert span < (len(times) - 1) / rate * 2 + 0.5, span
    assert {index for _, index in sent} == {0, 1}
    ttl = peek(redis_url).pttl("uc-mcp:pace:" + tenant)  # type: ignore[attr-defined]
    assert 0 < ttl <= 61_000  # the timeline cleans itself up


async def test_an_unreachable_pace_falls_back_to_pacing_alone(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("redis")
    from uc_mcp.core.shared_state import RedisPace

    with pytest.raises(PaceUnavailable) as problem:
        await RedisPace(unreachable_url(), "t-x").reserve(0.5)
    assert "never-shown-secret" not in str(problem.value)

    slept: list[float] = []
    now = [100.0]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2.0, 1, clock=lambda: now[0], sleep=sleep, shared=RedisPace(unreachable_url(), "t-x"))
    with caplog.at_level(logging.WARNING, logger="uc_mcp.ratelimit"):
        for _ in range(3):
            async with limiter.slot():
                pass
    assert slept == [0.5, 0.5]  # the local timeline, exactly as without a shared one
    warnings = [record for record in caplog.records if "pacing this process alone" in record.getMessage()]
    assert len(warnings) == 1 and "never-shown-secret" not in caplog.text


async def test_without_a_shared_pace_the_limiter_is_unchanged() -> None:
    slept: list[float] = []
    now = [0.0]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(4.0, None, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        async with limiter.slot():
            pass
    assert slept == [0.25, 0.5, 0.75]


def test_api_clients_get_the_shared_pace_only_with_redis() -> None:
    pytest.importorskip("redis")
    from uc_mcp.core.shared_state import RedisPace
    from uc_mcp.http_auth import tenant_of
    from uc_mcp.ultracart.client import ultracart_api

    key = "store-key-0123456789"
    plain = ultracart_api(Settings(ultracart_api_key=SecretStr(key)))
    shared = ultracart_api(Settings(ultracart_api_key=SecretStr(key), redis_url=SecretStr(unreachable_url())))
    assert plain.http.options.limiter.shared is None
    pace = shared.http.options.limiter.shared
    assert isinstance(pace, RedisPace)
    assert pace.key == "uc-mcp:pace:" + tenant_of(key) and key not in pace.key
