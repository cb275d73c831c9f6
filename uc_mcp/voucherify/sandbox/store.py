"""The sandbox store: Voucherify's customers, their activity, segments and redeemables, over SQLite.

Every public method is one API operation's behaviour and returns the JSON-ready answer (the app adds status and
headers). One connection per store, guarded by a lock; writes run in ``BEGIN IMMEDIATE`` transactions so that
two sandbox processes may share one database file (WAL mode: core/sandbox/store.py).

Behaviour the reference states, and where it is implemented:

* ``{customerId}`` is an ``id`` or a ``source_id`` (``_find``: the id first, then the source id).
* Create is an upsert (``create_customer``): a matching ``id`` (then ``source_id`` ignored) or ``source_id``
  updates that customer, 200 either way; emails are no key, so two customers may share one.
* Update is partial (``documents.apply_fields``); ``source_id`` cannot change.
* Delete answers 204 and the customer is gone (404 after); permanent deletion erases the customer, its events,
  its redeemable holdings and its segment memberships, and reports real counts.

Assumptions where it is silent:

* Create with an ``id`` no customer has is a 404 (the id is "of an existing customer"; Voucherify assigns ids).
* A plain delete keeps the customer's events and holdings (Voucherify keeps its history for reporting; only the
  permanent deletion is documented to erase them); they are unreachable without the customer.
* The ``created_at[...]``/``updated_at[...]`` bounds are strict; a customer never updated has no ``updated_at``
  and matches no ``updated_at`` bound; ``order=updated_at`` sorts such a customer by its ``created_at``.
* ``email``, ``name`` and ``city`` match exactly, case included ("exact filters"; Voucherify says nothing of
  case). ``total`` counts the matches of the filters; the ``starting_after`` cursor is a place in the list, not
  a filter, so it does not change ``total`` (likewise ``starting_after_id`` for redeemables).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...core.sandbox.store import MEMORY, SqliteStore, connect
from . import seeding
from .clock import Clock, SystemClock, format_ms, millis
from .documents import apply_fields, new_doc, render_customer, render_voucher, voucher_status
from .errors import ApiError, bad_query, customer_not_found
from .queries import ActivityQuery, Condition, CustomerQuery, RedeemableQuery
from .schema import Rows, create, dumps

log = logging.getLogger("uc_mcp.voucherify.sandbox")

_DAY_MS = 86_400_000
CUSTOMER_COLUMNS = "id, source_id, created_at, updated_at, doc"


# Seeded in-memory databases by (customers, seed): a new in-memory store is a copy of one (SQLite's backup, a
# millisecond), not a fresh seeding (tens of milliseconds). The demo data does not depend on the clock, so a copy
# is exactly what seeding would have made. Only small sets are kept (a large one is seeded once, where it is used).
_TEMPLATES: dict[tuple[int, int], sqlite3.Connection] = {}
_TEMPLATE_MAX_CUSTOMERS = 2000
_TEMPLATES_LOCK = threading.Lock()


def _seed_new(conn: sqlite3.Connection, customers: int, seed: int) -> None:
    create(conn, seed)
    rows = Rows(conn, seed)
    seeding.seed(rows, customers, seed)
    rows.flush()


def _copy_template(customers: int, seed: int, target: sqlite3.Connection) -> None:
    with _TEMPLATES_LOCK:  # one copy at a time: the template connection is shared
        template = _TEMPLATES.get((customers, seed))
        if template is None:
            template = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            template.execute("BEGIN")
            _seed_new(template, customers, seed)
            template.execute("COMMIT")
            _TEMPLATES[(customers, seed)] = template
        template.backup(target)


class SandboxStore(SqliteStore):
    def __init__(self, conn: sqlite3.Connection, *, clock: Clock, seed: int) -> None:
        super().__init__(conn)
        self.clock = clock
        self.seed = seed
        self.path = ""

    # -- lifecycle -------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | Path, *, customers: int = 120, seed: int = 2018, clock: Clock | None = None
    ) -> SandboxStore:
        """Open the database at ``path`` (``:memory:`` for a private one), seeding it if new.

        An existing database is never re-seeded: ``customers`` and ``seed`` only matter the first time (the
        seed kept in the database keeps drawing its ids).
        """
        conn = connect(path)
        store = cls(conn, clock=clock or SystemClock(), seed=seed)
        store.path = str(path)
        if str(path) == MEMORY and customers <= _TEMPLATE_MAX_CUSTOMERS:
            _copy_template(customers, seed, conn)
            return store

        def reopen(conn: sqlite3.Connection) -> None:
            store.seed = int(conn.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()[0])

        store._seed_once(lambda conn: _seed_new(conn, customers, seed), reopen)
        return store

    @contextmanager
    def writing(self) -> Iterator[Rows]:
        """A write transaction and its row writer (the async actions apply their changes through it)."""
        with self._write() as conn:
            rows = Rows(conn, self.seed)
            yield rows
            rows.flush()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def now_ms(self) -> int:
        return millis(self.clock.now())

    def count_customers(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0])

    # -- customers -------------------------------------------------------------------------------------------

    def _find(self, conn: sqlite3.Connection, identifier: str) -> tuple[Any, ...] | None:
        row = conn.execute(f"SELECT {CUSTOMER_COLUMNS} FROM customer WHERE id = ?", (identifier,)).fetchone()
        if row is None:
            row = conn.execute(f"SELECT {CUSTOMER_COLUMNS} FROM customer WHERE source_id = ?", (identifier,)).fetchone()
        return tuple(row) if row is not None else None

    def _require(self, conn: sqlite3.Connection, identifier: str) -> tuple[Any, ...]:
        row = self._find(conn, identifier)
        if row is None:
            raise customer_not_found(identifier)
        return row

    @staticmethod
    def _render(row: tuple[Any, ...]) -> dict[str, Any]:
        customer_id, source_id, created_at, updated_at, doc = row
        return render_customer(customer_id, source_id, created_at, updated_at, json.loads(doc))

    def get_customer(self, identifier: str) -> dict[str, Any]:
        with self.reading() as conn:
            return self._render(self._require(conn, identifier))

    def create_customer(
        self, customer_id: str | None, source_id: str | None, fields: dict[str, Any], request_id: str
    ) -> dict[str, Any]:
        with self.writing() as rows:
            if customer_id is not None:
                row = rows.conn.execute(
                    f"SELECT {CUSTOMER_COLUMNS} FROM customer WHERE id = ?", (customer_id,)
                ).fetchone()
                if row is None:
                    raise customer_not_found(customer_id)
                found = self._update(rows, tuple(row), fields, request_id)
            else:
                found = self.upsert(rows, source_id, fields, request_id)[0]
            return self._render(found)

    def upsert(
        self, rows: Rows, source_id: str | None, fields: dict[str, Any], request_id: str, at: int | None = None
    ) -> tuple[tuple[Any, ...], bool]:
        """Update the customer with ``source_id``, or create one: (its row, whether it was found). ``at``: when
        the change happens (an async action's due time; now by default)."""
        if source_id is not None:
            row = rows.conn.execute(
                f"SELECT {CUSTOMER_COLUMNS} FROM customer WHERE source_id = ?", (source_id,)
            ).fetchone()
            if row is not None:
                return self._update(rows, tuple(row), fields, request_id, at), True
        customer_id = rows.random_id("cust_", "customer")
        now = self.now_ms() if at is None else at
        doc = new_doc(fields)
        rows.insert_customer(customer_id, source_id, now, None, doc)
        created = (customer_id, source_id, now, None, dumps(doc))
        rows.insert_event(
            customer_id, "customer.created", now, {"customer": self._render(created)}, group_id=request_id
        )
        return created, False

    def _update(
        self, rows: Rows, row: tuple[Any, ...], fields: dict[str, Any], request_id: str, at: int | None = None
    ) -> tuple[Any, ...]:
        customer_id, source_id, created_at, _, raw = row
        doc = json.loads(raw)
        apply_fields(doc, fields)
        now = self.now_ms() if at is None else at
        rows.update_customer(customer_id, now, doc)
        updated = (customer_id, source_id, created_at, now, dumps(doc))
        rows.insert_event(
            customer_id, "customer.updated", now, {"customer": self._render(updated)}, group_id=request_id
        )
        return updated

    def update_customer(self, identifier: str, fields: dict[str, Any], request_id: str) -> dict[str, Any]:
        with self.writing() as rows:
            row = self._require(rows.conn, identifier)
            return self._render(self._update(rows, row, fields, request_id))

    def delete_customer(self, identifier: str, request_id: str) -> None:
        with self.writing() as rows:
            row = self._require(rows.conn, identifier)
            customer = self._render(row)
            rows.insert_event(
                row[0],
                "customer.deleted",
                self.now_ms(),
                {"customer": {k: customer[k] for k in ("id", "source_id", "object") if k in customer}},
                group_id=request_id,
            )
            rows.conn.execute("DELETE FROM membership WHERE customer_id = ?", (row[0],))
            rows.conn.execute("DELETE FROM customer WHERE id = ?", (row[0],))

    def permanently_delete(self, identifier: str) -> dict[str, Any]:
        """Erase the customer and everything linked to it; the counts are of what was erased.

        ``customer_events``: its activity entries; ``events``: those it caused itself (actions: created,
        orders, redemptions, ...; the rest are effects); ``daily_events``: the distinct days with activity;
        ``orders``/``order_events``: its distinct orders and the order events; ``segments``: its memberships.
        Its redeemable holdings go too (the spec's counts have no place for them).
        """
        with self.writing() as rows:
            conn = rows.conn
            customer_id = self._require(conn, identifier)[0]
            (customer_events, actions, days, orders, order_events) = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(category = 'ACTION'), 0), COUNT(DISTINCT created_at / ?), "
                "COUNT(DISTINCT order_id), COALESCE(SUM(type LIKE 'customer.order.%'), 0) "
                "FROM event WHERE customer_id = ?",
                (_DAY_MS, customer_id),
            ).fetchone()
            segments = conn.execute("DELETE FROM membership WHERE customer_id = ?", (customer_id,)).rowcount
            conn.execute("DELETE FROM event WHERE customer_id = ?", (customer_id,))
            conn.execute("DELETE FROM holding WHERE customer_id = ?", (customer_id,))
            conn.execute("DELETE FROM customer WHERE id = ?", (customer_id,))
            return {
                "id": rows.random_id("del_", "deletion"),
                "created_at": format_ms(self.now_ms()),
                "related_object_id": customer_id,
                "related_object": "customer",
                "status": "DONE",
                "data_json": {
                    "events": int(actions),
                    "customer_events": int(customer_events),
                    "daily_events": int(days),
                    "segments": int(segments),
                    "orders": int(orders),
                    "order_events": int(order_events),
                    "customer": 1,
                },
                "object": "pernament_deletion",
            }

    # -- list customers --------------------------------------------------------------------------------------

    def list_customers(self, query: CustomerQuery) -> dict[str, Any]:
        where, args = _customer_filters(query)
        column = query.order.lstrip("-")
        direction = "DESC" if query.order.startswith("-") else "ASC"
        sort = {"created_at": "created_at", "updated_at": "COALESCE(updated_at, created_at)", "source_id": "source_id"}
        order_by = f"{sort[column]} {direction}, rowid {direction}"
        offset = (query.page - 1) * query.limit
        with self.reading() as conn:
            total = int(conn.execute(f"SELECT COUNT(*) FROM customer WHERE {where}", args).fetchone()[0])
            if query.starting_after is not None:
                where += " AND created_at > ?"
                args = [*args, query.starting_after]
            found = conn.execute(
                f"SELECT {CUSTOMER_COLUMNS} FROM customer WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
                [*args, query.limit + 1, offset],
            ).fetchall()
        customers = [self._render(tuple(row)) for row in found[: query.limit]]
        return {
            "object": "list",
            "data_ref": "customers",
            "customers": customers,
            "total": total,
            "has_more": len(found) > query.limit,
        }

    # -- activity --------------------------------------------------------------------------------------------

    def list_activity(self, identifier: str, query: ActivityQuery) -> dict[str, Any]:
        with self.reading() as conn:
            customer_id = self._require(conn, identifier)[0]
            where = ["customer_id = ?"]
            args: list[Any] = [customer_id]
            for column, value in (
                ("type", query.type),
                ("category", query.category),
                ("campaign_id", query.campaign_id),
                ("campaign_type", query.campaign_type),
            ):
                if value is not None:
                    where.append(f"{column} = ?")
                    args.append(value)
            if query.start is not None:
                where.append("created_at >= ?")
                args.append(query.start)
            if query.end is not None:
                where.append("created_at <= ?")
                args.append(query.end)
            direction = "DESC" if query.descending else "ASC"
            if query.starting_after_id is not None:
                anchor = conn.execute(
                    "SELECT created_at, id FROM event WHERE id = ? AND customer_id = ?",
                    (query.starting_after_id, customer_id),
                ).fetchone()
                if anchor is None:
                    raise bad_query("starting_after_id: expected the id of one of this customer's events")
                where.append(f"(created_at, id) {'<' if query.descending else '>'} (?, ?)")
                args.extend(anchor)
            found = conn.execute(
                f"SELECT id, type, data, created_at, group_id FROM event WHERE {' AND '.join(where)} "
                f"ORDER BY created_at {direction}, id {direction} LIMIT ?",
                [*args, query.limit + 1],
            ).fetchall()
        page = found[: query.limit]
        answer: dict[str, Any] = {
            "object": "list",
            "data_ref": "data",
            "data": [
                {"id": event_id, "type": kind, "data": json.loads(data), "created_at": format_ms(at), "group_id": group}
                for event_id, kind, data, at, group in page
            ],
            "has_more": len(found) > query.limit,
        }
        if answer["has_more"]:
            answer["more_starting_after"] = page[-1][0]
        return answer

    # -- segments --------------------------------------------------------------------------------------------

    def list_segments(self, identifier: str) -> dict[str, Any]:
        """The segments of a customer. An unknown customer is no 404: Voucherify answers with the segments such a
        customer would fall into; the sandbox's segments are memberships, so that is none."""
        with self.reading() as conn:
            row = self._find(conn, identifier)
            found = (
                conn.execute(
                    "SELECT s.id, s.name FROM membership m JOIN segment s ON s.id = m.segment_id "
                    "WHERE m.customer_id = ? ORDER BY s.name",
                    (row[0],),
                ).fetchall()
                if row is not None
                else []
            )
        data = [{"id": segment_id, "name": name, "object": "segment"} for segment_id, name in found]
        return {"object": "list", "data_ref": "data", "data": data, "total": len(data)}

    # -- redeemables -----------------------------------------------------------------------------------------

    def list_redeemables(self, identifier: str, query: RedeemableQuery) -> dict[str, Any]:
        now = self.now_ms()
        with self.reading() as conn:
            customer_id = self._require(conn, identifier)[0]
            found = conn.execute(
                "SELECT h.id, h.created_at, h.redeemable_id, h.holder_role, h.campaign_id, h.campaign_type, "
                "h.voucher_type, v.doc FROM holding h JOIN voucher v ON v.id = h.redeemable_id "
                "WHERE h.customer_id = ? ORDER BY h.id",
                (customer_id,),
            ).fetchall()
        items = [_holding(customer_id, tuple(row), now) for row in found]
        matching = [item for item in items if _matches(item, query, now)]
        if query.descending:
            matching.reverse()
        position = matching
        if query.starting_after_id is not None:
            after = query.starting_after_id
            position = [item for item in matching if (item["id"] < after if query.descending else item["id"] > after)]
        page = [_public(item) for item in position[: query.limit]]
        answer: dict[str, Any] = {
            "object": "list",
            "data_ref": "data",
            "data": page,
            "total": len(matching),
            "has_more": len(position) > query.limit,
        }
        if answer["has_more"]:
            answer["more_starting_after"] = page[-1]["id"]
        return answer

    # -- for the async actions -------------------------------------------------------------------------------

    def find_for_update(self, rows: Rows, *, customer_id: str | None = None, source_id: str | None = None) -> Any:
        """The stored row of a customer by id or source id (None when there is none), inside a write."""
        column, value = ("id", customer_id) if customer_id is not None else ("source_id", source_id)
        return rows.conn.execute(f"SELECT {CUSTOMER_COLUMNS} FROM customer WHERE {column} = ?", (value,)).fetchone()

    def update_row(
        self, rows: Rows, row: tuple[Any, ...], fields: dict[str, Any], request_id: str, at: int
    ) -> tuple[Any, ...]:
        return self._update(rows, row, fields, request_id, at)

    @staticmethod
    def stored_metadata(row: tuple[Any, ...]) -> dict[str, Any]:
        return dict(json.loads(row[4]).get("metadata") or {})


