"""A sandbox database seeded by an earlier version gets today's indexes when it is opened again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from uc_mcp.ultracart.sandbox import schema
from uc_mcp.ultracart.sandbox.filters import CustomerFilters
from uc_mcp.ultracart.sandbox.store import SandboxStore


def _indexes(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        return {name: " ".join(sql.split()) for name, sql in rows}


def test_an_older_database_gets_todays_indexes_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    SandboxStore.open(path, customers=40).close()
    today = _indexes(path)
    with sqlite3.connect(path) as conn:  # as session 1 left it: no customer_order, narrower state/tag indexes
        conn.execute("DROP INDEX customer_order")
        conn.execute("DROP INDEX address_state")
        conn.execute("CREATE INDEX address_state ON address (kind, state_norm)")
        conn.execute("DROP INDEX tag_norm")
        conn.execute("CREATE INDEX tag_norm ON tag (tag_norm)")
    store = SandboxStore.open(path, customers=999)
    try:
        assert store.count_customers() == 40  # not re-seeded
        page = store.find_customers(
            CustomerFilters(text={"billing_state": "TX"}, dates={}), limit=200, offset=0, sort=None, expand=None
        )
        assert page.customers and page.total == len(page.customers)  # the rebuilt indexes answer queries
    finally:
        store.close()
    assert _indexes(path) == today


def test_a_current_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "current.sqlite3"
    SandboxStore.open(path, customers=10).close()
    with sqlite3.connect(path) as conn:
        assert schema.upgrade_indexes(conn) == []
