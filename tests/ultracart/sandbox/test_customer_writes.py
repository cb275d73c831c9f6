"""Customer writes through HTTP: insert, update, pricing tiers, delete and merge.

Every write is checked by further reads; where the expected state depends on the seeded data it is
computed from ``demo_data.generate`` (customer ``i`` has oid ``100001 + i``), never from the sandbox.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from tests.conftest import CUSTOMERS, SEED, TEST_NOW
from tests.paths import ULTRACART_SPEC
from uc_mcp.ultracart.sandbox.clock import FixedClock, format_dts
from uc_mcp.ultracart.sandbox.demo_data import EMAIL_LISTS, PRICING_TIERS, DemoCustomer, generate
from uc_mcp.ultracart.sandbox.runtime import Sandbox

pytestmark = pytest.mark.anyio

FIRST_OID = 100001
NEXT_OID = FIRST_OID + CUSTOMERS  # what the first inserted customer must get
JANE, JANE_DUP, JOHN, JON = 100001, 100002, 100003, 100004
ALL = "billing,shipping,cards,cc_emails,properties,tags,pricing_tiers,attachments,loyalty,privacy"
SUB_OIDS = {
    "billing": "customer_billing_oid",
    "shipping": "customer_shipping_oid",
    "cards": "customer_profile_credit_card_id",
    "cc_emails": "customer_profile_email_oid",
    "properties": "customer_profile_property_oid",
}
LIST_NAMES = {lst["email_list_uuid"]: lst["name"] for lst in EMAIL_LISTS}


@cache
def _demo() -> tuple[DemoCustomer, ...]:
    return tuple(generate(CUSTOMERS, SEED))


def demo(oid: int) -> DemoCustomer:
    return _demo()[oid - FIRST_OID]


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def available_cents(oid: int) -> int:
    """Usable store credit at TEST_NOW, from the demo ledger (only for ledgers without expiries)."""
    now = TEST_NOW
    total = 0
    for credit in demo(oid).store_credit:
        assert credit.expiration_days == 0, "this helper only covers credit that never expires"
        if credit.amount < 0 or credit.entry_dts + timedelta(days=credit.vesting_days) <= now:
            total += cents(credit.amount)
    return total


def vesting_cents(oid: int) -> int:
    return sum(
        cents(c.amount)
        for c in demo(oid).store_credit
        if c.amount > 0 and c.entry_dts + timedelta(days=c.vesting_days) > TEST_NOW
    )


def member_counts() -> dict[str, int]:
    counts = {uuid: 0 for uuid in LIST_NAMES}
    for customer in _demo():
        for uuid in customer.email_lists:
            counts[uuid] += 1
    return counts


def assert_error(response: httpx2.Response, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers.get("UC-REST-ERROR"), "every error carries a UC-REST-ERROR header"
    body = response.json()
    assert body["success"] is False
    assert body["error"]["error_code"] == str(status)
    message = body["error"]["user_message"]
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in response.text
    return dict(body)


async def customer_count(api: httpx2.AsyncClient) -> int:
    response = await api.get("/customer/customers", params={"_limit": 1})
    assert response.status_code == 200
    return int(response.json()["metadata"]["result_set"]["total_records"])


async def get_customer(api: httpx2.AsyncClient, oid: int, expand: str | None = ALL) -> dict[str, Any]:
    response = await api.get(f"/customer/customers/{oid}", params={"_expand": expand} if expand else None)
    assert response.status_code == 200, response.text
    return dict(response.json()["customer"])


async def insert(api: httpx2.AsyncClient, body: Any, expand: str | None = ALL) -> httpx2.Response:
    return await api.post("/customer/customers", json=body, params={"_expand": expand} if expand else None)


async def list_counts(api: httpx2.AsyncClient) -> dict[str, int]:
    response = await api.get("/customer/email_lists")
    assert response.status_code == 200
    return {lst["email_list_uuid"]: lst["member_count"] for lst in response.json()["lists"]}


async def store_credit(api: httpx2.AsyncClient, oid: int) -> httpx2.Response:
    return await api.get(f"/customer/customers/{oid}/store_credit")


NEW_CUSTOMER: dict[str, Any] = {
    "email": "Ada.Lovelace@Example.org",
    "password": "s3cret-Passw0rd!",
    "qb_class": "Retail",
    "referral_source": "Podcast",
    "customer_profile_oid": 1,  # server-assigned: ignored
    "merchant_id": "EVIL",  # server-assigned: ignored
    "billing": [
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "address1": "12 St James's Square",
            "city": "London",
            "postal_code": "SW1Y 4JH",
            "country_code": "GB",
            "day_phone": "020 7946 0958",
            "day_phone_e164": "+999",  # derived: recomputed
            "customer_billing_oid": 4242,  # not one of hers: replaced
        }
    ],
    "shipping": [
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "address1": "1 Main St",
            "city": "Austin",
            "state_region": "TX",
            "postal_code": "78701",
            "country_code": "US",
            "day_phone": "(512) 555-0100",
            "evening_phone": "512.555.0199",
        },
        {"first_name": "Byron", "last_name": "Lovelace", "address1": "2 Main St", "city": "Austin"},
    ],
    "cards": [
        {
            "card_type": "VISA",
            "card_number": "4111 1111 1111 1111",
            "card_expiration_month": 12,
            "card_expiration_year": 2030,
        }
    ],
    "cc_emails": [{"email": "accounts@example.org", "label": "Accounts", "receipt_notification": True}],
    "properties": [{"name": "favourite", "value": "analytical engines"}],
    "tags": [{"tag_value": "math"}, {"tag_value": "MATH"}, {"tag_value": "poetry"}],
}
FULL_CARD = "4111111111111111"


# -- insert ---------------------------------------------------------------------------------------


async def test_insert_returns_created_customer_with_server_fields(api: httpx2.AsyncClient) -> None:
    before = await customer_count(api)
    response = await insert(api, NEW_CUSTOMER)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    created = body["customer"]
    assert created["customer_profile_oid"] == NEXT_OID
    assert created["email"] == "Ada.Lovelace@Example.org"
    assert created["merchant_id"] == "DEMO1"
    assert created["signup_dts"] == format_dts(TEST_NOW)
    assert created["last_modified_dts"] == format_dts(TEST_NOW)
    assert created["qb_class"] == "Retail"
    assert "password" not in created
    # Sub-object oids: assigned, unique, and the client's own values ignored.
    oids = [item[field] for name, field in SUB_OIDS.items() for item in created[name]]
    assert len(oids) == 6
    assert len(set(oids)) == len(oids)
    assert all(isinstance(oid, int) and oid > 0 for oid in oids)
    assert 4242 not in oids
    for name in ("billing", "shipping", "cards"):
        assert all(item["customer_profile_oid"] == NEXT_OID for item in created[name])
    # Defaults: the first address is the default when none is flagged.
    assert [a["default_shipping"] for a in created["shipping"]] == [True, False]
    assert created["billing"][0]["default_billing"] is True
    # Tags are de-duplicated case-insensitively, first spelling kept.
    assert created["tags"] == [{"tag_value": "math"}, {"tag_value": "poetry"}]
    assert await customer_count(api) == before + 1
    assert await get_customer(api, NEXT_OID) == created


async def test_insert_derives_e164_phone_numbers(api: httpx2.AsyncClient) -> None:
    created = (await insert(api, NEW_CUSTOMER)).json()["customer"]
    assert created["billing"][0]["day_phone_e164"] == "+442079460958"
    assert "evening_phone_e164" not in created["billing"][0]
    home = created["shipping"][0]
    assert home["day_phone_e164"] == "+15125550100"
    assert home["evening_phone_e164"] == "+15125550199"
    assert home["day_phone"] == "(512) 555-0100"  # the number as given is kept
    # No country code, no phone: nothing derived.
    assert "day_phone_e164" not in created["shipping"][1]


async def test_insert_honours_expand(api: httpx2.AsyncClient) -> None:
    response = await insert(api, NEW_CUSTOMER, expand=None)
    assert response.status_code == 200
    limited = response.json()["customer"]
    for name in ("billing", "shipping", "cards", "cc_emails", "properties", "tags"):
        assert name not in limited
    assert limited["referral_source"] == "Podcast"

    other = {**NEW_CUSTOMER, "email": "second@example.org"}
    partial = (await insert(api, other, expand="billing,tags")).json()["customer"]
    assert set(partial) >= {"billing", "tags"}
    assert not set(partial) & {"shipping", "cards", "cc_emails", "properties"}
    # Not expanded is not lost: the stored customer has everything.
    full = await get_customer(api, limited["customer_profile_oid"])
    assert len(full["shipping"]) == 2
    assert full["properties"][0]["value"] == "analytical engines"


async def test_password_is_accepted_and_never_returned(api: httpx2.AsyncClient) -> None:
    password = NEW_CUSTOMER["password"]
    created = (await insert(api, NEW_CUSTOMER)).json()["customer"]
    oid = created["customer_profile_oid"]
    responses = [
        await api.get(f"/customer/customers/{oid}", params={"_expand": ALL}),
        await api.get("/customer/customers/by_email/ada.lovelace@example.org", params={"_expand": ALL}),
        await api.get("/customer/customers", params={"email": "ada.lovelace@example.org", "_expand": ALL}),
        await api.post("/customer/customers/query", json={"email": "ada.lovelace@example.org"}),
        await api.post("/customer/customers/dataTables", json={"search": {"value": "lovelace"}}),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        assert password not in response.text
        assert '"password"' not in response.text
    assert responses[2].json()["customers"][0]["customer_profile_oid"] == oid
    assert responses[4].json()["data"][0]["customer_profile_oid"] == oid
    # Accepted: the stored password is the one email verification checks.
    token_url = "/customer/customers/email_verify/get_token"
    wrong = await api.post(token_url, json={"email": "ada.lovelace@example.org", "password": "nope"})
    assert_error(wrong, 400)
    right = await api.post(token_url, json={"email": "ada.lovelace@example.org", "password": password})
    assert right.status_code == 200
    assert right.json()["token"]


async def test_card_number_is_only_ever_returned_masked(api: httpx2.AsyncClient) -> None:
    created = (await insert(api, NEW_CUSTOMER)).json()["customer"]
    oid = created["customer_profile_oid"]
    assert created["cards"][0]["card_number"] == "************1111"
    responses = [
        await api.get(f"/customer/customers/{oid}", params={"_expand": "cards"}),
        await api.get("/customer/customers/by_email/ada.lovelace@example.org", params={"_expand": "cards"}),
        await api.get("/customer/customers", params={"email": "ada.lovelace@example.org", "_expand": "cards"}),
        await api.post(
            "/customer/customers/dataTables", params={"_expand": "cards"}, json={"search": {"value": "lovelace"}}
        ),
    ]
    for response in responses:
        assert response.status_code == 200
        assert FULL_CARD not in response.text
        assert "4111 1111" not in response.text
        assert "************1111" in response.text
    # A card submitted by token keeps no number and never shows the token.
    tokened = await api.put(
        f"/customer/customers/{oid}",
        params={"_expand": "cards"},
        json={"cards": [{"card_type": "AMEX", "card_number_token": "tok_abc123", "card_expiration_year": 2031}]},
    )
    assert tokened.status_code == 200
    card = tokened.json()["customer"]["cards"][0]
    assert "card_number" not in card
    assert "tok_abc123" not in tokened.text


# -- insert: rejected bodies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"qb_class": "Retail"}, "email"),
        ({"email": None}, "email"),
        ({"email": ""}, "email"),
        ({"email": "   "}, "email"),
        ({"email": "spaces in@example.com"}, "email"),
        ({"email": "tab\tin@example.com"}, "email"),
        ({"email": "x" * 95 + "@example.com"}, "email"),
        ({"email": "JANE@EXAMPLE.COM"}, "email"),  # taken by 100001, case-insensitively
        ({"email": " jane.doe@example.com "}, "email"),  # taken by 100002 once trimmed
    ],
)
async def test_insert_email_required_shaped_and_unique(
    api: httpx2.AsyncClient, body: dict[str, Any], fragment: str
) -> None:
    before = await customer_count(api)
    assert_error(await insert(api, body), 400, fragment)
    assert await customer_count(api) == before
    # Nothing was consumed either: the next good insert gets the next oid.
    created = await insert(api, {"email": "after.failure@example.com"})
    assert created.json()["customer"]["customer_profile_oid"] == NEXT_OID


SECRETISH = "Sup3rSecret-Value-"


@pytest.mark.parametrize(
    ("field", "value", "body"),
    [
        ("tax_id", SECRETISH[:16], lambda v: {"tax_id": v}),
        ("sales_rep_code", SECRETISH[:11], lambda v: {"sales_rep_code": v}),
        ("website_url", "https://" + SECRETISH * 6, lambda v: {"website_url": v}),
        ("password", SECRETISH * 2, lambda v: {"password": v}),
        ("billing[0].first_name", SECRETISH * 2, lambda v: {"billing": [{"first_name": v}]}),
        ("shipping[1].country_code", "USA", lambda v: {"shipping": [{"address1": "1 Main"}, {"country_code": v}]}),
        ("cc_emails[0].email", SECRETISH * 6 + "@example.com", lambda v: {"cc_emails": [{"email": v}]}),
        ("tags[0].tag_value", SECRETISH * 14, lambda v: {"tags": [{"tag_value": v}]}),
    ],
)
async def test_max_length_names_the_field_and_never_echoes_the_value(
    api: httpx2.AsyncClient, field: str, value: str, body: Any
) -> None:
    before = await customer_count(api)
    response = await insert(api, {"email": "long.values@example.com", **body(value)})
    error = assert_error(response, 400, field, "at most")
    assert value not in response.text
    assert value not in response.headers["UC-REST-ERROR"]
    assert value not in error["error"]["developer_message"]
    assert await customer_count(api) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": 12345}, "email"),
        ({"email": "types@example.com", "tax_exempt": "yes"}, "tax_exempt"),
        ({"email": "types@example.com", "maximum_item_count": "5"}, "maximum_item_count"),
        ({"email": "types@example.com", "maximum_item_count": 2**31}, "maximum_item_count"),
        ({"email": "types@example.com", "minimum_subtotal": "10.00"}, "minimum_subtotal"),
        ({"email": "types@example.com", "billing": {"first_name": "A"}}, "billing"),
        ({"email": "types@example.com", "tags": ["vip"]}, "tags[0]"),
        ({"email": "types@example.com", "privacy": [True]}, "privacy"),
        ({"email": "types@example.com", "billing": [None]}, "billing[0]"),
        ({"email": "types@example.com", "tags": [{"tag_value": 7}]}, "tags[0].tag_value"),
        ({"email": "types@example.com", "cards": [{"card_expiration_month": "08"}]}, "cards[0]"),
    ],
)
async def test_wrong_types_are_rejected(api: httpx2.AsyncClient, body: dict[str, Any], field: str) -> None:
    before = await customer_count(api)
    assert_error(await insert(api, body), 400, field)
    assert await customer_count(api) == before


@pytest.mark.parametrize(
    "raw",
    [
        b'{"email": "broken@example.com"',
        b"{'email': 'single@example.com'}",
        b'{"email": "nan@example.com", "minimum_subtotal": NaN}',
        b'{"email": "inf@example.com", "free_shipping_minimum": Infinity}',
        b'{"email": "lone@example.com", "qb_class": "\\ud800"}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"email": "\xff@example.com"}',
    ],
    ids=["truncated", "single-quotes", "nan", "infinity", "lone-surrogate", "deeply-nested", "not-utf8"],
)
async def test_malformed_json_is_a_bad_request(api: httpx2.AsyncClient, raw: bytes) -> None:
    before = await customer_count(api)
    response = await api.post("/customer/customers", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400)
    assert await customer_count(api) == before


@pytest.mark.parametrize("raw", [b"[]", b'[{"email": "a@example.com"}]', b'"a@example.com"', b"42", b"null", b""])
async def test_non_object_body_is_a_bad_request(api: httpx2.AsyncClient, raw: bytes) -> None:
    before = await customer_count(api)
    response = await api.post("/customer/customers", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "body")
    assert await customer_count(api) == before
    update = await api.put(f"/customer/customers/{JANE}", content=raw, headers={"Content-Type": "application/json"})
    assert_error(update, 400, "body")


async def test_unknown_fields_are_ignored_not_stored(api: httpx2.AsyncClient) -> None:
    body = {"email": "unknown.fields@example.com", "tax_exmept": True, "billing": [{"city": "Austin", "zip": "1"}]}
    created = (await insert(api, body)).json()["customer"]
    assert "tax_exmept" not in created
    assert "tax_exempt" not in created
    assert "zip" not in created["billing"][0]
    stored = await get_customer(api, created["customer_profile_oid"])
    assert "tax_exmept" not in stored
    assert stored["billing"][0]["city"] == "Austin"
    assert "zip" not in stored["billing"][0]


# -- update ---------------------------------------------------------------------------------------


async def test_update_replaces_present_fields_and_keeps_absent_or_null_ones(
    api: httpx2.AsyncClient, clock: FixedClock
) -> None:
    before = await get_customer(api, JANE)
    truth = demo(JANE).customer
    assert before["referral_source"] == truth["referral_source"]
    clock.advance(timedelta(hours=2))
    response = await api.put(
        f"/customer/customers/{JANE}",
        params={"_expand": ALL},
        json={
            "qb_class": "Wholesale",
            "referral_source": None,
            "do_not_send_mail": None,
            "business_notes": "",
            "tax_exempt": True,
            "privacy": {"marketing": None, "statistics": False},
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()["customer"]
    assert updated["qb_class"] == "Wholesale"
    assert updated["tax_exempt"] is True
    assert updated["business_notes"] == ""
    assert updated["referral_source"] == truth["referral_source"]  # null: unchanged
    assert updated["do_not_send_mail"] is truth["do_not_send_mail"] is False
    # A present object replaces (its nulls are absent); the consent change is dated by the server.
    assert updated["privacy"] == {"statistics": False, "last_update_dts": format_dts(TEST_NOW + timedelta(hours=2))}
    for key in ("email", "signup_dts", "billing", "shipping", "tags", "cards", "pricing_tiers", "properties"):
        assert updated[key] == before[key], key  # absent: unchanged
    assert updated["last_modified_dts"] == format_dts(TEST_NOW + timedelta(hours=2))
    assert updated["last_modified_dts"] != truth["last_modified_dts"]
    assert updated["last_modified_by"] == "API"
    assert await get_customer(api, JANE) == updated


async def test_update_arrays_replace_the_whole_collection(api: httpx2.AsyncClient) -> None:
    before = await get_customer(api, JANE)
    assert len(before["shipping"]) == len(demo(JANE).customer["shipping"]) == 2
    kept = dict(before["shipping"][1])
    kept["address2"] = "Unit B"
    fresh = {"first_name": "Jane", "last_name": "Doe", "address1": "9 New Rd", "city": "Dallas", "country_code": "US"}
    response = await api.put(
        f"/customer/customers/{JANE}",
        params={"_expand": "shipping,tags,billing"},
        json={"shipping": [kept, fresh], "tags": [{"tag_value": "only-tag"}], "billing": []},
    )
    assert response.status_code == 200, response.text
    updated = response.json()["customer"]
    assert [s["address1"] for s in updated["shipping"]] == ["18 Willow Ln", "9 New Rd"]
    # An element that was hers keeps its oid; a new one gets a new oid.
    assert updated["shipping"][0]["customer_shipping_oid"] == before["shipping"][1]["customer_shipping_oid"]
    assert updated["shipping"][0]["address2"] == "Unit B"
    old_oids = {s["customer_shipping_oid"] for s in before["shipping"]}
    assert updated["shipping"][1]["customer_shipping_oid"] not in old_oids
    assert updated["tags"] == [{"tag_value": "only-tag"}]
    assert updated["billing"] == []  # an empty array clears the collection; expanded, it is []
    stored = await get_customer(api, JANE)
    assert stored["shipping"] == updated["shipping"]
    assert stored["billing"] == []
    # Another customer's sub-object oid is not adopted.
    dup = await get_customer(api, JANE_DUP, "billing")
    stolen = dict(dup["billing"][0])
    again = await api.put(f"/customer/customers/{JANE}", params={"_expand": "billing"}, json={"billing": [stolen]})
    assert again.json()["customer"]["billing"][0]["customer_billing_oid"] != stolen["customer_billing_oid"]
    assert again.json()["customer"]["billing"][0]["customer_profile_oid"] == JANE


async def test_update_sending_addresses_back_keeps_server_maintained_fields(api: httpx2.AsyncClient) -> None:
    before = await get_customer(api, JANE, "billing")
    truth = demo(JANE).customer["billing"][0]
    assert before["billing"][0]["last_used_dts"] == truth["last_used_dts"]
    response = await api.put(
        f"/customer/customers/{JANE}",
        params={"_expand": "billing"},
        json={"billing": [{**before["billing"][0], "address2": "Suite 5"}]},
    )
    assert response.status_code == 200
    billing = response.json()["customer"]["billing"][0]
    assert billing["address2"] == "Suite 5"
    assert billing["last_used_dts"] == truth["last_used_dts"]
    assert billing["day_phone_e164"] == "+15125550143"


async def test_update_email_to_a_taken_email_changes_nothing(api: httpx2.AsyncClient, clock: FixedClock) -> None:
    before = await get_customer(api, JANE)
    clock.advance(timedelta(minutes=5))
    response = await api.put(
        f"/customer/customers/{JANE}", json={"email": "JANE.DOE@example.com", "qb_class": "Changed"}
    )
    assert_error(response, 400, "email")
    assert await get_customer(api, JANE) == before
    other = await api.get("/customer/customers/by_email/jane.doe@example.com")
    assert other.json()["customer"]["customer_profile_oid"] == JANE_DUP


async def test_update_email_case_of_own_address_and_new_address(api: httpx2.AsyncClient) -> None:
    response = await api.put(f"/customer/customers/{JANE}", json={"email": "Jane@Example.com"})
    assert response.status_code == 200
    assert response.json()["customer"]["email"] == "Jane@Example.com"
    moved = await api.put(f"/customer/customers/{JANE}", json={"email": "jane.new@example.com"})
    assert moved.status_code == 200
    assert (await api.get("/customer/customers/by_email/jane.new@example.com")).status_code == 200
    gone = await api.get("/customer/customers/by_email/jane@example.com")
    assert_error(gone, 404)
    # The old address is free again.
    reused = await insert(api, {"email": "jane@example.com"})
    assert reused.status_code == 200


async def test_update_password_is_write_only(api: httpx2.AsyncClient) -> None:
    response = await api.put(f"/customer/customers/{JOHN}", json={"password": "brand-new-pass"})
    assert response.status_code == 200
    assert "brand-new-pass" not in response.text
    url = "/customer/customers/email_verify/get_token"
    old = await api.post(url, json={"email": "john.smith@example.com", "password": demo(JOHN).password})
    assert_error(old, 400)
    new = await api.post(url, json={"email": "john.smith@example.com", "password": "brand-new-pass"})
    assert new.status_code == 200
    # Null or absent password: unchanged.
    await api.put(f"/customer/customers/{JOHN}", json={"password": None, "qb_class": "Retail"})
    again = await api.post(url, json={"email": "john.smith@example.com", "password": "brand-new-pass"})
    assert again.status_code == 200


async def test_update_validation_failure_changes_nothing(api: httpx2.AsyncClient) -> None:
    before = await get_customer(api, JANE)
    response = await api.put(f"/customer/customers/{JANE}", json={"qb_class": "X", "tax_id": "9" * 16})
    assert_error(response, 400, "tax_id")
    assert await get_customer(api, JANE) == before


async def test_update_unknown_customer_is_404(api: httpx2.AsyncClient) -> None:
    before = await customer_count(api)
    response = await api.put("/customer/customers/999999", json={"email": "ghost@example.com"})
    assert_error(response, 404)
    assert await customer_count(api) == before
    assert_error(await api.get("/customer/customers/by_email/ghost@example.com"), 404)


# -- computed and typed fields ----------------------------------------------------------------------

EVERYTHING = ALL + ",orders_summary,quotes_summary,reviewer,software_entitlements,tax_codes"
SPEC = json.loads(ULTRACART_SPEC.read_text("utf-8"))
# Graphs the sandbox neither stores nor serves (orders, quotes, activity, EDI, the gift certificate).
NOT_SERVED = {"Order", "CustomerActivity", "CustomerEDI", "GiftCertificate"}


def date_time_paths(name: str = "Customer", trail: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every ``format: dateTime`` field a Customer body can hold, as a path (0 for an array element)."""
    paths: list[tuple[str | int, ...]] = []
    for field, schema in SPEC["components"]["schemas"][name]["properties"].items():
        here = (*trail, field, 0) if schema.get("type") == "array" else (*trail, field)
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if ref:
            target = ref.rsplit("/", 1)[-1]
            if target not in NOT_SERVED and target not in {step for step in trail if isinstance(step, str)}:
                paths += date_time_paths(target, here)
        elif schema.get("format") == "dateTime":
            paths.append(here)
    return paths


