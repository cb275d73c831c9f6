"""Build the UltraCart client for the configured backend: the real API or the embedded sandbox.

Backend selection (DESIGN.md): ``auto`` picks the embedded sandbox only for stdio with no
``ULTRACART_*`` variable set at all; any such variable means the real API, and a missing or
malformed credential is then an error, never a silent fallback. Over HTTP the sandbox must be
chosen explicitly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import httpx2

from ..core.http import HttpCore, HttpOptions, RetryPolicy
from ..core.ratelimit import RateLimiter, SharedPace
from .api import API_VERSION, UltraCartApi

if TYPE_CHECKING:
    from ..settings import Settings
    from .sandbox.runtime import Sandbox

Backend = Literal["sandbox", "ultracart"]


class ConfigurationError(Exception):
    """A configuration that cannot work; the message says what to set."""


def choose_backend(settings: Settings, transport: Literal["stdio", "http"] = "stdio") -> Backend:
    if settings.backend == "sandbox":
        return "sandbox"
    if settings.backend == "ultracart":
        return "ultracart"
    if transport == "stdio" and not settings.ultracart_configured():
        return "sandbox"
    if transport == "http" and not settings.ultracart_configured():
        raise ConfigurationError(
            "No UltraCart credentials: set ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN, or choose the "
            "embedded sandbox explicitly with UC_MCP_BACKEND=sandbox."
        )
    return "ultracart"


def _credential_headers(settings: Settings) -> tuple[dict[str, str], tuple[str, ...]]:
    key = settings.ultracart_api_key.get_secret_value().strip() if settings.ultracart_api_key else ""
    token = settings.ultracart_oauth_token.get_secret_value().strip() if settings.ultracart_oauth_token else ""
    if key and token:
        raise ConfigurationError("Set either ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN, not both.")
    secret = key or token
    if not secret:
        raise ConfigurationError(
            "The UltraCart API was selected but no credential is set: set ULTRACART_API_KEY (a simple key) "
            "or ULTRACART_OAUTH_TOKEN."
        )
    if any(ch.isspace() for ch in secret) or not secret.isprintable() or not secret.isascii():
        name = "ULTRACART_API_KEY" if key else "ULTRACART_OAUTH_TOKEN"
        raise ConfigurationError(f"{name} is malformed: expected one printable ASCII word without spaces.")
    header = {"x-ultracart-simple-key": secret} if key else {"Authorization": f"Bearer {secret}"}
    return header, (secret,)


def check_credentials(settings: Settings) -> None:
    """Raise ConfigurationError when the real API is selected without a usable credential."""
    _credential_headers(settings)


def shared_pace(settings: Settings, credential: str) -> SharedPace | None:
    """With ``UC_MCP_REDIS_URL``, the pace timeline every replica shares for the store this credential
    opens (keyed by its tenant name, a hash: never the credential); otherwise None (pace per process)."""
    if settings.redis_url is None:
        return None
    from ..core.shared_state import RedisPace
    from ..http_auth import tenant_of

    return RedisPace(settings.redis_url.get_secret_value(), tenant_of(credential))


def ultracart_api(settings: Settings, *, transport: httpx2.AsyncBaseTransport | None = None) -> UltraCartApi:
    """A client for the real UltraCart API (one request at a time unless configured otherwise); with
    ``UC_MCP_REDIS_URL`` its pace is shared with every replica calling the same store."""
    headers, secrets = _credential_headers(settings)
    base_url = settings.ultracart_base_url
    if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ConfigurationError("ULTRACART_BASE_URL must be an https:// URL.")
    options = HttpOptions(
        base_url=base_url,
        headers={"X-UltraCart-Api-Version": API_VERSION, **headers},
        secrets=secrets,
        transport=transport,
        limiter=RateLimiter(settings.rate_limit, settings.concurrency or 1, shared=shared_pace(settings, secrets[0])),
    )
    return UltraCartApi(HttpCore(options))


def sandbox_api(
    sandbox: Sandbox,
    *,
    rate: float | None = None,
    concurrency: int | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    shared: SharedPace | None = None,
) -> UltraCartApi:
    """A client for the in-process sandbox, through the transport that behaves like a network
    (``shared``: a pace timeline shared with other processes, see ``ultracart_api``)."""
    from .sandbox.runtime import IN_PROCESS_BASE_URL

    key = sandbox.options.api_key
    options = HttpOptions(
        base_url=IN_PROCESS_BASE_URL,
        headers={"X-UltraCart-Api-Version": API_VERSION, "x-ultracart-simple-key": key},
        secrets=(key,),
        transport=sandbox.transport(),
        limiter=RateLimiter(rate, concurrency, shared=shared),
        retry=retry or RetryPolicy(),
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0)),
    )
    return UltraCartApi(HttpCore(options))
