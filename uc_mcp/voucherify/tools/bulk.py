"""Toolset ``bulk``: Voucherify's three operations that queue work — the CSV import and both bulk updates, guarded
(``core/confirm.py``) — and ``voucherify_get_async_action``, which follows the queued work to its end.

**What a model sends.** The CSV as text in the ``csv`` argument (a path would name a file on the server's machine,
which over HTTP is not the model's; at most ``CSV_MAX_CHARS`` characters and ``CSV_MAX_ROWS`` rows), sent to the
API exactly as approved. The bulk update as a typed list of customers (``source_id`` plus the fields to set, as
``voucherify_update_customer`` takes them; at most ``MAX_BULK_ROWS``), the metadata update as a list of source_ids
and one metadata object. Everything is checked before any call; a bad row is named by its row number (CSV: the line
of the file, the header being row 1, as the API's own report counts) or its index (``customers.3.email``), and the
field — never by its value.

**What the preview says.** How many customers the call would create and how many it would update: each distinct
source_id (or a CSV row's ``Id``) is looked up, one ``get_customer`` each, within ``max_lookups`` (real projects
are paced: 100 calls an hour on a sandbox project); the rest are counted as ``unknown``. A CSV row without either
creates a customer; a CSV row whose ``Id`` names no customer fails (as the sandbox reads the import: an ``Id``
matches only an id). The first rows are shown with what they set and, for a customer that exists, what it holds
now. The binding is a digest of exactly what would be sent, a digest of what each lookup found, and the counts: a
changed input or a changed store between the preview and the confirmation refuses the confirmation.

**Queued, not done.** The API answers 202 with an ``async_action_id``; the change lands in the background. A call
whose outcome is unknown (sent, no answer) says how to check — Voucherify has no API listing the async actions, so
by looking the customers up — and never to send it again blindly. 429 and 413 are refused before anything happens
(``envelope.py``).

**Waiting.** ``voucherify_get_async_action`` reads the action once, or with ``wait_seconds`` polls it until DONE or
FAILED within that time, sending a progress notification each time its progress moves when the client asked for
them (a progress token). One tool rather than a second "wait" tool: one definition in every turn's context, the
same read-only annotations, and a model that holds the id needs to learn nothing more.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

import anyio
from pydantic import Field, field_validator

from ...core.budget import fit_object
from ...core.confirm import Binding, Guard, Preview
from ...core.errors import NotFound, OutcomeUnknown
from ...core.paths import DOT_SEGMENT_PROBLEM, is_dot_segment
from ...core.toolspec import Hints, ToolContext, ToolSpec
from .. import models as m
from .common import METADATA_KEY_CHARS, METADATA_KEYS, ObjectResult, StrictInput, WriteInput, checked_metadata, mark
from .confirmation import Token, fitted, guarded_spec
from .customers import CustomerFields, SourceId

CSV_MAX_CHARS: Final = 100_000
CSV_MAX_ROWS: Final = 1_000
MAX_BULK_ROWS: Final = 100
DEFAULT_LOOKUPS: Final = 20
MAX_LOOKUPS: Final = 100
SAMPLE_ROWS: Final = 3
MAX_PROBLEMS: Final = 5  # problems one refusal names; the rest are counted
MAX_WAIT_SECONDS: Final = 60
MAX_FAILURES: Final = 20  # failed rows a result lists; failed_count says how many there are
EXAMPLES: Final = 3  # customers an unknown outcome names to look up
NAMED: Final = 10  # columns or metadata keys a question names; the rest are counted
GET_ACTION: Final = "voucherify_get_async_action"

Outcome = Literal["create", "update", "fail", "unknown"]


# -- the CSV -----------------------------------------------------------------------------------------------------

# The columns Voucherify maps to customer fields (reference §4.10), by their lower-cased name: the sandbox matches
# them ignoring case (assumed of the real API too); every other column becomes a metadata key.
CSV_COLUMNS: Final[Mapping[str, str]] = {
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
# The longest value of each field, as voucherify_create_customer takes it (metadata and unknown columns: 1000).
CELL_LIMITS: Final[Mapping[str, int]] = {
    "id": 255,
    "source_id": 255,
    "name": 255,
    "email": 255,
    "phone": 50,
    "birthdate": 10,
    "description": 1000,
    "address.line_1": 255,
    "address.line_2": 255,
    "address.city": 100,
    "address.state": 100,
    "address.postal_code": 40,
    "address.country": 100,
}
METADATA_CELL: Final = 1000
MAX_COLUMN_NAME: Final = METADATA_KEY_CHARS  # a column becomes a metadata key
# The shapes voucherify_create_customer accepts (tools/customers.py): something@domain.tld, and YYYY-MM-DD.
EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BOM: Final = "\ufeff"


def _is_date(text: str) -> bool:
    if not DATE.match(text):
        return False
    try:
        date.fromisoformat(text)  # 2024-02-30 has the shape, not the day
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One customer row: its ``row`` (the file's row, the header being row 1), what it matches an existing
    customer by (``key``: its Id, else its Source_id, else nothing) and the fields it sets, shaped as a customer."""

    row: int
    key: str | None
    by_id: bool
    sets: dict[str, Any]


