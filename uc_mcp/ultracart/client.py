"""Build the UltraCart client for the configured backend: the real API or the embedded sandbox.

Backend selection is the server's (``uc_mcp/backends.py``, across providers): any ``ULTRACART_*`` variable means
the real API, and a missing or malformed credential is then an error, never a silent fallback. The functions
here take the server's settings or UltraCart's own (``UltraCartSettings``) alike.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import httpx2

from ..core.auth import HeaderAuth
from ..core.errors import ConfigurationError as ConfigurationError  # callers import it from here too
from ..core.errors import safe_url
from ..core.http import HttpCore, HttpOptions, RetryPolicy
from ..core.ratelimit import RateLimiter, SharedPace
from ..core.tenants import shared_pace as shared_pace  # every provider's (core/tenants.py)
from .api import API_VERSION, UltraCartApi
from .envelope import UltraCartEnvelope
from .settings import UltraCartSettings

if TYPE_CHECKING:
    from pydantic import SecretStr

    from ..settings import Settings
    from .sandbox.runtime import Sandbox

log = logging.getLogger("uc_mcp.config")
Backend = Literal["sandbox", "ultracart"]
BASE_URL_EXAMPLE = "https://secure.ultracart.com/rest/v2, or http://127.0.0.1:PORT/rest/v2 for `uc-mcp sandbox`"
# What a credential left as the placeholder of `uc-mcp config`, .env.example or the README looks like:
# angle brackets or braces (`<your key>`, `${ULTRACART_API_KEY}` a host did not expand), quotes, or
# a placeholder word. Real simple keys are long hex strings; OAuth tokens are opaque but never these.
_PLACEHOLDER = re.compile(
    r"[<>{}\[\]\"'$]|(?:^|[^a-z])(?:your|placeholder|changeme|replace|todo)(?:[^a-z]|$)|^[.*x]+$", re.I
)


def ultracart(settings: Settings | UltraCartSettings) -> UltraCartSettings:
    """UltraCart's settings, from the server's settings or as they are."""
    if isinstance(settings, UltraCartSettings):
        return settings
    from .provider import PROVIDER

    found = settings.provider(PROVIDER)
    assert isinstance(found, UltraCartSettings)
    return found


def choose_backend(settings: Settings, transport: Literal["stdio", "http"] = "stdio") -> Backend:
    """UltraCart's backend as the server selects it (``backends.select``): "ultracart" (the real API) or
    "sandbox"; ConfigurationError when UltraCart would not run at all."""
    from ..backends import select
    from .provider import PROVIDER

    chosen = select(settings, transport)
    if PROVIDER not in chosen:
        raise ConfigurationError("UltraCart is not among the providers this configuration runs.")
    return "sandbox" if chosen[PROVIDER] == "sandbox" else "ultracart"


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
    problem = _not_a_credential(secret)
    if problem:
        raise ConfigurationError(
            f"{name} is not a usable credential ({len(secret)} characters, value not shown): {problem}. "
            f"Set it to your UltraCart {'simple key' if key else 'OAuth access token'}, or remove it to run on "
            "the embedded sandbox."
        )
    return (simple_key_auth(secret) if key else HeaderAuth.bearer(secret)), secret


def simple_key_auth(key: str) -> HeaderAuth:
    return HeaderAuth({"x-ultracart-simple-key": key})


def _not_a_credential(secret: str) -> str | None:
    """Why ``secret`` cannot be a key or token, without quoting it; None when it may be one."""
    if _PLACEHOLDER.search(secret):
        return "it looks like a placeholder left in, not a key (brackets, quotes, `$` or a word like 'your')"
    if any(ch.isspace() for ch in secret) or not secret.isprintable() or not secret.isascii():
        return "it has spaces or characters no key has (expected one printable ASCII word)"
    return None


def check_base_url(settings: Settings | UltraCartSettings) -> None:
    """``ULTRACART_BASE_URL`` must be https; plain http only to this machine (a ``uc-mcp sandbox``
    on 127.0.0.1), where nothing crosses a network."""
    url = ultracart(settings).ultracart_base_url.strip()
    scheme, host = _scheme_and_host(url)
    shown = f"ULTRACART_BASE_URL={safe_url(url)!r}"
    if scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{shown} is not a URL: set it to the API's root, e.g. {BASE_URL_EXAMPLE}.")
    if scheme == "http" and not _is_loopback(host):
        raise ConfigurationError(
            f"{shown} is not allowed: the API key would cross the network unencrypted. Set it to an https:// URL "
            f"(http:// only to this machine: 127.0.0.1, ::1 or localhost), e.g. {BASE_URL_EXAMPLE}."
        )


def _scheme_and_host(url: str) -> tuple[str, str]:
    """The URL's scheme and host; empty when it cannot be read (e.g. a port that is not a number)."""
    try:
        parts = urlsplit(url)
        _port = parts.port  # reading it checks it: ValueError for "host:port" or a number out of range
    except ValueError:
        return "", ""
    return parts.scheme, parts.hostname or ""


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_credentials(settings: Settings | UltraCartSettings) -> None:
    """Raise ConfigurationError when the real API is selected without a usable credential and base URL."""
    _credential_auth(settings)
    check_base_url(settings)


def sandbox_db_problem(path: Path) -> str | None:
    """Why the sandbox database cannot be at ``path``, found without creating anything (no SQLite, no
    file): a directory, a parent that is a file, a place this user cannot write. None when it may work."""
    if path.is_dir():
        return "it is a directory; name a file in it instead"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:  # missing directories are created on first use
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is a file, not a directory"
    # SQLite writes its -wal and -shm files beside the database: the directory must be writable too.
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"this user cannot create files in {parent}"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"this user cannot read and write {path}"
    return None


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
        problem = sandbox_db_problem(settings.sandbox_db_path)
        if problem:
            raise ConfigurationError(_sandbox_db_message(settings, problem))


def _sandbox_db_message(settings: UltraCartSettings, problem: str) -> str:
    path = settings.sandbox_db_path
    where = "" if path.is_absolute() else str(path.resolve())  # a host starts the server in another directory
    if settings.sandbox_db is None:
        named = f"The default sandbox database {path} (UC_MCP_SANDBOX_DB is not set)"
    else:
        named = f"UC_MCP_SANDBOX_DB={str(path)!r}" + (f" ({where})" if where else "")
    return (
        f"{named} cannot hold the embedded sandbox's database: {problem}. Set UC_MCP_SANDBOX_DB to a file path "
        "in a directory you can write (created and seeded on first use), or unset it for the default in the user "
        "data directory."
    )


def open_sandbox(server: Settings | UltraCartSettings) -> Sandbox:
    """The embedded sandbox on ``UC_MCP_SANDBOX_DB`` (created and seeded on first use). A database that
    cannot be created or opened is a ConfigurationError naming the variable and the path."""
    import sqlite3

    settings = ultracart(server)
    from .sandbox.filters import Profile
    from .sandbox.runtime import Sandbox, SandboxOptions

    path = settings.sandbox_db_path
    options = SandboxOptions(
        db=path,
        customers=settings.sandbox_customers,
        seed=settings.sandbox_seed,
        api_key=settings.sandbox_api_key.get_secret_value(),
        profile=Profile(settings.sandbox_profile),
    )
    try:
        return Sandbox(options)
    except (OSError, sqlite3.Error) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        message = _sandbox_db_message(settings, reason)
        log.error("configuration: %s", message)  # the operator's copy; every tool call answers with it too
        raise ConfigurationError(message) from None


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
