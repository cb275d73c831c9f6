"""Assemble a Voucherify sandbox: store + app + fault layer, in process or on a port.

``Sandbox.client()`` is an ``httpx2`` client wired to it in process with the key pair set; ``serve`` runs it on a
socket at the real paths (``http://HOST:PORT/v1/...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from ...core.sandbox.faults import FaultConfig, FaultMiddleware
from ...core.sandbox.runtime import HostedSandbox
from .app import DEFAULT_APP_ID, DEFAULT_APP_TOKEN, SandboxApp, create_app
from .clock import Clock
from .faults import voucherify_faults
from .store import SandboxStore

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_APP_TOKEN",
    "IN_PROCESS_BASE_URL",
    "Sandbox",
    "SandboxOptions",
]

IN_PROCESS_BASE_URL = "http://sandbox.voucherify.invalid"  # paths start with /v1


@dataclass(slots=True)
class SandboxOptions:
    db: str | Path = ":memory:"
    customers: int = 120
    seed: int = 2018
    app_id: str = DEFAULT_APP_ID
    app_token: str = DEFAULT_APP_TOKEN
    faults: FaultConfig = field(default_factory=FaultConfig)
    clock: Clock | None = None


class Sandbox(HostedSandbox):
    """A running sandbox: ``store`` holds the data, ``asgi`` answers HTTP with the fault layer
    (core/sandbox/runtime.py)."""

    DEFAULT_PORT = 8766
    store: SandboxStore

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.store = SandboxStore.open(options.db, customers=options.customers, seed=options.seed, clock=options.clock)
        self.app: SandboxApp = create_app(self.store, app_id=options.app_id, app_token=options.app_token)
        self.faults: FaultMiddleware = voucherify_faults(self.app, options.faults)

    def client(self, *, timeout: float = 10.0, **kwargs: Any) -> httpx2.AsyncClient:
        """An ``httpx2`` client wired to this sandbox in process, authenticated with the key pair."""
        headers = {"X-App-Id": self.options.app_id, "X-App-Token": self.options.app_token}
        headers.update(kwargs.pop("headers", None) or {})
        return httpx2.AsyncClient(
            base_url=IN_PROCESS_BASE_URL, transport=self.transport(), timeout=timeout, headers=headers, **kwargs
        )