def body_at(path: tuple[str | int, ...], value: Any) -> Any:
    for step in reversed(path):
        value = [value] if step == 0 else {step: value}
    return value


def dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{step}]" if step == 0 else f".{step}" for step in path).lstrip(".")


DATE_TIME_PATHS = date_time_paths()


def test_the_date_time_paths_cover_the_spec() -> None:
    # The class is found from the spec, not listed by hand: these are samples of it.
    assert {
        "orders_summary.first_order_dts",
        "properties[0].expiration_dts",
        "loyalty.redemptions[0].redemption_dts",
    } <= {dotted(path) for path in DATE_TIME_PATHS}
    assert len(DATE_TIME_PATHS) >= 20


@pytest.mark.parametrize("path", DATE_TIME_PATHS, ids=dotted)
@pytest.mark.parametrize("bad", ["not-a-date", "2024-13-40", "0001-01-01T00:00:00+14:00", "31/12/2024"])
async def test_every_date_time_field_is_validated_on_write(
    api: httpx2.AsyncClient, path: tuple[str | int, ...], bad: str
) -> None:
    """Was: any text stored and served back (and orders_summary dates broke every later merge)."""
    before = await get_customer(api, JANE, EVERYTHING)
    response = await api.put(f"/customer/customers/{JANE}", json=body_at(path, bad))
    error = assert_error(response, 400, dotted(path), "date-time")
    assert bad not in error["error"]["developer_message"]
    assert await get_customer(api, JANE, EVERYTHING) == before
    assert_error(await insert(api, {"email": "dated@example.com", **body_at(path, bad)}), 400, dotted(path))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orders_summary", {"first_order_dts": "2001-01-01T00:00:00Z", "order_count": 999, "total": 1.5}),
        ("quotes_summary", {"quote_count": 7, "total": 99, "last_quote_dts": "2030-01-01"}),
        ("reviewer", {"nickname": "Hacker", "rank": 1, "reviews_contributed": 5000, "expert": True}),
        ("loyalty", {"current_points": 999_999, "pending_points": 5, "loyalty_tier_expiration_dts": "2031-01-01"}),
        ("loyalty", {"internal_gift_certificate_oid": 1, "internal_gift_certificate_balance": "1000000.00"}),
        ("loyalty", {"ledger_entries": [{"loyalty_points": 100}], "redemptions": [{"loyalty_points": 5}]}),
        ("privacy", {"last_update_dts": "2001-01-01T00:00:00Z"}),
    ],
)
async def test_computed_fields_are_ignored_on_write(api: httpx2.AsyncClient, field: str, value: dict[str, Any]) -> None:
    before = await get_customer(api, JANE, EVERYTHING)
    response = await api.put(f"/customer/customers/{JANE}", params={"_expand": EVERYTHING}, json={field: value})
    assert response.status_code == 200, response.text
    updated = response.json()["customer"]
    assert updated.get(field) == before.get(field)
    created = (await insert(api, {"email": "computed@example.com", field: value}, EVERYTHING)).json()["customer"]
    # A new customer has nothing computed; privacy carries only the server's consent date.
    assert field not in created or created[field] == {"last_update_dts": format_dts(TEST_NOW)}


