"""Ground truth for the sandbox's customer queries, computed from the seed data alone.

Nothing here asks the sandbox anything or reuses its code: the customers come straight from
``demo_data.generate(CUSTOMERS, SEED)`` (customer *i* becomes ``customer_profile_oid`` 100001 + *i*),
and the matching, sorting and expansion rules written in ``sandbox/filters.py`` and
``sandbox/documents.py`` are re-implemented here in plain Python:

- default profile: names, cities and postal codes match by case-insensitive prefix; companies and
  emails by case-insensitive substring; state, country, QuickBooks class/code and pricing-tier name
  case-insensitively in full; phones by their digits (the wanted digits anywhere in the number);
- strict profile: every text filter is an exact, case-sensitive match, except emails (exact but
  case-insensitive);
- both: an address filter matches *any* billing (or shipping) address; ``emails`` is an exact
  case-insensitive lookup; tags compare case-folded (strict: as written); date bounds are
  inclusive, a bare date means the start of that day in America/New_York, or its last second when
  it closes a range; a date-time without offset is New York time; every filter narrows (AND).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import CUSTOMERS, SEED, TEST_NOW
from uc_mcp.ultracart.sandbox import demo_data

NEW_YORK = ZoneInfo("America/New_York")
FIRST_OID = 100001

# The _expand values UltraCart documents for customers (sdk_samples introduction_4.md).
DOCUMENTED_EXPANSIONS = (
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
# Expanded, an array is always in the answer ([] when the customer has none); an object only with data.
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
SERVER_SCALARS = ("customer_profile_oid", "merchant_id", "last_modified_by")

# filter -> (customer field, default rule); address filters: suffix -> (address field, default rule)
CUSTOMER_TEXT = {
    "email": ("email", "substring"),
    "qb_class": ("qb_class", "exact"),
    "quickbooks_code": ("qb_code", "exact"),
}
ADDRESS_TEXT = {
    "first_name": ("first_name", "prefix"),
    "last_name": ("last_name", "prefix"),
    "company": ("company", "substring"),
    "city": ("city", "prefix"),
    "state": ("state_region", "exact"),
    "postal_code": ("postal_code", "prefix"),
    "country_code": ("country_code", "exact"),
    "day_phone": ("day_phone", "digits"),
    "evening_phone": ("evening_phone", "digits"),
}
GET_FILTERS = (
    "email",
    "qb_class",
    "quickbooks_code",
    "last_modified_dts_start",
    "last_modified_dts_end",
    "signup_dts_start",
    "signup_dts_end",
    *(f"{kind}_{suffix}" for kind in ("billing", "shipping") for suffix in ADDRESS_TEXT),
    "pricing_tier_oid",
    "pricing_tier_name",
)
assert len(GET_FILTERS) == 27


def fold(text: str) -> str:
    return text.strip().casefold()


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdecimal())


def epoch_of(dts: str) -> int:
    """A date-time as the API renders it (always with an offset) in epoch seconds."""
    parsed = datetime.fromisoformat(dts)
    assert parsed.tzinfo is not None, dts
    return int(parsed.timestamp())


def bound(text: str, *, closing: bool) -> int:
    """A date filter value in epoch seconds, read the way filters.py documents."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)
        if closing:
            following = day + timedelta(days=1)
            return int(datetime(following.year, following.month, following.day, tzinfo=NEW_YORK).timestamp()) - 1
        return int(datetime(day.year, day.month, day.day, tzinfo=NEW_YORK).timestamp())
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NEW_YORK)
    return int(parsed.timestamp())


def local_day(moment: int) -> date:
    return datetime.fromtimestamp(moment, NEW_YORK).date()


@dataclass(frozen=True)
class Seeded:
    """One seeded customer as the demo generator produced it."""

    oid: int
    doc: dict[str, Any]
    email_lists: tuple[str, ...]
    has_store_credit: bool

    @property
    def email(self) -> str:
        return str(self.doc["email"])

    @property
    def signup(self) -> int:
        return epoch_of(self.doc["signup_dts"])

    @property
    def modified(self) -> int:
        return epoch_of(self.doc["last_modified_dts"])

    def addresses(self, kind: str) -> list[dict[str, Any]]:
        return list(self.doc.get(kind) or [])

    def main_address(self, kind: str) -> dict[str, Any] | None:
        """The default address, or the first one when none is flagged."""
        addresses = self.addresses(kind)
        flagged = [a for a in addresses if a.get(f"default_{kind}")]
        chosen = flagged or addresses
        return chosen[0] if chosen else None

    def tags(self) -> list[str]:
        return [t["tag_value"] for t in self.doc.get("tags") or [] if t.get("tag_value")]

    def tiers(self) -> list[dict[str, Any]]:
        return list(self.doc.get("pricing_tiers") or [])


@cache
def customers() -> tuple[Seeded, ...]:
    return tuple(
        Seeded(FIRST_OID + i, demo.customer, tuple(demo.email_lists), bool(demo.store_credit))
        for i, demo in enumerate(demo_data.generate(CUSTOMERS, SEED))
    )


