"""Compact views of TWC records, for list results (``core.budget.fit_list(view=..., columns=...)``).

A TWC customer with two addresses, opt-ins and attribute groups is ~1.5 KB of JSON; its compact row answers who,
how to reach them, whether they may be contacted and how they stand: id, customerRef, name, email, mobile, state,
the email and SMS opt-ins, city (of the default address, else the first), loyalty tier and the date created. The
full record is one ``fields=[...]`` or one ``twc_get_customer`` away.

Views read the API's JSON as plain dicts (they run for every row); missing values are None and are dropped by the
budget. Dates stay as given (the created date is the first ten characters of ``createdDate``). Values that tell
customers apart (email, name) come out as the outbound filter will show them when hidden characters are taken out
(``core.redact.mark_hidden``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..core.redact import mark_hidden

__all__ = ["COMPACT_CUSTOMER_FIELDS", "customer_view", "default_address", "full_name", "opted_in"]

COMPACT_CUSTOMER_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "customerRef",
    "name",
    "email",
    "mobile",
    "state",
    "email_opt_in",
    "sms_opt_in",
    "city",
    "loyalty_tier",
    "created",
)


def _get(record: Any, *path: str) -> Any:
    """``record[path[0]][path[1]]...``, None where any step is missing or not an object."""
    for key in path:
        if not isinstance(record, Mapping):
            return None
        record = record.get(key)
    return record


def full_name(c: Mapping[str, Any]) -> str | None:
    """``firstName lastName``, whichever are set; None when neither is."""
    parts = [part.strip() for part in (c.get("firstName"), c.get("lastName")) if isinstance(part, str)]
    return " ".join(part for part in parts if part) or None


def default_address(c: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The customer's default address: the response-only ``defaultAddress``, else the address flagged so, else the
    first one (reference §4.1)."""
    chosen = c.get("defaultAddress")
    if isinstance(chosen, Mapping):
        return chosen
    addresses = [item for item in c.get("addresses") or () if isinstance(item, Mapping)]
    flagged = [item for item in addresses if item.get("defaultAddress") is True]
    candidates = flagged or addresses
    return candidates[0] if candidates else None


def opted_in(c: Mapping[str, Any], channel: str) -> bool | None:
    """Whether the customer's ``channel`` opt-in (``email`` or ``sms``) is active; None when TWC did not say."""
    active = _get(c, "optin_preferences", channel, "opt_in_active")
    return active if isinstance(active, bool) else None


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def customer_view(c: Mapping[str, Any]) -> dict[str, Any]:
    """The compact view of a TWC customer (keys in ``COMPACT_CUSTOMER_FIELDS`` order): ``state`` is
    ``customer_state``, ``email_opt_in``/``sms_opt_in`` the channels' ``opt_in_active``, ``city`` the default
    address's, ``loyalty_tier`` the 2024 doc's ``loyaltyTier``, ``created`` the date of ``createdDate``."""
    return {
        "id": c.get("id"),
        "customerRef": c.get("customerRef"),
        "name": mark_hidden(full_name(c)),
        "email": mark_hidden(c.get("email")),
        "mobile": c.get("mobile"),
        "state": c.get("customer_state"),
        "email_opt_in": opted_in(c, "email"),
        "sms_opt_in": opted_in(c, "sms"),
        "city": _get(default_address(c), "city"),
        "loyalty_tier": c.get("loyaltyTier"),
        "created": _date(c.get("createdDate")),
    }
