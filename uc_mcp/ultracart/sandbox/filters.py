"""How the sandbox matches customer filters — every rule in one table, every rule an assumption.

UltraCart documents the 27 ``getCustomers`` filters and the ``CustomerQuery`` fields but not how
they match (exact or partial, case-sensitive or not). Two profiles:

- ``default`` is helpful in the way a merchant back-office search usually is: names, companies,
  cities and emails match by case-insensitive prefix/substring, phones by their digits.
- ``strict`` is as unhelpful as the real service may be: every text filter is an exact,
  case-sensitive match (emails excepted: compared case-insensitively, since mail addresses are
  case-insensitive in practice), and ``total_records`` is left out whenever a filter is applied.
  Code above the sandbox must work against this profile too.

Every filter that names an address matches *any* of the customer's billing (or shipping)
addresses, not only the default one (assumed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from .clock import epoch, parse_dts
from .errors import bad_request


class Profile(StrEnum):
    DEFAULT = "default"
    STRICT = "strict"


Match = Literal["exact", "exact_ci", "prefix_ci", "substring_ci", "digits"]

# filter name -> (column in the address table, or None for the customer table, column, match by profile)
ADDRESS_FIELDS: dict[str, tuple[str, str, str]] = {
    # suffix -> (raw column, normalised column, default match)
    "first_name": ("first_name", "first_name_norm", "prefix_ci"),
    "last_name": ("last_name", "last_name_norm", "prefix_ci"),
    "company": ("company", "company_norm", "substring_ci"),
    "city": ("city", "city_norm", "prefix_ci"),
    "state": ("state_region", "state_norm", "exact_ci"),
    "postal_code": ("postal_code", "postal_norm", "prefix_ci"),
    "country_code": ("country_code", "country_norm", "exact_ci"),
    "day_phone": ("day_phone", "day_digits", "digits"),
    "evening_phone": ("evening_phone", "evening_digits", "digits"),
}
CUSTOMER_FIELDS: dict[str, tuple[str, str, str]] = {
    "email": ("email", "email_norm", "substring_ci"),
    "qb_class": ("qb_class", "qb_class_norm", "exact_ci"),
    "quickbooks_code": ("qb_code", "qb_code_norm", "exact_ci"),
}
TEXT_FILTERS = tuple(CUSTOMER_FIELDS) + tuple(
    f"{kind}_{suffix}" for kind in ("billing", "shipping") for suffix in ADDRESS_FIELDS
)
DATE_FILTERS = ("signup_dts_start", "signup_dts_end", "last_modified_dts_start", "last_modified_dts_end")
ALL_FILTERS = (*TEXT_FILTERS, *DATE_FILTERS, "pricing_tier_oid", "pricing_tier_name")


def fold(text: str) -> str:
    """The normalised form case-insensitive matches compare: trimmed and case-folded."""
    return text.strip().casefold()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass(slots=True)
class CustomerFilters:
    """The filters of ``getCustomers`` and ``CustomerQuery`` after parsing (None = not given)."""

    text: dict[str, str]
    dates: dict[str, int]
    pricing_tier_oid: int | None = None
    pricing_tier_name: str | None = None
    emails: list[str] | None = None
    any_tags: list[str] | None = None
    all_tags: list[str] | None = None
    since: int | None = None

    @property
    def narrows(self) -> bool:
        """True when anything restricts the result set (strict mode then omits the total)."""
        return bool(
            self.text
            or self.dates
            or self.pricing_tier_oid is not None
            or self.pricing_tier_name
            or self.emails
            or self.any_tags
            or self.all_tags
            or self.since is not None
        )


def parse_date_param(name: str, value: str) -> int:
    try:
        return epoch(parse_dts(value, end_of_day=name.endswith("_end")))
    except ValueError:
        raise bad_request(
            f"Invalid {name}: expected an ISO-8601 date-time such as 2024-01-31T00:00:00-05:00, or a date."
        ) from None


def parse_filters(values: dict[str, Any], since: str | None) -> CustomerFilters:
    """Build filters from query parameters or a CustomerQuery body (already type-checked)."""
    filters = CustomerFilters(text={}, dates={})
    for name in TEXT_FILTERS:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            filters.text[name] = value
    for name in DATE_FILTERS:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            filters.dates[name] = parse_date_param(name, value)
    tier_oid = values.get("pricing_tier_oid")
    if tier_oid is not None:
        filters.pricing_tier_oid = int(tier_oid)
    tier_name = values.get("pricing_tier_name")
    if isinstance(tier_name, str) and tier_name.strip():
        filters.pricing_tier_name = tier_name
    for name in ("emails", "any_tags", "all_tags"):
        items = [item for item in values.get(name) or [] if isinstance(item, str) and item.strip()]
        if items:
            setattr(filters, name, items)
    if since:
        filters.since = parse_date_param("_since", since)
    return filters


def _condition(column: str, norm_column: str, match: str, value: str, profile: Profile) -> tuple[str, list[Any]]:
    if profile is Profile.STRICT:
        if norm_column == "c.email_norm":  # the caller passes table-qualified columns
            return "c.email_norm = ?", [fold(value)]
        return f"{column} = ?", [value]
    if match == "exact_ci":
        return f"{norm_column} = ?", [fold(value)]
    if match == "prefix_ci":
        needle = fold(value)
        return f"substr({norm_column}, 1, ?) = ?", [len(needle), needle]
    if match == "substring_ci":
        return f"instr({norm_column}, ?) > 0", [fold(value)]
    if match == "digits":
        wanted = digits(value)
        if not wanted:
            raise bad_request("A phone filter must contain at least one digit.")
        return f"instr({norm_column}, ?) > 0", [wanted]
    return f"{column} = ?", [value]


def where_clause(filters: CustomerFilters, profile: Profile) -> tuple[str, list[Any]]:
    """SQL over ``customer c`` (with ``address``, ``tag``, ``pricing_tier`` sub-queries)."""
    clauses: list[str] = []
    params: list[Any] = []

    def add(sql: str, values: list[Any]) -> None:
        clauses.append(sql)
        params.extend(values)

    for name, value in filters.text.items():
        if name in CUSTOMER_FIELDS:
            column, norm_column, match = CUSTOMER_FIELDS[name]
            sql, values = _condition(f"c.{column}", f"c.{norm_column}", match, value, profile)
            add(sql, values)
            continue
        kind, _, suffix = name.partition("_")
        column, norm_column, match = ADDRESS_FIELDS[suffix]
        sql, values = _condition(f"a.{column}", f"a.{norm_column}", match, value, profile)
        # IN, not a correlated EXISTS: the matching addresses are found once (by the address_state or
        # address_last_name index where the match allows), not probed customer by customer.
        add(f"c.oid IN (SELECT a.customer_oid FROM address a WHERE a.kind = ? AND {sql})", [kind, *values])
    bounds: dict[str, Callable[[str], str]] = {
        "signup_dts_start": lambda p: f"c.signup_epoch >= {p}",
        "signup_dts_end": lambda p: f"c.signup_epoch <= {p}",
        "last_modified_dts_start": lambda p: f"c.modified_epoch >= {p}",
        "last_modified_dts_end": lambda p: f"c.modified_epoch <= {p}",
    }
    for name, moment in filters.dates.items():
        add(bounds[name]("?"), [moment])
    if filters.since is not None:
        add("c.modified_epoch >= ?", [filters.since])
    if filters.pricing_tier_oid is not None:
        add(
            "EXISTS (SELECT 1 FROM pricing_tier p WHERE p.customer_oid = c.oid AND p.tier_oid = ?)",
            [filters.pricing_tier_oid],
        )
    if filters.pricing_tier_name:
        strict = profile is Profile.STRICT
        column, value = (
            ("p.name", filters.pricing_tier_name) if strict else ("p.name_norm", fold(filters.pricing_tier_name))
        )
        add(f"EXISTS (SELECT 1 FROM pricing_tier p WHERE p.customer_oid = c.oid AND {column} = ?)", [value])
    if filters.emails:
        # Multi-email match is exact (case-insensitive) in both profiles: it is a lookup by key.
        wanted = sorted({fold(email) for email in filters.emails})
        add(f"c.email_norm IN ({','.join('?' * len(wanted))})", wanted)
    tag_column = "t.tag_value" if profile is Profile.STRICT else "t.tag_norm"

    def tag_value(tag: str) -> str:
        return tag if profile is Profile.STRICT else fold(tag)

    if filters.any_tags:
        wanted = sorted({tag_value(tag) for tag in filters.any_tags})
        add(
            f"c.oid IN (SELECT t.customer_oid FROM tag t WHERE {tag_column} IN ({','.join('?' * len(wanted))}))", wanted
        )
    for tag in sorted({tag_value(tag) for tag in filters.all_tags or []}):
        add(f"c.oid IN (SELECT t.customer_oid FROM tag t WHERE {tag_column} = ?)", [tag])
    return (" AND ".join(clauses) or "1"), params


# _sort: the sortable fields (assumed; the spec does not enumerate them). Text sorts compare the
# case-folded value; a customer without such an address sorts first ascending (SQL NULL).
SORT_COLUMNS: dict[str, str] = {
    "customer_profile_oid": "c.oid",
    "email": "c.email_norm",
    "signup_dts": "c.signup_epoch",
    "last_modified_dts": "c.modified_epoch",
    "qb_class": "c.qb_class_norm",
    "qb_code": "c.qb_code_norm",
}
_SORTABLE_ADDRESS = {
    "first_name": "first_name_norm",
    "last_name": "last_name_norm",
    "company": "company_norm",
    "city": "city_norm",
    "state_region": "state_norm",
    "postal_code": "postal_norm",
    "country_code": "country_norm",
}
for _kind in ("billing", "shipping"):
    for _field, _column in _SORTABLE_ADDRESS.items():
        SORT_COLUMNS[f"{_kind}.{_field}"] = (
            f"(SELECT a.{_column} FROM address a WHERE a.customer_oid = c.oid AND a.kind = '{_kind}' "
            "ORDER BY a.is_default DESC, a.position LIMIT 1)"
        )


def order_clause(sort: str | None) -> str:
    """Translate ``_sort`` (``+field,-field``) to ORDER BY, with the oid as the final tie-break."""
    terms: list[str] = []
    for raw in (sort or "").split(","):
        if raw == "":
            continue
        if raw[0] == " ":
            raise bad_request("Invalid _sort: a '+' must be URL-encoded as %2B; an unencoded '+' arrives as a space.")
        direction, field = ("DESC", raw[1:]) if raw[0] == "-" else ("ASC", raw[1:] if raw[0] == "+" else raw)
        column = SORT_COLUMNS.get(field.strip())
        if column is None:
            # The field is not repeated: an error message is also the UC-REST-ERROR header, and request
            # text (a NUL, a line break) has no place in a header.
            raise bad_request(
                f"Invalid _sort: term {len(terms) + 1} names no sortable field. Sortable: {', '.join(SORT_COLUMNS)}."
            )
        terms.append(f"{column} {direction}")
    terms.append("c.oid ASC")
    return ", ".join(terms)
