"""Bounds on what an HTTP connection may hold before it has shown a token.

A connection costs the server a file descriptor from the moment it is accepted, but the bearer
token is in the request headers: until they are complete nobody knows who is calling. Without a
bound, connections that never finish their headers (or their body) stay open for ever, and a few
hundred of them use up the descriptors that authenticated calls need. So:

- the headers of each request must be complete within ``header_timeout`` of the connection being
  opened or of the previous response being sent (``http_protocol.HeaderDeadlineProtocol``, in
  uvicorn's HTTP/1.1 protocol, where the headers are read);
- at most ``max_pending`` connections of one server may be waiting for their headers at once;
  past that the one that has waited longest is closed. Evicting the oldest, rather than refusing
  the newest, keeps the server reachable: a real client sends its headers at once, so it is past
  this stage long before a flood of new connections can push it out;
- the body of a request must be complete within ``body_timeout`` (``http_app.read_body``, in the
  gate, after the token was checked), else 408 and the connection is closed.

Authenticated calls are never counted or refused here: a request whose headers are complete has
left the pending set, however long it then runs (an SSE stream, a slow tool call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DEFAULT_HEADER_TIMEOUT: Final = 10.0
DEFAULT_BODY_TIMEOUT: Final = 30.0
DEFAULT_MAX_PENDING: Final = 64


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_pending: int = DEFAULT_MAX_PENDING

    def __post_init__(self) -> None:
        if not (self.header_timeout > 0 and self.body_timeout > 0 and self.max_pending >= 1):
            raise ValueError("HTTP limits: timeouts must be positive and max pending connections at least 1")


DEFAULT_LIMITS: Final = ConnectionLimits()
