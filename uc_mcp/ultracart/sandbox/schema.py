"""The sandbox's SQLite schema and its one-time seeding with demo data.

A customer is one JSON document (``customer.doc``) plus index rows derived from it (addresses,
tags, pricing tiers) that the filters and sorts query. Store credit, wishlists, email-list
memberships and tokens are separate resources, as in the API. Indexes are created after the
bulk insert of the seed, which keeps seeding 100,000 customers well inside its time budget.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

from .clock import epoch, format_dts, parse_dts
from .documents import SUB_OBJECT_OIDS, e164
from .filters import digits, fold

SCHEMA_VERSION = "1"
FIRST_CUSTOMER_OID = 100001
# Sequences start at distinct bases so that an oid read in a result is recognisable by kind.
SEQUENCES = {"customer": 100001, "sub": 500001, "wishlist": 700001, "certificate": 300001, "ledger": 900001}

TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE config (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE customer (
    oid INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_norm TEXT NOT NULL,
    qb_class TEXT, qb_class_norm TEXT,
    qb_code TEXT, qb_code_norm TEXT,
    signup_epoch INTEGER NOT NULL,
    modified_epoch INTEGER NOT NULL,
    password_hash TEXT,
    doc TEXT NOT NULL
);
CREATE TABLE address (
    customer_oid INTEGER NOT NULL,
    kind TEXT NOT NULL,
    is_default INTEGER NOT NULL,
    position INTEGER NOT NULL,
    first_name TEXT, first_name_norm TEXT,
    last_name TEXT, last_name_norm TEXT,
    company TEXT, company_norm TEXT,
    city TEXT, city_norm TEXT,
    state_region TEXT, state_norm TEXT,
    postal_code TEXT, postal_norm TEXT,
    country_code TEXT, country_norm TEXT,
    day_phone TEXT, day_digits TEXT,
    evening_phone TEXT, evening_digits TEXT
);
CREATE TABLE tag (customer_oid INTEGER NOT NULL, tag_value TEXT NOT NULL, tag_norm TEXT NOT NULL);
CREATE TABLE pricing_tier (customer_oid INTEGER NOT NULL, tier_oid INTEGER, name TEXT, name_norm TEXT);
CREATE TABLE gift_certificate (
    oid INTEGER PRIMARY KEY, customer_oid INTEGER NOT NULL UNIQUE, code TEXT NOT NULL, created_epoch INTEGER NOT NULL
);
CREATE TABLE ledger (
    oid INTEGER PRIMARY KEY,
    certificate_oid INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    description TEXT,
    entry_epoch INTEGER NOT NULL,
    vesting_epoch INTEGER,
    expiration_epoch INTEGER,
    reference_order_id TEXT
);
CREATE TABLE wishlist (
    oid INTEGER PRIMARY KEY,
    customer_oid INTEGER NOT NULL,
    merchant_item_oid INTEGER,
    comments TEXT,
    position INTEGER,
    priority INTEGER,
    add_epoch INTEGER NOT NULL
);
CREATE TABLE email_list (uuid TEXT PRIMARY KEY, name_norm TEXT NOT NULL, deleted INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE email_list_member (
    list_uuid TEXT NOT NULL, customer_oid INTEGER NOT NULL, PRIMARY KEY (list_uuid, customer_oid)
) WITHOUT ROWID;
CREATE TABLE verify_token (
    token TEXT PRIMARY KEY, email_norm TEXT NOT NULL, expires_epoch INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE magic_link (
    token TEXT PRIMARY KEY, customer_oid INTEGER NOT NULL, host TEXT NOT NULL, created_epoch INTEGER NOT NULL
);
"""

INDEXES = """
CREATE UNIQUE INDEX customer_email ON customer (email_norm);
-- The oid again, apart from the table that holds whole documents: what deep OFFSET pages step over.
CREATE INDEX customer_order ON customer (oid);
CREATE INDEX customer_signup ON customer (signup_epoch);
CREATE INDEX customer_modified ON customer (modified_epoch);
CREATE INDEX address_customer ON address (customer_oid, kind);
CREATE INDEX address_last_name ON address (kind, last_name_norm);
-- Covering (customer_oid last): a state or tag filter is answered from the index alone.
CREATE INDEX address_state ON address (kind, state_norm, customer_oid);
CREATE INDEX tag_customer ON tag (customer_oid);
CREATE INDEX tag_norm ON tag (tag_norm, customer_oid);
CREATE INDEX pricing_tier_customer ON pricing_tier (customer_oid);
CREATE INDEX ledger_certificate ON ledger (certificate_oid);
CREATE INDEX wishlist_customer ON wishlist (customer_oid);
CREATE INDEX email_list_member_customer ON email_list_member (customer_oid);
"""


INDEXED_ADDRESS_FIELDS = ("first_name", "last_name", "company", "city", "state_region", "postal_code", "country_code")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _norm(value: Any) -> str | None:
    return fold(value) if isinstance(value, str) and value != "" else None