async def test_a_client_sets_the_loyalty_tier_and_zero_removes_it(api: httpx2.AsyncClient) -> None:
    before = (await get_customer(api, JANE, "loyalty"))["loyalty"]
    assert before["loyalty_tier_oid"] and before["current_points"]
    changed = await api.put(
        f"/customer/customers/{JANE}",
        params={"_expand": "loyalty"},
        json={"loyalty": {"loyalty_tier_oid": 5103, "loyalty_tier_name": "Gold", "current_points": 1}},
    )
    assert changed.json()["customer"]["loyalty"] == {**before, "loyalty_tier_oid": 5103, "loyalty_tier_name": "Gold"}
    removed = await api.put(
        f"/customer/customers/{JANE}", params={"_expand": "loyalty"}, json={"loyalty": {"loyalty_tier_oid": 0}}
    )
    loyalty = removed.json()["customer"]["loyalty"]
    assert "loyalty_tier_oid" not in loyalty and "loyalty_tier_name" not in loyalty
    assert loyalty["current_points"] == before["current_points"]


async def test_merge_still_works_after_a_bad_date_was_offered(api: httpx2.AsyncClient) -> None:
    """The reported sequence: the bad date used to be stored, and every merge after it failed (500)."""
    bad = {"orders_summary": {"first_order_dts": "not-a-date"}}
    assert_error(await api.put(f"/customer/customers/{JANE}", json=bad), 400, "orders_summary.first_order_dts")
    other = (await insert(api, {"email": "merge.after.bad.date@example.com"})).json()["customer"]
    merged = await api.put(
        f"/customer/customers/{JANE}/merge", json={"customer_profile_oid": other["customer_profile_oid"]}
    )
    assert merged.status_code == 204, merged.text


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("1986-07-09", "1986-07-09T00:00:00-04:00"),
        ("1986-07-09T00:00:00.000-04:00", "1986-07-09T00:00:00-04:00"),
        ("1990-01-15T12:00:00Z", "1990-01-15T07:00:00-05:00"),
    ],
)
async def test_birth_date_is_a_date_kept_in_ultracarts_format(api: httpx2.AsyncClient, sent: str, kept: str) -> None:
    updated = await api.put(f"/customer/customers/{JANE}", json={"birth_date": sent})
    assert updated.json()["customer"]["birth_date"] == kept
    assert (await get_customer(api, JANE, None))["birth_date"] == kept


