"""How a provider's API calls authenticate: ``httpx2.Auth`` flows that ``core/http.py`` runs on every request.

The three providers need two flavours (see /work/shared/reference/):

- **Static headers** (:class:`HeaderAuth`): UltraCart's ``x-ultracart-simple-key: <key>``, or
  ``Authorization: Bearer <token>`` for an OAuth token obtained elsewhere (UltraCart documents only the
  authorization-code flow, which a server cannot run, so the token is configured as it is); Voucherify's
  ``X-App-Id`` + ``X-App-Token`` pair, sent together on every request.
- **OAuth2 client credentials** (:class:`ClientCredentialsAuth`): TWC's Keycloak realm issues a bearer
  token for a client id and secret (``grant_type=client_credentials``, form-encoded); every API call carries
  it and ``X-TWC-Tenant``. The token is cached, renewed shortly before ``expires_in`` runs out and once when
  the API answers 401, one renewal at a time however many requests wait for it.

Both are :class:`ProviderAuth`: they know their secrets (``secrets()``: the shared client scrubs them from
every error and log line), name headers but never values in their ``repr``, and close what they opened.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2

from .errors import AuthenticationFailed, safe_url, scrub

log = logging.getLogger("uc_mcp.http")

__all__ = ["ClientCredentialsAuth", "HeaderAuth", "ProviderAuth"]


class ProviderAuth(httpx2.Auth):
    """An ``httpx2.Auth`` the shared client can ask for its secrets and close."""

    def secrets(self) -> tuple[str, ...]:
        """Every credential this auth sends or holds now (a renewed token included)."""
        return ()

    async def aclose(self) -> None:
        """Release what the auth opened (a token endpoint's connections)."""


class HeaderAuth(ProviderAuth):
    """Headers set on every request: ``secret`` ones (their values are credentials) and ``public`` ones
    (an application or tenant id: sent with the credential, fine in a message)."""

    def __init__(self, secret: Mapping[str, str], public: Mapping[str, str] | None = None) -> None:
        self._secret = dict(secret)
        self._public = dict(public or {})
        self._secrets = tuple(_credential(value) for value in self._secret.values())

    @classmethod
    def bearer(cls, token: str, public: Mapping[str, str] | None = None) -> HeaderAuth:
        return cls({"Authorization": f"Bearer {token}"}, public)

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers.update(self._public)
        request.headers.update(self._secret)
        yield request

    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def __repr__(self) -> str:
        return f"HeaderAuth(headers={[*self._public, *self._secret]!r})"


def _credential(header_value: str) -> str:
    """The secret in a header's value: the token of ``Bearer <token>``, else the whole value."""
    scheme, _, rest = header_value.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest.strip() else header_value


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    renew_at: float  # on the auth's clock; infinity when the endpoint gave no lifetime


class ClientCredentialsAuth(ProviderAuth):
    """OAuth2 client credentials (RFC 6749 §4.4): a bearer token from ``token_url``, cached and renewed.

    - The token request is ``POST token_url`` with ``grant_type=client_credentials``, ``client_id`` and
      ``client_secret`` form-encoded in the body (TWC's documented form; Keycloak also accepts HTTP Basic,
      which TWC does not mention), plus ``scope`` when given.
    - Renewal: ``renew_before`` seconds before ``expires_in`` runs out (at most half the lifetime, so a short
      lived token is not fetched on every call); on a 401 from the API, once, then the 401 stands. No
      refresh-token flow: TWC documents none, and a client-credentials client can always ask again.
    - One renewal at a time: requests that find the token stale wait for the one fetch in flight and use its
      token, or share its failure rather than each asking the endpoint again.
    - A failure of the token endpoint raises :class:`AuthenticationFailed` naming what to fix
      (``credentials_setting`` for a refused client, ``token_url_setting`` for a URL that is not a token
      endpoint), retryable when the endpoint failed rather than refused: the API call was never sent, so it
      is never an "outcome unknown".
    - ``headers`` are sent with every API call as they are (TWC's ``X-TWC-Tenant``): not secrets.

    Async only (the shared client is an ``httpx2.AsyncClient``): the token is fetched with its own client
    (the token endpoint is another host: TWC's ``auth.`` beside ``api.``), on ``transport`` when given (a
    sandbox serving both in process).
    """

    requires_response_body = False  # a 401 is recognised by its status alone

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        headers: Mapping[str, str] | None = None,
        scope: str | None = None,
        credentials_setting: str = "the client id and secret",
        token_url_setting: str = "the token URL",
        renew_before: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: httpx2.Timeout | None = None,
    ) -> None:
        self._token_url = token_url
        self._form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        if scope:
            self._form["scope"] = scope
        self._headers = dict(headers or {})
        self._client_secret = client_secret
        self._credentials_setting = credentials_setting
        self._token_url_setting = token_url_setting
        self._renew_before = renew_before
        self._clock = clock
        self._transport = transport
        self._timeout = timeout or httpx2.Timeout(15.0, connect=5.0)
        self._client: httpx2.AsyncClient | None = None
        self._token: _Token | None = None
        self._lock = anyio.Lock()
        # How often the endpoint was asked (a waiter that saw another's request fail shares its failure).
        self.token_requests = 0
        self._failure: AuthenticationFailed | None = None

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(token_url={safe_url(self._token_url)!r}, headers={[*self._headers]!r})"

    def secrets(self) -> tuple[str, ...]:
        token = self._token
        return (self._client_secret,) if token is None else (self._client_secret, token.value)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def sync_auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        raise TypeError("ClientCredentialsAuth fetches its token asynchronously: use it with httpx2.AsyncClient")

    async def async_auth_flow(self, request: httpx2.Request) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        refused: _Token | None = None
        for _ in range(2):  # the request, and once more with a renewed token if the API answers 401
            token = await self._usable_token(refused)
            request.headers.update(self._headers)
            request.headers["Authorization"] = f"Bearer {token.value}"
            response = yield request
            if response.status_code != 401:
                return
            refused = token
            log.info("the API refused the token (401); renewing it once")

    async def _usable_token(self, refused: _Token | None) -> _Token:
        """The cached token if it is neither due for renewal nor ``refused``; else a new one, fetched by one
        request at a time."""
        token = self._current(refused)
        if token is not None:
            return token
        requests_seen = self.token_requests
        async with self._lock:
            token = self._current(refused)
            if token is not None:
                return token  # renewed while this request waited
            if self.token_requests != requests_seen and self._failure is not None:
                raise self._failure.again(None)  # the fetch this request waited for failed: so would this one
            return await self._fetch()

    def _current(self, refused: _Token | None) -> _Token | None:
        token = self._token
        if token is None or token is refused or self._clock() >= token.renew_at:
            return None
        return token

    async def _fetch(self) -> _Token:
        self.token_requests += 1
        self._failure = None
        asked_at = self._clock()  # the lifetime counts from the request, not from the answer
        try:
            token = self._accept(await self._post(), asked_at)
        except AuthenticationFailed as failure:
            self._failure = failure
            raise
        self._token = token
        return token

    async def _post(self) -> httpx2.Response:
        if self._client is None:
            self._client = httpx2.AsyncClient(transport=self._transport, timeout=self._timeout, follow_redirects=False)
        try:
            return await self._client.post(self._token_url, data=self._form, headers={"Accept": "application/json"})
        except (httpx2.InvalidURL, httpx2.UnsupportedProtocol):
            detail = f"the token URL {self._where()!r} is not an http(s) URL"
            raise self._failed(detail, fix=self._url_fix()) from None
        except httpx2.HTTPError as exc:
            detail = f"the token endpoint {self._where()} could not be reached ({type(exc).__name__}: {exc})"
            raise self._failed(detail, retryable=True) from None

    def _accept(self, response: httpx2.Response, asked_at: float) -> _Token:
        status = response.status_code
        if not 200 <= status < 300:
            raise self._refusal(response)
        payload = _json(response)
        if not isinstance(payload, dict):
            payload = {}
        value = payload.get("access_token")
        if not isinstance(value, str) or not value.strip():
            detail = f"the token endpoint {self._where()} answered {status} without an access_token"
            raise self._failed(detail, fix=self._url_fix(), status=status)
        kind = payload.get("token_type", "Bearer")
        if not isinstance(kind, str) or kind.lower() != "bearer":
            detail = f"the token endpoint {self._where()} issued a {kind!r} token; only bearer tokens are supported"
            raise self._failed(detail, fix=self._url_fix(), status=status)
        return _Token(value.strip(), asked_at + self._renewal_delay(payload.get("expires_in")))

    def _renewal_delay(self, expires_in: Any) -> float:
        """Seconds until renewal. ``expires_in`` is only RECOMMENDED in RFC 6749 (Keycloak always sends it):
        without a usable one the token is kept until the API refuses it (the 401 renewal)."""
        if isinstance(expires_in, str):
            try:
                expires_in = float(expires_in)
            except ValueError:
                return math.inf
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or not expires_in > 0:
            return math.inf
        lifetime = float(expires_in)
        return lifetime - min(self._renew_before, lifetime / 2)

    def _refusal(self, response: httpx2.Response) -> AuthenticationFailed:
        """A non-2xx answer: the endpoint refused the client (fix the credentials), is not a token endpoint
        (fix the URL), or failed (retry). Keycloak answers a bad client or secret with 400 or 401 and an OAuth
        error (``unauthorized_client``/``invalid_client``); TWC documents 404 for an unknown realm (tenant)."""
        status = response.status_code
        said = self._oauth_error(response)
        answered = f"the token endpoint {self._where()} answered {status}{f': {said}' if said else ''}"
        if status == 429 or status >= 500:
            return self._failed(
                answered, fix="The token endpoint failed; try again later.", status=status, retryable=True
            )
        if 300 <= status < 400 or status in (404, 405):
            return self._failed(f"{answered}; it is not a token endpoint", fix=self._url_fix(), status=status)
        fix = (
            f"Check {self._credentials_setting}: the token endpoint refused them (the client must also be allowed "
            "the client-credentials grant)."
        )
        return self._failed(f"{answered}; the client credentials were refused", fix=fix, status=status)

    def _oauth_error(self, response: httpx2.Response) -> str:
        """The endpoint's own words: ``error - error_description`` from an OAuth error, else a short plain body."""
        payload = _json(response)
        if isinstance(payload, dict):
            words = [str(payload[key]) for key in ("error", "error_description") if isinstance(payload.get(key), str)]
            return " - ".join(word.strip() for word in words if word.strip())
        text = response.text.strip()
        short_plain = text and len(text) <= 200 and "<" not in text
        return " ".join(text.split()) if short_plain else ""

    def _failed(
        self, detail: str, *, fix: str | None = None, status: int | None = None, retryable: bool = False
    ) -> AuthenticationFailed:
        fix = fix or f"Check {self._token_url_setting} (its host must be reachable), or try again later."
        return AuthenticationFailed(scrub(detail, self.secrets()), fix=fix, status=status, retryable=retryable)

    def _url_fix(self) -> str:
        return f"Check {self._token_url_setting}: it must lead to the OAuth2 token endpoint."

    def _where(self) -> str:
        return safe_url(self._token_url)


def _json(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
