"""The adaptive limiter learns the server's limit from 429s, not the client's own pauses."""

from __future__ import annotations

import pytest

from uc_mcp.core.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_a_429_after_a_chat_paced_session_does_not_collapse_the_pace() -> None:
    clock = Clock()
    limiter = RateLimiter(None, 1, clock=clock, sleep=clock.sleep)
    for _ in range(30):  # one request every 20 s: a person reading answers between calls
        async with limiter.slot():
            pass
        limiter.on_success()
        clock.now += 20
    limiter.on_rate_limited()  # another application used up the quota
    assert limiter.rate is not None and limiter.rate >= 0.9  # not the 0.05/s the session happened to use


async def test_a_429_in_a_burst_learns_the_burst_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(None, 1, clock=clock, sleep=clock.sleep)
    for _ in range(30):  # 20 requests a second accepted, then refused
        async with limiter.slot():
            pass
        limiter.on_success()
        clock.now += 0.05
    limiter.on_rate_limited()
    assert limiter.rate is not None and 18 <= limiter.rate <= 20
