"""Build the UltraCart client for the configured backend: the real API or the embedded sandbox.

Backend selection is the server's (``uc_mcp/backends.py``, across providers): any ``ULTRACART_*`` variable means
the real API, and a missing or malformed credential is then an error, never a silent fallback. The functions
here take the server's settings or UltraCart's own (``UltraCartSettings``) alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import httpx2

from ..core.auth import HeaderAuth
from ..core.credentials import check_base_url as check_https_base_url
from ..core.credentials import not_a_credential
from ..core.errors import ConfigurationError as ConfigurationError  # callers import it from here too
from ..core.http import HttpCore, HttpOptions, RetryPolicy
from ..core.ratelimit import RateLimiter, SharedPace
from ..core.sandbox.database import SandboxDatabase
from ..core.tenants import shared_pace as shared_pace  # every provider's (core/tenants.py)
from .api import API_VERSION, UltraCartApi
from .envelope import UltraCartEnvelope
from .names import NAME
from .settings import UltraCartSettings

if TYPE_CHECKING:
    from pydantic import SecretStr

    from ..core.provider import Provider
    from ..settings import Settings
    from .sandbox.runtime import Sandbox

Backend = Literal["sandbox", "ultracart"]
BASE_URL_EXAMPLE = "https://secure.ultracart.com/rest/v2, or http://127.0.0.1:PORT/rest/v2 for `uc-mcp sandbox`"


def ultracart(settings: Settings | UltraCartSettings) -> UltraCartSettings:
    """UltraCart's settings, from the server's settings or as they are."""
    if isinstance(settings, UltraCartSettings):
        return settings
    found = settings.provider(_registered())
    assert isinstance(found, UltraCartSettings)
    return found


def choose_backend(settings: Settings, transport: Literal["stdio", "http"] = "stdio") -> Backend:
    """UltraCart's backend as the server selects it (``backends.select``): "ultracart" (the real API) or
    "sandbox"; ConfigurationError when UltraCart would not run at all."""
    from ..backends import select

    chosen = select(settings, transport)
    provider = _registered()
    if provider not in chosen:
        raise ConfigurationError("UltraCart is not among the providers this configuration runs.")
    return "sandbox" if chosen[provider] == "sandbox" else "ultracart"


def _registered() -> Provider:
    # UltraCart as the registry holds it (the key of the server's settings and of its backend selection), asked
    # of the registry by name: the provider module (provider.py) builds its clients from here, not the reverse.
    from ..providers import provider_named

    return provider_named(NAME)


def _credential_auth(server: Settings | UltraCartSettings) -> tuple[HeaderAuth, str]:
    """The auth for the configured credential (a simple key or an OAuth bearer token), and the credential."""
    settings = ultracart(server)
    key = settings.ultracart_api_key.get_secret_value().strip() if settings.ultracart_api_key else ""
    token = settings.ultracart_oauth_token.get_secret_value().strip() if settings.ultracart_oauth_token else ""
    if key and token:
        raise ConfigurationError("Set either ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN, not both.")
    secret = key or token
    if not secret:
        raise ConfigurationError(
            "The UltraCart API was selected (an ULTRACART_* setting is present) but no credential is set: "
            "set ULTRACART_API_KEY (a simple key) or ULTRACART_OAUTH_TOKEN, or remove every ULTRACART_* "
            "setting (or set UC_MCP_BACKEND=sandbox) to run on the embedded sandbox."
        )
    name = "ULTRACART_API_KEY" if key else "ULTRACART_OAUTH_TOKEN"
    problem = not_a_credential(secret)  # a placeholder left in (core/credentials.py)
    if problem:
        raise ConfigurationError(
            f"{name} is not a usable credential ({len(secret)} characters, value not shown): {problem}. "
            f"Set it to your UltraCart {'simple key' if key else 'OAuth access token'}, or remove it to run on "
            "the embedded sandbox."
        )
    return (simple_key_auth(secret) if key else HeaderAuth.bearer(secret)), secret


def simple_key_auth(key: str) -> HeaderAuth:
    return HeaderAuth({"x-ultracart-simple-key": key})


def check_base_url(settings: Settings | UltraCartSettings) -> None:
    """``ULTRACART_BASE_URL`` must be https; plain http only to this machine (a ``uc-mcp sandbox``
    on 127.0.0.1), where nothing crosses a network."""
    url = ultracart(settings).ultracart_base_url.strip()
    check_https_base_url(url, variable="ULTRACART_BASE_URL", example=BASE_URL_EXAMPLE, secret="the API key")


def check_credentials(settings: Settings | UltraCartSettings) -> None:
    """Raise ConfigurationError when the real API is selected without a usable credential and base URL."""
    _credential_auth(settings)
    check_base_url(settings)


def check_configuration(settings: Settings, transport: Literal["stdio", "http"]) -> Backend:
    """UltraCart's backend as these settings select it, after checking everything it needs that can be checked
    without the network or creating a file; raises ConfigurationError naming the setting to fix."""
    backend = choose_backend(settings, transport)
    check_ultracart(ultracart(settings), "sandbox" if backend == "sandbox" else "api")
    return backend


def check_ultracart(settings: UltraCartSettings, backend: Literal["api", "sandbox"]) -> None:
    """The provider's start-up check (``Provider.check_configuration``) for the backend it will run on."""
    if backend == "api":
        check_credentials(settings)
    else:
        sandbox_database(settings).check()


