"""The bases of every provider's tool inputs and results (the tool table's models), ``mark``, and the result of
one record (``one_object``) or of a write that changed one (``changed_object``), fitted to the budget.

Inputs are strict (unknown fields refused, JSON true/false never a number); write inputs treat null as "not
given" and publish ``X`` rather than ``anyOf [X, null]`` (half the bytes a host puts in context). Results are
open: extra keys never break a host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .budget import View, fit_object
from .redact import strip_invisible
from .toolspec import ToolContext

__all__ = [
    "ListResult",
    "ObjectResult",
    "Result",
    "StrictInput",
    "WriteInput",
    "changed_object",
    "mark",
    "not_blank",
    "one_object",
    "real_moment",
]


NUMBER_TYPES = (int, float, Decimal)


@cache
def _numeric(model: type[BaseModel], name: str) -> bool:
    """Whether field ``name`` of ``model`` takes a number (possibly optional) and never a boolean."""
    annotation = model.model_fields[name].annotation
    kinds = set(get_args(annotation)) if get_origin(annotation) in (Union, UnionType) else {annotation}
    return bool(kinds & set(NUMBER_TYPES)) and bool not in kinds


class StrictInput(BaseModel):
    # defer_build (inherited by every tool model): a model's validator is built on its tool's first call,
    # not while the server starts (about a third of its start-up over a bare MCPServer; bench/RESULTS.md).
    model_config = ConfigDict(extra="forbid", defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # JSON true/false is not a number, but pydantic's lax int reads true as 1 (limit=1, tier 1).
        if isinstance(value, bool) and info.field_name is not None and _numeric(cls, info.field_name):
            raise ValueError("expected a number, not true or false")
        return value


class WriteInput(StrictInput):
    """Input of a write tool, at any depth: unknown fields rejected, null means "not given".

    Optional fields are typed ``X | None`` in Python, but the published schema says ``X`` alone:
    an ``anyOf [X, null]`` per field would double the size of the insert/update schemas a host
    puts in the model's context on every turn. A null sent anyway is dropped before validation
    (the server already does so for top-level arguments), so it never fails and never changes
    anything. Surrounding whitespace is stripped from strings. Types are strict: JSON ``true`` is
    not the id 1 and ``"yes"`` is not a boolean — a write must not guess.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _null_means_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        for prop in handler.resolve_ref_schema(schema).get("properties", {}).values():
            branches = prop.get("anyOf")
            if isinstance(branches, list) and {"type": "null"} in branches:
                rest = [branch for branch in branches if branch != {"type": "null"}]
                if len(rest) == 1:
                    del prop["anyOf"]
                    prop.update(rest[0])
            if "default" in prop and prop["default"] is None:
                del prop["default"]
        return schema


def not_blank(value: str) -> str:
    """A pydantic ``AfterValidator`` of a free-text argument that must say something (a search's query): spaces
    alone, of any kind, pass a ``min_length`` but leave nothing to look for (read as an empty id, or as a filter
    that matches everyone); so do invisible characters alone (zero-width, joiners, BOM, soft hyphen), which no
    person typed and ``str.split`` keeps."""
    if not strip_invisible(value).split() or not "".join(value.split()).strip(_INVISIBLE_FORMAT):
        raise ValueError("must hold more than spaces")
    return value


# Format characters a keyboard never types that strip_invisible keeps (the soft hyphen is "visible" to it).
_INVISIBLE_FORMAT = "\u00ad\u200b\u200c\u200d\u2060\ufeff"


def real_moment(value: str) -> str:
    """A pydantic ``AfterValidator`` of a date or date-time a tool takes (ISO 8601, its shape the schema's pattern):
    the moment must exist — 2024-02-30, 25:61 and an offset of +99:99 have the shape. Refused here, the error names
    the tool's field; sent, the API's error would name its own parameter (or a comparison would fail for another
    reason), after a call."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "not a real date or time (the day, hour, minute or offset is out of range); expected ISO 8601 such as "
            "2024-05-01 or 2024-05-01T09:30:00Z"
        ) from None
    return value


class Result(BaseModel):
    """Results are open: extra keys never break a host."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    sandbox: bool | None = Field(None, description="True when the data comes from the embedded demo sandbox.")
    notice: str | None = Field(None, description="What was left out and how to get it.")


class ListResult(Result):
    columns: list[str] | None = Field(None, description="Column names when items are table rows.")
    items: list[Any] = Field(description="Rows (with columns) or objects.")
    returned: int
    total: int | None = Field(None, description="All matches, when the API reports it.")
    next_offset: int | None = Field(description="Offset of the next page; null at the end.")


class ObjectResult(Result):
    pass


def mark(ctx: ToolContext, result: dict[str, Any]) -> dict[str, Any]:
    if ctx.backend == "sandbox":
        result["sandbox"] = True
    return result


def _dumped(value: Any) -> dict[str, Any]:
    """A record as JSON: a model's fields by their API names, unset ones left out."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dict(value or {})


def one_object(
    ctx: ToolContext,
    key: str,
    value: Any,
    fields: Sequence[str] | None = None,
    *,
    hint: str | None = None,
    view: View | None = None,
) -> dict[str, Any]:
    """One record under ``key``, fitted to the budget. ``hint`` says how to see what was cut when the tool has no
    ``fields`` parameter. With ``view`` (the list's compact row), ``fields`` may also name the list table's
    columns, as a list's ``fields`` may: a column a model saw in a list is a field it can ask one record for."""
    fitted = fit_object(_dumped(value), max_tokens=ctx.max_tokens - 40, fields=fields, view=view, detail_hint=hint)
    # (Only popped when there: a fitted record remembers its JSON text until it is changed.)
    notice = fitted.pop("notice") if "notice" in fitted else None
    result: dict[str, Any] = {key: fitted}
    if notice:
        result["notice"] = notice
    return mark(ctx, result)


def changed_object(
    ctx: ToolContext,
    key: str,
    value: Any,
    changes: Mapping[str, Any],
    *,
    record_ids: Sequence[str],
    hint: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A write's result: the record as stored under ``key``, its ``changes`` and ``extra`` (e.g. the outcome),
    fitted to the budget together. Long values are shortened in both alike; if that is not enough the record goes
    first (it can be read again, the values it had before cannot), and only its ``record_ids`` are kept."""
    record = _dumped(value)
    extra = extra or {}
    whole: dict[str, Any] = {key: record, **({"changes": dict(changes)} if changes else {}), **extra}
    fitted = fit_object(whole, max_tokens=ctx.max_tokens - 40, detail_hint=hint, id_fields=("changes", *extra))
    notice = fitted.pop("notice") if "notice" in fitted else None
    result: dict[str, Any] = dict(fitted)
    if key not in result:  # the output schema requires the record: at least which one it is
        result[key] = {name: record[name] for name in record_ids if name in record}
    if notice:
        result["notice"] = notice
    return mark(ctx, result)