@pytest.mark.parametrize("bad", ["garbage", "", "1986-02-30", "1899-12-31", "9999-12-31T23:59:59Z", "07/09/1986"])
async def test_birth_date_that_is_no_date_is_refused(api: httpx2.AsyncClient, bad: str) -> None:
    before = await get_customer(api, JANE, None)
    error = assert_error(await api.put(f"/customer/customers/{JANE}", json={"birth_date": bad}), 400, "birth_date")
    assert not bad or bad not in error["error"]["user_message"]
    assert await get_customer(api, JANE, None) == before


async def test_client_date_times_are_kept_in_ultracarts_format(api: httpx2.AsyncClient) -> None:
    body = {
        "properties": [{"name": "renewal", "value": "yes", "expiration_dts": "2030-01-01"}],
        "software_entitlements": [
            {"software_sku": "APP", "activation_dts": "2026-01-01T10:00:00Z", "expiration_dts": "2027-01-01T10:00"}
        ],
    }
    response = await api.put(f"/customer/customers/{JANE}", params={"_expand": EVERYTHING}, json=body)
    assert response.status_code == 200, response.text
    customer = response.json()["customer"]
    assert customer["properties"][0]["expiration_dts"] == "2030-01-01T00:00:00-05:00"
    entitlement = customer["software_entitlements"][0]
    assert (entitlement["activation_dts"], entitlement["expiration_dts"]) == (
        "2026-01-01T05:00:00-05:00",
        "2027-01-01T10:00:00-05:00",
    )


