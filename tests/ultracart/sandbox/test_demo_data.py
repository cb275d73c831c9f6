"""The demo data generator: deterministic, valid against the API's limits, realistic enough to demo with."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from uc_mcp.ultracart.sandbox import demo_data
from uc_mcp.ultracart.sandbox.clock import format_dts, parse_dts
from uc_mcp.ultracart.sandbox.demo_data import (
    DEMO_ANCHOR,
    EDITOR_VALUES,
    EMAIL_LISTS,
    MERCHANT_ID,
    PRICING_TIERS,
    STORY_EMAILS,
    WISHLIST_ITEM_OIDS,
    DemoCustomer,
    generate,
)

SAMPLE = 3000  # enough customers that every rare branch (1-2 %) shows up many times

ADDRESS_LIMITS = {
    "address1": 50,
    "address2": 50,
    "company": 50,
    "title": 50,
    "city": 32,
    "state_region": 32,
    "tax_county": 32,
    "first_name": 30,
    "last_name": 30,
    "postal_code": 20,
    "day_phone": 25,
    "evening_phone": 25,
}
CUSTOMER_LIMITS = {
    "email": 100,
    "business_notes": 2000,
    "tax_id": 15,
    "sales_rep_code": 10,
    "website_url": 100,
    "referral_source": 50,
    "fax": 32,
    "dhl_account_number": 20,
    "dhl_duty_account_number": 20,
    "fedex_account_number": 20,
    "ups_account_number": 20,
    "quickbooks_online_customer_id": 50,
}
ENTITLEMENT_LIMITS = {
    "activation_code": 50,
    "purchased_via_item_description": 512,
    "purchased_via_item_id": 20,
    "purchased_via_order_id": 30,
    "software_sku": 30,
}
# Server-assigned, write-only or unexposed: the generator must leave them to the store.
FORBIDDEN_KEYS = {
    "customer_profile_oid",
    "merchant_id",
    "last_modified_by",
    "password",
    "orders",
    "quotes",
    "activity",
    "edi",
    "customer_billing_oid",
    "customer_shipping_oid",
    "customer_profile_property_oid",
    "customer_profile_email_oid",
    "customer_profile_credit_card_id",
    "customer_profile_attachment_oid",
    "customer_software_entitlement_oid",
    "internal_gift_certificate",
    "internal_gift_certificate_balance",
    "internal_gift_certificate_oid",
}
DTS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
MASKED_CARD = re.compile(r"^\*{11,12}\d{4}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
START = datetime(2015, 1, 1, tzinfo=UTC) - timedelta(hours=5)


@pytest.fixture(scope="module")
def sample() -> list[DemoCustomer]:
    return list(generate(SAMPLE))


def walk(value: Any, path: str = "") -> Any:
    """Every (path, key, value) in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, path)


def dts(text: str) -> datetime:
    assert DTS.match(text), text
    moment = parse_dts(text)
    assert format_dts(moment) == text  # rendered exactly as clock.format_dts would
    return moment


def check_limits(customer: dict[str, Any]) -> None:
    for field, limit in CUSTOMER_LIMITS.items():
        if field in customer:
            assert len(customer[field]) <= limit, (field, customer[field])
    for field in ("billing", "shipping"):
        for address in customer.get(field, []):
            for key, limit in ADDRESS_LIMITS.items():
                if key in address:
                    assert 0 < len(address[key]) <= limit, (key, address[key])
            assert len(address["country_code"]) == 2
    for tag in customer.get("tags", []):
        assert len(tag["tag_value"]) <= 250
    for prop in customer.get("properties", []):
        assert len(prop["name"]) <= 100
        assert len(prop["value"]) <= 1500
    for cc in customer.get("cc_emails", []):
        assert len(cc["email"]) <= 100
        assert len(cc["label"]) <= 100
    for tier in customer.get("pricing_tiers", []):
        assert len(tier["name"]) <= 50
    for entitlement in customer.get("software_entitlements", []):
        for key, limit in ENTITLEMENT_LIMITS.items():
            assert len(entitlement[key]) <= limit


# --- determinism ------------------------------------------------------------------------------------------


