"""The sandbox database: its tables, and the row writers the store and the seeding share.

Instants are integer milliseconds since the epoch. A customer's document (its base fields, summary, loyalty and
referrals) is one JSON column; what the list filters and orders by is copied into columns beside it.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import ids
from .catalog import CAMPAIGNS_BY_ID, SEGMENTS, category_of

SCHEMA_VERSION = "1"

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE customer (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source_id TEXT UNIQUE,
    name TEXT,
    email TEXT,
    city TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER,
    doc TEXT NOT NULL
);
CREATE INDEX customer_created ON customer (created_at, rowid);
CREATE INDEX customer_updated ON customer (updated_at, rowid);
CREATE INDEX customer_email ON customer (email);
CREATE INDEX customer_name ON customer (name);
CREATE INDEX customer_city ON customer (city);
CREATE TABLE segment (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE membership (
    customer_id TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    PRIMARY KEY (customer_id, segment_id)
);
CREATE INDEX membership_segment ON membership (segment_id, customer_id);
CREATE TABLE event (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    type TEXT NOT NULL,
    category TEXT NOT NULL,
    campaign_id TEXT,
    campaign_type TEXT,
    order_id TEXT,
    created_at INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX event_customer ON event (customer_id, created_at, id);
CREATE TABLE voucher (id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE holding (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    redeemable_id TEXT NOT NULL,
    holder_role TEXT NOT NULL,
    campaign_id TEXT,
    campaign_type TEXT,
    voucher_type TEXT NOT NULL
);
CREATE INDEX holding_customer ON holding (customer_id, id);
CREATE TABLE async_action (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    applied INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    result TEXT
);
CREATE INDEX async_action_due ON async_action (applied, ends_at);
"""


def create(conn: sqlite3.Connection, seed: int) -> None:
    _execute_script(conn)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("schema", SCHEMA_VERSION), ("seed", str(seed))])
    conn.executemany("INSERT INTO segment (id, name) VALUES (?, ?)", [(s.id, s.name) for s in SEGMENTS])


def _execute_script(conn: sqlite3.Connection) -> None:
    # executescript would COMMIT the caller's transaction: run the statements one by one inside it.
    for statement in DDL.split(";"):
        if statement.strip():
            conn.execute(statement)


class Rows:
    """Writes rows and draws ids, inside the caller's transaction. The counters are read once and written back by
    ``flush`` before the transaction commits (the transaction holds the write lock, so no other process draws
    from them meanwhile)."""

    def __init__(self, conn: sqlite3.Connection, seed: int) -> None:
        self.conn = conn
        self.seed = seed
        self._counters: dict[str, int] = {}

    def next(self, name: str) -> int:
        value = self._counters.get(name)
        if value is None:
            row = self.conn.execute("SELECT value FROM seq WHERE name = ?", (name,)).fetchone()
            value = 1 if row is None else int(row[0])
        self._counters[name] = value + 1
        return value

    def flush(self) -> None:
        self.conn.executemany(
            "INSERT INTO seq (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            list(self._counters.items()),
        )

    def random_id(self, prefix: str, kind: str) -> str:
        return ids.random_looking(prefix, self.seed, kind, self.next(kind))

    def sortable_id(self, prefix: str, kind: str) -> str:
        return ids.sortable(prefix, self.seed, kind, self.next(kind))

    def request_id(self) -> str:
        return "v-" + ids.sortable("", self.seed, "request", self.next("request"))

    def insert_customer(
        self, customer_id: str, source_id: str | None, created_at: int, updated_at: int | None, doc: dict[str, Any]
    ) -> None:
        self.conn.execute(
            "INSERT INTO customer (id, source_id, name, email, city, created_at, updated_at, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (customer_id, source_id, *indexed(doc), created_at, updated_at, dumps(doc)),
        )

    def update_customer(self, customer_id: str, updated_at: int, doc: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE customer SET name = ?, email = ?, city = ?, updated_at = ?, doc = ? WHERE id = ?",
            (*indexed(doc), updated_at, dumps(doc), customer_id),
        )

    def insert_event(
        self,
        customer_id: str,
        event_type: str,
        at: int,
        data: dict[str, Any],
        *,
        campaign_id: str | None = None,
        order_id: str | None = None,
        group_id: str | None = None,
    ) -> str:
        event_id = self.sortable_id("evcus_", "event")
        campaign = CAMPAIGNS_BY_ID.get(campaign_id) if campaign_id else None
        self.conn.execute(
            "INSERT INTO event (id, customer_id, type, category, campaign_id, campaign_type, order_id, created_at, "
            "group_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                customer_id,
                event_type,
                category_of(event_type),
                campaign_id,
                campaign.campaign_type if campaign else None,
                order_id,
                at,
                group_id or self.request_id(),
                dumps({"data": data, "event_source": {"channel": "API"}}),
            ),
        )
        return event_id

    def add_membership(self, customer_id: str, segment_id: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO membership (customer_id, segment_id) VALUES (?, ?)", (customer_id, segment_id)
        )


def indexed(doc: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The columns the list filters on: name, email and the address's city."""
    address = doc.get("address") or {}
    return doc.get("name"), doc.get("email"), address.get("city")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
