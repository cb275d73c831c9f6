"""Every ``UltraCartApi`` method against the in-process sandbox: typed in, typed out."""

from __future__ import annotations

import logging
from decimal import Decimal

import httpx2
import pytest

from tests.conftest import SEED, TEST_NOW
from uc_mcp.core.budget import prune
from uc_mcp.core.errors import BadRequest, InvalidResponse, NotFound
from uc_mcp.core.http import HttpCore, HttpOptions
from uc_mcp.core.logs import configure_logging
from uc_mcp.core.paging import walk
from uc_mcp.ultracart import models as m
from uc_mcp.ultracart.api import UltraCartApi, tag_description
from uc_mcp.ultracart.client import sandbox_api
from uc_mcp.ultracart.sandbox.clock import FixedClock
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio


@pytest.fixture
async def api() -> UltraCartApi:
    box = Sandbox(SandboxOptions(customers=40, seed=SEED, clock=FixedClock(TEST_NOW)))
    client = sandbox_api(box)
    yield client  # type: ignore[misc]
    await client.aclose()
    box.close()


async def test_reads(api: UltraCartApi) -> None:
    page = await api.get_customers(billing_state="tx", sort=["-signup_dts"], expand=["billing"], limit=5)
    assert page.customers
    assert all(any(b.state_region == "TX" for b in c.billing or []) for c in page.customers)
    queried = await api.get_customers_by_query(m.CustomerQuery(emails=["jane@example.com"]), expand="tags")
    assert [c.email for c in queried.customers or []] == ["jane@example.com"]
    jane = (await api.get_customer_by_email("JANE@example.com", expand=["loyalty"])).customer
    assert jane is not None and jane.customer_profile_oid == 100001
    assert jane.loyalty is not None and jane.loyalty.internal_gift_certificate_balance == "37.50"
    assert (await api.get_customer(100001)).customer.email == "jane@example.com"  # type: ignore[union-attr]
    credit = (await api.get_customer_store_credit(100001)).customer_store_credit
    assert credit is not None and credit.available == Decimal("37.50") and credit.vesting == Decimal("20.00")
    wishlist = (await api.get_customer_wish_list(100001)).wishlist_items or []
    assert len(wishlist) == 3
    one = await api.get_customer_wish_list_item(100001, wishlist[0].customer_wishlist_item_oid or 0)
    assert one.wishlist_item is not None
    assert (await api.get_customer_editor_values()).countries
    assert (await api.get_customer_email_lists()).lists
    tables = await api.get_customers_for_data_tables()
    assert tables.records_total == 40
    values = await api.search_customer_profile_values(m.LookupRequest(matches="vip"))
    assert any(v.value == "vip" for v in values.values or [])
    with pytest.raises(NotFound):
        await api.get_customer(1)


async def test_writes(api: UltraCartApi) -> None:
    created = (await api.insert_customer(m.Customer(email="api@example.com", password="pw"), expand="billing")).customer
    assert created is not None and created.customer_profile_oid
    oid = created.customer_profile_oid
    updated = await api.update_customer(oid, m.Customer(business_notes="hello"))
    assert updated.customer is not None and updated.customer.business_notes == "hello"
    with pytest.raises(BadRequest, match="already uses"):
        await api.insert_customer(m.Customer(email="API@example.com"))

    await api.add_customer_store_credit(
        oid,
        m.CustomerStoreCreditAddRequest(amount=Decimal("20.00"), description="Late parcel"),
        request_id="req:abc123",
    )
    credit = (await api.get_customer_store_credit(oid)).customer_store_credit
    assert credit is not None and credit.available == Decimal("20.00")
    assert credit.past_ledgers and credit.past_ledgers[0].description == "Late parcel [req:abc123]"
    adjusted = await api.adjust_internal_certificate(oid, m.AdjustInternalCertificateRequest(adjustment_amount=5))
    assert (adjusted.adjustment_amount, adjusted.balance_amount) == (Decimal("5.00"), Decimal("25.00"))

    item = await api.insert_wish_list_item(oid, m.CustomerWishListItem(merchant_item_oid=50001))
    assert item.customer_wishlist_item_oid
    changed = await api.update_wish_list_item(oid, item.customer_wishlist_item_oid, m.CustomerWishListItem(priority=5))
    assert changed.priority == 5
    await api.delete_wish_list_item(oid, item.customer_wishlist_item_oid)

    lists = (await api.get_customer_email_lists()).lists or []
    changes = await api.update_customer_email_lists(
        oid, m.CustomerEmailListChanges(add_to_lists=[lists[0].email_list_uuid or ""])
    )
    assert changes.add_to_lists == [lists[0].email_list_uuid]
    token = (
        await api.get_email_verification_token(m.EmailVerifyTokenRequest(email="new@example.com", password="x"))
    ).token
    assert token
    first = await api.validate_email_verification_token(m.EmailVerifyTokenValidateRequest(token=token))
    again = await api.validate_email_verification_token(m.EmailVerifyTokenValidateRequest(token=token))
    assert (first.success, again.success) == (True, False)
    link = await api.get_magic_link(oid, "shop.example.com")
    assert (link.url or "").startswith("https://shop.example.com/")

    await api.merge_customer(oid, m.CustomerMergeRequest(customer_profile_oid=100002))
    with pytest.raises(NotFound):
        await api.get_customer(100002)
    await api.delete_customer(oid)
    with pytest.raises(NotFound):
        await api.get_customer(oid)