def test_same_seed_and_count_give_identical_output() -> None:
    assert list(generate(400, 99)) == list(generate(400, 99))


def test_different_seed_gives_different_customers() -> None:
    first, second = list(generate(200, 1)), list(generate(200, 2))
    assert first[:12] == second[:12]  # the story customers do not depend on the seed
    assert [c.customer["email"] for c in first[12:]] != [c.customer["email"] for c in second[12:]]
    assert first[12:] != second[12:]


def test_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    assert list(generate(150, 5)) == list(generate(600, 5))[:150]


def test_default_seed_is_2017() -> None:
    assert list(generate(40)) == list(generate(40, 2017))


def test_global_random_is_left_alone() -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    list(generate(300))
    assert random.random() == expected


def test_count_is_exact_and_validated() -> None:
    assert list(generate(0)) == []
    assert [c.customer["email"] for c in generate(5)] == list(STORY_EMAILS[:5])
    assert sum(1 for _ in generate(37)) == 37
    with pytest.raises(ValueError, match="count"):
        generate(-1)


def test_generated_documents_are_fresh_objects() -> None:
    """The store may mutate what it is handed; that must not leak into a later run."""
    first = next(iter(generate(1)))
    first.customer["billing"][0]["city"] = "Mutated"
    first.customer["tags"].append({"tag_value": "x"})
    again = next(iter(generate(1)))
    assert again.customer["billing"][0]["city"] == "Austin"
    assert len(again.customer["tags"]) == 2


# --- shape and limits -------------------------------------------------------------------------------------


def test_field_limits_hold(sample: list[DemoCustomer]) -> None:
    for demo in sample + list(generate(3000, 77))[12:]:
        check_limits(demo.customer)
        for credit in demo.store_credit:
            assert len(credit.description) <= 50
        for item in demo.wishlist:
            assert item.comments is None or len(item.comments) <= 1024


def test_documents_are_sparse_and_leave_server_fields_out(sample: list[DemoCustomer]) -> None:
    for demo in sample:
        for path, key, value in walk(demo.customer):
            assert key not in FORBIDDEN_KEYS, (path, key)
            assert not key.endswith("_e164"), (path, key)
            assert value not in (None, [], {}, ""), (path, key)
            if isinstance(value, str):
                assert value == value.strip(), (path, key, value)


def test_every_date_is_rendered_like_ultracart_and_ordered(sample: list[DemoCustomer]) -> None:
    for demo in sample:
        c = demo.customer
        signup, modified = dts(c["signup_dts"]), dts(c["last_modified_dts"])
        assert START <= signup <= modified <= DEMO_ANCHOR
        for _, key, value in walk(c):
            if key.endswith("_dts") or key in ("first_review", "last_review", "birth_date"):
                dts(value)
        summary = c.get("orders_summary")
        if summary and summary["order_count"]:
            first, last = dts(summary["first_order_dts"]), dts(summary["last_order_dts"])
            assert signup <= first <= last <= DEMO_ANCHOR
            assert summary["total"] > 0
            assert round(summary["total"], 2) == summary["total"]
        if "privacy" in c:
            assert dts(c["privacy"]["last_update_dts"]) <= modified
        for card in c.get("cards", []):
            if "last_used_dts" in card:
                assert signup <= dts(card["last_used_dts"]) <= DEMO_ANCHOR
        for prop in c.get("properties", []):
            if "expiration_dts" in prop:
                assert dts(prop["expiration_dts"]) > DEMO_ANCHOR  # the store would delete an expired one
        for item in demo.wishlist:
            assert item.add_dts.tzinfo is not None
            assert signup <= item.add_dts <= DEMO_ANCHOR
        for credit in demo.store_credit:
            assert credit.entry_dts.tzinfo is not None
            assert signup <= credit.entry_dts <= DEMO_ANCHOR


def test_signups_cover_every_recent_month_and_lean_recent() -> None:
    customers = list(generate(250))
    months = {c.customer["signup_dts"][:7] for c in customers}
    for year, last_month in ((2025, 12), (2026, 11)):
        for month in range(1, last_month + 1):
            assert f"{year}-{month:02d}" in months
    years = Counter(c.customer["signup_dts"][:4] for c in generate(5000))
    assert set(years) == {str(year) for year in range(2015, 2027)}
    assert years["2025"] > years["2016"] * 2


