"""Compact views of UltraCart records, for list results (``core.budget.fit_list(view=...)``).

A full customer with billing and shipping addresses is about 1.5 KB of JSON; its compact view, as
a table row (``fit_list(columns=COMPACT_CUSTOMER_FIELDS)``), is about a twelfth of that and
answers most list questions (who, where, since when). Full records are
only returned on request (a single-record tool, or ``fields=[...]``).

Views read the raw API JSON (plain dicts), not pydantic models: they run for every record of every
list page. Missing values come back as ``None`` and are dropped by ``budget.prune``.

The values that tell customers apart (email, name, company) come out as the outbound filter would
show them when hidden characters were taken out of them, marker included (``core.redact.mark_hidden``):
the budget then measures what the model and the person will see, and two profiles whose emails
differ only by a zero-width character never look the same in a list, an export or a question.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..core.redact import is_visible, mark_hidden, strip_invisible, with_hidden_marker

__all__ = ["COMPACT_CUSTOMER_FIELDS", "STORE_CREDIT_FIGURES", "customer_view", "store_credit_view"]

COMPACT_CUSTOMER_FIELDS: Final[tuple[str, ...]] = (
    "customer_profile_oid",
    "email",
    "name",
    "company",
    "city",
    "state",
    "country",
    "signup_date",
    "last_modified_date",
    "tag_count",
)


def _date(value: Any) -> str | None:
    """The calendar date of an API date-time, as the API wrote it (its first ten characters).

    A list answers "since when", not "at what second"; the full value is one ``fields=[...]``
    away (``signup_dts``, ``last_modified_dts``), and the two dates are a third of a view's bytes.
    """
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _pick(addresses: Any, default_flag: str) -> Mapping[str, Any] | None:
    """The address flagged as default, else the first one; None when there is none (or not expanded)."""
    if not isinstance(addresses, list):
        return None
    first: Mapping[str, Any] | None = None
    for address in addresses:
        if type(address) is dict or isinstance(address, Mapping):
            if address.get(default_flag) is True:
                return address
            if first is None:
                first = address
    return first


def _primary_address(customer: Mapping[str, Any]) -> Mapping[str, Any] | None:
    # Billing names the account holder; shipping only stands in when there is no billing address.
    return _pick(customer.get("billing"), "default_billing") or _pick(customer.get("shipping"), "default_shipping")


def _full_name(address: Mapping[str, Any]) -> str | None:
    """First and last name as one, marked when either hid characters."""
    first, last = address.get("first_name"), address.get("last_name")
    if type(first) is str and type(last) is str and is_visible(first) and is_visible(last):
        # Nothing to strip from either (most names): the rule below in a few C calls.
        first, last = first.strip(), last.strip()
        return f"{first} {last}" if first and last else first or last or None
    parts = [part for part in (first, last) if isinstance(part, str)]
    cleaned = [strip_invisible(part) for part in parts]
    name = " ".join(part.strip() for part in cleaned if part.strip())
    if any(len(clean) != len(part) for clean, part in zip(cleaned, parts, strict=True)):
        return with_hidden_marker(name)
    return name or None


def customer_view(c: Mapping[str, Any]) -> dict[str, Any]:
    """The compact view of an UltraCart customer (keys in ``COMPACT_CUSTOMER_FIELDS`` order).

    ``name``, ``company``, ``city``, ``state`` and ``country`` all come from one address — the
    default billing address, else the first billing, else the default (or first) shipping — so they
    never mix two people. ``email``, ``name`` and ``company`` are marked when hidden characters were
    taken out of them (see the module's docstring). Addresses and tags are only in the record when
    the request expanded them (``_expand=billing,shipping,tags``); without them those keys are None,
    and ``tag_count`` is None (unknown) rather than 0.
    """
    address = _primary_address(c)
    name = company = city = state = country = None
    if address is not None:
        name = _full_name(address)
        company = mark_hidden(address.get("company"))
        city = address.get("city")
        state = address.get("state_region")
        country = address.get("country_code")
    tags = c.get("tags")
    return {
        "customer_profile_oid": c.get("customer_profile_oid"),
        "email": mark_hidden(c.get("email")),
        "name": name,
        "company": company,
        "city": city,
        "state": state,
        "country": country,
        "signup_date": _date(c.get("signup_dts")),
        "last_modified_date": _date(c.get("last_modified_dts")),
        "tag_count": len(tags) if isinstance(tags, list) else None,
    }


# -- store credit --------------------------------------------------------------------------------------

# UltraCart's ledger actions say what happens at entry_dts whether it is past or scheduled ("Vesting" for credit
# that became usable long ago): the tense a reader needs comes from the list the entry is in. Actions not named
# here are kept as the API gives them.
_PAST_ACTIONS: Final = {"Vesting": "Vested", "Expiring": "Expired"}
_SCHEDULED_ACTIONS: Final = {"Vesting": "Vests", "Expiring": "Expires"}
STORE_CREDIT_FIGURES: Final = (
    "available (usable now: credited, vested, not used or expired), vesting (credited, usable later), expiring "
    "(part of available that expires within 30 days), lifetime_credited (every credit ever added: not a balance)"
)


def _ledger(entries: Any, actions: Mapping[str, str]) -> list[dict[str, Any]] | None:
    if not isinstance(entries, list):
        return None
    return [
        {**entry, "action": actions.get(action, action)}
        if isinstance(entry, Mapping) and isinstance(action := entry.get("action"), str)
        else entry
        for entry in entries
    ]


def store_credit_view(credit: Mapping[str, Any]) -> dict[str, Any]:
    """A customer's store credit (UltraCart's internal gift certificate, which cashback adjusts too) with each
    figure named for what it is (``STORE_CREDIT_FIGURES``) and ledger actions in the tense of their list
    (past: Credit, Used, Vested, Expired; scheduled: Vests, Expires)."""
    view: dict[str, Any] = {key: credit.get(key) for key in ("available", "vesting", "expiring")}
    view["lifetime_credited"] = credit.get("total")
    view["past_ledgers"] = _ledger(credit.get("past_ledgers"), _PAST_ACTIONS)
    view["future_ledgers"] = _ledger(credit.get("future_ledgers"), _SCHEDULED_ACTIONS)
    known = {"available", "vesting", "expiring", "total", "past_ledgers", "future_ledgers"}
    view.update({key: value for key, value in credit.items() if key not in known})  # fields the API adds later
    return view
