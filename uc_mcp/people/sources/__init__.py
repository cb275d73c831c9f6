"""The seam between the people tools and the providers: one adapter per provider, each calling that provider's
public tool functions with the provider's own ``ToolContext``.

A people tool's context holds a :class:`Reach`: the enabled providers' contexts, in registry order (the server
builds it: ``server.py``). Only the providers that are enabled and have an adapter here are searched.
"""

from __future__ import annotations

from ...core.toolspec import ToolContext
from . import twc, ultracart, voucherify
from .base import Found, Reach, Record, Source, rows_of

__all__ = ["ADAPTERS", "Found", "Reach", "Record", "Source", "rows_of", "sources_for"]

ADAPTERS = {source.name: source for source in (ultracart.SOURCE, voucherify.SOURCE, twc.SOURCE)}


def sources_for(reach: Reach) -> list[tuple[Source, ToolContext]]:
    """The enabled providers that have an adapter, with their contexts (a provider without one is skipped: it
    is not searched, and the people tools say nothing about it)."""
    return [(ADAPTERS[name], ctx) for name, ctx in reach.contexts.items() if name in ADAPTERS]
