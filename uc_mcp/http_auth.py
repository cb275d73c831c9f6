"""Who is calling over HTTP: bearer tokens with names and scopes, and the tenant of a request.

``UC_MCP_HTTP_TOKEN`` is one token with every power the server has (its name is ``default``).
``UC_MCP_HTTP_TOKENS`` names several, each with a scope, so a support seat and an automation can
share one deployment with different powers::

    UC_MCP_HTTP_TOKENS='{"support-seat": {"token": "…", "scope": "read-only"},
                         "nightly-sync": {"token": "…", "scope": ["assist", "customers"]}}'

A scope is ``"full"``, ``"read-only"`` or a list of toolsets (intersected with the server's own).
The token's name is the actor in the audit log. Tokens are compared as SHA-256 digests with
``hmac.compare_digest`` against every configured token, so neither the token nor its position
leaks through timing.

Multi-tenant mode (``UC_MCP_MULTI_TENANT=1``): each request carries the store's UltraCart
credential in ``X-UltraCart-Simple-Key`` (or ``X-UltraCart-OAuth-Token``); the tenant is a digest
of it, and confirmation tokens, single-use keys and audit records carry that tenant, so nothing
confirmed for one store can act on another.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .core.tenants import tenant_of as tenant_of  # a credential's store name (core/tenants.py)
from .settings import Settings

SCOPE_KEY: Final = "uc_mcp"  # where the gate leaves the caller in the ASGI scope's "state"
TENANT_KEY_HEADER: Final = "x-ultracart-simple-key"
TENANT_TOKEN_HEADER: Final = "x-ultracart-oauth-token"


@dataclass(frozen=True, slots=True)
class Scope:
    read_only: bool = False
    toolsets: tuple[str, ...] | None = None  # None: the server's own toolsets

    @property
    def key(self) -> str:
        """One server is built per distinct scope; this names it."""
        sets = ",".join(self.toolsets) if self.toolsets is not None else "*"
        return f"{'ro' if self.read_only else 'rw'}:{sets}"


FULL: Final = Scope()


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    scope: Scope


@dataclass(frozen=True, slots=True)
class Caller:
    """What the gate established about one HTTP request."""

    principal: Principal
    tenant: str = "default"
    # Multi-tenant mode: the store's credentials the request carried, per provider (settings field -> value).
    credentials: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class TokenConfigError(ValueError):
    pass


def _scope(value: Any, name: str) -> Scope:
    if value in (None, "full"):
        return FULL
    if value == "read-only":
        return Scope(read_only=True)
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return Scope(toolsets=tuple(value))
    raise TokenConfigError(f'UC_MCP_HTTP_TOKENS: {name}: scope must be "full", "read-only" or a list of toolsets')


def load_tokens(settings: Settings) -> dict[str, Principal]:
    """SHA-256 digest of each configured token → its principal."""
    digests: dict[str, Principal] = {}
    entries: list[tuple[str, str, Scope]] = []
    if settings.http_token is not None:
        entries.append(("default", settings.http_token.get_secret_value(), FULL))
    if settings.http_tokens is not None:
        try:
            table = json.loads(settings.http_tokens.get_secret_value())
        except ValueError:
            raise TokenConfigError("UC_MCP_HTTP_TOKENS: expected a JSON object of name -> {token, scope}") from None
        if not isinstance(table, dict):
            raise TokenConfigError("UC_MCP_HTTP_TOKENS: expected a JSON object of name -> {token, scope}")
        for name, entry in table.items():
            if name == "default" and settings.http_token is not None:
                # The name is the audit actor and owns exports: two tokens must never share it.
                raise TokenConfigError(
                    'UC_MCP_HTTP_TOKENS: the name "default" is taken by UC_MCP_HTTP_TOKEN; choose another name'
                )
            if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
                raise TokenConfigError(f'UC_MCP_HTTP_TOKENS: {name}: expected {{"token": "...", "scope": ...}}')
            entries.append((str(name), entry["token"], _scope(entry.get("scope"), str(name))))
    for name, token, scope in entries:
        if len(token) < 16:
            raise TokenConfigError(f"HTTP token {name!r} is too short: use at least 16 random characters")
        digest = hashlib.sha256(token.encode()).hexdigest()
        if digest in digests:
            raise TokenConfigError(f"HTTP token {name!r} is the same as token {digests[digest].name!r}")
        digests[digest] = Principal(name, scope)
    return digests


def authenticate(header: str | None, tokens: Mapping[str, Principal]) -> Principal | None:
    """The principal of an ``Authorization: Bearer <token>`` header, or None."""
    if not header or header[:7].lower() != "bearer ":
        return None
    offered = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    found: Principal | None = None
    for digest, principal in tokens.items():  # every entry compared: no early exit to time
        if hmac.compare_digest(digest, offered):
            found = principal
    return found


def caller_of(ctx: Any) -> Caller | None:
    """The gate's verdict for the HTTP request behind an MCP ``Context`` (None on stdio)."""
    try:
        request = getattr(ctx.request_context, "request", None)
    except Exception:  # no request context (a direct call outside a session)
        return None
    state = getattr(request, "scope", {}).get("state") if request is not None else None
    caller = state.get(SCOPE_KEY) if isinstance(state, dict) else None
    return caller if isinstance(caller, Caller) else None


def bound_principal(request_context: Any) -> str | None:
    """What the SDK binds sealed request state to: the token's name and the tenant, so a round
    started by one caller or store cannot be finished by another."""
    request = getattr(request_context, "request", None)
    state = getattr(request, "scope", {}).get("state") if request is not None else None
    caller = state.get(SCOPE_KEY) if isinstance(state, dict) else None
    return f"{caller.principal.name}@{caller.tenant}" if isinstance(caller, Caller) else None
