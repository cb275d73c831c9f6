"""A customer's side resources through HTTP: store credit, cashback, wishlist, email lists,
email verification tokens, magic links and the editor values.

Expected figures for seeded customers are computed from ``demo_data.generate`` (customer ``i`` has
oid ``100001 + i``) by hand-written rules, never read back from the sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import httpx2
import pytest

from tests.conftest import CUSTOMERS, SEED, TEST_NOW
from tests.ultracart.conformance import check_response
from uc_mcp.ultracart.sandbox.clock import FixedClock, format_dts
from uc_mcp.ultracart.sandbox.demo_data import EDITOR_VALUES, EMAIL_LISTS, DemoCustomer, generate
from uc_mcp.ultracart.sandbox.filters import Profile
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio

FIRST_OID = 100001
JANE, JANE_DUP, JOHN, JON, ZOE = 100001, 100002, 100003, 100004, 100005
UNKNOWN = 999999
LISTS = {lst["name"]: lst["email_list_uuid"] for lst in EMAIL_LISTS}
NEWSLETTER, VIP, LAUNCHES = LISTS["Newsletter"], LISTS["VIP Customers"], LISTS["Product Launches"]
RETIRED = next(lst["email_list_uuid"] for lst in EMAIL_LISTS if lst["deleted"])
TOKEN_URL = "/customer/customers/email_verify/get_token"
VALIDATE_URL = "/customer/customers/email_verify/validate_token"


@cache
def _demo() -> tuple[DemoCustomer, ...]:
    return tuple(generate(CUSTOMERS, SEED))


def demo(oid: int) -> DemoCustomer:
    return _demo()[oid - FIRST_OID]


def cents(amount: Decimal | float) -> int:
    return round(Decimal(str(amount)) * 100)


def hand_credit(oid: int, now: datetime = TEST_NOW) -> dict[str, int]:
    """available/vesting/expiring/total in cents from the customer's DemoCredit entries.

    The rules, applied by hand: a credit is usable once vested and until it expires; a usage
    (negative amount) reduces what is usable; "expiring" is usable credit expiring within 30 days;
    "total" is every credit ever added. (Exact for ledgers whose usages draw on credit that never
    expires, which is what the story customers have.)
    """
    figures = {"available": 0, "vesting": 0, "expiring": 0, "total": 0}
    for credit in demo(oid).store_credit:
        amount = cents(credit.amount)
        if amount < 0:
            figures["available"] += amount
            continue
        figures["total"] += amount
        vests = credit.entry_dts + timedelta(days=credit.vesting_days)
        expires = credit.entry_dts + timedelta(days=credit.expiration_days) if credit.expiration_days else None
        if expires is not None and expires <= now:
            continue
        if vests > now:
            figures["vesting"] += amount
            continue
        figures["available"] += amount
        if expires is not None and expires <= now + timedelta(days=30):
            figures["expiring"] += amount
    return figures


def in_cents(credit: dict[str, Any]) -> dict[str, int]:
    return {key: cents(credit[key]) for key in ("available", "vesting", "expiring", "total")}


def member_counts() -> dict[str, int]:
    counts = dict.fromkeys(LISTS.values(), 0)
    for customer in _demo():
        for uuid in customer.email_lists:
            counts[uuid] += 1
    return counts


def assert_error(response: httpx2.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers.get("UC-REST-ERROR")
    body = response.json()
    assert body["success"] is False
    assert body["error"]["error_code"] == str(status)
    for fragment in fragments:
        assert fragment in body["error"]["user_message"]


async def credit_of(api: httpx2.AsyncClient, oid: int) -> dict[str, Any]:
    response = await api.get(f"/customer/customers/{oid}/store_credit")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    return dict(body["customer_store_credit"])


async def has_certificate(api: httpx2.AsyncClient, oid: int) -> bool:
    response = await api.get(f"/customer/customers/{oid}", params={"_expand": "loyalty"})
    assert response.status_code == 200
    return "internal_gift_certificate_oid" in response.json()["customer"].get("loyalty", {})


async def add_credit(api: httpx2.AsyncClient, oid: int, **body: Any) -> httpx2.Response:
    return await api.post(f"/customer/customers/{oid}/store_credit", json=body)


async def list_counts(api: httpx2.AsyncClient) -> dict[str, int]:
    response = await api.get("/customer/email_lists")
    assert response.status_code == 200
    return {lst["email_list_uuid"]: lst["member_count"] for lst in response.json()["lists"]}


async def _check(response: httpx2.Response) -> None:
    await response.aread()
    check_response(response.request.method, response.request.url.path, response.status_code, response.content)


@pytest.fixture
async def strict_api(clock: FixedClock) -> AsyncIterator[httpx2.AsyncClient]:
    box = Sandbox(SandboxOptions(db=":memory:", customers=20, seed=SEED, clock=clock, profile=Profile.STRICT))
    async with box.client(event_hooks={"response": [_check]}) as client:
        yield client
    box.close()


# -- store credit -----------------------------------------------------------------------------------


async def test_store_credit_of_a_story_customer_matches_a_hand_computation(api: httpx2.AsyncClient) -> None:
    credit = await credit_of(api, JANE)
    expected = hand_credit(JANE)
    assert expected == {"available": 3750, "vesting": 2000, "expiring": 0, "total": 7000}
    assert in_cents(credit) == expected
    goodwill, used, reward = demo(JANE).store_credit
    past = [(e["action"], cents(e["amount"]), e["entry_dts"], e.get("description")) for e in credit["past_ledgers"]]
    assert past == [
        ("Credit", cents(goodwill.amount), format_dts(goodwill.entry_dts), goodwill.description),
        ("Used", cents(used.amount), format_dts(used.entry_dts), used.description),
    ]
    assert credit["past_ledgers"][1]["reference_order_id"] == used.reference_order_id
    [vesting] = credit["future_ledgers"]
    assert vesting["action"] == "Vesting"
    assert cents(vesting["amount"]) == cents(reward.amount)
    assert vesting["entry_dts"] == format_dts(reward.entry_dts + timedelta(days=reward.vesting_days))
    certificate = {e["gift_certificate_oid"] for e in credit["past_ledgers"] + credit["future_ledgers"]}
    assert len(certificate) == 1
    loyalty = (await api.get(f"/customer/customers/{JANE}", params={"_expand": "loyalty"})).json()["customer"][
        "loyalty"
    ]
    assert loyalty["internal_gift_certificate_oid"] == certificate.pop()
    assert loyalty["internal_gift_certificate_balance"] == "37.50"


async def test_store_credit_that_expired_before_now(api: httpx2.AsyncClient) -> None:
    [credit_row] = demo(ZOE).store_credit
    assert credit_row.entry_dts + timedelta(days=credit_row.expiration_days) < TEST_NOW
    credit = await credit_of(api, ZOE)
    assert in_cents(credit) == hand_credit(ZOE) == {"available": 0, "vesting": 0, "expiring": 0, "total": 1500}
    assert [(e["action"], cents(e["amount"])) for e in credit["past_ledgers"]] == [
        ("Credit", 1500),
        ("Expiring", -1500),
    ]
    assert "future_ledgers" not in credit


async def test_store_credit_of_a_customer_without_any(api: httpx2.AsyncClient) -> None:
    assert not demo(JOHN).store_credit
    credit = await credit_of(api, JOHN)
    assert in_cents(credit) == {"available": 0, "vesting": 0, "expiring": 0, "total": 0}
    assert "past_ledgers" not in credit
    assert "future_ledgers" not in credit


async def test_add_store_credit_returns_base_response_and_raises_available(api: httpx2.AsyncClient) -> None:
    response = await add_credit(api, JANE, amount=12.25, description="Apology for the delay")
    assert response.status_code == 200
    assert response.json() == {"success": True, "metadata": {}}
    credit = await credit_of(api, JANE)
    expected = hand_credit(JANE)
    assert in_cents(credit) == {
        **expected,
        "available": expected["available"] + 1225,
        "total": expected["total"] + 1225,
    }
    last = credit["past_ledgers"][-1]
    assert (last["action"], cents(last["amount"]), last["description"]) == ("Credit", 1225, "Apology for the delay")
    assert last["entry_dts"] == format_dts(TEST_NOW)
    # A customer without a certificate gets one.
    assert (await add_credit(api, JOHN, amount=5)).status_code == 200
    assert in_cents(await credit_of(api, JOHN)) == {"available": 500, "vesting": 0, "expiring": 0, "total": 500}


async def test_vesting_credit_counts_as_vesting_until_it_vests(api: httpx2.AsyncClient, clock: FixedClock) -> None:
    assert (await add_credit(api, JON, amount=40, vesting_days=3, description="Referral")).status_code == 200
    credit = await credit_of(api, JON)
    assert in_cents(credit) == {"available": 0, "vesting": 4000, "expiring": 0, "total": 4000}
    [event] = credit["future_ledgers"]
    assert (event["action"], cents(event["amount"])) == ("Vesting", 4000)
    assert event["entry_dts"] == format_dts(TEST_NOW + timedelta(days=3))
    # A vesting credit cannot be spent yet.
    assert_error(
        await api.post(f"/customer/customers/{JON}/adjust_cashback_balance", json={"adjustment_amount": -1}), 400
    )

    clock.advance(timedelta(days=3, seconds=-1))
    assert in_cents(await credit_of(api, JON))["vesting"] == 4000
    clock.advance(timedelta(seconds=1))
    credit = await credit_of(api, JON)
    assert in_cents(credit) == {"available": 4000, "vesting": 0, "expiring": 0, "total": 4000}
    assert credit["past_ledgers"][-1]["action"] == "Vesting"
    assert "future_ledgers" not in credit


async def test_expiring_credit_is_reported_then_expires(api: httpx2.AsyncClient, clock: FixedClock) -> None:
    assert (await add_credit(api, JON, amount=10, expiration_days=10)).status_code == 200
    credit = await credit_of(api, JON)
    assert in_cents(credit) == {"available": 1000, "vesting": 0, "expiring": 1000, "total": 1000}
    [event] = credit["future_ledgers"]
    assert (event["action"], cents(event["amount"])) == ("Expiring", -1000)
    assert event["entry_dts"] == format_dts(TEST_NOW + timedelta(days=10))

    clock.advance(timedelta(days=10))
    credit = await credit_of(api, JON)
    assert in_cents(credit) == {"available": 0, "vesting": 0, "expiring": 0, "total": 1000}
    assert [(e["action"], cents(e["amount"])) for e in credit["past_ledgers"]] == [
        ("Credit", 1000),
        ("Expiring", -1000),
    ]
    assert credit["past_ledgers"][-1]["entry_dts"] == format_dts(TEST_NOW + timedelta(days=10))


async def test_credit_expiring_later_than_30_days_is_not_yet_expiring(
    api: httpx2.AsyncClient, clock: FixedClock
) -> None:
    assert (await add_credit(api, JON, amount=8, expiration_days=45)).status_code == 200
    assert (await add_credit(api, JON, amount=6, vesting_days=5, expiration_days=20)).status_code == 200
    credit = await credit_of(api, JON)
    # The vesting one is vesting, not expiring, even though it expires within 30 days.
    assert in_cents(credit) == {"available": 800, "vesting": 600, "expiring": 0, "total": 1400}
    clock.advance(timedelta(days=5))
    assert in_cents(await credit_of(api, JON)) == {"available": 1400, "vesting": 0, "expiring": 600, "total": 1400}
    clock.advance(timedelta(days=11))  # day 16: the 45-day credit is now within 30 days of expiry
    assert in_cents(await credit_of(api, JON)) == {"available": 1400, "vesting": 0, "expiring": 1400, "total": 1400}
    clock.advance(timedelta(days=4))  # day 20: the 6.00 expired
    assert in_cents(await credit_of(api, JON)) == {"available": 800, "vesting": 0, "expiring": 800, "total": 1400}
    clock.advance(timedelta(days=25))  # day 45: all gone
    credit = await credit_of(api, JON)
    assert in_cents(credit) == {"available": 0, "vesting": 0, "expiring": 0, "total": 1400}
    assert [e["action"] for e in credit["past_ledgers"]].count("Expiring") == 2


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 1.234}, "amount"),
        ({"amount": 0.001}, "amount"),
        ({}, "amount"),
        ({"amount": "5.00"}, "amount"),
        ({"amount": 5, "vesting_days": 5, "expiration_days": 5}, "expiration_days"),
        ({"amount": 5, "vesting_days": 10, "expiration_days": 3}, "expiration_days"),
        ({"amount": 5, "description": 51}, "description"),
        ({"amount": 1e7}, "amount"),
        ({"amount": 1e26}, "amount"),  # was a 500: too many digits to quantize to cents
        ({"amount": 1.7976931348623157e308}, "amount"),
        ({"amount": 5, "vesting_days": -1}, "vesting_days"),
        ({"amount": 5, "expiration_days": 1.5}, "expiration_days"),
    ],
)
async def test_invalid_store_credit_is_rejected_without_ledger_change(
    api: httpx2.AsyncClient, body: dict[str, Any], fragment: str
) -> None:
    before = await credit_of(api, JANE)
    response = await api.post(f"/customer/customers/{JANE}/store_credit", json=body)
    assert_error(response, 400, fragment)
    assert await credit_of(api, JANE) == before
    # Nor is a certificate created for a customer without one.
    assert_error(await api.post(f"/customer/customers/{JOHN}/store_credit", json=body), 400, fragment)
    assert "past_ledgers" not in await credit_of(api, JOHN)
    assert not await has_certificate(api, JOHN)


async def test_boundaries_of_valid_store_credit(api: httpx2.AsyncClient) -> None:
    assert (await add_credit(api, JOHN, amount=0.01, description="d" * 50)).status_code == 200
    assert (await add_credit(api, JOHN, amount=1, vesting_days=2, expiration_days=3)).status_code == 200
    assert in_cents(await credit_of(api, JOHN)) == {"available": 1, "vesting": 100, "expiring": 0, "total": 101}


async def test_store_credit_of_unknown_customer_is_404(api: httpx2.AsyncClient) -> None:
    assert_error(await api.get(f"/customer/customers/{UNKNOWN}/store_credit"), 404)
    assert_error(await add_credit(api, UNKNOWN, amount=5), 404)


# UltraCart's own Python samples' descriptions (62 and 85 characters).
STORE_CREDIT_SAMPLE = "Customer is super cool and I wanted to give them store credit."
CASHBACK_SAMPLE = "Adjusting customer cashback balance because they called and complained about product."


async def test_store_credit_description_has_no_limit_and_the_ledger_keeps_50(api: httpx2.AsyncClient) -> None:
    """The spec sets no limit on the store-credit request (was: 400 past 50); the ledger entry it
    becomes has maxLength 50, so the ledger keeps the first 50 characters."""
    assert len(STORE_CREDIT_SAMPLE) > 50
    for description in (STORE_CREDIT_SAMPLE, "x" * 5000):
        response = await add_credit(api, JOHN, amount=20, vesting_days=45, expiration_days=365, description=description)
        assert response.status_code == 200, response.text
        ledger = (await credit_of(api, JOHN))["future_ledgers"]
        assert {entry["description"] for entry in ledger} >= {description[:50]}


async def test_cashback_description_keeps_the_documented_limit_and_says_so(api: httpx2.AsyncClient) -> None:
    """AdjustInternalCertificateRequest.description: "50 characters max" (the spec's own text)."""
    url = f"/customer/customers/{JOHN}/adjust_cashback_balance"
    assert len(CASHBACK_SAMPLE) > 50
    response = await api.post(url, json={"adjustment_amount": 59, "description": CASHBACK_SAMPLE})
    assert_error(response, 400, "description", "at most 50 characters", "documents")
    assert CASHBACK_SAMPLE not in response.text
    assert not await has_certificate(api, JOHN)
    fits = await api.post(url, json={"adjustment_amount": 59, "description": CASHBACK_SAMPLE[:50]})
    assert fits.status_code == 200, fits.text


@pytest.mark.parametrize("exponent", [7, 8, 15, 25, 26, 27, 28, 40, 300])
@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize(
    ("path", "field"), [("store_credit", "amount"), ("adjust_cashback_balance", "adjustment_amount")]
)
async def test_every_amount_too_large_is_one_400(
    api: httpx2.AsyncClient, path: str, field: str, exponent: int, sign: int
) -> None:
    """Was: 1e7 to 1e25 gave 400, 1e26 and above 500 (decimal.InvalidOperation)."""
    response = await api.post(f"/customer/customers/{JANE}/{path}", json={field: sign * 10.0**exponent})
    assert_error(response, 400, field, "below 10,000,000")


async def test_every_ledger_entry_has_its_own_id(sandbox: Sandbox) -> None:
    """gift_certificate_ledger_oid is a primary key: an "Expiring" entry used to repeat the id of the
    credit it expires. Checked over every seeded customer's ledger, past and future."""
    store = sandbox.store
    seen: dict[int, tuple[int, str]] = {}
    expiries = 0
    for oid in range(FIRST_OID, FIRST_OID + CUSTOMERS):
        credit = store.get_store_credit(oid)
        for entry in credit.get("past_ledgers", []) + credit.get("future_ledgers", []):
            ledger_oid = entry["gift_certificate_ledger_oid"]
            assert ledger_oid not in seen, (entry, seen[ledger_oid])
            assert 0 < ledger_oid <= 2**31 - 1
            seen[ledger_oid] = (oid, entry["action"])
            expiries += entry["action"] == "Expiring"
    assert expiries > 5, "the seed must hold expiries for this to test anything"


# -- cashback ---------------------------------------------------------------------------------------


async def test_cashback_creates_the_certificate_and_reports_the_balance(api: httpx2.AsyncClient) -> None:
    url = f"/customer/customers/{JOHN}/adjust_cashback_balance"
    assert not await has_certificate(api, JOHN)

    response = await api.post(url, json={"adjustment_amount": 59, "description": "Cashback on order"})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert (body["adjustment_amount"], body["balance_amount"]) == (59, 59)
    after = (await api.get(f"/customer/customers/{JOHN}", params={"_expand": "loyalty"})).json()["customer"]
    assert isinstance(after["loyalty"]["internal_gift_certificate_oid"], int)
    assert after["loyalty"]["internal_gift_certificate_balance"] == "59.00"
    assert after["loyalty"]["current_points"] == demo(JOHN).customer["loyalty"]["current_points"]
    assert in_cents(await credit_of(api, JOHN)) == {"available": 5900, "vesting": 0, "expiring": 0, "total": 5900}

    reduced = (await api.post(url, json={"adjustment_amount": -9.5, "order_id": "DEMO1-0009999"})).json()
    assert (reduced["adjustment_amount"], reduced["balance_amount"]) == (-9.5, 49.5)
    credit = await credit_of(api, JOHN)
    assert in_cents(credit) == {"available": 4950, "vesting": 0, "expiring": 0, "total": 5900}
    assert (credit["past_ledgers"][-1]["action"], credit["past_ledgers"][-1]["reference_order_id"]) == (
        "Used",
        "DEMO1-0009999",
    )

    assert_error(await api.post(url, json={"adjustment_amount": -49.51}), 400, "below zero")
    assert in_cents(await credit_of(api, JOHN))["available"] == 4950
    emptied = (await api.post(url, json={"adjustment_amount": -49.5})).json()
    assert emptied["balance_amount"] == 0
    assert in_cents(await credit_of(api, JOHN))["available"] == 0


async def test_cashback_adds_to_existing_store_credit(api: httpx2.AsyncClient) -> None:
    url = f"/customer/customers/{JANE}/adjust_cashback_balance"
    available = hand_credit(JANE)["available"]
    # Vesting credit is not spendable: taking more than what is available fails.
    too_much = -(available + 1) / 100
    assert_error(await api.post(url, json={"adjustment_amount": too_much}), 400, "adjustment_amount")
    body = (await api.post(url, json={"adjustment_amount": 10})).json()
    assert cents(body["balance_amount"]) == available + 1000
    assert in_cents(await credit_of(api, JANE))["available"] == available + 1000


async def test_backdated_cashback_entries(api: httpx2.AsyncClient) -> None:
    url = f"/customer/customers/{JOHN}/adjust_cashback_balance"
    assert (await api.post(url, json={"adjustment_amount": 59})).json()["balance_amount"] == 59
    # A debit dated before any credit existed could not have been covered: rejected, not lost.
    early = await api.post(url, json={"adjustment_amount": -20, "entry_dts": "2020-01-01T00:00:00Z"})
    assert_error(early, 400, "entry_dts")
    credit = await credit_of(api, JOHN)
    assert in_cents(credit)["available"] == 5900
    assert len(credit["past_ledgers"]) == 1
    # A backdated credit, then a debit dated while it was there.
    ten_days_ago, five_days_ago = TEST_NOW - timedelta(days=10), TEST_NOW - timedelta(days=5)
    added = await api.post(url, json={"adjustment_amount": 10, "entry_dts": format_dts(ten_days_ago)})
    assert added.json()["balance_amount"] == 69
    used = await api.post(url, json={"adjustment_amount": -5, "entry_dts": format_dts(five_days_ago)})
    assert used.json()["balance_amount"] == 64
    # A backdated credit that has already expired adds nothing usable.
    stale = {"adjustment_amount": 7, "expiration_days": 30, "entry_dts": format_dts(TEST_NOW - timedelta(days=60))}
    assert (await api.post(url, json=stale)).json()["balance_amount"] == 64
    credit = await credit_of(api, JOHN)
    assert in_cents(credit) == {"available": 6400, "vesting": 0, "expiring": 0, "total": 7600}
    assert [(e["action"], cents(e["amount"]), e["entry_dts"]) for e in credit["past_ledgers"]] == [
        ("Credit", 700, format_dts(TEST_NOW - timedelta(days=60))),
        ("Expiring", -700, format_dts(TEST_NOW - timedelta(days=30))),
        ("Credit", 1000, format_dts(ten_days_ago)),
        ("Used", -500, format_dts(five_days_ago)),
        ("Credit", 5900, format_dts(TEST_NOW)),
    ]


@pytest.mark.parametrize(
    ("oid", "body", "status"),
    [
        (JOHN, {"adjustment_amount": 0}, 400),
        (JOHN, {}, 400),
        (JOHN, {"adjustment_amount": -1}, 400),
        (JOHN, {"adjustment_amount": 1.005}, 400),
        (JOHN, {"adjustment_amount": 5, "entry_dts": "yesterday"}, 400),
        (JOHN, {"adjustment_amount": 5, "description": "x" * 51}, 400),
        (JOHN, {"adjustment_amount": 1e26}, 400),  # was a 500 (InvalidOperation)
        (JOHN, {"adjustment_amount": -1e300}, 400),
        (UNKNOWN, {"adjustment_amount": 5}, 404),
    ],
)
async def test_invalid_cashback_adjustments(
    api: httpx2.AsyncClient, oid: int, body: dict[str, Any], status: int
) -> None:
    assert_error(await api.post(f"/customer/customers/{oid}/adjust_cashback_balance", json=body), status)
    assert "past_ledgers" not in await credit_of(api, JOHN)
    assert not await has_certificate(api, JOHN)


# -- wishlist -----------------------------------------------------------------------------------------


def wish_tuple(item: dict[str, Any]) -> tuple[Any, ...]:
    return item["merchant_item_oid"], item.get("comments"), item["position"], item["priority"], item["add_dts"]


async def wishlist(api: httpx2.AsyncClient, oid: int) -> list[dict[str, Any]]:
    response = await api.get(f"/customer/customers/{oid}/wishlist")
    assert response.status_code == 200
    return list(response.json()["wishlist_items"])


async def test_wishlist_of_a_story_customer(api: httpx2.AsyncClient) -> None:
    items = await wishlist(api, JANE)
    expected = [
        (w.merchant_item_oid, w.comments, w.position, w.priority, format_dts(w.add_dts)) for w in demo(JANE).wishlist
    ]
    assert [wish_tuple(item) for item in items] == expected
    assert all(item["customer_profile_oid"] == JANE for item in items)


async def test_wishlist_crud(api: httpx2.AsyncClient, clock: FixedClock) -> None:
    existing = await wishlist(api, JANE)
    clock.advance(timedelta(minutes=30))
    response = await api.post(
        f"/customer/customers/{JANE}/wishlist",
        json={"merchant_item_oid": 50040, "comments": "Gift idea", "priority": 4, "customer_profile_oid": JOHN},
    )
    assert response.status_code == 200, response.text
    item = response.json()
    assert "success" not in item  # bare CustomerWishListItem
    assert item["customer_profile_oid"] == JANE
    assert item["customer_wishlist_item_oid"] not in {w["customer_wishlist_item_oid"] for w in existing}
    assert item["position"] == max(w.position for w in demo(JANE).wishlist) + 1
    assert (item["merchant_item_oid"], item["comments"], item["priority"]) == (50040, "Gift idea", 4)
    assert item["add_dts"] == format_dts(TEST_NOW + timedelta(minutes=30))
    item_url = f"/customer/customers/{JANE}/wishlist/{item['customer_wishlist_item_oid']}"

    fetched = await api.get(item_url)
    assert fetched.status_code == 200
    assert fetched.json()["success"] is True
    assert fetched.json()["wishlist_item"] == item
    assert await wishlist(api, JANE) == [*existing, item]

    updated = await api.put(item_url, json={"comments": "Bought one", "priority": 5, "position": 0})
    assert updated.status_code == 200
    changed = updated.json()
    assert "success" not in changed
    assert changed == {**item, "comments": "Bought one", "priority": 5, "position": 0}
    assert (await api.get(item_url)).json()["wishlist_item"] == changed
    assert (await wishlist(api, JANE))[0] == changed  # listed by position

    # Absent or null fields are unchanged.
    kept = await api.put(item_url, json={"comments": None})
    assert kept.json() == changed

    deleted = await api.delete(item_url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(await api.get(item_url), 404)
    assert_error(await api.delete(item_url), 404)
    assert_error(await api.put(item_url, json={"priority": 3}), 404)
    assert await wishlist(api, JANE) == existing


async def test_wishlist_item_of_another_customer_is_404(api: httpx2.AsyncClient) -> None:
    janes = await wishlist(api, JANE)
    foreign = f"/customer/customers/{JANE_DUP}/wishlist/{janes[0]['customer_wishlist_item_oid']}"
    assert_error(await api.get(foreign), 404)
    assert_error(await api.put(foreign, json={"comments": "hijacked"}), 404)
    assert_error(await api.delete(foreign), 404)
    assert await wishlist(api, JANE) == janes
    assert await wishlist(api, JANE_DUP) == []


async def test_wishlist_errors(api: httpx2.AsyncClient) -> None:
    assert_error(await api.get(f"/customer/customers/{UNKNOWN}/wishlist"), 404)
    assert_error(await api.post(f"/customer/customers/{UNKNOWN}/wishlist", json={"merchant_item_oid": 50001}), 404)
    before = await wishlist(api, JOHN)
    assert_error(await api.post(f"/customer/customers/{JOHN}/wishlist", json={"comments": "no item"}), 400)
    too_long = await api.post(
        f"/customer/customers/{JOHN}/wishlist", json={"merchant_item_oid": 1, "comments": "c" * 1025}
    )
    assert_error(too_long, 400, "comments")
    assert_error(await api.post(f"/customer/customers/{JOHN}/wishlist", json={"merchant_item_oid": "50001"}), 400)
    assert await wishlist(api, JOHN) == before
    first = await api.post(f"/customer/customers/{JOHN}/wishlist", json={"merchant_item_oid": 50001})
    assert first.json()["position"] == 1  # an empty wishlist starts at 1


@pytest.mark.parametrize("priority", [-7, 0, 6, 9, 2**31 - 1, -(2**31)])
async def test_wishlist_priority_off_the_documented_scale_is_refused(api: httpx2.AsyncClient, priority: int) -> None:
    """The spec: "3 being low priority and 5 is high priority" (was: any int32 stored)."""
    before = await wishlist(api, JANE)
    url = f"/customer/customers/{JANE}/wishlist"
    assert_error(await api.post(url, json={"merchant_item_oid": 50040, "priority": priority}), 400, "priority")
    item_url = f"{url}/{before[0]['customer_wishlist_item_oid']}"
    assert_error(await api.put(item_url, json={"priority": priority}), 400, "priority")
    assert await wishlist(api, JANE) == before


async def test_wishlist_priority_on_the_scale_is_kept(api: httpx2.AsyncClient) -> None:
    url = f"/customer/customers/{JOHN}/wishlist"
    for priority in range(1, 6):
        item = (await api.post(url, json={"merchant_item_oid": 50000 + priority, "priority": priority})).json()
        assert item["priority"] == priority


# -- email lists --------------------------------------------------------------------------------------


async def test_email_lists_report_live_member_counts(api: httpx2.AsyncClient) -> None:
    response = await api.get("/customer/email_lists")
    assert response.status_code == 200
    lists = response.json()["lists"]
    expected = member_counts()
    assert {lst["email_list_uuid"]: lst["member_count"] for lst in lists} == {
        uuid: count for uuid, count in expected.items() if uuid != RETIRED
    }
    assert RETIRED not in {lst["email_list_uuid"] for lst in lists}


async def test_email_lists_add_and_remove_by_uuid(api: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    counts = await list_counts(api)
    assert sandbox.store.customer_list_uuids(JOHN) == sorted(demo(JOHN).email_lists) == [LAUNCHES]
    response = await api.post(
        f"/customer/customers/{JOHN}/email_lists",
        json={"add_to_lists": [VIP, NEWSLETTER], "remove_from_lists": [LAUNCHES]},
    )
    assert response.status_code == 200
    assert response.json() == {"add_to_lists": [VIP, NEWSLETTER], "remove_from_lists": [LAUNCHES]}  # bare
    assert sandbox.store.customer_list_uuids(JOHN) == sorted([VIP, NEWSLETTER])
    after = await list_counts(api)
    assert after == {**counts, VIP: counts[VIP] + 1, NEWSLETTER: counts[NEWSLETTER] + 1, LAUNCHES: counts[LAUNCHES] - 1}
    # Adding again and removing a list one is not on change nothing.
    again = await api.post(
        f"/customer/customers/{JOHN}/email_lists", json={"add_to_lists": [VIP], "remove_from_lists": [LAUNCHES]}
    )
    assert again.status_code == 200
    assert await list_counts(api) == after


async def test_email_lists_by_name_in_the_default_profile(api: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    counts = await list_counts(api)
    response = await api.post(
        f"/customer/customers/{JANE}/email_lists",
        json={"add_to_lists": ["wholesale updates"], "remove_from_lists": ["VIP CUSTOMERS"]},
    )
    assert response.status_code == 200
    wholesale = LISTS["Wholesale Updates"]
    assert response.json() == {"add_to_lists": [wholesale], "remove_from_lists": [VIP]}
    assert sandbox.store.customer_list_uuids(JANE) == sorted({*demo(JANE).email_lists, wholesale} - {VIP})
    assert await list_counts(api) == {**counts, wholesale: counts[wholesale] + 1, VIP: counts[VIP] - 1}


@pytest.mark.parametrize(
    "body",
    [
        {"add_to_lists": [VIP, "No Such List"]},
        {"add_to_lists": [VIP], "remove_from_lists": [NEWSLETTER, "00000000-0000-0000-0000-000000000000"]},
        {"add_to_lists": [RETIRED]},
        {"add_to_lists": ["Holiday Gift Guide 2023"]},
        {"add_to_lists": [VIP, 7]},
    ],
)
async def test_unknown_email_list_changes_nothing(
    api: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, Any]
) -> None:
    counts = await list_counts(api)
    assert_error(await api.post(f"/customer/customers/{JOHN}/email_lists", json=body), 400)
    assert await list_counts(api) == counts
    assert sandbox.store.customer_list_uuids(JOHN) == sorted(demo(JOHN).email_lists)


async def test_email_list_changes_for_unknown_customer_is_404(api: httpx2.AsyncClient) -> None:
    counts = await list_counts(api)
    assert_error(await api.post(f"/customer/customers/{UNKNOWN}/email_lists", json={"add_to_lists": [VIP]}), 404)
    assert await list_counts(api) == counts


async def test_strict_profile_takes_only_uuids(strict_api: httpx2.AsyncClient) -> None:
    by_name = await strict_api.post(f"/customer/customers/{JOHN}/email_lists", json={"add_to_lists": ["VIP Customers"]})
    assert_error(by_name, 400, "email_list_uuid")
    by_uuid = await strict_api.post(f"/customer/customers/{JOHN}/email_lists", json={"add_to_lists": [VIP]})
    assert by_uuid.json() == {"add_to_lists": [VIP], "remove_from_lists": []}


# -- email verification tokens --------------------------------------------------------------------


async def validate(api: httpx2.AsyncClient, token: str) -> dict[str, Any]:
    response = await api.post(VALIDATE_URL, json={"token": token})
    assert response.status_code == 200
    return dict(response.json())


async def test_token_for_a_new_email_validates_once(api: httpx2.AsyncClient) -> None:
    response = await api.post(TOKEN_URL, json={"email": "brand.new@example.com", "password": "anything"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert isinstance(token, str)
    assert len(token) >= 16
    other = (await api.post(TOKEN_URL, json={"email": "brand.new@example.com", "password": "anything"})).json()["token"]
    assert other != token
    assert (await validate(api, token))["success"] is True
    second = await validate(api, token)
    assert second["success"] is False
    assert second["error"]["user_message"]
    assert (await validate(api, other))["success"] is True


async def test_token_for_a_customer_with_a_password_checks_it(api: httpx2.AsyncClient) -> None:
    password = demo(JANE).password
    assert password
    assert_error(await api.post(TOKEN_URL, json={"email": "jane@example.com", "password": "wrong"}), 400)
    assert_error(await api.post(TOKEN_URL, json={"email": "JANE@example.com", "password": password.upper()}), 400)
    response = await api.post(TOKEN_URL, json={"email": "JANE@example.com", "password": password})
    assert response.status_code == 200
    assert (await validate(api, response.json()["token"]))["success"] is True
    # A customer without a password (the duplicate) has nothing to check against.
    assert demo(JANE_DUP).password is None
    assert (await api.post(TOKEN_URL, json={"email": "jane.doe@example.com", "password": "x"})).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not an email", "password": "x"},
        {"email": "", "password": "x"},
        {"email": "a@example.com"},
        {"password": "x"},
        {"email": 5},
    ],
)
async def test_token_request_needs_an_email_and_password(api: httpx2.AsyncClient, body: dict[str, Any]) -> None:
    assert_error(await api.post(TOKEN_URL, json=body), 400)


async def test_token_expires_after_a_day(api: httpx2.AsyncClient, clock: FixedClock) -> None:
    early = (await api.post(TOKEN_URL, json={"email": "late@example.com", "password": "pw"})).json()["token"]
    late = (await api.post(TOKEN_URL, json={"email": "late@example.com", "password": "pw"})).json()["token"]
    clock.advance(timedelta(hours=23))
    assert (await validate(api, early))["success"] is True
    clock.advance(timedelta(hours=2))
    assert (await validate(api, late))["success"] is False


async def test_unknown_or_missing_token(api: httpx2.AsyncClient) -> None:
    assert (await validate(api, "no-such-token"))["success"] is False
    assert_error(await api.post(VALIDATE_URL, json={}), 400, "token")
    assert_error(await api.post(VALIDATE_URL, json={"token": 12}), 400, "token")


# -- magic links ------------------------------------------------------------------------------------


async def test_magic_link_names_the_storefront(api: httpx2.AsyncClient) -> None:
    response = await api.put(f"/customer/customers/{JANE}/magic_link/Shop.Example.com")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    url = httpx2.URL(body["url"])
    assert url.scheme == "https"
    assert url.host == "shop.example.com"
    again = (await api.put(f"/customer/customers/{JANE}/magic_link/shop.example.com")).json()["url"]
    assert again != body["url"]  # a fresh link each time


@pytest.mark.parametrize(
    "host", ["localhost", "bad_host.example.com", "-shop.example.com", "shop..example.com", "1.2.3.4"]
)
async def test_magic_link_bad_host_is_400(api: httpx2.AsyncClient, host: str) -> None:
    assert_error(await api.put(f"/customer/customers/{JANE}/magic_link/{host}"), 400, "storefront_host_name")


async def test_magic_link_unknown_customer_is_404(api: httpx2.AsyncClient) -> None:
    assert_error(await api.put(f"/customer/customers/{UNKNOWN}/magic_link/shop.example.com"), 404)


# -- editor values ----------------------------------------------------------------------------------


async def test_editor_values_are_a_bare_object(api: httpx2.AsyncClient) -> None:
    response = await api.get("/customer/editor_values")
    assert response.status_code == 200
    body = response.json()
    assert "success" not in body
    assert "metadata" not in body
    assert body == EDITOR_VALUES
