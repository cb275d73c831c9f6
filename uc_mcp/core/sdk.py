"""Where uc-mcp reaches past the MCP SDK's public surface, in one place (tests/core/test_sdk_contract.py holds each
of these against the installed SDK, so an SDK upgrade that moves one fails a test, not a user).

- ``prepared_tool``: a ``Tool`` whose published schemas are ours and whose arguments reach the function whole
  (we validate them, with messages that never repeat a value: core/toolspec.py), with the SDK's resolvers
  (elicitation) planned for it; ``MCPServer.add_tool`` takes only a function and derives both.
- ``add_listed_tool``: such a ``Tool`` added after the server was built.
- ``advertise_tool_list_changes``: the ``tools.listChanged`` capability for handshake-era clients, which the SDK
  sets only from options passed to ``create_initialization_options`` (2026-07-28 clients learn changes through
  ``subscriptions/listen``, which the SDK serves itself).
- ``tell_tools_changed``: the change notification on both eras' channels.
- ``insert_before_request_state_boundary``: a middleware that must see a call's sealed request state, placed just
  outside the SDK's ``RequestStateBoundary`` (core/confirm.py).
- ``set_request_handler``: a spec method ``MCPServer`` has no decorator for (``logging/setLevel``: the SDK's own
  advice for re-providing a method the 2026 revision removed is the lowlevel ``add_request_handler``).
- ``connection_of``: the connection a request came on (state kept per client: its log level).
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resolve import build_resolver_plans, find_resolved_parameters
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import ToolAnnotations
from pydantic import ConfigDict

log = logging.getLogger("uc_mcp.sdk")


class AnyArguments(ArgModelBase):
    """Accepts any arguments and hands them over whole (as ``arguments``): validation is the tool's own."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


def prepared_tool(
    fn: Any,
    *,
    name: str,
    title: str,
    description: str,
    input_schema: dict[str, Any],
    output_schema: dict[str, Any],
    annotations: ToolAnnotations,
    meta: dict[str, Any] | None,
    with_resolvers: bool = False,
) -> Tool:
    """``fn(arguments, ctx, [resolved...])`` as the SDK's ``Tool``, listing exactly these schemas."""
    resolved = dict(find_resolved_parameters(fn)) if with_resolvers else {}
    return Tool(
        fn=fn,
        name=name,
        title=title,
        description=description,
        parameters=input_schema,
        fn_metadata=FuncMetadata(arg_model=AnyArguments, output_schema=output_schema),
        is_async=True,
        context_kwarg="ctx",
        annotations=annotations,
        meta=meta,
        resolved_params=resolved,
        resolver_plans=build_resolver_plans(resolved, {"arguments"}) if resolved else {},
    )


def add_listed_tool(server: MCPServer, tool: Tool) -> None:
    server._tool_manager._tools[tool.name] = tool


def advertise_tool_list_changes(server: MCPServer) -> None:
    lowlevel = server._lowlevel_server
    create = lowlevel.create_initialization_options

    def with_tool_changes(
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> Any:
        options = notification_options or NotificationOptions()
        options.tools_changed = True
        return create(options, experimental_capabilities, extensions)

    lowlevel.create_initialization_options = with_tool_changes  # type: ignore[method-assign]


async def tell_tools_changed(ctx: Context[Any, Any]) -> None:
    """``notifications/tools/list_changed`` to this client, whichever protocol era it speaks."""
    try:
        await ctx.notify_tools_changed()  # 2026-07-28: subscriptions/listen streams
    except Exception as error:  # no subscription bus outside a modern request: the session below serves
        log.debug("tools changed: no listen stream (%s)", type(error).__name__)
    session = getattr(ctx.request_context, "session", None)
    send = getattr(session, "send_tool_list_changed", None)
    if send is not None:
        try:
            await send()
        except Exception as error:  # a stateless request has no channel for notifications
            log.debug("tools changed: no session channel (%s)", type(error).__name__)


def insert_before_request_state_boundary(server: MCPServer, middleware: Any) -> None:
    chain = server.middleware
    index = next((i for i, item in enumerate(chain) if type(item).__name__ == "RequestStateBoundary"), len(chain))
    chain.insert(index, middleware)


def set_request_handler(server: MCPServer, method: str, params_type: type[Any], handler: Any) -> None:
    server._lowlevel_server.add_request_handler(method, params_type, handler)


def connection_of(ctx: Any) -> Any:
    """The connection of a request (``ServerRequestContext``): its session is per request, its connection per
    client. The session itself when an SDK has no such attribute (state then lasts one request: safe)."""
    session = ctx.session
    return getattr(session, "_connection", session)