def test_addresses_have_exactly_one_default(sample: list[DemoCustomer]) -> None:
    for demo in sample:
        billing = demo.customer["billing"]
        assert 1 <= len(billing) <= 2
        assert sum(1 for address in billing if address["default_billing"]) == 1
        shipping = demo.customer.get("shipping", [])
        assert len(shipping) <= 3
        if shipping:
            assert sum(1 for address in shipping if address["default_shipping"]) == 1


def test_sub_objects_look_right(sample: list[DemoCustomer]) -> None:
    tier_oids = {tier["pricing_tier_oid"]: tier["name"] for tier in PRICING_TIERS}
    for demo in sample:
        c = demo.customer
        assert EMAIL.match(c["email"]), c["email"]
        tags = [tag["tag_value"] for tag in c.get("tags", [])]
        assert len(tags) == len(set(tags)) <= 4
        names = [prop["name"] for prop in c.get("properties", [])]
        assert len(names) == len(set(names)) <= 3
        assert len(c.get("pricing_tiers", [])) <= 1
        for tier in c.get("pricing_tiers", []):
            assert tier_oids[tier["pricing_tier_oid"]] == tier["name"]
        assert len(c.get("cards", [])) <= 2
        for card in c.get("cards", []):
            assert MASKED_CARD.match(card["card_number"]), card
            assert card["card_type"] in EDITOR_VALUES["card_types"]
            assert 1 <= card["card_expiration_month"] <= 12
        assert len(c.get("cc_emails", [])) <= 2
        if "loyalty" in c:
            assert set(c["loyalty"]) == {"current_points", "pending_points", "loyalty_tier_name", "loyalty_tier_oid"}
        if c["tax_exempt"]:
            assert c["tax_id"]
        for flag in ("send_signup_notification", "unapproved"):
            assert c[flag] is False


def test_store_credit_ledgers_are_consistent(sample: list[DemoCustomer]) -> None:
    vesting_at_anchor = expiring_soon = with_usage = 0
    for demo in sample:
        credits: list[tuple[datetime, datetime | None, Decimal]] = []  # (usable from, expires, amount)
        used = Decimal(0)
        assert list(demo.store_credit) == sorted(demo.store_credit, key=lambda row: row.entry_dts)
        for row in demo.store_credit:
            assert row.amount == row.amount.quantize(Decimal("0.01"))
            assert row.amount != 0
            if row.amount < 0:
                assert (row.reference_order_id or "").startswith(f"{MERCHANT_ID}-")
                assert row.vesting_days == row.expiration_days == 0
                used -= row.amount
                active = sum(
                    (
                        amount
                        for start, end, amount in credits
                        if start <= row.entry_dts and (end is None or end > row.entry_dts)
                    ),
                    Decimal(0),
                )
                assert used <= active  # usage never exceeds vested, unexpired credit
                with_usage += 1
                continue
            assert row.vesting_days >= 0
            assert row.expiration_days >= 0
            if row.expiration_days:
                assert row.expiration_days > row.vesting_days
            start = row.entry_dts + timedelta(days=row.vesting_days)
            end = row.entry_dts + timedelta(days=row.expiration_days) if row.expiration_days else None
            credits.append((start, end, row.amount))
            vesting_at_anchor += start > DEMO_ANCHOR
            expiring_soon += end is not None and DEMO_ANCHOR < end <= DEMO_ANCHOR + timedelta(days=30)
    assert vesting_at_anchor >= 10  # "vesting" is non-trivial at the anchor
    assert expiring_soon >= 10  # and so is "expiring within 30 days"
    assert with_usage >= 50
    share = sum(1 for demo in sample[12:] if demo.store_credit) / len(sample[12:])
    assert 0.28 < share < 0.42


