"""``python -m bench.floor_server PAYLOAD.json``: a one-tool ``MCPServer`` on stdio whose tool ``answer``
returns a ready-made result — the text and structured content of a real ``ultracart_get_customer``
answer, with that tool's output schema (``PAYLOAD.json``: ``{"text": ..., "output_schema": ...}``).

It is what any MCP server built on the same SDK pays to hand this answer to a host over stdio, with no API
behind it and nothing of uc-mcp imported: the floor of figure 8.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def build(payload: dict[str, Any]) -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.tools.base import Tool
    from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
    from mcp_types import CallToolResult, TextContent
    from pydantic import ConfigDict

    class AnyArguments(ArgModelBase):
        # Any arguments, handed over whole (as uc-mcp's tools take them).
        model_config = ConfigDict(extra="allow")

        def model_dump_one_level(self) -> dict[str, Any]:
            return {"arguments": dict(self.model_extra or {})}

    text = str(payload["text"])

    async def answer(arguments: dict[str, Any], ctx: Any) -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=json.loads(text))

    tool = Tool(
        fn=answer,
        name="answer",
        description="A ready-made result.",
        parameters={"type": "object"},
        fn_metadata=FuncMetadata(arg_model=AnyArguments, output_schema=payload.get("output_schema")),
        is_async=True,
        context_kwarg="ctx",
    )
    return MCPServer(name="floor", tools=[tool])


def main() -> None:
    payload = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    build(payload).run("stdio")


if __name__ == "__main__":
    main()
