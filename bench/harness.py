"""An in-process uc-mcp server on a sandbox database, driven through the SDK's in-memory ``Client``."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import bench_settings

BYTES_PER_TOKEN = 4  # uc_mcp.core.budget: tokens are estimated as UTF-8 bytes / 4, rounded up


def tokens(size: int) -> int:
    return -(-size // BYTES_PER_TOKEN)


def seed_database(path: Path, customers: int, seed: int = 2017) -> Path:
    """Create and seed a sandbox database at ``path`` (once; an existing one is reused)."""
    from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        Sandbox(SandboxOptions(db=path, customers=customers, seed=seed)).close()
    return path


def copy_database(seeded: Path, folder: Path, name: str) -> Path:
    """A private copy of a seeded database (a run may change its copy)."""
    copy = folder / name
    shutil.copyfile(seeded, copy)
    return copy


@dataclass(slots=True)
class Call:
    tool: str
    arguments: dict[str, Any]
    text_bytes: int
    is_error: bool
    payload: dict[str, Any] = field(repr=False)

    @property
    def tokens(self) -> int:
        return tokens(self.text_bytes)


@dataclass(slots=True)
class Session:
    """A connected client, the server's runtime (its API client and sandbox), and the calls made so far."""

    client: Any
    runtime: Any
    calls: list[Call] = field(default_factory=list)

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a tool; returns the result's JSON. The text the model reads is measured and logged."""
        arguments = arguments or {}
        result = await self.client.call_tool(tool, arguments)
        text = "".join(getattr(part, "text", "") for part in result.content)
        try:
            payload = json.loads(text) if not result.is_error else {"error": text}
        except json.JSONDecodeError:
            payload = {"text": text}
        self.calls.append(Call(tool, arguments, len(text.encode("utf-8")), bool(result.is_error), payload))
        if result.is_error:
            raise RuntimeError(f"{tool}({arguments}) failed: {text}")
        return dict(payload)

    def mark(self) -> int:
        return len(self.calls)

    def since(self, mark: int) -> list[Call]:
        return self.calls[mark:]


@asynccontextmanager
async def session(db: Path, customers: int, **overrides: Any) -> AsyncIterator[Session]:
    """A uc-mcp server (``build_server``) on the sandbox at ``db``, connected in memory."""
    from mcp.client import Client

    from uc_mcp.server import build_server, runtime_of

    server = build_server(bench_settings(db, customers, **overrides))
    runtime = runtime_of(server)
    runtime.client()  # open the sandbox now: its seeding or opening is not part of any measured call
    try:
        async with Client(server) as client:
            yield Session(client, runtime)
    finally:
        await runtime.client().aclose()  # the client opened above (kept by the runtime)
        runtime.sandbox.close()
