"""Dynamic toolsets (``UC_MCP_DYNAMIC_TOOLSETS=1``), in the manner of github-mcp-server's.

With several providers enabled, every tool of every provider would cost the model's context on every turn. In
dynamic mode the server lists two tools of its own (and the toolsets named in ``--toolsets``, if any):
``uc_mcp_list_toolsets`` says which toolsets exist, what they hold and which are on, and
``uc_mcp_enable_toolset`` turns one on: its tools (within ``--read-only`` and a token's scope) join the listing,
with their resources and prompts, and the client is told with ``notifications/tools/list_changed``.

One process serves one host on stdio, so what is enabled belongs to that host. Over HTTP one server answers
every client of a token scope: dynamic mode is refused there (``--toolsets`` and scopes serve that purpose).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from .core.errors import ConfigurationError
from .core.provider import Provider
from .core.results import ObjectResult, StrictInput
from .core.sdk import add_listed_tool, advertise_tool_list_changes, tell_tools_changed
from .core.toolspec import ToolContext, ToolSpec, build_tool
from .toolsets import Catalogue, select_tools

if TYPE_CHECKING:
    from .settings import Settings
    from .tables import CrossTable

LIST_TOOL = "uc_mcp_list_toolsets"
ENABLE_TOOL = "uc_mcp_enable_toolset"


class ListToolsetsInput(StrictInput):
    pass


class ListToolsetsResult(ObjectResult):
    toolsets: list[dict[str, Any]] = Field(description="name, enabled, tools (their names) and what they are for.")


class EnableToolsetInput(StrictInput):
    toolset: str = Field(min_length=1, max_length=80, description="A name from uc_mcp_list_toolsets.")


class EnableToolsetResult(ObjectResult):
    toolset: str
    enabled: list[str] = Field(description="The tools now listed (the client is told the list changed).")


@dataclass(frozen=True, slots=True)
class CrossToolset:
    """A cross-provider table (tables.py: ``people``) offered as one toolset, with the context its tools run in;
    ``enabled`` when --toolsets named it."""

    table: CrossTable
    context: Callable[[Context[Any, Any]], ToolContext]
    enabled: bool = False


def install_dynamic_toolsets(
    server: MCPServer,
    settings: Settings,
    enabled_providers: Sequence[Provider],
    allowed: Collection[str],
    read_only: bool,
    contexts: Mapping[str, Callable[[Context[Any, Any]], ToolContext]],
    transport: Literal["stdio", "http"],
    listed: set[str],
    cross: Sequence[CrossToolset] = (),
) -> None:
    """Add the two toolset tools to ``server``; ``allowed`` holds the (qualified) toolsets it may enable, within
    the token's scope, ``listed`` the names of the tools listed so far, and ``cross`` the cross-provider toolsets
    it may enable (by their bare name: they belong to no provider)."""
    if transport != "stdio":
        raise ConfigurationError(
            "UC_MCP_DYNAMIC_TOOLSETS works on stdio only (one host per process): over HTTP one server answers every "
            "client of a token scope. Use --toolsets or token scopes instead."
        )
    providers = {provider.name: provider for provider in enabled_providers}
    crossing = {toolset.table.name: toolset for toolset in cross}
    catalogue = Catalogue(tuple(enabled_providers), tuple(crossing))
    named = [name for name in settings.toolsets or () if name.strip() not in crossing]
    enabled: set[str] = set(catalogue.resolve(named)) if named else set()
    enabled |= {name for name, toolset in crossing.items() if toolset.enabled}

    def tools_of(toolset: str) -> list[tuple[str, ToolSpec]]:
        if toolset in crossing:
            return [(toolset, spec) for spec in crossing[toolset].table.listable(read_only)]
        provider = providers[toolset.split(".", 1)[0]]
        return [(provider.name, spec) for spec in select_tools(provider, provider.tools(), {toolset}, read_only)]

    async def list_toolsets(request: ListToolsetsInput, ctx: ToolContext) -> dict[str, Any]:
        rows = [
            {
                "toolset": toolset,
                "enabled": toolset in enabled,
                "tools": [spec.name for _, spec in tools_of(toolset) if not spec.app_only],
            }
            for toolset in [*catalogue.known(), *crossing]
            if toolset in allowed or toolset in crossing
        ]
        return {"toolsets": rows}

    def add(toolset: str, context_of: Callable[[str], Callable[[Context[Any, Any]], ToolContext]]) -> list[str]:
        """List the toolset's tools not listed yet; their names."""
        added = []
        for owner, spec in tools_of(toolset):
            if spec.name not in listed:
                add_listed_tool(server, build_tool(spec, context_of(owner)))
                listed.add(spec.name)
                added.append(spec.name)
        return added

    def add_provider_toolset(toolset: str) -> list[str]:
        added = add(toolset, contexts.__getitem__)
        provider = providers[toolset.split(".", 1)[0]]
        if provider.register_resources is not None and added:
            provider.register_resources(server, contexts[provider.name], set(added), transport)
        if provider.register_prompts is not None and added:
            provider.register_prompts(server, listed)
        return added

    def add_cross_toolset(toolset: CrossToolset) -> list[str]:
        added = add(toolset.table.name, lambda owner: toolset.context)
        if added:
            toolset.table.register(server, toolset.context, listed)
        return added

    def resolved(requested: str) -> str:
        """The one toolset ``requested`` names that this server may enable; ValueError otherwise."""
        if requested.strip() in crossing:
            return requested.strip()
        try:
            (toolset, *more) = catalogue.resolve([requested], "toolset")
        except ConfigurationError as problem:
            raise ValueError(str(problem)) from None
        if more or toolset not in allowed:
            raise ValueError(f"toolset: {requested!r} is not one toolset this server may enable; see {LIST_TOOL}.")
        return toolset

    async def enable_toolset(request: EnableToolsetInput, ctx: ToolContext) -> dict[str, Any]:
        toolset = resolved(request.toolset)
        added = add_cross_toolset(crossing[toolset]) if toolset in crossing else add_provider_toolset(toolset)
        enabled.add(toolset)
        if added and ctx.mcp is not None:
            await tell_tools_changed(ctx.mcp)
        return {"toolset": toolset, "enabled": sorted(listed - {LIST_TOOL, ENABLE_TOOL})}

    for spec in _specs(list_toolsets, enable_toolset):
        add_listed_tool(server, build_tool(spec, _plain_context(settings)))
        listed.add(spec.name)
    advertise_tool_list_changes(server)


