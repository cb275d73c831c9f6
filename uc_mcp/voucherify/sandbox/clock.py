"""Time in the Voucherify sandbox: Voucherify's date-time format (the clock itself is every provider's:
core/sandbox/clock.py).

Voucherify renders date-times as ISO-8601 in UTC with milliseconds and ``Z`` (``2022-08-30T06:32:07.380Z``) and
dates as ``YYYY-MM-DD``. The store keeps instants as integer milliseconds since the epoch, so that ordering and
the ``created_at`` cursor compare numbers, and renders them on the way out.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from ...core.sandbox.clock import Clock as Clock  # every provider's sandbox clock (core/sandbox/clock.py)
from ...core.sandbox.clock import FixedClock as FixedClock
from ...core.sandbox.clock import SystemClock as SystemClock


def millis(moment: datetime) -> int:
    """Milliseconds since the epoch: what the store keeps and compares."""
    return int(moment.timestamp() * 1000)


def format_ms(value: int) -> str:
    """Render stored milliseconds the way Voucherify does: UTC, three decimals, ``Z``."""
    moment = datetime.fromtimestamp(value / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value % 1000:03d}Z"


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The instants the sandbox accepts in a query or stores: years 1000 to 9998, so that every one renders in the
# four-digit-year format above and survives a round trip through a client's date parser (assumed: Voucherify
# refuses what it cannot store; it documents no bound).
_FIRST_MS = millis(datetime(1000, 1, 1, tzinfo=UTC))
_LAST_MS = millis(datetime(9999, 1, 1, tzinfo=UTC))


def parse_instant(text: str) -> int:
    """A client's date-time as stored milliseconds; ``ValueError`` when it is none.

    Accepted: ISO-8601 date-times with or without a fraction and with ``Z`` or an offset (``+00:00`` and the
    ``+0000`` the official Python SDK sends), and a bare date (midnight UTC). A date-time without an offset is
    read as UTC (assumed: Voucherify works in UTC and documents no other zone).
    """
    value = text.strip()
    if not value or len(value) > 64:
        raise ValueError("not a date-time")
    try:
        if _DATE_ONLY.match(value):
            day = date.fromisoformat(value)
            parsed = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(value.replace("z", "Z"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
        stamp = millis(parsed)
    except (OverflowError, ValueError):
        raise ValueError("not a date-time") from None
    if not _FIRST_MS <= stamp < _LAST_MS:
        raise ValueError("date-time out of range")
    return stamp


def parse_date(text: str) -> str:
    """A ``YYYY-MM-DD`` date, checked (``ValueError`` otherwise); the text is kept as it is."""
    if not _DATE_ONLY.match(text):
        raise ValueError("not a date")
    date.fromisoformat(text)
    return text
