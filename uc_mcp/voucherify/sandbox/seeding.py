"""Load the demo data into a new database: customers, their vouchers and holdings, segments and activity.

Event data follows the event's schema in the spec (``EventCustomer*``): the customer as ``SimpleCustomer`` (the
full customer where the schema asks for it: created, updated, segment entered), the campaign, the voucher, the
order, the redemption, the balance.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .catalog import Campaign
from .clock import format_ms
from .demo_data import DemoCustomer, DemoEvent, DemoHolding, generate, summarise
from .documents import new_doc, render_customer, simple_customer
from .schema import Rows, dumps

# Events whose schema carries the whole customer object rather than SimpleCustomer.
FULL_CUSTOMER_EVENTS = frozenset({"customer.created", "customer.updated", "customer.segment.entered"})


def seed(rows: Rows, count: int, seed: int) -> None:
    people = list(generate(count, seed))
    customer_ids = [rows.random_id("cust_", "customer") for _ in people]
    vouchers: dict[str, dict[str, Any]] = {}
    for index, person in enumerate(people):
        _seed_person(rows, person, customer_ids[index], customer_ids, vouchers)


def _seed_person(
    rows: Rows, person: DemoCustomer, customer_id: str, customer_ids: list[str], vouchers: dict[str, dict[str, Any]]
) -> None:
    doc = new_doc(dict(person.fields))
    summary = summarise(person)
    orders = summary["summary"]["orders"]
    if "last_order_date" in orders:
        orders["last_order_date"] = format_ms(orders["last_order_date"])
    doc.update(summary)
    referrals: list[dict[str, Any]] = []
    for holding in person.holdings:
        voucher = vouchers.get(holding.code)
        if voucher is None:
            voucher = _voucher(rows, holding, customer_id)
            vouchers[holding.code] = voucher
        if holding.holder_role == "REFEREE" and holding.referrer is not None:
            referrals.append(
                {
                    "campaign_id": holding.campaign.id,
                    "referrer_id": customer_ids[holding.referrer],
                    "related_object_id": voucher["id"],
                    "related_object_type": "voucher",
                    "date": format_ms(holding.created_at),
                }
            )
        _hold(rows, holding, customer_id, voucher["id"])
    doc["referrals"] = {"total": len(referrals), "campaigns": referrals}
    rows.insert_customer(customer_id, person.source_id, person.created_at, person.updated_at, doc)
    rendered = render_customer(customer_id, person.source_id, person.created_at, person.updated_at, doc)
    for segment in person.segments:
        rows.add_membership(customer_id, segment.id)
    referrer_ids = {h.code: customer_ids[h.referrer] for h in person.holdings if h.referrer is not None}
    for event in sorted(person.events, key=lambda event: event.at):
        data = _event_data(event, rendered, vouchers, referrer_ids)
        campaign_id = event.campaign.id if event.campaign else None
        rows.insert_event(customer_id, event.type, event.at, data, campaign_id=campaign_id, order_id=event.order_id)


def _voucher(rows: Rows, holding: DemoHolding, holder_id: str) -> dict[str, Any]:
    campaign = holding.campaign
    voucher_id = rows.random_id("v_", "voucher")
    voucher: dict[str, Any] = {
        "id": voucher_id,
        "code": holding.code,
        "campaign": campaign.name,
        "campaign_id": campaign.id,
        "categories": [],
        "type": campaign.voucher_type,
    }
    if holding.discount is not None:
        voucher["discount"] = holding.discount
    if campaign.voucher_type == "GIFT_VOUCHER":
        voucher["gift"] = {"amount": holding.gift_amount, "balance": holding.gift_balance, "effect": "APPLY_TO_ORDER"}
    if campaign.voucher_type == "LOYALTY_CARD":
        voucher["loyalty_card"] = {"points": holding.points, "balance": holding.balance}
    if holding.start_date is not None:
        voucher["start_date"] = format_ms(holding.start_date)
        voucher["start_ms"] = holding.start_date
    if holding.expiration_date is not None:
        voucher["expiration_date"] = format_ms(holding.expiration_date)
        voucher["expiration_ms"] = holding.expiration_date
    referral = campaign.campaign_type == "REFERRAL_PROGRAM"
    redemption: dict[str, Any] = {"redeemed_quantity": holding.redeemed}
    if holding.quantity is not None:
        redemption["quantity"] = holding.quantity
    if campaign.voucher_type == "LOYALTY_CARD":
        redemption["redeemed_points"] = holding.points - holding.balance
    redemption.update(object="list", url=f"/v1/vouchers/{holding.code}/redemptions?page=1&limit=10")
    voucher.update(
        active=holding.active,
        metadata={},
        is_referral_code=referral,
        created_at=format_ms(holding.created_at),
        holder_id=holder_id,
    )
    if referral:
        voucher["referrer_id"] = holder_id
    voucher["redemption"] = redemption
    voucher["publish"] = {
        "object": "list",
        "count": 1,
        "url": f"/v1/vouchers/{holding.code}/publications?page=1&limit=10",
    }
    voucher["object"] = "voucher"
    rows.conn.execute(
        "INSERT INTO voucher (id, code, doc) VALUES (?, ?, ?)", (voucher_id, holding.code, dumps(voucher))
    )
    return voucher


def _hold(rows: Rows, holding: DemoHolding, customer_id: str, voucher_id: str) -> None:
    campaign = holding.campaign
    rows.conn.execute(
        "INSERT INTO holding (id, customer_id, created_at, redeemable_id, holder_role, campaign_id, campaign_type, "
        "voucher_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rows.sortable_id("rh_", "holding"),
            customer_id,
            holding.created_at,
            voucher_id,
            holding.holder_role,
            campaign.id,
            campaign.campaign_type,
            campaign.voucher_type,
        ),
    )


def simple_campaign(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "campaign_type": campaign.campaign_type,
        "type": "AUTO_UPDATE" if campaign.voucher_type == "LOYALTY_CARD" else "STATIC",
        "is_referral_code": campaign.campaign_type == "REFERRAL_PROGRAM",
        "active": True,
        "created_at": campaign.created_at,
        "object": "campaign",
    }


def simple_voucher(voucher: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "code", "type", "campaign", "campaign_id", "holder_id", "is_referral_code", "created_at", "object")
    simple = {key: voucher[key] for key in keys if key in voucher}
    for key in ("discount", "gift", "loyalty_card"):
        if key in voucher:
            simple[key] = voucher[key]
    return simple


def _order(event: DemoEvent, customer_id: str, status: str = "PAID") -> dict[str, Any]:
    return {
        "id": "ord_" + (event.order_id or "").replace("-", ""),
        "source_id": event.order_id,
        "status": status,
        "amount": event.amount,
        "customer_id": customer_id,
        "object": "order",
    }


def _event_data(
    event: DemoEvent,
    customer: dict[str, Any],
    vouchers: dict[str, dict[str, Any]],
    referrer_ids: dict[str, str],
) -> dict[str, Any]:
    who = customer if event.type in FULL_CUSTOMER_EVENTS else simple_customer(customer)
    data: dict[str, Any] = {"customer": who}
    if event.campaign is not None:
        data["campaign"] = simple_campaign(event.campaign)
    voucher = vouchers.get(event.voucher_code) if event.voucher_code else None
    if voucher is not None:
        data["voucher"] = simple_voucher(voucher)
    details = dict(event.data)
    at = format_ms(event.at)
    kind = event.type
    if kind == "customer.segment.entered":
        segment = details["segment"]
        data["segment"] = {"id": segment.id, "name": segment.name, "object": "segment"}
    elif kind == "customer.order.paid":
        data["order"] = _order(event, customer["id"])
    elif kind in ("customer.redemption.succeeded", "customer.redemption.failed"):
        succeeded = kind.endswith("succeeded")
        if event.order_id:
            data["order"] = _order(event, customer["id"], "PAID" if succeeded else "CREATED")
        redemption: dict[str, Any] = {
            "id": "r_" + event_suffix(event, customer["id"]),
            "customer_id": customer["id"],
            "date": at,
            "amount": event.amount,
            "result": "SUCCESS" if succeeded else "FAILURE",
            "status": "SUCCEEDED" if succeeded else "FAILED",
            "metadata": {},
            "object": "redemption",
        }
        if not succeeded:
            redemption["failure_code"] = details.get("failure_code", "")
            redemption["failure_message"] = details.get("failure_message", "")
        data["redemption"] = redemption
    elif kind == "customer.rewarded.loyalty_points" and voucher is not None:
        data["holder"] = simple_customer(customer)
        data["balance"] = {
            "type": "loyalty_card",
            "total": voucher.get("loyalty_card", {}).get("points", 0),
            "points": event.amount,
            "balance": voucher.get("loyalty_card", {}).get("balance", 0),
            "operation_type": "AUTOMATIC",
            "object": "balance",
            "related_object": {"id": voucher["id"], "type": "voucher"},
        }
        if event.order_id:
            data["order"] = _order(event, customer["id"])
    elif kind == "customer.voucher.gift.balance_added" and voucher is not None:
        data["balance"] = {
            "type": "gift_voucher",
            "total": voucher.get("gift", {}).get("amount", 0),
            "amount": event.amount,
            "balance": event.amount,
            "operation_type": "MANUAL",
            "object": "balance",
            "related_object": {"id": voucher["id"], "type": "voucher"},
        }
    elif kind == "customer.email.sent":
        data["distribution"] = {"name": details.get("distribution", ""), "channel": "email"}
        data["sent_at"] = at
    elif kind == "customer.referred" and event.voucher_code:
        referrer = referrer_ids.get(event.voucher_code)
        data["referrer"] = {"id": referrer, "object": "customer"}
        data["custom_event"] = {
            "id": "event_" + event_suffix(event, customer["id"]),
            "object": "event",
            "type": "referral_signup",
            "customer": simple_customer(customer),
            "referral": {"referrer_id": referrer},
            "loyalty": {},
            "metadata": {},
            "created_at": at,
        }
    elif kind == "customer.validation.failed":
        data["validation"] = {
            "id": "valid_" + event_suffix(event, customer["id"]),
            "status": "INVALID",
            "created_at": at,
            "customer_id": customer["id"],
            "redeemables": [],
            "inapplicable_redeemables": [
                {
                    "status": "INAPPLICABLE",
                    "id": event.voucher_code,
                    "object": "voucher",
                    "result": {
                        "error": {
                            "code": 400,
                            "key": details.get("failure_code", ""),
                            "message": details.get("failure_message", ""),
                        }
                    },
                }
            ],
        }
    return data


def event_suffix(event: DemoEvent, customer_id: str) -> str:
    """A stable 18-hex-character suffix for ids derived from an event (redemptions, validations)."""
    return hashlib.sha256(f"{customer_id}:{event.type}:{event.at}".encode()).hexdigest()[:18]
