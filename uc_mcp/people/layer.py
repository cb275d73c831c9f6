"""The ``people`` table as the server reads every cross-provider table (uc_mcp/tables.py): its tools, its paragraph
of the instructions, and its resources and prompts for the tools a server lists."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Final

from mcp.server.mcpserver import Context, MCPServer

from ..core.toolspec import ToolContext
from .data_request import DATA_REQUEST, register_export_resources
from .erase import ERASE
from .prompts import register_prompts
from .tools import FIND, INSTRUCTIONS, PERSON, register_resources

TOOLS: Final = (FIND, PERSON, DATA_REQUEST, ERASE)

__all__ = ["INSTRUCTIONS", "TOOLS", "register"]


def register(
    server: MCPServer, context_factory: Callable[[Context[Any, Any]], ToolContext], enabled_tools: Collection[str]
) -> list[str]:
    """The person resource (with customer_360) and the prompts whose tools are in ``enabled_tools``."""
    names = register_resources(server, context_factory) if PERSON.name in enabled_tools else []
    if DATA_REQUEST.name in enabled_tools:
        register_export_resources(server, context_factory)  # its files over HTTP, for the caller that made them
    return names + register_prompts(server, enabled_tools)
