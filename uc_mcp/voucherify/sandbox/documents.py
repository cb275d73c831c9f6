"""The JSON the sandbox answers with, built from what the store keeps: customers, vouchers, statuses.

Fields the spec types as plain strings (not nullable) are left out when unset rather than sent as ``null``; only
``address`` is ``null`` when none is set, as Voucherify's examples show.
"""

from __future__ import annotations

from typing import Any

from .clock import format_ms

PREFERENCE_CENTER = "https://sandbox.voucherify.invalid/preference-center/"
CUSTOMER_TEXT_FIELDS = ("name", "description", "email", "phone", "birthdate", "birthday")


def zero_summary() -> dict[str, Any]:
    """What a new customer carries (reference §7)."""
    return {
        "redemptions": {
            "total_redeemed": 0,
            "total_failed": 0,
            "total_succeeded": 0,
            "total_rolled_back": 0,
            "total_rollback_failed": 0,
            "total_rollback_succeeded": 0,
            "gift": {"redeemed_amount": 0, "amount_to_go": 0},
            "loyalty_card": {"redeemed_points": 0, "points_to_go": 0},
        },
        "orders": {"total_amount": 0, "total_count": 0, "average_amount": 0, "last_order_amount": 0},
    }


def new_doc(fields: dict[str, Any]) -> dict[str, Any]:
    """A new customer's stored document: its base fields, zeroed summary, loyalty and referrals."""
    doc: dict[str, Any] = {"address": None, "metadata": {}}
    apply_fields(doc, fields)
    doc["summary"] = zero_summary()
    doc["loyalty"] = {"points": 0, "referred_customers": 0, "campaigns": {}}
    doc["referrals"] = {"total": 0, "campaigns": []}
    return doc


def apply_fields(doc: dict[str, Any], fields: dict[str, Any]) -> None:
    """A partial update: each field sent replaces the stored one (``None`` clears it); others stay."""
    for key, value in fields.items():
        if key == "metadata":
            doc["metadata"] = value or {}
        elif key == "address":
            doc["address"] = value or None
        elif value is None:
            doc.pop(key, None)
        else:
            doc[key] = value


def render_customer(
    customer_id: str, source_id: str | None, created_at: int, updated_at: int | None, doc: dict[str, Any]
) -> dict[str, Any]:
    rendered: dict[str, Any] = {"id": customer_id}
    if source_id is not None:
        rendered["source_id"] = source_id
    for key in CUSTOMER_TEXT_FIELDS:
        if doc.get(key) is not None:
            rendered[key] = doc[key]
    rendered["address"] = doc.get("address")
    rendered["summary"] = doc["summary"]
    rendered["loyalty"] = doc["loyalty"]
    rendered["referrals"] = doc["referrals"]
    rendered["metadata"] = doc.get("metadata") or {}
    rendered["system_metadata"] = {}
    rendered["created_at"] = format_ms(created_at)
    if updated_at is not None:
        rendered["updated_at"] = format_ms(updated_at)
    url = PREFERENCE_CENTER + customer_id
    rendered["assets"] = {"cockpit_url": url, "cockpit_preference_center_url": url}
    rendered["object"] = "customer"
    return rendered


def simple_customer(customer: dict[str, Any]) -> dict[str, Any]:
    """``SimpleCustomer``: how an event names its customer."""
    simple: dict[str, Any] = {key: customer[key] for key in ("id", "name", "email", "source_id") if key in customer}
    simple["metadata"] = customer.get("metadata") or {}
    simple["object"] = "customer"
    return simple


def voucher_status(voucher: dict[str, Any], now_ms: int) -> str:
    """A held voucher's status on the sandbox clock.

    Assumed precedence (the docs list the values only): DISABLED (switched off) before EXPIRED (past its
    expiration date) before NOT_ACTIVE_YET (before its start date) before USED (a limited code redeemed as
    often as allowed) before NO_BALANCE (a gift card with nothing left) before ACTIVE. A loyalty card with no
    points is still ACTIVE: it keeps earning.
    """
    if voucher.get("active") is False:
        return "DISABLED"
    if voucher.get("expiration_ms") is not None and voucher["expiration_ms"] < now_ms:
        return "EXPIRED"
    if voucher.get("start_ms") is not None and voucher["start_ms"] > now_ms:
        return "NOT_ACTIVE_YET"
    redemption = voucher.get("redemption") or {}
    quantity = redemption.get("quantity")
    if quantity is not None and redemption.get("redeemed_quantity", 0) >= quantity:
        return "USED"
    gift = voucher.get("gift")
    if gift is not None and gift.get("balance", 0) <= 0:
        return "NO_BALANCE"
    return "ACTIVE"


def render_voucher(voucher: dict[str, Any]) -> dict[str, Any]:
    """The stored voucher as ``RedeemableVoucher`` (the sandbox's bookkeeping keys dropped)."""
    return {key: value for key, value in voucher.items() if not key.endswith("_ms")}
