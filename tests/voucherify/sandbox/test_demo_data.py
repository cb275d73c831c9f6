"""The demo data: deterministic from the seed, prefix-stable, reopened unchanged; the same people as UltraCart's
demo store where it makes sense (checked against UltraCart's own demo set, so a cross-provider issue can rely on
it); planted instruction-like text the server flags; summaries that agree with the activity and redeemables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import pytest

from uc_mcp.core.planted import planted_fields
from uc_mcp.ultracart.sandbox import demo_data as ultracart_demo
from uc_mcp.voucherify.sandbox import demo_data
from uc_mcp.voucherify.sandbox.queries import CustomerQuery
from uc_mcp.voucherify.sandbox.runtime import Sandbox
from uc_mcp.voucherify.sandbox.store import SandboxStore

pytestmark = pytest.mark.anyio


def emails(people: Any) -> list[str]:
    return [person.fields["email"] for person in people if "email" in person.fields]


def test_the_same_seed_gives_the_same_data_and_a_shorter_run_is_a_prefix() -> None:
    assert list(demo_data.generate(60, 7)) == list(demo_data.generate(60, 7))
    assert list(demo_data.generate(25, 7)) == list(demo_data.generate(60, 7))[:25]
    assert emails(demo_data.generate(60, 7)) != emails(demo_data.generate(60, 8))
    assert emails(demo_data.generate(16, 7)) == emails(demo_data.generate(16, 8))  # the story is the same


def test_stores_of_one_seed_are_identical_and_another_seed_differs() -> None:
    def dump(seed: int) -> list[dict[str, Any]]:
        store = SandboxStore.open(":memory:", customers=40, seed=seed)
        try:
            return list(store.list_customers(CustomerQuery(limit=100))["customers"])
        finally:
            store.close()

    assert dump(5) == dump(5)
    assert [c["id"] for c in dump(5)] != [c["id"] for c in dump(6)]


def test_an_existing_database_is_reopened_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite3"
    store = SandboxStore.open(path, customers=30, seed=3)
    jane = store.get_customer("uc-100001")
    store.close()
    again = SandboxStore.open(path, customers=500, seed=99)  # a second open seeds nothing
    try:
        assert again.count_customers() == 30
        assert again.get_customer("uc-100001") == jane
        assert again.seed == 3
    finally:
        again.close()


def test_the_same_people_as_ultracart_by_email() -> None:
    """Which Voucherify story emails match UltraCart's story exactly, which by case only, which are only here."""
    ours = {email for email in demo_data.STORY_EMAILS if email}
    theirs = set(ultracart_demo.STORY_EMAILS)
    exact = ours & theirs
    by_case = {email for email in ours - exact if email.lower() in {other.lower() for other in theirs}}
    only_here = ours - exact - by_case
    assert exact == {
        "jane@example.com",
        "jon.smith@example.com",
        "zoe.bronte@example.co.uk",
        "taro.yamada@example.jp",
        "mallory.injector@example.net",
        "eve.harlow@example.com",
    }
    assert by_case == {"John.Smith@example.com", "Purchasing@Acme-Corp.example"}
    assert only_here == {
        "j.alvarez@example.mx",  # José's older address (UltraCart: jose.alvarez@example.mx)
        "oscar.pell@oldmail.example",  # Oscar's older address (UltraCart: oscar.pell@example.com)
        "priya.raman@example.in",
        "amara.okafor@example.ng",
        "lukas.becker@example.de",
        "sofia.rossi@example.it",
    }
    matched = {email.lower() for email in exact | by_case}
    assert len(matched) > len(theirs) / 2  # most of UltraCart's story people are here
    # STORY_LINKS says the same, relation by relation.
    for here, there, relation in demo_data.STORY_LINKS:
        expected = {"same": here in exact, "case": here in by_case, "older": here in only_here, "here": there is None}
        assert expected[relation], (here, relation)
        if relation in ("same", "case", "older"):
            assert there in theirs


def test_generated_people_collide_with_nobody_elses() -> None:
    ultracart = {c.customer["email"].lower() for c in ultracart_demo.generate(250, 2017)}
    ours = [email.lower() for email in emails(demo_data.generate(400, 2018))[16:]]
    assert len(ours) == len(set(ours)) and not set(ours) & ultracart


