"""Time in a provider's sandbox: one injectable clock, the system's or one tests move by hand.

Each provider's sandbox keeps its own date-time format beside it (``<provider>/sandbox/clock.py``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time(), UTC)


class FixedClock:
    """A clock tests move by hand, so vesting, expiry, token lifetimes and the progress of async actions are
    deterministic."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta
