"""A sandbox's whole state as one digest, for tests that prove a call changed nothing: every row of every table of
its SQLite file, read through a second, read-only connection (never the API under test)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any


class StoreDigest:
    """A digest of every row of every table, read through a second, read-only connection."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        self._last: tuple[int, str] | None = None

    def __call__(self) -> str:
        # data_version changes when another connection commits: hash again only then.
        version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        if self._last is None or self._last[0] != version:
            self._last = (version, self._hash())
        return self._last[1]

    def _hash(self) -> str:
        digest = hashlib.sha256()
        self._conn.execute("BEGIN")  # one snapshot for all tables
        try:
            tables = [row[0] for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in sorted(tables):
                rows = sorted(repr(row) for row in self._conn.execute(f'SELECT * FROM "{table}"'))
                digest.update(f"{table}:{len(rows)}\n".encode())
                for row in rows:
                    digest.update(row.encode("utf-8", "surrogatepass"))
        finally:
            self._conn.execute("COMMIT")
        return digest.hexdigest()

    def ids(self, sql: str) -> list[Any]:
        return [row if len(row) > 1 else row[0] for row in self._conn.execute(sql)]

    def close(self) -> None:
        self._conn.close()