def test_wishlists_and_email_lists(sample: list[DemoCustomer]) -> None:
    live = {entry["email_list_uuid"] for entry in EMAIL_LISTS if not entry["deleted"]}
    for demo in sample:
        items = demo.wishlist
        assert len(items) <= 5
        assert [item.position for item in items] == list(range(1, len(items) + 1))
        assert len({item.merchant_item_oid for item in items}) == len(items)
        for item in items:
            assert item.merchant_item_oid in WISHLIST_ITEM_OIDS
            assert 1 <= item.priority <= 5
        assert len(demo.email_lists) == len(set(demo.email_lists)) <= 3
        assert set(demo.email_lists) <= live
    generated = sample[12:]
    assert 0.24 < sum(1 for demo in generated if demo.wishlist) / len(generated) < 0.36
    assert 0.48 < sum(1 for demo in generated if demo.email_lists) / len(generated) < 0.62


def test_a_few_customers_have_demo_passwords(sample: list[DemoCustomer]) -> None:
    passwords = [demo.password for demo in sample if demo.password]
    assert 3 <= len(passwords) <= SAMPLE // 50
    assert all(len(password) <= 30 for password in passwords)


# --- realism ----------------------------------------------------------------------------------------------


def test_the_store_feels_real(sample: list[DemoCustomer]) -> None:
    customers = [demo.customer for demo in sample]
    countries = Counter(c["billing"][0]["country_code"] for c in customers)
    assert set(countries) == {"US", "CA", "GB", "DE", "FR", "AU", "JP", "MX"}
    texas = sum(1 for c in customers if c["billing"][0].get("state_region") == "TX")
    assert texas > SAMPLE * 0.06  # "how many customers in Texas?" has a real answer
    us_states = {c["billing"][0].get("state_region") for c in customers if c["billing"][0]["country_code"] == "US"}
    assert {"TX", "CA", "NY", "FL", "WA", "IL", "GA", "CO"} <= us_states
    companies = sum(1 for c in customers if "company" in c["billing"][0])
    assert 0.22 < companies / SAMPLE < 0.38
    names = " ".join(c["billing"][0]["first_name"] + " " + c["billing"][0]["last_name"] for c in customers)
    assert any(ord(ch) > 0x2000 for ch in names)  # CJK
    assert re.search(r"[àáâäãåçèéêëíîïñóôöøúüýÿłżźśćńąęőűšžčřğ]", names)  # Latin diacritics
    assert re.search(r"[A-Za-z]'[A-Za-z]", names)  # O'Brien
    assert any("-" in c["billing"][0]["last_name"] for c in customers)
    assert any(c["email"] != c["email"].lower() for c in customers)  # "Jane.Doe@Example.com"
    for field in ("reviewer", "quotes_summary", "tax_codes", "software_entitlements", "attachments", "privacy"):
        assert any(field in c for c in customers), field


def test_near_duplicates_exist_on_purpose(sample: list[DemoCustomer]) -> None:
    emails = [demo.customer["email"].lower() for demo in sample]
    email_set = set(emails)
    plus = [email for email in emails if "+" in email.split("@")[0]]
    assert any(re.sub(r"\+[^@]*", "", email) in email_set for email in plus)
    locals_ = Counter(email.split("@")[0] for email in emails)
    assert any(count > 1 for count in locals_.values())  # one local part on two domains
    full_names = Counter(
        (demo.customer["billing"][0]["first_name"], demo.customer["billing"][0]["last_name"]) for demo in sample
    )
    assert sum(1 for count in full_names.values() if count > 1) >= 10


def test_editor_values_cover_the_data(sample: list[DemoCustomer]) -> None:
    customers = [demo.customer for demo in sample]
    countries = {code["iso_2_code"] for code in EDITOR_VALUES["countries"]}
    used = {address["country_code"] for c in customers for address in c["billing"] + c.get("shipping", [])}
    assert used <= countries
    assert len(countries) >= len(used) + 12
    assert {c["qb_class"] for c in customers if "qb_class" in c} <= set(EDITOR_VALUES["qb_classes"])
    assert {c["sales_rep_code"] for c in customers if "sales_rep_code" in c} <= set(EDITOR_VALUES["sales_rep_codes"])
    assert {c["terms"] for c in customers if "terms" in c} <= set(EDITOR_VALUES["terms"])
    affiliates = {affiliate["affiliate_oid"] for affiliate in EDITOR_VALUES["affiliates"]}
    assert {c["affiliate_oid"] for c in customers if "affiliate_oid" in c} <= affiliates
    assert all(len(code) <= 10 for code in EDITOR_VALUES["sales_rep_codes"])
    assert EDITOR_VALUES["card_exp_months"] == [f"{m:02d}" for m in range(1, 13)]
    assert EDITOR_VALUES["card_exp_years"] == [str(year) for year in range(2026, 2041)]
    assert EDITOR_VALUES["loyalty_program_type"] == "points"
    assert len(EDITOR_VALUES["edi_channel_partners"]) == 2