def _plain_context(settings: Settings) -> Callable[[Context[Any, Any]], ToolContext]:
    def context(ctx: Context[Any, Any]) -> ToolContext:
        return ToolContext(client=lambda: None, max_tokens=settings.max_result_tokens, backend="none", mcp=ctx)

    return context


def _specs(list_toolsets: Any, enable_toolset: Any) -> tuple[ToolSpec, ToolSpec]:
    return (
        ToolSpec(
            name=LIST_TOOL,
            title="List toolsets",
            description="The toolsets this server offers, which are enabled, and the tools each holds. Enable one "
            f"with {ENABLE_TOOL} before using its tools.",
            toolset="dynamic",
            input_model=ListToolsetsInput,
            output_model=ListToolsetsResult,
            handler=list_toolsets,
            read_only=True,
            destructive=False,
            idempotent=True,
            open_world=False,
            returns_customer_text=False,
        ),
        ToolSpec(
            name=ENABLE_TOOL,
            title="Enable a toolset",
            description=f"Turn on one toolset from {LIST_TOOL}: its tools join the list (the client is told the "
            "list changed). Enables only; nothing in any store changes.",
            toolset="dynamic",
            input_model=EnableToolsetInput,
            output_model=EnableToolsetResult,
            handler=enable_toolset,
            read_only=True,
            destructive=False,
            idempotent=True,
            open_world=False,
            returns_customer_text=False,
        ),
    )
