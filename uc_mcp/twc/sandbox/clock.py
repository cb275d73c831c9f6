"""Time in the TWC sandbox: TWC's formats (the clock itself is every provider's: core/sandbox/clock.py).

* Instants (``createdDate``, ``lastModifiedDate``, opt-in times) render as ISO 8601 in UTC with milliseconds and
  ``Z`` (``2023-05-19T03:48:22.075Z``), as the docs' samples do; the store keeps integer milliseconds.
* ``dob`` is ``DD-MM-YYYY`` (``25-10-1985``), not ISO (reference §4.1, §8): checked to be a real date and kept as
  the client wrote it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from ...core.sandbox.clock import Clock as Clock  # every provider's sandbox clock (core/sandbox/clock.py)
from ...core.sandbox.clock import FixedClock as FixedClock
from ...core.sandbox.clock import SystemClock as SystemClock

_DOB = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")
# Instants the sandbox accepts from a client: years 1000 to 9998, so each renders with a four-digit year.
_FIRST_MS = int(datetime(1000, 1, 1, tzinfo=UTC).timestamp() * 1000)
_LAST_MS = int(datetime(9999, 1, 1, tzinfo=UTC).timestamp() * 1000)


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def format_ms(value: int) -> str:
    """Stored milliseconds as TWC renders an instant: UTC, three decimals, ``Z``."""
    moment = datetime.fromtimestamp(value / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value % 1000:03d}Z"


def parse_instant(text: str) -> int:
    """An ISO 8601 date-time (``Z`` or an offset; none means UTC) as milliseconds; ``ValueError`` otherwise.

    The seed's opt-in samples hold ``2022-32-09 07:32:51`` (month 32): such text is no instant. The sandbox only
    reads client instants where the docs let a client set one (``marketing_preferences_updated_at``); opt-in
    times are TWC's own and never read from a request (``validation.py``).
    """
    value = text.strip()
    if not value or len(value) > 64:
        raise ValueError("not a date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValueError("not a date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        stamp = millis(parsed)
    except (OverflowError, ValueError):
        raise ValueError("not a date-time") from None
    if not _FIRST_MS <= stamp < _LAST_MS:
        raise ValueError("date-time out of range")
    return stamp


def check_dob(text: str) -> str:
    """A ``DD-MM-YYYY`` date of birth, checked to be a real day; the text is kept as written."""
    match = _DOB.match(text)
    if match is None:
        raise ValueError("not DD-MM-YYYY")
    day, month, year = (int(part) for part in match.groups())
    date(year, month, day)  # ValueError for 31-02-1990
    return text
