"""``CustomerWrite``: the purpose-built customer model of the insert and update tools, and the
read-modify-write plan of an update.

What a model may write, and only that (DESIGN.md §2, "Tool definitions stay small"):

- never the login secret, card numbers (they must not pass through a chat), orders, quotes,
  activity, EDI, loyalty internals, attachments, reviewer data or the computed summaries;
- never a server-assigned or derived field (``customer_profile_oid``, ``merchant_id``,
  ``last_modified_*``, ``signup_dts``, ``*_e164``, ``last_used_dts``, sub-object oids) — with one
  exception: on update an address names the existing address it changes by its oid
  (``customer_billing_oid`` / ``customer_shipping_oid``, as ``oid``). UltraCart's PUT replaces a
  whole collection and keeps an address's identity only when its oid is sent back, so the tool
  sends every kept address with its oid; the model only names the one it changes.

Update semantics, chosen so that the common request is one short call and nothing is lost by
accident (the tool always sends the full new collection, see ``plan_update``):

- scalar fields: the given value replaces the stored one; "" clears a text field;
- ``tags``: replaces all tags; ``add_tags`` / ``remove_tags`` (update arguments) add or remove
  some, case-insensitively ("add the vip tag" is the common request);
- ``billing`` / ``shipping``: an entry with ``oid`` changes only the fields it gives on that
  address (``remove: true`` deletes it); an entry without ``oid`` adds an address; addresses not
  mentioned are kept unchanged;
- ``properties``: set by name (added, or the value replaced); an empty value removes the
  property; properties not mentioned are kept;
- ``pricing_tiers``: the full set of tier names (replaces).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from ...core.changes import ListRule, Records, Values, record_changes
from ...core.results import real_moment
from .. import models as m
from .common import VIEW_EXPANSION, CustomerOid, WriteInput

_MAX = m.CUSTOMER_MAX_LENGTHS["Customer"]
_ADDRESS_MAX = m.CUSTOMER_MAX_LENGTHS["CustomerBilling"]
INT32_MAX = 2_147_483_647

EmailText = Annotated[
    str,
    Field(
        min_length=3,
        max_length=100,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Email address (the customer's login and lookup key; unique in the store).",
    ),
]
TagText = Annotated[str, Field(min_length=1, max_length=m.CUSTOMER_MAX_LENGTHS["CustomerTag"]["tag_value"])]
TierName = Annotated[str, Field(min_length=1, max_length=m.CUSTOMER_MAX_LENGTHS["CustomerPricingTier"]["name"])]


def _text(name: str, description: str, source: dict[str, int] = _MAX) -> Any:
    return Field(None, max_length=source[name], description=description)


def _flag(description: str) -> Any:
    return Field(None, description=description)


class Address(WriteInput):
    first_name: str | None = Field(None, max_length=_ADDRESS_MAX["first_name"])
    last_name: str | None = Field(None, max_length=_ADDRESS_MAX["last_name"])
    company: str | None = Field(None, max_length=_ADDRESS_MAX["company"])
    title: str | None = Field(None, max_length=_ADDRESS_MAX["title"], description="Job title.")
    address1: str | None = Field(None, max_length=_ADDRESS_MAX["address1"])
    address2: str | None = Field(None, max_length=_ADDRESS_MAX["address2"])
    city: str | None = Field(None, max_length=_ADDRESS_MAX["city"])
    state_region: str | None = Field(
        None, max_length=_ADDRESS_MAX["state_region"], description="State (US: 2-letter code), region or province."
    )
    postal_code: str | None = Field(None, max_length=_ADDRESS_MAX["postal_code"])
    country_code: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2, e.g. US, GB.")
    day_phone: str | None = Field(None, max_length=_ADDRESS_MAX["day_phone"])
    evening_phone: str | None = Field(None, max_length=_ADDRESS_MAX["evening_phone"])
    default: bool | None = Field(None, description="Make this the default address of its kind.")


class AddressChange(Address):
    oid: int | None = Field(
        None,
        ge=1,
        le=INT32_MAX,
        description="customer_billing_oid / customer_shipping_oid of an existing address: only the fields "
        "given here change on it. Omit to add a new address.",
    )
    remove: bool | None = Field(None, description="true (with oid): delete that address.")


class Property(WriteInput):
    name: str = Field(min_length=1, max_length=m.CUSTOMER_MAX_LENGTHS["CustomerProperty"]["name"])
    value: str = Field(
        max_length=m.CUSTOMER_MAX_LENGTHS["CustomerProperty"]["value"],
        description="On update an empty value removes the property.",
    )


class CustomerWrite(WriteInput):
    """Customer fields a model may write."""

    email: EmailText | None = None
    billing: Sequence[Address] | None = Field(None, max_length=10, description="Billing addresses.")
    shipping: Sequence[Address] | None = Field(None, max_length=10, description="Shipping addresses.")
    tags: list[TagText] | None = Field(None, max_length=50, description="Tags (labels such as vip, wholesale).")
    properties: list[Property] | None = Field(None, max_length=50, description="Custom name/value properties.")
    pricing_tiers: list[TierName] | None = Field(
        None, max_length=10, description="Pricing tier names, e.g. Wholesale (the store's tiers only)."
    )
    business_notes: str | None = _text("business_notes", "Internal merchant notes (never shown to the customer).")
    terms: str | None = Field(None, max_length=50, description="Payment terms, e.g. Net 30 (see editor values).")
    tax_exempt: bool | None = _flag("Customer is tax exempt.")
    tax_id: str | None = _text("tax_id", "Tax id (e.g. resale certificate number).")
    qb_class: str | None = Field(None, max_length=50, description="QuickBooks class.")
    qb_code: str | None = Field(None, max_length=50, description="QuickBooks customer name.")
    sales_rep_code: str | None = _text("sales_rep_code", "Sales rep code.")
    referral_source: str | None = _text("referral_source", "How the customer found the store.")
    website_url: str | None = _text("website_url", "Customer's website.")
    do_not_send_mail: bool | None = _flag("Send no marketing mail.")
    allow_purchase_order: bool | None = _flag("May pay by purchase order.")
    auto_approve_purchase_order: bool | None = _flag("Purchase orders are approved automatically.")
    allow_cod: bool | None = _flag("May pay cash on delivery.")
    allow_quote_request: bool | None = _flag("May request quotes.")
    allow_drop_shipping: bool | None = _flag("May ship to third parties.")
    no_coupons: bool | None = _flag("May not use coupons.")
    free_shipping: bool | None = _flag("Always ships free.")
    no_free_shipping: bool | None = _flag("Never ships free, whatever coupons or items say.")
    exempt_shipping_handling_charge: bool | None = _flag("No handling charge.")
    unapproved: bool | None = _flag("Wholesale account awaiting approval.")


class NewCustomer(CustomerWrite):
    """The new customer's fields; only email is required."""

    email: EmailText


