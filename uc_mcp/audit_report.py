"""``uc-mcp audit``: the audit log (``core/audit.py``), filtered and printed for a person.

One line per record: time, event, tool, request id, actor, targets, the arguments' summary and
the error if any. ``--json`` prints the records as they are stored, for scripts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``7d``, ``1w`` before now, or an ISO date / date-time (UTC when no zone)."""
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(text)
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since: expected a duration like 30m, 2h, 7d or an ISO date such as 2026-11-01, not {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _time(record: Mapping[str, Any]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(record.get("time", "")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def select(
    records: Iterable[Mapping[str, Any]], *, since: datetime | None = None, tool: str | None = None
) -> Iterator[Mapping[str, Any]]:
    """Records at or after ``since`` whose tool name contains ``tool`` (``credit`` finds store credit)."""
    for record in records:
        if tool and tool not in str(record.get("tool", "")):
            continue
        if since is not None:
            moment = _time(record)
            if moment is None or moment < since:
                continue
        yield record


def _pairs(values: Any) -> str:
    if not isinstance(values, Mapping):
        return ""
    return " ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in values.items())


def render(record: Mapping[str, Any]) -> str:
    moment = _time(record)
    when = moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "????-??-?? ??:??:??"
    parts = [
        when,
        f"{record.get('event', '?'):<16}",
        str(record.get("tool", "?")),
        str(record.get("request_id", "")),
        str(record.get("actor", "")),
    ]
    for label in ("targets", "result"):
        text = _pairs(record.get(label))
        if text:
            parts.append(f"{label}: {text}" if label == "result" else text)
    if record.get("via"):
        parts.append(f"via {record['via']}")
    arguments = _pairs({k: v for k, v in (record.get("arguments") or {}).items() if not k.endswith("_oid")})
    if arguments:
        parts.append(f"[{arguments}]")
    if record.get("error"):
        parts.append(f"error: {record['error']}")
    return "  ".join(parts)
