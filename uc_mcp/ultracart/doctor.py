"""UltraCart's part of ``uc-mcp doctor``: which backend and credential, and one cheap authenticated read.

The network call is the cheapest authenticated read there is: one customer from ``get_customers`` — it proves
the credential, the scope, the API version header and the base URL at once.
"""

from __future__ import annotations

import time
from typing import Any

from ..core.errors import ConfigurationError, NotFound, ProviderError, safe_url
from ..core.provider import Backend, Finding, ProviderSettings
from .client import BASE_URL_EXAMPLE, open_sandbox, sandbox_api, ultracart_api
from .settings import UltraCartSettings


def _hint(secret: Any) -> str:
    value = secret.get_secret_value() if secret is not None else ""
    return f"set (…{value[-4:]})" if len(value) >= 12 else ("set" if value else "not set")


def _backend_line(settings: UltraCartSettings, backend: Backend, server: Any) -> Finding:
    if backend == "sandbox":
        why = "UC_MCP_BACKEND=sandbox" if server.backend == "sandbox" else "no ULTRACART_* setting anywhere"
        return Finding("ok", "backend", f"embedded sandbox at {settings.sandbox_db_path} (demo data; {why})")
    key = _hint(settings.ultracart_api_key or settings.ultracart_oauth_token)
    kind = "simple key" if settings.ultracart_api_key else "OAuth token"
    return Finding("ok", "backend", f"UltraCart at {safe_url(settings.ultracart_base_url)}, {kind} {key}")


async def diagnose(server: Any, provider_settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    assert isinstance(provider_settings, UltraCartSettings)
    settings = provider_settings
    findings = [_backend_line(settings, backend, server)]
    if not network:
        findings.append(Finding("ok", "API call", "skipped (--offline)"))
        return findings
    try:
        sandbox = open_sandbox(settings) if backend == "sandbox" else None
        api = sandbox_api(sandbox) if sandbox is not None else ultracart_api(settings, redis_url=server.redis_url)
    except ConfigurationError as error:
        findings.append(Finding("FAIL", "sandbox database" if backend == "sandbox" else "API client", str(error)))
        return findings
    started = time.perf_counter()
    try:
        page = await api.customer_page(0, 1)
    except NotFound as error:
        # get_customers names no record: a 404 can only mean the path is not there (see core/http.py).
        url = safe_url(settings.ultracart_base_url)
        findings.append(
            Finding(
                "FAIL",
                "API call",
                f"ULTRACART_BASE_URL={url!r} answered 404 to get_customers ({error.detail}): it is not the root of "
                "UltraCart's REST API v2",
                f"set ULTRACART_BASE_URL to {BASE_URL_EXAMPLE}",
            )
        )
        return findings
    except ProviderError as error:
        findings.append(Finding("FAIL", "API call", str(error)))
        return findings
    finally:
        await api.aclose()
        if sandbox is not None:
            sandbox.close()
    elapsed = (time.perf_counter() - started) * 1000
    total = f"{page.total} customers" if page.total is not None else "customer count not reported"
    findings.append(Finding("ok", "API call", f"get_customers answered in {elapsed:.0f} ms ({total})"))
    findings.append(Finding("ok", "API version", "X-UltraCart-Api-Version 2017-03-01 accepted"))
    stats = api.http.stats
    headers = ", ".join(f"{name}: {value}" for name, value in sorted(stats.last_headers.items()))
    pace = f"client pace {settings.rate_limit}/s" if settings.rate_limit else "client pace adapts to 429s"
    if stats.retries:
        findings.append(Finding("warn", "rate limit", f"{stats.retries} retry(ies) on one call: the limit is near"))
    else:
        findings.append(
            Finding(
                "ok",
                "rate limit",
                f"no 429; {headers or 'no rate-limit headers sent (UltraCart allows ~1,000 requests/hour)'}; {pace}",
            )
        )
    return findings
