"""The customer and address fields a model may write, as tool inputs: TWC's own field names (the records the model
reads carry the same), each bounded, and turned into the API's request bodies here.

Where the reference resolves the docs' disagreements (§8), the inputs follow it: ``mobile``/``phone`` are text,
``customer_state`` one of four words, ``dob`` ``DD-MM-YYYY`` (TWC's format, not ISO; a real day). The email and SMS
opt-ins are two booleans (``email_opt_in``, ``sms_opt_in``) sent as ``optin_preferences.<channel>.opt_in_active``:
TWC keeps the times itself. Limits (TWC documents none): text 255 characters, names 100, phones 40.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import Field, field_validator

from ...core.results import WriteInput
from .. import models as m

CustomerState = Literal["disabled", "invited", "enabled", "declined"]
# TWC verifies no email (reference §4.1); a model's slip (a name, a phone) is caught by needing one @.
EmailText = Annotated[str, Field(min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")]
RefText = Annotated[
    str, Field(min_length=1, max_length=255, pattern=r"^\S(.*\S)?$", description="Your own unique reference.")
]
NameText = Annotated[str, Field(max_length=100)]
Text = Annotated[str, Field(max_length=255)]
PhoneText = Annotated[str, Field(max_length=40, pattern=r"^$|^\+?[\d\s().-]{3,40}$")]
DobText = Annotated[str, Field(pattern=r"^\d{2}-\d{2}-\d{4}$", description="DD-MM-YYYY (not ISO), e.g. 25-10-1985.")]
OPT_IN_FIELDS: Final = {"email_opt_in": "email", "sms_opt_in": "sms"}


def _real_dob(value: str | None) -> str | None:
    if value:
        day, month, year = (int(part) for part in value.split("-"))
        date(year, month, day)  # ValueError (a clear message) for 31-02-1990
    return value


class AddressInput(WriteInput):
    addressName: NameText | None = None
    firstName: NameText | None = None
    lastName: NameText | None = None
    company: Text | None = None
    address1: Text | None = None
    address2: Text | None = None
    city: Text | None = None
    province: Text | None = Field(None, description="State name, e.g. New South Wales.")
    provinceCode: str | None = Field(None, max_length=10, description="e.g. NSW.")
    postcode: str | None = Field(None, max_length=20)
    country: Text | None = Field(None, description="Country name, e.g. Australia.")
    countryCode: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. AU.")
    phone: PhoneText | None = None
    email: EmailText | None = None
    defaultAddress: bool | None = None


class CustomerFields(WriteInput):
    """The fields of a customer a model may change ("" clears a name or phone)."""

    email: EmailText | None = None
    customerRef: RefText | None = None
    firstName: NameText | None = None
    lastName: NameText | None = None
    mobile: PhoneText | None = None
    phone: PhoneText | None = None
    dob: DobText | None = None
    customer_state: CustomerState | None = None
    accepts_marketing: bool | None = None
    email_opt_in: bool | None = None
    sms_opt_in: bool | None = None
    verified_email: bool | None = None

    _dob = field_validator("dob")(_real_dob)


class NewCustomer(CustomerFields):
    """A customer to create: ``email`` is the one mandatory field, unique in the tenant (as is customerRef)."""

    email: EmailText
    address: AddressInput | None = Field(None, description="Its first address (the default one unless told).")


def _optin(given: dict[str, Any]) -> dict[str, Any]:
    """The opt-in booleans among ``given`` (removed from it) as ``optin_preferences``."""
    chosen = {channel: {"opt_in_active": given.pop(name)} for name, channel in OPT_IN_FIELDS.items() if name in given}
    return {"optin_preferences": chosen} if chosen else {}


def create_body(request: NewCustomer) -> m.CustomerWrite:
    """The body of a create: what was given, under the API's names; empty text left out (nothing to clear)."""
    given = {name: value for name, value in request.model_dump(exclude_unset=True).items() if value != ""}
    address = given.pop("address", None)
    optin = _optin(given)
    body = {**given, **optin}
    if address:
        body["addresses"] = [{"defaultAddress": True, **{k: v for k, v in address.items() if v != ""}}]
    return m.CustomerWrite.model_validate(body)


def address_body(address: AddressInput) -> m.AddressWrite:
    return m.AddressWrite.model_validate(
        {name: value for name, value in address.model_dump(exclude_unset=True).items() if value != ""}
    )


def wanted_changes(changes: CustomerFields) -> dict[str, Any]:
    """The fields to change under the API's names: the opt-ins as ``optin_preferences``."""
    given = changes.model_dump(exclude_unset=True)
    optin = _optin(given)
    return {**given, **optin}
