"""What every provider's sandbox store shares: one SQLite connection guarded by a lock, writes in ``BEGIN IMMEDIATE``
transactions so that two sandbox processes may share one database file (WAL mode), and a database seeded once.

A new database is seeded from the provider's demo data; an existing one is never seeded again, only reopened
(``customers`` and ``seed`` matter the first time alone), so a sandbox keeps what its clients wrote.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

MEMORY = ":memory:"  # a private database, gone when closed


def connect(path: str | Path) -> sqlite3.Connection:
    """The database at ``path`` (its directory created), in autocommit mode for explicit transactions, waiting up to
    30 s for another process's write; a file in WAL mode, so readers never wait for a writer."""
    memory = str(path) == MEMORY
    if not memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    if not memory:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class SqliteStore:
    """A provider's sandbox store on one connection; every method of a subclass is one API operation."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _seed_once(
        self, seed: Callable[[sqlite3.Connection], None], reopen: Callable[[sqlite3.Connection], None]
    ) -> None:
        """``seed`` a new database (one without the ``meta`` table every sandbox keeps), else ``reopen`` it; in one
        write transaction, so that two processes opening one new file seed it once."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
                seed(conn)
            else:
                reopen(conn)