class CustomerChanges(CustomerWrite):
    """Only the fields to change; everything left out stays as it is."""

    billing: Sequence[AddressChange] | None = Field(
        None, max_length=10, description="Address changes: see oid. Addresses not mentioned are kept."
    )
    shipping: Sequence[AddressChange] | None = Field(
        None, max_length=10, description="Address changes: see oid. Addresses not mentioned are kept."
    )
    tags: list[TagText] | None = Field(None, max_length=50, description="Replaces ALL tags; prefer add_tags.")
    properties: list[Property] | None = Field(
        None, max_length=50, description="Set by name; others are kept; an empty value removes one."
    )
    pricing_tiers: list[TierName] | None = Field(None, max_length=10, description="The full set of tier names.")


# A moment that exists, not only its shape (core/results.py): 2024-13-01T00:00 would only fail the comparison.
DateTimeText = Annotated[
    str, Field(max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), AfterValidator(real_moment)
]


class UpdateCustomerInput(WriteInput):
    customer_profile_oid: CustomerOid
    changes: CustomerChanges | None = Field(None, description='Only the fields to change, e.g. {"terms":"Net 30"}.')
    add_tags: list[TagText] | None = Field(None, max_length=50, description="Tags to add (kept if present).")
    remove_tags: list[TagText] | None = Field(None, max_length=50, description="Tags to remove (absent: ignored).")
    expected_last_modified_dts: DateTimeText | None = Field(
        None,
        description="last_modified_dts from your last read of this customer: if it changed since, nothing is "
        "written. Recommended when the change depends on what you read.",
    )


# -- from the write model to UltraCart's Customer ----------------------------------------------------

