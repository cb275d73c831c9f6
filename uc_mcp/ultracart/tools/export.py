"""Toolset ``assist``: ``ultracart_export_customers`` — every customer matching a filter, to a file.

The rows never go into the chat. The tool walks ``getCustomers`` pages of 200, streams each page
to a CSV or JSON Lines file under the export directory (``UC_MCP_EXPORT_DIR``) and returns the
file's path (stdio), or over HTTP an expiring resource link that only the token and tenant that
made it can read (on any replica, given a shared Redis and export directory), with the row count and
a three-row sample.

Assumptions about the real API (``reference/`` beside DESIGN.md), each one handled here:

- Filters (``customer_filters.py``): the API's are sent to it (tags to its query endpoint) and never
  checked again here; ``has_store_credit``, which the API does not have, is checked here on every
  customer read, so the file then holds fewer rows than the API listed, and ``how`` says so.
- ``total_records`` may be null (the sandbox's ``strict`` profile leaves it out whenever a filter
  is set): the walk ends when the API says ``more: false`` (``core/paging.py``), never on a count.
- About 1,000 requests an hour, one at a time: the next page is requested while one is written (one
  page ahead, only once the page before it arrived with more to come: ``core/paging.py``, ``eager=False``;
  the client's limiter still sends one request at a time), and ``max_calls`` caps them. An export that
  reaches it keeps the file, says ``complete: false`` and tells the model what is missing and how to get
  it. ``api_calls`` counts the page requests this tool made; retries of a failed request inside the HTTP
  layer are not visible here.
- Offset paging is not a snapshot: a customer added or changed during a long walk may be missed
  or written twice (the API has no cursor).

Every row passes through the call's ``Redactor`` before it is written, so the file honours
``UC_MCP_REDACT`` and never holds secrets; CSV cells that a spreadsheet would run as a formula
are quoted with a leading apostrophe, since customers write these values.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

import anyio
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field, field_validator

from ...core import exports as core_exports  # the machinery is every provider's
from ...core.budget import estimate_tokens, projector, prune, trim
from ...core.errors import ProviderError
from ...core.exports import (
    ExportFile,
    Owner,
    delete_file,
    export_directory,
    export_file_name,
    purge_expired_exports,
    refuse_unshared_exports,
    register_export,
)
from ...core.exports import register_export_resources as core_export_resources
from ...core.paging import Page, walk
from ...core.redact import SECRET_KEYS, Redactor
from ...core.toolspec import ToolContext, ToolSpec
from .. import models as m
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view
from .common import VIEW_EXPANSION, Result, mark
from .customer_filters import OUT_OF_CALLS, CustomerFilterInput, read_line, selection
from .customers import EXPANDABLE

__all__ = [
    "EXPORT_GONE",
    "EXPORT_TOOL",
    "EXPORT_URI_PREFIX",
    "TOOLS",
    "ExportCustomersInput",
    "ExportResult",
    "register_export_resources",
]

PAGE_SIZE: Final = 200  # the API's largest page: the fewest requests per customer
READ_AHEAD: Final = 2  # pages in flight at most: the one being waited for and the next (module doc)
DEFAULT_MAX_CALLS: Final = 50  # 10,000 customers
MAX_CALLS: Final = 500  # 100,000 customers, half the API's hourly allowance
SAMPLE_ROWS: Final = 3
# An export's URI is ultracart://exports/<random token>.<format>: one resource template per format,
# since a template declares one mime type.
EXPORT_TOOL: Final = "ultracart_export_customers"
EXPORT_URI_PREFIX: Final = "ultracart://exports/"
EXPORT_GONE: Final = core_exports.EXPORT_GONE.format(tool=EXPORT_TOOL)
EXPORT_FILE_MISSING: Final = core_exports.EXPORT_FILE_MISSING.format(tool=EXPORT_TOOL)


def register_export_resources(
    server: MCPServer, context_factory: Callable[[Context[Any, Any]], ToolContext], enabled_tools: Collection[str]
) -> bool:
    """The export links of ``ultracart_export_customers`` over HTTP (core/exports.py)."""
    return core_export_resources(
        server, context_factory, enabled_tools, tool=EXPORT_TOOL, uri_prefix=EXPORT_URI_PREFIX, what="customer"
    )


# Graphs DESIGN.md keeps out of every tool (orders, quotes, activity, EDI): not exportable either.
NOT_EXPORTED: Final = frozenset({"activity", "edi", "orders", "quotes"})
# Compact-table columns the view computes (the others are plain customer fields), and what each
# needs the API to expand.
VIEW_COLUMNS: Final = {
    "name": ("billing", "shipping"),
    "company": ("billing", "shipping"),
    "city": ("billing", "shipping"),
    "state": ("billing", "shipping"),
    "country": ("billing", "shipping"),
    "signup_date": (),
    "last_modified_date": (),
    "tag_count": ("tags",),
}
assert set(VIEW_COLUMNS) == set(COMPACT_CUSTOMER_FIELDS) - set(m.Customer.model_fields)
assert not {name.lower() for name in VIEW_COLUMNS} & SECRET_KEYS  # so a table would show every view column


# -- input ------------------------------------------------------------------------------------------


def _field_problem(path: str) -> str | None:
    """Why ``path`` cannot be exported, or None. Checked against the Customer model before any API
    call, so that a typo costs no request and the model learns which name was wrong."""
    parts = path.split(".")
    shown = path if len(path) <= 60 else path[:59] + "…"
    if any(part.lower() in SECRET_KEYS for part in parts):
        return f"'{shown}' is a secret and is never exported"
    if parts[0] in VIEW_COLUMNS:
        return None if len(parts) == 1 else f"'{shown}': {parts[0]} is a compact column without sub-fields"
    if parts[0] in NOT_EXPORTED:
        return f"'{parts[0]}' is not available in exports"
    model: type[BaseModel] = m.Customer
    for depth, part in enumerate(parts):
        known = {info.alias or name: info for name, info in model.model_fields.items()}
        info = known.get(part)
        where = ".".join(parts[: depth + 1])
        if info is None:
            return f"unknown field '{where}' (ultracart_get_customer shows a customer's fields)"
        if depth == len(parts) - 1:
            return None
        inner = _element_type(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif inner is dict or get_origin(inner) is dict:
            return None  # an opaque object: any key may be there
        else:
            return f"'{where}' has no sub-fields"
    return None


def _element_type(annotation: Any) -> Any:
    """``X`` from ``X | None``, ``list[X]`` and ``Annotated[X, ...]``."""
    origin = get_origin(annotation)
    if origin is Annotated or origin is list:
        return _element_type(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _element_type(rest[0]) if len(rest) == 1 else annotation
    return annotation


class ExportCustomersInput(CustomerFilterInput):  # the filters of ultracart_get_customers
    format: Literal["csv", "jsonl"] = Field("csv", description="csv (one header row) or jsonl (one object a line).")
    # Field paths only: a name that passes the pattern is safe to quote back in an error message.
    fields: list[Annotated[str, Field(max_length=80, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]] | None = Field(
        None,
        max_length=30,
        description="Columns instead of the compact table, e.g. "
        '["email","billing.city","tags"]. Dotted paths reach into addresses; in CSV a list or object is JSON.',
    )
    max_calls: int = Field(
        DEFAULT_MAX_CALLS,
        ge=1,
        le=MAX_CALLS,
        strict=True,  # JSON true is not 1 call
        description=f"Most API calls to make, {PAGE_SIZE} customers each; the export stops there, incomplete.",
    )

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: list[str] | None) -> list[str] | None:
        if not value:
            return None
        cleaned = list(dict.fromkeys(value))
        problems = [problem for problem in map(_field_problem, cleaned) if problem]
        if problems:
            raise ValueError("; ".join(problems[:3]))
        return cleaned


# -- rows -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layout:
    """What one export writes: its columns, and where each comes from."""

    columns: tuple[str, ...]  # in file order; dotted paths for nested fields
    view_columns: tuple[str, ...]  # computed by the compact view
    record_fields: tuple[str, ...]  # read from the customer record
    expand: tuple[str, ...]  # what the API must include for them
    # ``project(customer, record_fields)[0]``, compiled once; None when no column is a record field
    project: Callable[[Mapping[str, Any]], dict[str, Any]] | None = field(default=None, compare=False, repr=False)
    # The record fields when each is a top-level field (the compact table's, most): read and redacted one by one,
    # as the redaction of their projection would (it drops a secret's key; "value" or "columns" and "items"
    # would make the projection a name/value pair or a table: the projection is redacted whole then). Else None.
    top_level: tuple[str, ...] | None = None

    @classmethod
    def of(cls, fields: Sequence[str] | None) -> Layout:
        if not fields:
            return cls._split(COMPACT_CUSTOMER_FIELDS, VIEW_EXPANSION)
        wanted: set[str] = set()
        for name in fields:
            root = name.split(".", 1)[0]
            if root in VIEW_COLUMNS:
                wanted.update(VIEW_COLUMNS[root])
            elif root in EXPANDABLE:
                wanted.add(root)
        return cls._split(tuple(fields), tuple(sorted(wanted)))

    @classmethod
    def _split(cls, columns: tuple[str, ...], expand: tuple[str, ...]) -> Layout:
        view = tuple(name for name in columns if name in VIEW_COLUMNS)
        record = tuple(name for name in columns if name not in VIEW_COLUMNS)
        flat = (
            all("." not in name for name in record) and "value" not in record and not {"columns", "items"} <= {*record}
        )
        top_level = tuple(name for name in record if name.lower() not in SECRET_KEYS) if flat else None
        return cls(columns, view, record, expand, projector(record) if record else None, top_level)


def shape_rows(customers: Sequence[Mapping[str, Any]], layout: Layout, redactor: Redactor) -> list[dict[str, Any]]:
    """The export's rows for one page of raw customers: projected, then redacted, one customer at a time.

    Compact columns are redacted as the cells of a table (``columns`` + rows) are, so that ``name`` is
    masked as a person's name, exactly as in list results; record fields are masked by their own keys, at
    any depth. A view column whose value is unknown is left out of the row (an empty CSV cell). The view
    is computed once per customer, whatever the number of its columns.
    """
    project, top_level, view_columns, redact = layout.project, layout.top_level, layout.view_columns, redactor.apply
    rows = []
    for customer in customers:
        row: dict[str, Any] = {}
        if top_level is not None:
            for name in top_level:
                if name in customer:
                    row[name] = redact(customer[name], name)
        elif project is not None:
            row = redact(project(customer))
        if view_columns:
            view = customer_view(customer)
            for name in view_columns:
                value = redact(view[name], name)
                if value is not None:
                    row[name] = value
        rows.append(row)
    return rows


# -- the tool ---------------------------------------------------------------------------------------


class ExportResult(Result):
    format: str = Field(description="csv or jsonl.")
    rows: int = Field(description="Customers written to the file.")
    complete: bool = Field(description="False when the export stopped early; notice says what is missing.")
    api_calls: int = Field(description=f"API calls made (pages of up to {PAGE_SIZE} customers).")
    total: int | None = Field(None, description="All matches, when known.")
    how: list[str] | None = Field(None, description="What the filters mean and where each was applied.")
    path: str | None = Field(None, description="The file, on the machine running this server (stdio only).")
    resource_uri: str | None = Field(None, description="Over HTTP: read the file as this resource until expires_at.")
    expires_at: str | None = Field(None, description="When resource_uri stops working (UTC).")
    sample: list[dict[str, Any]] | None = Field(None, description="The first rows, to show their shape.")


async def _linked(ctx: ToolContext, path: Path, fmt: str) -> tuple[str, float]:
    """The link to a finished export; without one (the registry is unreachable) the file is deleted too."""
    try:
        return await register_export(ctx.settings, path, Owner.of(ctx), fmt)
    except BaseException:
        delete_file(path)  # a file nobody can reach is not kept
        raise


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _report(ctx: ToolContext, rows: int, total: int | None) -> None:
    if ctx.mcp is None:
        return
    of = f" of {total}" if total is not None else ""
    await ctx.mcp.report_progress(rows, total, f"{rows}{of} customers exported")


def _calls_for(total: int) -> int:
    # One spare call when the total is a multiple of the page size: the API may need an empty
    # last page to say there is no more.
    return math.ceil((total + 1) / PAGE_SIZE)


def _incomplete_notice(
    stopped: str | None, rows: int, total: int | None, max_calls: int, error: str | None, listed: int | None
) -> str:
    """``total``: the matches, when known; ``listed``: the customers the API lists for its filters (more than
    the matches when a filter is checked here), which is what the calls are spent on."""
    held = f"The file holds the first {rows}" + (f" of {total}" if total is not None else "") + " customers"
    narrow = "narrow the filter (e.g. signup_dts_start/signup_dts_end) and export in parts"
    if error is not None:
        return f"{held}: an API error stopped the export ({error}). Try again later, or {narrow}."
    if stopped == "max_calls":
        if listed is not None and _calls_for(listed) > MAX_CALLS:
            how = f"more than {MAX_CALLS} calls are needed, so {narrow}"
        elif listed is not None:
            how = f"call again with max_calls={_calls_for(listed)}, or {narrow}"
        else:
            how = f"call again with a higher max_calls (up to {MAX_CALLS}), or {narrow}"
        return (
            f"{held}; it stopped at max_calls={max_calls} ({PAGE_SIZE} customers a call) and the rest were not "
            f"exported. UltraCart allows about 1,000 calls an hour. To get them all, {how}."
        )
    return f"{held}; the API said there were more but stopped returning them. Try again later, or {narrow}."


def _fitted(result: dict[str, Any], sample: list[dict[str, Any]], max_tokens: int) -> dict[str, Any]:
    """The result with as many sample rows as fit the budget (long values shortened: it is a sample)."""
    rows: list[Any] = []
    for row in sample:
        shortened, _ = trim(prune(row), max_string=80, max_items=3)
        if estimate_tokens({**result, "sample": [*rows, shortened]}) > max_tokens:
            break
        rows.append(shortened)
    return {**result, "sample": rows} if rows else result


async def export_customers(request: Any, ctx: ToolContext) -> dict[str, Any]:
    if ctx.transport == "http":
        # Before the API client or any file: refuse an export no one could read, and fail fast when the
        # shared registry is unreachable (forgetting expired exports touches it).
        refuse_unshared_exports(ctx.settings)
        await purge_expired_exports(ctx.settings)
    layout = Layout.of(request.fields)
    chosen = selection(request)
    api = ctx.api
    calls = read = 0

    async def fetch(offset: int, limit: int) -> Page[dict[str, Any]]:
        nonlocal calls
        calls += 1
        return await chosen.page(api, offset, limit, expand=list(layout.expand))

    started = time.time()
    name = export_file_name("customers", request.format, started)
    file = ExportFile(export_directory(ctx.settings), name, layout.columns, request.format)
    rows = 0
    sample: list[dict[str, Any]] = []
    failure: Exception | None = None
    error: str | None = None
    path: Path | None = None
    try:
        # The read-ahead's request runs in this task group while a page is written.
        async with anyio.create_task_group() as group:
            walker = walk(
                fetch,
                limit=PAGE_SIZE,
                max_pages=request.max_calls,
                concurrency=READ_AHEAD,
                task_group=group,
                eager=False,
            )
            async with aclosing(walker):
                try:
                    async for page in walker:
                        read += len(page.items)
                        kept = [customer for customer in page.items if chosen.keep(customer)]
                        shaped = shape_rows(kept, layout, ctx.redactor)
                        file.write(shaped)
                        sample.extend(shaped[: SAMPLE_ROWS - len(sample)])
                        if shaped:  # progress must increase with every notification
                            rows += len(shaped)
                            await _report(ctx, rows, None if chosen.checked_here else walker.total)
                except Exception as caught:  # raised below, outside the group (which would wrap it in a group)
                    failure = caught
        if isinstance(failure, ProviderError) and rows:
            error = str(failure)  # the pages read are kept, and the notice says what stopped the export
        elif failure is not None:
            raise failure  # nothing to keep: the tool fails with the API's message (any other error: as any)
        path = file.finish()
    finally:
        # Cancelled (the client sent notifications/cancelled), or failed with nothing worth keeping:
        # leave no file behind. The clean-up does not await, so a cancellation cannot interrupt it
        # and nothing needs shielding.
        if path is None:
            file.discard()

    stopped = "max_calls" if walker.stopped == "max_pages" else walker.stopped
    complete = error is None and stopped == "end"
    # Checked here, the API's total counts customers that were not written: the matches are known only
    # once every customer was read.
    total = (rows if complete else None) if chosen.checked_here else walker.total
    early = None if complete else OUT_OF_CALLS if stopped == "max_calls" else "the export stopped (see notice)"

    def said(terse: bool) -> list[str] | None:
        lines = chosen.meaning(terse=terse)
        if chosen.checked_here:
            lines.append(read_line(read, walker.pages, rows, stopped=early, listed=walker.total, terse=terse))
        return lines or None

    result: dict[str, Any] = {
        "format": request.format,
        "rows": rows,
        "complete": complete,
        "api_calls": calls,
        "total": total,
        "how": said(terse=False),
    }
    if ctx.transport == "http":
        # Never a server path over HTTP: a link the same caller can read for a while.
        export_id, expires = await _linked(ctx, path, request.format)
        result["resource_uri"] = EXPORT_URI_PREFIX + export_id
        result["expires_at"] = _utc(expires)
    else:
        result["path"] = str(path)
    if not complete:
        result["notice"] = _incomplete_notice(stopped, rows, total, request.max_calls, error, walker.total)
    elif rows == 0:
        result["notice"] = "No customer matches this filter; the file " + (
            "holds only the header row." if request.format == "csv" else "is empty."
        )
    if estimate_tokens(result) + 20 > ctx.max_tokens:  # a tight budget: the same facts in fewer words
        result["how"] = said(terse=True)
    return _fitted(mark(ctx, result), sample, ctx.max_tokens - 20)


TOOLS = (
    ToolSpec(
        name="ultracart_export_customers",
        title="Export customers to a file",
        description=(
            "Write every customer matching the ultracart_get_customers filters (tags, pricing tier, billing/shipping "
            "place, dates, has_store_credit, ...) to a CSV or JSON Lines file, without "
            "putting the rows in the chat. Returns the file's path (over HTTP: a resource_uri that expires), rows, "
            "complete and a 3-row sample. Columns: the compact table, or fields=[...] (dotted paths like "
            f"billing.city). Reads {PAGE_SIZE} customers per API call and stops at max_calls (default "
            f"{DEFAULT_MAX_CALLS}) with complete=false and a notice saying how to get the rest; UltraCart allows "
            "about 1,000 calls an hour. Reports progress; cancelling deletes the partial file. For a few customers, "
            "use ultracart_get_customers."
        ),
        toolset="assist",
        input_model=ExportCustomersInput,
        output_model=ExportResult,
        handler=export_customers,
        # Changes nothing in the store, but writes a file on the server (the environment), so it is
        # not read-only; each call writes a new file. Being a write, every call is audited, which is
        # right for a bulk copy of customer data.
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
)