@dataclass(slots=True)
class _Problems:
    found: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.found.append(text)

    def raise_any(self) -> None:
        if self.found:
            shown = "; ".join(self.found[:MAX_PROBLEMS])
            more = len(self.found) - MAX_PROBLEMS
            raise ValueError(shown + (f" (and {more} more)" if more > 0 else ""))


def _records(text: str, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """Each record of the file with its row number (blank rows count, as a spreadsheet shows them)."""
    # Strict: a quoted cell that never closes (or text after a closing quote) is an error, not the rest of the file
    # swallowed into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader, None)
        except csv.Error:
            problems.add(
                f"row {number}: not valid CSV (check its quotes: a quoted cell must end with a quote, followed by a "
                "comma or the end of the line)"
            )
            return
        if cells is None:
            return
        yield number, cells


def _header(cells: list[str], problems: _Problems) -> tuple[str, ...]:
    columns = tuple(cell.strip() for cell in cells)
    seen: dict[str, int] = {}
    for index, name in enumerate(columns, start=1):
        if not name:
            problems.add(f"row 1, column {index}: the column has no name")
        elif any(ch.isspace() for ch in name):
            problems.add(f"row 1, column {index}: no spaces allowed in column names (e.g. Address_City)")
        elif len(name) > MAX_COLUMN_NAME:
            problems.add(f"row 1, column {index}: a column name is at most {MAX_COLUMN_NAME} characters")
        elif name.lower() in seen:
            problems.add(f"row 1, column {index}: the same column as column {seen[name.lower()]}")
        else:
            seen[name.lower()] = index
    return columns


def _cell_problem(target: str, value: str) -> str | None:
    limit = CELL_LIMITS.get(target, METADATA_CELL)
    if len(value) > limit:
        return f"at most {limit} characters"
    if target == "email" and not EMAIL.match(value):
        return "not an email address"
    if target == "birthdate" and not _is_date(value):
        return "expected a date as YYYY-MM-DD"
    if target in ("id", "source_id") and is_dot_segment(value):
        return DOT_SEGMENT_PROBLEM  # looked up as {customerId} by the preview (core/paths.py)
    return None


def _row(number: int, columns: Sequence[str], cells: Sequence[str], problems: _Problems) -> CsvRow | None:
    if len(cells) > len(columns):
        problems.add(f"row {number}: {len(cells)} cells, but the header has {len(columns)} columns")
        return None
    sets: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for column, cell in zip(columns, cells, strict=False):
        value = cell.strip()
        if not value:
            continue  # an empty cell changes nothing
        target = CSV_COLUMNS.get(column.lower(), "metadata." + column)
        problem = _cell_problem(target, value)
        if problem:
            problems.add(f"row {number}, {column}: {problem}")
        elif target in ("id", "source_id"):
            keys[target] = value
        elif "." in target:
            group, name = target.split(".", 1)
            sets.setdefault(group, {})[name] = value
        else:
            sets[target] = value
    by_id = "id" in keys
    return CsvRow(number, keys.get("id", keys.get("source_id")), by_id, sets)


def parse_csv(text: str) -> tuple[tuple[str, ...], list[CsvRow]]:
    """The header's columns and the customer rows of ``text``; ValueError naming every problem's row and column."""
    problems = _Problems()
    records = _records(text, problems)
    first = next(records, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise ValueError("row 1: the first row must be the header (e.g. Source_id,Name,Email)")
    columns = _header(first[1], problems)
    rows: list[CsvRow] = []
    keyed: dict[str, int] = {}
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # a blank row is skipped, as the import skips it
        row = _row(number, columns, cells, problems)
        if row is None:
            continue
        if row.key is not None:
            column = "Id" if row.by_id else "Source_id"
            if row.key in keyed:
                problems.add(f"row {number}, {column}: the same customer as row {keyed[row.key]}")
            keyed.setdefault(row.key, number)
        rows.append(row)
        if len(rows) > CSV_MAX_ROWS:
            problems.add(f"more than {CSV_MAX_ROWS} customer rows: split the file")
            break
    if not rows and not problems.found:
        problems.add("the file has a header but no customer rows")
    problems.raise_any()
    return columns, rows


# -- inputs -------------------------------------------------------------------------------------------------------

LOOKUPS_FIELD: Final = Field(
    DEFAULT_LOOKUPS,
    ge=0,
    le=MAX_LOOKUPS,
    description="Most customers to look up (one API call each) to count creates versus updates; the rest: unknown.",
)


class ImportCsvInput(WriteInput):
    csv: str = Field(
        min_length=1,
        max_length=CSV_MAX_CHARS,
        description="The CSV text. Row 1 the header: Source_id, Id, Name, Email, Phone, Birthdate (YYYY-MM-DD), "
        "Description, Address_line_1, Address_line_2, Address_City, Address_State, Address_Postal_Code, "
        "Address_Country; any other column becomes a metadata key. A row with a known Source_id updates.",
    )
    max_lookups: int = LOOKUPS_FIELD
    confirm: Token | None = None

    @field_validator("csv")
    @classmethod
    def _valid_csv(cls, value: str) -> str:
        # A leading byte order mark (Excel's "CSV UTF-8") is not part of the first column's name: the API drops it
        # (assumed, as the sandbox reads the file as utf-8-sig). It is dropped here too, so that the preview, the
        # signed arguments and the bytes sent are one text.
        text = value.removeprefix(BOM)
        parse_csv(text)
        return text


class BulkCustomerRow(CustomerFields):
    source_id: SourceId


class UpdateInBulkInput(WriteInput):
    customers: list[BulkCustomerRow] = Field(
        min_length=1,
        max_length=MAX_BULK_ROWS,
        description="Each: source_id and only the fields to set. An unknown source_id creates that customer.",
    )
    max_lookups: int = LOOKUPS_FIELD
    confirm: Token | None = None

    @field_validator("customers")
    @classmethod
    def _one_row_per_customer(cls, rows: list[BulkCustomerRow]) -> list[BulkCustomerRow]:
        _refuse_repeats([row.source_id for row in rows], "customers.{index}.source_id")
        return rows


class MetadataInBulkInput(WriteInput):
    source_ids: list[SourceId] = Field(
        min_length=1, max_length=MAX_BULK_ROWS, description="The customers; an unknown source_id is created."
    )
    metadata: dict[str, Any] = Field(
        min_length=1, max_length=METADATA_KEYS, description="Merged into each customer's metadata, key by key."
    )
    max_lookups: int = LOOKUPS_FIELD
    confirm: Token | None = None

    @field_validator("source_ids")
    @classmethod
    def _distinct(cls, source_ids: list[str]) -> list[str]:
        _refuse_repeats(source_ids, "source_ids.{index}")
        return source_ids

    @field_validator("metadata")
    @classmethod
    def _within_limits(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        checked_metadata(metadata)
        return metadata


def _refuse_repeats(keys: Sequence[str], where: str) -> None:
    first: dict[str, int] = {}
    problems = _Problems()
    for index, key in enumerate(keys):
        if key in first:
            problems.add(f"{where.format(index=index)}: the same source_id as {where.format(index=first[key])}")
        first.setdefault(key, index)
    problems.raise_any()


# -- the plan: what a call would do -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """One row of a call: what it matches an existing customer by (``key``; ``by_id`` for a CSV ``Id``), what it
    sets, and how it is named in the preview (``label``: its row or index)."""

    label: dict[str, Any]
    key: str | None
    sets: dict[str, Any]
    by_id: bool = False


@dataclass(slots=True)
class Plan:
    """What the call would do to each target, as the lookups found it, and how many calls they made."""

    outcomes: list[Outcome]
    found: dict[str, m.Customer]
    calls: int

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.count(outcome)


async def plan(ctx: ToolContext, targets: Sequence[Target], max_lookups: int) -> Plan:
    """Look each keyed target up, in order, within ``max_lookups`` calls; a target without a key is created."""
    outcomes: list[Outcome] = []
    found: dict[str, m.Customer] = {}
    calls = 0
    for target in targets:
        if target.key is None:
            outcomes.append("create")
        elif calls >= max_lookups:
            outcomes.append("unknown")
        else:
            calls += 1
            customer = await _existing(ctx, target.key, target.by_id)
            if customer is not None:
                found[target.key] = customer
            outcomes.append("update" if customer is not None else "fail" if target.by_id else "create")
    return Plan(outcomes, found, calls)


async def _existing(ctx: ToolContext, key: str, by_id: bool) -> m.Customer | None:
    """The customer the import or bulk update would match by ``key``, or None. ``{customerId}`` resolves an id or a
    source_id, but the operations match one of them only: a source_id that is some other customer's id is new."""
    try:
        customer: m.Customer = await ctx.api.get_customer(key)
    except NotFound:
        return None
    matched = customer.id if by_id else customer.source_id
    return customer if matched == key else None


def digest(value: Any) -> str:
    """12 hex characters of SHA-256 over ``value`` (text as it is, anything else as canonical JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def binding_of(sent: Any, targets: Sequence[Target], outcome: Plan) -> dict[str, Any]:
    """What the person approves besides the arguments: the digest of exactly what is sent, the digest of what every
    lookup found (which customer each key named), and the counts."""
    found = [
        [target.key, result, (outcome.found.get(target.key) or m.Customer()).id if target.key else None]
        for target, result in zip(targets, outcome.outcomes, strict=True)
    ]
    return {
        "rows_digest": digest(sent),
        "lookups_digest": digest(found),
        "creates": outcome.count("create"),
        "updates": outcome.count("update"),
        "fails": outcome.count("fail"),
        "unknown": outcome.count("unknown"),
    }


def _counts_words(binding: Mapping[str, Any], max_lookups: int) -> str:
    words = f"{_count(binding['creates'], 'new customer')} created and {_count(binding['updates'], 'existing customer')} updated"
    if binding["fails"]:
        words += f"; {_count(binding['fails'], 'row')} would fail (no customer has its Id)"
    if binding["unknown"]:
        words += (
            f"; {_count(binding['unknown'], 'customer')} not looked up (beyond max_lookups={max_lookups}): each is "
            "created or updated"
        )
    return words


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _named(names: Sequence[str]) -> str:
    """Names for a question: the first ``NAMED`` of them, and how many more."""
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")


def _fingerprint(binding: Mapping[str, Any]) -> str:
    return f"Fingerprint {binding['rows_digest']}/{binding['lookups_digest']}."


def _now_values(customer: m.Customer | None, sets: Mapping[str, Any]) -> dict[str, Any] | None:
    """What ``customer`` holds now in the fields ``sets`` would write (an address and metadata by their keys)."""
    if customer is None:
        return None
    record = customer.model_dump(mode="json", exclude_none=True)
    now: dict[str, Any] = {}
    for name, value in sets.items():
        held = record.get(name)
        if isinstance(value, Mapping):
            held = {key: held[key] for key in value if isinstance(held, Mapping) and key in held}
        if held not in (None, {}, ""):
            now[name] = held
    return now


def _sample(ctx: ToolContext, targets: Sequence[Target], outcome: Plan) -> list[dict[str, Any]]:
    rows = []
    for target, result in list(zip(targets, outcome.outcomes, strict=True))[:SAMPLE_ROWS]:
        row: dict[str, Any] = {**target.label, "outcome": result, "sets": target.sets}
        now = _now_values(outcome.found.get(target.key) if target.key else None, target.sets)
        if now:
            row["now"] = now
        rows.append(row)
    applied: list[dict[str, Any]] = ctx.redactor.apply(rows)
    return applied


def _preview(
    ctx: ToolContext,
    question: str,
    action: str,
    targets: Sequence[Target],
    outcome: Plan,
    binding: dict[str, Any],
    extra: Mapping[str, Any],
) -> Preview:
    counts = {key: binding[key] for key in ("creates", "updates", "fails", "unknown") if binding[key]}
    details = {
        "action": action,
        "customers": len(targets),
        **counts,
        "lookups": outcome.calls,
        **extra,
        "sample": _sample(ctx, targets, outcome),
        "fingerprint": f"{binding['rows_digest']}/{binding['lookups_digest']}",
    }
    keep = ("action", "customers", *counts)
    return Preview(question, fitted(ctx, details, keep, "look customers up with voucherify_get_customer"), binding)


QUEUED_LINE: Final = (
    "It is queued and runs in the background (follow it with voucherify_get_async_action); it cannot be undone here."
)


# -- CSV import ---------------------------------------------------------------------------------------------------


def _csv_targets(text: str) -> tuple[tuple[str, ...], list[Target]]:
    columns, rows = parse_csv(text)
    targets = [
        Target({"row": row.row, **({"key": row.key} if row.key else {})}, row.key, row.sets, row.by_id) for row in rows
    ]
    return columns, targets


def _metadata_columns(columns: Sequence[str]) -> list[str]:
    return [column for column in columns if column and column.lower() not in CSV_COLUMNS]


async def _csv_binding(request: ImportCsvInput, ctx: ToolContext) -> tuple[list[Target], Plan, dict[str, Any]]:
    _, targets = _csv_targets(request.csv)
    outcome = await plan(ctx, targets, request.max_lookups)
    return targets, outcome, binding_of(request.csv, targets, outcome)


async def preview_import(request: ImportCsvInput, ctx: ToolContext) -> Preview:
    columns, _ = _csv_targets(request.csv)
    targets, outcome, binding = await _csv_binding(request, ctx)
    metadata = _metadata_columns(columns)
    meta_words = f" Columns stored as metadata: {_named(metadata)}." if metadata else ""
    question = (
        f"Import {_count(len(targets), 'customer row')} from CSV into Voucherify: {_counts_words(binding, request.max_lookups)}?"
        f"{meta_words} {QUEUED_LINE} {_fingerprint(binding)}"
    )
    extra = {"columns": list(columns), **({"metadata_columns": metadata} if metadata else {})}
    return _preview(ctx, question, "import customers from CSV", targets, outcome, binding, extra)


async def resolve_import(request: ImportCsvInput, ctx: ToolContext) -> Binding:
    return (await _csv_binding(request, ctx))[2]


async def execute_import(request: ImportCsvInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    _same_rows(request.csv, binding)
    _, targets = _csv_targets(request.csv)
    check = _look_up_advice([target.key for target in targets if target.key and not target.by_id])
    queued = await _queue(lambda: ctx.api.import_customers_using_csv(request.csv.encode("utf-8")), check)
    return _queued_result(ctx, queued, binding, check)


# -- bulk update --------------------------------------------------------------------------------------------------


def _bulk_sent(request: UpdateInBulkInput) -> list[dict[str, Any]]:
    return [row.model_dump(mode="json", exclude_none=True) for row in request.customers]


def _bulk_targets(request: UpdateInBulkInput) -> list[Target]:
    targets = []
    for index, row in enumerate(_bulk_sent(request)):
        source_id = row.pop("source_id")
        targets.append(Target({"index": index, "source_id": source_id}, source_id, row))
    return targets


async def _bulk_binding(request: UpdateInBulkInput, ctx: ToolContext) -> tuple[list[Target], Plan, dict[str, Any]]:
    targets = _bulk_targets(request)
    outcome = await plan(ctx, targets, request.max_lookups)
    return targets, outcome, binding_of(_bulk_sent(request), targets, outcome)


async def preview_bulk(request: UpdateInBulkInput, ctx: ToolContext) -> Preview:
    targets, outcome, binding = await _bulk_binding(request, ctx)
    fields = sorted({name for target in targets for name in target.sets})
    question = (
        f"Update {_count(len(targets), 'Voucherify customer')} in bulk ({', '.join(fields) or 'no fields'}): "
        f"{_counts_words(binding, request.max_lookups)}? {QUEUED_LINE} {_fingerprint(binding)}"
    )
    return _preview(ctx, question, "update customers in bulk", targets, outcome, binding, {"fields": fields})


async def resolve_bulk(request: UpdateInBulkInput, ctx: ToolContext) -> Binding:
    return (await _bulk_binding(request, ctx))[2]


async def execute_bulk(request: UpdateInBulkInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    sent = _bulk_sent(request)
    _same_rows(sent, binding)
    body = [m.BulkCustomer.model_validate(row) for row in sent]
    check = _look_up_advice([row.source_id for row in request.customers])
    queued = await _queue(lambda: ctx.api.update_customers_in_bulk(body), check)
    return _queued_result(ctx, queued, binding, check)


# -- metadata bulk update -----------------------------------------------------------------------------------------


def _metadata_sent(request: MetadataInBulkInput) -> dict[str, Any]:
    return {"source_ids": list(request.source_ids), "metadata": dict(request.metadata)}


def _metadata_targets(request: MetadataInBulkInput) -> list[Target]:
    sets = {"metadata": dict(request.metadata)}
    return [
        Target({"index": index, "source_id": source_id}, source_id, sets)
        for index, source_id in enumerate(request.source_ids)
    ]


async def _metadata_binding(
    request: MetadataInBulkInput, ctx: ToolContext
) -> tuple[list[Target], Plan, dict[str, Any]]:
    targets = _metadata_targets(request)
    outcome = await plan(ctx, targets, request.max_lookups)
    return targets, outcome, binding_of(_metadata_sent(request), targets, outcome)


async def preview_metadata(request: MetadataInBulkInput, ctx: ToolContext) -> Preview:
    targets, outcome, binding = await _metadata_binding(request, ctx)
    keys = _named(list(request.metadata))
    question = (
        f"Set metadata {keys} on {_count(len(targets), 'Voucherify customer')}: {_counts_words(binding, request.max_lookups)}? "
        f"{QUEUED_LINE} {_fingerprint(binding)}"
    )
    return _preview(ctx, question, "update customers' metadata in bulk", targets, outcome, binding, {})


async def resolve_metadata(request: MetadataInBulkInput, ctx: ToolContext) -> Binding:
    return (await _metadata_binding(request, ctx))[2]


async def execute_metadata(request: MetadataInBulkInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    sent = _metadata_sent(request)
    _same_rows(sent, binding)
    check = _look_up_advice(request.source_ids)
    queued = await _queue(
        lambda: ctx.api.update_customers_metadata_in_bulk(m.MetadataBulkUpdate.model_validate(sent)), check
    )
    return _queued_result(ctx, queued, binding, check)


# -- sending ------------------------------------------------------------------------------------------------------


def _same_rows(sent: Any, binding: Binding) -> None:
    # The arguments are those the person approved (signed, or answered in this very call); this holds the rows sent
    # to the digest the question named all the same.
    if digest(sent) != binding.get("rows_digest"):
        raise ValueError("the rows differ from the ones the user approved; nothing was sent.")


def _look_up_advice(keys: Sequence[str]) -> str:
    named = ", ".join(keys[:EXAMPLES])
    who = f"look up {named} with voucherify_get_customer" if named else "list the newest customers"
    return (
        f"wait a minute (queued work lands in the background), then {who} and see whether they show the change; "
        "Voucherify has no list of async actions to search. Do not send it again before checking"
    )


async def _queue(send: Callable[[], Awaitable[m.AsyncActionQueued]], check: str) -> m.AsyncActionQueued:
    """Send; an unknown outcome says how to check this call's customers (never "try again")."""
    try:
        return await send()
    except OutcomeUnknown as unknown:
        raise OutcomeUnknown(
            unknown.detail,
            check=check,
            operation=unknown.operation,
            status=unknown.status,
            request_id=unknown.request_id,
        ) from None


def _queued_result(ctx: ToolContext, queued: m.AsyncActionQueued, binding: Binding, check: str) -> dict[str, Any]:
    expected = {key: binding[key] for key in ("creates", "updates", "fails", "unknown") if binding.get(key)}
    if not queued.async_action_id:
        return mark(
            ctx,
            {
                "expected": expected,
                "notice": f"Voucherify accepted the request without an async_action_id: {check}.",
            },
        )
    action = queued.async_action_id
    return mark(
        ctx,
        {
            "async_action_id": action,
            "async_status": "ENQUEUED",
            "expected": expected,
            "notice": f"Queued, not done yet: call {GET_ACTION} with async_action_id={action} and wait_seconds=30 "
            "to see it finish and which rows failed.",
        },
    )


# -- the async action ---------------------------------------------------------------------------------------------

FINISHED: Final = frozenset({"DONE", "FAILED"})
# Pauses between polls, then the last one repeated: quick for a small job, gentle on the API's pace for a long one.
PAUSES: Final = (0.25, 0.5, 1.0, 1.0, 2.0)
# How a poll waits (tests replace it to move the sandbox's clock instead of sleeping).
sleep: Callable[[float], Awaitable[None]] = anyio.sleep


class GetAsyncActionInput(StrictInput):
    async_action_id: str = Field(
        pattern=r"^aa_[A-Za-z0-9]{4,64}$", description="The async_action_id a CSV import or bulk update answered."
    )
    wait_seconds: int = Field(
        0,
        ge=0,
        le=MAX_WAIT_SECONDS,
        description="Wait up to this long for DONE or FAILED, polling (progress notifications if asked); 0: read once.",
    )


class AsyncActionResult(ObjectResult):
    id: str
    type: str | None = Field(None, description="CUSTOMERS.IMPORT_CSV, CUSTOMERS.BULK_UPDATE or METADATA_UPDATE.")
    status: str = Field(description="ENQUEUED, IN_PROGRESS, DONE or FAILED.")
    finished: bool = Field(description="DONE or FAILED: the result is final.")
    operation_status: str | None = Field(None, description="SUCCESS, FAILED or UNKNOWN (until finished).")
    progress: int | None = Field(None, description="0-100.")
    message: str | None = None
    done_count: int | None = None
    failed_count: int | None = None
    failures: list[dict[str, Any]] | None = Field(
        None, description="The failed rows: row and reason (CSV), or source_id, key and message (bulk)."
    )
    created_at: str | None = None
    updated_at: str | None = None
    processing_time_ms: int | None = None
    waited_seconds: float | None = None


def _finished(action: m.AsyncAction) -> bool:
    return (action.status or "").upper() in FINISHED


def _failures(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The failed rows of a finished action: an import's ``failed`` or a bulk update's ``errors``."""
    listed = result.get("failed") if isinstance(result.get("failed"), list) else result.get("errors")
    return [dict(entry) for entry in listed or [] if isinstance(entry, Mapping)][:MAX_FAILURES]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def action_view(action: m.AsyncAction) -> dict[str, Any]:
    """The action as the tool answers it. The per-row report files (``result.reports``: download links, which may
    carry their own credentials) are left out: the counts and the failed rows say what a model needs."""
    result = action.result or {}
    view: dict[str, Any] = {
        "id": action.id,
        "type": action.type,
        "status": action.status,
        "finished": _finished(action),
        "operation_status": action.operation_status,
        "progress": action.progress,
        "message": result.get("message") if isinstance(result.get("message"), str) else None,
        "done_count": _int(result.get("done_count")),
        "failed_count": _int(result.get("failed_count")),
        "failures": _failures(result) or None,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
        "processing_time_ms": action.processing_time,
    }
    return {key: value for key, value in view.items() if value is not None}


async def _report(ctx: ToolContext, action: m.AsyncAction, reported: int | None) -> int | None:
    """A progress notification when the action's progress moved on (notifications must increase); a no-op for a
    client that sent no progress token."""
    progress = action.progress if action.progress is not None else 0
    if ctx.mcp is None or (reported is not None and progress <= reported):
        return reported
    await ctx.mcp.report_progress(progress, 100, f"{action.status or 'unknown'}: {progress}%")
    return progress


def _pauses(total: float) -> Iterator[float]:
    """The pauses between polls, adding up to ``total``."""
    waited, index = 0.0, 0
    while waited < total:
        pause = min(PAUSES[min(index, len(PAUSES) - 1)], total - waited)
        waited, index = waited + pause, index + 1
        yield pause


async def _follow(ctx: ToolContext, action_id: str, seconds: int) -> tuple[m.AsyncAction, float]:
    """Read the action, then poll it until it finishes or ``seconds`` have passed (by the pauses taken, and by the
    clock: slow answers count too)."""
    deadline = time.monotonic() + seconds
    action: m.AsyncAction = await ctx.api.get_async_action(action_id)
    reported = await _report(ctx, action, None)
    waited = 0.0
    for pause in _pauses(seconds):
        if _finished(action) or time.monotonic() >= deadline:
            break
        await sleep(pause)
        waited += pause
        action = await ctx.api.get_async_action(action_id)
        reported = await _report(ctx, action, reported)
    return action, waited


def _action_notice(action: m.AsyncAction, view: Mapping[str, Any], waited: float, asked: int) -> str | None:
    if not _finished(action):
        after = f" after waiting {waited:g} s" if asked else ""
        return (
            f"Not finished yet ({action.status}, {action.progress or 0}%){after}: call {GET_ACTION} again with "
            f"wait_seconds={MAX_WAIT_SECONDS // 2} to wait for it."
        )
    failed = view.get("failed_count") or 0
    if failed:
        return (
            f"{failed} row(s) failed and were not applied (failures lists them): fix those rows and send only them "
            "again; the other rows are done."
        )
    return None


async def get_async_action(request: GetAsyncActionInput, ctx: ToolContext) -> dict[str, Any]:
    action, waited = await _follow(ctx, request.async_action_id, request.wait_seconds)
    view = action_view(action)
    view.setdefault("id", request.async_action_id)
    view.setdefault("status", "UNKNOWN")
    if request.wait_seconds:
        view["waited_seconds"] = round(waited, 2)
    notice = _action_notice(action, view, waited, request.wait_seconds)
    if notice:
        view["notice"] = notice
    keep = ("id", "status", "finished", "done_count", "failed_count", "notice")
    fitted_view = fit_object(view, max_tokens=ctx.max_tokens - 40, id_fields=keep, detail_hint="see failed_count")
    return mark(ctx, dict(fitted_view))


READ: Hints = {"read_only": True, "destructive": False, "idempotent": True, "toolset": "bulk"}

TOOLS: tuple[ToolSpec, ...] = (
    guarded_spec(
        "voucherify_import_customers_using_csv",
        "Import customers from CSV",
        "bulk",
        "Create or update customers from CSV text (a row with a known Source_id updates it). The preview counts "
        "creates versus updates and shows the first rows; the result is an async_action_id.",
        ImportCsvInput,
        Guard(preview_import, execute_import, resolve_import),
        idempotent=False,
    ),
    guarded_spec(
        "voucherify_update_customers_in_bulk",
        "Update customers in bulk",
        "bulk",
        "Update (or create) up to 100 customers by source_id in one queued job. The preview counts creates versus "
        "updates and shows the first rows with their current values; the result is an async_action_id.",
        UpdateInBulkInput,
        Guard(preview_bulk, execute_bulk, resolve_bulk),
        idempotent=True,
    ),
    guarded_spec(
        "voucherify_update_customers_metadata_in_bulk",
        "Set metadata on many customers",
        "bulk",
        "Merge the same metadata into up to 100 customers by source_id (an unknown one is created). The preview "
        "counts creates versus updates; the result is an async_action_id.",
        MetadataInBulkInput,
        Guard(preview_metadata, execute_metadata, resolve_metadata),
        idempotent=True,
    ),
    ToolSpec(
        name=GET_ACTION,
        title="Follow an import or bulk update",
        description="Status and progress of a CSV import or bulk update (async_action_id), and once finished its "
        "done and failed counts with the failed rows. wait_seconds waits for the end.",
        input_model=GetAsyncActionInput,
        output_model=AsyncActionResult,
        handler=get_async_action,
        **READ,
    ),
)
