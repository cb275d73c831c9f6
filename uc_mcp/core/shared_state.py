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
* **Export links** (:class:`RedisExports`): an export made over HTTP on one replica is read through its
  ``ultracart://exports/<id>`` link on any other. Its record (who made it, which file, until when) is one key
  that Redis expires itself; the file lives in the directory every replica shares (``UC_MCP_EXPORT_DIR``).
  If Redis cannot be reached no link is made or served (:class:`SharedExportsUnavailable`): an export whose
  owner cannot be checked must not be read.
* The confirmation secret and the SDK's request-state keys are configuration (``UC_MCP_CONFIRM_SECRET``,
  ``UC_MCP_REQUEST_STATE_SECRET``), not Redis state.

The ``redis`` package (``pip install 'uc-mcp[redis]'``) is imported only when this module is, which
happens only when ``UC_MCP_REDIS_URL`` is set: the stdio install stays small and start-up fast. Building
these objects does not connect; the first claim or pace does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from .confirm_token import UsedTokenStoreFull
from .ratelimit import PaceUnavailable

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = [
    "EXPORT_PREFIX",
    "PACE_PREFIX",
    "USED_PREFIX",
    "RedisExports",
    "RedisPace",
    "RedisUnavailable",
    "RedisUsedTokens",
    "SharedExportsUnavailable",
    "SharedStateUnavailable",
    "describe_url",
]

log = logging.getLogger("uc_mcp.shared_state")

USED_PREFIX: Final = "uc-mcp:used:"
PACE_PREFIX: Final = "uc-mcp:pace:"
EXPORT_PREFIX: Final = "uc-mcp:export:"
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


class SharedExportsUnavailable(RuntimeError):
    """Redis could not record or look up an export link, so none is made or served (fail closed)."""


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


class RedisExports:
    """The export links of every replica, in Redis.

    ``<prefix>id:<export id>`` holds one export's record (a JSON object, written by the caller) until it
    expires (``PXAT``: Redis forgets it on time, whichever replica is up). ``<prefix>files``, a sorted set of
    ``[export id, file name]`` by expiry, says which files to delete once expired: whichever replica purges
    next deletes each file once (``ZREM`` tells exactly one of them that it removed the entry), even when the
    replica that wrote it is gone, and forgets the record with it (a replica whose clock runs ahead must not
    leave a link to a deleted file). Every operation is one short round-trip bounded by :data:`TIMEOUT_SECONDS`.
    """

    def __init__(self, url: str, *, prefix: str = EXPORT_PREFIX) -> None:
        module = _redis_module()
        _checked_url(url)
        self._url = url
        self.prefix = prefix
        self.files_key = prefix + "files"
        self.where = describe_url(url)
        self._errors: tuple[type[BaseException], ...] = (module.RedisError, OSError, asyncio.TimeoutError)

    def __repr__(self) -> str:
        return f"RedisExports({self.where!r}, prefix={self.prefix!r})"

    def _key(self, export_id: str) -> str:
        return f"{self.prefix}id:{export_id}"

    def _unavailable(self, error: BaseException) -> SharedExportsUnavailable:
        log.error("shared export registry at %s unreachable (%s)", self.where, type(error).__name__)
        return SharedExportsUnavailable(
            "the shared export registry (Redis, UC_MCP_REDIS_URL) cannot be reached, so no export link can be "
            "made or read right now. Try again once it is back."
        )

    async def put(self, export_id: str, record: Mapping[str, Any], file: str, expires_at: float) -> None:
        """Keep ``record`` under ``export_id`` until ``expires_at`` (Unix seconds); ``file`` is deleted after."""
        try:
            client, _ = _async_client(self._url)
            async with client.pipeline(transaction=True) as pipe:  # both or neither
                pipe.set(self._key(export_id), json.dumps(dict(record)), pxat=math.ceil(expires_at * 1000))
                pipe.zadd(self.files_key, {json.dumps([export_id, file]): expires_at})
                await pipe.execute()
        except self._errors as error:
            raise self._unavailable(error) from None

    async def get(self, export_id: str) -> dict[str, Any] | None:
        """The record of ``export_id`` while it lasts; None when unknown or expired (or not a JSON object)."""
        try:
            client, _ = _async_client(self._url)
            stored = await client.get(self._key(export_id))
        except self._errors as error:
            raise self._unavailable(error) from None
        if stored is None:
            return None
        try:
            record = json.loads(stored)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    async def take_expired_files(self, now: float) -> list[str]:
        """The files whose exports expired by ``now`` (Unix seconds), each given to exactly one caller; their
        records are forgotten too."""
        try:
            client, _ = _async_client(self._url)
            due: list[Any] = list(await client.zrangebyscore(self.files_key, "-inf", now))  # bytes: no decoding
            if not due:
                return []
            async with client.pipeline(transaction=False) as pipe:
                for entry in due:
                    pipe.zrem(self.files_key, entry)
                removed = await pipe.execute()
            taken = [_export_entry(entry) for entry, count in zip(due, removed, strict=True) if count]
            expired = [self._key(export_id) for export_id, _ in filter(None, taken)]
            if expired:
                await client.delete(*expired)
        except self._errors as error:
            raise self._unavailable(error) from None
        return [file for _, file in filter(None, taken)]


def _export_entry(entry: bytes) -> tuple[str, str] | None:
    """``(export id, file name)`` from an entry of the files set; None if it is not one ``put`` wrote."""
    try:
        value = json.loads(entry)
    except ValueError:
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value):
        return value[0], value[1]
    return None
