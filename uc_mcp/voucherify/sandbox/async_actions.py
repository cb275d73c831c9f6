"""Async actions: the CSV import and both bulk updates queue a job and answer ``202 {async_action_id}``;
``GET /v1/async-actions/{id}`` reports its progress (reference §8).

How time moves (the sandbox's decision; Voucherify documents only the states):

* A job is ENQUEUED for ``QUEUED_MS`` after it is created, then IN_PROGRESS for ``RUNNING_MS`` (its progress
  running from 0 to 99), then DONE or FAILED with ``progress`` 100. Jobs run one at a time, first in first out
  (reference: "each after every earlier bulk request in the queue has finished"): a job starts no earlier than
  the end of the one before it.
* Everything is on the sandbox's clock: with a test's fixed clock nothing moves until the test advances it.
* The changes land at the job's end, all at once, stamped with that moment; every request to the sandbox first
  applies the jobs that are due (``apply_due``), so an import lands whether or not anyone polls, and whatever a
  client reads after the end already shows it.

What a job does (upsert by ``source_id``: an unknown one creates a customer; ``found``/``updated`` per row):

* ``CUSTOMERS.IMPORT_CSV``: row 1 is the header. Known columns (matched ignoring case: ``Id``, ``Name``,
  ``Email``, ``Phone``, ``Birthdate``, ``Source_id``, ``Address_line_1``, ``Address_line_2``,
  ``Address_Postal_Code``, ``Address_City``, ``Address_State``, ``Address_Country``, ``Description``) set those
  fields; every other column becomes a metadata key (merged into the customer's metadata). Empty cells change
  nothing. A row with an ``Id`` updates that customer (a row naming an unknown id fails); else a row with a
  ``Source_id`` updates or creates that customer; else it creates one. A row fails (and is reported with its
  line number, the header being line 1) for a bad birthdate, an unknown id or more cells than columns. A file
  that is not UTF-8 text with a header row fails the whole job (FAILED).
* ``CUSTOMERS.BULK_UPDATE``: each item updates (partially) or creates the customer with its ``source_id``.
* ``CUSTOMERS.METADATA_UPDATE``: every listed customer gets the metadata merged into its own (assumed: merge;
  the spec says "key value pairs to be updated"); an unknown source id creates a customer.

``operation_status`` is UNKNOWN until the end, then SUCCESS when no row failed and FAILED otherwise. The bulk
jobs' per-row report (``source_id``, ``found``, ``updated``) is served as CSV at the URL in ``result.reports``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .clock import format_ms
from .errors import ApiError, async_action_not_found
from .schema import Rows, dumps
from .store import SandboxStore
from .validation import MAX_TEXT, base_fields

QUEUED_MS = 500
RUNNING_MS = 500
REPORT_DAYS = 7  # how long a report is said to be available (assumed)
MAX_CSV_ROWS = 10_000

IMPORT_CSV = "CUSTOMERS.IMPORT_CSV"
BULK_UPDATE = "CUSTOMERS.BULK_UPDATE"
METADATA_UPDATE = "CUSTOMERS.METADATA_UPDATE"

# CSV column (lower-cased) -> the customer field it sets; address parts go into ``address``.
CSV_COLUMNS = {
    "id": "id",
    "name": "name",
    "email": "email",
    "phone": "phone",
    "birthdate": "birthdate",
    "source_id": "source_id",
    "description": "description",
    "address_line_1": "address.line_1",
    "address_line_2": "address.line_2",
    "address_postal_code": "address.postal_code",
    "address_city": "address.city",
    "address_state": "address.state",
    "address_country": "address.country",
}


def enqueue(store: SandboxStore, kind: str, payload: Any, request_id: str) -> str:
    """Queue a job; its id. It starts after ``QUEUED_MS`` and after the job before it ends."""
    with store.writing() as rows:
        now = store.now_ms()
        last_end = rows.conn.execute("SELECT MAX(ends_at) FROM async_action").fetchone()[0]
        starts = max(now + QUEUED_MS, int(last_end or 0))
        action_id = rows.sortable_id("aa_", "async_action")
        rows.conn.execute(
            "INSERT INTO async_action (id, type, created_at, starts_at, ends_at, request_id, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (action_id, kind, now, starts, starts + RUNNING_MS, request_id, dumps(payload)),
        )
    return action_id


def apply_due(store: SandboxStore) -> None:
    """Apply every job whose end has come, in order (each in its own transaction)."""
    now = store.now_ms()
    with store.reading() as conn:
        due = conn.execute(
            "SELECT id FROM async_action WHERE applied = 0 AND ends_at <= ? ORDER BY ends_at, id", (now,)
        ).fetchall()
    for (action_id,) in due:
        with store.writing() as rows:
            row = rows.conn.execute(
                "SELECT type, payload, ends_at, request_id FROM async_action WHERE id = ? AND applied = 0",
                (action_id,),
            ).fetchone()
            if row is None:
                continue  # another process sharing the database applied it
            kind, payload, ends_at, request_id = row
            status, result = _run(store, rows, kind, json.loads(payload), int(ends_at), request_id, action_id)
            rows.conn.execute(
                "UPDATE async_action SET applied = 1, status = ?, result = ? WHERE id = ?",
                (status, dumps(result), action_id),
            )


def get(store: SandboxStore, action_id: str, base_url: str) -> dict[str, Any]:
    now = store.now_ms()
    with store.reading() as conn:
        row = conn.execute(
            "SELECT type, created_at, starts_at, ends_at, request_id, applied, status, result FROM async_action "
            "WHERE id = ?",
            (action_id,),
        ).fetchone()
    if row is None:
        raise async_action_not_found(action_id)
    kind, created_at, starts_at, ends_at, request_id, applied, status, result = row
    answer: dict[str, Any] = {"id": action_id, "type": kind}
    if applied:
        answer.update(
            status=status,
            operation_status="SUCCESS" if status == "DONE" and not _failures(json.loads(result)) else "FAILED",
            result=_public_result(json.loads(result), action_id, base_url),
            created_at=format_ms(created_at),
            updated_at=format_ms(ends_at),
            request_id=request_id,
            processing_time=int(ends_at - starts_at),
            progress=100,
        )
    else:
        running = now >= starts_at
        progress = min(99, (now - starts_at) * 100 // RUNNING_MS) if running else 0
        answer.update(
            status="IN_PROGRESS" if running else "ENQUEUED",
            operation_status="UNKNOWN",
            result=None,
            created_at=format_ms(created_at),
            updated_at=format_ms(starts_at if running else created_at),
            request_id=request_id,
            processing_time=int(now - starts_at) if running else 0,
            progress=int(progress),
        )
    answer["object"] = "async_action"
    return answer


def report_csv(store: SandboxStore, action_id: str) -> str:
    """A finished bulk job's per-row report: ``source_id,found,updated``."""
    with store.reading() as conn:
        row = conn.execute("SELECT applied, result FROM async_action WHERE id = ?", (action_id,)).fetchone()
    if row is None or not row[0]:
        raise async_action_not_found(action_id)
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(["source_id", "found", "updated"])
    for entry in json.loads(row[1]).get("_rows", []):
        writer.writerow([entry["source_id"], str(entry["found"]).lower(), str(entry["updated"]).lower()])
    return lines.getvalue()


