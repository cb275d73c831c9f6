"""``uc-mcp doctor``: what this installation would do if a host started it now, checked and printed.

Each check prints ``ok``, ``warn`` or ``FAIL`` and a line of detail — for a failure, its cause and
the fix; secrets are never printed (only whether they are set, and the last four characters of a
key at most). The doctor is what people run when something is wrong, so it never crashes: a check
that breaks in a way nobody foresaw is that check's failure. The exit code is 1 when any check fails. The one network call is the cheapest authenticated read there is: one
customer from ``get_customers`` — it proves the credential, the scope, the API version header and
the base URL at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .core.errors import safe_url
from .settings import Settings
from .ultracart.client import BASE_URL_EXAMPLE

Level = Literal["ok", "warn", "FAIL"]


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    check: str
    detail: str
    fix: str = ""

    def render(self) -> str:
        line = f"{self.level:<4}  {self.check:<18} {self.detail}"
        return f"{line}\n{'':<24} fix: {self.fix}" if self.fix else line


def _hint(secret: Any) -> str:
    value = secret.get_secret_value() if secret is not None else ""
    return f"set (…{value[-4:]})" if len(value) >= 12 else ("set" if value else "not set")


def _configuration(findings: list[Finding]) -> Settings | None:
    from .core.errors import ConfigurationError
    from .settings import load_settings

    try:
        settings = load_settings()
    except ConfigurationError as error:  # one line naming each variable; a secret's value is never in it
        findings.append(Finding("FAIL", "configuration", str(error), "correct it in the environment or .env"))
        return None
    dotenv = Path(".env")
    read = f"environment and {dotenv.resolve()} read" if dotenv.is_file() else "environment read (no .env here)"
    findings.append(Finding("ok", "configuration", read))
    return settings


def _backend(settings: Settings, transport: Literal["stdio", "http"], findings: list[Finding]) -> str | None:
    from .ultracart.client import ConfigurationError, check_configuration

    try:
        backend = check_configuration(settings, transport)
    except ConfigurationError as error:  # the message names the setting and says what to set
        findings.append(Finding("FAIL", "backend", str(error)))
        return None
    if backend == "sandbox":
        why = "UC_MCP_BACKEND=sandbox" if settings.backend == "sandbox" else "no ULTRACART_* setting anywhere"
        findings.append(Finding("ok", "backend", f"embedded sandbox at {settings.sandbox_db_path} (demo data; {why})"))
    else:
        key = _hint(settings.ultracart_api_key or settings.ultracart_oauth_token)
        kind = "simple key" if settings.ultracart_api_key else "OAuth token"
        url = safe_url(settings.ultracart_base_url)
        findings.append(Finding("ok", "backend", f"UltraCart at {url}, {kind} {key}"))
    return backend


def _open_api(settings: Settings, backend: str) -> tuple[Any, Any]:
    """The API client of ``backend`` and the sandbox it opened (None for the real API)."""
    from .ultracart.client import open_sandbox, sandbox_api, ultracart_api

    if backend == "sandbox":
        sandbox = open_sandbox(settings)
        return sandbox_api(sandbox), sandbox
    return ultracart_api(settings), None


async def _api_call(settings: Settings, backend: str, findings: list[Finding]) -> None:
    from .core.errors import ConfigurationError, NotFound, ProviderError

    try:
        api, sandbox = _open_api(settings, backend)
    except ConfigurationError as error:
        findings.append(Finding("FAIL", "sandbox database" if backend == "sandbox" else "API client", str(error)))
        return
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
        return
    except ProviderError as error:
        findings.append(Finding("FAIL", "API call", str(error)))
        return
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


def _files(settings: Settings, findings: list[Finding]) -> None:
    from .core.audit import AuditLog, default_audit_path

    audit = AuditLog(settings.audit_log or default_audit_path())
    problem = audit.check_writable()
    if problem:
        findings.append(
            Finding(
                "FAIL",
                "audit log",
                f"not writable: {problem} — writes would be refused",
                "set UC_MCP_AUDIT_LOG to a file in a directory you can write (or unset it for the default)",
            )
        )
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
        findings.append(
            Finding(
                "FAIL",
                "redis",
                f"not usable: {error}",
                "start Redis or correct UC_MCP_REDIS_URL (redis://[:password@]host:6379/0), or unset it on one process",
            )
        )
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
    settings = _guarded("configuration", findings, [], lambda: _configuration(findings))
    if settings is None:
        return findings
    secrets = _secrets(settings)
    backend = _guarded("backend", findings, secrets, lambda: _backend(settings, transport, findings))
    if backend is not None and network:
        _guarded("API call", findings, secrets, lambda: anyio.run(_api_call, settings, backend, findings))
    elif backend is not None:
        findings.append(Finding("ok", "API call", "skipped (--offline)"))
    _guarded("audit log", findings, secrets, lambda: _files(settings, findings))
    _guarded("redis", findings, secrets, lambda: _redis(settings, findings))
    _guarded("confirmation", findings, secrets, lambda: _safety(settings, transport, findings))
    return findings


def _guarded(check: str, findings: list[Finding], secrets: list[str], step: Callable[[], Any]) -> Any:
    """Run one check; a failure nobody foresaw is that check's FAIL, never a traceback (the doctor is
    what a user runs when something is wrong)."""
    try:
        return step()
    except Exception as error:
        from .core.errors import scrub

        cause = scrub(str(error), secrets) or "no message"
        findings.append(
            Finding(
                "FAIL",
                check,
                f"could not be checked: {type(error).__name__}: {cause}",
                "run `uc-mcp -v doctor` for details; report it if the cause is not in your configuration",
            )
        )
        return None


def _secrets(settings: Settings) -> list[str]:
    from pydantic import SecretStr

    values = (getattr(settings, name) for name in type(settings).model_fields)
    return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]


def run(transport: Literal["stdio", "http"], network: bool, out: Callable[[str], None] = print) -> int:
    findings = diagnose(transport, network=network)
    for finding in findings:
        out(finding.render())
    failed = sum(finding.level == "FAIL" for finding in findings)
    out(f"\n{'all checks passed' if not failed else f'{failed} check(s) failed'}")
    return 1 if failed else 0
