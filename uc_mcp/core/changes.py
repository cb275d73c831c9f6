"""What a write changed: one shape for the write results of every provider.

A write answers with ``changes``, the part of the record (or store) that the write moved::

    {"before":  {"terms": "Net 30", "billing": [{"customer_billing_oid": 5, "city": "Salem"}]},
     "after":   {"terms": "Net 60", "billing": [{"customer_billing_oid": 5, "city": "Boston"}]},
     "added":   {"tags": ["vip"], "shipping": [812]},
     "removed": {"tags": ["churn-risk"]}}

- ``before`` / ``after``: each field whose value changed, old and new, under the field's own name; a
  nested object by the sub-fields that changed; a changed entry of a list of records by its id and the
  sub-fields that changed. Values sit under their field names on purpose: redaction masks a value by
  the name of the field holding it (``core/redact.py``), so a changed email is masked exactly as the
  record's email is. A ``{"email": {"before": ..., "after": ...}}`` shape would hide the name from it.
- ``added`` / ``removed``: entries of a list field that came or went: the values themselves for a list
  of values (tags), the ids for a list of records (addresses: ids, not whole records). A write that
  creates or deletes whole records says so the same way, under the collection's name
  (``{"added": {"customers": [100061]}}``).
- Results drop null and empty values (``core/budget.py``), so a field missing on one side of
  ``before``/``after`` was empty there: ``{"before": {"terms": "Net 30"}}`` alone means it was cleared.
  For the same reason null, ``""`` and an empty list or object are one value here: no change between them.
- Nothing unchanged is reported, and a write that changed nothing has no ``changes`` (``{}``).

Pure and provider-neutral: plain mappings in (a provider dumps its models as JSON), plain dicts out.
A provider says how its list fields compare with ``Values`` and ``Records``; any other list, and any
scalar, is compared whole.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "PARTS",
    "ListRule",
    "Records",
    "Values",
    "collection_changes",
    "figure_changes",
    "merge_changes",
    "record_changes",
]

# The four parts, in the order a result shows them.
PARTS: Final = ("before", "after", "added", "removed")


@dataclass(frozen=True, slots=True)
class Values:
    """A list of values (or of objects holding one value under ``field``, e.g. tags' ``tag_value``),
    compared as a set: what was added, what was removed. Order alone is no change."""

    field: str | None = None


@dataclass(frozen=True, slots=True)
class Records:
    """A list of records named by their ``key`` (an address's oid, a property's name): added and removed
    by key; a record on both sides by the sub-fields that changed, ``ignore`` left out (fields the
    service derives from others, such as a phone number's E.164 form)."""

    key: str
    ignore: frozenset[str] = frozenset()


ListRule = Values | Records


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and not value)


def _same(old: Any, new: Any) -> bool:
    return (_empty(old) and _empty(new)) or old == new


def _keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Every field of either side, in the order the record has them."""
    return [*before, *(name for name in after if name not in before)]


def _sub_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], ignore: Collection[str] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sub-fields that differ, old and new (values compared whole)."""
    olds: dict[str, Any] = {}
    news: dict[str, Any] = {}
    for name in _keys(old, new):
        if name in ignore or _same(old.get(name), new.get(name)):
            continue
        olds[name], news[name] = old.get(name), new.get(name)
    return olds, news


def _without_empties(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _without_empties(inner) for key, inner in value.items() if not _empty(inner)}
    if isinstance(value, list):
        return [_without_empties(item) for item in value]
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(slots=True)
class _Changes:
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    added: dict[str, Any] = field(default_factory=dict)
    removed: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str, old: Any, new: Any) -> None:
        # An empty side is left out, as a result would drop it anyway: "missing on one side: empty there".
        for side, value in ((self.before, _without_empties(old)), (self.after, _without_empties(new))):
            if not _empty(value):
                side[name] = value

    def listed(self, name: str, added: Sequence[Any], removed: Sequence[Any]) -> None:
        if added:
            self.added.setdefault(name, []).extend(added)
        if removed:
            self.removed.setdefault(name, []).extend(removed)

    def values(self, name: str, rule: Values, old: Sequence[Any], new: Sequence[Any]) -> None:
        def value_of(entry: Any) -> Any:
            return entry.get(rule.field) if rule.field is not None and isinstance(entry, Mapping) else entry

        olds = [value_of(entry) for entry in old if not _empty(value_of(entry))]
        news = [value_of(entry) for entry in new if not _empty(value_of(entry))]
        had, has = {_canonical(value) for value in olds}, {_canonical(value) for value in news}
        self.listed(
            name,
            [value for value in news if _canonical(value) not in had],
            [value for value in olds if _canonical(value) not in has],
        )

    def records(self, name: str, rule: Records, old: Sequence[Any], new: Sequence[Any]) -> None:
        olds, news = _by_key(old, rule.key), _by_key(new, rule.key)
        self.listed(name, [key for key in news if key not in olds], [key for key in olds if key not in news])
        changed_old, changed_new = [], []
        for key, entry in olds.items():
            if key in news:
                sub_old, sub_new = _sub_changes(entry, news[key], rule.ignore)
                if sub_old or sub_new:
                    changed_old.append({rule.key: key, **sub_old})
                    changed_new.append({rule.key: key, **sub_new})
        if changed_old:
            self.value(name, changed_old, changed_new)
        # Entries without an id cannot be followed from one side to the other: compared as values.
        self.values(name, Values(), _without_key(old, rule.key), _without_key(new, rule.key))

    def as_dict(self) -> dict[str, Any]:
        parts = {"before": self.before, "after": self.after, "added": self.added, "removed": self.removed}
        return {part: content for part, content in parts.items() if content}


