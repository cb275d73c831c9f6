"""The signed-token fallback of the confirmation of guarded tools (DESIGN.md §2, "Confirmation of guarded tools").

When the host cannot elicit, a guarded tool called without ``confirm`` changes nothing and returns a preview
plus a token from :meth:`ConfirmationTokens.issue`. Calling again with ``confirm=<token>`` and the same
arguments executes once :meth:`ConfirmationTokens.redeem` has returned without raising.

What a token proves — and what it does not
------------------------------------------
A successful redeem proves only that *this server issued a preview* for exactly this tool, tenant and
canonical arguments, less than ``ttl_seconds`` ago, and that this is the first time the token came back. It
does **not** prove that a human saw the preview or agreed to it: the model holds the token and can send it back
on its own. The preview therefore tells the model to show it to the user and wait for an explicit yes, and
hosts show their own approval prompt for tools marked destructive. Elicitation (the host asking the human) is
preferred whenever the host supports it; this module is the fallback.

Token format
------------
``v1.<expiry>.<nonce>.<mac>`` (URL-safe, 59 characters for current timestamps):

* ``expiry`` — Unix seconds, decimal ASCII;
* ``nonce`` — 16 random bytes, base64url without padding (22 characters);
* ``mac`` — HMAC-SHA256 truncated to 128 bits, base64url without padding (22 characters), over the UTF-8 of
  ``v1|<tool>|<tenant>|<expiry>|<nonce>|<canonical arguments>`` where ``<tool>`` and ``<tenant>`` are written
  as JSON strings (quoted and escaped) so that a ``|`` inside a tenant id such as ``auth0|123`` cannot shift
  the field boundaries.

The MAC is recomputed over the token's own text fields and compared as text with :func:`hmac.compare_digest`,
so no other spelling of a token (leading zeros, non-canonical base64 tail bits) is ever accepted.

Checks run in this order, and the first failure raises :class:`InvalidToken` with a short, model-actionable
message that never contains the token: malformed → MAC mismatch ("issued for other arguments or another
tool") → expired → already used. The nonce is claimed as used only after the MAC and expiry checks passed, so a
forged token cannot burn a real token's nonce. The claim is a single atomic :meth:`UsedTokenStore.claim`, so
two concurrent redemptions of one token cannot both succeed. Call :meth:`~ConfirmationTokens.redeem` *before*
the action: once redeemed, the token is spent even if the action then fails (the model fetches a fresh
preview, which also shows the state after the failure).

Withdrawing
-----------
:meth:`~ConfirmationTokens.cancel_key` derives, from a token this signer issued, a key that can only withdraw
it: ``c1.<expiry>.<nonce>.<mac>``, the MAC taken over ``c1|<expiry>|<nonce>`` (a different message from any
token's, so neither can be made from the other). The MCP Apps confirmation card gets both: Confirm sends the
token, Cancel sends the cancel key to :meth:`~ConfirmationTokens.withdraw`, which spends the token without
executing anything — afterwards the token is refused as already used, so the model cannot redeem a preview the
person turned down — and a Cancel never carries a token that could execute. A made-up cancel key is refused
before anything is stored.

Canonical arguments
-------------------
:func:`canonical_arguments` serialises exactly the arguments it is given, type for type: sorted keys, compact
separators, ``ensure_ascii=False``, the ``confirm`` key left out. It performs **no numeric normalisation**:
``20``, ``20.0`` and ``"20.00"`` are three different canonical forms (``20``, ``20.0``, ``"20.00"``), so values
that are different JSON never collide by accident, and the token layer never guesses that two spellings mean
the same amount. Only JSON values are accepted (``dict`` with ``str`` keys, ``list``/``tuple``, ``str``,
``int``, finite ``float``, ``bool``, ``None``); a ``Decimal``, ``datetime`` or non-string key raises
``TypeError``. Callers pass the arguments *after* their pydantic validation, dumped with ``mode="json"``
(``model_dump(mode="json", exclude={"confirm"})`` or similar): the validation model is where money is
quantised to two places, so ``20``, ``20.0`` and ``"20.00"`` all become ``"20.00"`` before they get here and a
preview and its confirmation agree whenever the validated arguments agree.

Secrets and replicas
--------------------
With ``secret=None`` each process draws a random 32-byte secret, so tokens die with the process and a token
issued by one replica fails on another. Deployments with more than one replica (or that want tokens to survive
a restart) must give every replica the same ``UC_MCP_CONFIRM_SECRET`` and a shared :class:`UsedTokenStore`
(``shared_state.RedisUsedTokens``, used when ``UC_MCP_REDIS_URL`` is set; it raises a
:class:`UsedTokenStoreFull` subclass when Redis cannot be reached, so nothing executes);
:class:`MemoryUsedTokens` is per process.

The module is provider-independent and uses the standard library only; importing it is cheap.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, Protocol

__all__ = [
    "DEFAULT_TTL_SECONDS",
    "TOKEN_VERSION",
    "ConfirmationTokens",
    "InvalidToken",
    "InvalidTokenReason",
    "MemoryUsedTokens",
    "UsedTokenStore",
    "UsedTokenStoreFull",
    "canonical_arguments",
    "single_use_key",
]

TOKEN_VERSION: Final = "v1"
DEFAULT_TTL_SECONDS: Final = 300
MIN_SECRET_BYTES: Final = 16
# How long a used nonce is remembered past the token's expiry: covers clock skew between replicas sharing a store.
USED_GRACE_SECONDS: Final = 60

_NONCE_BYTES: Final = 16
_MAC_BYTES: Final = 16
_MAX_TOKEN_LEN: Final = 128  # anything longer is malformed without further parsing
_TOKEN_RE: Final = re.compile(r"v1\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})")
_CANCEL_RE: Final = re.compile(r"c1\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})")
_CONFIRM_KEY: Final = "confirm"

InvalidTokenReason = Literal["malformed", "mismatch", "expired", "used"]

_AGAIN: Final = (
    "call the tool again without confirm to get a fresh preview, show it to the user and wait for their explicit yes"
)
_MESSAGES: Final[dict[InvalidTokenReason, str]] = {
    "malformed": f"The confirm token is malformed; nothing was done. Pass the token exactly as returned, or {_AGAIN}.",
    "mismatch": f"The confirm token was issued for other arguments or another tool; nothing was done. Send exactly the arguments of the preview, or {_AGAIN}.",
    "expired": f"The confirm token has expired; nothing was done. To proceed, {_AGAIN}.",
    "used": f"The confirm token was already used; nothing more was done. To repeat the action, {_AGAIN}.",
}


class InvalidToken(Exception):
    """A confirm token that must not execute anything.

    ``reason`` is a short code (``malformed``, ``mismatch``, ``expired``, ``used``) for audit records;
    ``str()`` is the message for the model. Neither ever contains the token.
    """

    def __init__(self, reason: InvalidTokenReason) -> None:
        self.reason: InvalidTokenReason = reason
        self.message = _MESSAGES[reason]
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"InvalidToken({self.reason!r})"


class UsedTokenStoreFull(RuntimeError):
    """The used-token store cannot record another key without forgetting a live one; nothing may execute."""


class UsedTokenStore(Protocol):
    """Remembers single-use keys until they expire. ``claim`` must be atomic across every redeemer."""

    def claim(self, key: str, expires_at: float) -> bool:
        """Record ``key`` until ``expires_at`` (Unix seconds); True the first time, False while it is remembered."""
        ...


class MemoryUsedTokens:
    """A per-process :class:`UsedTokenStore`: a dict guarded by a lock, pruned of expired keys on each claim.

    At most ``max_entries`` live keys are kept. When that many unexpired keys are held, ``claim`` of a new key
    raises :class:`UsedTokenStoreFull` (fail closed: forgetting a live key would allow a replay).
    """

    def __init__(self, *, max_entries: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []  # (expires_at, key), earliest first

    def claim(self, key: str, expires_at: float) -> bool:
        with self._lock:
            now = self._clock()
            self._prune(now)
            if key in self._expiry:
                return False
            if len(self._expiry) >= self._max_entries:
                raise UsedTokenStoreFull("too many confirmations in flight; try again in a few minutes")
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            return True

    def __len__(self) -> int:
        with self._lock:
            self._prune(self._clock())
            return len(self._expiry)

    def _prune(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            expires_at, key = heapq.heappop(heap)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]


def _json_value(value: Any, path: str) -> Any:
    """A plain-JSON copy of ``value`` (dicts and lists), or TypeError/ValueError naming the offending path."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"canonical_arguments: non-finite number at {path}")
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical_arguments: non-string key {type(key).__name__} at {path}")
            out[key] = _json_value(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise TypeError(
        f"canonical_arguments takes JSON values (dump the validated model with mode='json'); "
        f"got {type(value).__name__} at {path}"
    )


def canonical_arguments(arguments: Mapping[str, Any]) -> str:
    """Deterministic JSON of ``arguments`` without the top-level ``confirm`` key (type-exact; see module doc)."""
    if not isinstance(arguments, Mapping):
        raise TypeError(f"canonical_arguments takes a mapping, got {type(arguments).__name__}")
    plain = _json_value({k: v for k, v in arguments.items() if k != _CONFIRM_KEY}, "$")
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate (valid in JSON input) must not make signing fail; the encoding stays injective.
    return text.encode("utf-8", "surrogatepass")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def single_use_key(tool: str, canonical_args: str, request_state: str, tenant: str) -> str:
    """The key under which the elicitation path records one executed confirmation (sha256 hex of the parts).

    The parts are encoded unambiguously (as a JSON array), so no two different tuples share a key.
    """
    material = json.dumps(["single-use/v1", tool, canonical_args, request_state, tenant], ensure_ascii=False)
    return hashlib.sha256(_utf8(material)).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class ConfirmationTokens:
    """Issues and redeems single-use confirm tokens bound to tool, tenant, canonical arguments and expiry.

    ``secret=None`` draws a random 32-byte secret for this process (``secret_is_ephemeral`` is then True);
    replicas must share ``UC_MCP_CONFIRM_SECRET`` and a shared ``used`` store. A given secret must be at least
    16 bytes. ``used`` defaults to a fresh :class:`MemoryUsedTokens` on the same clock.
    """

    def __init__(
        self,
        secret: bytes | None,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        used: UsedTokenStore | None = None,
    ) -> None:
        if secret is None:
            secret = secrets.token_bytes(32)
            self.secret_is_ephemeral = True
        else:
            if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
                raise ValueError(f"the confirmation secret must be at least {MIN_SECRET_BYTES} bytes")
            self.secret_is_ephemeral = False
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be at least 1")
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self.now = clock  # the clock tokens and single-use keys expire by
        self.used: UsedTokenStore = used if used is not None else MemoryUsedTokens(clock=clock)

    def __repr__(self) -> str:
        return f"ConfirmationTokens(ttl_seconds={self.ttl_seconds}, ephemeral={self.secret_is_ephemeral})"

    def _mac(self, tool: str, tenant: str, expiry: str, nonce: str, canonical: str) -> str:
        message = "|".join((TOKEN_VERSION, _quoted(tool), _quoted(tenant), expiry, nonce, canonical))
        digest = hmac.new(self._secret, _utf8(message), hashlib.sha256).digest()
        return _b64(digest[:_MAC_BYTES])

    def issue(self, tool: str, arguments: Mapping[str, Any], tenant: str = "default") -> str:
        """A token that lets ``tool`` run once with exactly these ``arguments`` for ``tenant`` within the TTL."""
        canonical = canonical_arguments(arguments)
        expiry = str(int(self._clock()) + self.ttl_seconds)
        nonce = _b64(secrets.token_bytes(_NONCE_BYTES))
        return f"{TOKEN_VERSION}.{expiry}.{nonce}.{self._mac(tool, tenant, expiry, nonce, canonical)}"

    def redeem(self, token: str, tool: str, arguments: Mapping[str, Any], tenant: str = "default") -> None:
        """Return if ``token`` authorises this call (and spend it); raise :class:`InvalidToken` otherwise.

        Call before performing the action. ``arguments`` may still contain ``confirm``; it is ignored.
        """
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_LEN:
            raise InvalidToken("malformed")
        match = _TOKEN_RE.fullmatch(token)
        if match is None:
            raise InvalidToken("malformed")
        expiry, nonce, mac = match.groups()
        expected = self._mac(tool, tenant, expiry, nonce, canonical_arguments(arguments))
        if not hmac.compare_digest(expected, mac):
            raise InvalidToken("mismatch")
        expires_at = int(expiry)
        if self._clock() >= expires_at:
            raise InvalidToken("expired")
        if not self.used.claim(f"confirm-token:{nonce}", expires_at + USED_GRACE_SECONDS):
            raise InvalidToken("used")

    def _cancel_mac(self, expiry: str, nonce: str) -> str:
        digest = hmac.new(self._secret, _utf8(f"c1|{expiry}|{nonce}"), hashlib.sha256).digest()
        return _b64(digest[:_MAC_BYTES])

    def cancel_key(self, token: str) -> str:
        """The key that withdraws ``token`` (one this signer issued) and can do nothing else."""
        match = _TOKEN_RE.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            raise InvalidToken("malformed")
        expiry, nonce, _ = match.groups()
        return f"c1.{expiry}.{nonce}.{self._cancel_mac(expiry, nonce)}"

    def withdraw(self, cancel_key: str) -> Literal["withdrawn", "used", "expired"]:
        """Spend the token that ``cancel_key`` belongs to, without executing anything.

        ``withdrawn``: the token can no longer be redeemed; ``used``: it was already redeemed (the action may
        have run) or withdrawn; ``expired``: it could not be redeemed anyway. A malformed or made-up key raises
        :class:`InvalidToken` and stores nothing.
        """
        match = _CANCEL_RE.fullmatch(cancel_key) if isinstance(cancel_key, str) else None
        if match is None:
            raise InvalidToken("malformed")
        expiry, nonce, mac = match.groups()
        if not hmac.compare_digest(self._cancel_mac(expiry, nonce), mac):
            raise InvalidToken("mismatch")
        expires_at = int(expiry)
        if self._clock() >= expires_at:
            return "expired"
        if not self.used.claim(f"confirm-token:{nonce}", expires_at + USED_GRACE_SECONDS):
            return "used"
        return "withdrawn"
