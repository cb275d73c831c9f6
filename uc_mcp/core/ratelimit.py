"""A client-side rate and concurrency limiter that learns from 429s.

UltraCart allows a limited request rate per application (about 1,000 an hour by default) and
answers concurrent requests from one application with 429; it sends no ``Retry-After``. So the
limiter paces requests at a configured rate (or unlimited), caps concurrency (1 for the real
API), and adapts both, telling the two kinds of 429 apart by what was in flight:

- a 429 while other requests of ours were in flight says "too many at once": the in-flight cap
  drops to one less than the number that drew it, and the pace is left alone; after
  ``GROW_AFTER`` successes in a row the cap grows by one again, up to the configured concurrency;
- a 429 with nothing else in flight is about the rate: the pace drops just below the rate the
  server was accepting (successes per second), and each success raises it slowly again
  (multiplicative decrease, gentle increase), never above the configured ceiling.

It is shared by every request of one server.

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

from .client_log import tell_client

log = logging.getLogger("uc_mcp.ratelimit")

MIN_RATE = 0.05  # requests/s: never slower than one per 20 s
DECREASE = 0.97  # after a 429: this share of the rate the server was accepting
INCREASE = 1.01  # per success, back up towards the learned limit
HEADROOM = 0.99  # stay this far under the learned limit
RECENT = 10.0  # seconds of history that count as evidence of the server's limit
PROBE = 1.002  # the learned limit creeps up per success, so a raised or underestimated quota is found
WARN_EVERY = 60.0  # seconds between two warnings that the shared pace is unreachable
TELL_WAIT = 1.0  # seconds: a wait this long is worth a log message to the client (shorter ones go unnoticed)
GROW_AFTER = 20  # successes in a row before the in-flight cap is raised by one (each probe may cost a 429)


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
        self.max_concurrency = concurrency  # None: no cap until the server refuses concurrent requests
        self.cap = concurrency  # the in-flight cap now: lowered by concurrency 429s, raised by successes
        self.in_flight = 0
        self._waiting: list[anyio.Event] = []  # requests held by the cap
        self._streak = 0  # successes since the last 429
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
        """Hold one request slot: wait for the in-flight cap and for the pace."""
        while self.cap is not None and self.in_flight >= self.cap:
            released = anyio.Event()
            self._waiting.append(released)
            try:
                await released.wait()
            finally:
                if released in self._waiting:  # cancelled while waiting
                    self._waiting.remove(released)
        self.in_flight += 1
        try:
            if self.rate:
                wait = await self._reserve(1.0 / self.rate)
                if wait >= TELL_WAIT:
                    tell_client(
                        "info", log, "waiting %.1f s for the API's rate limit (%.2f requests/s)", wait, self.rate
                    )
                if wait > 0:
                    await self._sleep(wait)
            self._sent.append(self._clock())
            yield
        finally:
            self.in_flight -= 1
            self._release_waiting()

    def _release_waiting(self) -> None:
        # Every waiter checks the cap again (there are a handful at most); those that do not fit wait again.
        waiting, self._waiting = self._waiting, []
        for released in waiting:
            released.set()

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
        """A 429 (called once the refused request has left its slot): learn the limit it reveals.

        With other requests still in flight, the server refused the number in flight: cap below it.
        Otherwise it refused the rate. When our pace was being accepted, the pace itself was the
        step too far; when the server accepted far fewer requests than we sent (an unpaced start, or
        a lowered quota), the accepted rate is the better estimate of the limit.
        """
        self.rate_limited += 1
        self._streak = 0
        concurrent = self.in_flight + 1  # the refused request and those still in flight
        if concurrent > 1:
            self.cap = max(1, min(self.cap or concurrent, concurrent - 1))
            tell_client("warning", log, "the API refused a request (429): at most %d in flight from now", self.cap)
            return
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
        tell_client("warning", log, "the API refused a request (429): pacing at %.2f requests/s", self.rate)

    def on_success(self) -> None:
        """Grow the pace back towards the learned limit, which itself creeps up (limits change); after a
        run of successes, allow one more request in flight (up to the configured concurrency)."""
        self._accepted.append(self._clock())
        self._streak += 1
        if self._streak >= GROW_AFTER and self.cap is not None and self.cap != self.max_concurrency:
            self._streak = 0
            self.cap = self.cap + 1 if self.max_concurrency is None else min(self.max_concurrency, self.cap + 1)
            self._release_waiting()
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
