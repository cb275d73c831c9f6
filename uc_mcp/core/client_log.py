"""Server log messages for the MCP client: ``notifications/message``, filtered by ``logging/setLevel``.

Hosts show a server's log messages beside the conversation; a support person sees why an answer was slow (a
rate-limit wait, a retry), that a write's outcome is unknown, or that a system did not answer. Only the events
handed to :func:`tell_client` go to the client, never arbitrary log records: each is written for a person, names
records by id only, and passes the same redaction as the stderr log (secrets replaced, emails masked). Each is
logged to stderr as before, too.

Delivery rides the request that caused the event (its response stream), through a per-request channel that
:class:`ClientLogs` opens around every request and drains, in order, before the response leaves. Levels:

- handshake-era clients (protocol ≤ 2025-11-25) set a level per connection with ``logging/setLevel``; until they
  do, ``warning`` and above are sent;
- 2026-07-28 clients opt in per request (the ``io.modelcontextprotocol/logLevel`` ``_meta`` key): the SDK sends
  only what that request asked for, and ``logging/setLevel`` no longer exists for them.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
import weakref
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, get_args

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, EmptyResult, LoggingLevel, SetLevelRequestParams
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from .logs import clean_log_text
from .sdk import connection_of, set_request_handler

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

log = logging.getLogger("uc_mcp.client_log")
# The SDK marks log delivery deprecated as of protocol 2026-07-28 (where it is per request, which is what this
# module does); handshake-era hosts, most of them today, still use logging/setLevel.
warnings.filterwarnings("ignore", message="The logging capability is deprecated", module=__name__)

LEVELS: Final[tuple[LoggingLevel, ...]] = get_args(LoggingLevel)  # debug ... emergency, ascending
DEFAULT_LEVEL: Final[LoggingLevel] = "warning"
_PYTHON_LEVELS: Final[dict[LoggingLevel, int]] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}
_MAX_TEXT: Final = 500  # a log line, not a payload
# The requests whose work can have something to say (API calls happen in them); the listings cannot.
SPEAKING: Final = frozenset({"tools/call", "resources/read", "prompts/get", "completion/complete"})


@dataclass(slots=True)
class _Channel:
    """One request's way to the client: the lowest level it takes (None: every level; the SDK filters), and the
    stream its events queue on."""

    lowest: LoggingLevel | None
    send: MemoryObjectSendStream[tuple[LoggingLevel, str, str]]

    def admits(self, level: LoggingLevel) -> bool:
        return self.lowest is None or LEVELS.index(level) >= LEVELS.index(self.lowest)


_channel: ContextVar[_Channel | None] = ContextVar("uc_mcp_client_log", default=None)


def tell_client(level: LoggingLevel, logger: logging.Logger, message: str, *args: Any, stderr: bool = True) -> None:
    """Log ``message % args`` to stderr through ``logger`` (unless ``stderr`` is False: said at start-up already),
    and send it to the client of the current request when its level is admitted. The text must name records by id
    only; it is redacted again on the way out."""
    if stderr:
        logger.log(_PYTHON_LEVELS[level], message, *args)
    channel = _channel.get()
    if channel is None or not channel.admits(level):
        return
    text = clean_log_text(message % args if args else message)[:_MAX_TEXT]
    with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):  # the request answered already
        channel.send.send_nowait((level, logger.name, text))


@dataclass(slots=True)
class ClientLogs:
    """Server middleware and ``logging/setLevel``: each connection's level, and each request's channel."""

    levels: weakref.WeakKeyDictionary[Any, LoggingLevel] = field(default_factory=weakref.WeakKeyDictionary)
    # Said once per connection, the first time its level admits it: which backend each provider runs on.
    greeting: Callable[[], str] | None = None
    greeted: weakref.WeakSet[Any] = field(default_factory=weakref.WeakSet)

    def lowest(self, ctx: Any) -> LoggingLevel | None:
        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return None  # the request's own opt-in decides (the SDK drops what it did not ask for)
        return self.levels.get(connection_of(ctx), DEFAULT_LEVEL)

    async def set_level(self, ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        self.levels[connection_of(ctx)] = params.level
        return EmptyResult()

    async def __call__(self, ctx: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        if ctx.method == "logging/setLevel":
            _check_level(ctx.params)
        if ctx.method not in SPEAKING:
            return await call_next(ctx)
        send, receive = anyio.create_memory_object_stream[tuple[LoggingLevel, str, str]](math.inf)
        token = _channel.set(_Channel(self.lowest(ctx), send))
        result: Any = None
        failure: Exception | None = None

        async def drain() -> None:
            async with receive:
                async for level, logger, text in receive:
                    await _deliver(ctx, level, logger, text)

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(drain)
                try:
                    self._greet(ctx)
                    result = await call_next(ctx)
                except Exception as error:  # re-raised as itself below, not wrapped in the group's ExceptionGroup
                    failure = error
                finally:
                    send.close()  # the drain ends once what was queued has gone
        finally:
            _channel.reset(token)
        if failure is not None:
            raise failure
        return result

    def _greet(self, ctx: Any) -> None:
        if self.greeting is None:
            return
        connection = connection_of(ctx)
        if connection in self.greeted or not _channel_admits("info"):
            return
        self.greeted.add(connection)
        tell_client("info", log, "%s", self.greeting(), stderr=False)  # the server's start-up line said it


def _check_level(params: Any) -> None:
    """A level the protocol does not know is named, with the levels it does (the SDK says only "Invalid request
    parameters")."""
    level = params.get("level") if isinstance(params, Mapping) else None
    if level not in LEVELS:
        raise MCPError(code=INVALID_PARAMS, message=f"level: expected one of {', '.join(LEVELS)}")


def _channel_admits(level: LoggingLevel) -> bool:
    channel = _channel.get()
    return channel is not None and channel.admits(level)


async def _deliver(ctx: Any, level: LoggingLevel, logger: str, text: str) -> None:
    """One message on the request's stream; a client that went away loses it, the call does not fail."""
    try:
        await ctx.session.send_log_message(level, text, logger, related_request_id=ctx.request_id)
    except Exception as error:
        log.debug("a log message was not delivered: %s", type(error).__name__)


def install_client_logging(server: MCPServer, greeting: Callable[[], str] | None = None) -> ClientLogs:
    """Declare the ``logging`` capability (``logging/setLevel``) and send :func:`tell_client` events."""
    logs = ClientLogs(greeting=greeting)
    set_request_handler(server, "logging/setLevel", SetLevelRequestParams, logs.set_level)
    server.middleware.append(logs)
    return logs
