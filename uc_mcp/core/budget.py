"""Fit tool results into the model's context budget (DESIGN.md §2, "Results").

Every tool result passes through here, so this module is pure, dependency-free and fast: plain
dicts and lists in, plain dicts out, no pydantic. It is provider-independent — UltraCart, Voucherify
and TWC supply their own compact views (``<provider>/views.py``) and reuse everything below.

Tokens are estimated as the UTF-8 bytes of the compact JSON divided by 4 (rounded up). That is the
contract, not a tokenizer: it is cheap, deterministic and errs on the generous side for JSON.

The pieces, in the order a list result uses them:

* ``project`` keeps only the fields the model asked for (``fields=["email", "billing.city"]``);
* a provider's compact view is used instead when no fields were asked for;
* ``prune`` drops null and empty fields;
* ``trim`` shortens long strings and long lists and records exactly what it cut;
* ``fit_list`` / ``fit_object`` add as much as the budget allows and say, in a ``notice``, what was
  left out and how to get it;
* ``result_json`` is the one serialiser for results: compact, pruned, but keeping ``next_offset:
  null`` (the end-of-list marker) and ``count: null`` (an unknown count is an answer, not a gap).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from itertools import chain, islice
from typing import Any, Final, Literal, Self
from uuid import UUID

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_STRING",
    "DEFAULT_MAX_TOKENS",
    "MIN_MAX_TOKENS",
    "RESULT_HEADROOM_TOKENS",
    "TRIM_LEVELS",
    "CompactList",
    "PagePosition",
    "View",
    "compact_json",
    "count_result",
    "estimate_tokens",
    "fit_list",
    "fit_object",
    "plain_json",
    "project",
    "projector",
    "prune",
    "result_json",
    "text_tokens",
    "trim",
]

DEFAULT_MAX_TOKENS: Final = 4000
# Below this even the envelope and a one-line notice may not fit; settings enforce a higher floor.
MIN_MAX_TOKENS: Final = 100
# Room a tool leaves free below UC_MCP_MAX_RESULT_TOKENS when it fits its result (ToolContext.max_tokens is the
# setting less this): the server adds to a fitted result the sandbox flag and, when customer fields read like
# instructions planted for an AI, a warning naming them (at least core/planted.SHORTEST_WARNING_BYTES).
RESULT_HEADROOM_TOKENS: Final = 40
BYTES_PER_TOKEN: Final = 4
DEFAULT_MAX_STRING: Final = 500
DEFAULT_MAX_ITEMS: Final = 20
# (max_string, max_items) tried in turn when a single record does not fit; the first is the default.
# It stops at 80 characters: below that, emails and names would be mangled, and leaving whole fields
# out (named in the notice) serves the model better than values it cannot trust.
TRIM_LEVELS: Final[tuple[tuple[int, int], ...]] = ((500, 20), (200, 10), (80, 5))
# Identifying fields shown as a last resort: short values (ids, emails) pass whole.
_IDENT_LEVEL: Final = (80, 2)
ELLIPSIS: Final = "…"

# Top-level keys of a result that are kept even when null/empty: the model relies on seeing them.
_KEEP_NULL: Final = frozenset({"next_offset", "count"})
# Any list's next-page cursor (``next_offset``, or a provider's ``next_starting_after``): null means "no
# next page", which the model must see.
_CURSOR_KEY_PREFIX: Final = "next_"
_KEEP_EMPTY: Final = frozenset({"items"})
# Names quoted inside notices are capped so a notice never crowds out the data it describes.
_MAX_NAMES_IN_NOTICE: Final = 4
_MAX_NAME_CHARS: Final = 40

View = Callable[[Mapping[str, Any]], dict[str, Any]]
# How a list result was fitted: "hard" = first record trimmed harder, "ident" = only its identifying
# fields, "none" = not even those.
_Mode = Literal["normal", "hard", "ident", "none"]
TrimNote = dict[str, Any]


# -- serialisation ---------------------------------------------------------------------------------


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        # A JSON number, not a string. float is exact for money-sized values; when it would not
        # round-trip (more than ~15 significant digits) the exact text matters more than the type.
        if value.is_finite():
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and exponent >= 0:
                return int(value)
            as_float = float(value)
            if Decimal(repr(as_float)) == value:
                return as_float
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encoder() -> Callable[[Any], str]:
    """The compact JSON encoder of every result: no whitespace, UTF-8 kept as is, ``_json_default``.

    ``json.dumps`` with options builds a new encoder on every call, and ``JSONEncoder.encode`` still builds
    its C encoder on every call (most of the cost of encoding a table row); this one is built once. It skips
    the check for circular references: results are trees of JSON values (a cycle fails as a RecursionError,
    also in ``prune``, which every result passes through first).
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C accelerator
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default).encode
    encode = make(None, _json_default, json.encoder.encode_basestring, None, ":", ",", False, False, True)

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))

    return dumps


_dumps: Final = _encoder()


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _nbytes(value: Any) -> int:
    return _utf8_len(_dumps(value))


