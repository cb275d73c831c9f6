"""The audit trail of writes: append-only JSON Lines at ``UC_MCP_AUDIT_LOG``.

One record per event of every write tool call and every guarded-call step (DESIGN.md:
confirmation of guarded tools): ``rejected`` (invalid arguments), ``previewed`` (a token preview
was issued), ``elicited`` (the person was asked), ``accepted`` / ``declined`` (their answer, or a valid token),
``duplicate_round`` (a resent confirmation, not executed again),
``denied`` (no way to ask and tokens switched off), ``token_refused``, then for an action that
runs: ``intent`` before the API call and ``executed`` / ``failed`` / ``outcome_unknown`` after.

Intent before, outcome after: the intent record is written and flushed to disk (``fsync``) before
the API call, and when it cannot be written the action is not performed (:class:`AuditUnavailable`).
When the outcome record cannot be written the result carries a warning instead — the action has
happened and the caller must know the trail is incomplete.

A record holds time, request id (for store credit and cashback the same ``req:xxxxxx`` that the
ledger description carries), actor, tenant, tool, target ids, a summary of the arguments with
secrets removed and personal data masked (:func:`summarise`), the outcome and the error. Each
record is one ``write`` of one line to a file opened with ``O_APPEND``, so lines from several
processes sharing the file never interleave.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, get_args

from .redact import MASKABLE, SECRET_KEYS, SECRET_VALUE, Redactor, filtered_key, holds_secret_value

# Every event a record can carry: typed, so a misspelt event is a type error, not a record nobody finds.
AuditEvent = Literal[
    "rejected",
    "previewed",
    "elicited",
    "accepted",
    "duplicate_round",
    "declined",
    "denied",
    "token_refused",
    "intent",
    "executed",
    "failed",
    "outcome_unknown",
]
EVENTS: Final = get_args(AuditEvent)
# The audit trail names who was affected by id only; every personal field class is masked.
_AUDIT_MASKS: Final = Redactor(frozenset(MASKABLE))
_MAX_TEXT = 80
_MAX_ITEMS = 10
# Argument names that are not secrets of the store but must not be replayable from the log.
_CREDENTIAL_ARGUMENTS: Final = frozenset({"confirm"})


REQUEST_ID_PREFIX: Final = "req:"


def new_request_id() -> str:
    """A short id for one tool call. Store credit and cashback descriptions carry the same id, so an
    unknown outcome can be looked up in the ledger and matched to its audit records."""
    return REQUEST_ID_PREFIX + secrets.token_hex(3)


def default_audit_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("uc-mcp", appauthor=False) / "audit.jsonl"


class AuditUnavailable(Exception):
    """The audit log cannot be written; the action it was about to record must not run."""


def summarise(
    arguments: Mapping[str, Any], depth: int = 0, parent: str | None = None, masks: Redactor = _AUDIT_MASKS
) -> dict[str, Any]:
    """The arguments as the audit log keeps them: no secrets or tokens, personal data masked (``masks``: every
    class, with the provider's own field names), long text reduced to its length, nested records reduced to
    what they touch. ``parent`` is the argument holding ``arguments`` (``properties``: a property's ``name`` is
    not a person's, and the value of one named like a secret, ``api_key``, is kept out as the outbound filter
    keeps it out of results)."""
    summary: dict[str, Any] = {}
    secret_value = holds_secret_value(arguments, parent)
    for key, value in arguments.items():
        if key.lower() in SECRET_KEYS or key in _CREDENTIAL_ARGUMENTS or (secret_value and key == "value"):
            summary[key] = SECRET_VALUE if value else value
        else:
            summary[key] = _summarise_value(filtered_key(parent, key), value, depth, masks)
    return summary


def _summarise_value(key: str, value: Any, depth: int, masks: Redactor) -> Any:
    if isinstance(value, Mapping):
        return summarise(value, depth + 1, key, masks) if depth < 2 else {"fields": sorted(value)[:_MAX_ITEMS]}
    if isinstance(value, list):
        items = [_summarise_value(key, item, depth + 1, masks) for item in value[:_MAX_ITEMS]]
        return items + ([f"... {len(value) - _MAX_ITEMS} more"] if len(value) > _MAX_ITEMS else [])
    if isinstance(value, str):
        masked = masks.field(key, value)
        # Long text (a CSV import, a note) is free text: names and phone numbers in it belong to no field a
        # mask knows, and a prefix would keep them. Its length is what the trail can keep.
        return masked if len(masked) <= _MAX_TEXT else f"<text of {len(value)} characters>"
    return value


def targets(values: Mapping[str, Any], id_keys: Collection[str] = frozenset()) -> dict[str, Any]:
    """The ids a call acts on, for finding every record about one customer: ``*_oid`` integers (UltraCart's)
    and the provider's own id keys (``Provider.audit_id_keys``: Voucherify's ``customer_id``, ``source_id``).
    A text id is masked like any text (a ``source_id`` may be an email address) and kept only when short."""
    found: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            continue
        if key.endswith("_oid") and isinstance(value, int):
            found[key] = value
        elif key in id_keys and isinstance(value, int | str) and len(str(value)) <= _MAX_TEXT:
            found[key] = _AUDIT_MASKS.text(value) if isinstance(value, str) else value
    return found


@dataclass
class AuditLog:
    """The file. ``path=None`` means the default under the user state directory."""

    path: Path
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def append(self, record: Mapping[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(handle, line)
                    os.fsync(handle)
                finally:
                    os.close(handle)
        except OSError as error:
            raise AuditUnavailable(f"the audit log {self.path} cannot be written ({error.strerror})") from None

    def check_writable(self) -> str | None:
        """None when the log can be appended to, else why not (for ``uc-mcp doctor`` and start-up)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8"):
                pass
        except OSError as error:
            return f"{self.path}: {error.strerror}"
        return None

    def read(self) -> Iterator[dict[str, Any]]:
        """Every record, oldest first; lines that are not JSON objects are skipped."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record


@dataclass(frozen=True, slots=True)
class Auditor:
    """Writes the records of one tool call: who (actor, tenant), what (tool, arguments), which call."""

    log: AuditLog | None
    actor: str
    tenant: str
    tool: str
    request_id: str
    arguments: Mapping[str, Any]
    # Ids a guarded call's preview resolved (the profile behind a merge's email): targets of the call like the
    # ids in its arguments, from the record that learns them on.
    bound: dict[str, Any] = field(default_factory=dict)
    id_keys: frozenset[str] = frozenset()  # the provider's record ids (``Provider.audit_id_keys``)
    masks: Redactor = _AUDIT_MASKS  # every class masked, with the provider's field names

    def bind(self, binding: Mapping[str, Any]) -> None:
        self.bound.update(targets(binding, self.id_keys))

    def record(
        self,
        event: AuditEvent,
        *,
        outcome: str | None = None,
        error: str | None = None,
        via: str | None = None,
        result: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one record; raises :class:`AuditUnavailable` when it cannot be written."""
        if self.log is None:
            return
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "event": event,
            "request_id": self.request_id,
            "actor": self.actor,
            "tenant": self.tenant,
            "tool": self.tool,
            "targets": {**targets(self.arguments, self.id_keys), **self.bound},
            "arguments": summarise(self.arguments, masks=self.masks),
        }
        if outcome is not None:
            entry["outcome"] = outcome
        if via is not None:
            entry["via"] = via  # how a guarded call was confirmed: elicitation or token
        if result:
            entry["result"] = dict(result)  # ids the call created or touched, e.g. a new customer's oid
        if error is not None:
            entry["error"] = self.masks.text(error)[:300]
        self.log.append(entry)

    def try_record(
        self,
        event: AuditEvent,
        *,
        outcome: str | None = None,
        error: str | None = None,
        via: str | None = None,
        result: Mapping[str, Any] | None = None,
    ) -> str | None:
        """Append one record; on failure return the warning the result must carry."""
        try:
            self.record(event, outcome=outcome, error=error, via=via, result=result)
        except AuditUnavailable as problem:
            return f"The audit record of this call could not be written: {problem}. Tell the operator."
        return None
