"""Voucherify's part of ``uc-mcp doctor``: the backend and key pair, the region the base URL is in, and one cheap
authenticated read: ``GET /v1/customers?limit=1``, which proves the key pair, its permissions and the region at
once (a key pair of another region's project is refused there). What every provider's doctor shares is
core/doctor.py's."""

from __future__ import annotations

from typing import Any

from ..core.doctor import OFFLINE, api_call, rate_limit, sandbox_backend, secret_hint
from ..core.errors import NotFound, NotTheApi, ProviderError, Unauthorized, safe_url
from ..core.provider import Backend, Finding, ProviderSettings
from .client import BASE_URL_EXAMPLE, open_sandbox, region_of, sandbox_api, voucherify_api
from .settings import BUSINESS_RATE, VoucherifySettings


def _backend_line(settings: VoucherifySettings, backend: Backend, server: Any) -> Finding:
    if backend == "sandbox":
        return sandbox_backend(settings.sandbox_db_path, server, settings.ENV_PREFIX)
    token = settings.voucherify_app_token.get_secret_value() if settings.voucherify_app_token else None
    pair = f"app id {secret_hint(settings.voucherify_app_id)}, token {secret_hint(token)}"
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


def _call_failure(settings: VoucherifySettings, error: ProviderError) -> Finding | None:
    if isinstance(error, (NotFound, NotTheApi)):
        # list_customers names no record: a 404 (or a page, a redirect) means the URL is not the API's root.
        return Finding(
            "FAIL",
            "API call",
            f"VOUCHERIFY_BASE_URL={safe_url(settings.voucherify_base_url)!r} is not Voucherify's API root "
            f"({error.detail})",
            f"set VOUCHERIFY_BASE_URL to {BASE_URL_EXAMPLE}",
        )
    if isinstance(error, Unauthorized):
        return Finding(
            "FAIL",
            "API call",
            str(error),
            "check VOUCHERIFY_APP_ID and VOUCHERIFY_APP_TOKEN (a server-side key pair: Project settings > "
            "General > Application keys) and that VOUCHERIFY_BASE_URL is the region of that project",
        )
    return None


async def diagnose(server: Any, provider_settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    assert isinstance(provider_settings, VoucherifySettings)
    settings = provider_settings
    findings = [_backend_line(settings, backend, server)]
    if backend == "api":
        findings.append(_region_line(settings))
    if not network:
        return [*findings, OFFLINE]
    called, api = await api_call(
        backend,
        open_sandbox=lambda: open_sandbox(settings),
        sandbox_api=sandbox_api,
        real_api=lambda: voucherify_api(settings, redis_url=server.redis_url),
        call=lambda api: api.customers_page(1),
        operation="list_customers",
        explain=lambda error: _call_failure(settings, error),
    )
    findings.append(called)
    if api is not None and backend == "api":
        findings.append(_rate_line(settings, api))
    return findings


def _rate_line(settings: VoucherifySettings, api: Any) -> Finding:
    pace = settings.pace
    default = " (Business plan's 100/min)" if pace == BUSINESS_RATE else ""
    return rate_limit(
        api.http.stats,
        no_headers="no rate-limit headers sent (Voucherify: 100/min Business, 2,000/min Organization)",
        pace=f"client pace {pace * 60:.0f}/min{default}",
    )
