"""Build the Voucherify client for its backend: the real API (a key pair, a regional host) or the embedded sandbox.

Backend selection is the server's (``uc_mcp/backends.py``): any ``VOUCHERIFY_*`` setting means the real API, and a
missing half of the key pair or a malformed value is then an error naming the variable, never a silent fallback
to demo data. Every request carries ``X-App-Id`` and ``X-App-Token`` (reference §2: both, always) and
``X-Voucherify-Channel: uc-mcp/<version>`` (nothing depends on it; it tells Voucherify's logs who called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import urlsplit

import httpx2

from .. import __version__
from ..core.auth import HeaderAuth
from ..core.credentials import check_base_url as check_https_base_url
from ..core.credentials import is_loopback, not_a_credential, scheme_and_host
from ..core.errors import ConfigurationError, safe_url
from ..core.http import HttpCore, HttpOptions, RetryPolicy
from ..core.ratelimit import RateLimiter, SharedPace
from ..core.sandbox.database import SandboxDatabase
from ..core.tenants import shared_pace
from .api import VoucherifyApi
from .envelope import VoucherifyEnvelope
from .settings import DEFAULT_CONCURRENCY, REGION_HOSTS, VoucherifySettings

if TYPE_CHECKING:
    from pydantic import SecretStr

    from .sandbox.runtime import Sandbox

CHANNEL: Final = f"uc-mcp/{__version__}"
CHANNEL_HEADER: Final = {"X-Voucherify-Channel": CHANNEL}
BASE_URL_EXAMPLE: Final = (
    "https://api.voucherify.io (Europe), https://us1.api.voucherify.io (US), https://as1.api.voucherify.io (Asia), "
    "or http://127.0.0.1:PORT for `uc-mcp sandbox voucherify`"
)
APP_ID: Final = "VOUCHERIFY_APP_ID"
APP_TOKEN: Final = "VOUCHERIFY_APP_TOKEN"


def key_pair(settings: VoucherifySettings) -> tuple[str, str]:
    """The configured ``X-App-Id`` and ``X-App-Token``; ConfigurationError naming the missing or unusable half."""
    app_id = (settings.voucherify_app_id or "").strip()
    token = settings.voucherify_app_token.get_secret_value().strip() if settings.voucherify_app_token else ""
    if not app_id and not token:
        raise ConfigurationError(
            "The Voucherify API was selected (a VOUCHERIFY_* setting is present) but no key pair is set: set "
            f"{APP_ID} and {APP_TOKEN} (Project settings > General > Application keys), or remove every "
            "VOUCHERIFY_* setting (or set UC_MCP_BACKEND=sandbox) to run on the embedded sandbox."
        )
    missing = APP_TOKEN if app_id and not token else APP_ID if token and not app_id else None
    if missing is not None:
        present = APP_ID if missing == APP_TOKEN else APP_TOKEN
        raise ConfigurationError(
            f"{missing} is not set: Voucherify needs both halves of the key pair on every request, and only "
            f"{present} is set. Set {missing} too (Project settings > General > Application keys)."
        )
    for name, value, kind in ((APP_ID, app_id, "application id"), (APP_TOKEN, token, "secret key")):
        problem = not_a_credential(value)  # a placeholder left in (core/credentials.py)
        if problem:
            raise ConfigurationError(
                f"{name} is not a usable credential ({len(value)} characters, value not shown): {problem}. Set it to "
                f"your Voucherify {kind}, or remove every VOUCHERIFY_* setting to run on the embedded sandbox."
            )
    return app_id, token


def key_pair_auth(app_id: str, token: str) -> HeaderAuth:
    """The two headers on every request: the id is sent as it is (it names the project), the token as a secret."""
    return HeaderAuth({"X-App-Token": token}, public={"X-App-Id": app_id})


def region_of(base_url: str) -> str | None:
    """The region of a shared Voucherify host, "a dedicated cluster" for another ``*.voucherify.io`` host, "this
    machine" for a loopback sandbox; None for a host that is not Voucherify's."""
    host = (scheme_and_host(base_url)[1] or "").lower()
    if host in REGION_HOSTS:
        return REGION_HOSTS[host]
    if host.endswith(".voucherify.io"):
        return "a dedicated cluster"
    if is_loopback(host):
        return "this machine"
    return None