def by_oid(oid: int) -> Seeded:
    return customers()[oid - FIRST_OID]


def by_email(email: str) -> Seeded:
    return next(c for c in customers() if c.email.casefold() == email.casefold())


ALL_OIDS = tuple(c.oid for c in customers())


# -- matching ------------------------------------------------------------------------------------


def text_matches(actual: Any, wanted: str, rule: str, *, strict: bool, email: bool = False) -> bool:
    if not isinstance(actual, str) or actual == "":
        return False
    if strict:
        return fold(actual) == fold(wanted) if email else actual == wanted
    if rule == "exact":
        return fold(actual) == fold(wanted)
    if rule == "prefix":
        return fold(actual).startswith(fold(wanted))
    if rule == "substring":
        return fold(wanted) in fold(actual)
    if rule == "digits":
        return digits(wanted) in digits(actual)
    raise AssertionError(rule)


def matches(c: Seeded, query: Mapping[str, Any], *, strict: bool = False) -> bool:
    """Whether a customer passes every filter in ``query`` (getCustomers / CustomerQuery names,
    plus ``_since``). Empty or blank values do not filter."""
    for name, wanted in query.items():
        if wanted is None or (isinstance(wanted, str) and not wanted.strip()) or wanted == []:
            continue
        if name in CUSTOMER_TEXT:
            field, rule = CUSTOMER_TEXT[name]
            if not text_matches(c.doc.get(field), wanted, rule, strict=strict, email=name == "email"):
                return False
        elif name.startswith(("billing_", "shipping_")) and name.partition("_")[2] in ADDRESS_TEXT:
            kind, _, suffix = name.partition("_")
            field, rule = ADDRESS_TEXT[suffix]
            if not any(text_matches(a.get(field), wanted, rule, strict=strict) for a in c.addresses(kind)):
                return False
        elif name in ("signup_dts_start", "signup_dts_end", "last_modified_dts_start", "last_modified_dts_end"):
            moment = c.signup if name.startswith("signup") else c.modified
            closing = name.endswith("_end")
            limit = bound(wanted, closing=closing)
            if (moment > limit) if closing else (moment < limit):
                return False
        elif name == "_since":
            if c.modified < bound(wanted, closing=False):
                return False
        elif name == "pricing_tier_oid":
            if not any(t.get("pricing_tier_oid") == int(wanted) for t in c.tiers()):
                return False
        elif name == "pricing_tier_name":
            if not any(text_matches(t.get("name"), wanted, "exact", strict=strict) for t in c.tiers()):
                return False
        elif name == "emails":
            if fold(c.email) not in {fold(e) for e in wanted if e.strip()}:
                return False
        elif name in ("any_tags", "all_tags"):
            have = set(c.tags()) if strict else {fold(t) for t in c.tags()}
            want = {t if strict else fold(t) for t in wanted if t.strip()}
            if name == "any_tags" and not have & want:
                return False
            if name == "all_tags" and not want <= have:
                return False
        elif name == "query_target":
            continue
        else:
            raise AssertionError(f"no ground truth for filter {name}")
    return True


def expected(query: Mapping[str, Any], *, strict: bool = False) -> list[int]:
    """The oids matching ``query``, in the default order (oid ascending)."""
    return [c.oid for c in customers() if matches(c, query, strict=strict)]


# -- sorting -------------------------------------------------------------------------------------


def sort_value(c: Seeded, field: str) -> Any:
    if field == "customer_profile_oid":
        return c.oid
    if field == "email":
        return fold(c.email)
    if field == "signup_dts":
        return c.signup
    if field == "last_modified_dts":
        return c.modified
    if field in ("qb_class", "qb_code"):
        value = c.doc.get(field)
        return fold(value) if value else None
    kind, _, sub = field.partition(".")
    address = c.main_address(kind)
    value = address.get(sub) if address else None
    return fold(value) if value else None


def sorted_oids(oids: Iterable[int], terms: Sequence[tuple[str, bool]]) -> list[int]:
    """Sort by (field, descending) terms; missing values are lowest; ties by oid ascending."""
    rows = sorted((by_oid(oid) for oid in oids), key=lambda c: c.oid)
    for field, descending in reversed(terms):

        def key(c: Seeded, field: str = field) -> tuple[int, Any]:
            value = sort_value(c, field)
            return (0, 0) if value is None else (1, value)

        rows.sort(key=key, reverse=descending)  # stable, also when reversed
    return [c.oid for c in rows]


# -- expansion -----------------------------------------------------------------------------------


def scalar_keys(c: Seeded) -> set[str]:
    return {key for key in c.doc if key not in DOCUMENTED_EXPANSIONS} | set(SERVER_SCALARS)