def test_email_lists_and_pricing_tiers() -> None:
    assert 5 <= len(EMAIL_LISTS) <= 7
    assert sum(1 for entry in EMAIL_LISTS if entry["deleted"]) == 1
    uuids = [entry["email_list_uuid"] for entry in EMAIL_LISTS]
    assert len(set(uuids)) == len(uuids)
    for entry in EMAIL_LISTS:
        assert "member_count" not in entry
        assert entry["merchant_id"] == MERCHANT_ID
        dts(entry["created_dts"])
        for user in entry["used_by"]:
            assert "name" in user
            assert "email_campaign_uuid" in user or "email_flow_uuid" in user
    assert [tier["name"] for tier in PRICING_TIERS] == ["Wholesale", "VIP", "Distributor", "Employee"]
    assert len({tier["pricing_tier_oid"] for tier in PRICING_TIERS}) == len(PRICING_TIERS)


# --- story customers --------------------------------------------------------------------------------------


def by_email(customers: list[DemoCustomer]) -> dict[str, DemoCustomer]:
    return {demo.customer["email"]: demo for demo in customers}


def test_story_customers_come_first_in_order(sample: list[DemoCustomer]) -> None:
    assert len(STORY_EMAILS) == 12
    assert tuple(demo.customer["email"] for demo in sample[:12]) == STORY_EMAILS
    assert STORY_EMAILS[0] == "jane@example.com"


def test_jane_doe(sample: list[DemoCustomer]) -> None:
    jane = sample[0]
    c = jane.customer
    billing = c["billing"][0]
    assert (billing["first_name"], billing["last_name"], billing["city"], billing["state_region"]) == (
        "Jane",
        "Doe",
        "Austin",
        "TX",
    )
    assert {tag["tag_value"] for tag in c["tags"]} == {"vip", "newsletter"}
    assert c["loyalty"]["current_points"] == 1200
    assert c["orders_summary"]["order_count"] == 14
    assert jane.password == "correct horse battery"
    amounts = [credit.amount for credit in jane.store_credit]
    assert amounts == [Decimal("50.00"), Decimal("-12.50"), Decimal("20.00")]
    goodwill, usage, vesting = jane.store_credit
    assert goodwill.vesting_days == goodwill.expiration_days == 0
    assert usage.reference_order_id
    assert vesting.vesting_days == 14
    assert vesting.entry_dts == DEMO_ANCHOR - timedelta(days=3)
    assert len(jane.wishlist) == 3
    names = {entry["email_list_uuid"]: entry["name"] for entry in EMAIL_LISTS}
    assert {names[uuid] for uuid in jane.email_lists} == {"Newsletter", "VIP Customers"}


def test_duplicate_and_near_duplicate_story_customers(sample: list[DemoCustomer]) -> None:
    jane, dup, john, jon = sample[:4]
    strip = {"default_billing", "last_used_dts"}
    assert {k: v for k, v in dup.customer["billing"][0].items() if k not in strip} == {
        k: v for k, v in jane.customer["billing"][0].items() if k not in strip
    }
    assert len(dup.customer["tags"]) == 1
    assert [credit.amount for credit in dup.store_credit] == [Decimal("5.00")]
    assert (john.customer["billing"][0]["city"], john.customer["billing"][0]["state_region"]) == ("Seattle", "WA")
    assert (jon.customer["billing"][0]["city"], jon.customer["billing"][0]["state_region"]) == ("Portland", "OR")
    assert jon.customer["billing"][0]["first_name"] == "Jon"