def _failures(result: dict[str, Any]) -> int:
    return int(result.get("failed_count", 0))


def _public_result(result: dict[str, Any], action_id: str, base_url: str) -> dict[str, Any]:
    public = {key: value for key, value in result.items() if not key.startswith("_")}
    if "reports" in public:
        public["reports"] = [f"{base_url}/v1/async-actions/{action_id}/reports/1.csv"]
    return public


def _run(
    store: SandboxStore, rows: Rows, kind: str, payload: Any, at: int, request_id: str, action_id: str
) -> tuple[str, dict[str, Any]]:
    if kind == IMPORT_CSV:
        if payload.get("text") is None:
            return "FAILED", _import_result(0, [{"source_id": None, "row": 1, "reason": "The file is not UTF-8 text."}])
        return _import_csv(store, rows, payload["text"], at, request_id)
    if kind == BULK_UPDATE:
        report = [_upsert(store, rows, item["source_id"], item["fields"], at, request_id) for item in payload]
        return "DONE", _bulk_result(report, at)
    metadata = payload["metadata"]
    report = [_merge_metadata(store, rows, source_id, metadata, at, request_id) for source_id in payload["source_ids"]]
    return "DONE", _bulk_result(report, at)


def _bulk_result(report: list[dict[str, Any]], at: int) -> dict[str, Any]:
    """Nothing fails once the body passed validation (at the POST): ``errors`` stays empty."""
    return {
        "done_count": len(report),
        "failed_count": 0,
        "reports": [],
        "reports_available_till": format_ms(at + REPORT_DAYS * 86_400_000),
        "errors": [],
        "_rows": report,
    }