def _customer_filters(query: CustomerQuery) -> tuple[str, list[Any]]:
    where = ["1 = 1"]
    args: list[Any] = []
    for column, value in (("email", query.email), ("city", query.city), ("name", query.name)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if query.segment_id is not None:
        where.append("id IN (SELECT customer_id FROM membership WHERE segment_id = ?)")
        args.append(query.segment_id)
    for column, operator, bound in (
        ("created_at", "<", query.created_before),
        ("created_at", ">", query.created_after),
        ("updated_at", "<", query.updated_before),
        ("updated_at", ">", query.updated_after),
    ):
        if bound is not None:
            where.append(f"{column} {operator} ?")
            args.append(bound)
    return " AND ".join(where), args


def _holding(customer_id: str, row: tuple[Any, ...], now: int) -> dict[str, Any]:
    holding_id, created_at, voucher_id, role, campaign_id, campaign_type, voucher_type, doc = row
    voucher = json.loads(doc)
    return {
        "id": holding_id,
        "created_at": format_ms(created_at),
        "redeemable_id": voucher_id,
        "redeemable_object": "voucher",
        "customer_id": customer_id,
        "holder_role": role,
        "campaign_id": campaign_id,
        "campaign_type": campaign_type,
        "voucher_type": voucher_type,
        "redeemable": {"type": "voucher", "voucher": render_voucher(voucher), "status": voucher_status(voucher, now)},
        "_created_ms": created_at,
    }


def _matches(item: dict[str, Any], query: RedeemableQuery, now: int) -> bool:
    if not query.conditions:
        return True
    results = (_condition_holds(item, condition, now) for condition in query.conditions)
    return all(results) if query.junction == "and" else any(results)


def _condition_holds(item: dict[str, Any], condition: Condition, now: int) -> bool:
    """One condition on one holding. Text comparisons ``$starts_with``/``$ends_with``/``$contains``/
    ``$not_contain`` ignore case; ``$is``/``$in`` compare exactly (assumed: the docs name the operators only).
    ``$more_than``/``$less_than`` N: created more / less than N days before now."""
    operator = condition.operator
    if condition.field == "created_at":
        created = int(item["_created_ms"])
        if operator in ("$has_value", "$is_unknown"):
            return operator == "$has_value"
        assert condition.number is not None
        if operator == "$after":
            return created > condition.number
        if operator == "$before":
            return created < condition.number
        cutoff = now - condition.number * _DAY_MS
        return created < cutoff if operator == "$more_than" else created > cutoff
    value = item.get(condition.field)
    text = None if value is None else str(value)
    values = condition.values
    if operator == "$has_value":
        return bool(text)
    if operator == "$is_unknown":
        return not text
    if operator == "$is":
        return text == values[0]
    if operator == "$is_not":
        return text != values[0]
    if operator == "$in":
        return text in values
    if operator == "$not_in":
        return text not in values
    folded, wanted = (text or "").casefold(), values[0].casefold()
    if operator == "$starts_with":
        return text is not None and folded.startswith(wanted)
    if operator == "$ends_with":
        return text is not None and folded.endswith(wanted)
    if operator == "$contains":
        return text is not None and wanted in folded
    if operator == "$not_contain":
        return wanted not in folded
    raise ApiError(400, "invalid_query_params", f"filters[{condition.field}]: unsupported operator")


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """A holding without the sandbox's own bookkeeping keys."""
    return {key: value for key, value in item.items() if not key.startswith("_")}
