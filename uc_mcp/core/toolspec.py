"""Tools as data: one ``ToolSpec`` per tool, registered on ``MCPServer`` from the provider's table.

A spec holds everything a host sees (name, title, description, input and output schema, the four
annotations, ``_meta``) and everything the server does (toolset, whether it is guarded, the
handler). ``build_tool`` turns a spec into the SDK's ``Tool``:

- the published ``inputSchema`` is the spec's pydantic input model's schema, but the SDK is handed
  a permissive argument model, so that *we* validate: the SDK's own validation message repeats the
  rejected values (a password, say), ours names the field and what was expected, never the value;
- the handler returns a result dict; the text content and ``structuredContent`` are the same
  compact JSON, built once (``result_json``);
- every provider error becomes an ``isError`` result with its one-line message; anything else
  becomes a generic failure, never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError

from .budget import result_json
from .errors import ProviderError

log = logging.getLogger("uc_mcp.tools")

Handler = Callable[[BaseModel, "ToolContext"], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    title: str
    description: str
    toolset: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    handler: Handler
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = True
    guarded: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def annotations(self) -> ToolAnnotations:
        return ToolAnnotations(
            title=self.title,
            read_only_hint=self.read_only,
            destructive_hint=self.destructive,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )

    def input_schema(self) -> dict[str, Any]:
        return _clean_schema(self.input_model.model_json_schema(by_alias=True))

    def output_schema(self) -> dict[str, Any]:
        return _clean_schema(self.output_model.model_json_schema(by_alias=True, mode="serialization"))


@dataclass(slots=True)
class ToolContext:
    """What a handler gets besides its validated input: the provider client and server settings."""

    api: Any
    max_tokens: int
    backend: str
    mcp: Context[Any, Any] | None = None


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's ``title`` keys on properties: the description says it, in fewer bytes."""

    def walk(node: Any, parent_key: str | None) -> Any:
        if isinstance(node, dict):
            return {
                key: walk(value, key)
                for key, value in node.items()
                if not (key == "title" and parent_key != "properties" and isinstance(value, str))
            }
        if isinstance(node, list):
            return [walk(item, None) for item in node]
        return node

    cleaned: dict[str, Any] = walk(schema, None)
    return cleaned


class AnyArguments(ArgModelBase):
    """Accepts any arguments and hands them over whole: validation is ours (see module doc)."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


def validation_message(tool: str, error: ValidationError) -> str:
    """Field names and expectations only; never the rejected value."""
    problems = []
    for item in error.errors(include_input=False, include_url=False)[:5]:
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        kind = item["type"]
        if kind == "missing":
            problems.append(f"{where}: required")
        elif kind == "extra_forbidden":
            problems.append(f"{where}: not a parameter of this tool")
        else:
            problems.append(f"{where}: {item['msg']}")
    more = len(error.errors()) - len(problems)
    tail = f" (and {more} more)" if more > 0 else ""
    return f"Invalid arguments for {tool}: " + "; ".join(problems) + tail + ". Fix them and call again."


def error_result(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def success_result(payload: Mapping[str, Any]) -> CallToolResult:
    text = result_json(payload)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=json.loads(text))


def build_tool(spec: ToolSpec, context_factory: Callable[[Context[Any, Any]], ToolContext]) -> Tool:
    async def run(arguments: dict[str, Any], ctx: Context[Any, Any]) -> CallToolResult:
        # A null argument means "not given": models often send every optional parameter.
        arguments = {key: value for key, value in arguments.items() if value is not None}
        try:
            validated = spec.input_model.model_validate(arguments)
        except ValidationError as error:
            return error_result(validation_message(spec.name, error))
        try:
            payload = await spec.handler(validated, context_factory(ctx))
        except ProviderError as error:
            return error_result(str(error))
        except ValueError as error:
            # Handlers raise ValueError for input the schema cannot express (e.g. two fields
            # that exclude each other); its text is written for the model.
            return error_result(f"{spec.name}: {error}")
        except Exception:
            log.exception("tool %s failed", spec.name)
            return error_result(f"{spec.name} failed unexpectedly; the server log has details. Try again later.")
        return success_result(payload)

    metadata = FuncMetadata(arg_model=AnyArguments, output_schema=spec.output_schema())
    return Tool(
        fn=run,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        parameters=spec.input_schema(),
        fn_metadata=metadata,
        is_async=True,
        context_kwarg="ctx",
        annotations=spec.annotations,
        meta=dict(spec.meta) or None,
    )