def sandbox_database(settings: UltraCartSettings) -> SandboxDatabase:
    """The embedded sandbox's database (``UC_MCP_SANDBOX_DB``, else the default in the user data directory)."""
    return SandboxDatabase(
        settings.sandbox_db_path,
        variable="UC_MCP_SANDBOX_DB",
        chosen=settings.sandbox_db is not None,
        title="sandbox database",
        holds="the embedded sandbox's database",
    )


def open_sandbox(server: Settings | UltraCartSettings) -> Sandbox:
    """The embedded sandbox on ``UC_MCP_SANDBOX_DB`` (created and seeded on first use). A database that
    cannot be created or opened is a ConfigurationError naming the variable and the path."""
    settings = ultracart(server)
    from .sandbox.filters import Profile
    from .sandbox.runtime import Sandbox, SandboxOptions

    options = SandboxOptions(
        db=settings.sandbox_db_path,
        customers=settings.sandbox_customers,
        seed=settings.sandbox_seed,
        api_key=settings.sandbox_api_key.get_secret_value(),
        profile=Profile(settings.sandbox_profile),
    )
    return sandbox_database(settings).open(lambda: Sandbox(options))


def ultracart_api(
    server: Settings | UltraCartSettings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    redis_url: SecretStr | None = None,
) -> UltraCartApi:
    """A client for the real UltraCart API (one request at a time unless configured otherwise); with
    ``UC_MCP_REDIS_URL`` (``redis_url``, or the server settings') its pace is shared with every replica
    calling the same store."""
    settings = ultracart(server)
    if redis_url is None and not isinstance(server, UltraCartSettings):
        redis_url = server.redis_url
    auth, credential = _credential_auth(settings)
    check_base_url(settings)
    options = HttpOptions(
        base_url=settings.ultracart_base_url.strip(),
        headers={"X-UltraCart-Api-Version": API_VERSION},
        auth=auth,
        envelope=UltraCartEnvelope(),
        transport=transport,
        limiter=RateLimiter(settings.rate_limit, settings.concurrency or 1, shared=shared_pace(redis_url, credential)),
        base_url_setting="ULTRACART_BASE_URL",
        base_url_example=BASE_URL_EXAMPLE,
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

    options = HttpOptions(
        base_url=IN_PROCESS_BASE_URL,
        headers={"X-UltraCart-Api-Version": API_VERSION},
        auth=simple_key_auth(sandbox.options.api_key),
        envelope=UltraCartEnvelope(),
        transport=sandbox.transport(),
        limiter=RateLimiter(rate, concurrency, shared=shared),
        retry=retry or RetryPolicy(),
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0)),
    )
    return UltraCartApi(HttpCore(options))
