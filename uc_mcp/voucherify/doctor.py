"""Voucherify's part of ``uc-mcp doctor``: the backend and key pair, the region the base URL is in, and one cheap
authenticated read: ``GET /v1/customers?limit=1``, which proves the key pair, its permissions and the region at
once (a key pair of another region's project is refused there)."""

from __future__ import annotations

import time
from typing import Any

from ..core.errors import ConfigurationError, NotFound, NotTheApi, ProviderError, Unauthorized, safe_url
from ..core.provider import Backend, Finding, ProviderSettings
from .client import BASE_URL_EXAMPLE, open_sandbox, region_of, sandbox_api, voucherify_api
from .settings import BUSINESS_RATE, VoucherifySettings


def _hint(value: str | None) -> str:
    value = value or ""
    return f"set (…{value[-4:]})" if len(value) >= 12 else ("set" if value else "not set")


def _backend_line(settings: VoucherifySettings, backend: Backend, server: Any) -> Finding:
    if backend == "sandbox":
        why = "UC_MCP_BACKEND=sandbox" if server.backend == "sandbox" else "no VOUCHERIFY_* setting anywhere"
        return Finding("ok", "backend", f"embedded sandbox at {settings.sandbox_db_path} (demo data; {why})")
    token = settings.voucherify_app_token.get_secret_value() if settings.voucherify_app_token else None
    pair = f"app id {_hint(settings.voucherify_app_id)}, token {_hint(token)}"
    return Finding("ok", "backend", f"Voucherify at {safe_url(settings.voucherify_base_url)}, {pair}")


def _region_line(settings: VoucherifySettings) -> Finding:
    url = safe_url(settings.voucherify_base_url)
    region = region_of(settings.voucherify_base_url)
    if region is None:
        return Finding(
            "warn",
            "region",
            f"{url} is not a Voucherify host (api, us1.api, as1.api or a dedicated *.voucherify.io)",
            f"set VOUCHERIFY_BASE_URL to your project's region: {BASE_URL_EXAMPLE}",
        )
    return Finding("ok", "region", f"{url}: {region}")


async def diagnose(server: Any, provider_settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    assert isinstance(provider_settings, VoucherifySettings)
    settings = provider_settings
    findings = [_backend_line(settings, backend, server)]
    if backend == "api":
        findings.append(_region_line(settings))
    if not network:
        findings.append(Finding("ok", "API call", "skipped (--offline)"))
        return findings
    try:
        sandbox = open_sandbox(settings) if backend == "sandbox" else None
        api = sandbox_api(sandbox) if sandbox is not None else voucherify_api(settings, redis_url=server.redis_url)
    except ConfigurationError as error:
        findings.append(Finding("FAIL", "sandbox database" if backend == "sandbox" else "API client", str(error)))
        return findings
    started = time.perf_counter()
    try:
        page = await api.customers_page(1)
    except (NotFound, NotTheApi) as error:
        # list_customers names no record: a 404 (or a page, a redirect) means the URL is not the API's root.
        findings.append(
            Finding(
                "FAIL",
                "API call",
                f"VOUCHERIFY_BASE_URL={safe_url(settings.voucherify_base_url)!r} is not Voucherify's API root "
                f"({error.detail})",
                f"set VOUCHERIFY_BASE_URL to {BASE_URL_EXAMPLE}",
            )
        )
        return findings
    except Unauthorized as error:
        findings.append(
            Finding(
                "FAIL",
                "API call",
                str(error),
                "check VOUCHERIFY_APP_ID and VOUCHERIFY_APP_TOKEN (a server-side key pair: Project settings > "
                "General > Application keys) and that VOUCHERIFY_BASE_URL is the region of that project",
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
    findings.append(Finding("ok", "API call", f"list_customers answered in {elapsed:.0f} ms ({total})"))
    if backend == "api":
        findings.append(_rate_line(settings, api))
    return findings


def _rate_line(settings: VoucherifySettings, api: Any) -> Finding:
    stats = api.http.stats
    if stats.retries:
        return Finding("warn", "rate limit", f"{stats.retries} retry(ies) on one call: the limit is near")
    headers = ", ".join(f"{name}: {value}" for name, value in sorted(stats.last_headers.items()))
    pace = settings.pace
    default = " (Business plan's 100/min)" if pace == BUSINESS_RATE else ""
    sent = headers or "no rate-limit headers sent (Voucherify: 100/min Business, 2,000/min Organization)"
    return Finding("ok", "rate limit", f"no 429; {sent}; client pace {pace * 60:.0f}/min{default}")
