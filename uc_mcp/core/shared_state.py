"""State that replicas share through Redis (``UC_MCP_REDIS_URL``): used confirmation tokens, elicited
single-use keys, and the client-side pace of each store's API.

Several server processes behind one port (``uc-mcp serve --transport http --workers N``, or several
hosts) must agree on three things a request may need from another replica:

* **Used tokens and single-use keys** (:class:`RedisUsedTokens`): a confirm token redeemed on one replica
  is refused on every other, and a resent final elicitation round executes nothing wherever it lands.
  One atomic ``SET <prefix><key> 1 NX PXAT <expiry>`` per claim. If Redis cannot be reached the claim
  raises :class:`SharedStateUnavailable` (fail closed): a confirmation whose single use cannot be recorded
  must not execute.
* **The pace** (:class:`RedisPace`): the slots of the client-side rate limit come from one timeline per
  store (``uc-mcp:pace:<tenant>``), taken atomically by a small Lua script at the caller's current rate, so
  N processes together stay at the rate instead of N times it. Each process still learns the rate from
  its own 429s (``RateLimiter``). If Redis cannot be reached the pace raises
  :class:`~uc_mcp.core.ratelimit.PaceUnavailable` and the limiter paces that process alone until Redis is
  back (the API's own 429s still slow it down): pacing is politeness, not a safety property.
* The confirmation secret and the SDK's request-state keys are configuration (``UC_MCP_CONFIRM_SECRET``,
  ``UC_MCP_REQUEST_STATE_SECRET``), not Redis state.

The ``redis`` package (``pip install 'uc-mcp[redis]'``) is imported only when this module is, which
happens only when ``UC_MCP_REDIS_URL`` is set: the stdio install stays small and start-up fast. Building
these objects does not connect; the first claim or pace does.
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from .confirm_token import UsedTokenStoreFull
from .ratelimit import PaceUnavailable

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = [
    "PACE_PREFIX",
    "USED_PREFIX",
    "RedisPace",
    "RedisUnavailable",
    "RedisUsedTokens",
    "SharedStateUnavailable",
    "describe_url",
]

log = logging.getLogger("uc_mcp.shared_state")

USED_PREFIX: Final = "uc-mcp:used:"
PACE_PREFIX: Final = "uc-mcp:pace:"
# A confirmation or a pace slot waits at most about this long for Redis (connect, then answer) before
# failing; the claim is synchronous (see RedisUsedTokens), so this also bounds how long it holds the loop.
TIMEOUT_SECONDS: Final = 1.0

# Takes the next slot of a shared pace timeline. KEYS[1]: the timeline; ARGV[1]: the caller's interval
# between requests (microseconds). Times come from the Redis server's clock, so replicas on hosts whose
# clocks disagree still share one timeline. Returns how long the caller waits for its slot (microseconds).
# Numbers are written with %.0f: Lua's tostring keeps only 14 digits, too few for microsecond timestamps.
PACE_SCRIPT: Final = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local start = tonumber(redis.call('GET', KEYS[1]) or '0')
if start < now then start = now end
local after = start + interval
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.floor((after - now) / 1000) + 60000)
return start - now
"""


class RedisUnavailable(ValueError):
    """``UC_MCP_REDIS_URL`` cannot be used at all (the package is missing or the URL is malformed).

    A ``ValueError`` so that the command line reports it as a configuration problem at start-up.
    """


class SharedStateUnavailable(UsedTokenStoreFull):
    """Redis could not record a single use, so nothing may execute (fail closed)."""


