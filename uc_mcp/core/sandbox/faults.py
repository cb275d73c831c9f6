"""Fault injection, rate limiting and latency for a provider's sandbox — off by default, seeded, deterministic.

One ASGI middleware decides every fault (so decisions come from one seeded random stream) and
carries it out the way the request arrived:

- on the wire (``uc-mcp sandbox``), physically: a timeout sleeps past the client's timeout, a
  reset aborts the TCP connection, a garbled body is sent as truncated JSON;
- in process (``SandboxTransport``), by answering with a marker the transport turns into the
  ``httpx2`` exception a real network would raise.

For writes, timeouts and resets come in two kinds: *before* the write is applied (retrying is
harmless) and *after* it (the server did the work; a retry would repeat it). Only the second
kind tells a safe retry policy from an unsafe one. A garbled body always comes after the work.

What differs between providers is given to :class:`FaultMiddleware`: the error body of an injected status (the
provider's own envelope) and which requests are writes (a provider's read-only POST queries are not).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import anyio

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Any

IN_PROCESS_HEADER = b"x-uc-sandbox-in-process"
FAULT_MARKER_HEADER = "x-uc-sandbox-fault"
MARKER_STATUS = 599
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
ErrorBody = Callable[[int, str], tuple[bytes, list[tuple[bytes, bytes]]]]
IsWrite = Callable[[str, str], bool]


class FaultKind(StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"
    TIMEOUT = "timeout"
    RESET = "reset"
    GARBLED = "garbled"
    # In process only (a server cannot refuse a connection it has accepted): the request
    # provably never reached the server. On the wire it acts as a reset before the work.
    CONNECT = "connect"


DEFAULT_KINDS = (
    FaultKind.RATE_LIMITED,
    FaultKind.SERVER_ERROR,
    FaultKind.UNAVAILABLE,
    FaultKind.TIMEOUT,
    FaultKind.RESET,
    FaultKind.GARBLED,
)


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    after_write: bool  # the request's work is applied before the fault strikes


@dataclass(slots=True)
class FaultConfig:
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    fault_seed: int = 0
    kinds: tuple[FaultKind, ...] = DEFAULT_KINDS
    rate_limit: float = 0.0  # requests per second; 0 = unlimited
    max_concurrency: int = 0  # concurrent requests before 429; 0 = unlimited
    timeout_sleep_s: float = 30.0  # how long a wire timeout stalls

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.fault_rate or self.rate_limit or self.max_concurrency)


def is_write(method: str, path: str) -> bool:
    """The default: every method but GET and HEAD writes (a provider names its read-only POST queries)."""
    return method in WRITE_METHODS


class FaultPlan:
    """The seeded decision stream: which request gets which fault."""

    def __init__(self, config: FaultConfig) -> None:
        self._config = config
        self._random = random.Random(config.fault_seed)
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}  # faults injected so far, by kind ("reset-after", …)

    def decide(self, write: bool) -> Fault | None:
        config = self._config
        with self._lock:
            if not config.fault_rate or not config.kinds or self._random.random() >= config.fault_rate:
                return None
            kind = self._random.choice(config.kinds)
            coin = self._random.random()
            after = write and (
                kind is FaultKind.GARBLED or (kind in (FaultKind.TIMEOUT, FaultKind.RESET) and coin < 0.5)
            )
            label = f"{kind.value}-after" if after else kind.value
            self.counts[label] = self.counts.get(label, 0) + 1
        return Fault(kind, after)


class RateLimiter:
    """UltraCart's leaky bucket: ``rate`` requests per second, a burst of one (no fixed reset)."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next_free = 0.0
        self._lock = threading.Lock()

    def admit(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now + 1e-6 < self._next_free:
                return False
            self._next_free = max(now, self._next_free) + self._interval
            return True


def plain_error_body(status: int, message: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The default error body: ``{"error": message}`` as JSON (a provider gives its own envelope)."""
    body = json.dumps({"error": message}, separators=(",", ":")).encode()
    return body, [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


async def _send_simple(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class FaultMiddleware:
    """Latency, rate limit, concurrency limit and faults in front of the sandbox app."""

    def __init__(
        self,
        app: ASGIApp,
        config: FaultConfig,
        *,
        error_body: ErrorBody = plain_error_body,
        writes: IsWrite = is_write,
    ) -> None:
        self.app = app
        self.config = config
        self.error_body = error_body
        self.writes = writes
        self.plan = FaultPlan(config)
        self.limiter = RateLimiter(config.rate_limit) if config.rate_limit > 0 else None
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        config = self.config
        in_process = any(name == IN_PROCESS_HEADER for name, _ in scope.get("headers", []))
        if self.limiter is not None and not self.limiter.admit():
            rate = config.rate_limit
            await _send_simple(send, 429, *self.error_body(429, f"rate of {rate:g} per 1 second(s) exceeded."))
            return
        if config.max_concurrency and self.in_flight >= config.max_concurrency:
            await _send_simple(send, 429, *self.error_body(429, "Too many concurrent requests from this application."))
            return
        self.in_flight += 1
        try:
            if config.latency_ms:
                await anyio.sleep(config.latency_ms / 1000)
            fault = self.plan.decide(self.writes(scope["method"], scope["path"]))
            if fault is None:
                await self.app(scope, receive, send)
            else:
                await self._inject(fault, scope, receive, send, in_process)
        finally:
            self.in_flight -= 1

    async def _inject(self, fault: Fault, scope: Scope, receive: Any, send: Any, in_process: bool) -> None:
        kind = fault.kind
        if kind in (FaultKind.RATE_LIMITED, FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE):
            status = int(kind.value)
            message = {
                429: "rate of 1000 per 3600 second(s) exceeded.",
                500: "An internal error occurred. Please try again later.",
                503: "The service is temporarily unavailable.",
            }[status]
            await _send_simple(send, status, *self.error_body(status, message))
            return
        captured: list[Message] = []
        if fault.after_write:
            # Do the work, keep the answer to ourselves.
            async def capture(message: Message) -> None:
                captured.append(message)

            await self.app(scope, receive, capture)
        if kind is FaultKind.GARBLED:
            await self._send_garbled(send, captured)
            return
        if in_process:
            await _send_simple(send, MARKER_STATUS, b"", [(FAULT_MARKER_HEADER.encode(), kind.value.encode())])
            return
        if kind is FaultKind.TIMEOUT:
            await anyio.sleep(self.config.timeout_sleep_s)
            await _send_simple(send, 504, *self.error_body(504, "Gateway timeout."))
            return
        _abort_connection(send)

    async def _send_garbled(self, send: Any, captured: list[Message]) -> None:
        body = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
        garbled = (body[: max(1, len(body) // 2)] or b'{"success": tr') + b"\x00<!-- upstream error"
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(garbled)).encode())]
        await _send_simple(send, 200, garbled, headers)


def _abort_connection(send: Any) -> None:
    """Drop the TCP connection without an answer, as a reset would.

    uvicorn's ``send`` is a bound method of its request cycle, which holds the transport.
    Anything else gets an exception, which servers turn into a dropped or failed response.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        return
    raise ConnectionResetError("sandbox fault: connection reset")