def _upsert(
    store: SandboxStore, rows: Rows, source_id: str, fields: dict[str, Any], at: int, request_id: str
) -> dict[str, Any]:
    _, found = store.upsert(rows, source_id, fields, request_id, at)
    return {"source_id": source_id, "found": found, "updated": True}


def _merge_metadata(
    store: SandboxStore, rows: Rows, source_id: str, metadata: dict[str, Any], at: int, request_id: str
) -> dict[str, Any]:
    row = store.find_for_update(rows, source_id=source_id)
    merged = {**(store.stored_metadata(tuple(row)) if row is not None else {}), **metadata}
    return _upsert(store, rows, source_id, {"metadata": merged}, at, request_id) | {"found": row is not None}


class RowFailed(Exception):
    """One CSV row that could not be applied; its message is the row's ``reason``."""


def _import_csv(store: SandboxStore, rows: Rows, text: str, at: int, request_id: str) -> tuple[str, dict[str, Any]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if not header or not any(cell.strip() for cell in header):
        return "FAILED", _import_result(0, [{"source_id": None, "row": 1, "reason": "The file has no header row."}])
    columns = [cell.strip() for cell in header]
    done, failed = 0, []
    line = 1
    while True:
        line += 1
        try:
            cells = next(reader, None)
        except csv.Error:
            failed.append({"source_id": None, "row": line, "reason": "The row is not valid CSV."})
            break
        if cells is None or line > MAX_CSV_ROWS + 1:
            break
        if not any(cell.strip() for cell in cells):
            continue
        try:
            _import_row(store, rows, columns, cells, at, request_id)
            done += 1
        except RowFailed as failure:
            failed.append({"source_id": _cell(columns, cells, "source_id"), "row": line, "reason": str(failure)})
    return "DONE", _import_result(done, failed)


def _import_result(done: int, failed: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "message": f"{done} customer(s) imported successfully, {len(failed)} failed.",
        "failed": failed,
        "done_count": done,
        "failed_count": len(failed),
    }


def _cell(columns: list[str], cells: list[str], name: str) -> str | None:
    for column, cell in zip(columns, cells, strict=False):
        if column.lower() == name and cell.strip():
            return cell.strip()
    return None


def _import_row(
    store: SandboxStore, rows: Rows, columns: list[str], cells: list[str], at: int, request_id: str
) -> None:
    if len(cells) > len(columns):
        raise RowFailed("The row has more cells than the header has columns.")
    body: dict[str, Any] = {}
    address: dict[str, str] = {}
    metadata: dict[str, str] = {}
    customer_id = source_id = None
    for column, cell in zip(columns, cells, strict=False):
        value = cell.strip()
        if not value:
            continue
        if len(value) > MAX_TEXT:
            raise RowFailed(f"The {column} cell is longer than {MAX_TEXT} characters.")
        target = CSV_COLUMNS.get(column.lower())
        if target is None:
            metadata[column] = value
        elif target == "id":
            customer_id = value
        elif target == "source_id":
            source_id = value
        elif target.startswith("address."):
            address[target.removeprefix("address.")] = value
        else:
            body[target] = value
    try:
        fields = base_fields(body)
    except ApiError:
        raise RowFailed("Invalid Birthdate: expected a date as YYYY-MM-DD.") from None
    row = store.find_for_update(rows, customer_id=customer_id) if customer_id is not None else None
    if customer_id is not None and row is None:
        raise RowFailed("No customer has the id in the Id column.")
    existing = row if row is not None else store.find_for_update(rows, source_id=source_id) if source_id else None
    if address:
        stored_address = json.loads(existing[4]).get("address") if existing is not None else None
        fields["address"] = {**(stored_address or {}), **address}
    if metadata:
        fields["metadata"] = {**(store.stored_metadata(tuple(existing)) if existing is not None else {}), **metadata}
    if row is not None:
        store.update_row(rows, tuple(row), fields, request_id, at)
    else:
        store.upsert(rows, source_id, fields, request_id, at)