def test_every_person_has_a_source_id_and_some_have_a_birthdate() -> None:
    people = list(demo_data.generate(120, 2018))
    assert all(person.source_id for person in people)
    assert len({person.source_id for person in people}) == len(people)
    assert 10 < sum("birthdate" in person.fields for person in people) < 100
    assert all(person.created_at <= int(demo_data.DEMO_ANCHOR.timestamp() * 1000) for person in people)


async def test_planted_instructions_are_there_and_flagged(voucherify_api: httpx2.AsyncClient) -> None:
    mallory = (await voucherify_api.get("/v1/customers/uc-100009")).json()
    eve = (await voucherify_api.get("/v1/customers/uc-100011")).json()
    assert set(planted_fields(mallory)) == {"description", "metadata.notes_for_ai"}
    assert planted_fields(eve) == ["metadata.support_note"]
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    assert planted_fields(jane) == []


async def test_summaries_agree_with_activity_and_redeemables(voucherify_sandbox: Sandbox) -> None:
    # A plain client: the answers' shapes are checked elsewhere (conformance of every event is slow to check).
    async with voucherify_sandbox.client() as api:
        listed = (await api.get("/v1/customers", params={"limit": 50, "order": "created_at"})).json()
        checked = 0
        for customer in listed["customers"]:
            path = f"/v1/customers/{customer['id']}"
            events = (await api.get(path + "/activity", params={"limit": 100})).json()["data"]
            held = (await api.get(path + "/redeemables", params={"limit": 100})).json()["data"]
            paid = [e for e in events if e["type"] == "customer.order.paid"]
            orders = customer["summary"]["orders"]
            assert orders["total_count"] == len(paid)
            assert orders["total_amount"] == sum(e["data"]["data"]["order"]["amount"] for e in paid)
            cards = [h for h in held if h["voucher_type"] == "LOYALTY_CARD"]
            balances = sum(h["redeemable"]["voucher"]["loyalty_card"]["balance"] for h in cards)
            assert customer["loyalty"]["points"] == balances
            redemptions = customer["summary"]["redemptions"]
            assert redemptions["total_succeeded"] == sum(e["type"] == "customer.redemption.succeeded" for e in events)
            assert redemptions["total_failed"] == sum(e["type"] == "customer.redemption.failed" for e in events)
            checked += bool(paid)
    assert checked > 20


async def test_the_story_has_what_the_workflows_need(voucherify_api: httpx2.AsyncClient) -> None:
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    assert jane["loyalty"]["referred_customers"] == 2 and jane["birthdate"] == "1986-07-09"
    priya = (await voucherify_api.get("/v1/customers/shop-priya-raman")).json()
    assert priya["referrals"]["total"] == 1 and priya["referrals"]["campaigns"][0]["referrer_id"] == jane["id"]
    walk_in = (await voucherify_api.get("/v1/customers/pos-000731")).json()
    assert "email" not in walk_in and "name" not in walk_in and walk_in["address"] is None
    kinds = set()
    for page in (1, 2):
        params = {"limit": 100, "page": page}
        for customer in (await voucherify_api.get("/v1/customers", params=params)).json()["customers"]:
            path = f"/v1/customers/{customer['id']}/redeemables"
            for item in (await voucherify_api.get(path, params={"limit": 100})).json()["data"]:
                kinds.add((item["voucher_type"], item["holder_role"], item["redeemable"]["status"]))
    assert {(voucher, role) for voucher, role, _ in kinds} == {
        ("LOYALTY_CARD", "OWNER"),
        ("GIFT_VOUCHER", "OWNER"),
        ("DISCOUNT_VOUCHER", "OWNER"),
        ("DISCOUNT_VOUCHER", "REFERRER"),
        ("DISCOUNT_VOUCHER", "REFEREE"),
    }
    statuses = {"ACTIVE", "USED", "DISABLED", "NOT_ACTIVE_YET", "EXPIRED", "NO_BALANCE"}
    assert {status for _, _, status in kinds} == statuses
