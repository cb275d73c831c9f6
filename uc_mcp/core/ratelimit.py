"""A client-side rate and concurrency limiter that learns from 429s.

UltraCart allows a limited request rate per application (about 1,000 an hour by default) and
answers concurrent requests from one application with 429; it sends no ``Retry-After``. So the
limiter paces requests at a configured rate (or unlimited), caps concurrency (1 for the real
API), and adapts: a 429 sets the pace just below the rate the server was accepting (successes
per second), and each success raises it slowly again (multiplicative decrease, gentle increase), never above the configured
ceiling. It is shared by every request of one server.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio

MIN_RATE = 0.05  # requests/s: never slower than one per 20 s
DECREASE = 0.97  # after a 429: this share of the rate the server was accepting
INCREASE = 1.01  # per success, back up towards the learned limit
HEADROOM = 0.99  # stay this far under the learned limit
PROBE = 1.002  # the learned limit creeps up per success, so a raised or underestimated quota is found


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
        self._accepted: deque[float] = deque(maxlen=32)  # when recent requests succeeded
        self._sent: deque[float] = deque(maxlen=32)  # when recent requests were sent
        self.learned: float | None = None  # the rate the server accepted when it last said 429
        self.rate_limited = 0  # 429s seen, for reports
        self._last_decrease = -1e9

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

    def on_rate_limited(self) -> None:
        """A 429: learn the limit and pace just below it.

        When our pace was being accepted, the pace itself was the step too far; when the server
        accepted far fewer requests than we sent (an unpaced start, or a lowered quota), the
        accepted rate is the better estimate of the limit.
        """
        self.rate_limited += 1
        now = self._clock()
        if self.rate is not None and now - self._last_decrease < 1.0 / self.rate:
            return  # a request sent before the last adjustment: that 429 is already accounted for
        self._last_decrease = now
        accepted = _rate(self._accepted)
        if self.rate is not None and (accepted is None or accepted >= 0.9 * self.rate):
            base = self.rate
        else:
            base = accepted or _rate(self._sent) or 1.0
        self.learned = base
        self.rate = max(MIN_RATE, base * DECREASE)

    def on_success(self) -> None:
        """Grow the pace back towards the learned limit, which itself creeps up (limits change)."""
        self._accepted.append(self._clock())
        if self.rate is None:
            return
        limit = self.ceiling
        if self.learned is not None:
            self.learned *= PROBE
            limit = min(limit, self.learned * HEADROOM) if limit else self.learned * HEADROOM
        grown = self.rate * INCREASE
        self.rate = min(grown, limit) if limit else grown


def _rate(moments: deque[float]) -> float | None:
    """Events per second over a window of recent timestamps."""
    if len(moments) >= 2 and moments[-1] > moments[0]:
        return (len(moments) - 1) / (moments[-1] - moments[0])
    return None
