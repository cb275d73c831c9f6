"""``twc_customer_overview``: one TWC customer's support view — who they are, whether they may be contacted (per
channel), where they live, how they stand (loyalty) — in one API call.

TWC's customer record holds all of it (reference §4): the profile, ``accepts_marketing`` and the email/SMS
``optin_preferences`` with their times, the addresses (``defaultAddress`` is the default one), the retailer's
attribute groups and, since the 2024 doc, the loyalty and spend figures TWC calculates. So the overview is one read
(by id, by customerRef, or the search by email) reshaped for a support question, not several reads combined; it
still spends through a ``CallBudget`` so that its ``api_calls`` is counted the same way as the other assist tools'.
Wishlists are not in the customer service (a separate TWC API): the overview does not claim them.

The consent part answers "may we text this customer?" directly: per channel, ``opted_in`` (the opt-in is active),
``since`` (when they first opted in) and ``changed`` (the last change: for an inactive opt-in with a ``since``, when
they opted out). TWC's ``customer_state`` (``declined``, ``disabled``) is shown beside it: the docs do not say how
it bears on messages, so the tool states both and decides nothing.

The whole is fitted to the result budget; ``more`` names the tool that gives the full record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import Field

from ...core.budget import fit_object
from ...core.callbudget import CallBudget
from ...core.redact import mark_hidden
from ...core.toolspec import ToolContext, ToolSpec
from ..views import default_address, full_name
from .common import CustomerKey, MatchByOrEmail, ObjectResult, StrictInput, mark, read_customer

MAX_CALLS: Final = 1
CHANNELS: Final = ("email", "sms")
PROFILE_KEYS: Final = (
    "id",
    "customerRef",
    "alternateCustomerRef",
    "email",
    "mobile",
    "phone",
    "dob",
    "customer_state",
    "active",
    "verified_email",
    "taxExempt",
    "taxExemptions",
    "location",
    "joinedStoreId",
    "createdDate",
    "lastModifiedDate",
)
LOYALTY_KEYS: Final = (
    "vipStatus",
    "loyaltyTier",
    "spendToNextTier",
    "memberSince",
    "totalOrders",
    "totalSpend",
    "lifetimeOrderValue",
    "averageSpendPerAnnum",
    "running12monthSpend",
    "lastOrderDate",
    "lastOrderRef",
)
ADDRESS_KEYS: Final = (
    "id",
    "addressName",
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "provinceCode",
    "postcode",
    "country",
    "countryCode",
    "phone",
)


class OverviewInput(StrictInput):
    match_by: MatchByOrEmail = Field(
        "id", description="What customer is: id (TWC's UUID, default), customerRef or email (exact)."
    )
    customer: CustomerKey = Field(description="The customer's id, customerRef or email, as match_by says.")


class OverviewResult(ObjectResult):
    customer: dict[str, Any] = Field(description="Profile: ids, name, email, mobile, phone, dob, state, dates.")
    consent: dict[str, Any] | None = Field(
        None,
        description="accepts_marketing, marketing_optin_level, and per channel (email, sms): opted_in, since (first "
        "opt-in), changed (last change).",
    )
    addresses: dict[str, Any] | None = Field(None, description="count, the default address, and the others.")
    loyalty: dict[str, Any] | None = Field(None, description="TWC's loyalty and spend figures, when it has them.")
    attributes: dict[str, Any] | None = Field(None, description="The retailer's attribute groups.")
    more: dict[str, str] | None = Field(None, description="Which tool gives the full record.")
    api_calls: int


# -- the parts ---------------------------------------------------------------------------------------------------


def _present(record: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: record[key] for key in keys if record.get(key) is not None}


def profile(record: Mapping[str, Any]) -> dict[str, Any]:
    """Who the customer is; name and email marked when they hid characters (as in the list views)."""
    person = _present(record, PROFILE_KEYS)
    person["name"] = mark_hidden(full_name(record))
    if "email" in person:
        person["email"] = mark_hidden(person["email"])
    return {key: person[key] for key in ("id", "customerRef", "name", *PROFILE_KEYS) if person.get(key) is not None}


def channel(record: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    preference = (record.get("optin_preferences") or {}).get(name)
    if not isinstance(preference, Mapping):
        return None
    state = {
        "opted_in": preference.get("opt_in_active"),
        "since": preference.get("opted_in_at"),
        "changed": preference.get("opt_in_updated_at"),
    }
    return {key: value for key, value in state.items() if value is not None}


def consent(record: Mapping[str, Any]) -> dict[str, Any]:
    given = _present(record, ("accepts_marketing", "marketing_optin_level", "marketing_preferences_updated_at"))
    for name in CHANNELS:
        state = channel(record, name)
        if state is not None:
            given[name] = state
    return given


def addresses(record: Mapping[str, Any]) -> dict[str, Any] | None:
    held = [item for item in record.get("addresses") or () if isinstance(item, Mapping)]
    chosen = default_address(record)
    if not held and chosen is None:
        return None
    default = _present(chosen, ADDRESS_KEYS) if chosen is not None else None
    default_id = default.get("id") if default else None
    others = [_present(item, ADDRESS_KEYS) for item in held if default_id is None or item.get("id") != default_id]
    part: dict[str, Any] = {"count": len(held)}
    if default is not None:
        part["default"] = default
        if chosen is not None and chosen.get("defaultAddress") is not True and "defaultAddress" not in record:
            part["note"] = "No address is flagged default: this is the first one."
    if others:
        part["others"] = others
    return part


def attributes(record: Mapping[str, Any]) -> dict[str, Any] | None:
    groups = record.get("attributeGroups")
    if not isinstance(groups, Mapping) or not groups:
        return None
    return {name: (group.get("attributes") if isinstance(group, Mapping) else group) for name, group in groups.items()}


# -- the overview ------------------------------------------------------------------------------------------------


async def customer_overview(request: OverviewInput, ctx: ToolContext) -> dict[str, Any]:
    budget = CallBudget(MAX_CALLS)
    record: dict[str, Any] = await budget.call(
        "customer", lambda: read_customer(ctx, request.match_by, request.customer)
    )
    customer_id = str(record.get("id"))
    person = profile(record)
    body = {
        "customer": person,
        "consent": consent(record) or None,
        "addresses": addresses(record),
        "loyalty": _present(record, LOYALTY_KEYS) or None,
        "attributes": attributes(record),
        "more": {"full record": f"twc_get_customer customer={customer_id}"},
    }
    # The customer part is left out last (the schema requires it); if even it does not fit, who the customer is
    # still does. The hint names the tool itself: "more" may be left out too.
    hint = f"call twc_get_customer with customer={customer_id} and fields=[...]"
    fitted = fit_object(body, max_tokens=ctx.max_tokens - 60, detail_hint=hint, id_fields=("customer", "consent"))
    if "customer" not in fitted:
        fitted["customer"] = {key: person[key] for key in ("id", "customerRef", "email") if person.get(key)}
    return mark(ctx, {**fitted, "api_calls": budget.used})


TOOLS = (
    ToolSpec(
        name="twc_customer_overview",
        title="TWC customer overview",
        description=(
            "One TWC customer's support view in one API call (by id, customerRef or exact email, as match_by says): "
            "profile, consent (accepts_marketing and the email and SMS opt-ins: opted_in, since, changed), "
            "addresses (the default first), loyalty and spend figures when TWC has them, attribute groups."
        ),
        toolset="assist",
        input_model=OverviewInput,
        output_model=OverviewResult,
        handler=customer_overview,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