COLLECTIONS = ("billing", "shipping", "tags", "properties", "pricing_tiers")
ADDRESS_OID = {"billing": "customer_billing_oid", "shipping": "customer_shipping_oid"}
# Fields of a stored address the API computes or assigns; never sent back.
ADDRESS_READ_ONLY = frozenset({"day_phone_e164", "evening_phone_e164", "last_used_dts", "customer_profile_oid"})
Kind = Literal["billing", "shipping"]


def scalar_fields(write: CustomerWrite) -> dict[str, Any]:
    """The scalar fields given in ``write`` (by name, as UltraCart spells them)."""
    return {name: getattr(write, name) for name in sorted(write.model_fields_set) if name not in COLLECTIONS}


def _address(kind: Kind, address: Address) -> dict[str, Any]:
    given = address.model_dump(exclude_unset=True, exclude={"oid", "remove", "default"})
    if address.default is not None:
        given[f"default_{kind}"] = address.default
    return given


def _unique_tags(tags: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for tag in tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            unique.append(tag)
    return unique


def new_customer(write: CustomerWrite) -> m.Customer:
    """The ``Customer`` body of an insert."""
    body: dict[str, Any] = scalar_fields(write)
    for kind in ("billing", "shipping"):
        addresses = getattr(write, kind)
        if addresses:
            body[kind] = [_address(kind, address) for address in addresses]
    if write.tags:
        body["tags"] = [{"tag_value": tag} for tag in _unique_tags(write.tags)]
    if write.properties:
        body["properties"] = [p.model_dump() for p in write.properties if p.value]
    if write.pricing_tiers:
        body["pricing_tiers"] = [{"name": name} for name in _unique_tags(write.pricing_tiers)]
    return m.Customer.model_validate(body)


def expansions(changes: CustomerWrite | None) -> list[str]:
    """What to read (and have the write answer with): the result's view plus the collections changed."""
    wanted = set(VIEW_EXPANSION)
    if changes is not None:
        wanted |= {name for name in ("properties", "pricing_tiers") if name in changes.model_fields_set}
    return sorted(wanted)


def _json(value: Any) -> Any:
    """A field's value as comparable JSON (models dumped without nulls)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


def snapshot(customer: m.Customer, fields: Sequence[str]) -> str:
    """The current values of ``fields``, to tell whether they moved between two reads."""
    return json.dumps({name: _json(getattr(customer, name, None)) for name in fields}, sort_keys=True, default=str)


@dataclass(slots=True)
class UpdatePlan:
    """What an update writes: the fields whose value really changes, with their new values."""

    values: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> list[str]:
        return list(self.values)

    def body(self) -> m.Customer:
        return m.Customer.model_validate(self.values)


def _kept_address(address: BaseModel) -> dict[str, Any]:
    dumped = address.model_dump(mode="json", exclude_none=True)
    return {key: value for key, value in dumped.items() if key not in ADDRESS_READ_ONLY}


def _plan_addresses(kind: Kind, current: m.Customer, changes: Sequence[AddressChange]) -> list[dict[str, Any]]:
    oid_field, flag = ADDRESS_OID[kind], f"default_{kind}"
    result = [_kept_address(address) for address in getattr(current, kind) or []]
    for i, change in enumerate(changes):
        where = f"changes.{kind}[{i}]"
        given = _address(kind, change)
        if change.oid is None:
            if change.remove:
                raise ValueError(f"{where}.remove: needs the oid of the address to delete.")
            if not given:
                raise ValueError(f"{where}: no address fields given.")
            result.append(given)
            target = given
        else:
            match = [address for address in result if address.get(oid_field) == change.oid]
            if not match:
                raise ValueError(
                    f"{where}.oid: customer has no {kind} address with that {oid_field}; get the customer "
                    f"(expand {kind}) to see its addresses, or omit oid to add one."
                )
            target = match[0]
            if change.remove:
                result.remove(target)
                continue
            target.update(given)
        if change.default:
            for address in result:
                if address is not target and address.get(flag):
                    address[flag] = False
    return result


def _plan_properties(current: m.Customer, changes: Sequence[Property]) -> list[dict[str, Any]]:
    result = [p.model_dump(mode="json", exclude_none=True) for p in current.properties or []]
    for change in changes:
        same = [p for p in result if str(p.get("name", "")).casefold() == change.name.casefold()]
        if not change.value:
            result = [p for p in result if p not in same]
        elif same:
            for p in same:
                p["value"] = change.value
        else:
            result.append({"name": change.name, "value": change.value})
    return result


def _plan_tags(current: m.Customer, request: UpdateCustomerInput) -> list[str] | None:
    changes = request.changes
    replace = changes.tags if changes is not None and "tags" in changes.model_fields_set else None
    add, remove = request.add_tags or [], request.remove_tags or []
    if replace is None and not add and not remove:
        return None
    if replace is not None and (add or remove):
        raise ValueError(
            "give either changes.tags (replaces all tags) or add_tags/remove_tags (changes some), not both."
        )
    removing = {tag.casefold() for tag in remove}
    if removing & {tag.casefold() for tag in add}:
        raise ValueError("a tag is in both add_tags and remove_tags; keep it in one of them.")
    if replace is not None:
        return _unique_tags(replace)
    tags = [tag.tag_value for tag in current.tags or [] if tag.tag_value]
    return _unique_tags([tag for tag in tags if tag.casefold() not in removing] + add)


def plan_update(current: m.Customer, request: UpdateCustomerInput) -> UpdatePlan:
    """Apply the requested changes to ``current`` (read with ``expansions(request)``).

    Only the fields whose value actually changes are in the plan; collections are planned whole,
    because UltraCart's PUT replaces a collection with the one sent.
    """
    changes = request.changes or CustomerChanges()
    plan = UpdatePlan()
    for name, value in scalar_fields(changes).items():
        if getattr(current, name, None) != value:
            plan.values[name] = value
    for kind in ("billing", "shipping"):
        address_changes = getattr(changes, kind)
        if kind in changes.model_fields_set and address_changes:
            before = [_kept_address(address) for address in getattr(current, kind) or []]
            after = _plan_addresses(kind, current, address_changes)
            if after != before:
                plan.values[kind] = after
    tags = _plan_tags(current, request)
    if tags is not None and tags != [tag.tag_value for tag in current.tags or []]:
        plan.values["tags"] = [{"tag_value": tag} for tag in tags]
    if "properties" in changes.model_fields_set and changes.properties:
        before_properties = [p.model_dump(mode="json", exclude_none=True) for p in current.properties or []]
        after_properties = _plan_properties(current, changes.properties)
        if after_properties != before_properties:
            plan.values["properties"] = after_properties
    if "pricing_tiers" in changes.model_fields_set and changes.pricing_tiers is not None:
        names = _unique_tags(changes.pricing_tiers)
        have = [tier.name or "" for tier in current.pricing_tiers or []]
        if sorted(n.casefold() for n in names) != sorted(n.casefold() for n in have):
            plan.values["pricing_tiers"] = [{"name": name} for name in names]
    return plan


# -- what an update changed (core/changes.py) ---------------------------------------------------------

# How each writable list field of a Customer compares: addresses and properties are records with an
# identity (an address's oid; a property's name, which the update matches on), tags and pricing tiers are
# sets of names. Any other field compares whole.
CUSTOMER_LISTS: dict[str, ListRule] = {
    "billing": Records("customer_billing_oid", ADDRESS_READ_ONLY),
    "shipping": Records("customer_shipping_oid", ADDRESS_READ_ONLY),
    "tags": Values("tag_value"),
    "pricing_tiers": Values("name"),
    "properties": Records("name", frozenset({"customer_profile_property_oid"})),
}
# Every write moves these; they are not what the user changed.
SERVER_MAINTAINED = ("last_modified_dts", "last_modified_by")


def customer_changes(before: m.Customer, after: m.Customer) -> dict[str, Any]:
    """What a write changed, from the customer read before it and the one the write answered with (read
    with the same expansions, so a collection not read on one side is not taken for emptied)."""
    return record_changes(
        before.model_dump(mode="json", exclude_none=True),
        after.model_dump(mode="json", exclude_none=True),
        lists=CUSTOMER_LISTS,
        ignore=SERVER_MAINTAINED,
    )


def same_moment(expected: str, actual: str | None) -> bool:
    """Whether two API date-times name the same instant (formats may differ: Z vs +00:00)."""
    if actual is None:
        return False
    try:
        a, b = datetime.fromisoformat(expected.replace(" ", "T")), datetime.fromisoformat(actual)
    except ValueError:
        return expected == actual
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b
