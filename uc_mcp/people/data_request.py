"""``customers_data_request``: everything each enabled system holds about one person, in one JSON Lines file.

The support desk's privacy workflow (a subject access request): the person is resolved as ``customer_360`` resolves
them (``tools.py``: searched in every enabled system, by email or any system's id), then each system's records are
read in full, concurrently, each within its own ``max_calls`` (its search included), and written to one file under
the export directory (``core/exports.py``). The file, one JSON object a line:

- a header: ``{"type": "data_request", "person": {...}, "systems": [...], "created_at": ...}``;
- per system, in registry order, a section line (its records, status, item count, and what is missing when it is
  partial or failed), then one ``{"type": "item", "system", "record", "kind", "data"}`` line per thing it holds:
  UltraCart the customer with every expansion, its store credit, each wishlist item, and a note on email lists
  (UltraCart has no per-customer read of them); Voucherify the customer, each segment, each redeemable and each
  activity event (every page, within the calls); TWC the customer (its addresses and consent are in it).

A system that fails leaves the others written: its section says ``failed`` or ``partial`` and why, and so does the
result. The result never holds the person's data: the file's path (stdio) or an expiring resource link readable by
the caller that made it (HTTP, ``customers://exports/<id>``), counts per system, lines and bytes. Every item passes
through its system's ``Redactor`` before it is written, as every export does, so the file honours
``UC_MCP_REDACT`` and never holds secrets. Items are read before the file is opened, so a cancelled or failed call
leaves no file behind.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Final

import anyio
from mcp.server.mcpserver import Context, MCPServer
from pydantic import AfterValidator, Field

from ..core.callbudget import BudgetSpent, CallBudget
from ..core.errors import ConfigurationError, NotFound, ProviderError
from ..core.exports import (
    ExportFile,
    Owner,
    delete_file,
    export_directory,
    export_file_name,
    purge_expired_exports,
    refuse_unshared_exports,
    register_export,
)
from ..core.exports import register_export_resources as core_export_resources
from ..core.paging import AfterCursor, Page, walk
from ..core.results import Result, StrictInput, mark, not_blank
from ..core.toolspec import ToolContext, ToolSpec
from ..twc.tools.common import read_customer as twc_read_customer
from ..ultracart.tools.common import EXPANSIONS as ULTRACART_EXPANSIONS
from ..ultracart.tools.overview import EMAIL_LISTS_NOTE
from .linking import ref
from .search import resolve
from .sources import Reach, Record, Source

__all__ = ["DATA_REQUEST", "DataRequestInput", "DataRequestResult", "register_export_resources"]

TOOL: Final = "customers_data_request"
EXPORT_URI_PREFIX: Final = "customers://exports/"
DEFAULT_CALLS: Final = 20
MOST_CALLS: Final = 60
PAGE_SIZE: Final = 100  # Voucherify's largest page of activity or redeemables: the fewest calls per event
AFTER_ID: Final = AfterCursor(lambda entry: entry.get("id"))  # Voucherify's starting_after_id


class DataRequestInput(StrictInput):
    person: Annotated[str, AfterValidator(not_blank)] = Field(
        min_length=1, max_length=200, description="The person's email, or any system's customer id or reference."
    )
    max_calls: int = Field(
        DEFAULT_CALLS,
        ge=3,
        le=MOST_CALLS,
        strict=True,  # JSON true is not 1 call
        description="Most API calls per system, its search included; a system that reaches it is partial.",
    )


class DataRequestResult(Result):
    systems: dict[str, Any] = Field(
        description="Per system: status (complete, partial, failed, no record), records (ids), items written, "
        "api_calls, and problem when not complete."
    )
    complete: bool = Field(description="False when a system's section is partial or failed (see systems, notice).")
    lines: int = Field(description="Lines in the file: the header, a section line per system, and the items.")
    bytes: int = Field(description="The file's size.")
    path: str | None = Field(None, description="The file, on the machine running this server (stdio only).")
    resource_uri: str | None = Field(None, description="Over HTTP: read the file as this resource until expires_at.")
    expires_at: str | None = Field(None, description="When resource_uri stops working (UTC).")


# -- what each system holds ------------------------------------------------------------------------------------

Item = dict[str, Any]  # {"kind": ..., "record": "system:id", "data": ...}
Dump = Callable[[Record, ToolContext, CallBudget, list[Item]], Awaitable[None]]


class Unfinished(Exception):
    """A list the API said goes on, without saying where: what was read is kept, the section is partial."""


def _item(record: Record, kind: str, data: Any) -> Item:
    return {"record": ref(record), "kind": kind, "data": data}


def _json(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True) if model is not None else None


async def _every_page(
    budget: CallBudget, label: str, fetch: Callable[[str | None], Awaitable[Page[dict[str, Any]]]]
) -> list[dict[str, Any]]:
    """Every page of a cursor-paged list (core/paging.py's walk, after the API's ``more_starting_after`` or the
    last entry's id), each call from the budget; what was read stays read when the budget runs out or a page
    fails (``_Kept`` carries it up with the reason)."""
    if budget.left == 0:
        raise _Kept([], BudgetSpent(label))
    walker = walk(
        lambda at, limit: budget.call(label, partial(fetch, at)),
        paging=AFTER_ID,
        limit=PAGE_SIZE,
        max_pages=budget.left,
    )
    read: list[dict[str, Any]] = []
    try:
        async for page in walker:
            read.extend(page.items)
    except (ProviderError, ConfigurationError) as error:
        raise _Kept(read, error) from None
    if walker.stopped == "max_pages":
        raise _Kept(read, BudgetSpent(f"{label} (more pages)"))
    if walker.stopped == "stalled":
        raise _Kept(read, Unfinished(f"{label}: the API said there was more but its cursor did not move"))
    return read


class _Kept(Exception):
    """A list that stopped early: what it read, and why it stopped."""

    def __init__(self, read: list[dict[str, Any]], reason: Exception) -> None:
        super().__init__(str(reason))
        self.read, self.reason = read, reason


async def _ultracart(record: Record, ctx: ToolContext, budget: CallBudget, items: list[Item]) -> None:
    oid = int(record.id)
    expand = sorted(ULTRACART_EXPANSIONS)  # everything the API can attach to a customer
    customer = await budget.call("customer", lambda: ctx.api.customer_record(oid, expand=expand))
    if customer is None:
        raise NotFound("the customer is gone", operation="get_customer")
    items.append(_item(record, "customer", customer))
    credit = await budget.call("store credit", lambda: ctx.api.get_customer_store_credit(oid))
    items.append(_item(record, "store_credit", _json(credit.customer_store_credit)))
    wishes = await budget.call("wishlist", lambda: ctx.api.get_customer_wish_list(oid))
    items.extend(_item(record, "wishlist_item", _json(wish)) for wish in wishes.wishlist_items or [])
    # No API call can tell which lists a customer is on: the file says so rather than leave it out silently.
    items.append(_item(record, "email_lists", {"note": EMAIL_LISTS_NOTE}))


async def _voucherify(record: Record, ctx: ToolContext, budget: CallBudget, items: list[Item]) -> None:
    customer_id = record.id
    customer = await budget.call("customer", lambda: ctx.api.customer_record(customer_id))
    items.append(_item(record, "customer", customer))
    segments = await budget.call("segments", lambda: ctx.api.list_customer_segments(customer_id))
    items.extend(_item(record, "segment", _json(segment)) for segment in segments.data)
    lists: tuple[tuple[str, str, Callable[[str | None], Awaitable[Page[dict[str, Any]]]]], ...] = (
        (
            "redeemable",
            "redeemables",
            lambda after: ctx.api.redeemables_page(customer_id, PAGE_SIZE, starting_after_id=after),
        ),
        ("activity", "activity", lambda after: ctx.api.activity_page(customer_id, PAGE_SIZE, starting_after_id=after)),
    )
    for kind, label, fetch in lists:  # activity last: the longest list, the one max_calls most likely cuts
        try:
            read = await _every_page(budget, label, fetch)
        except _Kept as kept:
            items.extend(_item(record, kind, entry) for entry in kept.read)
            raise kept.reason from None
        items.extend(_item(record, kind, entry) for entry in read)


async def _twc(record: Record, ctx: ToolContext, budget: CallBudget, items: list[Item]) -> None:
    # One record holds everything TWC keeps about a customer: profile, addresses, consent, loyalty.
    customer = await budget.call("customer", lambda: twc_read_customer(ctx, "id", record.id))
    items.append(_item(record, "customer", customer))


DUMPS: Final[Mapping[str, Dump]] = {"ultracart": _ultracart, "voucherify": _voucherify, "twc": _twc}


# -- one system's section --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Section:
    source: Source
    ctx: ToolContext
    records: list[Record] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    api_calls: int = 0
    status: str = "complete"
    problem: str | None = None

    def summary(self) -> dict[str, Any]:
        part: dict[str, Any] = {
            "status": self.status,
            "records": [record.id for record in self.records],
            "items": len(self.items),
            "api_calls": self.api_calls,
        }
        if self.problem:
            part["problem"] = self.problem
        return part


async def _read_section(section: Section, max_calls: int) -> None:
    """Everything this system holds about the person's records, within what its search left of ``max_calls``."""
    budget = CallBudget(max(max_calls - section.api_calls, 0))
    dump = DUMPS[section.source.name]
    title = section.source.title
    try:
        for record in section.records:
            await dump(record, section.ctx, budget, section.items)
    except BudgetSpent as spent:
        section.status = "partial"
        section.problem = f"{title}: max_calls={max_calls} reached before {spent}; call again with a higher max_calls"
    except Unfinished as stopped:
        section.status = "partial"
        section.problem = f"{title}: {stopped}"
    except (ProviderError, ConfigurationError) as error:
        section.status = "partial" if section.items else "failed"
        section.problem = f"{title}: {error}"
    finally:
        section.api_calls += budget.used


async def _sections(ctx: ToolContext, key: str, max_calls: int) -> tuple[str | None, list[Section]]:
    """The person (their email) and one section per enabled system, read concurrently."""
    reach: Reach = ctx.api
    person = await resolve(reach, key, max_calls)
    sections: list[Section] = []
    for outcome in person.outcomes:  # registry order
        section = Section(outcome.source, reach.contexts[outcome.source.name])
        section.records = person.records_in(outcome.source.name)
        if outcome.found is None:
            section.status, section.problem = "failed", outcome.problem
        else:
            section.api_calls = outcome.found.api_calls
            if not section.records:
                section.status = "no record"
        sections.append(section)
    await _read_all(ctx, sections, max_calls)
    return person.email, sections


async def _read_all(ctx: ToolContext, sections: list[Section], max_calls: int) -> None:
    done = 0

    async def one(section: Section) -> None:
        nonlocal done
        if section.records and section.status == "complete":
            await _read_section(section, max_calls)
        done += 1
        await _report(ctx, done, len(sections) + 1, f"{section.source.title}: {len(section.items)} items read")

    async with anyio.create_task_group() as group:
        for section in sections:
            group.start_soon(one, section)


async def _report(ctx: ToolContext, progress: int, total: int, message: str) -> None:
    if ctx.mcp is not None:
        await ctx.mcp.report_progress(progress, total, message)


# -- the file --------------------------------------------------------------------------------------------------


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lines(ctx: ToolContext, email: str | None, sections: list[Section], started: float) -> list[dict[str, Any]]:
    header = {
        "type": "data_request",
        "person": {"email": email, "records": [ref(r) for s in sections for r in s.records]},
        "systems": [section.source.name for section in sections],
        "created_at": _utc(started),
        "request_id": ctx.request_id,
    }
    lines: list[dict[str, Any]] = [ctx.redactor.apply(header)]
    for section in sections:
        lines.append(
            {"type": "section", "system": section.source.name, "title": section.source.title, **section.summary()}
        )
        redact = section.ctx.redactor.apply  # the system's own field names (Voucherify's line_1 is an address)
        lines.extend(
            {"type": "item", "system": section.source.name, **item, "data": redact(item["data"])}
            for item in section.items
        )
    return lines


def _write(ctx: ToolContext, lines: list[dict[str, Any]], started: float) -> Path:
    file = ExportFile(export_directory(ctx.settings), export_file_name("data_request", "jsonl", started), (), "jsonl")
    path: Path | None = None
    try:
        file.write(lines)
        path = file.finish()
    finally:
        if path is None:  # a failed write leaves no partial file
            file.discard()
    return path


async def _linked(ctx: ToolContext, path: Path) -> tuple[str, float]:
    """The link to the file; without one (the registry is unreachable) the file is deleted too."""
    try:
        return await register_export(ctx.settings, path, Owner.of(ctx), "jsonl")
    except BaseException:
        delete_file(path)  # a file of personal data nobody can reach is not kept
        raise


def _notice(sections: list[Section]) -> str | None:
    unfinished = [section for section in sections if section.status in ("partial", "failed")]
    if not unfinished:
        return None
    said = " | ".join(f"{section.status}: {section.problem}" for section in unfinished)
    return f"The file lacks data: {said}. The other systems' sections are complete."


async def data_request(request: DataRequestInput, ctx: ToolContext) -> dict[str, Any]:
    if ctx.transport == "http":
        # Before any API call: refuse a file no one could read; fail fast when the shared registry is down.
        refuse_unshared_exports(ctx.settings)
        await purge_expired_exports(ctx.settings)
    started = time.time()
    email, sections = await _sections(ctx, request.person.strip(), request.max_calls)
    lines = _lines(ctx, email, sections, started)
    path = _write(ctx, lines, started)
    result: dict[str, Any] = {
        "systems": {section.source.name: section.summary() for section in sections},
        "complete": all(section.status in ("complete", "no record") for section in sections),
        "lines": len(lines),
        "bytes": path.stat().st_size,
    }
    if ctx.transport == "http":
        # Never a server path over HTTP: a link only this caller can read, for a while.
        export_id, expires = await _linked(ctx, path)
        result["resource_uri"] = EXPORT_URI_PREFIX + export_id
        result["expires_at"] = _utc(expires)
    else:
        result["path"] = str(path)
    notice = _notice(sections)
    if notice:
        result["notice"] = notice
    await _report(ctx, len(sections) + 1, len(sections) + 1, f"{len(lines)} lines written")
    return mark(ctx, result)


def register_export_resources(server: MCPServer, context_factory: Callable[[Context[Any, Any]], ToolContext]) -> None:
    """``customers://exports/<id>.jsonl`` over HTTP: a data request's file, for the caller that made it, an hour."""
    core_export_resources(server, context_factory, [TOOL], tool=TOOL, uri_prefix=EXPORT_URI_PREFIX, what="person_data")


DATA_REQUEST: Final = ToolSpec(
    name=TOOL,
    title="Everything about a person, to a file",
    description=(
        "A privacy data request: everything each enabled system holds about one person (by email, or any system's "
        "customer id or reference), written to one JSON Lines file: a header, then per system a section line and "
        "one line per item (UltraCart customer with every expansion, store credit, wishlist; Voucherify customer, "
        "segments, redeemables, activity; TWC customer with addresses and consent). The data stays out of the "
        "chat: returns the file's path (over HTTP: a resource_uri that expires), counts per system and bytes. At "
        "most max_calls API calls per system; a system that fails or runs out is named, the others are written. "
        "Reports progress; cancelling leaves no file."
    ),
    toolset="people",
    input_model=DataRequestInput,
    output_model=DataRequestResult,
    handler=data_request,
    # Changes no store, but writes a file of personal data on the server (the environment), so it is not
    # read-only, as ultracart_export_customers is not; each call writes a new file. Being a write, every call
    # is audited, which a privacy request and a bulk copy of a person's data both need.
    read_only=False,
    destructive=False,
    idempotent=False,
)