class Compact(dict[Any, Any]):
    """A pruned record that remembers its compact JSON text: ``fit_object`` serialises a record to measure
    it, and the result that holds the record reuses that text instead of walking and serialising it again.

    Changing the record itself forgets the text. Its nested lists and dicts are its own (pruning copies
    them) and are not to be changed in place: nothing would notice.
    """

    __slots__ = ("text",)

    def __init__(self, record: Mapping[Any, Any], text: str | None) -> None:
        super().__init__(record)
        self.text = text

    def __setitem__(self, key: Any, value: Any) -> None:
        self.text = None
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.text = None
        super().__delitem__(key)

    def __ior__(self, other: Any) -> Self:  # type: ignore[misc]  # (typeshed: dict.__or__ returns a dict)
        self.text = None
        return super().__ior__(other)

    def pop(self, *args: Any) -> Any:
        self.text = None
        return super().pop(*args)

    def popitem(self) -> tuple[Any, Any]:
        self.text = None
        return super().popitem()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.text = None
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.text = None
        return super().setdefault(key, default)

    def clear(self) -> None:
        self.text = None
        super().clear()


class CompactList(list[Any]):
    """A pruned list (a list result's ``items``) that remembers its compact JSON text, as :class:`Compact` does
    for a record: ``fit_list`` encodes each row once to measure it, and the result is written from those texts.

    Changing the list itself forgets the text; its rows are not to be changed in place.
    """

    __slots__ = ("text",)

    def __init__(self, items: Iterable[Any], text: str | None) -> None:
        super().__init__(items)
        self.text = text

    def __setitem__(self, index: Any, value: Any) -> None:
        self.text = None
        super().__setitem__(index, value)

    def __delitem__(self, index: Any) -> None:
        self.text = None
        super().__delitem__(index)

    def __iadd__(self, other: Any) -> Self:  # type: ignore[misc]
        self.text = None
        return super().__iadd__(other)

    def __imul__(self, count: Any) -> Self:  # type: ignore[misc]
        self.text = None
        return super().__imul__(count)

    def append(self, value: Any) -> None:
        self.text = None
        super().append(value)

    def extend(self, values: Iterable[Any]) -> None:
        self.text = None
        super().extend(values)

    def insert(self, index: Any, value: Any) -> None:
        self.text = None
        super().insert(index, value)

    def pop(self, index: Any = -1) -> Any:
        self.text = None
        return super().pop(index)

    def remove(self, value: Any) -> None:
        self.text = None
        super().remove(value)

    def clear(self) -> None:
        self.text = None
        super().clear()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self.text = None
        super().sort(*args, **kwargs)

    def reverse(self) -> None:
        self.text = None
        super().reverse()


def _remembered(value: Any) -> str | None:
    return value.text if type(value) is Compact or type(value) is CompactList else None


def plain_json(value: Any) -> str:
    """Compact JSON of ``value`` as it is (not pruned): the encoder of every result, for a file's lines or cells."""
    return _dumps(value)


def compact_json(value: Any) -> str:
    """Compact JSON of ``prune(value)``: no whitespace, no null/empty fields, UTF-8 kept as is.

    Decimals become JSON numbers (``Decimal("20.00")`` → ``20.0``), datetimes ISO-8601 strings.
    """
    return _dumps(prune(value))


def text_tokens(text: str) -> int:
    """Token estimate of text that is already serialised: UTF-8 bytes / 4, rounded up."""
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)


def estimate_tokens(value: Any) -> int:
    """Token estimate of a value: ``ceil(len(compact_json(value) as UTF-8) / 4)``."""
    return text_tokens(compact_json(value))


def result_json(result: Mapping[str, Any], keep: Collection[str] = ()) -> str:
    """The compact JSON text of a tool result.

    Like ``compact_json`` except at the top level: ``next_offset`` (any ``next_*`` cursor) and ``count`` are
    kept when null
    (null means "no next page" / "unknown", which the model must see) and ``items`` is kept when
    empty, as is any key in ``keep`` (the output schema's required keys: an empty list is an answer,
    and a missing required key fails the host's schema check). Nothing else null or empty survives.
    """
    body = _result_body(result, keep)
    remembered = any(_remembered(value) is not None for value in body.values())
    if not remembered or not all(type(key) is str for key in body):
        return _dumps(body)
    # Written out here, exactly as the encoder would (its separators; keys are strings), so that a
    # record's or a list's remembered text is used as it is.
    return "{" + ",".join(f"{_dumps(key)}:{_remembered(value) or _dumps(value)}" for key, value in body.items()) + "}"


