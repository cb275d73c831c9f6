"""A client-side rate and concurrency limiter that learns from 429s.

UltraCart allows a limited request rate per application (about 1,000 an hour by default) and
answers concurrent requests from one application with 429; it sends no ``Retry-After``. So the
limiter paces requests at a configured rate (or unlimited), caps concurrency (1 for the real
API), and adapts: a 429 sets the pace just below the rate the server was accepting (successes
per second), and each success raises it slowly again (multiplicative decrease, gentle increase), never above the configured
ceiling. It is shared by every request of one server.

Several processes (replicas) calling one store share its pace through an optional ``shared``
timeline (:class:`SharedPace`, the Redis one in ``shared_state.py``): each slot is taken from it at
this process's current rate, so the processes together stay at the rate. The rate itself is still
learned per process, and concurrency is capped per process. When the shared timeline cannot be
reached, the process paces alone (and logs it) until it is back. Without ``shared`` nothing changes.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

import anyio

log = logging.getLogger("uc_mcp.ratelimit")

MIN_RATE = 0.05  # requests/s: never slower than one per 20 s
DECREASE = 0.97  # after a 429: this share of the rate the server was accepting
INCREASE = 1.01  # per success, back up towards the learned limit
HEADROOM = 0.99  # stay this far under the learned limit
RECENT = 10.0  # seconds of history that count as evidence of the server's limit
PROBE = 1.002  # the learned limit creeps up per success, so a raised or underestimated quota is found
WARN_EVERY = 60.0  # seconds between two warnings that the shared pace is unreachable


class PaceUnavailable(Exception):
    """The shared pace timeline could not be reached; the message says where (never a secret)."""


class SharedPace(Protocol):
    """A pace timeline shared by several processes calling one store."""

    async def reserve(self, interval: float) -> float:
        """Take the next slot, ``interval`` seconds after the previous one; return the seconds to wait for it.

        Raises :class:`PaceUnavailable` when the timeline cannot be reached.
        """
        ...


class RateLimiter:
    def __init__(
        self,
        rate: float | None = None,
        concurrency: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        shared: SharedPace | None = None,
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
        self.shared = shared
        self._warned = -1e9

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot: wait for concurrency and for the pace."""
        if self._concurrency is not None:
            await self._concurrency.acquire()
        try:
            if self.rate:
                wait = await self._reserve(1.0 / self.rate)
                if wait > 0:
                    await self._sleep(wait)
            self._sent.append(self._clock())
            yield
        finally:
            if self._concurrency is not None:
                self._concurrency.release()

    async def _reserve(self, interval: float) -> float:
        """Seconds until this request's slot: from the shared timeline when there is one, else local."""
        if self.shared is not None:
            try:
                return await self.shared.reserve(interval)
            except PaceUnavailable as problem:
                now = self._clock()
                if now - self._warned >= WARN_EVERY:
                    self._warned = now
                    log.warning("%s: pacing this process alone until it is back", problem)
        now = self._clock()
        start = max(now, self._next_slot)
        self._next_slot = start + interval
        return start - now

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
        # Only a recent, busy stretch says what the server accepts: over a window with idle gaps
        # (a chat-paced session) the observed rate is the client's own slowness, and learning it
        # as the limit would collapse the pace after a single 429.
        accepted = _rate(self._accepted, now)
        if self.rate is not None and (accepted is None or accepted >= 0.9 * self.rate):
            base = self.rate
        else:
            base = accepted or _rate(self._sent, now) or 1.0
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


def _rate(moments: deque[float], now: float) -> float | None:
    """Events per second over the timestamps of the last ``RECENT`` seconds (None: too few to tell)."""
    recent = [moment for moment in moments if moment >= now - RECENT]
    if len(recent) >= 2 and recent[-1] > recent[0]:
        return (len(recent) - 1) / (recent[-1] - recent[0])
    return None
