"""Assemble a sandbox: store + app + fault layer, in process or on a port."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from ...core.sandbox.runtime import HostedSandbox
from .app import API_VERSION, BASE_PATH, DEFAULT_API_KEY, create_app
from .clock import Clock
from .faults import FaultConfig, ultracart_faults
from .filters import Profile
from .store import SandboxStore

IN_PROCESS_BASE_URL = "http://sandbox.uc-mcp.invalid" + BASE_PATH


@dataclass(slots=True)
class SandboxOptions:
    db: str | Path = ":memory:"
    customers: int = 250
    seed: int = 2017
    api_key: str = DEFAULT_API_KEY
    profile: Profile = Profile.DEFAULT
    faults: FaultConfig = field(default_factory=FaultConfig)
    clock: Clock | None = None


class Sandbox(HostedSandbox):
    """A running sandbox: ``store`` holds the data, ``asgi`` answers HTTP (core/sandbox/runtime.py)."""

    store: SandboxStore

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.store = SandboxStore.open(
            options.db, customers=options.customers, seed=options.seed, profile=options.profile, clock=options.clock
        )
        self.app = create_app(self.store, api_key=options.api_key)
        self.faults = ultracart_faults(self.app, options.faults)

    def client(self, *, timeout: float = 10.0, **kwargs: Any) -> httpx2.AsyncClient:
        """An ``httpx2`` client wired to this sandbox in process, authenticated."""
        return httpx2.AsyncClient(
            base_url=IN_PROCESS_BASE_URL,
            transport=self.transport(),
            timeout=timeout,
            headers={"X-UltraCart-Api-Version": API_VERSION, "x-ultracart-simple-key": self.options.api_key},
            **kwargs,
        )
