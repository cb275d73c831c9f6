"""uvicorn's HTTP/1.1 protocol with the header-phase bounds of ``http_limits.py``: a deadline on
request headers and a cap on connections waiting for theirs (the oldest is closed past it)."""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .http_limits import DEFAULT_LIMITS, ConnectionLimits

# The connections of each uvicorn server that wait for request headers, oldest first. Keyed by the
# server's state object, so two servers in one process (tests) never evict each other's.
_WAITING: weakref.WeakKeyDictionary[Any, OrderedDict[HeaderDeadlineProtocol, None]] = weakref.WeakKeyDictionary()


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on request headers and a cap on connections waiting
    for theirs. uvicorn itself only times out a connection that is idle *between* requests
    (``timeout_keep_alive``); one that has sent part of its headers, or keeps trickling a body the
    app already answered, is held as long as it likes."""

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ConnectionLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.waiting = _WAITING.setdefault(server_state, OrderedDict())
        self.deadline: asyncio.TimerHandle | None = None
        self.awaited_after: Any = None  # the request cycle that was current when the wait began

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._headers_done_if_new_request()

    def on_response_complete(self) -> None:
        # Before uvicorn's own handling, which may already start a pipelined request.
        self._await_headers()
        super().on_response_complete()
        self._headers_done_if_new_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._stop_waiting()
        if self.transport.is_closing():
            return
        self.awaited_after = self.cycle
        self.deadline = self.loop.call_later(self.limits.header_timeout, self._close)
        self.waiting[self] = None
        while len(self.waiting) > self.limits.max_pending:
            next(iter(self.waiting))._close()

    def _headers_done_if_new_request(self) -> None:
        # uvicorn starts a new request cycle exactly when a request's headers are complete.
        if self.deadline is not None and self.cycle is not self.awaited_after:
            self._stop_waiting()

    def _stop_waiting(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.waiting.pop(self, None)

    def _close(self) -> None:
        """Too slow, or evicted: there is no request to answer yet, so the connection just closes."""
        self._stop_waiting()
        if not self.transport.is_closing():
            self.transport.close()
