"""The sandbox store: each tenant's customers and wishlists, over SQLite (core/sandbox/store.py: one connection,
``BEGIN IMMEDIATE`` writes, WAL, seeded once).

Every public method is one endpoint's behaviour for one tenant and returns the JSON-ready answer; a tenant never
sees another's customers (every query names the tenant). Where the behaviour is implemented:

* ``email``, ``customerRef`` and ``alternateCustomerRef`` are unique within a tenant (``_check_unique``): a
  duplicate is a 400, never a 409 (reference §3, §7). Emails compare case-insensitively (assumed: an address
  differing only in case is the same mailbox, so it cannot be a second customer).
* ``update`` finds its customer by the path's ``id=``/``customerRef=``/``email=`` value, or for ``PUT
  /customers`` by the body's ``id``, then ``customerRef``, then ``email`` (the docs' priority), each tried when
  given, the first that matches winning (assumed: a given id that matches no one falls through to the ref, which
  the seed's own sample needs: its ``id`` is the swagger placeholder ``"string"``). A field the body sends
  changes, even an identifier (the 2024 sample changes ``customerRef`` through an id-matched update; the
  reference's reading for ``email`` too); the identifier used to match stays as it is.
* Deletes are soft (the getting-started guide): the row keeps its id with every personal field erased and a
  ``deleted`` time, so GETs answer 404 and its email and ref are free again; its wishlists are kept for reporting,
  de-identified (``customer_id`` cleared: "a customer cannot be identified from a wishlist record").
* Search: AND over the given criteria, exact (the docs mention no partial matching), the email
  case-insensitively (as uniqueness), the others as written; a bare list in creation order, no paging.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...core.sandbox.store import SqliteStore, connect
from . import demo_data
from .clock import Clock, SystemClock, millis
from .documents import add_address, apply, new_doc, new_uuid, remove_address, render
from .errors import ApiError, bad_request, not_found
from .validation import MAX_ADDRESSES, CustomerInput

COLUMNS = "id, created_ms, modified_ms, doc"
# Match kinds: the column each identifier lives in, and how a 404 names it.
MATCH_COLUMNS = {
    "id": "id",
    "customerRef": "customer_ref",
    "email": "email_key",
    "alternateCustomerRef": "alternate_ref",
}
SEARCH_COLUMNS = {
    "email": "email_key",
    "firstName": "first_name",
    "lastName": "last_name",
    "mobile": "mobile",
    "phone": "phone",
}

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE customer (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_ref TEXT,
    alternate_ref TEXT,
    email TEXT,
    email_key TEXT,
    first_name TEXT,
    last_name TEXT,
    mobile TEXT,
    phone TEXT,
    created_ms INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    deleted_ms INTEGER,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX customer_email ON customer (tenant, email_key) WHERE deleted_ms IS NULL;
CREATE UNIQUE INDEX customer_ref ON customer (tenant, customer_ref) WHERE deleted_ms IS NULL;
CREATE UNIQUE INDEX customer_alternate_ref ON customer (tenant, alternate_ref) WHERE deleted_ms IS NULL;
CREATE INDEX customer_names ON customer (tenant, last_name, first_name);
CREATE TABLE wishlist (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    items TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX wishlist_customer ON wishlist (tenant, customer_id);
"""

Row = tuple[Any, ...]


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _email_key(email: str | None) -> str | None:
    return email.casefold() if email is not None else None