async def test_card_last_used_dts_is_the_servers(api: httpx2.AsyncClient) -> None:
    before = (await get_customer(api, JANE, "cards"))["cards"]
    assert before[0]["last_used_dts"]
    sent = [
        {**before[0], "last_used_dts": "2001-01-01T00:00:00Z"},
        {"card_type": "Visa", "last_used_dts": "2001-01-01"},
    ]
    cards = (await api.put(f"/customer/customers/{JANE}", params={"_expand": "cards"}, json={"cards": sent})).json()
    assert cards["customer"]["cards"][0]["last_used_dts"] == before[0]["last_used_dts"]
    assert "last_used_dts" not in cards["customer"]["cards"][1]


@pytest.mark.parametrize("email", ["sample_ABCDEFGH.test.com", "two@@example.com", "a/b@example.com"])
async def test_email_shape_is_not_policed(api: httpx2.AsyncClient, email: str) -> None:
    """UltraCart's own sample runner creates customers as "sample_XXXXXXXX.test.com": the service takes
    any address without whitespace (was: 400 for want of an "@")."""
    created = await insert(api, {"email": email}, None)
    assert created.status_code == 200, created.text
    found = await api.get("/customer/customers/by_email/" + quote(email, safe=""))
    assert found.status_code == 200, found.text
    assert found.json()["customer"]["customer_profile_oid"] == created.json()["customer"]["customer_profile_oid"]


