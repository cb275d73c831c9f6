"""What every provider's MCP resources share: a resource template is data (``ResourceSpec``), registered only where
the tool whose data it returns is enabled, and read through the same client, budget and outbound filter as that tool.

A resource returns the same data as one tool, so it follows that tool's scope (``--toolsets``, ``--read-only``, an
HTTP token's scope): otherwise a token scoped to, say, store credit would read whole profiles through a template
that it could not read through any tool. An unknown record is a resource-not-found error, any other provider error
a resource error, each with the one-line message the tool would give.

The provider registers each template's handler itself: the SDK reads the template's variable from the handler's
parameter name (``customer_profile_oid``, ``customer_id``), so that function is the provider's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from .budget import BYTES_PER_TOKEN, RESULT_HEADROOM_TOKENS, compact_json
from .errors import NotFound, ProviderError
from .planted import with_planted_warning
from .toolspec import ToolContext

MIME = "application/json"
Key = TypeVar("Key")
ContextFactory = Callable[[Context[Any, Any]], ToolContext]


@dataclass(frozen=True, slots=True)
class ResourceSpec(Generic[Key]):
    """One resource template, and the tool whose data it returns (and whose scope it follows)."""

    uri: str
    name: str
    title: str
    description: str
    tool: str  # registered only when this tool is enabled on the server
    read: Callable[[Key, ToolContext], Awaitable[dict[str, Any]]]  # the record the URI names (its key, parsed)


def register_resources(
    server: MCPServer,
    context_factory: ContextFactory,
    enabled_tools: Collection[str],
    resources: Sequence[ResourceSpec[Key]],
    register: Callable[[MCPServer, ContextFactory, ResourceSpec[Key]], None],
) -> list[str]:
    """``register`` each template whose tool is enabled; returns their URI templates."""
    registered = []
    for spec in resources:
        if spec.tool in enabled_tools:
            register(server, context_factory, spec)
            registered.append(spec.uri)
    return registered


async def resource_text(spec: ResourceSpec[Key], key: Key, tool_ctx: ToolContext) -> str:
    """What reading ``spec`` at ``key`` answers: the record as compact JSON, within the result budget and through the
    outbound filter, as a tool result is."""
    try:
        payload = await spec.read(key, tool_ctx)
    except NotFound as error:
        raise ResourceNotFoundError(str(error)) from None
    except ProviderError as error:
        raise ResourceError(str(error)) from None
    # As in tool results: fields that read like planted instructions are named in "warnings".
    limit = (tool_ctx.max_tokens + RESULT_HEADROOM_TOKENS) * BYTES_PER_TOKEN
    annotated, text = with_planted_warning(payload, compact_json(payload), compact_json, limit)
    # The same outbound filter as tool results, and like them fitted again if a marker outgrows the budget.
    return tool_ctx.redactor.filtered_json(annotated, text, max_tokens=limit // BYTES_PER_TOKEN)
