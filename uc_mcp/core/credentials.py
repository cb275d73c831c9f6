"""What every provider's start-up check asks of a credential and of the base URL it is sent to, before any request.

A credential left as the placeholder of ``uc-mcp config``, ``.env.example`` or the README is refused with a message
that names the variable and never quotes the value; a base URL must be https, plain http only to this machine (a
``uc-mcp sandbox`` on 127.0.0.1), where nothing crosses a network. The provider names its variables and example;
what it adds of its own (UltraCart's two alternative credentials, Voucherify's key pair and ``/v1``) stays with it.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from .errors import ConfigurationError, safe_url

# What a credential left as a placeholder looks like: angle brackets or braces (`<your key>`, `${ULTRACART_API_KEY}`
# a host did not expand), quotes, or a placeholder word. Real keys, ids and tokens (long hex strings, UUIDs, opaque
# tokens) are never these.
_PLACEHOLDER = re.compile(
    r"[<>{}\[\]\"'$]|(?:^|[^a-z])(?:your|placeholder|changeme|replace|todo)(?:[^a-z]|$)|^[.*x]+$", re.I
)


def not_a_credential(secret: str) -> str | None:
    """Why ``secret`` cannot be a key or token, without quoting it; None when it may be one."""
    if _PLACEHOLDER.search(secret):
        return "it looks like a placeholder left in, not a key (brackets, quotes, `$` or a word like 'your')"
    if any(ch.isspace() for ch in secret) or not secret.isprintable() or not secret.isascii():
        return "it has spaces or characters no key has (expected one printable ASCII word)"
    return None


def check_base_url(url: str, *, variable: str, example: str, secret: str) -> None:
    """``variable`` (its value ``url``) must be an https URL, plain http only to this machine: else a
    ConfigurationError naming it (without its user, password or query) and ``example``. ``secret`` says what would
    cross the network unencrypted ("the API key")."""
    scheme, host = scheme_and_host(url)
    shown = f"{variable}={safe_url(url)!r}"
    if scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{shown} is not a URL: set it to the API's root, e.g. {example}.")
    if scheme == "http" and not is_loopback(host):
        raise ConfigurationError(
            f"{shown} is not allowed: {secret} would cross the network unencrypted. Set it to an https:// URL "
            f"(http:// only to this machine: 127.0.0.1, ::1 or localhost), e.g. {example}."
        )


def scheme_and_host(url: str) -> tuple[str, str]:
    """The URL's scheme and host; empty when it cannot be read (e.g. a port that is not a number)."""
    try:
        parts = urlsplit(url.strip())
        _port = parts.port  # reading it checks it: ValueError for "host:port" or a number out of range
    except ValueError:
        return "", ""
    return parts.scheme, parts.hostname or ""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