def customer_row(oid: int, doc: dict[str, Any], password_hash: str | None) -> tuple[Any, ...]:
    email = doc["email"]
    return (
        oid,
        email,
        fold(email),
        _text(doc.get("qb_class")),
        _norm(doc.get("qb_class")),
        _text(doc.get("qb_code")),
        _norm(doc.get("qb_code")),
        epoch(parse_dts(doc["signup_dts"])),
        epoch(parse_dts(doc["last_modified_dts"])),
        password_hash,
        json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
    )


def index_rows(
    oid: int, doc: dict[str, Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Address, tag and pricing-tier rows for one customer document."""
    addresses = []
    for kind in ("billing", "shipping"):
        flag = f"default_{kind}"
        for position, address in enumerate(doc.get(kind) or ()):
            row: list[Any] = [oid, kind, 1 if address.get(flag) else 0, position]
            for field in INDEXED_ADDRESS_FIELDS:
                value = address.get(field)
                if isinstance(value, str) and value:
                    row += (value, value.strip().casefold())
                else:
                    row += (None, None)
            for field in ("day_phone", "evening_phone"):
                value = address.get(field)
                row += (value, digits(value) or None) if isinstance(value, str) and value else (None, None)
            addresses.append(tuple(row))
    tags = [(oid, tag["tag_value"], fold(tag["tag_value"])) for tag in doc.get("tags") or [] if tag.get("tag_value")]
    tiers = [
        (oid, tier.get("pricing_tier_oid"), _text(tier.get("name")), _norm(tier.get("name")))
        for tier in doc.get("pricing_tiers") or []
    ]
    return addresses, tags, tiers


ADDRESS_INSERT = f"INSERT INTO address VALUES ({','.join('?' * 22)})"


def write_index(conn: sqlite3.Connection, oid: int, doc: dict[str, Any]) -> None:
    conn.execute("DELETE FROM address WHERE customer_oid = ?", (oid,))
    conn.execute("DELETE FROM tag WHERE customer_oid = ?", (oid,))
    conn.execute("DELETE FROM pricing_tier WHERE customer_oid = ?", (oid,))
    addresses, tags, tiers = index_rows(oid, doc)
    conn.executemany(ADDRESS_INSERT, addresses)
    conn.executemany("INSERT INTO tag VALUES (?,?,?)", tags)
    conn.executemany("INSERT INTO pricing_tier VALUES (?,?,?,?)", tiers)


PARALLEL_THRESHOLD = 5000  # below this, a second process costs more than it saves
_BATCH = 2000


def produce_to_stdout(count: int, seed_value: int) -> None:
    """Child process: generate the demo customers and write them to stdout in pickled batches."""
    from . import demo_data

    out = sys.stdout.buffer
    batch: list[Any] = []
    for demo in demo_data.generate(count, seed_value):
        batch.append(demo)
        if len(batch) >= _BATCH:
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
            batch = []
    pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.dump(None, out)
    out.flush()


def demo_stream(count: int, seed_value: int) -> Iterator[Any]:
    """The demo customers, generated in a second process for large stores.

    Generation and storage cost about the same, so on two cores running them side by side
    halves the wall time of a big seed. The sequence is the same either way. The child is a
    plain ``python -c`` process (not multiprocessing), so that seeding works from any script,
    including one without an ``if __name__ == "__main__"`` guard.
    """
    from . import demo_data

    if count < PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        yield from demo_data.generate(count, seed_value)
        return
    code = (
        f"from uc_mcp.ultracart.sandbox.schema import produce_to_stdout; produce_to_stdout({count:d}, {seed_value:d})"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    try:
        while True:
            try:
                batch = pickle.load(child.stdout)  # our own child's output: trusted
            except EOFError:
                _, stderr = child.communicate()
                raise RuntimeError(
                    f"demo data generator stopped (exit code {child.returncode}): {stderr.decode(errors='replace')[-500:]}"
                ) from None
            if batch is None:
                return
            yield from batch
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()


def seed(conn: sqlite3.Connection, count: int, seed_value: int, hash_password: Any) -> None:
    """Create the tables, fill them with ``count`` demo customers and build the indexes.

    Runs inside the caller's transaction.
    """
    from . import demo_data  # the generator is only needed on first use of a database

    _run_script(conn, TABLES)
    sub_oid = SEQUENCES["sub"]
    wish_oid = SEQUENCES["wishlist"]
    cert_oid = SEQUENCES["certificate"]
    ledger_oid = SEQUENCES["ledger"]
    customers: list[tuple[Any, ...]] = []
    addresses: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    tiers: list[tuple[Any, ...]] = []
    certificates: list[tuple[Any, ...]] = []
    ledger: list[tuple[Any, ...]] = []
    wishes: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    oid = FIRST_CUSTOMER_OID - 1

    def flush() -> None:
        conn.executemany(f"INSERT INTO customer VALUES ({','.join('?' * 11)})", customers)
        conn.executemany(ADDRESS_INSERT, addresses)
        conn.executemany("INSERT INTO tag VALUES (?,?,?)", tags)
        conn.executemany("INSERT INTO pricing_tier VALUES (?,?,?,?)", tiers)
        conn.executemany("INSERT INTO gift_certificate VALUES (?,?,?,?)", certificates)
        conn.executemany("INSERT INTO ledger VALUES (?,?,?,?,?,?,?,?)", ledger)
        conn.executemany("INSERT INTO wishlist VALUES (?,?,?,?,?,?,?)", wishes)
        conn.executemany("INSERT INTO email_list_member VALUES (?,?)", members)
        for rows in (customers, addresses, tags, tiers, certificates, ledger, wishes, members):
            rows.clear()

    for demo in demo_stream(count, seed_value):
        oid += 1
        doc = dict(demo.customer)
        doc["customer_profile_oid"] = oid
        doc["merchant_id"] = demo_data.MERCHANT_ID
        doc["last_modified_by"] = "demo-data"
        for field in (
            "billing",
            "shipping",
            "cards",
            "cc_emails",
            "properties",
            "attachments",
            "software_entitlements",
        ):
            items = doc.get(field)
            if not items:
                continue
            oid_field, carries_customer = SUB_OBJECT_OIDS[field]
            fresh = []
            for item in items:
                item = dict(item)
                item[oid_field] = sub_oid
                sub_oid += 1
                if carries_customer:
                    item["customer_profile_oid"] = oid
                if field in ("billing", "shipping"):
                    for phone in ("day_phone", "evening_phone"):
                        number = e164(item.get(phone), item.get("country_code"))
                        if number:
                            item[f"{phone}_e164"] = number
                fresh.append(item)
            doc[field] = fresh
        customers.append(customer_row(oid, doc, hash_password(demo.password) if demo.password else None))
        more_addresses, more_tags, more_tiers = index_rows(oid, doc)
        addresses.extend(more_addresses)
        tags.extend(more_tags)
        tiers.extend(more_tiers)
        if demo.store_credit:
            first_entry = min(credit.entry_dts for credit in demo.store_credit)
            certificates.append((cert_oid, oid, f"SC-{oid}", epoch(first_entry)))
            for credit in demo.store_credit:
                entry = epoch(credit.entry_dts)
                ledger.append(
                    (
                        ledger_oid,
                        cert_oid,
                        int((credit.amount * 100).to_integral_value()),
                        credit.description,
                        entry,
                        entry + credit.vesting_days * 86400 if credit.vesting_days else None,
                        entry + credit.expiration_days * 86400 if credit.expiration_days else None,
                        credit.reference_order_id,
                    )
                )
                ledger_oid += 1
            cert_oid += 1
        for item in demo.wishlist:
            wishes.append(
                (
                    wish_oid,
                    oid,
                    item.merchant_item_oid,
                    item.comments,
                    item.position,
                    item.priority,
                    epoch(item.add_dts),
                )
            )
            wish_oid += 1
        members.extend((uuid, oid) for uuid in demo.email_lists)
        if len(customers) >= 5000:
            flush()
    flush()
    for email_list in demo_data.EMAIL_LISTS:
        conn.execute(
            "INSERT INTO email_list VALUES (?,?,?,?)",
            (
                email_list["email_list_uuid"],
                fold(email_list["name"]),
                1 if email_list.get("deleted") else 0,
                json.dumps(email_list, ensure_ascii=False),
            ),
        )
    conn.execute(
        "INSERT INTO config VALUES ('editor_values', ?)", (json.dumps(demo_data.EDITOR_VALUES, ensure_ascii=False),)
    )
    conn.execute(
        "INSERT INTO config VALUES ('pricing_tiers', ?)", (json.dumps(demo_data.PRICING_TIERS, ensure_ascii=False),)
    )
    sequences = {
        "customer": oid + 1,
        "sub": sub_oid,
        "wishlist": wish_oid,
        "certificate": cert_oid,
        "ledger": ledger_oid,
    }
    conn.executemany("INSERT INTO seq VALUES (?,?)", sorted(sequences.items()))
    meta = {
        "schema_version": SCHEMA_VERSION,
        "seed": str(seed_value),
        "customers": str(count),
        "merchant_id": demo_data.MERCHANT_ID,
        "demo_anchor": format_dts(demo_data.DEMO_ANCHOR),
    }
    conn.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
    _run_script(conn, INDEXES)


def _index_statements() -> dict[str, str]:
    """INDEXES by index name, each statement without its comments and with single spaces."""
    statements: dict[str, str] = {}
    for statement in INDEXES.split(";"):
        lines = [line for line in statement.splitlines() if line.strip() and not line.strip().startswith("--")]
        text = " ".join(" ".join(lines).split())
        if text:
            statements[text.split(" INDEX ", 1)[1].split(" ", 1)[0]] = text
    return statements


def upgrade_indexes(conn: sqlite3.Connection) -> list[str]:
    """Bring a database seeded by an earlier version up to today's indexes (created when missing, rebuilt
    when their definition changed); the data is left as it is. Returns the names of the indexes built."""
    existing = {
        name: " ".join(str(sql).split())
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    }
    built = []
    for name, statement in _index_statements().items():
        if existing.get(name) == statement:
            continue
        if name in existing:
            conn.execute(f"DROP INDEX {name}")
        conn.execute(statement)
        built.append(name)
    return built


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Statement by statement: executescript() would commit the caller's open transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)
