"""Assemble a TWC sandbox: store + token issuer + app + fault layer, in process or on a port.

One server answers both hosts TWC has (the ``auth.`` token endpoint and the ``api.`` gateway): the realms at
``/auth/realms/{tenant}/...`` and the customer service at ``/services/customerservice/api/v2/...``.
``Sandbox.client(tenant)`` is an ``httpx2`` client wired to it in process, with a token of that tenant already
issued and ``X-TWC-Tenant`` set; ``serve`` runs it on a socket at the same paths.

``SandboxOptions.customers`` is per tenant: each tenant gets that many demo people (its story first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from ...core.sandbox.faults import FaultConfig, FaultMiddleware
from ...core.sandbox.runtime import HostedSandbox
from .app import SERVICE_PATH, SandboxApp
from .clock import Clock
from .demo_data import DEMO_TENANTS
from .faults import twc_faults
from .store import SandboxStore
from .tokens import TOKEN_LIFETIME_SECONDS, TokenIssuer

__all__ = [
    "DEFAULT_TENANT",
    "DEMO_TENANTS",
    "IN_PROCESS_BASE_URL",
    "SERVICE_PATH",
    "TOKEN_LIFETIME_SECONDS",
    "Sandbox",
    "SandboxOptions",
    "token_path",
]

IN_PROCESS_BASE_URL = "http://sandbox.twc.invalid"  # serves /auth/realms/{tenant}/... and SERVICE_PATH/...
DEFAULT_TENANT: str = next(iter(DEMO_TENANTS))


def token_path(tenant: str) -> str:
    """The token endpoint of a tenant's realm, under the sandbox's base URL."""
    return f"/auth/realms/{tenant}/protocol/openid-connect/token"


@dataclass(slots=True)
class SandboxOptions:
    db: str | Path = ":memory:"
    customers: int = 80  # per tenant
    seed: int = 2019
    tenants: Mapping[str, tuple[str, str]] = field(default_factory=lambda: dict(DEMO_TENANTS))
    token_lifetime: int = TOKEN_LIFETIME_SECONDS
    faults: FaultConfig = field(default_factory=FaultConfig)
    clock: Clock | None = None


class Sandbox(HostedSandbox):
    """A running sandbox: ``store`` holds the data, ``asgi`` answers HTTP with the fault layer
    (core/sandbox/runtime.py)."""

    DEFAULT_PORT = 8767
    store: SandboxStore

    def __init__(self, options: SandboxOptions) -> None:
        if not options.tenants:
            raise ValueError("tenants: at least one")
        self.options = options
        self.store = SandboxStore.open(
            options.db,
            tenants=tuple(options.tenants),
            customers=options.customers,
            seed=options.seed,
            clock=options.clock,
        )
        self.tokens = TokenIssuer(
            options.tenants, self.store.signing_key, self.store.clock, options.token_lifetime, IN_PROCESS_BASE_URL
        )
        self.app = SandboxApp(self.store, self.tokens)
        self.faults: FaultMiddleware = twc_faults(self.app, options.faults)

    @property
    def default_tenant(self) -> str:
        return next(iter(self.options.tenants))

    def client(self, tenant: str | None = None, timeout: float = 10.0, **kwargs: Any) -> httpx2.AsyncClient:
        """An ``httpx2`` client wired to this sandbox in process: a token of ``tenant`` (default: the first tenant,
        ``DEFAULT_TENANT`` with the demo tenants) already issued, which expires on the sandbox clock like any other,
        and ``X-TWC-Tenant`` set. Paths are the full ones (``SERVICE_PATH + "/customers/..."``)."""
        tenant = self.default_tenant if tenant is None else tenant
        if tenant not in self.options.tenants:
            raise ValueError("tenant: not one of this sandbox's tenants")
        headers = {"Authorization": f"Bearer {self.tokens.issue(tenant)}", "X-TWC-Tenant": tenant}
        headers.update(kwargs.pop("headers", None) or {})
        return httpx2.AsyncClient(
            base_url=IN_PROCESS_BASE_URL, transport=self.transport(), timeout=timeout, headers=headers, **kwargs
        )
