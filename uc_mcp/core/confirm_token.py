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
``v2.<kid>.<expiry>.<nonce>.<binding>.<mac>`` (URL-safe, 89 characters for current timestamps):

* ``kid`` — which secret signed it: HMAC-SHA256 of a fixed label under the secret, first 4 bytes, base64url
  (6 characters). It lets a refusal say *why* a token is foreign — issued by another process with its own
  per-process secret, or under another ``UC_MCP_CONFIRM_SECRET`` — instead of blaming the arguments;
* ``expiry`` — Unix seconds, decimal ASCII;
* ``nonce`` — 16 random bytes, base64url without padding (22 characters);
* ``binding`` — SHA-256 (first 16 bytes, base64url) of the canonical JSON of what the preview *resolved*: the
  profile behind an email, the item behind a position. The person approved that target, not only the
  arguments, so a redeem passes the binding as it resolves *now* and a different one is refused;
* ``mac`` — HMAC-SHA256 truncated to 128 bits, base64url without padding (22 characters), over the UTF-8 of
  ``v2|<tool>|<tenant>|<kid>|<expiry>|<nonce>|<binding>|<canonical arguments>`` where ``<tool>`` and ``<tenant>``
  are written as JSON strings (quoted and escaped) so that a ``|`` inside a tenant id such as ``auth0|123`` cannot
  shift the field boundaries.

The MAC is recomputed over the token's own text fields and compared as text with :func:`hmac.compare_digest`,
so no other spelling of a token (leading zeros, non-canonical base64 tail bits) is ever accepted.

