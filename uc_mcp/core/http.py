"""The one HTTP client every provider call goes through.

One ``httpx2.AsyncClient`` per server (pooled connections, explicit timeouts), an injectable
transport (the embedded sandbox runs in process through it), safe retries, the shared rate
limiter, and the mapping of failures onto ``errors.py``. What differs between providers comes in
through two hooks, so that a new provider changes nothing here:

- ``HttpOptions.auth``: an ``httpx2.Auth`` (``core/auth.py``: static headers, OAuth2 client
  credentials), whose secrets are scrubbed like ``HttpOptions.secrets``;
- ``HttpOptions.envelope``: an :class:`ErrorEnvelope`, the provider's error body read as one line,
  how to tell its answers from whatever else sits at the base URL, which response headers the
  doctor shows, and which error statuses prove a write was not applied.

Retry rules (DESIGN.md "Safety of writes under faults"):

- an idempotent request (reads, read-only POST queries, PUT, DELETE) retries 429, 5xx,
  timeouts, connection errors and unreadable answers, with exponential backoff and full
  jitter, honouring ``Retry-After``, within a total time bound;
- a non-idempotent write retries only when the request provably never reached the server
  or was not applied (the connection was never made, the pool never sent it, the token endpoint
  failed, or the server answered a status the provider's envelope lists as ``not_applied_statuses``:
  by default 429, which UltraCart and Voucherify answer before doing anything); after any other
  failure it raises ``OutcomeUnknown`` saying how to check, because repeating it could apply it twice;
- an idempotent write (PUT, DELETE, an idempotent POST) that gives up after an attempt that may
  have reached the server (a timeout or reset, a 5xx, an unreadable answer) raises
  ``OutcomeUnknown`` too: it may have been applied, and a plain error would say it was not;
- any other 4xx is a refusal: nothing was applied, and it is not retried.

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
from typing import Any, Protocol
from urllib.parse import urlsplit

import anyio
import httpx2

from .auth import ProviderAuth
from .client_log import tell_client
from .errors import (
    AuthenticationFailed,
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

Decode = Callable[[bytes], Any]


def decode_json(content: bytes) -> Any:
    """``json.loads(content)``, in half the time: API pages are most of a list's work (a page of 200 customers
    with addresses and tags is ~320 KB: 1.7 ms with ``json``, 0.85 ms with ``msgspec``).

    The values are ``json.loads``'s: msgspec decodes integers of any size, floats and strings as it does, keeps
    the last of duplicate keys, and refuses what ``json`` might read otherwise (NaN and Infinity, numbers out of
    a double's range, lone surrogates, UTF-16/32 and a UTF-8 BOM, nesting deeper than it goes, ...): whatever it
    refuses, ``json.loads`` decides, so the answer is the same value or the same error
    (``tests/core/test_json_decode.py``).
    """
    try:
        return _json_decoder().decode(content)
    except (ValueError, RecursionError):
        return json.loads(content)


_DECODER: Any = None


def _json_decoder() -> Any:
    # Imported on the first answer, not at start-up (figure 1); one decoder, reused (they are stateless).
    global _DECODER
    if _DECODER is None:
        import msgspec.json

        _DECODER = msgspec.json.Decoder()
    return _DECODER


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


class ErrorEnvelope(Protocol):
    """How a provider's API answers errors: read by the shared client for every non-2xx answer.

    - ``message``: the provider's own words for an error, as one line (None when the answer has none;
      the client then says ``HTTP <status>``). Secrets are scrubbed by the client afterwards.
    - ``answered_by_api``: whether the answer comes from the API rather than from whatever else sits at
      the base URL (a web server's 404 page, a redirect to a login page): False makes it ``NotTheApi``,
      naming the base URL setting, instead of "not found".
    - ``keeps_header``: whether a response header (name lower-cased) is kept in ``CallStats.last_headers``
      for the doctor: rate-limit and the provider's own diagnostic headers.
    - ``not_applied_statuses``: the retryable error statuses (429, 5xx) the provider answers before doing
      anything, so that a write answered with one provably did not happen: it is retried (or reported as
      failed), never "outcome unknown". A retryable status not listed may follow the work: a write that is
      not idempotent then has an unknown outcome. Other 4xx are refusals whatever this says.

    The three providers (references in /work/shared/reference/):

    - UltraCart (``uc_mcp/ultracart/envelope.py``): ``{"error": {"user_message", "developer_message"}}`` and a
      ``UC-REST-ERROR`` header on every error; its 404s carry one of them; headers ``x-ultracart-*``;
      not applied: 429 (the rate limiter rejects before the request runs).
    - Voucherify: ``{"code", "key", "message", "details", "request_id", ...}`` (message: ``message`` and
      ``details``, e.g. "Resource not found: Cannot find customer with id cust_x"), except 413
      ``{"statusCode", "error", "message"}`` and 429 ``{"code", "message"}``: read ``message``/``error`` as
      they come. Every answer is JSON (a 404 about a record is the envelope with ``key: not_found``).
      Headers: ``X-Rate-Limit-*``, ``Retry-After``. Not applied: 429 (rate limit or plan exhausted, refused
      before processing) and 413 (a bulk body over 10 MB, refused before reading; a 4xx already counts as
      not applied, listed to say so).
    - TWC: no error body is documented. API errors are most likely Spring/JHipster problem JSON
      (``title``, ``detail``, ``message``); the gateway may answer text; the token endpoint is Keycloak
      (``{"error", "error_description"}``, read by ``core/auth.py``, not here). So: JSON when it parses
      (``detail``, else ``title``, else ``message``), else a short text body. A 404 from the service has a JSON
      body; a bare gateway 404 means a wrong base URL (the ``/services/customerservice`` prefix missing).
      Not applied: 429 (assumption: a rate limit at the gateway refuses before forwarding; TWC documents
      none); its 5xx (502/503 from the gateway) are not provably before the work, so they stay unknown.
    """

    @property
    def not_applied_statuses(self) -> frozenset[int]: ...

    def message(self, response: httpx2.Response) -> str | None: ...

    def answered_by_api(self, response: httpx2.Response) -> bool: ...

    def keeps_header(self, name: str) -> bool: ...


class JsonErrorEnvelope:
    """The envelope of a provider that has not written its own: a JSON error's ``error.message`` (an object's,
    the most specific), else the first of ``message``, ``detail``, ``error_description``, ``title`` and ``error``
    that is a string, else a short plain-text body; 429 not applied. A 404 is the API's when its body is JSON (a web server's is a page or
    nothing); a redirect or a 2xx web page never is."""

    not_applied_statuses: frozenset[int] = frozenset({429})
    _MESSAGE_KEYS: tuple[str, ...] = ("message", "detail", "error_description", "title", "error")

    def message(self, response: httpx2.Response) -> str | None:
        payload = _json_or_none(response)
        if isinstance(payload, dict):
            nested = payload.get("error")
            if isinstance(nested, dict) and isinstance(nested.get("message"), str) and nested["message"].strip():
                return str(nested["message"]).strip()
            for key in self._MESSAGE_KEYS:
                text = payload.get(key)
                if isinstance(text, str) and text.strip():
                    return text.strip()
            return None
        text = response.text.strip()
        return " ".join(text.split()) if text and len(text) <= 300 and not _is_page(response) else None

    def answered_by_api(self, response: httpx2.Response) -> bool:
        status = response.status_code
        if 300 <= status < 400:
            return False
        if status < 300:
            return not _is_page(response)
        return status != 404 or _json_or_none(response) is not None

    def keeps_header(self, name: str) -> bool:
        return "rate" in name or name == "retry-after"


@dataclass(slots=True)
class HttpOptions:
    base_url: str
    # Plain headers sent with every request (an API version); credentials go in ``auth``.
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Sets the credentials on every request (core/auth.py); its secrets are scrubbed with ``secrets``.
    auth: httpx2.Auth | None = field(default=None, repr=False)
    # The strings that must never appear in an error, log or repr (beyond the auth's own).
    secrets: tuple[str, ...] = field(default=(), repr=False)
    envelope: ErrorEnvelope = field(default_factory=JsonErrorEnvelope)
    transport: httpx2.AsyncBaseTransport | None = None
    timeout: httpx2.Timeout = field(default_factory=lambda: httpx2.Timeout(30.0, connect=5.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    # The setting that holds ``base_url`` and an example of a right value, for the error that says
    # the URL is not the API (see ``ErrorEnvelope.answered_by_api``).
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
            auth=options.auth,
            timeout=options.timeout,
            transport=options.transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
        if isinstance(self.options.auth, ProviderAuth):
            await self.options.auth.aclose()

    def _scrub(self, text: str) -> str:
        auth = self.options.auth
        auth_secrets = auth.secrets() if isinstance(auth, ProviderAuth) else ()
        return scrub(text, (*self.options.secrets, *auth_secrets))

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
        decode: Decode = decode_json,
        encoded: tuple[bytes, str] | None = None,
    ) -> Any:
        """Send one API request with retries; return the parsed JSON (None for an empty answer).

        The body is ``body`` as JSON, or ``encoded``: bytes already encoded and their content type (a multipart
        file upload, Voucherify's CSV import), sent as they are.

        ``check`` tells the model how to find out whether a write happened when its outcome
        is unknown. ``write`` says whether the request changes anything (default: every method
        but GET and HEAD; pass False for a read-only POST query). ``decode`` reads a successful answer's
        body (a ``ValueError`` when it is not JSON): by default ``decode_json``; a provider may pass one
        that reads only the parts it uses.
        """
        writes = method not in ("GET", "HEAD") if write is None else write
        maybe_applied = False  # an attempt may have reached the server and done the work
        retry = self.options.retry
        deadline = time.monotonic() + retry.total_timeout
        if encoded is not None:
            content, headers = encoded[0], {"Content-Type": encoded[1]}
        elif body is not None:
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json; charset=UTF-8"}
        else:
            content, headers = None, None
        attempt = 0
        while True:
            attempt += 1
            outcome, retry_after, reached = await self._attempt(
                method, path, operation, idempotent, params, content, headers, check, decode
            )
            if isinstance(outcome, _Success):
                return outcome.value
            error = outcome
            maybe_applied = maybe_applied or reached
            if not error.retryable:
                raise error
            if not isinstance(error, RateLimited) and attempt >= retry.max_attempts:
                raise self._give_up(error, writes and maybe_applied, check, attempt)
            delay = retry_after if retry_after is not None else self._backoff(attempt, error)
            if time.monotonic() + delay >= deadline:
                raise self._give_up(error, writes and maybe_applied, check, attempt)
            self.stats.retries += 1
            where = self._host
            tell_client(
                "info",
                log,
                "%s %s: retrying after %s (attempt %d, %.2fs)",
                where,
                operation,
                error.kind,
                attempt,
                delay,
            )
            if delay > 0:
                await self.options.sleep(delay)

    @property
    def _host(self) -> str:
        """The API's host, to say which system a log message is about (never a path or query: no customer data)."""
        return urlsplit(self.options.base_url).hostname or "the API"

    def _give_up(self, error: ProviderError, maybe_applied: bool, check: str, attempts: int) -> ProviderError:
        """``_give_up``, told to the client: the system is degraded, or a write's outcome unknown."""
        failure = _give_up(error, maybe_applied, check)
        unknown = "; a write may have been applied: outcome unknown" if isinstance(failure, OutcomeUnknown) else ""
        where, operation = self._host, error.operation or "a request"
        tell_client(
            "warning", log, "%s %s: gave up after %d attempt(s) (%s)%s", where, operation, attempts, error.kind, unknown
        )
        return failure

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
        decode: Decode = decode_json,
    ) -> tuple[ProviderError | _Success, float | None, bool]:
        """One try: its outcome, the server's Retry-After, and whether a failure may have reached the
        server and done the work (a timeout or reset after sending, a 5xx, an unreadable answer)."""
        limiter = self.options.limiter
        self.stats.requests += 1
        self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
        try:
            async with limiter.slot():
                response = await self._client.request(method, path, params=params, content=content, headers=headers)
        except AuthenticationFailed as exc:  # no token, so the API request was never sent
            return exc.again(operation), None, False
        except NEVER_SENT as exc:
            return NetworkError(self._describe(exc), operation=operation), None, False
        except AMBIGUOUS as exc:
            if idempotent:
                return NetworkError(self._describe(exc), operation=operation), None, True
            return OutcomeUnknown(self._describe(exc), check=check, operation=operation), None, True
        status = response.status_code
        envelope = self.options.envelope
        self.stats.last_headers = {
            name.lower(): value for name, value in response.headers.items() if envelope.keeps_header(name.lower())
        }
        if not envelope.answered_by_api(response):
            return self._not_the_api(response, operation), None, False
        if status >= 400:
            return self._refused(response, operation, idempotent, check)
        limiter.on_success()
        if status == 204 or not response.content.strip():
            return _Success(None), None, False
        try:
            return _Success(decode(response.content)), None, False
        except ValueError:
            detail = "the answer was not valid JSON"
            if idempotent:
                return InvalidResponse(detail, operation=operation, status=status), None, True
            return OutcomeUnknown(detail, check=check, operation=operation, status=status), None, True

    def _refused(
        self, response: httpx2.Response, operation: str, idempotent: bool, check: str
    ) -> tuple[ProviderError, float | None, bool]:
        """An error status: its error, the server's Retry-After, and whether the request may have been applied.

        A retryable status (429, 5xx) may come after the work was done, unless the provider answers it only
        before doing anything (``envelope.not_applied_statuses``): a write that is not idempotent is then of
        unknown outcome, and is not retried. Any other 4xx is a refusal: nothing was applied."""
        status = response.status_code
        if status == 429:
            self.options.limiter.on_rate_limited()
        error_type = error_for_status(status)
        maybe_applied = error_type.retryable and status not in self.options.envelope.not_applied_statuses
        message = self._message(response)
        if maybe_applied and not idempotent:
            return OutcomeUnknown(message, check=check, operation=operation, status=status), None, True
        error = error_type(message, operation=operation, status=status)
        return error, _retry_after(response) if error.retryable else None, maybe_applied

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
        """The provider's own words for an error (its envelope's reading), else the status."""
        return self._scrub(self.options.envelope.message(response) or f"HTTP {response.status_code}")


@dataclass(frozen=True, slots=True)
class _Success:
    value: Any


def _json_or_none(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _is_page(response: httpx2.Response) -> bool:
    return response.headers.get("Content-Type", "").lower().startswith("text/html")


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