class SandboxStore(SqliteStore):
    def __init__(self, conn: sqlite3.Connection, *, clock: Clock, seed: int) -> None:
        super().__init__(conn)
        self.clock = clock
        self.seed = seed
        self.signing_key = b""

    # -- lifecycle ---------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        tenants: tuple[str, ...] = tuple(demo_data.DEMO_TENANTS),
        customers: int = 80,
        seed: int = 2019,
        clock: Clock | None = None,
    ) -> SandboxStore:
        """Open the database at ``path`` (``:memory:`` for a private one), seeding it if new: ``customers`` demo
        people in each of ``tenants``. An existing database is reopened as it is (only its token key is read)."""
        store = cls(connect(path), clock=clock or SystemClock(), seed=seed)

        def seed_new(conn: sqlite3.Connection) -> None:
            _create(conn, seed)
            for tenant in tenants:
                _seed_tenant(conn, tenant, customers, seed)
            store.signing_key = _key(conn)

        def reopen(conn: sqlite3.Connection) -> None:
            store.seed = int(conn.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()[0])
            store.signing_key = _key(conn)

        store._seed_once(seed_new, reopen)
        return store

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def now_ms(self) -> int:
        return millis(self.clock.now())

    def count_customers(self, tenant: str | None = None) -> int:
        where, args = (
            ("WHERE deleted_ms IS NULL", [])
            if tenant is None
            else ("WHERE deleted_ms IS NULL AND tenant = ?", [tenant])
        )
        with self.reading() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM customer {where}", args).fetchone()[0])

    # -- reads -------------------------------------------------------------------------------------------------

    def get(self, tenant: str, kind: str, value: str) -> dict[str, Any]:
        """The customer whose ``kind`` (id, customerRef, email, alternateCustomerRef) is ``value``."""
        with self.reading() as conn:
            return _render(_require(conn, tenant, kind, value))

    def search(self, tenant: str, criteria: Mapping[str, str]) -> list[dict[str, Any]]:
        where = ["tenant = ?", "deleted_ms IS NULL"]
        args: list[Any] = [tenant]
        for name, value in criteria.items():
            where.append(f"{SEARCH_COLUMNS[name]} = ?")
            args.append(_email_key(value) if name == "email" else value)
        with self.reading() as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM customer WHERE {' AND '.join(where)} ORDER BY created_ms, id", args
            ).fetchall()
        return [_render(tuple(row)) for row in rows]

    def wishlists(self, tenant: str, customer_id: str | None = None) -> list[dict[str, Any]]:
        """A tenant's wishlists (all, or one customer's): not an endpoint of the customer service; tests and the
        demo read them to see that a delete keeps them de-identified."""
        where, args = "tenant = ?", [tenant]
        if customer_id is not None:
            where, args = "tenant = ? AND customer_id = ?", [tenant, customer_id]
        with self.reading() as conn:
            rows = conn.execute(
                f"SELECT id, customer_id, name, created_ms, items FROM wishlist WHERE {where} ORDER BY created_ms, id",
                args,
            ).fetchall()
        return [
            {"id": wid, "customerId": owner, "name": name, "createdMs": created, "items": json.loads(items)}
            for wid, owner, name, created, items in rows
        ]

    # -- writes ------------------------------------------------------------------------------------------------

    def create(self, tenant: str, given: CustomerInput) -> dict[str, Any]:
        if not given.get("email"):
            raise bad_request("email: required (the only mandatory field of a customer)")
        with self._write() as conn:
            return _render(self._insert(conn, tenant, given))

    def upload(self, tenant: str, items: list[CustomerInput]) -> int:
        """Create or update each customer (matched as ``PUT /customers`` matches), all or nothing: an item that
        cannot be applied makes the whole upload a 400 naming it (assumed: TWC documents no partial outcome)."""
        with self._write() as conn:
            for position, given in enumerate(items):
                try:
                    row = _match_body(conn, tenant, given)
                    if row is None:
                        if not given.get("email"):
                            raise bad_request("email: required (the only mandatory field of a customer)")
                        self._insert(conn, tenant, given)
                    else:
                        self._update_row(conn, tenant, row, given)
                except ApiError as error:
                    raise bad_request(f"[{position}].{error.detail}") from None
            return len(items)

    def update(self, tenant: str, kind: str | None, value: str | None, given: CustomerInput) -> dict[str, Any]:
        """``kind``/``value`` from the path (``id``, ``customerRef``, ``email``); ``kind`` None: ``PUT /customers``,
        matched by the body."""
        with self._write() as conn:
            if kind is None:
                row = _match_body(conn, tenant, given)
                if row is None:
                    raise not_found("customer with the body's id, customerRef or email")
            else:
                row = _require(conn, tenant, kind, value or "")
            return _render(self._update_row(conn, tenant, row, given))

    def add_address(self, tenant: str, customer_id: str, address: dict[str, Any]) -> dict[str, Any]:
        with self._write() as conn:
            row = _require(conn, tenant, "id", customer_id)
            doc = json.loads(row[3])
            if len(doc.get("addresses") or []) >= MAX_ADDRESSES:
                raise bad_request(f"addresses: a customer has at most {MAX_ADDRESSES} addresses")
            add_address(doc, address)
            return _render(self._save(conn, tenant, row, doc))

    def delete_address(self, tenant: str, customer_id: str, address_id: str) -> dict[str, Any]:
        with self._write() as conn:
            row = _require(conn, tenant, "id", customer_id)
            doc = json.loads(row[3])
            if not remove_address(doc, address_id):
                raise not_found("address with this id on this customer")
            return _render(self._save(conn, tenant, row, doc))

    def delete(self, tenant: str, kind: str, value: str) -> None:
        with self._write() as conn:
            customer_id = _require(conn, tenant, kind, value)[0]
            now = self.now_ms()
            conn.execute(
                "UPDATE customer SET customer_ref = NULL, alternate_ref = NULL, email = NULL, email_key = NULL, "
                "first_name = NULL, last_name = NULL, mobile = NULL, phone = NULL, modified_ms = ?, deleted_ms = ?, "
                "doc = ? WHERE tenant = ? AND id = ?",
                (now, now, _dumps({"deleted": True}), tenant, customer_id),
            )
            conn.execute(
                "UPDATE wishlist SET customer_id = NULL WHERE tenant = ? AND customer_id = ?", (tenant, customer_id)
            )

    # -- helpers -----------------------------------------------------------------------------------------------

    def _insert(self, conn: sqlite3.Connection, tenant: str, given: CustomerInput) -> Row:
        doc = new_doc()
        now = self.now_ms()
        apply(doc, given, now)
        customer_id = new_uuid()
        _check_unique(conn, tenant, doc, None)
        _insert_row(conn, tenant, customer_id, now, now, doc)
        return (customer_id, now, now, _dumps(doc))

    def _update_row(self, conn: sqlite3.Connection, tenant: str, row: Row, given: CustomerInput) -> Row:
        doc = json.loads(row[3])
        apply(doc, given, self.now_ms())
        return self._save(conn, tenant, row, doc)

    def _save(self, conn: sqlite3.Connection, tenant: str, row: Row, doc: dict[str, Any]) -> Row:
        customer_id, created, _, _ = row
        _check_unique(conn, tenant, doc, customer_id)
        now = self.now_ms()
        conn.execute(
            "UPDATE customer SET customer_ref = ?, alternate_ref = ?, email = ?, email_key = ?, first_name = ?, "
            "last_name = ?, mobile = ?, phone = ?, modified_ms = ?, doc = ? WHERE tenant = ? AND id = ?",
            (*_columns(doc), now, _dumps(doc), tenant, customer_id),
        )
        return (customer_id, created, now, _dumps(doc))


