"""The MCP SDK behaviour the confirmation flow of guarded tools (issue 4) is built on.

A hand-built ``Tool`` (as ``core/toolspec.build_tool`` makes them) can carry a ``Resolve(...)``
parameter whose resolver returns ``Elicit[...]``; the SDK then asks the human through the client,
on the 2026-07-28 protocol (input-required rounds, ``mode="auto"``) and on the handshake-era one
(``mode="legacy"``) alike. A resolver that decides not to ask (no elicitation capability) still
hands the body an *accepted* result — with no data, which must never count as a yes.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from mcp.client import Client
from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resolve import Elicit, Resolve, build_resolver_plans, find_resolved_parameters
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from mcp_types import CallToolResult, ElicitResult, TextContent
from pydantic import BaseModel, Field

from uc_mcp.core.sdk import AnyArguments

pytestmark = pytest.mark.anyio


class Confirm(BaseModel):
    confirm: bool = Field(description="Yes, do it")


async def ask(arguments: dict[str, Any], ctx: Context[Any, Any]) -> Any:
    capabilities = ctx.client_capabilities
    if capabilities is None or capabilities.elicitation is None:
        return AcceptedElicitation[Any].model_construct(data=None)  # not asked: the fallback decides
    return Elicit(f"Delete customer {arguments.get('oid')}?", Confirm)


async def run(
    arguments: dict[str, Any],
    ctx: Context[Any, Any],
    answer: Annotated[ElicitationResult[Confirm], Resolve(ask)],
) -> CallToolResult:
    data = getattr(answer, "data", None)
    said_yes = answer.action == "accept" and isinstance(data, Confirm) and data.confirm
    return CallToolResult(content=[TextContent(type="text", text=f"{answer.action}:{said_yes}")])


def server() -> MCPServer:
    resolved = find_resolved_parameters(run)
    tool = Tool(
        fn=run,
        name="guarded",
        title="guarded",
        description="a guarded action",
        parameters={"type": "object"},
        fn_metadata=FuncMetadata(arg_model=AnyArguments),
        is_async=True,
        context_kwarg="ctx",
        resolved_params=dict(resolved),
        resolver_plans=build_resolver_plans(resolved, {"arguments"}),
    )
    return MCPServer(name="contract", tools=[tool])


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(
    ("reply", "expected"),
    [("accept", "accept:True"), ("decline", "decline:False"), ("cancel", "cancel:False"), (None, "accept:False")],
)
async def test_resolver_elicitation_outcomes(mode: str, reply: str | None, expected: str) -> None:
    asked: list[str] = []

    async def answer(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        if reply == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action=reply)  # type: ignore[arg-type]

    callbacks = {"elicitation_callback": answer} if reply else {}
    async with Client(server(), mode=mode, **callbacks) as client:  # type: ignore[arg-type]
        result = await client.call_tool("guarded", {"oid": 5})
    assert not result.is_error
    assert result.content[0].text == expected  # type: ignore[union-attr]
    # Asked exactly once, deterministically, when the client can be asked; never otherwise.
    assert asked == (["Delete customer 5?"] if reply else [])


# -- the couplings of core/sdk.py, held against the installed SDK --------------------------------------------------


def test_a_prepared_tool_lists_our_schemas_and_hands_arguments_over_whole() -> None:
    from mcp_types import ToolAnnotations

    from uc_mcp.core.sdk import prepared_tool

    async def echo(arguments: dict[str, Any], ctx: Context[Any, Any]) -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text=str(sorted(arguments)))])

    schema = {"type": "object", "properties": {"x": {"type": "integer"}}}
    tool = prepared_tool(
        echo,
        name="t",
        title="T",
        description="d",
        input_schema=schema,
        output_schema={"type": "object"},
        annotations=ToolAnnotations(read_only_hint=True),
        meta=None,
    )
    assert tool.parameters == schema and tool.fn_metadata.arg_model is AnyArguments
    assert AnyArguments.model_validate({"x": 1, "y": "z"}).model_dump_one_level() == {"arguments": {"x": 1, "y": "z"}}


async def test_a_tool_added_after_building_is_listed_and_called() -> None:
    from mcp_types import ToolAnnotations

    from uc_mcp.core.sdk import add_listed_tool, prepared_tool

    async def later(arguments: dict[str, Any], ctx: Context[Any, Any]) -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text="{}")], structured_content={})

    server = MCPServer(name="contract")
    add_listed_tool(
        server,
        prepared_tool(
            later,
            name="later",
            title="Later",
            description="d",
            input_schema={"type": "object"},
            output_schema={"type": "object"},
            annotations=ToolAnnotations(),
            meta=None,
        ),
    )
    async with Client(server) as client:
        assert [tool.name for tool in (await client.list_tools()).tools] == ["later"]
        assert (await client.call_tool("later", {})).structured_content == {}


def test_tool_list_changes_are_advertised_to_handshake_era_clients() -> None:
    from uc_mcp.core.sdk import advertise_tool_list_changes

    server = MCPServer(name="contract")
    advertise_tool_list_changes(server)
    capabilities = server._lowlevel_server.create_initialization_options().capabilities
    assert capabilities.tools is not None and capabilities.tools.list_changed is True


def test_the_request_state_boundary_is_found() -> None:
    from uc_mcp.core.sdk import insert_before_request_state_boundary

    server = MCPServer(name="contract")
    marker = object()
    insert_before_request_state_boundary(server, marker)
    chain = server.middleware
    assert type(chain[chain.index(marker) + 1]).__name__ == "RequestStateBoundary"


async def test_a_connection_outlives_its_requests_and_a_spec_method_can_be_served() -> None:
    """``connection_of`` (per-client state: the log level) is one object across a client's requests and another
    for another client; ``set_request_handler`` serves a spec method MCPServer has no decorator for."""
    from mcp_types import EmptyResult, SetLevelRequestParams

    from uc_mcp.core.sdk import connection_of, set_request_handler

    server = MCPServer("contract")
    seen: list[Any] = []

    async def set_level(ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        seen.append(connection_of(ctx))
        return EmptyResult()

    set_request_handler(server, "logging/setLevel", SetLevelRequestParams, set_level)
    async with Client(server, mode="legacy") as first:
        await first.set_logging_level("info")
        await first.set_logging_level("error")
    async with Client(server, mode="legacy") as second:
        await second.set_logging_level("info")
    assert seen[0] is seen[1] and seen[2] is not seen[0]
    assert type(seen[0]).__name__ == "Connection"  # not the per-request session a missing attribute falls back to
