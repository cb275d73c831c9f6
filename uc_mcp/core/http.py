"""The one HTTP client every provider call goes through.

One ``httpx2.AsyncClient`` per server (pooled connections, explicit timeouts, auth headers),
an injectable transport (the embedded sandbox runs in process through it), safe retries, the
shared rate limiter, and the mapping of failures onto ``errors.py``.

Retry rules (DESIGN.md "Safety of writes under faults"):

- an idempotent request (reads, read-only POST queries, PUT, DELETE) retries 429, 5xx,
  timeouts, connection errors and unreadable answers, with exponential backoff and full
  jitter, honouring ``Retry-After``, within a total time bound;
- a non-idempotent write retries only when the request provably never reached the server
  (the connection was never made, the pool never sent it, or the server answered 429 —
  UltraCart rejects before doing anything); after any other failure it raises
  ``OutcomeUnknown`` saying how to check, because repeating it could apply it twice;
- an idempotent write (PUT, DELETE, an idempotent POST) that gives up after an attempt that may
  have reached the server (a timeout or reset, a 5xx, an unreadable answer) raises
  ``OutcomeUnknown`` too: it may have been applied, and a plain error would say it was not.

A library such as tenacity would supply only the loop: the decision needs the failure's stage
and the operation's idempotency, and the wait needs ``Retry-After`` and the shared limiter.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2

from .errors import (
    InvalidResponse,
    NetworkError,
    NotTheApi,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    error_for_status,
    safe_url,
    scrub,
)
from .ratelimit import RateLimiter

log = logging.getLogger("uc_mcp.http")

# Failures where the request provably never left us: safe to retry any request.
NEVER_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# Failures after the request may have reached the server.
AMBIGUOUS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError, httpx2.LocalProtocolError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5  # for 5xx, timeouts and network errors; 429s are bounded by the deadline only
    base_delay: float = 0.25
    max_delay: float = 8.0
    total_timeout: float = 60.0


@dataclass(slots=True)
class HttpOptions:
    base_url: str
    # Auth and version headers, and the strings that must never appear in an error, log or repr.
    headers: Mapping[str, str] = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    transport: httpx2.AsyncBaseTransport | None = None
    timeout: httpx2.Timeout = field(default_factory=lambda: httpx2.Timeout(30.0, connect=5.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    # The setting that holds ``base_url`` and an example of a right value, for the error that says
    # the URL is not the API (see ``_answered_by_the_api``).
    base_url_setting: str = "the base URL"
    base_url_example: str = ""


@dataclass(slots=True)
class CallStats:
    """Counters for tests and benchmarks: what the client did, not what it was asked."""

    requests: int = 0
    retries: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    # The last response's rate-limit and provider headers (``uc-mcp doctor`` shows them).
    last_headers: dict[str, str] = field(default_factory=dict)


class HttpCore:
    def __init__(self, options: HttpOptions) -> None:
        self.options = options
        self.stats = CallStats()
        self._client = httpx2.AsyncClient(
            base_url=options.base_url.rstrip("/"),
            headers={"Accept": "application/json", **options.headers},
            timeout=options.timeout,
            transport=options.transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _scrub(self, text: str) -> str:
        return scrub(text, self.options.secrets)

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        check: str = "look the record up before trying again",
        write: bool | None = None,
    ) -> Any:
        """Send one API request with retries; return the parsed JSON (None for an empty answer).

        ``check`` tells the model how to find out whether a write happened when its outcome
        is unknown. ``write`` says whether the request changes anything (default: every method
        but GET and HEAD; pass False for a read-only POST query).
        """
        writes = method not in ("GET", "HEAD") if write is None else write
        maybe_applied = False  # an attempt may have reached the server and done the work
        retry = self.options.retry
        deadline = time.monotonic() + retry.total_timeout
        content = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json; charset=UTF-8"} if content is not None else None
        attempt = 0
        while True:
            attempt += 1
            outcome, retry_after, reached = await self._attempt(
                method, path, operation, idempotent, params, content, headers, check
            )
            if isinstance(outcome, _Success):
                return outcome.value
            error = outcome
            maybe_applied = maybe_applied or reached
            if not error.retryable:
                raise error
            if not isinstance(error, RateLimited) and attempt >= retry.max_attempts:
                raise _give_up(error, writes and maybe_applied, check)
            delay = retry_after if retry_after is not None else self._backoff(attempt, error)
            if time.monotonic() + delay >= deadline:
                raise _give_up(error, writes and maybe_applied, check)
            self.stats.retries += 1
            log.info("%s: retrying after %s (attempt %d, %.2fs)", operation, error.kind, attempt, delay)
            if delay > 0:
                await self.options.sleep(delay)

    def _backoff(self, attempt: int, error: ProviderError) -> float:
        if isinstance(error, RateLimited):
            return 0.0  # the limiter now paces below the rate that drew the 429
        retry = self.options.retry
        return self.options.rng.uniform(0, min(retry.max_delay, retry.base_delay * 2 ** (attempt - 1)))

    async def _attempt(
        self,
        method: str,
        path: str,
        operation: str,
        idempotent: bool,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        check: str,
    ) -> tuple[ProviderError | _Success, float | None, bool]:
        """One try: its outcome, the server's Retry-After, and whether a failure may have reached the
        server and done the work (a timeout or reset after sending, a 5xx, an unreadable answer)."""
        limiter = self.options.limiter
        self.stats.requests += 1
        self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
        try:
            async with limiter.slot():
                response = await self._client.request(method, path, params=params, content=content, headers=headers)
        except NEVER_SENT as exc:
            return NetworkError(self._describe(exc), operation=operation), None, False
        except AMBIGUOUS as exc:
            if idempotent:
                return NetworkError(self._describe(exc), operation=operation), None, True
            return OutcomeUnknown(self._describe(exc), check=check, operation=operation), None, True
        status = response.status_code
        self.stats.last_headers = {
            name.lower(): value
            for name, value in response.headers.items()
            if "rate" in name.lower() or name.lower().startswith("x-ultracart") or name.lower() == "retry-after"
        }
        if not _answered_by_the_api(response):
            return self._not_the_api(response, operation), None, False
        if status == 429:
            limiter.on_rate_limited()
            limited = RateLimited(self._message(response), operation=operation, status=status)
            return limited, _retry_after(response), False
        if status >= 500 and not idempotent:
            return (
                OutcomeUnknown(self._message(response), check=check, operation=operation, status=status),
                None,
                True,
            )
        if status >= 400:
            error = error_for_status(status)(self._message(response), operation=operation, status=status)
            return error, _retry_after(response) if error.retryable else None, status >= 500
        limiter.on_success()
        if status == 204 or not response.content.strip():
            return _Success(None), None, False
        try:
            return _Success(response.json()), None, False
        except ValueError:
            detail = "the answer was not valid JSON"
            if idempotent:
                return InvalidResponse(detail, operation=operation, status=status), None, True
            return OutcomeUnknown(detail, check=check, operation=operation, status=status), None, True

    def _not_the_api(self, response: httpx2.Response, operation: str) -> NotTheApi:
        setting, status = self.options.base_url_setting, response.status_code
        where = f"{setting}={safe_url(self.options.base_url)!r}"
        if 300 <= status < 400:
            detail = f"{where} redirects (to {safe_url(response.headers.get('Location', ''))!r}); the API never does"
        elif status == 404:
            detail = f"{where} answered 404 without the API's error body: that path does not exist there"
        else:
            detail = f"{where} answered with a web page, not the API's JSON"
        example = f" (e.g. {self.options.base_url_example})" if self.options.base_url_example else ""
        fix = f"It is not the API's root URL: set {setting} to it{example}."
        return NotTheApi(detail, fix=fix, operation=operation, status=status)

    def _describe(self, exc: Exception) -> str:
        text = str(exc) or type(exc).__name__
        return self._scrub(f"{type(exc).__name__}: {text}")

    def _message(self, response: httpx2.Response) -> str:
        """The provider's own words: user_message, else developer_message, else UC-REST-ERROR."""
        parts: list[str] = []
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            error = payload["error"]
            for key in ("user_message", "developer_message"):
                text = error.get(key)
                if isinstance(text, str) and text.strip() and text not in parts:
                    parts.append(text.strip())
                    break
        header = response.headers.get("UC-REST-ERROR")
        if header and not parts:
            parts.append(header)
        return self._scrub(" ".join(parts) or f"HTTP {response.status_code}")


