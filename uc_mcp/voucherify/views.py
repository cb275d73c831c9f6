"""Compact views of Voucherify records, for list results (``core.budget.fit_list(view=..., columns=...)``).

A Voucherify customer with its summary, loyalty and referrals is ~1 KB of JSON; its compact row answers who, where
and how engaged: id, source_id, name, email, city, redemptions and orders (count and amount), loyalty points,
signup date. A redeemable (a voucher graph of ~1.5 KB) becomes code, kind, campaign, status, balance and expiry;
an event (its data holds whole customers) becomes its type, moment, channel and the few things it is about.
Full records are one ``fields=[...]`` or one single-record call away.

Views read the API's JSON as plain dicts (they run for every row of every page); missing values are None and are
dropped by the budget. Money stays in cents as Voucherify gives it (the column names say so); dates stay as given
(the signup date is the first ten characters of ``created_at``). Values that tell customers apart (email, name)
come out as the outbound filter will show them when hidden characters are taken out (``core.redact.mark_hidden``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..core.redact import mark_hidden

__all__ = [
    "ACTIVITY_FIELDS",
    "COMPACT_CUSTOMER_FIELDS",
    "REDEEMABLE_FIELDS",
    "activity_view",
    "customer_view",
    "redeemable_view",
]

COMPACT_CUSTOMER_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "source_id",
    "name",
    "email",
    "city",
    "redemptions",
    "orders",
    "spent_cents",
    "loyalty_points",
    "signup_date",
)


def _get(record: Any, *path: str) -> Any:
    """``record[path[0]][path[1]]...``, None where any step is missing or not an object."""
    for key in path:
        if not isinstance(record, Mapping):
            return None
        record = record.get(key)
    return record


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def customer_view(c: Mapping[str, Any]) -> dict[str, Any]:
    """The compact view of a Voucherify customer (keys in ``COMPACT_CUSTOMER_FIELDS`` order): ``redemptions`` is
    the number of redemptions made (``summary.redemptions.total_redeemed``), ``orders`` and ``spent_cents`` the
    paid or fulfilled orders and their total (``summary.orders``), ``loyalty_points`` the points left on all
    loyalty cards (``loyalty.points``)."""
    return {
        "id": c.get("id"),
        "source_id": c.get("source_id"),
        "name": mark_hidden(c.get("name")),
        "email": mark_hidden(c.get("email")),
        "city": _get(c, "address", "city"),
        "redemptions": _get(c, "summary", "redemptions", "total_redeemed"),
        "orders": _get(c, "summary", "orders", "total_count"),
        "spent_cents": _get(c, "summary", "orders", "total_amount"),
        "loyalty_points": _get(c, "loyalty", "points"),
        "signup_date": _date(c.get("created_at")),
    }


# -- redeemables -----------------------------------------------------------------------------------------------

REDEEMABLE_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "code",
    "voucher_type",
    "campaign",
    "holder_role",
    "status",
    "discount",
    "gift_balance_cents",
    "points_balance",
    "expires",
)


def _discount(discount: Any) -> str | None:
    """A discount voucher's effect in a few characters: ``10%``, ``500 cents``, ``1 unit``, ``fixed 1000 cents``."""
    if not isinstance(discount, Mapping):
        return None
    kind = discount.get("type")
    if kind == "PERCENT" and discount.get("percent_off") is not None:
        return f"{discount['percent_off']}%"
    if kind == "AMOUNT" and discount.get("amount_off") is not None:
        return f"{discount['amount_off']} cents"
    if kind == "UNIT" and discount.get("unit_off") is not None:
        return f"{discount['unit_off']} unit(s)"
    if kind == "FIXED" and discount.get("fixed_amount") is not None:
        return f"fixed {discount['fixed_amount']} cents"
    return kind if isinstance(kind, str) else None


def redeemable_view(r: Mapping[str, Any]) -> dict[str, Any]:
    """A held redeemable (``CustomerRedeemable``): its holder id (``rh_…``), the voucher's code, kind, campaign
    name, the holder's role, status, discount, gift balance (cents), loyalty points balance and expiry date."""
    voucher = _get(r, "redeemable", "voucher")
    return {
        "id": r.get("id"),
        "code": _get(voucher, "code"),
        "voucher_type": r.get("voucher_type") or _get(voucher, "type"),
        "campaign": _get(voucher, "campaign") or r.get("campaign_id"),
        "holder_role": r.get("holder_role"),
        "status": _get(r, "redeemable", "status"),
        "discount": _discount(_get(voucher, "discount")),
        "gift_balance_cents": _get(voucher, "gift", "balance"),
        "points_balance": _get(voucher, "loyalty_card", "balance"),
        "expires": _get(voucher, "expiration_date"),
    }


# -- activity --------------------------------------------------------------------------------------------------

ACTIVITY_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "type",
    "created_at",
    "channel",
    "campaign",
    "voucher",
    "segment",
    "order",
    "amount_cents",
    "points",
)


def _name_or_id(value: Any) -> Any:
    return (_get(value, "name") or _get(value, "id")) if isinstance(value, Mapping) else None


def activity_view(a: Mapping[str, Any]) -> dict[str, Any]:
    """An event (``CustomerActivity``): its id, type, moment and channel, and what its data is about: the
    campaign, voucher code, segment, order (its source_id, else id), an amount in cents (the order's or the
    redemption's) and loyalty points (the transaction's, else the balance's)."""
    data = _get(a, "data", "data")
    order = _get(data, "order")
    amount = _get(order, "amount")
    if amount is None:
        amount = _get(data, "redemption", "amount")
    points = _get(data, "transaction", "details", "balance", "points")
    if points is None:
        points = _get(data, "balance", "points")
    return {
        "id": a.get("id"),
        "type": a.get("type"),
        "created_at": a.get("created_at"),
        "channel": _get(a, "data", "event_source", "channel"),
        "campaign": _name_or_id(_get(data, "campaign")),
        "voucher": _get(data, "voucher", "code"),
        "segment": _name_or_id(_get(data, "segment")),
        "order": (_get(order, "source_id") or _get(order, "id")) if isinstance(order, Mapping) else None,
        "amount_cents": amount,
        "points": points,
    }