Checks run in this order, and the first failure raises :class:`InvalidToken` with a short, model-actionable
message that never contains the token: malformed → foreign secret ("issued by another server process" when this
process's secret is its own) → MAC mismatch ("issued for other arguments or another tool") → expired → target
changed (the binding no longer resolves the same way) → already used. The nonce is claimed as used only after
every other check passed, so a forged token cannot burn a real token's nonce. The claim is a single atomic
:meth:`UsedTokenStore.claim`, so two concurrent redemptions of one token cannot both succeed. Call
:meth:`~ConfirmationTokens.redeem` *before* the action: once redeemed, the token is spent even if the action then
fails (the model fetches a fresh preview, which also shows the state after the failure).

Withdrawing
-----------
:meth:`~ConfirmationTokens.cancel_key` derives, from a token this signer issued, a key that can only withdraw
it: ``c2.<kid>.<expiry>.<nonce>.<binding>.<mac>``, the MAC taken over ``c2|<tool>|<tenant>|...|<canonical
arguments>`` (a different message from any token's, so neither can be made from the other). The MCP Apps
confirmation card gets both: Confirm sends the token, Cancel sends the cancel key to
:meth:`~ConfirmationTokens.withdraw` together with the preview's tool and arguments, which spends the token
without executing anything — afterwards the token is refused as already used, so the model cannot redeem a
preview the person turned down — and a Cancel never carries a token that could execute. A cancel key is bound to
its preview's tool, tenant and arguments like the token, so it cannot record a decline of anything else; a
made-up key, or one presented with other arguments, is refused before anything is stored.

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
issued by one process is refused by another (as ``foreign_process``, whose message says how to fix it). Once a
secret is shared (``UC_MCP_CONFIRM_SECRET``), a token verifies in every process holding it, so its single use
must be recorded where all of them look: ``shared_state.RedisUsedTokens`` when ``UC_MCP_REDIS_URL`` is set (across
hosts; it raises a :class:`UsedTokenStoreFull` subclass when Redis cannot be reached, so nothing executes),
otherwise ``local_state.SqliteUsedTokens``, a file every process on the machine shares. :class:`MemoryUsedTokens`
is per process, right only while the secret is too.

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
    "binding_digest",
    "canonical_arguments",
    "single_use_key",
]

TOKEN_VERSION: Final = "v2"
DEFAULT_TTL_SECONDS: Final = 300
MIN_SECRET_BYTES: Final = 16
# The clock skew tolerated between replicas sharing a store. A used nonce is remembered this long past the token's
# expiry; the same margin is added to every other single-use record (``core/confirm.py``).
CLOCK_SKEW_SECONDS: Final = 60
USED_GRACE_SECONDS: Final = CLOCK_SKEW_SECONDS

_NONCE_BYTES: Final = 16
_MAC_BYTES: Final = 16
_KID_BYTES: Final = 4
_MAX_TOKEN_LEN: Final = 128  # anything longer is malformed without further parsing
_FIELDS: Final = r"\.([A-Za-z0-9_-]{6})\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})"
_TOKEN_RE: Final = re.compile(r"v2" + _FIELDS)
_CANCEL_RE: Final = re.compile(r"c2" + _FIELDS)
_CONFIRM_KEY: Final = "confirm"

InvalidTokenReason = Literal["malformed", "foreign", "foreign_process", "mismatch", "expired", "changed", "used"]

_AGAIN: Final = (
    "call the tool again without confirm to get a fresh preview, show it to the user and wait for their explicit yes"
)
_MESSAGES: Final[dict[InvalidTokenReason, str]] = {
    "malformed": f"The confirm token is malformed; nothing was done. Pass the token exactly as returned, or {_AGAIN}.",
    "foreign": "The confirm token was signed with another confirmation secret (UC_MCP_CONFIRM_SECRET differs "
    f"between the servers, or changed); nothing was done. Give every server process the same secret, or {_AGAIN}.",
    "foreign_process": "The confirm token was issued by another server process: without UC_MCP_CONFIRM_SECRET "
    "each process signs with its own secret, so a token works only in the process that issued it; nothing was "
    "done. On the command line, run the tool with `uc-mcp call TOOL '<arguments>' --confirm` (your yes), or set "
    f"UC_MCP_CONFIRM_SECRET for every process; otherwise {_AGAIN}.",
    "mismatch": f"The confirm token was issued for other arguments or another tool; nothing was done. Send exactly the arguments of the preview, or {_AGAIN}.",
    "expired": f"The confirm token has expired; nothing was done. To proceed, {_AGAIN}.",
    "changed": "What the preview showed no longer holds: the target it resolved (e.g. the profile behind an "
    f"email) is now a different one, so the user approved something else; nothing was done. {_AGAIN[0].upper()}"
    f"{_AGAIN[1:]}.",
    "used": f"The confirm token was already used; nothing more was done. To repeat the action, {_AGAIN}.",
}


class InvalidToken(Exception):
    """A confirm token that must not execute anything.

    ``reason`` is a short code (``malformed``, ``foreign``, ``foreign_process``, ``mismatch``, ``expired``,
    ``changed``, ``used``) for audit records;
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


def single_use_key(tool: str, canonical_args: str, request_state: str, tenant: str, binding: str = "") -> str:
    """The key under which the elicitation path records one executed confirmation (sha256 hex of the parts).

    ``binding`` is :func:`binding_digest` of what the preview resolved. The parts are encoded unambiguously (as a
    JSON array), so no two different tuples share a key.
    """
    material = json.dumps(["single-use/v2", tool, canonical_args, request_state, tenant, binding], ensure_ascii=False)
    return hashlib.sha256(_utf8(material)).hexdigest()


def binding_digest(binding: Mapping[str, Any] | None) -> str:
    """What a preview resolved (see the module doc), as 22 URL-safe characters: the same for the same resolution."""
    canonical = canonical_arguments(binding or {})
    return _b64(hashlib.sha256(_utf8("binding|" + canonical)).digest()[:16])


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
        # Names the secret without revealing it (see the module doc).
        self.kid = _b64(hmac.new(secret, b"uc-mcp/confirm-token/kid", hashlib.sha256).digest()[:_KID_BYTES])

    def __repr__(self) -> str:
        return f"ConfirmationTokens(ttl_seconds={self.ttl_seconds}, ephemeral={self.secret_is_ephemeral})"

    def _mac(self, version: str, tool: str, tenant: str, fields: tuple[str, str, str, str], canonical: str) -> str:
        message = "|".join((version, _quoted(tool), _quoted(tenant), *fields, canonical))
        digest = hmac.new(self._secret, _utf8(message), hashlib.sha256).digest()
        return _b64(digest[:_MAC_BYTES])

    def issue(
        self, tool: str, arguments: Mapping[str, Any], tenant: str = "default", binding: Mapping[str, Any] | None = None
    ) -> str:
        """A token that lets ``tool`` run once with exactly these ``arguments`` for ``tenant`` within the TTL, while
        what the preview resolved is still ``binding``."""
        return self._signed(TOKEN_VERSION, tool, arguments, tenant, binding, self._new_fields(binding))

    def _new_fields(self, binding: Mapping[str, Any] | None) -> tuple[str, str, str, str]:
        expiry = str(int(self._clock()) + self.ttl_seconds)
        return self.kid, expiry, _b64(secrets.token_bytes(_NONCE_BYTES)), binding_digest(binding)

    def _signed(
        self,
        version: str,
        tool: str,
        arguments: Mapping[str, Any],
        tenant: str,
        binding: Mapping[str, Any] | None,
        fields: tuple[str, str, str, str],
    ) -> str:
        mac = self._mac(version, tool, tenant, fields, canonical_arguments(arguments))
        return ".".join((version, *fields, mac))

    def _verified(
        self, pattern: re.Pattern[str], text: object, tool: str, arguments: Mapping[str, Any], tenant: str
    ) -> tuple[str, int, str, str]:
        """(version, expiry, nonce, binding digest) of a token or cancel key signed by this signer for exactly
        this call; InvalidToken otherwise (malformed, foreign, mismatch)."""
        if not isinstance(text, str) or len(text) > _MAX_TOKEN_LEN:
            raise InvalidToken("malformed")
        match = pattern.fullmatch(text)
        if match is None:
            raise InvalidToken("malformed")
        kid, expiry, nonce, bound, mac = match.groups()
        if not hmac.compare_digest(kid, self.kid):
            raise InvalidToken("foreign_process" if self.secret_is_ephemeral else "foreign")
        version = text[:2]
        expected = self._mac(version, tool, tenant, (kid, expiry, nonce, bound), canonical_arguments(arguments))
        if not hmac.compare_digest(expected, mac):
            raise InvalidToken("mismatch")
        return version, int(expiry), nonce, bound

    def redeem(
        self,
        token: str,
        tool: str,
        arguments: Mapping[str, Any],
        tenant: str = "default",
        binding: Mapping[str, Any] | None = None,
    ) -> None:
        """Return if ``token`` authorises this call (and spend it); raise :class:`InvalidToken` otherwise.

        ``binding`` is what the preview's resolution gives *now* (re-resolved just before this call); the action must
        then act on exactly that. Call before performing the action. ``arguments`` may still contain ``confirm``; it
        is ignored.
        """
        _, expires_at, nonce, bound = self._verified(_TOKEN_RE, token, tool, arguments, tenant)
        if self._clock() >= expires_at:
            raise InvalidToken("expired")
        if not hmac.compare_digest(bound, binding_digest(binding)):
            raise InvalidToken("changed")
        if not self.used.claim(f"confirm-token:{nonce}", expires_at + USED_GRACE_SECONDS):
            raise InvalidToken("used")

    def cancel_key(
        self,
        token: str,
        tool: str,
        arguments: Mapping[str, Any],
        tenant: str = "default",
    ) -> str:
        """The key that withdraws ``token`` (one this signer issued for this call) and can do nothing else."""
        _, expiry, nonce, bound = self._verified(_TOKEN_RE, token, tool, arguments, tenant)
        return self._signed("c2", tool, arguments, tenant, None, (self.kid, str(expiry), nonce, bound))

    def withdraw(
        self, cancel_key: str, tool: str, arguments: Mapping[str, Any], tenant: str = "default"
    ) -> Literal["withdrawn", "used", "expired"]:
        """Spend the token that ``cancel_key`` belongs to, without executing anything.

        ``tool``, ``arguments`` and ``tenant`` are the preview's: a key presented for anything else is refused.
        ``withdrawn``: the token can no longer be redeemed; ``used``: it was already redeemed (the action may have
        run) or withdrawn; ``expired``: it could not be redeemed anyway. A malformed, made-up or mismatched key
        raises :class:`InvalidToken` and stores nothing.
        """
        _, expires_at, nonce, _ = self._verified(_CANCEL_RE, cancel_key, tool, arguments, tenant)
        if self._clock() >= expires_at:
            return "expired"
        if not self.used.claim(f"confirm-token:{nonce}", expires_at + USED_GRACE_SECONDS):
            return "used"
        return "withdrawn"