# -- pricing tiers --------------------------------------------------------------------------------


async def test_pricing_tiers_resolve_by_oid_or_name(api: httpx2.AsyncClient) -> None:
    wholesale, vip, distributor, _employee = PRICING_TIERS
    response = await api.put(
        f"/customer/customers/{JOHN}",
        params={"_expand": "pricing_tiers"},
        json={"pricing_tiers": [{"pricing_tier_oid": distributor["pricing_tier_oid"]}, {"name": "vip"}]},
    )
    assert response.status_code == 200, response.text
    expected = [
        {"name": distributor["name"], "pricing_tier_oid": distributor["pricing_tier_oid"]},
        {"name": vip["name"], "pricing_tier_oid": vip["pricing_tier_oid"]},
    ]
    assert response.json()["customer"]["pricing_tiers"] == expected
    assert (await get_customer(api, JOHN, "pricing_tiers"))["pricing_tiers"] == expected
    found = await api.get(
        "/customer/customers", params={"pricing_tier_name": "Distributor", "email": "john.smith@example.com"}
    )
    assert [c["customer_profile_oid"] for c in found.json()["customers"]] == [JOHN]
    created = await insert(api, {"email": "tiered@example.com", "pricing_tiers": [{"name": "WHOLESALE"}]})
    assert created.json()["customer"]["pricing_tiers"] == [
        {"name": wholesale["name"], "pricing_tier_oid": wholesale["pricing_tier_oid"]}
    ]