async def test_pager_walks_all_customers_and_stops_at_caps(api: UltraCartApi) -> None:
    seen = [c["customer_profile_oid"] async for page in walk(api.customer_page, limit=7) for c in page.items]
    assert seen == list(range(100001, 100041))
    capped = walk(api.customer_page, limit=7, max_records=10)
    items = [c async for page in capped for c in page.items]
    assert len(items) == 10
    assert capped.stopped == "max_records"


def test_request_ids_fit_the_description_limit() -> None:
    tagged = tag_description("x" * 80, "req:abcdef")
    assert len(tagged) == 50
    assert tagged.endswith("[req:abcdef]")
    assert tag_description(None, "req:abcdef") == "[req:abcdef]"


async def test_no_urls_or_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    """httpx2 logs full URLs (with emails) at INFO: configured logging holds it at WARNING."""
    logging.getLogger().setLevel(logging.INFO)  # what MCPServer does by default
    configure_logging(verbose=True)
    box = Sandbox(SandboxOptions(customers=5, api_key="canary-key-777"))
    client = sandbox_api(box)
    with caplog.at_level(logging.DEBUG, logger="uc_mcp"):
        await client.get_customer_by_email("jane@example.com")
        with pytest.raises(NotFound):
            await client.get_customer_by_email("nobody@example.com")
    text = caplog.text + repr(client.http.options)
    assert "jane@example.com" not in text
    assert "canary-key-777" not in text
    assert logging.getLogger("httpx2").getEffectiveLevel() >= logging.WARNING
    await client.aclose()
    box.close()


async def test_customer_record_is_the_typed_customer_as_plain_json(api: UltraCartApi) -> None:
    expand = ["billing", "shipping", "tags", "cards", "loyalty", "properties"]
    for oid in range(100001, 100041):
        typed = (await api.get_customer(oid, expand=expand)).customer
        assert typed is not None
        record = await api.customer_record(oid, expand=expand)
        # What a tool shows is the same record either way (typed models keep unknown fields as extras).
        assert record is not None and prune(record) == prune(typed.model_dump(mode="json", by_alias=True))
        by_email = await api.customer_record(email=str(typed.email).upper(), expand=expand)
        assert by_email == record
    with pytest.raises(NotFound):
        await api.customer_record(1)
    with pytest.raises(NotFound):
        await api.customer_record(email="nobody@example.invalid")


def scripted_api(answer: dict[str, object]) -> UltraCartApi:
    """An API client whose every request is answered 200 with ``answer``."""
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=answer))
    return UltraCartApi(
        HttpCore(HttpOptions(base_url="https://api.example.test/rest/v2", headers={}, transport=transport))
    )


@pytest.mark.parametrize(
    ("answer", "error", "expected"),
    [
        ({"success": False, "error": {"user_message": "Customer is locked"}}, BadRequest, "Customer is locked"),
        ({"success": False}, BadRequest, "success=false"),
        ({"success": True, "customer": ["not", "an", "object"]}, InvalidResponse, "not a JSON object"),
    ],
)
async def test_customer_record_refuses_what_is_not_a_customer(
    answer: dict[str, object], error: type[Exception], expected: str
) -> None:
    client = scripted_api(answer)
    with pytest.raises(error, match=expected):
        await client.customer_record(100001)
    await client.aclose()


async def test_customer_record_without_a_customer_is_none() -> None:
    client = scripted_api({"success": True})
    assert await client.customer_record(email="jane@example.com") is None
    await client.aclose()
