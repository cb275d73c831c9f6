"""Time in the sandbox: UltraCart's date-time format (the clock itself is every provider's: core/sandbox/clock.py).

UltraCart renders date-times as ISO-8601 with the merchant's UTC offset and no fraction
(e.g. ``2024-03-09T14:05:00-05:00``). The sandbox uses US Eastern time, UltraCart's home
zone (assumed: the API does not document which zone it renders in).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from ...core.sandbox.clock import Clock as Clock  # every provider's sandbox clock (core/sandbox/clock.py)
from ...core.sandbox.clock import FixedClock as FixedClock
from ...core.sandbox.clock import SystemClock as SystemClock

try:
    from zoneinfo import ZoneInfo

    STORE_TZ: tzinfo = ZoneInfo("America/New_York")
except Exception:  # pragma: no cover - no tz database (Windows without tzdata)
    STORE_TZ = timezone(timedelta(hours=-5), "EST")


def format_dts(moment: datetime) -> str:
    """Render an aware datetime the way UltraCart does."""
    return moment.astimezone(STORE_TZ).replace(microsecond=0).isoformat()


def epoch(moment: datetime) -> int:
    """Seconds since the epoch: what the store indexes and compares dates by."""
    return int(moment.timestamp())


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_dts(text: str, *, end_of_day: bool = False) -> datetime:
    """Parse a date-time a client sent: ISO-8601 with or without offset, or a bare date.

    A value without an offset is read in the store's zone; a bare date means the start of
    that day, or its last second when it closes a range (``end_of_day``), so that
    ``signup_dts_end=2024-03-31`` includes the whole of March 31st. Raises ``ValueError`` (also for a
    moment past the edge of the calendar).
    """
    value = text.strip()
    try:
        if _DATE_ONLY.match(value):
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=STORE_TZ)
            parsed = moment + timedelta(days=1, seconds=-1) if end_of_day else moment
        else:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=STORE_TZ)
        parsed.timestamp()  # a moment at the very edge of the calendar may have no instant
    except OverflowError:
        raise ValueError("date-time out of range") from None
    return parsed


# The date-times the sandbox stores and renders: from 1900 (before it, the store's zone has a local-mean-time
# offset with seconds, which is no ISO-8601 offset) to the end of year 9998 (so that rendering in any zone
# stays in the calendar). Assumed: UltraCart keeps timestamps and refuses what it cannot store.
STORABLE = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))


def stored_dts(text: str) -> str:
    """A client's date-time as the sandbox keeps and renders it (UltraCart's format); ``ValueError`` when
    it is no ISO-8601 date or date-time, or outside ``STORABLE``.

    UltraCart parses what a client sends into a timestamp and renders its own format (assumed: a Java
    service keeps dates, not the text), so a value is normalised once, on write.
    """
    moment = parse_dts(text)
    if not STORABLE[0] <= moment < STORABLE[1]:
        raise ValueError("date-time out of range")
    return format_dts(moment)
