"""The adaptive limiter learns the server's limits from 429s (the rate, and how many requests at once), not
the client's own pauses."""

from __future__ import annotations

import anyio
import pytest

from uc_mcp.core.ratelimit import GROW_AFTER, RateLimiter

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


async def test_a_429_with_others_in_flight_lowers_the_cap_not_the_pace() -> None:
    limiter = RateLimiter(None, 8)
    busy, refused, served, peak = 0, 0, 0, 0

    async def request() -> None:
        # A server that works on two requests at a time and refuses a third at once, as UltraCart does.
        nonlocal busy, refused, served, peak
        while True:
            async with limiter.slot():
                if busy >= 2:
                    accepted = False
                else:
                    accepted, busy = True, busy + 1
                    peak = max(peak, busy)
                    await anyio.sleep(0.005)
                    busy -= 1
            if accepted:
                served += 1
                limiter.on_success()
                return
            refused += 1
            limiter.on_rate_limited()  # and try again, as the HTTP core does

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(request)
    assert served == 8 and peak == 2
    assert refused <= 6 and limiter.cap == 2  # the server's limit, found from the first burst's 429s
    assert limiter.rate is None and limiter.learned is None  # nothing learned about the rate


async def test_the_cap_holds_requests_and_grows_back_after_a_run_of_successes() -> None:
    limiter = RateLimiter(None, 4)
    limiter.cap = 2
    peak = 0

    async def request() -> None:
        nonlocal peak
        async with limiter.slot():
            peak = max(peak, limiter.in_flight)
            await anyio.sleep(0.001)
        limiter.on_success()

    async with anyio.create_task_group() as group:
        for _ in range(GROW_AFTER - 1):
            group.start_soon(request)
    assert peak == 2 and limiter.cap == 2  # never more in flight than the cap
    for _ in range(GROW_AFTER * 3):
        limiter.on_success()
    assert limiter.cap == 4  # grown back, one step per run of successes, never past the configured 4


async def test_a_429_with_nothing_else_in_flight_is_about_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(None, 4, clock=clock, sleep=clock.sleep)
    for _ in range(30):
        async with limiter.slot():
            pass
        limiter.on_success()
        clock.now += 0.05
    limiter.on_rate_limited()
    assert limiter.cap == 4 and limiter.rate is not None and 18 <= limiter.rate <= 20


async def test_a_request_cancelled_while_held_by_the_cap_leaves_no_trace() -> None:
    limiter = RateLimiter(None, 1)
    async with limiter.slot():
        with anyio.move_on_after(0.01):
            async with limiter.slot():
                raise AssertionError("the cap of 1 was passed")
        assert limiter.in_flight == 1 and not limiter._waiting
    assert limiter.in_flight == 0
    async with limiter.slot():  # the slot is free again
        assert limiter.in_flight == 1
