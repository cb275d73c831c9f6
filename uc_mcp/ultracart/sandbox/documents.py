"""Customer documents: what the store keeps for a customer and what the API shows of it.

The store keeps each customer as one JSON document (the full ``Customer`` object with every
sub-object and server-assigned oid) plus index rows derived from it. These pure functions
prepare a client's body for storage and render a stored document the way UltraCart answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .clock import epoch, parse_dts, stored_dts
from .errors import bad_request
from .filters import digits, fold

# _expand values UltraCart documents for customers (sdk_samples introduction_4.md). Without them
# the API returns a "limited" customer: scalars only. Unknown values are ignored (assumed: the
# real service ignores expansions it does not know).
EXPANSIONS = (
    "attachments",
    "billing",
    "cards",
    "cc_emails",
    "loyalty",
    "orders_summary",
    "pricing_tiers",
    "privacy",
    "properties",
    "quotes_summary",
    "reviewer",
    "shipping",
    "software_entitlements",
    "tags",
    "tax_codes",
)
# The expansions that are arrays. Expanded, one is always in the answer, ``[]`` when empty: the service
# builds the collection it was asked for (assumed, as for a Java list serialised without nulls); an
# array left out would read as "not expanded" and makes the SDK raise on ``customer.billing``.
ARRAY_EXPANSIONS = frozenset(
    {
        "attachments",
        "billing",
        "cards",
        "cc_emails",
        "pricing_tiers",
        "properties",
        "shipping",
        "software_entitlements",
        "tags",
    }
)
# Object-typed fields that are never part of a limited customer and that the sandbox never fills.
NEVER_RENDERED = ("activity", "edi", "orders", "quotes", "password")
# Computed by UltraCart from orders, quotes and reviews, and ignored on write as the oids and dates it
# assigns are (the notes mark them "computed"). Their types are still checked (validation.py).
COMPUTED = ("orders_summary", "quotes_summary", "reviewer")
# CustomerLoyalty: points come from the loyalty ledger (adjusted by an operation outside this subset),
# the certificate fields from the store-credit ledger, the tier's expiration from the tier ("read only").
# A client sets the tier alone; loyalty_tier_oid 0 removes it (the spec: "set to zero to remove the tier").
LOYALTY_WRITABLE = ("loyalty_tier_oid", "loyalty_tier_name")

# Array field -> (the oid field each element gets, whether elements carry customer_profile_oid)
SUB_OBJECT_OIDS: dict[str, tuple[str, bool]] = {
    "billing": ("customer_billing_oid", True),
    "shipping": ("customer_shipping_oid", True),
    "cards": ("customer_profile_credit_card_id", True),
    "cc_emails": ("customer_profile_email_oid", False),
    "properties": ("customer_profile_property_oid", False),
    "attachments": ("customer_profile_attachment_oid", False),
    "software_entitlements": ("customer_software_entitlement_oid", False),
}
SERVER_ASSIGNED = ("customer_profile_oid", "merchant_id", "last_modified_by", "last_modified_dts", "signup_dts")
DERIVED_ADDRESS_FIELDS = ("day_phone_e164", "evening_phone_e164")
# Kept by the server on an element it already has (sent back or not), never taken from the client.
SERVER_MAINTAINED = {"billing": ("last_used_dts",), "shipping": ("last_used_dts",), "cards": ("last_used_dts",)}
# Country calling codes for E.164 derivation (the countries the demo store ships to; others: none).
CALLING_CODES = {"US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33", "AU": "61", "JP": "81", "MX": "52"}
# Customer.email is a plain string in the spec, and UltraCart's own sample runner creates customers with
# addresses such as "sample_ABCDEFGH.test.com" (no "@"): the service does not check an address's shape.
# The sandbox refuses only what cannot serve as the lookup key: empty, or holding whitespace.
EMAIL_SHAPE = re.compile(r"^\S+$")
MAX_EMAIL = 100  # Customer.email has no maxLength in the spec; CustomerEmail.email has 100 (assumed same)


def parse_expand(expand: str | None) -> frozenset[str]:
    if not expand:
        return frozenset()
    return frozenset(part.strip() for part in expand.split(",") if part.strip() in EXPANSIONS)


def e164(phone: str | None, country_code: str | None) -> str | None:
    if not phone:
        return None
    number = digits(phone)
    if not number:
        return None
    if phone.strip().startswith("+"):
        return "+" + number
    code = CALLING_CODES.get((country_code or "").upper())
    if code is None:
        return None
    if code == "1":
        return "+1" + number[-10:] if len(number) >= 10 else None
    return "+" + code + number.lstrip("0")


def check_email(email: object, field: str = "email") -> str:
    if not isinstance(email, str) or not EMAIL_SHAPE.match(email.strip()):
        raise bad_request(f"Invalid {field}: expected an email address like name@example.com, without spaces.")
    if len(email.strip()) > MAX_EMAIL:
        raise bad_request(f"Invalid {field}: expected at most {MAX_EMAIL} characters.")
    return email.strip()


def mask_card(number: str) -> str:
    """Card numbers are kept and shown masked: asterisks and the last four digits."""
    last4 = digits(number)[-4:]
    return "*" * 12 + last4 if last4 else ""


def _prepare_array(
    name: str, items: list[Any], old: list[dict[str, Any]], oid: int, next_oid: Callable[[], int]
) -> list[dict[str, Any]]:
    oid_field, carries_customer = SUB_OBJECT_OIDS.get(name, ("", False))
    known = {item.get(oid_field) for item in old} if oid_field else set()
    prepared: list[dict[str, Any]] = []
    for raw in items:
        item = {key: value for key, value in raw.items() if value is not None}
        if oid_field:
            # An element keeps its oid only if it already belongs to this customer (assumed).
            item[oid_field] = item[oid_field] if item.get(oid_field) in known else next_oid()
        if carries_customer:
            item["customer_profile_oid"] = oid
        previous = next((o for o in old if oid_field and o.get(oid_field) == item[oid_field]), {})
        for maintained in SERVER_MAINTAINED.get(name, ()):
            item.pop(maintained, None)
            if previous.get(maintained):
                item[maintained] = previous[maintained]
        if name in ("billing", "shipping"):
            for derived in DERIVED_ADDRESS_FIELDS:
                item.pop(derived, None)
            for phone in ("day_phone", "evening_phone"):
                number = e164(item.get(phone), item.get("country_code"))
                if number:
                    item[f"{phone}_e164"] = number
        if name == "cards":
            token = item.pop("card_number_token", None)
            if item.get("card_number"):
                item["card_number"] = mask_card(str(item["card_number"]))
            elif token:
                item.pop("card_number", None)
        prepared.append(item)
    if name in ("billing", "shipping") and prepared:
        flag = f"default_{name}"
        chosen = next((i for i, item in enumerate(prepared) if item.get(flag)), 0)
        for i, item in enumerate(prepared):
            item[flag] = i == chosen
    return prepared


def apply_body(
    doc: dict[str, Any], body: dict[str, Any], oid: int, next_oid: Callable[[], int], now: str
) -> dict[str, Any]:
    """Apply a client's Customer body (validated, date-times normalised) to a stored document
    (insert: ``doc`` is empty); ``now`` is the moment of the write, rendered.

    Update semantics (assumed; the spec is silent): a field present in the body replaces the
    stored value, an array replaces the whole collection, an absent or null field is unchanged.
    Server-assigned and computed fields in the body are ignored.
    """
    result = dict(doc)
    for key, value in body.items():
        if value is None or key in SERVER_ASSIGNED or key in NEVER_RENDERED or key in COMPUTED:
            continue
        if key in SUB_OBJECT_OIDS or key in ("tags", "pricing_tiers"):
            if key in ("tags", "pricing_tiers"):
                result[key] = [{k: v for k, v in item.items() if v is not None} for item in value]
            else:
                result[key] = _prepare_array(key, value, doc.get(key) or [], oid, next_oid)
            if not result[key]:
                del result[key]
            continue
        if key == "loyalty":
            loyalty = _loyalty(doc.get("loyalty") or {}, value)
            if loyalty:
                result[key] = loyalty
            else:
                result.pop(key, None)
            continue
        if key == "privacy":
            privacy = _privacy(doc.get("privacy") or {}, value, now)
            if privacy:
                result[key] = privacy
            continue
        if key == "email":
            result[key] = check_email(value)
            continue
        if key == "birth_date":
            result[key] = _birth_date(value)
            continue
        result[key] = value
    if "tags" in result:
        seen: set[str] = set()
        unique = []
        for tag in result["tags"]:
            norm = fold(str(tag.get("tag_value", "")))
            if norm and norm not in seen:
                seen.add(norm)
                unique.append({"tag_value": tag["tag_value"]})
        result["tags"] = unique
    return result


def _loyalty(stored: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    loyalty = dict(stored)
    tier = {key: sent[key] for key in LOYALTY_WRITABLE if sent.get(key) is not None}
    if tier.get("loyalty_tier_oid") == 0:
        for key in (*LOYALTY_WRITABLE, "loyalty_tier_expiration_dts"):
            loyalty.pop(key, None)
    else:
        loyalty.update(tier)
    return loyalty


def _privacy(stored: dict[str, Any], sent: dict[str, Any], now: str) -> dict[str, Any]:
    """The consent flags sent replace the stored ones; ``last_update_dts`` is the server's: the moment
    they last changed (assumed: UltraCart stamps a consent change, the client does not date it)."""
    privacy = {key: value for key, value in sent.items() if key != "last_update_dts"}
    flags = {key: value for key, value in stored.items() if key != "last_update_dts"}
    if not privacy:
        return dict(stored)  # nothing but the server's own date: nothing to change
    if privacy != flags or not stored.get("last_update_dts"):
        privacy["last_update_dts"] = now
    else:
        privacy["last_update_dts"] = stored["last_update_dts"]
    return privacy


def _birth_date(value: Any) -> str:
    """Customer.birth_date ("Customer birthday") has no format in the spec; UltraCart keeps a date, so a
    value that is no date is refused and a date is rendered as UltraCart renders its date-times (the
    demo data does the same; assumed)."""
    try:
        return stored_dts(str(value))
    except ValueError:
        raise bad_request(
            "Invalid birth_date: expected an ISO-8601 date such as 1986-07-09 (or a date-time), years 1900 to 9998."
        ) from None


def render(
    doc: dict[str, Any], expand: frozenset[str], now_epoch: int, loyalty_extras: dict[str, Any] | None
) -> dict[str, Any]:
    """The customer as the API returns it for the given ``_expand``."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in NEVER_RENDERED:
            continue
        if key in EXPANSIONS and key not in expand:
            continue
        out[key] = value
    if "properties" in out:
        # Properties are removed by UltraCart after their expiration_dts.
        out["properties"] = [
            p
            for p in out["properties"]
            if not p.get("expiration_dts") or epoch(parse_dts(p["expiration_dts"])) > now_epoch
        ]
    if "cards" in out:
        out["cards"] = [
            {k: v for k, v in card.items() if k != "card_number_token"}
            | ({"card_number": mask_card(card["card_number"])} if card.get("card_number") else {})
            for card in out["cards"]
        ]
    if "loyalty" in expand and loyalty_extras:
        out["loyalty"] = {**(out.get("loyalty") or {}), **loyalty_extras}
    for name in ARRAY_EXPANSIONS & expand:
        out.setdefault(name, [])
    return out
