"""The sandbox store: UltraCart's customer resource over SQLite.

Every method is one API operation's behaviour, returning JSON-ready payloads (the app adds the
envelopes). One connection per store, guarded by a lock; writes run in ``BEGIN IMMEDIATE``
transactions so that two sandbox processes may share one database file (WAL mode: core/sandbox/store.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ...core.sandbox.store import SqliteStore, connect
from . import schema
from .clock import Clock, SystemClock, epoch, format_dts, parse_dts
from .documents import apply_body, check_email, parse_expand, render
from .errors import ApiError, bad_request, not_found
from .filters import CustomerFilters, Profile, fold, order_clause, where_clause
from .ledger import Movement, compute

log = logging.getLogger("uc_mcp.sandbox")

MAX_LIMIT = 200
DEFAULT_LIMIT = 100
TOKEN_LIFETIME = 24 * 3600  # email verification tokens (assumed: the API does not say)
HOST_NAME = re.compile(r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
MERGE_MOVES = ("billing", "shipping", "cards", "cc_emails", "properties", "attachments", "software_entitlements")


@dataclass(frozen=True, slots=True)
class Page:
    """One page of customers and its ``result_set`` (``total`` None = not reported)."""

    customers: list[dict[str, Any]]
    limit: int
    offset: int
    more: bool
    total: int | None


def hash_password(password: str) -> str:
    salt = secrets.token_hex(8)
    return salt + "$" + hashlib.sha256((salt + password).encode()).hexdigest()


def password_matches(stored: str, password: str) -> bool:
    salt, _, digest = stored.partition("$")
    return secrets.compare_digest(digest, hashlib.sha256((salt + password).encode()).hexdigest())


MAX_AMOUNT = Decimal("10000000")  # an amount must be below it (assumed: the spec states no bound)


def money(value: Any, field: str) -> int:
    """A JSON number as cents; more than two decimal places is a bad request.

    The size is checked before the cents: quantizing 1e26 to cents needs more digits than the
    decimal context holds (``InvalidOperation``), so every amount too large is one 400.
    """
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise bad_request(f"Invalid {field}: expected a number.") from None
    if not amount.is_finite():
        raise bad_request(f"Invalid {field}: expected a number.")
    if abs(amount) >= MAX_AMOUNT:
        raise bad_request(f"Invalid {field}: expected an amount below 10,000,000.")
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise bad_request(f"Invalid {field}: expected an amount with at most two decimal places.")
    return int(amount * 100)


# CustomerStoreCreditLedgerEntry.description has maxLength 50, the only limit the spec puts on a ledger
# description. The store-credit request states none, and UltraCart's own sample sends 62 characters, so
# the request is not refused: the ledger keeps the first 50 characters (assumed: what a 50-character
# column does). Cashback states "50 characters max" in its description and is refused past it (see
# validation.py), so it is never cut.
LEDGER_DESCRIPTION_MAX = 50


# CustomerWishListItem.priority: "3 being low priority and 5 is high priority" — all the spec says. The
# sandbox takes the 1-to-5 scale this describes (5 on top; 3 only "low", so there is room below it) and
# refuses anything off it, where a value means nothing (assumed: UltraCart documents no range).
PRIORITIES = range(1, 6)


def _check_priority(body: dict[str, Any]) -> None:
    priority = body.get("priority")
    if priority is not None and priority not in PRIORITIES:
        raise bad_request("Invalid priority: expected 1 to 5 (UltraCart: 3 being low priority and 5 high).")


def _ledger_description(description: str | None) -> str | None:
    return None if description is None else description[:LEDGER_DESCRIPTION_MAX]


class SandboxStore(SqliteStore):
    def __init__(self, conn: sqlite3.Connection, *, profile: Profile, clock: Clock) -> None:
        super().__init__(conn)
        self.profile = profile
        self.clock = clock

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        customers: int = 250,
        seed: int = 2017,
        profile: Profile = Profile.DEFAULT,
        clock: Clock | None = None,
    ) -> SandboxStore:
        """Open the database at ``path`` (``:memory:`` for a private one), seeding it if new.

        An existing database is never re-seeded: ``customers`` and ``seed`` only matter the first
        time. Its indexes are brought up to today's (the data is left as it is).
        """
        store = cls(connect(path), profile=profile, clock=clock or SystemClock())

        def upgrade(conn: sqlite3.Connection) -> None:
            built = schema.upgrade_indexes(conn)
            if built:
                log.info("sandbox database %s: indexes brought up to date: %s", path, ", ".join(built))

        store._seed_once(lambda conn: schema.seed(conn, customers, seed, hash_password), upgrade)
        return store

    def _now(self) -> int:
        return epoch(self.clock.now())

    def _render_dts(self, moment: int) -> str:
        return format_dts(datetime.fromtimestamp(moment, UTC))

    def _next(self, conn: sqlite3.Connection, name: str) -> int:
        value = int(conn.execute("SELECT value FROM seq WHERE name = ?", (name,)).fetchone()[0])
        conn.execute("UPDATE seq SET value = ? WHERE name = ?", (value + 1, name))
        return value

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    # -- customers: reading --------------------------------------------------------------------

    def _doc(self, oid: int) -> dict[str, Any]:
        row = self._conn.execute("SELECT doc FROM customer WHERE oid = ?", (oid,)).fetchone()
        if row is None:
            raise not_found(f"Customer {oid} was not found.")
        return dict(json.loads(row[0]))

    def _loyalty_extras(self, oid: int) -> dict[str, Any] | None:
        certificate = self._conn.execute("SELECT oid FROM gift_certificate WHERE customer_oid = ?", (oid,)).fetchone()
        if certificate is None:
            return None
        balance = self._balance(int(certificate[0]))
        # internal_gift_certificate_balance is a string in the API, not a number.
        return {
            "internal_gift_certificate_oid": int(certificate[0]),
            "internal_gift_certificate_balance": f"{Decimal(balance.available) / 100:.2f}",
        }

    def _render(self, doc: dict[str, Any], expand: frozenset[str], now: int | None = None) -> dict[str, Any]:
        extras = self._loyalty_extras(doc["customer_profile_oid"]) if "loyalty" in expand else None
        return render(doc, expand, self._now() if now is None else now, extras)

    def get_customer(self, oid: int, expand: str | None) -> dict[str, Any]:
        with self._lock:
            return self._render(self._doc(oid), parse_expand(expand))

    def get_customer_by_email(self, email: str, expand: str | None) -> dict[str, Any]:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM customer WHERE email_norm = ?", (fold(email),)).fetchone()
            if row is None:
                raise not_found("No customer has that email address.")
            return self._render(json.loads(row[0]), parse_expand(expand))

    def find_customers(
        self, filters: CustomerFilters, *, limit: int, offset: int, sort: str | None, expand: str | None
    ) -> Page:
        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"Invalid _limit: expected an integer from 1 to {MAX_LIMIT}.")
        if offset < 0:
            raise bad_request("Invalid _offset: expected an integer of 0 or more.")
        where, params = where_clause(filters, self.profile)
        order = order_clause(sort)
        wanted = parse_expand(expand)
        with self._lock:
            # The page's oids first, then their documents: OFFSET steps over every skipped row, and over
            # the oid index (customer_order) that costs next to nothing, over the table (documents
            # inline) about 1 ms per thousand rows.
            oids = [
                row[0]
                for row in self._conn.execute(
                    f"SELECT c.oid FROM customer c WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, limit + 1, offset],
                )
            ]
            more = len(oids) > limit
            del oids[limit:]
            docs = dict(
                self._conn.execute(f"SELECT oid, doc FROM customer WHERE oid IN ({','.join('?' * len(oids))})", oids)
            )
            now = self._now()
            customers = [self._render(json.loads(docs[oid]), wanted, now) for oid in oids]
            total: int | None = None
            if not (self.profile is Profile.STRICT and filters.narrows):
                total = int(self._conn.execute(f"SELECT COUNT(*) FROM customer c WHERE {where}", params).fetchone()[0])
        return Page(customers, limit, offset, more, total)

    def data_tables(self, draw: int, start: int, length: int, search: str, expand: str | None) -> dict[str, Any]:
        """DataTables server-side protocol: a page of customers matching the global search box."""
        params: list[Any] = []
        where = "1"
        if search.strip():
            needle = fold(search)
            where = (
                "(instr(c.email_norm, ?) > 0 OR EXISTS (SELECT 1 FROM address a WHERE a.customer_oid = c.oid AND "
                "(instr(a.first_name_norm, ?) > 0 OR instr(a.last_name_norm, ?) > 0 OR instr(a.company_norm, ?) > 0)))"
            )
            params = [needle] * 4
        length = max(1, min(length, MAX_LIMIT))
        wanted = parse_expand(expand)
        with self._lock:
            total = int(self._conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0])
            filtered = int(self._conn.execute(f"SELECT COUNT(*) FROM customer c WHERE {where}", params).fetchone()[0])
            rows = self._conn.execute(
                f"SELECT doc FROM customer c WHERE {where} ORDER BY c.oid LIMIT ? OFFSET ?",
                [*params, length, max(0, start)],
            ).fetchall()
            data = [self._render(json.loads(row[0]), wanted) for row in rows]
        return {"draw": draw, "recordsTotal": total, "recordsFiltered": filtered, "data": data}

    # -- customers: writing --------------------------------------------------------------------

    def _check_pricing_tiers(self, doc: dict[str, Any]) -> None:
        """Pricing tiers reference the store's tiers, by oid or by name (assumed)."""
        tiers = doc.get("pricing_tiers")
        if not tiers:
            return
        known = json.loads(self._conn.execute("SELECT doc FROM config WHERE key = 'pricing_tiers'").fetchone()[0])
        by_oid = {tier["pricing_tier_oid"]: tier for tier in known}
        by_name = {fold(tier["name"]): tier for tier in known}
        resolved = []
        for i, tier in enumerate(tiers):
            match = by_oid.get(tier.get("pricing_tier_oid")) or by_name.get(fold(str(tier.get("name") or "")))
            if match is None:
                raise bad_request(
                    f"Invalid pricing_tiers[{i}]: no such pricing tier. Known: "
                    + ", ".join(f"{t['name']} ({t['pricing_tier_oid']})" for t in known)
                    + "."
                )
            resolved.append({"name": match["name"], "pricing_tier_oid": match["pricing_tier_oid"]})
        doc["pricing_tiers"] = resolved

    def _email_taken(self, conn: sqlite3.Connection, email: str, other_than: int | None) -> bool:
        row = conn.execute("SELECT oid FROM customer WHERE email_norm = ?", (fold(email),)).fetchone()
        return row is not None and row[0] != other_than

    def _save(
        self, conn: sqlite3.Connection, oid: int, doc: dict[str, Any], password: str | None, insert: bool
    ) -> None:
        now = self.clock.now()
        doc["last_modified_dts"] = format_dts(now)
        doc["last_modified_by"] = "API"
        if insert:
            doc["signup_dts"] = format_dts(now)
            doc["merchant_id"] = self.meta_value(conn, "merchant_id")
            doc["customer_profile_oid"] = oid
        existing = (
            None if insert else conn.execute("SELECT password_hash FROM customer WHERE oid = ?", (oid,)).fetchone()
        )
        password_hash = hash_password(password) if password else (existing[0] if existing else None)
        conn.execute("DELETE FROM customer WHERE oid = ?", (oid,))
        conn.execute(
            f"INSERT INTO customer VALUES ({','.join('?' * 11)})", schema.customer_row(oid, doc, password_hash)
        )
        schema.write_index(conn, oid, doc)

    @staticmethod
    def meta_value(conn: sqlite3.Connection, key: str) -> str:
        return str(conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def insert_customer(self, body: dict[str, Any], expand: str | None) -> dict[str, Any]:
        if not body.get("email"):
            raise bad_request("Invalid email: a customer needs an email address.")
        password = body.get("password")
        with self._write() as conn:
            oid = self._next(conn, "customer")
            doc = apply_body({}, body, oid, lambda: self._next(conn, "sub"), format_dts(self.clock.now()))
            if self._email_taken(conn, doc["email"], None):
                raise bad_request("Invalid email: another customer already uses this email address.")
            self._check_pricing_tiers(doc)
            self._save(conn, oid, doc, password, insert=True)
        return self.get_customer(oid, expand)

    def update_customer(self, oid: int, body: dict[str, Any], expand: str | None) -> dict[str, Any]:
        with self._write() as conn:
            old = self._doc(oid)
            doc = apply_body(old, body, oid, lambda: self._next(conn, "sub"), format_dts(self.clock.now()))
            if self._email_taken(conn, doc["email"], oid):
                raise bad_request("Invalid email: another customer already uses this email address.")
            self._check_pricing_tiers(doc)
            self._save(conn, oid, doc, body.get("password"), insert=False)
        return self.get_customer(oid, expand)

    def _certificate(self, conn: sqlite3.Connection, oid: int, *, create: bool) -> int | None:
        row = conn.execute("SELECT oid FROM gift_certificate WHERE customer_oid = ?", (oid,)).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            return None
        certificate = self._next(conn, "certificate")
        conn.execute("INSERT INTO gift_certificate VALUES (?,?,?,?)", (certificate, oid, f"SC-{oid}", self._now()))
        return certificate

    def _remove_customer(self, conn: sqlite3.Connection, oid: int) -> None:
        certificate = self._certificate(conn, oid, create=False)
        if certificate is not None:
            conn.execute("DELETE FROM ledger WHERE certificate_oid = ?", (certificate,))
        for table, column in (
            ("customer", "oid"),
            ("address", "customer_oid"),
            ("tag", "customer_oid"),
            ("pricing_tier", "customer_oid"),
            ("gift_certificate", "customer_oid"),
            ("wishlist", "customer_oid"),
            ("email_list_member", "customer_oid"),
            ("magic_link", "customer_oid"),
        ):
            conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (oid,))

    def delete_customer(self, oid: int) -> None:
        with self._write() as conn:
            self._doc(oid)
            self._remove_customer(conn, oid)

    def merge_customer(self, oid: int, body: dict[str, Any]) -> None:
        """Fold the profile named in the body into ``oid`` and delete it.

        Moved (assumed, following UltraCart's description of merge): addresses, cards, cc emails,
        properties, attachments, software entitlements, tags (union), pricing tiers (union),
        store credit ledger, wishlist, email-list memberships; order and quote summaries and
        loyalty points are added up. The surviving profile keeps its own scalar fields.
        """
        other_oid, email = body.get("customer_profile_oid"), body.get("email")
        if other_oid is None and not email:
            raise bad_request("Invalid merge request: give customer_profile_oid or email of the profile to merge away.")
        with self._write() as conn:
            survivor = self._doc(oid)
            if other_oid is not None:
                other = self._doc(int(other_oid))
                if email and fold(email) != fold(other["email"]):
                    raise bad_request("Invalid merge request: customer_profile_oid and email name different customers.")
            else:
                row = conn.execute("SELECT oid FROM customer WHERE email_norm = ?", (fold(str(email)),)).fetchone()
                if row is None:
                    raise not_found("No customer to merge has that email address.")
                other = self._doc(int(row[0]))
            other_id = int(other["customer_profile_oid"])
            if other_id == oid:
                raise bad_request("Invalid merge request: a customer cannot be merged into itself.")
            for field in MERGE_MOVES:
                moved = [dict(item) for item in other.get(field) or []]
                for item in moved:
                    if "customer_profile_oid" in item:
                        item["customer_profile_oid"] = oid
                    if field in ("billing", "shipping"):
                        # The survivor's default address stays the default.
                        item[f"default_{field}"] = bool(item.get(f"default_{field}")) and not survivor.get(field)
                if moved:
                    survivor[field] = [*(survivor.get(field) or []), *moved]
            for field, key in (("tags", "tag_value"), ("pricing_tiers", "pricing_tier_oid")):
                have = {fold(str(item.get(key))) for item in survivor.get(field) or []}
                extra = [item for item in other.get(field) or [] if fold(str(item.get(key))) not in have]
                if extra:
                    survivor[field] = [*(survivor.get(field) or []), *extra]
            for field, count, total, first, last in (
                ("orders_summary", "order_count", "total", "first_order_dts", "last_order_dts"),
                ("quotes_summary", "quote_count", "total", "first_quote_dts", "last_quote_dts"),
            ):
                mine, theirs = survivor.get(field), other.get(field)
                if theirs:
                    merged = dict(mine or {})
                    merged[count] = int(merged.get(count) or 0) + int(theirs.get(count) or 0)
                    merged[total] = round(float(merged.get(total) or 0) + float(theirs.get(total) or 0), 2)
                    for key, pick in ((first, min), (last, max)):
                        dates = [d for d in (merged.get(key), theirs.get(key)) if d]
                        if dates:
                            merged[key] = pick(dates, key=lambda d: epoch(parse_dts(d)))
                    survivor[field] = merged
            if other.get("loyalty"):
                loyalty = dict(survivor.get("loyalty") or {})
                for points in ("current_points", "pending_points"):
                    loyalty[points] = int(loyalty.get(points) or 0) + int(other["loyalty"].get(points) or 0)
                for key in ("loyalty_tier_name", "loyalty_tier_oid"):
                    if key not in loyalty and key in other["loyalty"]:
                        loyalty[key] = other["loyalty"][key]
                survivor["loyalty"] = loyalty
            their_certificate = self._certificate(conn, other_id, create=False)
            if their_certificate is not None:
                mine_certificate = self._certificate(conn, oid, create=True)
                conn.execute(
                    "UPDATE ledger SET certificate_oid = ? WHERE certificate_oid = ?",
                    (mine_certificate, their_certificate),
                )
            conn.execute(
                "UPDATE wishlist SET customer_oid = ? WHERE customer_oid = ? AND merchant_item_oid NOT IN "
                "(SELECT merchant_item_oid FROM wishlist WHERE customer_oid = ? AND merchant_item_oid IS NOT NULL)",
                (oid, other_id, oid),
            )
            conn.execute(
                "INSERT OR IGNORE INTO email_list_member SELECT list_uuid, ? FROM email_list_member WHERE customer_oid = ?",
                (oid, other_id),
            )
            self._remove_customer(conn, other_id)
            self._save(conn, oid, survivor, None, insert=False)

    # -- store credit and cashback -------------------------------------------------------------

    def _movements(self, certificate: int) -> list[Movement]:
        rows = self._conn.execute(
            "SELECT oid, amount_cents, description, entry_epoch, vesting_epoch, expiration_epoch, reference_order_id "
            "FROM ledger WHERE certificate_oid = ? ORDER BY oid",
            (certificate,),
        ).fetchall()
        return [Movement(*row) for row in rows]

    def _balance(self, certificate: int) -> Any:
        return compute(self._movements(certificate), self._now(), self._render_dts, certificate)

    def get_store_credit(self, oid: int) -> dict[str, Any]:
        with self._lock:
            self._doc(oid)
            certificate = self._certificate(self._conn, oid, create=False)
            balance = compute(
                self._movements(certificate) if certificate else [], self._now(), self._render_dts, certificate
            )
        credit: dict[str, Any] = {
            "available": balance.available / 100,
            "expiring": balance.expiring / 100,
            "vesting": balance.vesting / 100,
            "total": balance.total / 100,
        }
        if balance.past:
            credit["past_ledgers"] = balance.past
        if balance.future:
            credit["future_ledgers"] = balance.future
        return credit

    @staticmethod
    def _days(body: dict[str, Any], field: str) -> int:
        value = body.get(field) or 0
        if value < 0:
            raise bad_request(f"Invalid {field}: expected 0 or more days.")
        if value > 36500:
            raise bad_request(f"Invalid {field}: expected at most 36500 days.")
        return int(value)

    def _add_movement(self, conn: sqlite3.Connection, oid: int, body: dict[str, Any], cents: int, entry: int) -> int:
        vesting = self._days(body, "vesting_days")
        expiration = self._days(body, "expiration_days")
        if expiration and expiration <= vesting:
            raise bad_request("Invalid expiration_days: expected more days than vesting_days.")
        description = _ledger_description(body.get("description"))
        certificate = self._certificate(conn, oid, create=True)
        assert certificate is not None
        ledger_oid = self._next(conn, "ledger")
        conn.execute(
            "INSERT INTO ledger VALUES (?,?,?,?,?,?,?,?)",
            (
                ledger_oid,
                certificate,
                cents,
                description,
                entry,
                entry + vesting * 86400 if vesting and cents > 0 else None,
                entry + expiration * 86400 if expiration and cents > 0 else None,
                body.get("order_id"),
            ),
        )
        return certificate

    def add_store_credit(self, oid: int, body: dict[str, Any]) -> None:
        if body.get("amount") is None:
            raise bad_request("Invalid amount: expected a positive amount of store credit.")
        cents = money(body["amount"], "amount")
        if cents <= 0:
            raise bad_request("Invalid amount: expected a positive amount of store credit.")
        with self._write() as conn:
            self._doc(oid)
            self._add_movement(conn, oid, body, cents, self._now())

    def adjust_cashback(self, oid: int, body: dict[str, Any]) -> tuple[float, float]:
        """Adjust the internal gift certificate (the same one store credit lives on — assumed),
        creating it when missing. A negative adjustment may not take the balance below zero.

        Returns (adjustment, balance). The spec's ``balance_amount`` is "the balance amount after the
        adjustment was made" and does not say which balance; the sandbox reports the usable one, the
        figure that is ``available`` in the store credit and ``internal_gift_certificate_balance`` in
        loyalty, and the one a debit may not exceed. Credit still vesting is not in it — an adjustment
        with ``vesting_days`` included, so adding 59 that vests in 45 days leaves ``balance_amount``
        where it was (assumed; ``get_customer_store_credit`` shows it under ``vesting``).
        """
        if body.get("adjustment_amount") is None:
            raise bad_request("Invalid adjustment_amount: expected a non-zero amount.")
        cents = money(body["adjustment_amount"], "adjustment_amount")
        if cents == 0:
            raise bad_request("Invalid adjustment_amount: expected a non-zero amount.")
        entry = self._now()
        if body.get("entry_dts"):
            try:
                entry = epoch(parse_dts(str(body["entry_dts"])))
            except ValueError:
                raise bad_request("Invalid entry_dts: expected an ISO-8601 date-time.") from None
        with self._write() as conn:
            self._doc(oid)
            certificate = self._certificate(conn, oid, create=False)
            current = self._balance(certificate) if certificate else None
            available, overdrawn = (current.available, current.overdrawn) if current else (0, 0)
            if available + cents < 0:
                raise bad_request("Invalid adjustment_amount: the balance cannot go below zero.")
            certificate = self._add_movement(conn, oid, body, cents, entry)
            after = self._balance(certificate)
            if after.overdrawn > overdrawn:
                # A backdated debit the balance at entry_dts could not cover would silently vanish.
                raise bad_request("Invalid entry_dts: the balance at that date cannot go below zero.")
            balance = after.available
        return cents / 100, balance / 100

    # -- wishlist ------------------------------------------------------------------------------

    def _wish(self, row: tuple[Any, ...]) -> dict[str, Any]:
        oid, customer, item, comments, position, priority, added = row
        out: dict[str, Any] = {
            "customer_wishlist_item_oid": oid,
            "customer_profile_oid": customer,
            "add_dts": self._render_dts(added),
        }
        for key, value in (
            ("merchant_item_oid", item),
            ("comments", comments),
            ("position", position),
            ("priority", priority),
        ):
            if value is not None:
                out[key] = value
        return out

    def get_wishlist(self, oid: int) -> list[dict[str, Any]]:
        with self._lock:
            self._doc(oid)
            rows = self._conn.execute(
                "SELECT * FROM wishlist WHERE customer_oid = ? ORDER BY position, oid", (oid,)
            ).fetchall()
            return [self._wish(row) for row in rows]

    def get_wishlist_item(self, oid: int, item_oid: int) -> dict[str, Any]:
        with self._lock:
            self._doc(oid)
            row = self._conn.execute(
                "SELECT * FROM wishlist WHERE customer_oid = ? AND oid = ?", (oid, item_oid)
            ).fetchone()
            if row is None:
                raise not_found(f"Wishlist item {item_oid} was not found for customer {oid}.")
            return self._wish(row)

    def insert_wishlist_item(self, oid: int, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("merchant_item_oid") is None:
            raise bad_request("Invalid merchant_item_oid: expected the item's oid.")
        _check_priority(body)
        with self._write() as conn:
            self._doc(oid)
            position = body.get("position")
            if position is None:
                position = int(
                    conn.execute(
                        "SELECT COALESCE(MAX(position), 0) + 1 FROM wishlist WHERE customer_oid = ?", (oid,)
                    ).fetchone()[0]
                )
            item_oid = self._next(conn, "wishlist")
            conn.execute(
                "INSERT INTO wishlist VALUES (?,?,?,?,?,?,?)",
                (
                    item_oid,
                    oid,
                    body["merchant_item_oid"],
                    body.get("comments"),
                    position,
                    body.get("priority"),
                    self._now(),
                ),
            )
        return self.get_wishlist_item(oid, item_oid)

    def update_wishlist_item(self, oid: int, item_oid: int, body: dict[str, Any]) -> dict[str, Any]:
        _check_priority(body)
        with self._write() as conn:
            self.get_wishlist_item(oid, item_oid)
            for field in ("merchant_item_oid", "comments", "position", "priority"):
                if body.get(field) is not None:
                    conn.execute(f"UPDATE wishlist SET {field} = ? WHERE oid = ?", (body[field], item_oid))
        return self.get_wishlist_item(oid, item_oid)

    def delete_wishlist_item(self, oid: int, item_oid: int) -> None:
        with self._write() as conn:
            self.get_wishlist_item(oid, item_oid)
            conn.execute("DELETE FROM wishlist WHERE oid = ?", (item_oid,))

    # -- email lists ---------------------------------------------------------------------------

    def email_lists(self) -> list[dict[str, Any]]:
        """The store's lists (deleted ones left out — assumed) with live member counts."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT l.doc, (SELECT COUNT(*) FROM email_list_member m WHERE m.list_uuid = l.uuid) "
                "FROM email_list l WHERE l.deleted = 0 ORDER BY l.name_norm"
            ).fetchall()
        return [json.loads(doc) | {"member_count": count} for doc, count in rows]

    def _resolve_list(self, identifier: str, field: str) -> str:
        """Lists are named by email_list_uuid; the default profile also accepts the list's name."""
        row = self._conn.execute("SELECT uuid FROM email_list WHERE uuid = ? AND deleted = 0", (identifier,)).fetchone()
        if row is None and self.profile is Profile.DEFAULT:
            row = self._conn.execute(
                "SELECT uuid FROM email_list WHERE name_norm = ? AND deleted = 0", (fold(identifier),)
            ).fetchone()
        if row is None:
            raise bad_request(f"Invalid {field}: no email list has that identifier (use email_list_uuid).")
        return str(row[0])

    def update_email_lists(self, oid: int, body: dict[str, Any]) -> dict[str, Any]:
        with self._write() as conn:
            self._doc(oid)
            add = [self._resolve_list(x, f"add_to_lists[{i}]") for i, x in enumerate(body.get("add_to_lists") or [])]
            remove = [
                self._resolve_list(x, f"remove_from_lists[{i}]")
                for i, x in enumerate(body.get("remove_from_lists") or [])
            ]
            conn.executemany("INSERT OR IGNORE INTO email_list_member VALUES (?,?)", [(uuid, oid) for uuid in add])
            conn.executemany(
                "DELETE FROM email_list_member WHERE list_uuid = ? AND customer_oid = ?", [(u, oid) for u in remove]
            )
        return {"add_to_lists": add, "remove_from_lists": remove}

    def customer_list_uuids(self, oid: int) -> list[str]:
        """Which lists a customer is on (not an API operation: for tests and the store's own use)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT list_uuid FROM email_list_member WHERE customer_oid = ? ORDER BY list_uuid", (oid,)
            ).fetchall()
        return [row[0] for row in rows]

    # -- email verification, magic links -------------------------------------------------------

    def email_verification_token(self, body: dict[str, Any]) -> str:
        """A token for verifying an address (assumed flow: sign-up verification). If a customer
        with that email exists and has a password, the password must match it."""
        email = check_email(body.get("email"))
        password = body.get("password")
        if not password:
            raise bad_request("Invalid password: expected the customer's password.")
        with self._write() as conn:
            row = conn.execute("SELECT password_hash FROM customer WHERE email_norm = ?", (fold(email),)).fetchone()
            if row is not None and row[0] and not password_matches(row[0], password):
                raise bad_request("Invalid email or password.")
            token = secrets.token_urlsafe(24)
            conn.execute(
                "INSERT INTO verify_token VALUES (?,?,?,0)", (token, fold(email), self._now() + TOKEN_LIFETIME)
            )
        return token

    def validate_email_verification_token(self, token: str) -> bool:
        """True once per token, before it expires; the answer is ``success`` itself."""
        with self._write() as conn:
            row = conn.execute("SELECT expires_epoch, used FROM verify_token WHERE token = ?", (token,)).fetchone()
            if row is None or row[1] or row[0] < self._now():
                return False
            conn.execute("UPDATE verify_token SET used = 1 WHERE token = ?", (token,))
            return True

    def magic_link(self, oid: int, host: str) -> str:
        if not HOST_NAME.match(host):
            raise bad_request("Invalid storefront_host_name: expected a host name such as store.example.com.")
        with self._write() as conn:
            self._doc(oid)
            token = secrets.token_urlsafe(32)
            conn.execute("INSERT INTO magic_link VALUES (?,?,?,?)", (token, oid, host.lower(), self._now()))
        # The URL shape is assumed; UltraCart documents only that it logs in as the customer.
        return f"https://{host.lower()}/login/magic?token={token}"

    # -- store configuration ---------------------------------------------------------------

    def editor_values(self) -> dict[str, Any]:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM config WHERE key = 'editor_values'").fetchone()
        return dict(json.loads(row[0]))

    def search_profile_values(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """LookupRequest over customer tag values (UltraCart: "search only looks at customer tag
        values"): case-insensitive substring of ``matches``, most used first, ``max_hits``
        (default 10, at most 100 — assumed) results."""
        matches = fold(str(body.get("matches") or ""))
        max_hits = body.get("max_hits")
        if max_hits is None:
            max_hits = 10
        if max_hits < 1:
            raise bad_request("Invalid max_hits: expected 1 or more.")
        with self._lock:
            rows = self._conn.execute(
                "SELECT MIN(tag_value), COUNT(DISTINCT customer_oid) AS n FROM tag WHERE instr(tag_norm, ?) > 0 "
                "GROUP BY tag_norm ORDER BY n DESC, tag_norm LIMIT ?",
                (matches, min(int(max_hits), 100)),
            ).fetchall()
        return [{"key": tag, "value": tag, "description": f"{count} customer(s)"} for tag, count in rows]

    def count_customers(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0])


__all__ = ["ApiError", "Page", "SandboxStore"]