@pytest.mark.parametrize(
    "tiers",
    [[{"pricing_tier_oid": 9999}], [{"name": "Platinum Partners"}], [{"name": "VIP"}, {"pricing_tier_oid": 1}], [{}]],
)
async def test_unknown_pricing_tier_is_a_bad_request(api: httpx2.AsyncClient, tiers: list[dict[str, Any]]) -> None:
    before = await get_customer(api, JANE)
    count = await customer_count(api)
    assert_error(await api.put(f"/customer/customers/{JANE}", json={"pricing_tiers": tiers}), 400, "pricing_tiers")
    assert await get_customer(api, JANE) == before
    assert_error(await insert(api, {"email": "tier.less@example.com", "pricing_tiers": tiers}), 400, "pricing_tiers")
    assert await customer_count(api) == count


# -- delete ---------------------------------------------------------------------------------------


async def test_delete_answers_204_then_404(api: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    truth = demo(JANE)
    assert truth.store_credit
    assert truth.wishlist
    assert truth.email_lists
    assert sandbox.store.customer_list_uuids(JANE) == sorted(truth.email_lists)
    counts = await list_counts(api)
    assert counts == {uuid: n for uuid, n in member_counts().items() if uuid in counts}
    before = await customer_count(api)

    response = await api.delete(f"/customer/customers/{JANE}")
    assert response.status_code == 204
    assert response.content == b""

    assert await customer_count(api) == before - 1
    assert_error(await api.get(f"/customer/customers/{JANE}"), 404)
    assert_error(await api.get("/customer/customers/by_email/jane@example.com"), 404)
    assert_error(await store_credit(api, JANE), 404)
    assert_error(await api.get(f"/customer/customers/{JANE}/wishlist"), 404)
    assert_error(await api.delete(f"/customer/customers/{JANE}"), 404)
    assert_error(await api.put(f"/customer/customers/{JANE}", json={"qb_class": "x"}), 404)
    assert sandbox.store.customer_list_uuids(JANE) == []
    after = await list_counts(api)
    for uuid, count in counts.items():
        assert after[uuid] == count - (1 if uuid in truth.email_lists else 0), LIST_NAMES[uuid]
    listed = await api.get("/customer/customers", params={"email": "jane@example.com"})
    assert listed.json()["customers"] == []
    # Its neighbour is untouched, and its email is free again (with nothing inherited).
    assert (await get_customer(api, JANE_DUP))["email"] == "jane.doe@example.com"
    again = await insert(api, {"email": "jane@example.com"})
    new_oid = again.json()["customer"]["customer_profile_oid"]
    assert new_oid != JANE
    credit = (await store_credit(api, new_oid)).json()["customer_store_credit"]
    assert credit["available"] == 0
    assert credit["total"] == 0
    assert (await api.get(f"/customer/customers/{new_oid}/wishlist")).json()["wishlist_items"] == []
    assert sandbox.store.customer_list_uuids(new_oid) == []


async def test_delete_unknown_customer_is_404(api: httpx2.AsyncClient) -> None:
    before = await customer_count(api)
    assert_error(await api.delete("/customer/customers/999999"), 404)
    assert_error(await api.delete("/customer/customers/not-a-number"), 400)
    assert await customer_count(api) == before


# -- merge ----------------------------------------------------------------------------------------


async def test_merge_by_oid_folds_the_profile_into_the_survivor(api: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    survivor, away = JANE_DUP, JANE  # the duplicate absorbs the original
    s_truth, a_truth = demo(survivor), demo(away)
    before = await get_customer(api, survivor)
    away_before = await get_customer(api, away)
    away_wishlist = (await api.get(f"/customer/customers/{away}/wishlist")).json()["wishlist_items"]
    assert len(away_wishlist) == len(a_truth.wishlist) == 3
    counts = await list_counts(api)
    total_before = await customer_count(api)

    response = await api.put(f"/customer/customers/{survivor}/merge", json={"customer_profile_oid": away})
    assert response.status_code == 204
    assert response.content == b""

    assert_error(await api.get(f"/customer/customers/{away}"), 404)
    assert_error(await api.get("/customer/customers/by_email/jane@example.com"), 404)
    assert await customer_count(api) == total_before - 1
    merged = await get_customer(api, survivor)
    assert merged["email"] == s_truth.customer["email"]  # the survivor keeps its scalars
    assert merged["referral_source"] == s_truth.customer["referral_source"]
    # Addresses moved after the survivor's own; the survivor's default stays the default.
    moved = [{**b, "default_billing": False, "customer_profile_oid": survivor} for b in away_before["billing"]]
    assert merged["billing"] == [*before["billing"], *moved]
    assert len(merged["shipping"]) == len(s_truth.customer["shipping"]) + len(a_truth.customer["shipping"])
    assert [s["default_shipping"] for s in merged["shipping"]] == [True, False, False]
    assert all(item["customer_profile_oid"] == survivor for item in merged["billing"] + merged["shipping"])
    assert merged["cards"][0]["card_number"] == a_truth.customer["cards"][0]["card_number"]
    assert merged["pricing_tiers"] == a_truth.customer["pricing_tiers"]
    # Tags: the union, without duplicates.
    expected_tags = []
    for tag in s_truth.customer["tags"] + a_truth.customer["tags"]:
        if tag not in expected_tags:
            expected_tags.append(tag)
    assert merged["tags"] == expected_tags
    # Store credit: both ledgers now belong to the survivor.
    credit = (await store_credit(api, survivor)).json()["customer_store_credit"]
    assert round(credit["available"] * 100) == available_cents(survivor) + available_cents(away) == 4250
    assert round(credit["vesting"] * 100) == vesting_cents(survivor) + vesting_cents(away) == 2000
    lifetime = sum(cents(c.amount) for c in s_truth.store_credit + a_truth.store_credit if c.amount > 0)
    assert round(credit["total"] * 100) == lifetime
    # Wishlist and email lists moved.
    wishlist = (await api.get(f"/customer/customers/{survivor}/wishlist")).json()["wishlist_items"]
    assert sorted(w["merchant_item_oid"] for w in wishlist) == sorted(w.merchant_item_oid for w in a_truth.wishlist)
    assert {w["customer_wishlist_item_oid"] for w in wishlist} == {
        w["customer_wishlist_item_oid"] for w in away_wishlist
    }
    assert all(w["customer_profile_oid"] == survivor for w in wishlist)
    union = sorted(set(s_truth.email_lists) | set(a_truth.email_lists))
    assert sandbox.store.customer_list_uuids(survivor) == union
    assert sandbox.store.customer_list_uuids(away) == []
    after = await list_counts(api)
    for uuid, count in counts.items():
        lost = uuid in a_truth.email_lists and uuid in s_truth.email_lists
        assert after[uuid] == count - (1 if lost else 0), LIST_NAMES[uuid]


async def test_merge_by_email_moves_wishlist_credit_and_lists(api: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    survivor, away = JANE, JANE_DUP
    launches = next(lst["email_list_uuid"] for lst in EMAIL_LISTS if lst["name"] == "Product Launches")
    added = await api.post(f"/customer/customers/{away}/email_lists", json={"add_to_lists": [launches]})
    assert added.status_code == 200
    wish = await api.post(f"/customer/customers/{away}/wishlist", json={"merchant_item_oid": 50040})
    assert wish.status_code == 200
    tagged = await api.put(
        f"/customer/customers/{away}", json={"tags": [{"tag_value": "Newsletter"}, {"tag_value": "dup"}]}
    )
    assert tagged.status_code == 200

    response = await api.put(f"/customer/customers/{survivor}/merge", json={"email": "  Jane.Doe@EXAMPLE.com "})
    assert response.status_code == 204, response.text
    assert response.content == b""

    assert_error(await api.get(f"/customer/customers/{away}"), 404)
    merged = await get_customer(api, survivor)
    assert merged["tags"] == [*demo(survivor).customer["tags"], {"tag_value": "dup"}]
    assert len(merged["billing"]) == 2
    assert [b["default_billing"] for b in merged["billing"]] == [True, False]
    credit = (await store_credit(api, survivor)).json()["customer_store_credit"]
    assert round(credit["available"] * 100) == available_cents(survivor) + available_cents(away) == 4250
    wishlist = (await api.get(f"/customer/customers/{survivor}/wishlist")).json()["wishlist_items"]
    assert sorted(w["merchant_item_oid"] for w in wishlist) == sorted(
        [*(w.merchant_item_oid for w in demo(survivor).wishlist), 50040]
    )
    expected_lists = sorted({*demo(survivor).email_lists, *demo(away).email_lists, launches})
    assert sandbox.store.customer_list_uuids(survivor) == expected_lists
    assert sandbox.store.customer_list_uuids(away) == []
    assert_error(await store_credit(api, away), 404)


async def test_merge_into_a_customer_without_credit_creates_its_certificate(api: httpx2.AsyncClient) -> None:
    assert not demo(JOHN).store_credit
    response = await api.put(f"/customer/customers/{JOHN}/merge", json={"customer_profile_oid": JANE_DUP})
    assert response.status_code == 204
    credit = (await store_credit(api, JOHN)).json()["customer_store_credit"]
    assert round(credit["available"] * 100) == available_cents(JANE_DUP) == 500
    loyalty = (await get_customer(api, JOHN, "loyalty"))["loyalty"]
    assert loyalty["internal_gift_certificate_balance"] == "5.00"


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"customer_profile_oid": JANE}, 400, "itself"),
        ({"email": "JANE@example.com"}, 400, "itself"),
        ({}, 400, "customer_profile_oid"),
        ({"email": ""}, 400, "customer_profile_oid"),
        ({"customer_profile_oid": JANE_DUP, "email": "john.smith@example.com"}, 400, "different"),
        ({"customer_profile_oid": 999999}, 404, ""),
        ({"email": "nobody@example.com"}, 404, ""),
        ({"customer_profile_oid": "100002"}, 400, "customer_profile_oid"),
    ],
)
async def test_merge_rejections_change_nothing(
    api: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, Any], status: int, fragment: str
) -> None:
    jane, dup = await get_customer(api, JANE), await get_customer(api, JANE_DUP)
    credit = (await store_credit(api, JANE)).json()
    total = await customer_count(api)
    assert_error(await api.put(f"/customer/customers/{JANE}/merge", json=body), status, fragment)
    assert await get_customer(api, JANE) == jane
    assert await get_customer(api, JANE_DUP) == dup
    assert (await store_credit(api, JANE)).json() == credit
    assert await customer_count(api) == total
    assert sandbox.store.customer_list_uuids(JANE_DUP) == sorted(demo(JANE_DUP).email_lists)


async def test_merge_into_unknown_survivor_is_404(api: httpx2.AsyncClient) -> None:
    total = await customer_count(api)
    assert_error(await api.put("/customer/customers/999999/merge", json={"customer_profile_oid": JANE}), 404)
    assert await customer_count(api) == total
    assert (await get_customer(api, JANE))["email"] == "jane@example.com"
