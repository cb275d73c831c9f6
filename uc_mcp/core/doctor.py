"""What every provider's part of ``uc-mcp doctor`` shares: how a credential is shown (never more than its last four
characters), the line of a provider on its embedded sandbox, the one cheap authenticated API call (timed, its
client closed whatever happens) and what its rate-limit headers say.

The provider names its call and reads its own failures (a base URL that is no API root, a key pair of another
region); every other provider error is the call's failure, as the error's one line says it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .errors import ConfigurationError, ProviderError
from .provider import Backend, Finding

OFFLINE = Finding("ok", "API call", "skipped (--offline)")


def secret_hint(value: str | None) -> str:
    """Whether a credential is set, with its last four characters when it is long enough to keep them secret."""
    value = value or ""
    return f"set (…{value[-4:]})" if len(value) >= 12 else ("set" if value else "not set")


def sandbox_backend(path: Path, server: Any, env_prefix: str) -> Finding:
    """The backend line of a provider on its embedded sandbox, and why it is there."""
    why = "UC_MCP_BACKEND=sandbox" if server.backend == "sandbox" else f"no {env_prefix}* setting anywhere"
    return Finding("ok", "backend", f"embedded sandbox at {path} (demo data; {why})")


async def api_call(
    backend: Backend,
    *,
    open_sandbox: Callable[[], Any],
    sandbox_api: Callable[[Any], Any],
    real_api: Callable[[], Any],
    call: Callable[[Any], Awaitable[Any]],
    operation: str,
    explain: Callable[[ProviderError], Finding | None] = lambda error: None,
) -> tuple[Finding, Any | None]:
    """One cheap authenticated read (``call``, answering a page with its ``total``) on the backend's client: its
    finding, and the client when it answered (closed; its ``http.stats`` still tell how it went). ``explain`` reads
    a provider error the provider knows better; any other is the call's failure."""
    try:
        sandbox = open_sandbox() if backend == "sandbox" else None
        api = sandbox_api(sandbox) if sandbox is not None else real_api()
    except ConfigurationError as error:
        return Finding("FAIL", "sandbox database" if backend == "sandbox" else "API client", str(error)), None
    started = time.perf_counter()
    try:
        page = await call(api)
    except ProviderError as error:
        return explain(error) or Finding("FAIL", "API call", str(error)), None
    finally:
        await api.aclose()
        if sandbox is not None:
            sandbox.close()
    elapsed = (time.perf_counter() - started) * 1000
    total = f"{page.total} customers" if page.total is not None else "customer count not reported"
    return Finding("ok", "API call", f"{operation} answered in {elapsed:.0f} ms ({total})"), api


def rate_limit(stats: Any, *, no_headers: str, pace: str) -> Finding:
    """What the call's answer said of the rate limit: a warning when it was retried (the limit is near), else its
    rate-limit headers (``no_headers`` when it sent none) and the client's ``pace``."""
    if stats.retries:
        return Finding("warn", "rate limit", f"{stats.retries} retry(ies) on one call: the limit is near")
    headers = ", ".join(f"{name}: {value}" for name, value in sorted(stats.last_headers.items()))
    return Finding("ok", "rate limit", f"no 429; {headers or no_headers}; {pace}")