def _result_body(result: Mapping[str, Any], keep: Collection[str] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in result.items():
        if value is None:
            if key in _KEEP_NULL or key.startswith(_CURSOR_KEY_PREFIX):
                body[key] = None
            continue
        pruned = value if _remembered(value) is not None else prune(value)
        if _is_empty(pruned) and key not in _KEEP_EMPTY and key not in keep:
            continue
        body[key] = pruned
    return body


# -- prune / project / trim ------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def prune(value: Any) -> Any:
    """Recursively drop null and empty fields (``None``, ``""``, ``[]``, ``{}``); keep ``False`` and ``0``.

    Only mapping entries are dropped. List elements keep their positions (a list's length is data),
    though each element is pruned inside. Mappings come back as dicts, tuples as lists.
    """
    kind = type(value)
    if kind is dict:
        return _prune_mapping(value)
    if kind is list or kind is tuple:
        return [item if type(item) in _LEAVES else prune(item) for item in value]
    if kind in _LEAVES:
        return value
    if isinstance(value, Mapping):
        return _prune_mapping(value)
    if isinstance(value, list | tuple):
        return [prune(item) for item in value]
    return value


# Exact-type checks first: isinstance against the collections ABCs dominates the cost otherwise,
# and API JSON is plain dicts, lists, strings and numbers.
_NUMBERS: Final = frozenset({int, float, bool})
_LEAVES: Final = frozenset({str, int, float, bool, type(None)})


def _prune_mapping(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key, value in mapping.items():
        kind = type(value)
        if kind is str:
            if value:
                out[key] = value
        elif kind in _NUMBERS:
            out[key] = value
        elif value is None:
            continue
        elif kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
            inner = _prune_mapping(value)
            if inner:
                out[key] = inner
        elif kind is list or kind is tuple or isinstance(value, list | tuple):
            if value:
                out[key] = [item if type(item) in _LEAVES else prune(item) for item in value]
        elif isinstance(value, str):  # a str subclass (e.g. a StrEnum member)
            if value:
                out[key] = value
        else:
            out[key] = value
    return out


# A compiled field selection: key -> None (the whole value) or a nested selection.
_Selection = dict[str, "_Selection | None"]
_MISSING: Final = object()


def _compile_fields(fields: Sequence[str]) -> tuple[_Selection, list[str]]:
    """Turn ``["email", "billing.city", "billing.state"]`` into a tree; also the cleaned field list."""
    tree: _Selection = {}
    cleaned: list[str] = []
    for raw in fields:
        parts = [part.strip() for part in str(raw).split(".")]
        name = ".".join(parts)
        if name in cleaned:
            continue
        cleaned.append(name)
        if not all(parts):
            continue  # "" or "a..b" selects nothing; reported as unknown
        node = tree
        for part in parts[:-1]:
            sub = node.get(part, _MISSING)
            if sub is None:  # the whole parent is already selected
                break
            if sub is _MISSING:
                sub = node[part] = {}
            assert isinstance(sub, dict)
            node = sub
        else:
            node[parts[-1]] = None  # selecting the whole value overrides any narrower selection
    return tree, cleaned


def _apply_selection(tree: _Selection, record: Mapping[str, Any], prefix: str, found: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, sub in tree.items():
        if key not in record:
            continue
        value = record[key]
        path = prefix + key
        if sub is None:
            out[key] = value
            found.add(path)
        elif isinstance(value, Mapping):
            out[key] = _apply_selection(sub, value, path + ".", found)
        elif isinstance(value, list | tuple):
            out[key] = [_apply_selection(sub, el, path + ".", found) for el in value if isinstance(el, Mapping)]
            if not value:
                _mark_found(sub, path + ".", found)  # an empty list cannot tell us the field is wrong
        elif value is None:
            _mark_found(sub, path + ".", found)  # nor can a null parent
    return out


def _mark_found(tree: _Selection, prefix: str, found: set[str]) -> None:
    for key, sub in tree.items():
        if sub is None:
            found.add(prefix + key)
        else:
            _mark_found(sub, prefix + key + ".", found)


def project(record: Mapping[str, Any], fields: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Keep only ``fields`` of ``record``, in the order asked; return ``(projected, not_found)``.

    Dotted paths reach into nested objects, and into every element of a list of objects:
    ``billing.city`` on ``{"billing": [{"city": "A", "state": "B"}]}`` gives
    ``{"billing": [{"city": "A"}]}``. Names that resolve to nothing in this record are returned
    in ``not_found`` (not an error: the caller says "unknown field(s): …").
    """
    tree, cleaned = _compile_fields(fields)
    found: set[str] = set()
    projected = _apply_selection(tree, record, "", found)
    return projected, [name for name in cleaned if name not in found]


def projector(fields: Sequence[str]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """``project(record, fields)[0]`` with the selection compiled once, for many records (an export's)."""
    tree, _ = _compile_fields(fields)
    found: set[str] = set()  # unused: which fields no record has is project's question, not this one's

    def projected(record: Mapping[str, Any]) -> dict[str, Any]:
        return _apply_selection(tree, record, "", found)

    return projected


def trim(
    value: Any, *, max_string: int = DEFAULT_MAX_STRING, max_items: int = DEFAULT_MAX_ITEMS
) -> tuple[Any, list[TrimNote]]:
    """Shorten strings over ``max_string`` characters and lists over ``max_items`` elements.

    A cut string keeps its first ``max_string`` characters plus "…". Returns ``(trimmed, notes)``,
    one note per cut, e.g. ``{"path": "properties", "dropped_items": 7}`` or
    ``{"path": "billing[0].address1", "dropped_chars": 1200}``. Nothing is cut silently: the caller
    must surface the notes. The input is not modified.
    """
    if max_string < 0 or max_items < 0:
        raise ValueError("max_string and max_items must be >= 0")
    notes: list[TrimNote] = []
    return _trim(value, max_string, max_items, notes, []), notes


def _trim(value: Any, max_string: int, max_items: int, notes: list[TrimNote], path: list[str]) -> Any:
    kind = type(value)
    if kind is str or isinstance(value, str):
        if len(value) > max_string:
            notes.append({"path": _path_text(path), "dropped_chars": len(value) - max_string})
            return value[:max_string] + ELLIPSIS
        return value
    if kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            # Only containers and long strings need a path; skip the bookkeeping for everything else.
            if type(item) in _LEAVES and (type(item) is not str or len(item) <= max_string):
                out[key] = item
            else:
                path.append(f".{key}")
                out[key] = _trim(item, max_string, max_items, notes, path)
                path.pop()
        return out
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        if len(value) > max_items:
            notes.append({"path": _path_text(path), "dropped_items": len(value) - max_items})
            value = value[:max_items]
        items: list[Any] = []
        for index, item in enumerate(value):
            if type(item) in _LEAVES and (type(item) is not str or len(item) <= max_string):
                items.append(item)
            else:
                path.append(f"[{index}]")
                items.append(_trim(item, max_string, max_items, notes, path))
                path.pop()
        return items
    return value


def _path_text(path: list[str]) -> str:
    return "".join(path).removeprefix(".")


# -- notices ---------------------------------------------------------------------------------------

_INDEX = re.compile(r"\[\d+\]")


def _short(name: str) -> str:
    return name if len(name) <= _MAX_NAME_CHARS else name[: _MAX_NAME_CHARS - 1] + ELLIPSIS


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(_short(name) for name in names[:_MAX_NAMES_IN_NOTICE])
    rest = len(names) - _MAX_NAMES_IN_NOTICE
    return f"{shown} and {rest} more" if rest > 0 else shown


def _fields_example(keys: Sequence[str]) -> str:
    return _dumps([_short(key) for key in keys[:2]])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _trim_summary(notes_per_record: Sequence[Sequence[TrimNote]]) -> list[str]:
    """One phrase per cut path (list indices folded), in first-seen order so it grows monotonically."""
    by_path: dict[str, list[int]] = {}  # path -> [records, chars, items]
    for notes in notes_per_record:
        seen: set[str] = set()
        for note in notes:
            path = _INDEX.sub("[]", note["path"]) or "(value)"
            agg = by_path.setdefault(path, [0, 0, 0])
            if path not in seen:
                agg[0] += 1
                seen.add(path)
            agg[1] += note.get("dropped_chars", 0)
            agg[2] += note.get("dropped_items", 0)
    phrases = []
    for path, (records, chars, items) in by_path.items():
        cut = ", ".join(
            text for amount, text in ((chars, f"{chars} chars cut"), (items, f"{items} items cut")) if amount
        )
        phrases.append(f"{_short(path)} in {_plural(records, 'record')} ({cut})")
    return phrases


def _trim_sentence(phrases: Sequence[str], level: tuple[int, int], detail_hint: str) -> str:
    shown = "; ".join(phrases[:_MAX_NAMES_IN_NOTICE])
    if len(phrases) > _MAX_NAMES_IN_NOTICE:
        shown += f"; and {len(phrases) - _MAX_NAMES_IN_NOTICE} more paths"
    return (
        f"Long values were shortened (strings to {level[0]} chars, lists to {level[1]} items): {shown}. "
        f"For full values, {detail_hint}."
    )


# -- fit_list --------------------------------------------------------------------------------------


def _check_budget(max_tokens: int) -> int:
    if max_tokens < MIN_MAX_TOKENS:
        raise ValueError(f"max_tokens must be at least {MIN_MAX_TOKENS}, got {max_tokens}")
    return max_tokens * BYTES_PER_TOKEN


def _identifying_keys(item: Mapping[str, Any], id_fields: Sequence[str] | None = None) -> list[str]:
    """``id_fields`` present in ``item``; else its first two keys with scalar values (ids, emails),
    else simply its first two keys."""
    if id_fields:
        chosen = [key for key in id_fields if key in item]
        if chosen:
            return chosen
    scalars = [key for key, value in item.items() if isinstance(value, str | int | float | bool | Decimal)]
    keys = scalars[:2]
    for key in item:
        if len(keys) >= 2:
            break
        if key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True, slots=True)
class PagePosition:
    """Where a page of a list started and how the model asks for the next one (``fit_list``).

    Offset paging by default: the page started at ``start`` records and the next starts ``returned``
    records on. For a cursor API (``core/paging.py``'s ``AfterCursor``) ``after(n)`` is the cursor just after
    the page's first ``n`` records (with ``n`` = all of them, the API's own next cursor), ``key`` the result's
    field and ``parameter`` the tool input that takes it back (e.g. ``next_starting_after`` and
    ``starting_after``); ``start`` None is the first page.
    """

    start: Any = 0
    after: Callable[[int], Any] | None = None
    key: str = "next_offset"
    parameter: str = "offset"

    def next(self, returned: int) -> Any:
        return self.start + returned if self.after is None else self.after(returned)

    def described(self) -> str:
        if self.after is None:
            return f"from {self.parameter} {self.start}"
        return "from the start" if self.start is None else f"from {self.parameter}={self.start}"

    def first_record(self) -> str:
        if self.after is None:
            return f"the record at {self.parameter} {self.start}"
        return "the first record" if self.start is None else f"the first record after {self.parameter}={self.start}"


class _ListFit:
    """The state of one ``fit_list`` call; ``size``/``build`` are evaluated for candidate counts."""

    __slots__ = (
        "columns",
        "detail_hint",
        "example",
        "fields",
        "max_tokens",
        "more",
        "next_hint",
        "position",
        "record_count",
        "total",
        "unknown",
    )

    def __init__(
        self,
        *,
        record_count: int,
        total: int | None,
        position: PagePosition,
        more: bool,
        max_tokens: int,
        fields: list[str] | None,
        unknown: list[str],
        example: list[str],
        next_hint: str,
        detail_hint: str,
        columns: list[str] | None = None,
    ) -> None:
        self.columns = columns
        self.record_count = record_count
        self.total = total
        self.position = position
        self.more = more
        self.max_tokens = max_tokens
        self.fields = fields
        self.unknown = unknown
        self.example = example
        self.next_hint = next_hint
        self.detail_hint = detail_hint

    def next_cursor(self, returned: int) -> Any:
        if self.record_count == 0:
            return None  # "more" with an empty page would send the model round in circles
        if returned < self.record_count or self.more:
            return self.position.next(returned)
        return None

    def notice(
        self,
        returned: int,
        notes: Sequence[Sequence[TrimNote]],
        *,
        level: tuple[int, int],
        mode: _Mode,
        ident: Sequence[str] = (),
        verbose: bool = True,
    ) -> str | None:
        """The notice for ``returned`` items, or None when nothing needs saying. ``verbose=False`` is the
        terse form used when the full one would crowd out the records."""
        parts: list[str] = []
        next_cursor = self.next_cursor(returned)
        position, first = self.position.described(), self.position.first_record()
        cut = returned < self.record_count
        budget = f"budget ~{self.max_tokens} tokens"
        if cut or mode != "normal":
            of = f" of {self.total}" if self.total is not None else ""
            parts.append(f"Showing {returned}{of} {position} ({budget}).")
            if mode == "ident":
                parts.append(
                    f"{first[:1].upper()}{first[1:]} is too large for the budget even shortened; only its "
                    f"identifying fields ({_names(list(ident))}) are shown. For the rest, {self.detail_hint}"
                    + (f" with fewer fields, e.g. fields={_fields_example(self.example)}." if verbose else ".")
                )
            elif mode == "none":
                parts.append(
                    f"Even the identifying fields of {first} do not fit the budget; "
                    "ask for fewer fields or raise UC_MCP_MAX_RESULT_TOKENS."
                )
            if next_cursor is not None:
                parts.append(f"Next page: {self.next_hint.replace('{cursor}', str(next_cursor))}.")
            if cut and verbose and mode == "normal":
                if self.fields is None or len(self.fields) > 2:
                    parts.append(
                        f"To fit more per page, ask for fewer fields, e.g. fields={_fields_example(self.example)}."
                    )
                else:
                    parts.append("To fit more per page, narrow the filter.")
        if self.record_count == 0 and self.more:
            parts.append("The API reported more records but returned none on this page; stopping here.")
        if self.total is None and next_cursor is not None:
            parts.append(
                f"Total unknown: the API did not report it; keep paging while {self.position.key} is not null."
                if verbose
                else "Total unknown."
            )
        if self.unknown:
            parts.append(
                f"No record here has field(s): {_names(self.unknown)} (misspelt, empty, or not expanded)."
                if verbose
                else "Some requested fields were not found."
            )
        shown_notes = notes[:returned]
        if any(shown_notes):
            if verbose:
                parts.append(_trim_sentence(_trim_summary(shown_notes), level, self.detail_hint))
            else:
                parts.append("Some long values were shortened.")
        return " ".join(parts) or None

    def build(self, items: list[Any], notice: str | None) -> dict[str, Any]:
        result: dict[str, Any] = {"columns": self.columns} if self.columns else {}
        result |= {"items": items, "returned": len(items)}
        if self.total is not None:
            result["total"] = self.total
        result[self.position.key] = self.next_cursor(len(items))
        if notice:
            result["notice"] = notice
        return result

    def envelope_bytes(self, returned: int, notice: str | None) -> int:
        """Bytes of the result with ``items`` empty; the items add their own bytes plus commas."""
        result = self.build([], notice)
        result["returned"] = returned
        result[self.position.key] = self.next_cursor(returned)
        return _nbytes(result)


def fit_list(
    records: Sequence[Mapping[str, Any]],
    *,
    view: View | None = None,
    fields: Sequence[str] | None = None,
    total: int | None = None,
    offset: int = 0,
    position: PagePosition | None = None,
    more: bool = False,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    next_hint: str | None = None,
    detail_hint: str | None = None,
    id_fields: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Shape one page of records into a list result that fits ``max_tokens``.

    Each record becomes: its projection when ``fields`` are given (they may also name the view's
    keys, e.g. ``name``; an empty list means no projection), else ``view(record)``, else the whole
    record; then pruned and trimmed (strings to 500 characters, lists to 20 items).
    Records are added in order while the whole result — notice included — fits.

    Returns ``{"items", "returned", "total" (only when known), "next_offset", "notice" (only when
    something was cut, a field was not found or the total is unknown)}``. ``next_offset`` is always
    present: ``offset + returned`` when the budget cut the page or the API has ``more``, else None.
    Serialise it with ``result_json``, which keeps that null. A cursor-paged list passes ``position``
    instead of ``offset`` (``PagePosition``): its key holds the cursor after the last record shown.

    ``next_hint`` tells the model how to fetch the next page; ``{cursor}`` (or ``{offset}``) is replaced by
    the next cursor (default ``"<parameter>={cursor}"``). ``detail_hint`` completes "For full values, …"
    (default: fetch the record on its own).

    If the first record alone does not fit it is trimmed harder; failing that, only its identifying
    fields are shown: ``id_fields`` (e.g. ``("customer_profile_oid", "email")``) when given, else its
    first two scalar keys — for a compact view, the view's first two keys. ``id_fields`` also feed
    the ``fields=[...]`` example in notices. Only if even those do not fit is ``items`` empty, and
    the notice says so.

    With ``columns`` the result is a table: ``"columns": [...]`` once, and each item a row of values
    in that order (null where a record has none). Repeating every key in every record is most of a
    compact list's bytes; a table carries the same fields in well under half the space.
    """
    limit = _check_budget(max_tokens)
    shape = (lambda item: [item.get(column) for column in columns]) if columns else (lambda item: item)
    level = TRIM_LEVELS[0]
    field_list: list[str] | None = None
    unknown: list[str] = []
    rows: Iterable[tuple[Any, list[TrimNote]]]
    if fields:
        # Every record is projected (cheap) so a field is only called unknown if no record has it.
        tree, field_list = _compile_fields(fields)
        found: set[str] = set()
        prepared = [
            _prune_mapping(_apply_selection(tree, {**view(r), **r} if view is not None else r, "", found))
            for r in records
        ]
        unknown = [name for name in field_list if name not in found] if records else []
        first = prepared[0] if prepared else {}
        rows = (_trimmed(item, shape, level) for item in prepared)
    else:
        # Otherwise prepare lazily: records beyond the budget are never viewed or pruned.
        whole = view(records[0]) if view is not None and records else records[0] if records else {}
        first = _prune_mapping(whole)
        rest = islice(records, 1, None)
        items_of = chain((whole,), map(view, rest) if view is not None else rest) if records else iter(())
        if columns and len(set(columns)) == len(columns):
            # A table: each record pruned, trimmed and made a row in one pass over its values.
            positions = {column: index for index, column in enumerate(columns)}
            rows = (_table_row(item, positions, level) for item in items_of)
        else:
            rows = (_trimmed(_prune_mapping(item), shape, level) for item in items_of)

    count = len(records)
    fit = _ListFit(
        record_count=count,
        total=total,
        position=position or PagePosition(offset),
        more=more,
        max_tokens=max_tokens,
        fields=field_list,
        unknown=unknown,
        example=field_list[:2] if field_list and len(field_list) > 2 else _identifying_keys(first, id_fields),
        next_hint=(next_hint or f"{(position or PagePosition()).parameter}={{cursor}}").replace("{offset}", "{cursor}"),
        detail_hint=detail_hint or "fetch that record on its own",
        columns=list(columns) if columns else None,
    )

    # Trim and measure lazily: once the items alone exceed the budget, later records cannot matter. Each row
    # is encoded once: its text measures it, and the result's items are written from these texts.
    items: list[Any] = []
    notes: list[list[TrimNote]] = []
    texts: list[str] = []
    prefix = [0]  # prefix[n] = bytes of the first n items plus the commas between them
    for row, row_notes in rows:
        text = _dumps(row)
        items.append(row)
        notes.append(row_notes)
        texts.append(text)
        prefix.append(prefix[-1] + _utf8_len(text) + (1 if len(prefix) > 1 else 0))
        if prefix[-1] > limit:
            break

    def size(n: int, verbose: bool) -> tuple[int, str | None]:
        notice = fit.notice(n, notes, level=level, mode="normal", verbose=verbose)
        return fit.envelope_bytes(n, notice) + prefix[n], notice

    if count == 0:
        bytes_, notice = size(0, True)
        return fit.build([], notice if bytes_ <= limit else size(0, False)[1])
    if len(items) == count:
        bytes_, notice = size(count, True)
        if bytes_ <= limit:
            return _verified(fit, CompactList(items, _joined(texts)), notice, limit)

    for verbose in (True, False):
        lo, hi = 0, min(len(items), count - 1)
        best: str | None = None
        while lo < hi:  # largest n in [1, hi] that fits; lo is always a fitting count (or 0)
            mid = (lo + hi + 1) // 2
            bytes_, notice = size(mid, verbose)
            if bytes_ <= limit:
                lo, best = mid, notice
            else:
                hi = mid - 1
        if lo >= 1:
            return _verified(fit, CompactList(items[:lo], _joined(texts[:lo])), best, limit)

    # Not even the first record fits at the default trim: trim it harder, then identifying fields only.
    for harder in TRIM_LEVELS[1:]:
        trimmed, item_notes = trim(first, max_string=harder[0], max_items=harder[1])
        trimmed = shape(trimmed)
        for verbose in (True, False):
            notice = fit.notice(1, [item_notes], level=harder, mode="hard", verbose=verbose)
            if fit.envelope_bytes(1, notice) + _nbytes(trimmed) <= limit:
                return _verified(fit, [trimmed], notice, limit)
    ident = _identifying_keys(first, id_fields)
    hardest = _IDENT_LEVEL
    trimmed, _ = trim({k: v for k, v in first.items() if k in ident}, max_string=hardest[0], max_items=hardest[1])
    trimmed = shape(trimmed)
    for verbose in (True, False):
        notice = fit.notice(1, [], level=hardest, mode="ident", ident=ident, verbose=verbose)
        if fit.envelope_bytes(1, notice) + _nbytes(trimmed) <= limit:
            return _verified(fit, [trimmed], notice, limit)
    notice = fit.notice(0, [], level=hardest, mode="none", verbose=False)
    if notice is not None and fit.envelope_bytes(0, notice) > limit:
        notice = "Even the identifying fields of the first record do not fit the budget; ask for fewer fields."
    return fit.build([], notice)


def _trimmed(item: dict[str, Any], shape: Callable[[Any], Any], level: tuple[int, int]) -> tuple[Any, list[TrimNote]]:
    trimmed, notes = trim(item, max_string=level[0], max_items=level[1])
    return shape(trimmed), notes


def _table_row(
    record: Mapping[Any, Any], positions: Mapping[Any, int], level: tuple[int, int]
) -> tuple[list[Any], list[TrimNote]]:
    """``[trimmed.get(column) for column in columns]`` of ``trimmed, notes = trim(prune(record))``, in one pass
    over the record's values (most are short strings and numbers: kept as they are). Every value is pruned and
    trimmed, shown in a column or not, so that the notes are those of the record."""
    max_string, max_items = level
    row: list[Any] = [None] * len(positions)
    notes: list[TrimNote] = []
    for key, value in record.items():
        kind = type(value)
        if kind is str:
            if not value:
                continue
            if len(value) > max_string:
                notes.append({"path": f"{key}", "dropped_chars": len(value) - max_string})
                value = value[:max_string] + ELLIPSIS
        elif value is None:
            continue
        elif kind not in _NUMBERS:
            value = _pruned_value(value, kind)
            if value is _MISSING:
                continue
            value = _trim(value, max_string, max_items, notes, [f".{key}"])
        index = positions.get(key)
        if index is not None:
            row[index] = value
    return row, notes


def _pruned_value(value: Any, kind: type) -> Any:
    """What ``_prune_mapping`` keeps of a value other than a str, a number or None: ``_MISSING`` when it drops it."""
    if kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        return _prune_mapping(value) or _MISSING
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return [item if type(item) in _LEAVES else prune(item) for item in value] if value else _MISSING
    if isinstance(value, str):  # a str subclass (e.g. a StrEnum member)
        return value if value else _MISSING
    return value


def _joined(texts: list[str]) -> str:
    return "[" + ",".join(texts) + "]"


def _verified(fit: _ListFit, items: list[Any], notice: str | None, limit: int) -> dict[str, Any]:
    result = fit.build(items, notice)
    # The arithmetic above is exact; this check keeps the guarantee even if a serialiser detail changes.
    if len(result_json(result).encode("utf-8")) > limit:  # pragma: no cover - defensive
        raise AssertionError("budget arithmetic out of step with result_json")
    return result


# -- fit_object ------------------------------------------------------------------------------------


def fit_object(
    record: Mapping[str, Any],
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    fields: Sequence[str] | None = None,
    view: View | None = None,
    id_fields: Sequence[str] | None = None,
    detail_hint: str | None = None,
    required: Collection[str] = (),
) -> dict[str, Any]:
    """Shape a single record to fit ``max_tokens``: projected (``fields``, which may also name
    ``view``'s keys) or whole, pruned, then only as trimmed as it needs to be.

    ``detail_hint`` replaces the advice to use ``fields=[...]`` for callers that offer no such
    parameter (it completes "To see the rest, …").

    What was cut is said in a ``notice`` key (``_budget_notice`` if the record has its own
    ``notice``). When trimming is not enough, the largest fields are left out and named, so the
    model can ask for them with ``fields=[...]``; ``id_fields`` are left out last. ``required`` keys
    (a result's output schema requires them) are never left out: when nothing else is left, their
    own largest entries go, then their contents (an empty object or list still matches the schema).
    """
    limit = _check_budget(max_tokens)
    unknown: list[str] = []
    if fields:
        source = {**view(record), **record} if view is not None else record
        tree, cleaned = _compile_fields(fields)
        found: set[str] = set()
        item = _prune_mapping(_apply_selection(tree, source, "", found))
        unknown = [name for name in cleaned if name not in found]
    else:
        item = _prune_mapping(record)
    notice_key = "_budget_notice" if "notice" in item else "notice"
    budget = f"budget ~{max_tokens} tokens"
    unknown_text = f"Not found in this record: {_names(unknown)}." if unknown else ""

    def attempt(obj: dict[str, Any], notice: str) -> dict[str, Any] | None:
        out = {**obj, notice_key: notice} if notice else obj
        text = _dumps(out)
        return Compact(out, text) if len(text.encode("utf-8")) <= limit else None

    fitted = attempt(item, unknown_text)
    if fitted is not None:
        return fitted
    trimmed: dict[str, Any] = item
    for level in TRIM_LEVELS:
        trimmed, notes = trim(item, max_string=level[0], max_items=level[1])
        for verbose in (True, False):
            text = (
                _trim_sentence(
                    _trim_summary([notes]), level, detail_hint or "ask for just the fields you need with fields=[...]"
                )
                if verbose
                else f"Long values were shortened to fit the {budget}."
            )
            fitted = attempt(trimmed, f"{text} {unknown_text}".strip())
            if fitted is not None:
                return fitted
    # Still too big: leave out the largest fields and name them. Identifying fields go last, so
    # the model still knows which record this is.
    protected = set(id_fields or ())
    always = {key for key in required if key in trimmed}
    order = sorted((k for k in trimmed if k not in always), key=lambda k: (k in protected, -_nbytes({k: trimmed[k]})))

    def left_out(n: int) -> tuple[list[str], dict[str, Any]]:
        gone = order[:n]
        gone_set = set(gone)
        return gone, {k: v for k, v in trimmed.items() if k not in gone_set}

    # Prefer naming every field left out (the model can ask for exactly those), then a capped list,
    # and only then just a count — each time leaving out as few fields as the notice allows.
    for variant in ("all", "capped", "count"):
        for n in range(1, len(order) + 1):
            gone, kept = left_out(n)
            ask = (
                f"To see the rest, {detail_hint}."
                if detail_hint
                else f"Ask for them with fields=[...], e.g. fields={_fields_example(gone)}."
            )
            if variant == "all":
                text = f"Too large for the {budget}: these fields were left out: {', '.join(map(str, gone))}. {ask}"
                text = f"{text} {unknown_text}".strip()
            elif variant == "capped":
                text = f"Too large for the {budget}: fields left out: {_names(gone)}. {ask}"
            else:
                text = f"Too large for the {budget}; {_plural(n, 'field')} left out."
            fitted = attempt(kept, text)
            if fitted is not None:
                return fitted
    if always:
        return _required_only({k: trimmed[k] for k in trimmed if k in always}, attempt, budget, detail_hint)
    return {notice_key: f"The record does not fit the {budget} even reduced; ask for fewer fields."}


def _required_only(
    core: dict[str, Any],
    attempt: Callable[[dict[str, Any], str], dict[str, Any] | None],
    budget: str,
    detail_hint: str | None,
) -> dict[str, Any]:
    """The required keys alone, reduced until they fit: the largest entries of the objects among them left out
    (named by count), then every object and list emptied. Over the budget only if even that does not fit."""
    ask = f" To see the rest, {detail_hint}." if detail_hint else ""
    entries = sorted(
        ((key, inner) for key, value in core.items() if isinstance(value, dict) for inner in value),
        key=lambda pair: -_nbytes({pair[1]: core[pair[0]][pair[1]]}),
    )
    for n in range(1, len(entries) + 1):
        gone = {(key, inner) for key, inner in entries[:n]}
        reduced = {
            key: {k: v for k, v in value.items() if (key, k) not in gone} if isinstance(value, dict) else value
            for key, value in core.items()
        }
        named = _names(sorted({key for key, _ in gone}))
        fitted = attempt(reduced, f"Too large for the {budget}: {n} of their entries left out of {named}.{ask}")
        if fitted is not None:
            return fitted
    emptied = {key: type(value)() if isinstance(value, dict | list) else value for key, value in core.items()}
    text = f"Too large for the {budget}: only the required fields are kept, emptied.{ask}"
    return attempt(emptied, text) or {**emptied, "notice": text}


# -- counts ----------------------------------------------------------------------------------------


def count_result(total: int | None, *, what: str) -> dict[str, Any]:
    """The answer to "how many ``what`` match?", from ``total_records`` of a one-record page.

    Never guesses: when the API did not report a total, the count is ``None`` and the notice says so.
    """
    if total is not None:
        return {"count": total, "exact": True}
    return {
        "count": None,
        "notice": (
            f"The API did not report a total for this filter; the count of {what} is unknown (not zero). "
            "To count exactly, page through the list until next_offset is null and add up 'returned', "
            "or narrow the filter."
        ),
    }
