"""What every provider's assembled sandbox shares: its fault layer answers HTTP, in process (through the transport
that behaves like a network) or on a socket, and closing it closes its store.

A provider's ``Sandbox`` (``<provider>/sandbox/runtime.py``) builds its store, its app and the fault layer in
front of it, and adds its own authenticated client.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from .faults import FaultMiddleware
from .transport import SandboxTransport


class Store(Protocol):
    def close(self) -> None: ...


class HostedSandbox:
    """A running sandbox: ``store`` holds the data, ``asgi`` (the fault layer in front of the app) answers HTTP."""

    DEFAULT_PORT: ClassVar[int] = 8765
    store: Store
    faults: FaultMiddleware

    @property
    def asgi(self) -> Any:
        return self.faults

    def transport(self) -> SandboxTransport:
        return SandboxTransport(self.faults)

    def serve(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        """Serve on a socket until interrupted (blocking)."""
        import uvicorn

        uvicorn.run(
            self.faults,
            host=host,
            port=self.DEFAULT_PORT if port is None else port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )

    def close(self) -> None:
        self.store.close()
