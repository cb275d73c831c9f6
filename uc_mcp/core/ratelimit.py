"""A client-side rate and concurrency limiter that learns from 429s.

UltraCart allows a limited request rate per application (about 1,000 an hour by default) and
answers concurrent requests from one application with 429; it sends no ``Retry-After``. So the
limiter paces requests at a configured rate (or unlimited), caps concurrency (1 for the real
API), and adapts: a 429 lowers the pace below what was actually being sent, and each success
raises it slowly again (multiplicative decrease, gentle increase), never above the configured
ceiling. It is shared by every request of one server.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio

MIN_RATE = 0.05  # requests/s: never slower than one per 20 s
DECREASE = 0.9
INCREASE = 1.005


class RateLimiter:
    def __init__(
        self,
        rate: float | None = None,
        concurrency: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.ceiling = rate
        self.rate = rate
        self._concurrency = anyio.Semaphore(concurrency) if concurrency else None
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0
        self._sent: deque[float] = deque(maxlen=32)
        self.rate_limited = 0  # 429s seen, for reports

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot: wait for concurrency and for the pace."""
        if self._concurrency is not None:
            await self._concurrency.acquire()
        try:
            if self.rate:
                now = self._clock()
                start = max(now, self._next_slot)
                self._next_slot = start + 1.0 / self.rate
                if start > now:
                    await self._sleep(start - now)
            self._sent.append(self._clock())
            yield
        finally:
            if self._concurrency is not None:
                self._concurrency.release()

    def observed_rate(self) -> float | None:
        if len(self._sent) < 2:
            return None
        span = self._sent[-1] - self._sent[0]
        return (len(self._sent) - 1) / span if span > 0 else None

    def on_rate_limited(self) -> None:
        self.rate_limited += 1
        candidates = [rate for rate in (self.rate, self.observed_rate()) if rate]
        base = min(candidates) if candidates else 1.0
        self.rate = max(MIN_RATE, base * DECREASE)

    def on_success(self) -> None:
        if self.rate is not None and (self.ceiling is None or self.rate < self.ceiling):
            grown = self.rate * INCREASE
            self.rate = min(grown, self.ceiling) if self.ceiling else grown
