"""Build the TWC client for its backend: the real API (a tenant's client credentials, the gateway and its Keycloak)
or the embedded sandbox.

Backend selection is the server's (``uc_mcp/backends.py``): any ``TWC_*`` setting means the real API, and a missing
or malformed credential is then an error naming the variable, never a silent fallback to demo data.

Every request carries ``Authorization: Bearer <token>`` and ``X-TWC-Tenant: <tenant>`` (reference §2). The token
comes from the tenant's realm, ``{auth}/auth/realms/{tenant}/protocol/openid-connect/token``, through
``core/auth.py``'s ``ClientCredentialsAuth``: fetched on first use, cached, renewed shortly before ``expires_in``
runs out and once when the API answers 401, one renewal at a time. The client secret and the token are secrets
of that auth: the shared client scrubs them from every error and log line, and neither is ever in a result or the
audit (they are never arguments or answers of a tool).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import httpx2

from ..core.auth import ClientCredentialsAuth
from ..core.credentials import check_base_url as check_https_base_url
from ..core.credentials import is_loopback, not_a_credential, scheme_and_host
from ..core.errors import ConfigurationError, safe_url
from ..core.http import HttpCore, HttpOptions, RetryPolicy
from ..core.ratelimit import RateLimiter, SharedPace
from ..core.sandbox.database import SandboxDatabase
from ..core.tenants import shared_pace
from .api import SERVICE_PREFIX, TwcApi
from .envelope import TwcEnvelope
from .settings import DEFAULT_CONCURRENCY, ENVIRONMENT_HOSTS, TwcSettings

if TYPE_CHECKING:
    from pydantic import SecretStr

    from .sandbox.runtime import Sandbox

CLIENT_ID: Final = "TWC_CLIENT_ID"
CLIENT_SECRET: Final = "TWC_CLIENT_SECRET"
TENANT: Final = "TWC_TENANT"
TENANT_HEADER: Final = "X-TWC-Tenant"
BASE_URL_EXAMPLE: Final = (
    "https://api.au-aws.thewishlist.io (production), https://api.au-sandbox.thewishlist.io (TWC's sandbox), or "
    "http://127.0.0.1:PORT for `uc-mcp sandbox twc`"
)
AUTH_URL_EXAMPLE: Final = "https://auth.au-aws.thewishlist.io (production) or https://auth.au-sandbox.thewishlist.io"
# A tenant id is a Keycloak realm's name and a header value: letters, digits and - _ . (assumed: TWC's tenant ids
# are short slugs; anything else would have to be encoded in the token URL, and a realm never needs it).
_TENANT: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
TOKEN_SETTINGS: Final = "TWC_TENANT and TWC_AUTH_URL (together they name the tenant realm's token URL)"
CREDENTIAL_SETTINGS: Final = "TWC_CLIENT_ID and TWC_CLIENT_SECRET (and that TWC_TENANT is the tenant they belong to)"


def tenant_problem(tenant: str) -> str | None:
    """Why ``tenant`` cannot be a tenant id, without quoting it; None when it may be one."""
    if _TENANT.match(tenant):
        return None
    return "expected the tenant id: letters, digits, '-', '_' or '.', at most 100 characters"


def client_credentials(settings: TwcSettings) -> tuple[str, str, str]:
    """The configured client id, secret and tenant; ConfigurationError naming each missing or unusable one."""
    client_id = (settings.twc_client_id or "").strip()
    secret = settings.twc_client_secret.get_secret_value().strip() if settings.twc_client_secret else ""
    tenant = (settings.twc_tenant or "").strip()
    missing = [name for name, value in ((CLIENT_ID, client_id), (CLIENT_SECRET, secret), (TENANT, tenant)) if not value]
    if missing:
        named = " and ".join((", ".join(missing[:-1]), missing[-1])) if len(missing) > 1 else missing[0]
        verb = "are" if len(missing) > 1 else "is"
        raise ConfigurationError(
            f"The TWC API was selected (a TWC_* setting is present) but {named} {verb} not set: TWC needs the "
            f"tenant's client id and secret (Store Owner Portal) and its tenant id. Set {', '.join(missing)}, or "
            "remove every TWC_* setting (or set UC_MCP_BACKEND=sandbox) to run on the embedded sandbox."
        )
    for name, value, kind in ((CLIENT_ID, client_id, "client id"), (CLIENT_SECRET, secret, "client secret")):
        problem = not_a_credential(value)  # a placeholder left in (core/credentials.py)
        if problem:
            raise ConfigurationError(
                f"{name} is not a usable credential ({len(value)} characters, value not shown): {problem}. Set it to "
                f"your TWC {kind}, or remove every TWC_* setting to run on the embedded sandbox."
            )
    problem = tenant_problem(tenant)
    if problem:
        raise ConfigurationError(f"{TENANT} is not a tenant id ({len(tenant)} characters, value not shown): {problem}.")
    return client_id, secret, tenant


def auth_root(settings: TwcSettings) -> str:
    """The Keycloak server's root: ``TWC_AUTH_URL``, else derived from ``TWC_BASE_URL``: TWC's ``api.`` host has
    an ``auth.`` twin (reference §1); any other host (a ``uc-mcp sandbox twc``, a proxy) is taken to serve both."""
    if settings.twc_auth_url:
        return settings.twc_auth_url.strip().rstrip("/")
    base = settings.twc_base_url.strip().rstrip("/")
    parts = urlsplit(base)
    host = parts.hostname or ""
    if host.startswith("api.") and host.endswith(".thewishlist.io"):
        netloc = parts.netloc.replace(host, "auth." + host.removeprefix("api."), 1)
        return urlunsplit((parts.scheme, netloc, "", "", ""))
    return base


def token_url(root: str, tenant: str) -> str:
    """The tenant realm's token endpoint under the auth server's root."""
    return f"{root.rstrip('/')}/auth/realms/{quote(tenant, safe='')}/protocol/openid-connect/token"


def check_urls(settings: TwcSettings) -> None:
    """``TWC_BASE_URL`` and the auth server must be https (plain http only to this machine: the secret and the
    token must not cross a network unencrypted); the base URL is the gateway's root (the client adds
    ``/services/customerservice/api/v2``) and the auth URL the server's root (the client adds the realm's path)."""
    base = settings.twc_base_url.strip()
    check_https_base_url(base, variable="TWC_BASE_URL", example=BASE_URL_EXAMPLE, secret="the bearer token")
    path = urlsplit(base).path.rstrip("/")
    if path.endswith(("/services", "/customerservice", "/api/v2", "/customers")) or "/customerservice" in path:
        raise ConfigurationError(
            f"TWC_BASE_URL={safe_url(base)!r} holds the service's path, but the client adds {SERVICE_PREFIX} itself: "
            f"set it to the gateway's root, e.g. {BASE_URL_EXAMPLE}."
        )
    if settings.twc_auth_url:
        auth = settings.twc_auth_url.strip()
        check_https_base_url(auth, variable="TWC_AUTH_URL", example=AUTH_URL_EXAMPLE, secret="the client secret")
        if "/realms/" in urlsplit(auth).path or auth.rstrip("/").endswith("/token"):
            raise ConfigurationError(
                f"TWC_AUTH_URL={safe_url(auth)!r} holds a realm's path, but the client adds "
                "/auth/realms/<TWC_TENANT>/protocol/openid-connect/token itself: set it to the auth server's root, "
                f"e.g. {AUTH_URL_EXAMPLE}."
            )


def environment_of(base_url: str) -> str | None:
    """Which TWC environment a gateway URL is (production, TWC's sandbox), "this machine" for a loopback sandbox;
    None for a host that is not TWC's."""
    host = (scheme_and_host(base_url)[1] or "").lower()
    if host in ENVIRONMENT_HOSTS:
        return ENVIRONMENT_HOSTS[host]
    if host.endswith(".thewishlist.io"):
        return "a TWC host"
    if is_loopback(host):
        return "this machine"
    return None


def check_twc(settings: TwcSettings, backend: Literal["api", "sandbox"]) -> None:
    """The provider's start-up check (``Provider.check_configuration``): without the network or creating a file."""
    if backend == "api":
        client_credentials(settings)
        check_urls(settings)
        return
    # (UC_MCP_TWC_SANDBOX_TENANT is checked when the sandbox opens: its tenants are the demo data's.)
    sandbox_database(settings).check()


def sandbox_database(settings: TwcSettings) -> SandboxDatabase:
    """The embedded sandbox's database (``UC_MCP_TWC_SANDBOX_DB``, else beside the other providers' by default)."""
    return SandboxDatabase(
        settings.sandbox_db_path,
        variable="UC_MCP_TWC_SANDBOX_DB",
        chosen=settings.twc_sandbox_db is not None,
        title="TWC sandbox database",
        holds="TWC's embedded sandbox",
    )


def open_sandbox(settings: TwcSettings) -> Sandbox:
    """The embedded sandbox on ``UC_MCP_TWC_SANDBOX_DB`` (created and seeded on first use). A database that cannot
    be created or opened is a ConfigurationError naming the variable and the path."""
    from .sandbox.runtime import Sandbox, SandboxOptions

    options = SandboxOptions(
        db=settings.sandbox_db_path, customers=settings.twc_sandbox_customers, seed=settings.twc_sandbox_seed
    )
    return sandbox_database(settings).open(lambda: Sandbox(options))


def tenant_auth(
    token_endpoint: str,
    client_id: str,
    secret: str,
    tenant: str,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    clock: Callable[[], float] | None = None,
) -> ClientCredentialsAuth:
    """The bearer token of one tenant's client, renewed by itself, and ``X-TWC-Tenant`` on every call."""
    return ClientCredentialsAuth(
        token_endpoint,
        client_id,
        secret,
        headers={TENANT_HEADER: tenant},
        credentials_setting=CREDENTIAL_SETTINGS,
        token_url_setting=TOKEN_SETTINGS,
        transport=transport,
        clock=clock or time.monotonic,
    )


def twc_api(
    settings: TwcSettings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    redis_url: SecretStr | None = None,
    retry: RetryPolicy | None = None,
    clock: Callable[[], float] | None = None,
) -> TwcApi:
    """A client for the real TWC API of ``TWC_TENANT``, paced at ``settings.pace`` and slowed further by any 429;
    with ``UC_MCP_REDIS_URL`` the pace is shared by every replica calling the same tenant. ``transport`` serves both
    the token endpoint and the API (tests; a real client reaches them over the network)."""
    client_id, secret, tenant = client_credentials(settings)
    check_urls(settings)
    concurrency = settings.twc_concurrency or DEFAULT_CONCURRENCY
    auth = tenant_auth(
        token_url(auth_root(settings), tenant), client_id, secret, tenant, transport=transport, clock=clock
    )
    options = HttpOptions(
        base_url=settings.twc_base_url.strip().rstrip("/"),
        auth=auth,
        envelope=TwcEnvelope(),
        transport=transport,
        limiter=RateLimiter(settings.pace, concurrency, shared=shared_pace(redis_url, f"{tenant}:{client_id}")),
        retry=retry or RetryPolicy(),
        base_url_setting="TWC_BASE_URL",
        base_url_example=BASE_URL_EXAMPLE,
    )
    return TwcApi(HttpCore(options))


def sandbox_clock(sandbox: Sandbox) -> Callable[[], float]:
    """The sandbox's clock in seconds: the auth renews its token on the same time the sandbox expires it by (a
    test that moves the sandbox's clock past a token's lifetime sees it renewed before it is refused)."""
    return lambda: sandbox.store.clock.now().timestamp()


def sandbox_api(
    sandbox: Sandbox,
    *,
    tenant: str | None = None,
    rate: float | None = None,
    concurrency: int | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    shared: SharedPace | None = None,
    clock: Callable[[], float] | None = None,
) -> TwcApi:
    """A client of one tenant (default: the sandbox's first) on the in-process sandbox, through the transport that
    behaves like a network, with the tenant's demo client credentials: its token is fetched from the sandbox's
    realm like a real one, on the sandbox's clock unless ``clock`` says otherwise (unpaced unless the sandbox
    answers 429)."""
    from .sandbox.runtime import IN_PROCESS_BASE_URL, token_path

    tenant = sandbox.default_tenant if tenant is None else tenant
    if tenant not in sandbox.options.tenants:
        raise ConfigurationError(
            f"UC_MCP_TWC_SANDBOX_TENANT is not one of the sandbox's tenants: use one of {', '.join(sandbox.options.tenants)}."
        )
    client_id, secret = sandbox.options.tenants[tenant]
    auth = tenant_auth(
        IN_PROCESS_BASE_URL + token_path(tenant),
        client_id,
        secret,
        tenant,
        transport=sandbox.transport(),
        clock=clock or sandbox_clock(sandbox),
    )
    options = HttpOptions(
        base_url=IN_PROCESS_BASE_URL,
        auth=auth,
        envelope=TwcEnvelope(),
        transport=sandbox.transport(),
        limiter=RateLimiter(rate, concurrency, shared=shared),
        retry=retry or RetryPolicy(),
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0)),
        base_url_setting="the TWC sandbox",
    )
    return TwcApi(HttpCore(options))
