"""``uc-mcp doctor``: what this installation would do if a host started it now, checked and printed.

Each check prints ``ok``, ``warn`` or ``FAIL`` and a line of detail — for a failure, its cause and
the fix; secrets are never printed (only whether they are set, and the last four characters of a
key at most). The doctor is what people run when something is wrong, so it never crashes: a check
that breaks in a way nobody foresaw is that check's failure. The exit code is 1 when any check fails.

Every provider that would run is checked as the server checks it at start-up, then by its own doctor (its
backend, and one cheap authenticated API call unless ``--offline``); the rest (audit log, Redis, confirmation)
is the server's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from .core.provider import Finding
from .settings import Settings


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


def _providers(settings: Settings, transport: Literal["stdio", "http"], network: bool, findings: list[Finding]) -> None:
    """Which providers run on what, each checked as the server would at start-up, then each provider's own
    checks (its backend line, the cheap API call when ``network``). Several providers: names are prefixed."""
    import anyio

    from .backends import select
    from .core.errors import ConfigurationError

    try:
        chosen = select(settings, transport)
    except ConfigurationError as error:  # the message names the setting and says what to set
        findings.append(Finding("FAIL", "backend", str(error)))
        return
    for provider, backend in chosen.items():
        prefix = f"{provider.name} " if len(chosen) > 1 else ""
        provider_settings = settings.provider(provider)
        found: list[Finding] = []
        try:
            provider.check_configuration(provider_settings, backend)
        except ConfigurationError as error:
            found.append(Finding("FAIL", "backend", str(error)))
        else:
            if provider.doctor is not None:
                found += anyio.run(provider.doctor, settings, provider_settings, backend, network)
        findings += [Finding(item.level, prefix + item.check, item.detail, item.fix) for item in found]


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
    findings: list[Finding] = []
    settings = _guarded("configuration", findings, [], lambda: _configuration(findings))
    if settings is None:
        return findings
    secrets = _secrets(settings)
    _guarded("backend", findings, secrets, lambda: _providers(settings, transport, network, findings))
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

    from .providers import all_providers

    values = (getattr(settings, name) for name in type(settings).model_fields)
    found = [value.get_secret_value() for value in values if isinstance(value, SecretStr)]
    return found + [secret for provider in all_providers() for secret in settings.provider(provider).secrets()]


def run(transport: Literal["stdio", "http"], network: bool, out: Callable[[str], None] = print) -> int:
    findings = diagnose(transport, network=network)
    for finding in findings:
        out(finding.render())
    failed = sum(finding.level == "FAIL" for finding in findings)
    out(f"\n{'all checks passed' if not failed else f'{failed} check(s) failed'}")
    return 1 if failed else 0
