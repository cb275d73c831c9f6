"""Lean pydantic models of TWC's customer service (reference: /work/shared/reference/twc-customer-api.md §4).

As the other providers': responses are open (unknown fields kept, no enums: TWC adds fields, the 2024 doc lists
loyalty and spend figures the seed never had), every field optional. Where the seed's tables and its samples
disagree, the reference's reading (§8): ``mobile``/``phone`` are strings (the seed says boolean), ``customer_state``
one string (the seed says list), ``dob`` a ``DD-MM-YYYY`` string kept as given (not ISO, never coerced). The
figures TWC calculates are typed "string" in the 2024 table even when numeric: kept as whatever JSON they come as.

Request models carry only what a client may send: none of the server-owned fields the seed's samples copy from a
swagger example (``id``, ``createdDate``, ``lastModifiedDate``, ``defaultAddress`` of the customer, an address's
``id``/``customerId``), except ``id`` in the body of ``PUT /customers`` (``CustomerMatch``), where it names the
customer to update. They are dumped with the fields that were set (``dump_body``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Address",
    "AddressWrite",
    "AttributeGroup",
    "AttributeGroupWrite",
    "Customer",
    "CustomerMatch",
    "CustomerWrite",
    "OptinChoice",
    "OptinPreference",
    "OptinPreferences",
    "OptinWrite",
    "dump_body",
    "record",
]


class Model(BaseModel):
    # A number where the docs promise text (a phone, a ref) is read as text: the reference's own reading of the
    # seed's type errors, applied to whatever a real tenant answers.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True, coerce_numbers_to_str=True)


class Request(BaseModel):
    """A request body: no unknown fields (a typo must not be sent as an unknown key)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


def dump_body(body: BaseModel) -> dict[str, Any]:
    """A request body as JSON: the fields that were set, nothing else."""
    return body.model_dump(mode="json", exclude_unset=True, exclude_none=True, by_alias=True)


def record(model: BaseModel) -> dict[str, Any]:
    """A response model as plain JSON under the API's names (unknown fields kept, empty ones left out)."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- responses -----------------------------------------------------------------------------------------------


class Address(Model):
    """An address (§4.2): every field a string but ``defaultAddress``; ``id`` and ``customerId`` are the server's."""

    id: str | None = None
    customerId: str | None = None
    addressName: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    provinceCode: str | None = None
    postcode: str | None = None
    country: str | None = None
    countryCode: str | None = None
    phone: str | None = None
    email: str | None = None
    defaultAddress: bool | None = None


class OptinPreference(Model):
    """One channel's opt-in (§4.3): ``opted_in_at`` the first opt-in, ``opt_in_updated_at`` the last change
    (ISO 8601; TWC fills both in)."""

    opt_in_active: bool | None = None
    opted_in_at: str | None = None
    opt_in_updated_at: str | None = None


class OptinPreferences(Model):
    email: OptinPreference | None = None
    sms: OptinPreference | None = None


class AttributeGroup(Model):
    """Extension attributes the retailer names (§4.4): string values, not indexed (no lookup by them)."""

    attributes: dict[str, Any] | None = None
    description: str | None = None


class Customer(Model):
    """A customer as every endpoint answers it (§4.1), in the order the 2024 samples show."""

    id: str | None = None
    email: str | None = None
    customerRef: str | None = None
    alternateCustomerRef: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    mobile: str | None = None
    phone: str | None = None
    dob: str | None = None  # DD-MM-YYYY
    addresses: list[Address] | None = None
    defaultAddress: Address | None = None  # response only: a copy of the address flagged defaultAddress
    attributeGroups: dict[str, AttributeGroup] | None = None
    active: bool | None = None
    accepts_marketing: bool | None = None
    marketing_optin_level: str | None = None
    marketing_preferences_updated_at: str | None = None
    customer_state: str | None = None  # disabled | invited | enabled | declined (open: a new state never breaks)
    taxExempt: bool | None = None
    taxExemptions: list[str] | None = None
    verified_email: bool | None = None
    location: str | None = None
    joinedStoreId: str | None = None
    vipStatus: bool | None = None
    loyaltyTier: str | None = None
    spendToNextTier: Any = None
    memberSince: str | None = None
    lifetimeOrderValue: Any = None
    averageSpendPerAnnum: Any = None
    running12monthSpend: Any = None
    totalOrders: Any = None
    totalSpend: Any = None
    lastOrderDate: str | None = None
    lastOrderRef: str | None = None
    deleted: Any = None
    createdDate: str | None = None
    lastModifiedDate: str | None = None
    optin_preferences: OptinPreferences | None = None


# -- requests ------------------------------------------------------------------------------------------------


class AddressWrite(Request):
    """An address to add (``POST /customers/{id}/address``) or to send in a customer's ``addresses``."""

    addressName: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    provinceCode: str | None = None
    postcode: str | None = None
    country: str | None = None
    countryCode: str | None = None
    phone: str | None = None
    email: str | None = None
    defaultAddress: bool | None = None


class OptinChoice(Request):
    """What a client sets of one channel: only ``opt_in_active`` (TWC keeps the times)."""

    opt_in_active: bool


class OptinWrite(Request):
    email: OptinChoice | None = None
    sms: OptinChoice | None = None


class AttributeGroupWrite(Request):
    attributes: dict[str, str] = Field(default_factory=dict)
    description: str | None = None


class CustomerWrite(Request):
    """A customer body: create, validate, upload and the updates (only the fields set are sent, and an update
    changes only them: TWC's updates are partial, reference §5). ``email`` is the one mandatory field on create
    and, like ``customerRef``, unique within the tenant."""

    email: str | None = None
    customerRef: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    mobile: str | None = None
    phone: str | None = None
    dob: str | None = None  # DD-MM-YYYY
    customer_state: str | None = None
    active: bool | None = None
    verified_email: bool | None = None
    accepts_marketing: bool | None = None
    marketing_optin_level: str | None = None
    taxExempt: bool | None = None
    taxExemptions: list[str] | None = None
    location: str | None = None
    addresses: list[AddressWrite] | None = None  # the whole list: sent on an update, it replaces the addresses
    optin_preferences: OptinWrite | None = None
    attributeGroups: dict[str, AttributeGroupWrite] | None = None


class CustomerMatch(CustomerWrite):
    """The body of ``PUT /customers``: the customer to update is found by ``id``, else ``customerRef``, else
    ``email``, all read from this body (reference §5)."""

    id: str | None = None