def live_properties(c: Seeded, now: datetime = TEST_NOW) -> list[dict[str, Any]]:
    """Properties not yet past their expiration_dts (UltraCart deletes them after it)."""
    moment = int(now.timestamp())
    return [
        p
        for p in c.doc.get("properties") or []
        if not p.get("expiration_dts") or epoch_of(p["expiration_dts"]) > moment
    ]


def in_answer(c: Seeded, value: str) -> bool:
    """Whether a customer expanded with ``value`` carries the key ``value``."""
    return value in ARRAY_EXPANSIONS or has_expansion(c, value)


def has_expansion(c: Seeded, value: str) -> bool:
    """Whether the customer has data for the expansion ``value``."""
    if value == "properties":
        return bool(live_properties(c))
    if value == "loyalty":
        # The store-credit certificate is reported through loyalty (internal_gift_certificate_*).
        return bool(c.doc.get("loyalty")) or c.has_store_credit
    return bool(c.doc.get(value))


# -- picking filter values from the data ---------------------------------------------------------


def most_common(values: Iterable[Any]) -> Any:
    counts = Counter(v for v in values if v not in (None, ""))
    return counts.most_common(1)[0][0]


def _quantile(values: Sequence[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[int(len(ordered) * fraction)]


@cache
def filter_values() -> dict[str, Any]:
    """A value for each of the 27 getCustomers filters, picked from the data and varied in case,
    so that every expected set is non-trivial."""
    rows = customers()
    values: dict[str, Any] = {}
    domain = most_common(c.email.rpartition("@")[2].lower() for c in rows)
    values["email"] = "@" + domain.upper()
    values["qb_class"] = most_common(c.doc.get("qb_class") for c in rows).lower()
    values["quickbooks_code"] = most_common(c.doc.get("qb_code") for c in rows).lower()
    signups = [c.signup for c in rows]
    modifieds = [c.modified for c in rows]
    # A bare date, a bare closing date, an offset date-time (UTC) and a date-time without offset.
    values["signup_dts_start"] = local_day(_quantile(signups, 0.6)).isoformat()
    values["signup_dts_end"] = local_day(_quantile(signups, 0.3)).isoformat()
    start = datetime.fromtimestamp(_quantile(modifieds, 0.5), NEW_YORK).astimezone(ZoneInfo("UTC"))
    values["last_modified_dts_start"] = start.isoformat()
    end = datetime.fromtimestamp(_quantile(modifieds, 0.4), NEW_YORK).replace(tzinfo=None)
    values["last_modified_dts_end"] = end.isoformat()
    for kind in ("billing", "shipping"):
        addresses = [a for c in rows for a in c.addresses(kind)]

        def common(field: str, addresses: list[dict[str, Any]] = addresses) -> str:
            return str(most_common(a.get(field) for a in addresses))

        values[f"{kind}_first_name"] = common("first_name")[:3].swapcase()
        values[f"{kind}_last_name"] = common("last_name")[:2].upper()
        values[f"{kind}_company"] = max(common("company").split(), key=len).lower()
        values[f"{kind}_city"] = " " + common("city")[:3].lower() + " "
        values[f"{kind}_state"] = common("state_region").lower()
        values[f"{kind}_postal_code"] = common("postal_code")[:2]
        values[f"{kind}_country_code"] = common("country_code").lower()
        for phone in ("day_phone", "evening_phone"):
            area = most_common(digits(a.get(phone) or "")[:3] for a in addresses)
            values[f"{kind}_{phone}"] = f"({area})"
    values["pricing_tier_oid"] = most_common(t["pricing_tier_oid"] for c in rows for t in c.tiers())
    values["pricing_tier_name"] = most_common(t["name"] for c in rows for t in c.tiers()).upper()
    assert set(values) == set(GET_FILTERS)
    return values


# -- other operations ----------------------------------------------------------------------------


def data_tables_matches(c: Seeded, search: str) -> bool:
    """The DataTables search box: a case-insensitive substring of the email or of any address's
    first name, last name or company (store.data_tables)."""
    needle = fold(search)
    if not needle:
        return True
    if needle in fold(c.email):
        return True
    return any(
        needle in fold(a.get(field) or "")
        for kind in ("billing", "shipping")
        for a in c.addresses(kind)
        for field in ("first_name", "last_name", "company")
    )


def tag_lookup(matches_text: str, max_hits: int = 10) -> list[tuple[str, int]]:
    """LookupRequest over tag values: (tag, customers having it) for tags containing the text,
    most used first, then by folded tag."""
    needle = fold(matches_text)
    counts: dict[str, set[int]] = {}
    spelling: dict[str, str] = {}
    for c in customers():
        for tag in c.tags():
            key = fold(tag)
            if needle in key:
                counts.setdefault(key, set()).add(c.oid)
                spelling[key] = min(spelling.get(key, tag), tag)
    ranked = sorted(counts, key=lambda key: (-len(counts[key]), key))
    return [(spelling[key], len(counts[key])) for key in ranked[: min(max_hits, 100)]]


def list_members() -> Counter[str]:
    return Counter(uuid for c in customers() for uuid in c.email_lists)