def describe_url(url: str) -> str:
    """``redis://host:port/db`` without user name or password, for messages and logs."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(malformed URL)"
    if parts.hostname is None:  # unix:///path/to/socket
        return f"{parts.scheme}://{parts.path}"
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


def _redis_module() -> Any:
    try:
        import redis
    except ImportError:
        raise RedisUnavailable(
            "UC_MCP_REDIS_URL is set but the redis package is not installed: pip install 'uc-mcp[redis]'."
        ) from None
    return redis


def _checked_url(url: str) -> None:
    """Parse ``url`` the way redis-py will (no connection), so a malformed one fails at start-up."""
    from redis import connection

    parse: Any = connection.parse_url  # untyped in redis-py
    try:
        parse(url)
    except ValueError as error:
        raise RedisUnavailable(f"UC_MCP_REDIS_URL is malformed ({error}).") from None


def _client_options(asynchronous: bool) -> dict[str, Any]:
    from redis.backoff import NoBackoff

    if asynchronous:
        from redis.asyncio.retry import Retry as AsyncRetry

        retry: Any = AsyncRetry(NoBackoff(), 1)
    else:
        from redis.retry import Retry

        retry = Retry(NoBackoff(), 1)
    return {
        "socket_timeout": TIMEOUT_SECONDS,
        "socket_connect_timeout": TIMEOUT_SECONDS,
        # One retry on a fresh connection (a pooled one may have died with a Redis restart); redis-py's
        # default retries with backoff for seconds, far too long for a request waiting on it.
        "retry": retry,
        "health_check_interval": 30,
    }


class RedisUsedTokens:
    """A :class:`~uc_mcp.core.confirm_token.UsedTokenStore` in Redis, shared by every replica.

    ``claim`` is synchronous, like the protocol and its callers (``ConfirmationTokens.redeem``,
    ``confirm.claim_execution``): one ``SET NX PXAT`` round-trip (well under a millisecond on a local
    network) on a human-paced action, bounded by :data:`TIMEOUT_SECONDS` when Redis is unreachable. Making
    the protocol async would ripple through the token signer, the confirmation policy and the tool builder
    for no gain a user could notice; the sync client is also thread-safe (its own connection pool).
    """

    def __init__(self, url: str, *, prefix: str = USED_PREFIX) -> None:
        module = _redis_module()
        _checked_url(url)
        self.prefix = prefix
        self.where = describe_url(url)
        self._client: redis.Redis = module.Redis.from_url(url, **_client_options(asynchronous=False))
        self._errors: tuple[type[BaseException], ...] = (module.RedisError, OSError)

    def __repr__(self) -> str:
        return f"RedisUsedTokens({self.where!r}, prefix={self.prefix!r})"

    def claim(self, key: str, expires_at: float) -> bool:
        """Record ``key`` until ``expires_at`` (Unix seconds); True the first time, False while it is remembered.

        Raises :class:`SharedStateUnavailable` when Redis does not answer: the caller must not execute.
        """
        try:
            stored = self._client.set(self.prefix + key, b"1", nx=True, pxat=math.ceil(expires_at * 1000))
        except self._errors as error:
            log.error(
                "shared used-token store at %s unreachable (%s): confirmations are refused until it is back",
                self.where,
                type(error).__name__,
            )
            raise SharedStateUnavailable(
                "the shared confirmation store (Redis, UC_MCP_REDIS_URL) cannot be reached, so this "
                "confirmation's single use cannot be recorded"
            ) from None
        return bool(stored)

    def close(self) -> None:
        self._client.close()


# One asyncio client per (event loop, URL): redis.asyncio connections belong to the loop that opened
# them, and every store's pace in a process shares one pool.
_ASYNC_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = weakref.WeakKeyDictionary()


def _async_client(url: str) -> tuple[redis.asyncio.Redis, Any]:
    """The loop's client for ``url`` and its registered pace script."""
    loop = asyncio.get_running_loop()
    clients = _ASYNC_CLIENTS.setdefault(loop, {})
    entry = clients.get(url)
    if entry is None:
        from redis.asyncio import Redis

        client = Redis.from_url(url, **_client_options(asynchronous=True))
        entry = clients[url] = (client, client.register_script(PACE_SCRIPT))
    return entry


class RedisPace:
    """One store's pace timeline in Redis (``uc-mcp:pace:<tenant>``), for ``RateLimiter(shared=...)``."""

    def __init__(self, url: str, tenant: str, *, prefix: str = PACE_PREFIX) -> None:
        module = _redis_module()
        _checked_url(url)
        self._url = url
        self.key = prefix + tenant
        self.where = describe_url(url)
        self._errors: tuple[type[BaseException], ...] = (module.RedisError, OSError, asyncio.TimeoutError)

    def __repr__(self) -> str:
        return f"RedisPace({self.where!r}, key={self.key!r})"

    async def reserve(self, interval: float) -> float:
        """Take the next slot, ``interval`` seconds after the previous one; seconds to wait for it."""
        try:
            _, script = _async_client(self._url)
            waited = await script(keys=[self.key], args=[max(1, round(interval * 1_000_000))])
        except self._errors as error:
            raise PaceUnavailable(f"the shared pace at {self.where} is unreachable ({type(error).__name__})") from None
        return max(0.0, int(waited) / 1_000_000)