@dataclass(frozen=True, slots=True)
class _Success:
    value: Any


def _answered_by_the_api(response: httpx2.Response) -> bool:
    """Whether the answer comes from the API rather than from whatever else sits at the base URL.

    Assumption (UltraCart documents no 404, and nothing about unknown paths): the API answers every
    error with its error body — a JSON object with an ``error`` object — and a ``UC-REST-ERROR``
    header, so a 404 about a missing record carries one of them; a path the API does not have is
    answered by the web server in front of it, with a page or nothing. The API never redirects and
    never answers a page. So a 404 with neither, a redirect or a 2xx page means the base URL is wrong,
    not that a record is missing. A wrong path the API itself answers with its error body (as the
    sandbox does) still reads as "not found"; a gateway's page for a 5xx is still a server error.
    """
    status = response.status_code
    if 300 <= status < 400:
        return False
    if status < 300:
        return not response.headers.get("Content-Type", "").lower().startswith("text/html")
    if status != 404 or "UC-REST-ERROR" in response.headers:
        return True
    try:
        payload = response.json()
    except ValueError:
        return False
    return isinstance(payload, dict) and isinstance(payload.get("error"), dict)


def _give_up(error: ProviderError, maybe_applied: bool, check: str) -> ProviderError:
    """What to raise when retries run out: "outcome unknown" when a write may have landed."""
    if not maybe_applied:
        return error
    return OutcomeUnknown(error.detail, check=check, operation=error.operation, status=error.status)


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        moment = email.utils.parsedate_to_datetime(value)
        return max(0.0, moment.timestamp() - time.time()) if moment else None