def _keyed(entry: Any, key: str) -> bool:
    return isinstance(entry, Mapping) and entry.get(key) is not None


def _by_key(entries: Sequence[Any], key: str) -> dict[Any, Mapping[str, Any]]:
    return {entry[key]: entry for entry in entries if _keyed(entry, key)}


def _without_key(entries: Sequence[Any], key: str) -> list[Any]:
    return [entry for entry in entries if not _keyed(entry, key)]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def record_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    lists: Mapping[str, ListRule] | None = None,
    ignore: Collection[str] = (),
) -> dict[str, Any]:
    """What changed from ``before`` to ``after`` (two dumps of one record, read the same way): see the
    module doc. ``lists`` says how each list field compares; ``ignore`` names fields the service
    maintains itself (a last-modified date), which every write changes."""
    rules = lists or {}
    out = _Changes()
    for name in _keys(before, after):
        old, new = before.get(name), after.get(name)
        if name in ignore or _same(old, new):
            continue
        rule = rules.get(name)
        if isinstance(rule, Values):
            out.values(name, rule, _as_list(old), _as_list(new))
        elif isinstance(rule, Records):
            out.records(name, rule, _as_list(old), _as_list(new))
        elif isinstance(old, Mapping | None) and isinstance(new, Mapping | None):
            sub_old, sub_new = _sub_changes(old or {}, new or {})
            if sub_old or sub_new:
                out.value(name, sub_old, sub_new)
        else:
            out.value(name, old, new)
    return out.as_dict()


def figure_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Named figures (a balance, a count) before and after: only those that moved."""
    return record_changes(before, after)


def collection_changes(
    *, added: Mapping[str, Iterable[Any]] | None = None, removed: Mapping[str, Iterable[Any]] | None = None
) -> dict[str, Any]:
    """Whole records created or deleted, by collection: ``collection_changes(added={"customers": [oid]})``."""
    out = _Changes()
    for name, ids in (added or {}).items():
        out.listed(name, list(ids), [])
    for name, ids in (removed or {}).items():
        out.listed(name, [], list(ids))
    return out.as_dict()


def merge_changes(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """Several ``changes`` of one write as one (their fields must not overlap)."""
    merged: dict[str, dict[str, Any]] = {}
    for changes in parts:
        for part, fields in changes.items():
            merged.setdefault(part, {}).update(fields)
    return {part: merged[part] for part in PARTS if merged.get(part)}
