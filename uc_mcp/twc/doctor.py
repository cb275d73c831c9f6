"""TWC's part of ``uc-mcp doctor``: the backend and credentials, the environment the gateway is and where the
token comes from; then, on the network, the three things that can be wrong with a tenant's access, each a line:

- ``token endpoint``: the realm's token URL answers (a 404 there is an unknown tenant realm; no answer, a wrong
  ``TWC_AUTH_URL`` or a network problem);
- ``credentials``: the realm accepted the client id and secret (issued a bearer token);
- ``tenant header``: the customer service accepted that token with ``X-TWC-Tenant`` (one cheap authenticated read,
  a search for an address no customer has: TWC has no list or count to call instead).

What every provider's doctor shares is core/doctor.py's.
"""

from __future__ import annotations

import time
from typing import Any, Final

from ..core.doctor import OFFLINE, rate_limit, sandbox_backend, secret_hint
from ..core.errors import (
    AuthenticationFailed,
    ConfigurationError,
    NotFound,
    NotTheApi,
    ProviderError,
    Unauthorized,
    safe_url,
)
from ..core.provider import Backend, Finding, ProviderSettings
from .api import TwcApi
from .client import (
    BASE_URL_EXAMPLE,
    auth_root,
    environment_of,
    open_sandbox,
    sandbox_api,
    token_url,
    twc_api,
)
from .settings import DEFAULT_RATE, TwcSettings

# An address at a reserved domain (RFC 2606): no customer has it, so the probe answers an empty array.
PROBE_EMAIL: Final = "uc-mcp-doctor@example.invalid"


def _backend_line(settings: TwcSettings, backend: Backend, server: Any) -> Finding:
    if backend == "sandbox":
        found = sandbox_backend(settings.sandbox_db_path, server, settings.ENV_PREFIX)
        return Finding(found.level, found.check, f"{found.detail}; tenant {settings.twc_sandbox_tenant}")
    secret = settings.twc_client_secret.get_secret_value() if settings.twc_client_secret else None
    credentials = f"client id {secret_hint(settings.twc_client_id)}, secret {secret_hint(secret)}"
    return Finding(
        "ok", "backend", f"TWC at {safe_url(settings.twc_base_url)}, tenant {settings.twc_tenant}, {credentials}"
    )


def _environment_line(settings: TwcSettings) -> Finding:
    url = safe_url(settings.twc_base_url)
    environment = environment_of(settings.twc_base_url)
    if environment is None:
        return Finding(
            "warn",
            "environment",
            f"{url} is not a TWC gateway (api.au-aws or api.au-sandbox.thewishlist.io)",
            f"set TWC_BASE_URL to your tenant's environment: {BASE_URL_EXAMPLE}",
        )
    derived = "" if settings.twc_auth_url else " (derived from TWC_BASE_URL)"
    realm = token_url(auth_root(settings), settings.twc_tenant or "<TWC_TENANT>")
    return Finding("ok", "environment", f"{url}: {environment}; token URL {safe_url(realm)}{derived}")


def _token_failure(error: AuthenticationFailed) -> list[Finding]:
    """What a token that could not be had says: the endpoint (unreachable, not a realm) or the credentials."""
    if error.status in (400, 401, 403):
        reached = Finding("ok", "token endpoint", f"answered {error.status}")
        return [reached, Finding("FAIL", "credentials", error.detail, error.hint)]
    if error.status == 404:
        detail = f"{error.detail}: no such tenant realm"
        return [Finding("FAIL", "token endpoint", detail, "check TWC_TENANT (the tenant id) and TWC_AUTH_URL")]
    return [Finding("FAIL", "token endpoint", error.detail, error.hint)]


def _service_failure(settings: TwcSettings, error: ProviderError, backend: Backend) -> Finding:
    if isinstance(error, Unauthorized):
        return Finding(
            "FAIL",
            "tenant header",
            f"the customer service refused the token with X-TWC-Tenant ({error.detail})",
            "check TWC_TENANT: it must be the tenant the client id belongs to, in the same environment",
        )
    if isinstance(error, (NotFound, NotTheApi)) and backend == "api":
        return Finding(
            "FAIL",
            "tenant header",
            f"TWC_BASE_URL={safe_url(settings.twc_base_url)!r} is not TWC's gateway root ({error.detail})",
            f"set TWC_BASE_URL to {BASE_URL_EXAMPLE}",
        )
    return Finding("FAIL", "tenant header", str(error))


async def _probe(settings: TwcSettings, api: TwcApi, backend: Backend, tenant: str) -> list[Finding]:
    """One search through the client: the token is fetched on its way, so each stage's failure is its own line."""
    started = time.perf_counter()
    try:
        await api.search_records(email=PROBE_EMAIL)
    except AuthenticationFailed as error:
        return _token_failure(error)
    except ProviderError as error:
        return [
            Finding("ok", "token endpoint", "answered"),
            Finding("ok", "credentials", "accepted: a bearer token was issued"),
            _service_failure(settings, error, backend),
        ]
    elapsed = (time.perf_counter() - started) * 1000
    return [
        Finding("ok", "token endpoint", "answered"),
        Finding("ok", "credentials", "accepted: a bearer token was issued"),
        Finding(
            "ok", "tenant header", f"X-TWC-Tenant {tenant} accepted; search_customers answered in {elapsed:.0f} ms"
        ),
    ]


async def diagnose(server: Any, provider_settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    assert isinstance(provider_settings, TwcSettings)
    settings = provider_settings
    findings = [_backend_line(settings, backend, server)]
    if backend == "api":
        findings.append(_environment_line(settings))
    if not network:
        return [*findings, OFFLINE]
    sandbox = None
    try:
        if backend == "sandbox":
            sandbox = open_sandbox(settings)
            api = sandbox_api(sandbox, tenant=settings.twc_sandbox_tenant)
            tenant = settings.twc_sandbox_tenant
        else:
            api = twc_api(settings, redis_url=server.redis_url)
            tenant = settings.twc_tenant or ""
    except ConfigurationError as error:
        if sandbox is not None:
            sandbox.close()
        return [*findings, Finding("FAIL", "sandbox database" if backend == "sandbox" else "API client", str(error))]
    try:
        findings += await _probe(settings, api, backend, tenant)
    finally:
        await api.aclose()
        if sandbox is not None:
            sandbox.close()
    if backend == "api" and all(finding.level == "ok" for finding in findings):
        findings.append(_rate_line(settings, api))
    return findings


def _rate_line(settings: TwcSettings, api: TwcApi) -> Finding:
    pace = settings.pace
    default = " (the default; TWC documents no limit)" if pace == DEFAULT_RATE else ""
    return rate_limit(
        api.http.stats,
        no_headers="no rate-limit headers sent (TWC documents no limit)",
        pace=f"client pace {pace:g}/s{default}",
    )
