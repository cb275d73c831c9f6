"""What can go wrong talking to a provider's API, as exceptions that render one actionable line.

The taxonomy (DESIGN.md, issue 3): bad input (400), credentials (401/403), not found (404),
application disabled (410), rate limited (429), server (5xx), network, outcome unknown (a
non-idempotent write whose fate we cannot know), and an unreadable answer. Each carries the
provider's ``user_message``/``developer_message`` or its error header text, and renders as one
short message a model can act on. Secrets never appear: every text that reaches an exception
passes through :func:`scrub`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MAX_DETAIL = 300


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove every known secret (and anything shaped like a bearer token or a named credential) from ``text``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    # A credential is one long run (8+ characters); "bearer token." or "key or ..." in prose is not.
    text = re.sub(r"(?i)(bearer\s+)[^\s\"',;]{8,}", r"\1[redacted]", text)
    return _CREDENTIAL_FIELD.sub(r"\1[redacted]", text)


# A credential named by its header or OAuth field: an ``x-...-key``/``-token``/``-secret`` header
# (x-ultracart-simple-key, X-App-Token) or ``client_secret``/``access_token``/``refresh_token``, followed by
# its value in a header, form, query or JSON ("name: v", "name=v", '"name":"v"').
_CREDENTIAL_FIELD = re.compile(
    r"(?i)((?:x-[a-z0-9-]*-(?:key|token|secret)|client_secret|access_token|refresh_token)[\"':=\s]+)[^\s\"',;&]{8,}"
)


def safe_url(url: str) -> str:
    """``url`` fit for a message: no user, password, query or fragment (they may hold credentials)."""
    from urllib.parse import urlsplit, urlunsplit

    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            netloc += f":{parts.port}"
    except ValueError:  # e.g. a port that is not a number: drop what could be a user or password
        return re.sub(r"[?#].*", "", re.sub(r"//[^/]*@", "//", url))
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class ConfigurationError(ValueError):
    """A configuration that cannot work, found at start-up or on first use: the message names the
    setting, its value (a secret's never) and what to set instead. A ValueError, so that a tool
    result carries its message and the command line reports it in one line (exit 2)."""


class ProviderError(Exception):
    """Base of every API error. ``str()`` and ``repr()`` are the rendered, secret-free message."""

    kind = "error"
    retryable = False
    hint = ""

    def __init__(
        self,
        detail: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.detail = " ".join(detail.split())[:_MAX_DETAIL]
        self.operation = operation
        self.status = status
        self.request_id = request_id
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.operation}: " if self.operation else ""
        status = f" (HTTP {self.status})" if self.status else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"{where}{self.title}{status}: {self.detail}.{hint}".replace("..", ".")

    @property
    def title(self) -> str:
        return self.kind.replace("_", " ").capitalize()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.render()!r})"


class BadRequest(ProviderError):
    kind = "bad_request"
    hint = "Fix the named field and call again."


class Unauthorized(ProviderError):
    kind = "unauthorized"
    hint = "Check the configured API key or OAuth token (and the scopes it was granted)."


class NotFound(ProviderError):
    kind = "not_found"
    hint = "Check the id, or search for the record first."


class NotTheApi(ProviderError):
    """The base URL answers, but not as the API does: a 404 without the API's error body, a redirect,
    a web page. No record is missing; the configuration is wrong, and ``fix`` says how to set it."""

    kind = "not_the_api"

    def __init__(self, detail: str, *, fix: str, **kwargs: object) -> None:
        self.hint = fix
        super().__init__(detail, **kwargs)  # type: ignore[arg-type]

    @property
    def title(self) -> str:
        return "Not the API"


class AuthenticationFailed(ProviderError):
    """No usable token came from the provider's token endpoint (OAuth2 client credentials), so the API was never
    called: nothing was applied. ``fix`` names the setting to correct; ``retryable`` when the endpoint failed
    (unreachable, 5xx, 429) rather than refused the credentials."""

    kind = "authentication_failed"

    def __init__(self, detail: str, *, fix: str, retryable: bool = False, **kwargs: object) -> None:
        self.hint = fix
        self.retryable = retryable
        super().__init__(detail, **kwargs)  # type: ignore[arg-type]

    def again(self, operation: str | None) -> AuthenticationFailed:
        """The same failure, for ``operation`` (the auth raises it without knowing which call it served)."""
        return AuthenticationFailed(
            self.detail, fix=self.hint, retryable=self.retryable, operation=operation, status=self.status
        )


class ApplicationDisabled(ProviderError):
    kind = "application_disabled"
    hint = "The provider disabled this application; an administrator must re-enable it."


class RateLimited(ProviderError):
    kind = "rate_limited"
    retryable = True
    hint = "The API's rate limit was reached; wait a little and try again."


class ServerError(ProviderError):
    kind = "server_error"
    retryable = True
    hint = "The provider failed; try again later."


class NetworkError(ProviderError):
    kind = "network_error"
    retryable = True
    hint = "The provider could not be reached; try again later."


class InvalidResponse(ProviderError):
    kind = "invalid_response"
    retryable = True
    hint = "The provider's answer could not be read; try again."


class OutcomeUnknown(ProviderError):
    """A non-idempotent write failed after it may have reached the server: do not blindly retry."""

    kind = "outcome_unknown"

    def __init__(self, detail: str, *, check: str, **kwargs: object) -> None:
        self.check = check
        super().__init__(detail, **kwargs)  # type: ignore[arg-type]

    @property
    def title(self) -> str:
        return "Outcome unknown"

    def render(self) -> str:
        base = super().render()
        return f"{base} The request may or may not have been applied; do not repeat it before checking: {self.check}"


STATUS_ERRORS: dict[int, type[ProviderError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    410: ApplicationDisabled,
    429: RateLimited,
}


def error_for_status(status: int) -> type[ProviderError]:
    if status in STATUS_ERRORS:
        return STATUS_ERRORS[status]
    if status >= 500:
        return ServerError
    return BadRequest if 400 <= status < 500 else InvalidResponse
