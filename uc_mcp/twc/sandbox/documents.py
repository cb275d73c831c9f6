"""A customer as the store keeps it (a JSON document) and as TWC answers it.

The stored document holds the client-settable fields under their API names, the addresses (each with its
server-made ``id``), the opt-in state with its times as epoch milliseconds, and the figures TWC calculates (demo
data only). ``render`` adds what the server owns: ``id``, ``createdDate``, ``lastModifiedDate``, each address's
``customerId`` and the response-only ``defaultAddress`` (a copy of the address flagged ``defaultAddress: true``,
absent when none is; reference §4.1). Keys the customer never had are left out, as the docs' 2024 samples do;
the defaults the 2024 update sample shows (``active``, ``accepts_marketing``, ``customer_state``, ``taxExempt``,
``taxExemptions``, ``verified_email`` and both opt-in channels) are always there.

Partial updates (reference §5, the 2024 sample): a field sent replaces that field, one not sent stays. Within the
nested objects: ``addresses`` sent is the whole new list (an address whose ``id`` the customer has keeps it);
``attributeGroups`` replaces the groups it names and keeps the others; ``optin_preferences`` changes the channels
it names. An opt-in's ``opted_in_at`` is set when the customer first opts in, ``opt_in_updated_at`` on every change
of ``opt_in_active`` (reference §4.3; TWC fills both in).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any, Final

from .clock import format_ms
from .validation import CHANNELS, CustomerInput

DEFAULTS: Final[dict[str, Any]] = {
    "active": True,
    "accepts_marketing": False,
    "customer_state": "enabled",
    "taxExempt": False,
    "taxExemptions": [],
    "verified_email": False,
}
# The figures TWC calculates (2024 doc): read-only, present only when the demo data set them.
CALCULATED: Final = (
    "lifetimeOrderValue",
    "averageSpendPerAnnum",
    "running12monthSpend",
    "totalOrders",
    "totalSpend",
    "lastOrderDate",
    "lastOrderRef",
)
# The order of a rendered customer: the 2024 samples' order, then the seed's and the 2024 table's other fields.
ORDER: Final = (
    "id",
    "email",
    "customerRef",
    "alternateCustomerRef",
    "firstName",
    "lastName",
    "mobile",
    "phone",
    "dob",
    "addresses",
    "defaultAddress",
    "attributeGroups",
    "active",
    "accepts_marketing",
    "marketing_optin_level",
    "marketing_preferences_updated_at",
    "customer_state",
    "taxExempt",
    "taxExemptions",
    "verified_email",
    "location",
    "joinedStoreId",
    "vipStatus",
    "loyaltyTier",
    "spendToNextTier",
    "memberSince",
    *CALCULATED,
    "createdDate",
    "lastModifiedDate",
    "optin_preferences",
)

NewId = Callable[[], str]


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_doc() -> dict[str, Any]:
    doc = copy.deepcopy(DEFAULTS)
    doc["optin_preferences"] = {channel: {"opt_in_active": False} for channel in CHANNELS}
    return doc


def apply(doc: dict[str, Any], given: CustomerInput, now_ms: int, new_id: NewId = new_uuid) -> None:
    """Apply a (partial) Customer to a stored document, in place."""
    for name, value in given.fields.items():
        doc[name] = copy.deepcopy(value)
    if given.addresses is not None:
        doc["addresses"] = _merge_addresses(doc.get("addresses") or [], given.addresses, new_id)
    if given.attribute_groups is not None:
        groups = doc.setdefault("attributeGroups", {})
        groups.update(copy.deepcopy(given.attribute_groups))
    for channel, active in given.optin.items():
        _set_optin(doc, channel, active, now_ms)


def _merge_addresses(current: list[dict[str, Any]], sent: list[dict[str, Any]], new_id: NewId) -> list[dict[str, Any]]:
    known = {address["id"] for address in current}
    merged = []
    for address in sent:
        kept = dict(address)
        if kept.get("id") not in known:
            kept["id"] = new_id()  # the server makes address ids; a client's own is not one
        merged.append(kept)
    return only_one_default(merged)


def only_one_default(addresses: list[dict[str, Any]], preferred: str | None = None) -> list[dict[str, Any]]:
    """At most one address is the default: ``preferred`` (an id) when flagged, else the first flagged.

    Assumed: TWC keeps one default address (the response has one ``defaultAddress``); no address becomes the
    default unless flagged."""
    flagged = [address["id"] for address in addresses if address.get("defaultAddress")]
    chosen = preferred if preferred in flagged else (flagged[0] if flagged else None)
    for address in addresses:
        address["defaultAddress"] = address["id"] == chosen
    return addresses


def add_address(doc: dict[str, Any], address: dict[str, Any], new_id: NewId = new_uuid) -> str:
    """Append an address (a new id whatever the body says); a flagged one becomes the only default."""
    added = {key: value for key, value in address.items() if key != "id"}
    added["id"] = new_id()
    addresses = [*(doc.get("addresses") or []), added]
    doc["addresses"] = only_one_default(addresses, preferred=added["id"] if added["defaultAddress"] else None)
    return str(added["id"])


def remove_address(doc: dict[str, Any], address_id: str) -> bool:
    addresses = doc.get("addresses") or []
    kept = [address for address in addresses if address["id"] != address_id]
    doc["addresses"] = kept
    return len(kept) < len(addresses)


def _set_optin(doc: dict[str, Any], channel: str, active: bool, now_ms: int) -> None:
    preferences = doc.setdefault("optin_preferences", {})
    preference = preferences.setdefault(channel, {"opt_in_active": False})
    if bool(preference.get("opt_in_active")) == active:
        return  # no change: the times stay
    preference["opt_in_active"] = active
    preference["opt_in_updated_at"] = now_ms
    if active and "opted_in_at" not in preference:
        preference["opted_in_at"] = now_ms


def render(customer_id: str, created_ms: int, modified_ms: int, doc: dict[str, Any]) -> dict[str, Any]:
    """The customer as TWC answers it."""
    view: dict[str, Any] = {"id": customer_id}
    for name, value in doc.items():
        if name == "addresses":
            view["addresses"] = [_render_address(customer_id, address) for address in value]
        elif name == "marketing_preferences_updated_at":
            view[name] = format_ms(value)
        elif name == "optin_preferences":
            view[name] = {channel: _render_optin(preference) for channel, preference in value.items()}
        else:
            view[name] = copy.deepcopy(value)
    default = next((address for address in view.get("addresses", []) if address.get("defaultAddress")), None)
    if default is not None:
        view["defaultAddress"] = dict(default)
    view["createdDate"] = format_ms(created_ms)
    view["lastModifiedDate"] = format_ms(modified_ms)
    rank = {name: position for position, name in enumerate(ORDER)}
    return dict(sorted(view.items(), key=lambda item: rank.get(item[0], len(rank))))


def _render_address(customer_id: str, address: dict[str, Any]) -> dict[str, Any]:
    return {**address, "customerId": customer_id}


def _render_optin(preference: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"opt_in_active": bool(preference.get("opt_in_active"))}
    for name in ("opted_in_at", "opt_in_updated_at"):
        if isinstance(preference.get(name), int):
            view[name] = format_ms(preference[name])
    return view