# -- module helpers (also used by seeding) -----------------------------------------------------------------------


def _create(conn: sqlite3.Connection, seed: int) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('seed', ?)", (str(seed),))
    conn.execute("INSERT INTO meta (key, value) VALUES ('token_key', ?)", (secrets.token_hex(32),))


def _key(conn: sqlite3.Connection) -> bytes:
    return bytes.fromhex(conn.execute("SELECT value FROM meta WHERE key = 'token_key'").fetchone()[0])


def _columns(doc: Mapping[str, Any]) -> tuple[Any, ...]:
    email = doc.get("email")
    return (
        doc.get("customerRef"),
        doc.get("alternateCustomerRef"),
        email,
        _email_key(email),
        doc.get("firstName"),
        doc.get("lastName"),
        doc.get("mobile"),
        doc.get("phone"),
    )


def _insert_row(
    conn: sqlite3.Connection, tenant: str, customer_id: str, created: int, modified: int, doc: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO customer (tenant, id, customer_ref, alternate_ref, email, email_key, first_name, last_name, "
        "mobile, phone, created_ms, modified_ms, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (tenant, customer_id, *_columns(doc), created, modified, _dumps(doc)),
    )


def _find(conn: sqlite3.Connection, tenant: str, kind: str, value: str) -> Row | None:
    column = MATCH_COLUMNS[kind]
    key = _email_key(value) if kind == "email" else value
    row = conn.execute(
        f"SELECT {COLUMNS} FROM customer WHERE tenant = ? AND {column} = ? AND deleted_ms IS NULL", (tenant, key)
    ).fetchone()
    return tuple(row) if row is not None else None


def _require(conn: sqlite3.Connection, tenant: str, kind: str, value: str) -> Row:
    row = _find(conn, tenant, kind, value)
    if row is None:
        raise not_found(
            {"id": "customer with this id", "customerRef": "customer with this customerRef"}.get(
                kind, f"customer with this {kind}"
            )
        )
    return row


def _match_body(conn: sqlite3.Connection, tenant: str, given: CustomerInput) -> Row | None:
    """The customer a body names: by its ``id``, then ``customerRef``, then ``email`` (the docs' priority)."""
    for kind, value in (
        ("id", given.body_id),
        ("customerRef", given.get("customerRef")),
        ("email", given.get("email")),
    ):
        if value is not None:
            row = _find(conn, tenant, kind, value)
            if row is not None:
                return row
    return None


def _check_unique(conn: sqlite3.Connection, tenant: str, doc: Mapping[str, Any], own_id: str | None) -> None:
    """400 when another live customer of the tenant has this email, customerRef or alternateCustomerRef."""
    for kind in ("email", "customerRef", "alternateCustomerRef"):
        value = doc.get(kind)
        if value is None:
            continue
        row = _find(conn, tenant, kind, value)
        if row is not None and row[0] != own_id:
            raise bad_request(f"{kind}: already used by another customer of this tenant ({kind} must be unique)")


def _render(row: Row) -> dict[str, Any]:
    customer_id, created, modified, doc = row
    return render(customer_id, created, modified, json.loads(doc))


def _seed_tenant(conn: sqlite3.Connection, tenant: str, customers: int, seed: int) -> None:
    for person in demo_data.generate(tenant, customers, seed):
        _insert_row(conn, tenant, person.id, person.created_ms, person.modified_ms, person.doc)
        for wishlist in person.wishlists:
            conn.execute(
                "INSERT INTO wishlist (tenant, id, customer_id, name, created_ms, items) VALUES (?, ?, ?, ?, ?, ?)",
                (tenant, wishlist.id, person.id, wishlist.name, wishlist.created_ms, _dumps(list(wishlist.items))),
            )
