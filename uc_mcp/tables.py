"""Every tool table: each provider's (``providers.py``) and the cross-provider layers', which belong to no provider.

A cross-provider table (``people``: customers_find, customer_360) is one line in ``CROSS_TABLES``. Whatever reads
every tool table — ``tool_schemas/``, the packaged schema seed, ``uc-mcp tools`` and its per-combination totals,
the tool-table tests, the server's listing and dynamic mode — reads ``all_tables()`` or ``CROSS_TABLES``, never a
layer by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from .core.toolspec import ToolContext, ToolSpec
from .providers import all_providers

if TYPE_CHECKING:
    from mcp.server.mcpserver import Context, MCPServer

    from .core.completions import Completions


class Table(Protocol):
    """What the schema files and budgets read of a table: a provider or a cross-provider layer."""

    @property
    def name(self) -> str: ...  # its folder in tool_schemas/

    @property
    def forbidden_graphs(self) -> tuple[str, ...]: ...

    @property
    def tools(self) -> Callable[[], Sequence[ToolSpec]]: ...


def _tools_of(module: str) -> Callable[[], Sequence[ToolSpec]]:
    def tools() -> Sequence[ToolSpec]:
        table: Sequence[ToolSpec] = importlib.import_module(module).TOOLS
        return table

    return tools


def _completions_of(module: str) -> Callable[[], Completions]:
    def completions() -> Completions:
        found: Completions = importlib.import_module(module).COMPLETIONS
        return found

    return completions


@dataclass(frozen=True, slots=True)
class CrossTable:
    """Tools over every enabled provider at once. ``module`` holds ``TOOLS`` (the table), ``INSTRUCTIONS`` (its
    paragraph of the server's instructions) and ``register(server, context_factory, enabled_tools)`` (its resources
    and prompts); it is imported on first use, as a provider's table is."""

    name: str  # its one toolset, and its folder in tool_schemas/
    title: str
    module: str
    # Listed by default from this many enabled providers: below, each provider's own tools say the same.
    default_from: int = 2
    forbidden_graphs: tuple[str, ...] = ()
    unguarded_destructive: Mapping[str, str] = field(default_factory=dict)
    # ``completion/complete`` for its prompts and resource templates (core/completions.py), imported on first use.
    completions: Callable[[], Completions] | None = None

    @property
    def tools(self) -> Callable[[], Sequence[ToolSpec]]:
        return _tools_of(self.module)

    def _module(self) -> ModuleType:
        return importlib.import_module(self.module)

    def listed_by_default(self, provider_count: int) -> bool:
        return provider_count >= self.default_from

    def listable(self, read_only: bool) -> list[ToolSpec]:
        """Its tools a server may list: no write under --read-only or a read-only scope."""
        return [spec for spec in self.tools() if spec.read_only or not read_only]

    def instructions(self) -> str:
        text: str = self._module().INSTRUCTIONS
        return text

    def register(
        self,
        server: MCPServer,
        context_factory: Callable[[Context[Any, Any]], ToolContext],
        enabled_tools: Collection[str],
    ) -> list[str]:
        """Its resources and prompts, for the tools in ``enabled_tools``; the names registered."""
        registered: list[str] = self._module().register(server, context_factory, enabled_tools)
        return registered


CROSS_TABLES: tuple[CrossTable, ...] = (
    CrossTable(
        "people",
        "One person across every system",
        "uc_mcp.people.layer",
        completions=_completions_of("uc_mcp.people.completions"),
    ),
)


def all_tables() -> tuple[Table, ...]:
    """Every provider's table, in registry order, then every cross-provider one."""
    return (*all_providers(), *CROSS_TABLES)


def cross_table(name: str) -> CrossTable | None:
    return next((table for table in CROSS_TABLES if table.name == name.strip()), None)
