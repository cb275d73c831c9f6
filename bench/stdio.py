"""A minimal MCP client over stdio for the benchmarks: JSON-RPC lines written to a spawned server's stdin
and read from its stdout with raw ``os.read`` calls, no SDK in between — so what is timed is the server
(and the pipe), and the bytes the host receives are counted exactly as they arrive.

Only what the benchmarks need: ``initialize``, ``tools/list``, ``tools/call``; notifications the server
sends (progress, logs) are counted and skipped. Synchronous on purpose: one request in flight at a time.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import cpu_seconds

PROTOCOL_VERSION = "2025-06-18"
TIMEOUT_S = 120.0


@dataclass(slots=True)
class Reply:
    """One answer: its ``result`` (or ``error``), the bytes of its line, and the seconds it took."""

    message: dict[str, Any]
    size: int
    seconds: float

    @property
    def result(self) -> dict[str, Any]:
        if "error" in self.message:
            raise RuntimeError(f"JSON-RPC error: {self.message['error']}")
        return dict(self.message["result"])

    @property
    def text(self) -> str:
        """The text content of a tools/call result: what a host hands the model."""
        return "".join(part.get("text", "") for part in self.result.get("content", []))

    @property
    def text_bytes(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def is_error(self) -> bool:
        return "error" in self.message or bool(self.message.get("result", {}).get("isError"))


class StdioServer:
    """A server process spoken to over stdio. ``with StdioServer(argv, env, cwd) as server: ...``"""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.spawned = time.perf_counter()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  # closed in close(), with the process
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env, cwd=cwd
        )
        self._buffer = b""
        self._next_id = 1
        self.notifications = 0
        self.notification_bytes = 0

    def __enter__(self) -> StdioServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        """CPU seconds (user + system) the server has used so far."""
        return cpu_seconds(self.pid)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-4000:]

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self.process.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> Reply:
        request_id = self._next_id
        self._next_id += 1
        started = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}})
        while True:
            line = self._line(started + TIMEOUT_S)
            message = json.loads(line)
            if message.get("id") == request_id and "method" not in message:
                return Reply(message, len(line), time.perf_counter() - started)
            self.notifications += 1
            self.notification_bytes += len(line)

    def initialize(self) -> Reply:
        reply = self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "uc-mcp-bench", "version": "1"},
            },
        )
        reply.result  # noqa: B018  # raises on an error answer
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return reply

    def list_tools(self) -> Reply:
        return self.request("tools/list")

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> Reply:
        return self.request("tools/call", {"name": tool, "arguments": arguments or {}})

    def _line(self, deadline: float) -> bytes:
        """The next non-empty line. Chunks are joined once the newline arrives: a result of megabytes
        comes in pipe-sized pieces, and appending each to a growing bytes object would copy it quadratically."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while True:
            if b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                if line.strip():
                    return line
                continue
            chunks = [self._buffer]
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"no answer from {self.process.args!r}: {self.stderr()}")
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"server exited (code {self.process.wait()}): {self.stderr()}")
                chunks.append(chunk)
                if b"\n" in chunk:
                    break
            self._buffer = b"".join(chunks)

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
