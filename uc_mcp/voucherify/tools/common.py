"""Pieces every Voucherify toolset shares: the customer identifier, cursor-paged list results, one-record and
write results."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Final

from pydantic import AfterValidator, Field

from ...core import results
from ...core.budget import PagePosition, View, fit_list
from ...core.paging import AfterCursor, Page
from ...core.paths import one_segment
from ...core.results import ObjectResult as ObjectResult  # the bases live in core/results.py (every provider's)
from ...core.results import Result as Result
from ...core.results import StrictInput as StrictInput
from ...core.results import WriteInput as WriteInput
from ...core.results import mark as mark
from ...core.results import one_object as one_object
from ...core.results import real_moment
from ...core.toolspec import ToolContext

# ``{customerId}`` resolves an id or a source_id (reference §3). A source_id is the merchant's own key: any text,
# an email, a CRM id; surrounding whitespace and line breaks are refused (never part of a real key), and so are
# "." and "..", which a URL reads as folder steps (core/paths.py).
CustomerId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r"^\S(.*\S)?$",
        description="The customer's Voucherify id (cust_...) or your source_id.",
    ),
    AfterValidator(one_segment),
]
FieldName = Annotated[str, Field(min_length=1, max_length=80)]
# Date-time filters as the API reads them (ISO 8601); a date alone means its midnight UTC. The moment must exist
# (core/results.py): sent, an impossible one would come back as a 400 naming the API's parameter, not the tool's.
DateTimeText = Annotated[
    str,
    Field(
        max_length=40,
        pattern=r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$",
        description="ISO 8601 date-time, e.g. 2024-05-01T00:00:00Z (a date alone: its midnight UTC).",
    ),
    AfterValidator(real_moment),
]
CursorText = Annotated[
    str, Field(min_length=1, max_length=200, description="next_cursor of the previous result (same filters).")
]

CURSOR_DESCRIPTION: Final = "Pass as cursor, with the same other arguments, for the next page; null at the end."

# -- metadata as the API takes it ------------------------------------------------------------------------------

# Metadata is free-form JSON, but the API refuses what is too big (a 400 ``invalid_payload``). Voucherify documents
# no bound: these are the limits the sandbox assumes (sandbox/validation.py; a test keeps the two in step). Checked
# in every tool's input, so a call over them is refused by name before anything is sent — and before a bulk
# preview asks a person to approve a call that would fail.
METADATA_KEYS: Final = 50  # keys at the top, as a tool takes them (the API: 100)
METADATA_KEY_CHARS: Final = 100  # a top-level key, as a tool takes it (a CSV column name: the same)
NESTED_KEY_CHARS: Final = 200
METADATA_TEXT_CHARS: Final = 10_000
METADATA_DEPTH: Final = 5  # levels below the metadata object itself


def _value_problem(value: Any, depth: int) -> str | None:
    """What makes ``value`` (``depth`` levels below the metadata object) one the API refuses, or None."""
    if depth > METADATA_DEPTH:
        return f"at most {METADATA_DEPTH} levels of nesting (the API's limit)"
    if isinstance(value, str):
        return f"text values of at most {METADATA_TEXT_CHARS} characters" if len(value) > METADATA_TEXT_CHARS else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "finite numbers only"
    if isinstance(value, Mapping):
        if any(len(str(key)) > NESTED_KEY_CHARS for key in value):
            return f"keys of nested objects of at most {NESTED_KEY_CHARS} characters"
        return next(filter(None, (_value_problem(item, depth + 1) for item in value.values())), None)
    if isinstance(value, list):
        return next(filter(None, (_value_problem(item, depth + 1) for item in value)), None)
    return None


def checked_metadata(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    """A pydantic validator's check of a metadata object: its keys (1-100 characters) and values within the API's
    limits. The message says which limit, never a key or a value (both are customer data)."""
    if not metadata:
        return metadata
    if any(not key.strip() or len(key) > METADATA_KEY_CHARS for key in metadata):
        raise ValueError(f"keys must be 1-{METADATA_KEY_CHARS} characters")
    problem = _value_problem(metadata, 0)
    if problem:
        raise ValueError(f"expected {problem}")
    return metadata


class CursorListResult(Result):
    """A cursor-paged list: ``next_cursor`` is opaque, given back as the tool's ``cursor``."""

    columns: list[str] | None = Field(None, description="Column names when items are table rows.")
    items: list[Any] = Field(description="Rows (with columns) or objects.")
    returned: int
    total: int | None = Field(None, description="All matches, when the API reports it.")
    next_cursor: str | None = Field(description=CURSOR_DESCRIPTION)


class ObjectListResult(ObjectResult):
    """A short list the API answers whole (no paging)."""

    items: list[Any] = Field(description="Rows (with columns) or objects.")
    columns: list[str] | None = Field(None, description="Column names when items are table rows.")
    total: int | None = Field(None, description="All of them, as the API counts them.")


def cursor_position(
    start: str | None, page: Page[dict[str, Any]], paging: AfterCursor, encode: Callable[[Any], str | None]
) -> PagePosition:
    """Where the next page starts after the first ``n`` rows shown of ``page`` (fetched at the API cursor
    ``start``), as the opaque text the tool takes back: ``encode`` of the API's cursor after that row
    (``AfterCursor``: the page's own ``more_starting_after`` when every row was shown, else the row's)."""

    def after(shown: int) -> str | None:
        return encode(paging.after(start, page, shown))

    return PagePosition(start=start, after=after, key="next_cursor", parameter="cursor")


def cursor_list(
    ctx: ToolContext,
    page: Page[dict[str, Any]],
    position: PagePosition,
    *,
    view: View,
    columns: Sequence[str],
    fields: Sequence[str] | None,
    tool: str,
    detail_hint: str,
    id_fields: Sequence[str],
    total: int | None = None,
) -> dict[str, Any]:
    """One page of records as a list result within the budget: a table of ``view`` rows, or ``fields`` of each
    record; ``next_cursor`` after the last row shown."""
    result = fit_list(
        page.items,
        view=view,
        fields=fields or None,
        total=total,
        position=position,
        more=page.more,
        max_tokens=ctx.max_tokens - 20,
        next_hint=f"call {tool} again with cursor={{cursor}} and the same other arguments",
        detail_hint=detail_hint,
        id_fields=id_fields,
        columns=None if fields else columns,
    )
    return mark(ctx, result)


CHANGES_DESCRIPTION: Final = (
    "What this write changed. before/after: the old and new value of each changed field (address and metadata by "
    "the sub-fields that changed; a field missing on one side was empty there). added: a customer this call created."
)
RECORD_IDS: Final = ("id", "source_id", "email")


def changes_field() -> Any:
    """The ``changes`` field of a write's result model (``core/changes.py``)."""
    return Field(None, description=CHANGES_DESCRIPTION)


def changed_object(
    ctx: ToolContext,
    key: str,
    value: Any,
    changes: Mapping[str, Any],
    *,
    hint: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A write's result: the record as stored under ``key``, its ``changes`` and ``extra`` (e.g. the outcome),
    fitted to the budget together (core/results.py); when the record cannot fit, its ``RECORD_IDS`` say which."""
    return results.changed_object(ctx, key, value, changes, record_ids=RECORD_IDS, hint=hint, extra=extra)
