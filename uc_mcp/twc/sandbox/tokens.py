"""The sandbox's Keycloak: one realm per tenant, the client-credentials grant, and the bearer tokens it issues.

``POST /auth/realms/{tenant}/protocol/openid-connect/token`` with ``grant_type=client_credentials`` and the
tenant's ``client_id``/``client_secret`` (form-encoded, TWC's documented form; HTTP Basic as Keycloak also allows)
answers ``{"access_token", "expires_in", "refresh_expires_in": 0, "token_type": "Bearer", "not-before-policy": 0,
"scope": "email profile"}`` (reference §2). Errors are Keycloak's OAuth JSON:

* an unknown realm: 404 ``{"error": "Realm does not exist"}`` (TWC documents 404 for an unknown tenant);
* a missing or unknown client, or a wrong secret: 401 ``invalid_client`` (inferred: Keycloak's answer);
* no ``grant_type``: 400 ``invalid_request``; another grant: 400 ``unsupported_grant_type``.

Tokens look like Keycloak's (a JWT, HS256 here) and are checked by signature, realm and expiry on the sandbox's
clock, so a test that moves the clock runs a token past its expiry. The signing key lives in the database, so
two sandbox processes on one file accept each other's tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from .clock import Clock

TOKEN_LIFETIME_SECONDS = 300  # Keycloak's default access-token lifespan (the getting-started guide says 5 hours)
SCOPE = "email profile"


class TokenRefusal(Exception):
    """An OAuth error answer of the token endpoint."""

    def __init__(self, status: int, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


def invalid_client() -> TokenRefusal:
    return TokenRefusal(401, "invalid_client", "Invalid client or Invalid client credentials")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Issues and checks the bearer tokens of every tenant realm."""

    def __init__(
        self, tenants: Mapping[str, tuple[str, str]], key: bytes, clock: Clock, lifetime: int, issuer_base: str
    ) -> None:
        self.tenants = dict(tenants)
        self._key = key
        self._clock = clock
        self.lifetime = lifetime
        self._issuer_base = issuer_base.rstrip("/")

    # -- the token endpoint ------------------------------------------------------------------------------------

    def grant(self, realm: str, body: bytes, authorization: str | None) -> dict[str, Any]:
        """The token endpoint's answer for one request; :class:`TokenRefusal` for an OAuth error."""
        if realm not in self.tenants:
            raise TokenRefusal(404, "Realm does not exist")
        form = _form(body)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise TokenRefusal(400, "invalid_request", "Missing form parameter: grant_type")
        client_id, client_secret = _basic(authorization) or (form.get("client_id"), form.get("client_secret"))
        expected_id, expected_secret = self.tenants[realm]
        if not client_id or not _same(client_id, expected_id):
            raise invalid_client()
        if grant_type != "client_credentials":
            raise TokenRefusal(400, "unsupported_grant_type", "Unsupported grant_type")
        if not client_secret or not _same(client_secret, expected_secret):
            raise invalid_client()
        return {
            "access_token": self.issue(realm),
            "expires_in": self.lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": SCOPE,
        }

    def issue(self, realm: str) -> str:
        """A signed token of ``realm``'s client, valid for ``lifetime`` seconds from the clock's now."""
        now = int(self._clock.now().timestamp())
        client_id = self.tenants[realm][0]
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {
            "exp": now + self.lifetime,
            "iat": now,
            "jti": secrets.token_hex(8),
            "iss": f"{self._issuer_base}/auth/realms/{realm}",
            "typ": "Bearer",
            "azp": client_id,
            "scope": SCOPE,
            "clientId": client_id,
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        return f"{signing_input}.{_b64(self._sign(signing_input))}"

    # -- checking a bearer token -------------------------------------------------------------------------------

    def realm_of(self, token: str) -> str | None:
        """The realm that issued ``token`` when it is one of ours, unaltered and unexpired; else None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        signing_input = f"{parts[0]}.{parts[1]}"
        try:
            signature = _unb64(parts[2])
            claims = json.loads(_unb64(parts[1]))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(signature, self._sign(signing_input)) or not isinstance(claims, dict):
            return None
        expires = claims.get("exp")
        issuer = claims.get("iss")
        if not isinstance(expires, int) or not isinstance(issuer, str):
            return None
        if self._clock.now().timestamp() >= expires:
            return None
        realm = issuer.rpartition("/auth/realms/")[2]
        return realm if realm in self.tenants else None

    def _sign(self, signing_input: str) -> bytes:
        # UTF-8, not ASCII: a token read from a header may hold any Latin-1 character, and must fail the check.
        return hmac.new(self._key, signing_input.encode("utf-8"), hashlib.sha256).digest()


def _form(body: bytes) -> dict[str, str]:
    """The form fields (the first of each); a body that is no form has none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}


def _basic(authorization: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an HTTP Basic header (RFC 6749 §2.3.1), None without one."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ("", "")
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))
