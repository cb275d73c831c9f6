"""Reading a request: a Customer or Address body, the search query, into checked fields (``errors.ApiError`` 400
naming the field and what was expected, never the value sent).

Where the docs disagree, the reference's recommended reading (§4, §8):

* ``mobile``, ``phone`` are strings (the seed's table says boolean; its samples and the 2024 doc say string).
  Assumed: a JSON number or boolean is refused rather than coerced, so a client's type slip shows.
* ``customer_state`` is one string of ``disabled``, ``invited``, ``enabled``, ``declined`` (the seed says list).
* ``dob`` is ``DD-MM-YYYY``, a real day, kept as written (``clock.check_dob``).
* Server-owned fields a request may carry (the seed's samples are swagger example values holding ``id``,
  ``createdDate``, ``lastModifiedDate``, ``defaultAddress``, an address's ``id``/``customerId``) and the figures
  TWC calculates (``lifetimeOrderValue``, ``totalSpend``, ...) are ignored, as is any unknown field (Spring's
  Jackson default). An address ``id`` is read on an update only, to keep the id of an address the customer has.
* Opt-in times are TWC's: only ``opt_in_active`` is read (the seed's sample times, ``2022-32-09 07:32:51``, are not
  even dates; the 2024 validate sample's ``opted_in`` is unknown and ignored).
* ``null`` means "not given" (a partial update leaves the field as it was).
* ``email`` is any non-blank string: the seed's own samples create customers with ``"email": "string"``, and TWC
  says it does not verify emails (assumed: no format check).

Limits (assumed; TWC documents none): text fields up to 255 characters, attribute values and descriptions up to
2,000, up to 20 addresses, 50 attribute groups of 100 attributes each, 1,000 customers in one upload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .clock import check_dob, parse_instant
from .errors import bad_request

CUSTOMER_STATES: Final = ("disabled", "invited", "enabled", "declined")
MAX_TEXT: Final = 255
MAX_LONG_TEXT: Final = 2000
MAX_ADDRESSES: Final = 20
MAX_GROUPS: Final = 50
MAX_ATTRIBUTES: Final = 100
MAX_UPLOAD: Final = 1000

TEXT_FIELDS: Final = (
    "customerRef",
    "alternateCustomerRef",
    "email",
    "firstName",
    "lastName",
    "mobile",
    "phone",
    "location",
    "joinedStoreId",
    "marketing_optin_level",
    "loyaltyTier",
    "spendToNextTier",
    "memberSince",
)
# Identifiers and the email: a blank one would be a key no one can use.
NON_BLANK: Final = frozenset({"customerRef", "alternateCustomerRef", "email"})
BOOLEAN_FIELDS: Final = ("verified_email", "active", "taxExempt", "accepts_marketing", "vipStatus")
ADDRESS_TEXT_FIELDS: Final = (
    "address1",
    "address2",
    "addressName",
    "addressRef",
    "addressType",
    "building",
    "level",
    "name",
    "city",
    "company",
    "country",
    "countryCode",
    "province",
    "provinceCode",
    "postcode",
    "phone",
    "email",
    "firstName",
    "lastName",
)
SEARCH_PARAMETERS: Final = ("email", "firstName", "lastName", "mobile", "phone")
CHANNELS: Final = ("email", "sms")


@dataclass(slots=True)
class CustomerInput:
    """The fields a request gives (absent and null ones left out)."""

    fields: dict[str, Any] = field(default_factory=dict)  # text, boolean, dob, state, taxExemptions, instants
    addresses: list[dict[str, Any]] | None = None  # the whole list, when given
    optin: dict[str, bool] = field(default_factory=dict)  # channel -> opt_in_active
    attribute_groups: dict[str, dict[str, Any]] | None = None
    body_id: str | None = None  # the body's ``id``: PUT /customers matches by it first

    def get(self, name: str) -> Any:
        return self.fields.get(name)


def _text(value: Any, where: str, limit: int = MAX_TEXT, *, non_blank: bool = False) -> str:
    if not isinstance(value, str):
        raise bad_request(f"{where}: expected a string")
    if len(value) > limit:
        raise bad_request(f"{where}: at most {limit} characters")
    if non_blank and not value.strip():
        raise bad_request(f"{where}: expected a non-empty string")
    return value


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise bad_request(f"{where}: expected true or false")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(f"{where}: expected a JSON object")
    return value


def customer(body: Any, *, where: str = "body") -> CustomerInput:
    """A Customer body (create, validate, the updates, one upload item)."""
    data = _object(body, where)
    prefix = "" if where == "body" else f"{where}."
    given = CustomerInput()
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is not None:
            given.fields[name] = _text(value, prefix + name, non_blank=name in NON_BLANK)
    for name in BOOLEAN_FIELDS:
        value = data.get(name)
        if value is not None:
            given.fields[name] = _boolean(value, prefix + name)
    _read_dob(data, given, prefix)
    _read_state(data, given, prefix)
    _read_exemptions(data, given, prefix)
    _read_instant(data, given, prefix, "marketing_preferences_updated_at")
    if data.get("addresses") is not None:
        given.addresses = _addresses(data["addresses"], prefix + "addresses")
    if data.get("optin_preferences") is not None:
        given.optin = _optin(data["optin_preferences"], prefix + "optin_preferences")
    if data.get("attributeGroups") is not None:
        given.attribute_groups = _attribute_groups(data["attributeGroups"], prefix + "attributeGroups")
    body_id = data.get("id")
    if body_id is not None:
        given.body_id = _text(body_id, prefix + "id")
    return given


def _read_dob(data: Mapping[str, Any], given: CustomerInput, prefix: str) -> None:
    value = data.get("dob")
    if value is None:
        return
    text = _text(value, prefix + "dob")
    try:
        given.fields["dob"] = check_dob(text)
    except ValueError:
        raise bad_request(f"{prefix}dob: expected a date of birth as DD-MM-YYYY, e.g. 25-10-1985") from None


def _read_state(data: Mapping[str, Any], given: CustomerInput, prefix: str) -> None:
    value = data.get("customer_state")
    if value is None:
        return
    if value not in CUSTOMER_STATES:  # a list (the seed's table) is refused too: the samples send one string
        raise bad_request(f"{prefix}customer_state: expected one string of {', '.join(CUSTOMER_STATES)}")
    given.fields["customer_state"] = value


def _read_exemptions(data: Mapping[str, Any], given: CustomerInput, prefix: str) -> None:
    value = data.get("taxExemptions")
    if value is None:
        return
    if not isinstance(value, list) or len(value) > MAX_ATTRIBUTES:
        raise bad_request(f"{prefix}taxExemptions: expected a list of at most {MAX_ATTRIBUTES} strings")
    given.fields["taxExemptions"] = [_text(item, f"{prefix}taxExemptions[{i}]") for i, item in enumerate(value)]


def _read_instant(data: Mapping[str, Any], given: CustomerInput, prefix: str, name: str) -> None:
    value = data.get(name)
    if value is None:
        return
    try:
        given.fields[name] = parse_instant(_text(value, prefix + name, 64))
    except ValueError:
        raise bad_request(f"{prefix}{name}: expected an ISO 8601 date-time, e.g. 2023-05-19T03:48:22.075Z") from None


def address(body: Any, where: str = "body") -> dict[str, Any]:
    """One Address: its text fields, ``defaultAddress``, and ``id`` (kept only to match an existing address)."""
    data = _object(body, where)
    prefix = "" if where == "body" else f"{where}."
    checked: dict[str, Any] = {}
    for name in ADDRESS_TEXT_FIELDS:
        value = data.get(name)
        if value is not None:
            checked[name] = _text(value, prefix + name)
    default = data.get("defaultAddress")
    checked["defaultAddress"] = False if default is None else _boolean(default, prefix + "defaultAddress")
    if data.get("id") is not None:
        checked["id"] = _text(data["id"], prefix + "id")
    return checked


def _addresses(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_ADDRESSES:
        raise bad_request(f"{where}: expected a list of at most {MAX_ADDRESSES} Address objects")
    return [address(item, f"{where}[{i}]") for i, item in enumerate(value)]


def _optin(value: Any, where: str) -> dict[str, bool]:
    data = _object(value, where)
    chosen: dict[str, bool] = {}
    for channel in CHANNELS:
        preference = data.get(channel)
        if preference is None:
            continue
        active = _object(preference, f"{where}.{channel}").get("opt_in_active")
        if active is not None:
            chosen[channel] = _boolean(active, f"{where}.{channel}.opt_in_active")
    return chosen


def _attribute_groups(value: Any, where: str) -> dict[str, dict[str, Any]]:
    data = _object(value, where)
    if len(data) > MAX_GROUPS:
        raise bad_request(f"{where}: at most {MAX_GROUPS} groups")
    groups: dict[str, dict[str, Any]] = {}
    for name, group in data.items():
        _text(name, f"{where}: a group name", 100, non_blank=True)
        # The group's name is the client's own key: named in a message only as "a group".
        body = _object(group, f"{where}: each group")
        attributes = body.get("attributes") or {}
        if not isinstance(attributes, dict) or len(attributes) > MAX_ATTRIBUTES:
            raise bad_request(f"{where}: each group's attributes must be an object of at most {MAX_ATTRIBUTES} names")
        for key, text in attributes.items():
            _text(key, f"{where}: an attribute name", 100, non_blank=True)
            if not isinstance(text, str) or len(text) > MAX_LONG_TEXT:
                raise bad_request(
                    f"{where}: each attribute value must be a string of at most {MAX_LONG_TEXT} characters"
                )
        entry: dict[str, Any] = {"attributes": dict(attributes)}
        description = body.get("description")
        if description is not None:
            entry["description"] = _text(description, f"{where}: each group's description", MAX_LONG_TEXT)
        groups[name] = entry
    return groups


def upload(body: Any) -> list[CustomerInput]:
    """An upload: a JSON array of Customers."""
    if not isinstance(body, list):
        raise bad_request("body: expected a JSON array of Customer objects")
    if len(body) > MAX_UPLOAD:
        raise bad_request(f"body: at most {MAX_UPLOAD} customers in one upload (TWC's ImpEx API takes more)")
    return [customer(item, where=f"[{i}]") for i, item in enumerate(body)]


def search(params: Mapping[str, str]) -> dict[str, str]:
    """The search criteria given (blank ones are not criteria); 400 when none is.

    The docs do not define a search without criteria (reference §5): assumed a 400, never the whole tenant.
    """
    criteria = {name: params[name] for name in SEARCH_PARAMETERS if params.get(name, "").strip()}
    if not criteria:
        raise bad_request(f"query: give at least one of {', '.join(SEARCH_PARAMETERS)}")
    for name, value in criteria.items():
        if len(value) > MAX_TEXT:
            raise bad_request(f"{name}: at most {MAX_TEXT} characters")
    return criteria
