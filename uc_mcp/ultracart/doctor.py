"""UltraCart's part of ``uc-mcp doctor``: which backend and credential, and one cheap authenticated read
(what every provider's doctor shares: core/doctor.py).

The network call is the cheapest authenticated read there is: one customer from ``get_customers`` — it proves
the credential, the scope, the API version header and the base URL at once.
"""

from __future__ import annotations

from typing import Any

from ..core.doctor import OFFLINE, api_call, rate_limit, sandbox_backend, secret_hint
from ..core.errors import NotFound, ProviderError, safe_url
from ..core.provider import Backend, Finding, ProviderSettings
from .client import BASE_URL_EXAMPLE, open_sandbox, sandbox_api, ultracart_api
from .settings import UltraCartSettings


def _backend_line(settings: UltraCartSettings, backend: Backend, server: Any) -> Finding:
    if backend == "sandbox":
        return sandbox_backend(settings.sandbox_db_path, server, settings.ENV_PREFIX)
    credential = settings.ultracart_api_key or settings.ultracart_oauth_token
    key = secret_hint(credential.get_secret_value() if credential is not None else None)
    kind = "simple key" if settings.ultracart_api_key else "OAuth token"
    return Finding("ok", "backend", f"UltraCart at {safe_url(settings.ultracart_base_url)}, {kind} {key}")


def _not_the_api(settings: UltraCartSettings, error: ProviderError) -> Finding | None:
    if not isinstance(error, NotFound):
        return None
    # get_customers names no record: a 404 can only mean the path is not there (see core/http.py).
    return Finding(
        "FAIL",
        "API call",
        f"ULTRACART_BASE_URL={safe_url(settings.ultracart_base_url)!r} answered 404 to get_customers "
        f"({error.detail}): it is not the root of UltraCart's REST API v2",
        f"set ULTRACART_BASE_URL to {BASE_URL_EXAMPLE}",
    )


async def diagnose(server: Any, provider_settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    assert isinstance(provider_settings, UltraCartSettings)
    settings = provider_settings
    findings = [_backend_line(settings, backend, server)]
    if not network:
        return [*findings, OFFLINE]
    called, api = await api_call(
        backend,
        open_sandbox=lambda: open_sandbox(settings),
        sandbox_api=sandbox_api,
        real_api=lambda: ultracart_api(settings, redis_url=server.redis_url),
        call=lambda api: api.customer_page(0, 1),
        operation="get_customers",
        explain=lambda error: _not_the_api(settings, error),
    )
    findings.append(called)
    if api is None:
        return findings
    findings.append(Finding("ok", "API version", "X-UltraCart-Api-Version 2017-03-01 accepted"))
    pace = f"client pace {settings.rate_limit}/s" if settings.rate_limit else "client pace adapts to 429s"
    no_headers = "no rate-limit headers sent (UltraCart allows ~1,000 requests/hour)"
    findings.append(rate_limit(api.http.stats, no_headers=no_headers, pace=pace))
    return findings
