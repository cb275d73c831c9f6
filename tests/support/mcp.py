"""Fixtures every provider's MCP tests share (the SDK's own in-memory client on a server built from settings).

A provider's conftest imports the fixtures it uses by name (pytest finds them there) and defines
``settings_factory``: settings for one test, on that test's copy of the provider's sandbox database, seeded once per
session (``seeded_database``) and copied for every test (``database_copy``), so a test may change its copy freely.
Settings never read ``.env`` or the caller's ``ULTRACART_*`` / ``VOUCHERIFY_*`` / ``TWC_*`` / ``UC_MCP_*`` environment
(``_hermetic_env``), so the suite behaves the same on any machine.

Beside them, what the provider's tests of the same kind share: a server limited by ``--toolsets``/``--read-only``
or a token's scope (``scoped_server``), the texts of prompts, a result's text and table rows, a tool's annotations
in a few letters, the requests a sandbox received (``watch``), and the cost of a support desk's questions.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jsonschema
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, TextContent, Tool

from uc_mcp.http_auth import Scope
from uc_mcp.server import build_server, runtime_of
from uc_mcp.settings import Settings

SettingsFactory = Callable[..., Settings]
ServerFactory = Callable[..., MCPServer]
ScopedFactory = Callable[[str, list[str] | None, bool], MCPServer]
AsgiScope = dict[str, Any]
ASGIApp = Callable[[AsgiScope, Any, Any], Awaitable[None]]
PROVIDER_PREFIXES = ("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")


class Closable(Protocol):
    def close(self) -> None: ...


def make_settings(**overrides: Any) -> Settings:
    """Settings from keyword arguments only (no ``.env``; the environment is cleaned by ``_hermetic_env``)."""
    return Settings(_env_file=None, **overrides)


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(PROVIDER_PREFIXES):
            monkeypatch.delenv(name)


def seeded_database(folder: Path, name: str, open_sandbox: Callable[[Path], Closable]) -> Path:
    """A sandbox database seeded once at ``folder/name`` by ``open_sandbox`` (then closed: a clean close checkpoints
    the WAL, so the single file is the whole database)."""
    path = folder / name
    open_sandbox(path).close()
    assert path.exists() and not path.with_name(path.name + "-wal").exists()
    return path


def database_copy(seeded: Path, tmp_path: Path, name: str) -> Path:
    """This test's own copy of a seeded database."""
    copy = tmp_path / name
    shutil.copyfile(seeded, copy)
    return copy


@pytest.fixture
def server_factory(settings_factory: SettingsFactory) -> Iterator[ServerFactory]:
    """Build servers on this test's settings (its sandbox copy); close every sandbox they opened."""
    built: list[MCPServer] = []

    def factory(**overrides: Any) -> MCPServer:
        server = build_server(settings_factory(**overrides))
        built.append(server)
        return server

    yield factory
    for server in built:
        runtime_of(server).close()


@pytest.fixture
def server(server_factory: ServerFactory) -> MCPServer:
    return server_factory()


@pytest.fixture
async def client(server: MCPServer) -> AsyncIterator[Client]:
    async with Client(server) as connected:
        yield connected


@pytest.fixture
def scoped_server(settings_factory: SettingsFactory, server_factory: ServerFactory) -> Iterator[ScopedFactory]:
    """``(transport, toolsets, read_only)`` → a server limited that way: on stdio by the settings (``--toolsets``,
    ``--read-only``), over HTTP by a token's scope as the gate builds it."""
    built: list[MCPServer] = []

    def factory(transport: str, toolsets: list[str] | None, read_only: bool) -> MCPServer:
        if transport == "stdio":
            return server_factory(toolsets=toolsets, read_only=read_only)
        scope = Scope(read_only=read_only, toolsets=tuple(toolsets) if toolsets else None)
        server = build_server(settings_factory(), "http", scope=scope)
        built.append(server)
        return server

    yield factory
    for server in built:
        runtime_of(server).close()


async def prompt_texts(client: Client, names: set[str], arguments: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The text each prompt of ``names`` renders for its ``arguments``."""
    texts = {}
    for name in names:
        result = await client.get_prompt(name, dict(arguments[name]))
        texts[name] = result.messages[0].content.text  # type: ignore[union-attr]
    return texts


def text_of(result: CallToolResult) -> str:
    """A tool result's one text block."""
    assert len(result.content) == 1
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def succeeded(result: CallToolResult, tool: Tool) -> tuple[dict[str, Any], str]:
    """A successful result on the sandbox: its structured content (valid against the tool's outputSchema, the same
    as its text) and its text."""
    text = text_of(result)
    assert not result.is_error, text
    structured = result.structured_content
    assert isinstance(structured, dict)
    assert json.loads(text) == structured
    assert tool.output_schema is not None
    jsonschema.validate(structured, tool.output_schema)
    assert structured["sandbox"] is True
    return structured, text


def failed(result: CallToolResult) -> str:
    """An error result's text (it carries no structured content)."""
    text = text_of(result)
    assert result.is_error, text
    assert result.structured_content is None
    return text


def rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A table result's rows as dicts."""
    return [dict(zip(result["columns"], row, strict=True)) for row in result["items"]]


def hints(tool: Tool) -> str | None:
    """A tool's annotations in letters: Read-only, Destructive, Idempotent, Open-world (None: no annotations)."""
    if not tool.annotations:
        return None
    annotations = tool.annotations
    flags = (
        annotations.read_only_hint,
        annotations.destructive_hint,
        annotations.idempotent_hint,
        annotations.open_world_hint,
    )
    return "".join(letter for letter, hint in zip("RDIO", flags, strict=True) if hint)


# -- the requests a sandbox received --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: str


def watch(sandbox: Any, log: list[Request], refuse: Callable[[str], bytes | None] = lambda path: None) -> None:
    """Record every HTTP request that reaches the sandbox app (behind the fault layer, before the store) in ``log``;
    answer 400 with the body ``refuse(path)`` gives (a part that fails), when it gives one."""
    inner: ASGIApp = sandbox.faults.app

    async def recording(scope: AsgiScope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            log.append(Request(scope["method"], scope["path"], scope["query_string"].decode()))
            refused = refuse(scope["path"])
            if refused is not None:
                start = {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"application/json")],
                }
                await send(start)
                await send({"type": "http.response.body", "body": refused})
                return
        await inner(scope, receive, send)

    sandbox.faults.app = recording


# -- a support desk's questions: what each cost -----------------------------------------------------------------


@dataclass(slots=True)
class Cost:
    question: str
    budget: int
    results: list[tuple[str, int]] = field(default_factory=list)  # (tool, result bytes) per call

    @property
    def calls(self) -> int:
        return len(self.results)

    @property
    def bytes(self) -> int:
        return sum(size for _, size in self.results)


async def charged_call(client: Client, cost: Cost, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One tool call on the sandbox that must succeed; its result bytes are charged to ``cost``."""
    result = await client.call_tool(tool, arguments)
    text = text_of(result)
    cost.results.append((tool, len(text.encode())))
    assert not result.is_error, (tool, arguments, text)
    structured = result.structured_content
    assert isinstance(structured, dict) and json.loads(text) == structured
    assert structured["sandbox"] is True
    return structured
