"""Single-use records shared by every server process on one machine, when Redis is not configured.

A confirm token signed with a configured ``UC_MCP_CONFIRM_SECRET`` (or an elicitation round sealed with a
configured ``UC_MCP_REQUEST_STATE_SECRET``) is valid in *every* process that holds the secret: each
``uc-mcp call`` is its own process, and a host may run several servers. A per-process memory of used tokens would
let the next process accept a token the previous one already executed, so a credit could be added twice.
:class:`SqliteUsedTokens` keeps the used keys in a small SQLite file in the user's state directory instead; every
process on the machine claims through it, atomically (one ``INSERT`` under SQLite's write lock).

Memory-only stays right when the secrets are per process: nothing another process signed can verify here.
With ``UC_MCP_REDIS_URL`` the shared store is Redis (``shared_state.RedisUsedTokens``), which also spans hosts.

Fail closed: a claim that cannot be recorded (unwritable directory, corrupt file, lock held too long) raises
:class:`LocalStateUnavailable` — a :class:`~uc_mcp.core.confirm_token.UsedTokenStoreFull` — and nothing executes.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from .confirm_token import UsedTokenStoreFull

__all__ = ["LocalStateUnavailable", "SqliteUsedTokens", "default_state_path"]

log = logging.getLogger("uc_mcp.local_state")

FILE_NAME: Final = "confirmations.sqlite3"
# A claim waits at most this long for another process's write lock (claims take microseconds).
BUSY_TIMEOUT_SECONDS: Final = 5.0
# Expired keys are deleted on every this-many claims: the table stays small without a sweep per claim.
PRUNE_EVERY: Final = 64

_SCHEMA: Final = "CREATE TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID"


def default_state_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("uc-mcp", appauthor=False) / FILE_NAME


class LocalStateUnavailable(UsedTokenStoreFull):
    """The machine-wide single-use store cannot be used, so nothing may execute (fail closed)."""


class SqliteUsedTokens:
    """A :class:`~uc_mcp.core.confirm_token.UsedTokenStore` in a SQLite file shared by this machine's processes.

    The file is opened on the first claim (start-up opens nothing), created with mode 0600.
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()  # one connection per store; sqlite3 objects are not shared across threads
        self._conn: sqlite3.Connection | None = None
        self._claims = 0

    def __repr__(self) -> str:
        return f"SqliteUsedTokens({str(self.path)!r})"

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():  # created private: the keys name tenants' confirmations
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
            )
            conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    def claim(self, key: str, expires_at: float) -> bool:
        """Record ``key`` until ``expires_at`` (Unix seconds); True the first time, False while it is remembered."""
        now = self._clock()
        try:
            with self._lock:
                conn = self._connection()
                # An expired record of the same key is replaced; a live one is kept (no row changes).
                cursor = conn.execute(
                    "INSERT INTO used (key, expires_at) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE used.expires_at <= ?",
                    (key, expires_at, now),
                )
                claimed = cursor.rowcount == 1
                self._claims += 1
                if self._claims % PRUNE_EVERY == 0:
                    conn.execute("DELETE FROM used WHERE expires_at <= ?", (now,))
        except (sqlite3.Error, OSError) as error:
            log.error("single-use store %s unusable (%s): confirmations are refused", self.path, type(error).__name__)
            raise LocalStateUnavailable(
                f"the confirmation store {self.path} cannot be written ({type(error).__name__}; the operator "
                "must make its directory writable, or set UC_MCP_REDIS_URL for a shared store), so this "
                "confirmation's single use cannot be recorded"
            ) from None
        return claimed

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
