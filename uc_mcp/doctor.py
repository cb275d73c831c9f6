"""``uc-mcp doctor``: what this installation would do if a host started it now, checked and printed.

Each check prints ``ok``, ``warn`` or ``FAIL`` and a line of detail; secrets are never printed
(only whether they are set, and the last four characters of a key at most). The exit code is 1
when any check fails. The one network call is the cheapest authenticated read there is: one
customer from ``get_customers`` — it proves the credential, the scope, the API version header and
the base URL at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .settings import Settings

Level = Literal["ok", "warn", "FAIL"]


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    check: str
    detail: str

    def render(self) -> str:
        return f"{self.level:<4}  {self.check:<18} {self.detail}"


def _hint(secret: Any) -> str:
    value = secret.get_secret_value() if secret is not None else ""
    return f"set (…{value[-4:]})" if len(value) >= 12 else ("set" if value else "not set")


def _configuration(findings: list[Finding]) -> Settings | None:
    try:
        settings = Settings()
    except Exception as error:  # pydantic's message names the variable; values of secrets are not in it
        first = str(error).splitlines()[1:2]
        findings.append(Finding("FAIL", "configuration", f"cannot be read: {' '.join(first) or type(error).__name__}"))
        return None
    findings.append(Finding("ok", "configuration", "environment and .env read"))
    return settings


def _backend(settings: Settings, transport: Literal["stdio", "http"], findings: list[Finding]) -> str | None:
    from .ultracart.client import ConfigurationError, check_credentials, choose_backend

    try:
        backend = choose_backend(settings, transport)
        if backend == "ultracart":
            check_credentials(settings)
    except ConfigurationError as error:
        findings.append(Finding("FAIL", "backend", str(error)))
        return None
    if backend == "sandbox":
        findings.append(Finding("ok", "backend", f"embedded sandbox at {settings.sandbox_db_path} (demo data)"))
    else:
        key = _hint(settings.ultracart_api_key or settings.ultracart_oauth_token)
        kind = "simple key" if settings.ultracart_api_key else "OAuth token"
        findings.append(Finding("ok", "backend", f"UltraCart at {settings.ultracart_base_url}, {kind} {key}"))
    return backend


async def _api_call(settings: Settings, backend: str, findings: list[Finding]) -> None:
    from .core.errors import ProviderError

    sandbox: Any = None
    if backend == "sandbox":
        from .ultracart.client import sandbox_api
        from .ultracart.sandbox.runtime import Sandbox, SandboxOptions

        sandbox = Sandbox(
            SandboxOptions(
                db=settings.sandbox_db_path,
                customers=settings.sandbox_customers,
                seed=settings.sandbox_seed,
                api_key=settings.sandbox_api_key.get_secret_value(),
            )
        )
        api = sandbox_api(sandbox)
    else:
        from .ultracart.client import ultracart_api

        api = ultracart_api(settings)
    started = time.perf_counter()
    try:
        page = await api.customer_page(0, 1)
    except ProviderError as error:
        findings.append(Finding("FAIL", "API call", str(error)))
        return
    finally:
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


def _files(settings: Settings, findings: list[Finding]) -> None:
    from .core.audit import AuditLog, default_audit_path

    audit = AuditLog(settings.audit_log or default_audit_path())
    problem = audit.check_writable()
    if problem:
        findings.append(Finding("FAIL", "audit log", f"not writable: {problem} — writes would be refused"))
    else:
        findings.append(Finding("ok", "audit log", f"{audit.path} is writable"))


def _redis(settings: Settings, findings: list[Finding]) -> None:
    if settings.redis_url is None:
        return
    from .core.shared_state import RedisUsedTokens

    try:
        store = RedisUsedTokens(settings.redis_url.get_secret_value())
        store.claim("doctor:" + str(time.time()), time.time() + 5)
        store.close()
    except Exception as error:  # the message names host and port, never the password
        findings.append(Finding("FAIL", "redis", f"not usable: {error}"))
        return
    findings.append(Finding("ok", "redis", "reachable; used tokens and pacing are shared"))


def _safety(settings: Settings, transport: str, findings: list[Finding]) -> None:
    fallback = settings.confirm_fallback or ("token" if transport == "stdio" else "deny")
    findings.append(Finding("ok", "confirmation", f"elicitation first; fallback {fallback}"))
    if settings.confirm_secret is None:
        findings.append(
            Finding(
                "ok" if transport == "stdio" else "warn", "confirm secret", "random per process (set it for replicas)"
            )
        )
    if transport == "http" and settings.http_token is None:
        findings.append(Finding("warn", "HTTP token", "UC_MCP_HTTP_TOKEN not set: HTTP serves localhost only"))
    if settings.redact:
        findings.append(Finding("ok", "redaction", f"results mask {', '.join(settings.redact)}"))


def diagnose(transport: Literal["stdio", "http"] = "stdio", *, network: bool = True) -> list[Finding]:
    import anyio

    findings: list[Finding] = []
    settings = _configuration(findings)
    if settings is None:
        return findings
    backend = _backend(settings, transport, findings)
    if backend is not None and network:
        anyio.run(_api_call, settings, backend, findings)
    _files(settings, findings)
    _redis(settings, findings)
    _safety(settings, transport, findings)
    return findings


def run(transport: Literal["stdio", "http"], network: bool, out: Callable[[str], None] = print) -> int:
    findings = diagnose(transport, network=network)
    for finding in findings:
        out(finding.render())
    failed = sum(finding.level == "FAIL" for finding in findings)
    out(f"\n{'all checks passed' if not failed else f'{failed} check(s) failed'}")
    return 1 if failed else 0
