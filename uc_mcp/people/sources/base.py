"""What the people tools and the provider adapters share: a record, a search's outcome, an adapter, the reach."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.toolspec import ToolContext

__all__ = ["Eraser", "Found", "Reach", "Record", "Source", "rows_of"]


@dataclass(frozen=True, slots=True)
class Record:
    """One customer record of one provider, as the linking needs it."""

    provider: str
    id: str
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    postcode: str | None = None
    row: Mapping[str, Any] = field(default_factory=dict)  # what the provider's find returned for it


@dataclass(frozen=True, slots=True)
class Found:
    """What one provider's search gave: its records, whether it may have missed some, and its API calls."""

    records: list[Record]
    complete: bool
    api_calls: int
    how: list[str] = field(default_factory=list)


FindFn = Callable[[str, ToolContext, int], Awaitable[Found]]
# The overview of one record (by the record's id), in at most the calls given; its dict as the provider's tool
# returns it.
OverviewFn = Callable[[Record, ToolContext], Awaitable[dict[str, Any]]]
# A record's (phone, postcode), read in one API call.
ContactFn = Callable[[Record, ToolContext], Awaitable[tuple[str | None, str | None]]]
# Facts the discrepancies compare, from one overview: email, default_address, marketing, loyalty_tier.
FactsFn = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Eraser:
    """How ``customers_erase`` erases one record of this provider.

    ``read`` is the record as the API answers it now, one call (NotFound when it is gone): the confirmation is
    bound to a digest of what every record holds, so a record changed after the preview refuses it. ``erase``
    removes it, one call; a 404 on a retry counts as done (each provider's client says so). ``target`` is the
    record's id as the provider's own tools and audit records name it (``customer_profile_oid``: 123); ``what``
    says in the question what goes; ``finish`` names the provider's own tool that finishes a step left undone,
    with ``{id}`` for the record's id."""

    read: Callable[[Record, ToolContext], Awaitable[Mapping[str, Any]]]
    erase: Callable[[Record, ToolContext], Awaitable[None]]
    target: Callable[[str], Mapping[str, Any]]
    what: str
    finish: str


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    title: str
    find: FindFn
    overview: OverviewFn
    facts: FactsFn
    overview_calls: int  # the most API calls one overview makes
    eraser: Eraser
    # The record's phone and postcode, in one API call: the evidence that strengthens a link between two people
    # whose names alone match (the providers' find rows carry neither).
    contact: ContactFn


@dataclass(frozen=True, slots=True)
class Reach:
    """The enabled providers' tool contexts, by provider name, in registry order."""

    contexts: Mapping[str, ToolContext]


def rows_of(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A provider find's items as dicts, whether it returned table rows (``columns``) or objects."""
    columns = result.get("columns")
    items = result.get("items") or []
    if columns:
        return [dict(zip(columns, row, strict=False)) for row in items if isinstance(row, Sequence)]
    return [dict(item) for item in items if isinstance(item, Mapping)]
