"""Query strings of the list operations, read and checked: a bad value is a 400 ``invalid_query_params`` naming the
parameter and what it takes (never echoing the value), and never reaches the store.

Assumptions where the reference is silent, written down once here:

* An empty value (``email=``) counts as absent, as for an HTML form; a parameter given twice
  (``limit=1&limit=2``) is refused (Voucherify's query parser would read an array where a scalar is expected).
* Parameters an operation does not take are ignored (the SDKs send only the documented ones).
* ``limit`` is 1..100 (default 10) everywhere; ``page`` 1..99; ``order`` takes exactly the documented values.
* Date-times are ISO 8601, with ``Z`` or an offset (also the ``+0000`` the Python SDK sends), or a bare date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from .catalog import EVENT_TYPES
from .clock import parse_instant
from .errors import bad_query

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_PAGE = 99

CUSTOMER_ORDERS = ("created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id")
ACTIVITY_ORDERS = ("created_at", "-created_at")
REDEEMABLE_ORDERS = ("id", "-id")
CAMPAIGN_TYPES = ("PROMOTION", "GIFT_VOUCHERS", "REFERRAL_PROGRAM", "DISCOUNT_COUPONS", "LOYALTY_PROGRAM")
CATEGORIES = ("ACTION", "EFFECT")


class Params(Protocol):
    """What a list operation reads its query from (Starlette's ``QueryParams``)."""

    def getlist(self, key: str) -> list[str]: ...

    def multi_items(self) -> list[tuple[str, str]]: ...


def _one(params: Params, name: str) -> str | None:
    values = [value for value in params.getlist(name) if value != ""]
    if len(values) > 1:
        raise bad_query(f"{name}: give it once")
    return values[0] if values else None


def _integer(params: Params, name: str, low: int, high: int, default: int) -> int:
    text = _one(params, name)
    if text is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,12}", text.strip()):
        raise bad_query(f"{name}: expected an integer from {low} to {high}")
    number = int(text)
    if not low <= number <= high:
        raise bad_query(f"{name}: expected an integer from {low} to {high}")
    return number


def _choice(params: Params, name: str, choices: Sequence[str]) -> str | None:
    text = _one(params, name)
    if text is not None and text not in choices:
        raise bad_query(f"{name}: expected one of {', '.join(choices)}")
    return text


def _instant(params: Params, name: str) -> int | None:
    text = _one(params, name)
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise bad_query(f"{name}: expected an ISO 8601 date-time such as 2024-03-22T17:48:25.910Z") from None


def _text(params: Params, name: str) -> str | None:
    text = _one(params, name)
    if text is not None and len(text) > 1000:
        raise bad_query(f"{name}: expected at most 1000 characters")
    return text


def limit_of(params: Params) -> int:
    return _integer(params, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT)


# -- list customers -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    limit: int = DEFAULT_LIMIT
    page: int = 1
    email: str | None = None
    city: str | None = None
    name: str | None = None
    segment_id: str | None = None
    created_before: int | None = None
    created_after: int | None = None
    updated_before: int | None = None
    updated_after: int | None = None
    # Newest first unless told otherwise (reference §4.6).
    order: str = "-created_at"
    starting_after: int | None = None


def customer_query(params: Params) -> CustomerQuery:
    return CustomerQuery(
        limit=limit_of(params),
        page=_integer(params, "page", 1, MAX_PAGE, 1),
        email=_text(params, "email"),
        city=_text(params, "city"),
        name=_text(params, "name"),
        segment_id=_text(params, "segment_id"),
        created_before=_instant(params, "created_at[before]"),
        created_after=_instant(params, "created_at[after]"),
        updated_before=_instant(params, "updated_at[before]"),
        updated_after=_instant(params, "updated_at[after]"),
        order=_choice(params, "order", CUSTOMER_ORDERS) or "-created_at",
        starting_after=_instant(params, "starting_after"),
    )


# -- customer activity ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    limit: int = DEFAULT_LIMIT
    # Assumed newest first, like the customer list (the docs give no default).
    descending: bool = True
    starting_after_id: str | None = None
    start: int | None = None
    end: int | None = None
    campaign_id: str | None = None
    campaign_type: str | None = None
    category: str | None = None
    type: str | None = None


def activity_query(params: Params) -> ActivityQuery:
    order = _choice(params, "order", ACTIVITY_ORDERS)
    return ActivityQuery(
        limit=limit_of(params),
        descending=order != "created_at",
        starting_after_id=_text(params, "starting_after_id"),
        start=_instant(params, "start_date"),
        end=_instant(params, "end_date"),
        campaign_id=_text(params, "campaign_id"),
        campaign_type=_choice(params, "campaign_type", CAMPAIGN_TYPES),
        category=_choice(params, "category", CATEGORIES),
        type=_event_type(params),
    )


def _event_type(params: Params) -> str | None:
    text = _one(params, "type")
    if text is not None and text not in EVENT_TYPES:
        raise bad_query(
            "type: expected a customer event name such as customer.created or customer.redemption.succeeded"
        )
    return text


# -- customer redeemables -------------------------------------------------------------------------------------

Operator = Literal[
    "$in",
    "$not_in",
    "$is",
    "$is_not",
    "$has_value",
    "$is_unknown",
    "$starts_with",
    "$ends_with",
    "$contains",
    "$not_contain",
    "$after",
    "$before",
    "$more_than",
    "$less_than",
]
_STRING_OPERATORS: tuple[Operator, ...] = (
    "$in",
    "$not_in",
    "$is",
    "$is_not",
    "$has_value",
    "$is_unknown",
    "$starts_with",
    "$ends_with",
    "$contains",
    "$not_contain",
)
# The spec gives the enumerated fields the string operators without $contains/$not_contain.
_ENUM_OPERATORS: tuple[Operator, ...] = _STRING_OPERATORS[:8]
_DATE_OPERATORS: tuple[Operator, ...] = ("$after", "$before", "$has_value", "$is_unknown", "$more_than", "$less_than")