def check_base_url(settings: VoucherifySettings) -> None:
    """``VOUCHERIFY_BASE_URL`` must be https (plain http only to this machine, a ``uc-mcp sandbox voucherify``) and
    the API's root: no ``/v1`` (every path the client sends starts with it)."""
    url = settings.voucherify_base_url.strip()
    check_https_base_url(url, variable="VOUCHERIFY_BASE_URL", example=BASE_URL_EXAMPLE, secret="the key pair")
    if urlsplit(url).path.rstrip("/").endswith("/v1"):
        raise ConfigurationError(
            f"VOUCHERIFY_BASE_URL={safe_url(url)!r} ends in /v1, but the client adds /v1 itself: set it to the host "
            f"alone, e.g. {BASE_URL_EXAMPLE}."
        )


def check_voucherify(settings: VoucherifySettings, backend: Literal["api", "sandbox"]) -> None:
    """The provider's start-up check (``Provider.check_configuration``): without the network or creating a file."""
    if backend == "api":
        key_pair(settings)
        check_base_url(settings)
        return
    sandbox_database(settings).check()


def sandbox_database(settings: VoucherifySettings) -> SandboxDatabase:
    """The embedded sandbox's database (``UC_MCP_VOUCHERIFY_SANDBOX_DB``, else beside UltraCart's by default)."""
    return SandboxDatabase(
        settings.sandbox_db_path,
        variable="UC_MCP_VOUCHERIFY_SANDBOX_DB",
        chosen=settings.voucherify_sandbox_db is not None,
        title="Voucherify sandbox database",
        holds="Voucherify's embedded sandbox",
    )


def open_sandbox(settings: VoucherifySettings) -> Sandbox:
    """The embedded sandbox on ``UC_MCP_VOUCHERIFY_SANDBOX_DB`` (created and seeded on first use). A database that
    cannot be created or opened is a ConfigurationError naming the variable and the path."""
    from .sandbox.runtime import Sandbox, SandboxOptions

    options = SandboxOptions(
        db=settings.sandbox_db_path,
        customers=settings.voucherify_sandbox_customers,
        seed=settings.voucherify_sandbox_seed,
        app_id=settings.voucherify_sandbox_app_id,
        app_token=settings.voucherify_sandbox_app_token.get_secret_value(),
    )
    return sandbox_database(settings).open(lambda: Sandbox(options))


def voucherify_api(
    settings: VoucherifySettings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    redis_url: SecretStr | None = None,
    retry: RetryPolicy | None = None,
) -> VoucherifyApi:
    """A client for the real Voucherify API, paced at ``settings.pace`` (the Business plan's 100 requests a minute
    unless ``UC_MCP_VOUCHERIFY_RATE_LIMIT`` says otherwise) and slowed further by any 429; with
    ``UC_MCP_REDIS_URL`` the pace is shared by every replica calling the same project."""
    app_id, token = key_pair(settings)
    check_base_url(settings)
    concurrency = settings.voucherify_concurrency or DEFAULT_CONCURRENCY
    options = HttpOptions(
        base_url=settings.voucherify_base_url.strip().rstrip("/"),
        headers=CHANNEL_HEADER,
        auth=key_pair_auth(app_id, token),
        secrets=(app_id,),
        envelope=VoucherifyEnvelope(),
        transport=transport,
        limiter=RateLimiter(settings.pace, concurrency, shared=shared_pace(redis_url, f"{app_id}:{token}")),
        retry=retry or RetryPolicy(),
        base_url_setting="VOUCHERIFY_BASE_URL",
        base_url_example=BASE_URL_EXAMPLE,
    )
    return VoucherifyApi(HttpCore(options))


def sandbox_api(
    sandbox: Sandbox,
    *,
    rate: float | None = None,
    concurrency: int | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    shared: SharedPace | None = None,
) -> VoucherifyApi:
    """A client for the in-process sandbox, through the transport that behaves like a network (unpaced unless
    the sandbox answers 429)."""
    from .sandbox.runtime import IN_PROCESS_BASE_URL

    options = HttpOptions(
        base_url=IN_PROCESS_BASE_URL,
        headers=CHANNEL_HEADER,
        auth=key_pair_auth(sandbox.options.app_id, sandbox.options.app_token),
        envelope=VoucherifyEnvelope(),
        transport=sandbox.transport(),
        limiter=RateLimiter(rate, concurrency, shared=shared),
        retry=retry or RetryPolicy(),
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0)),
        base_url_setting="the Voucherify sandbox",
    )
    return VoucherifyApi(HttpCore(options))
