"""The demo data: deterministic from the seed, prefix-stable, reopened unchanged; two tenants; the same people as
UltraCart's and Voucherify's demo sets where it makes sense (checked against their own demo data, so a
cross-provider issue can rely on it); consent, addresses in TWC's format, wishlists; planted instruction-like text
the server flags."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.twc.conftest import TWC_OTHER_TENANT, TWC_TENANT
from uc_mcp.core.planted import planted_fields
from uc_mcp.twc.sandbox import demo_data
from uc_mcp.twc.sandbox.runtime import SERVICE_PATH, Sandbox, SandboxOptions
from uc_mcp.twc.sandbox.store import SandboxStore
from uc_mcp.ultracart.sandbox import demo_data as ultracart_demo
from uc_mcp.voucherify.sandbox import demo_data as voucherify_demo

pytestmark = pytest.mark.anyio

CUSTOMERS = SERVICE_PATH + "/customers"


def emails(tenant: str, count: int, seed: int) -> list[str]:
    return [person.doc["email"] for person in demo_data.generate(tenant, count, seed)]


def test_the_same_seed_gives_the_same_data_and_a_shorter_run_is_a_prefix() -> None:
    for tenant in demo_data.DEMO_TENANTS:
        assert list(demo_data.generate(tenant, 60, 7)) == list(demo_data.generate(tenant, 60, 7))
        assert list(demo_data.generate(tenant, 25, 7)) == list(demo_data.generate(tenant, 60, 7))[:25]
        assert emails(tenant, 60, 7) != emails(tenant, 60, 8)
    story = len(demo_data.story_emails(TWC_TENANT))
    assert emails(TWC_TENANT, story, 7) == emails(TWC_TENANT, story, 8) == list(demo_data.story_emails(TWC_TENANT))


def test_emails_and_refs_are_unique_within_each_tenant() -> None:
    for tenant in demo_data.DEMO_TENANTS:
        people = list(demo_data.generate(tenant, 400, 2019))
        keys = [person.doc["email"].casefold() for person in people]
        refs = [person.doc["customerRef"] for person in people if "customerRef" in person.doc]
        ids = [person.id for person in people]
        assert len(set(keys)) == len(keys) and len(set(refs)) == len(refs) and len(set(ids)) == len(ids)


def test_an_existing_database_is_reopened_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "twc.sqlite3"
    store = SandboxStore.open(path, customers=20, seed=3)
    jane = store.get(TWC_TENANT, "customerRef", "100001")
    key = store.signing_key
    store.close()
    again = SandboxStore.open(path, customers=500, seed=99)  # a second open seeds nothing
    try:
        assert again.count_customers() == 40 and again.count_customers(TWC_TENANT) == 20
        assert again.get(TWC_TENANT, "customerRef", "100001") == jane
        assert again.seed == 3 and again.signing_key == key  # tokens survive a restart
    finally:
        again.close()


def test_the_same_people_as_ultracart_and_voucherify_by_email() -> None:
    """Which TWC story emails are in UltraCart's story, in Voucherify's (whatever the case), in both, or in neither;
    STORY_LINKS says the same, relation by relation."""
    ultracart = {email.casefold() for email in ultracart_demo.STORY_EMAILS}
    voucherify = {email.casefold() for email in voucherify_demo.STORY_EMAILS if email}
    ours = {email for email in demo_data.story_emails(TWC_TENANT)}
    in_both = {email for email in ours if email.casefold() in ultracart and email.casefold() in voucherify}
    only_ultracart = {email for email in ours if email.casefold() in ultracart} - in_both
    only_voucherify = {email for email in ours if email.casefold() in voucherify} - in_both
    assert in_both == {
        "jane@example.com",
        "john.smith@example.com",
        "jon.smith@example.com",
        "zoe.bronte@example.co.uk",
        "taro.yamada@example.jp",
        "purchasing@acme-corp.example",
        "mallory.injector@example.net",
    }
    assert only_ultracart == {"jose.alvarez@example.mx", "oscar.pell@example.com"}
    assert only_voucherify == {"priya.raman@example.in", "lukas.becker@example.de"}
    assert ours - in_both - only_ultracart - only_voucherify == {
        "chloe.nguyen@example.com.au",
        "liam.oconnor@example.com.au",
        "mia.walker@example.com.au",
    }
    for tenant, here, there_uc, there_v, relation in demo_data.STORY_LINKS:
        in_uc, in_v = here.casefold() in ultracart, here.casefold() in voucherify
        expected = {
            "both": in_uc and in_v,
            "ultracart": in_uc and not in_v,
            "voucherify": in_v and not in_uc,
            "here": not in_uc and not in_v,
        }
        assert expected[relation], (tenant, here, relation)
        assert (there_uc is not None) == in_uc and (there_v is not None) == in_v
        if there_uc is not None:
            assert there_uc in ultracart_demo.STORY_EMAILS
        if there_v is not None:
            assert there_v in voucherify_demo.STORY_EMAILS


def test_generated_people_collide_with_nobody_elses() -> None:
    others = {c.customer["email"].casefold() for c in ultracart_demo.generate(250, 2017)}
    others |= {p.fields["email"].casefold() for p in voucherify_demo.generate(200, 2018) if "email" in p.fields}
    for tenant in demo_data.DEMO_TENANTS:
        story = len(demo_data.story_emails(tenant))
        assert not {email.casefold() for email in emails(tenant, 200, 2019)[story:]} & others


async def test_planted_instructions_are_there_and_flagged(twc_api: httpx2.AsyncClient) -> None:
    mallory = (await twc_api.get(f"{CUSTOMERS}/100009/ref")).json()
    assert set(planted_fields(mallory)) == {
        "addresses[0].addressName",
        "defaultAddress.addressName",  # the response-only copy of the same address
        "attributeGroups.crm_notes.attributes.note",
    }
    jane = (await twc_api.get(f"{CUSTOMERS}/100001/ref")).json()
    assert planted_fields(jane) == []


async def test_the_story_has_what_the_workflows_need(
    twc_api: httpx2.AsyncClient, twc_other_api: httpx2.AsyncClient
) -> None:
    jane = (await twc_api.get(f"{CUSTOMERS}/100001/ref")).json()
    assert jane["dob"] == "09-07-1986" and jane["loyaltyTier"] == "Gold" and jane["vipStatus"] is True
    assert jane["defaultAddress"]["provinceCode"] == "TX" and jane["defaultAddress"]["country"] == "United States"
    assert jane["optin_preferences"]["email"]["opt_in_active"] and jane["optin_preferences"]["sms"]["opt_in_active"]
    john = (await twc_api.get(f"{CUSTOMERS}/100003/ref")).json()
    # Opted out of email (after opting in), still in for SMS: the consent question.
    assert john["optin_preferences"]["email"]["opt_in_active"] is False
    assert "opted_in_at" in john["optin_preferences"]["email"] and john["optin_preferences"]["sms"]["opt_in_active"]
    mia = (await twc_api.get(f"{CUSTOMERS}/search", params={"email": "mia.walker@example.com.au"})).json()[0]
    assert "customerRef" not in mia and "firstName" not in mia and "addresses" not in mia
    states = set()
    for last in ("Smith", "Nguyen", "O'Connor", "Pell", "Taylor"):
        for customer in (await twc_api.get(f"{CUSTOMERS}/search", params={"lastName": last})).json():
            states.add(customer["customer_state"])
    assert states == {"enabled", "invited", "declined", "disabled"}
    aroha = (await twc_other_api.get(f"{CUSTOMERS}/HW-0002/ref")).json()
    assert aroha["addresses"][0]["countryCode"] == "NZ"
    assert (await twc_api.get(f"{CUSTOMERS}/HW-0002/ref")).status_code == 404


def test_every_tenant_gets_its_customers_and_wishlists(twc_sandbox: Sandbox) -> None:
    store = twc_sandbox.store
    assert store.count_customers(TWC_TENANT) == store.count_customers(TWC_OTHER_TENANT) == 40
    for tenant in (TWC_TENANT, TWC_OTHER_TENANT):
        lists = store.wishlists(tenant)
        assert len(lists) > 10 and all(w["items"] and w["customerId"] for w in lists)


def test_a_tenant_without_a_story_gets_generated_people(twc_sandbox: Sandbox) -> None:
    box = Sandbox(SandboxOptions(customers=5, tenants={"acme-au": ("acme-api", "acme-secret")}))
    try:
        assert box.store.count_customers("acme-au") == 5 and box.default_tenant == "acme-au"
        assert box.store.search("acme-au", {"email": "jane@example.com"}) == []
    finally:
        box.close()