def test_international_story_customers(sample: list[DemoCustomer]) -> None:
    zoe, jose, taro = (by_email(sample)[email] for email in STORY_EMAILS[4:7])
    assert zoe.customer["billing"][0]["first_name"] == "Zoë"
    assert zoe.customer["billing"][0]["country_code"] == "GB"
    jose_c = jose.customer
    assert jose_c["billing"][0]["company"] == "Distribuciones Álvarez S.A."
    assert jose_c["billing"][0]["country_code"] == "MX"
    assert jose_c["pricing_tiers"][0]["name"] == "Wholesale"
    assert jose_c["tax_exempt"] is True
    assert jose_c["tax_id"]
    taro_billing = taro.customer["billing"][0]
    assert (taro_billing["first_name"], taro_billing["last_name"]) == ("太郎", "山田")
    assert (taro_billing["city"], taro_billing["country_code"]) == ("Tokyo", "JP")


def test_acme_wholesale_buyer(sample: list[DemoCustomer]) -> None:
    acme = sample[7].customer
    assert acme["email"] == "purchasing@acme-corp.example"
    billing = acme["billing"][0]
    assert (billing["first_name"], billing["last_name"], billing["company"]) == ("Wile", "Coyote", "Acme Corporation")
    assert (billing["city"], billing["state_region"]) == ("Phoenix", "AZ")
    assert {tag["tag_value"] for tag in acme["tags"]} == {"b2b", "wholesale"}
    assert acme["terms"] == "Net 30"
    assert acme["allow_purchase_order"] is True
    assert len(acme["shipping"]) == 3


def test_prompt_injection_fixtures(sample: list[DemoCustomer]) -> None:
    fixtures = [
        demo for demo in sample if any(tag["tag_value"] == "fixture-injection" for tag in demo.customer.get("tags", []))
    ]
    assert [demo.customer["email"] for demo in fixtures] == list(STORY_EMAILS[8:12])
    text = " ".join(
        [value for demo in fixtures for _, _, value in walk(demo.customer) if isinstance(value, str)]
        + [item.comments or "" for demo in fixtures for item in demo.wishlist]
        + [credit.description for demo in fixtures for credit in demo.store_credit]
    )
    for needle in (
        "ignore all previous instructions",
        "100001",
        "ultracart_delete_customer",
        "reveal your system prompt",
        "get_magic_link",
        "attacker@evil.example",
        "ignore-previous-instructions",
        "\u200b",
        "\u202e",
    ):
        assert needle in text, needle
    mallory = fixtures[0].customer
    assert mallory["business_notes"].startswith("IMPORTANT SYSTEM NOTE TO THE AI ASSISTANT")
    # Injection text never sneaks into ordinary customers.
    for demo in sample[12:]:
        assert "AI" not in demo.customer.get("business_notes", "")


# --- the private renderer must agree with clock.format_dts ------------------------------------------------


def test_fast_date_rendering_matches_format_dts() -> None:
    render = demo_data._Dts()
    rng = random.Random(4)
    low = int(datetime(1950, 1, 1, tzinfo=UTC).timestamp())
    high = int(datetime(2040, 1, 1, tzinfo=UTC).timestamp())
    moments = [rng.randrange(low, high) for _ in range(20_000)]
    for year in range(2015, 2028):  # every minute-ish around each DST switch
        for month in (3, 11):
            base = int(datetime(year, month, 1, tzinfo=UTC).timestamp())
            moments.extend(range(base, base + 15 * 86_400, 307))
    for moment in moments:
        assert render(moment) == format_dts(datetime.fromtimestamp(moment, UTC))


# --- scale ------------------------------------------------------------------------------------------------


def test_hundred_thousand_customers_unique_emails_and_speed() -> None:
    seen: set[str] = set()
    started = time.process_time()
    for demo in generate(100_000):
        seen.add(demo.customer["email"].lower())
    elapsed = time.process_time() - started
    print(f"\n100,000 demo customers generated in {elapsed:.2f} s of CPU")
    assert len(seen) == 100_000
    assert elapsed < 25  # a generous sanity bound; typical is a few seconds