# Field -> (operators, allowed values or None for free text), as ParameterFiltersListCustomerRedeemables lists them.
REDEEMABLE_FILTERS: Mapping[str, tuple[tuple[Operator, ...], tuple[str, ...] | None]] = {
    "id": (_STRING_OPERATORS, None),
    "created_at": (_DATE_OPERATORS, None),
    "redeemable_id": (_STRING_OPERATORS, None),
    "redeemable_object": (_ENUM_OPERATORS, ("voucher",)),
    "holder_role": (_ENUM_OPERATORS, ("OWNER", "REFEREE", "REFERRER")),
    "campaign_id": (_STRING_OPERATORS, None),
    "campaign_type": (_ENUM_OPERATORS, ("LOYALTY_PROGRAM", "GIFT_VOUCHERS", "DISCOUNT_COUPONS", "REFERRAL_PROGRAM")),
    "voucher_type": (_ENUM_OPERATORS, ("GIFT_VOUCHER", "DISCOUNT_VOUCHER", "LOYALTY_CARD")),
}
_LIST_OPERATORS = ("$in", "$not_in")
_VALUELESS_OPERATORS = ("$has_value", "$is_unknown")
# Only the enumerated values are checked for the operators that compare whole values ($starts_with on an
# enumerated field takes any text, as the spec types it).
_WHOLE_VALUE_OPERATORS = ("$in", "$not_in", "$is", "$is_not")
MAX_DAYS = 100_000

# filters[<field>][conditions][$<op>], optionally followed by [n] or [] for list values; or filters[junction].
_FILTER_KEY = re.compile(r"^filters\[([^\[\]]*)\](?:\[conditions\]\[([^\[\]]*)\](?:\[(\d{0,4})\])?)?$")


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    operator: Operator
    values: tuple[str, ...] = ()  # text values ($in: several)
    number: int | None = None  # $more_than/$less_than: days; $after/$before: the instant in ms


@dataclass(frozen=True, slots=True)
class RedeemableQuery:
    limit: int = DEFAULT_LIMIT
    descending: bool = False  # assumed: ascending ids unless told (the cursor is "starting after" an id)
    starting_after_id: str | None = None
    conditions: tuple[Condition, ...] = ()
    junction: Literal["and", "or"] = "and"


def redeemable_query(params: Params) -> RedeemableQuery:
    order = _choice(params, "order", REDEEMABLE_ORDERS)
    conditions, junction = _filters(params)
    return RedeemableQuery(
        limit=limit_of(params),
        descending=order == "-id",
        starting_after_id=_text(params, "starting_after_id"),
        conditions=conditions,
        junction=junction,
    )


_FILTER_SHAPE = "filters: expected filters[<field>][conditions][$<operator>]=<value> or filters[junction]=and|or"


def _filters(params: Params) -> tuple[tuple[Condition, ...], Literal["and", "or"]]:
    raw: dict[tuple[str, str], list[str]] = {}
    junction: Literal["and", "or"] = "and"
    for key in _keys(params):
        if not key.startswith("filters"):
            continue
        match = _FILTER_KEY.match(key)
        if match is None:
            raise bad_query(_FILTER_SHAPE)
        field, operator = match.group(1), match.group(2)
        values = params.getlist(key)
        if field == "junction" and operator is None:
            if len(values) != 1 or values[0] not in ("and", "or"):
                raise bad_query("filters[junction]: expected and or or")
            junction = "and" if values[0] == "and" else "or"
            continue
        if operator is None:
            raise bad_query(_FILTER_SHAPE)
        if field not in REDEEMABLE_FILTERS:
            raise bad_query(f"filters: unknown field; expected one of {', '.join(REDEEMABLE_FILTERS)}")
        operators, _ = REDEEMABLE_FILTERS[field]
        if operator not in operators:
            raise bad_query(f"filters[{field}]: unsupported operator; expected one of {', '.join(operators)}")
        raw.setdefault((field, operator), []).extend(values)
    conditions = tuple(_condition(field, operator, values) for (field, operator), values in raw.items())
    return conditions, junction


def _keys(params: Params) -> list[str]:
    return list(dict.fromkeys(key for key, _ in params.multi_items()))


def _condition(field: str, operator: str, values: list[str]) -> Condition:
    name = f"filters[{field}][conditions][{operator}]"
    op: Operator = operator  # type: ignore[assignment]  # checked against the field's operators
    if operator in _VALUELESS_OPERATORS:
        return Condition(field, op)
    if operator not in _LIST_OPERATORS and len(values) != 1:
        raise bad_query(f"{name}: give one value")
    if any(len(value) > 1000 for value in values) or len(values) > 100:
        raise bad_query(f"{name}: expected at most 100 values of at most 1000 characters")
    if operator in ("$more_than", "$less_than"):
        text = values[0].strip()
        if not re.fullmatch(r"\d{1,6}", text) or int(text) > MAX_DAYS:
            raise bad_query(f"{name}: expected a number of days from 0 to {MAX_DAYS}")
        return Condition(field, op, number=int(text))
    if operator in ("$after", "$before"):
        try:
            return Condition(field, op, number=parse_instant(values[0]))
        except ValueError:
            raise bad_query(f"{name}: expected an ISO 8601 date-time") from None
    allowed = REDEEMABLE_FILTERS[field][1]
    if allowed is not None and operator in _WHOLE_VALUE_OPERATORS and any(value not in allowed for value in values):
        raise bad_query(f"{name}: expected one of {', '.join(allowed)}")
    return Condition(field, op, values=tuple(values))
