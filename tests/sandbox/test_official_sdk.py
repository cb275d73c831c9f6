"""UltraCart's official Python SDK (generated from its OpenAPI) works against the sandbox unchanged.

The SDK type-checks every response it deserialises, so this is a second, independent
conformance check next to ``tests/conformance.py``. All 24 operations are called over a real
socket with nothing but the SDK's own ``fromApiKey`` set-up and a different host.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ultracart")

from ultracart import ApiClient, Configuration
from ultracart.apis import CustomerApi
from ultracart.exceptions import ApiException, NotFoundException
from ultracart.model.adjust_internal_certificate_request import AdjustInternalCertificateRequest
from ultracart.model.customer import Customer
from ultracart.model.customer_billing import CustomerBilling
from ultracart.model.customer_email_list_changes import CustomerEmailListChanges
from ultracart.model.customer_merge_request import CustomerMergeRequest
from ultracart.model.customer_query import CustomerQuery
from ultracart.model.customer_store_credit_add_request import CustomerStoreCreditAddRequest
from ultracart.model.customer_wish_list_item import CustomerWishListItem
from ultracart.model.email_verify_token_request import EmailVerifyTokenRequest
from ultracart.model.email_verify_token_validate_request import EmailVerifyTokenValidateRequest
from ultracart.model.lookup_request import LookupRequest

from tests.servers import sandbox_server


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    db: Path = tmp_path_factory.mktemp("sdk") / "store.sqlite3"
    with sandbox_server(db, "--customers", "60") as base:
        # Exactly what CustomerApi.fromApiKey does, pointed at the sandbox.
        config = Configuration(host=base)
        config.api_key["x-ultracart-simple-key"] = "sandbox-key"
        client = ApiClient(configuration=config, header_name="X-UltraCart-Api-Version", header_value="2017-03-01")
        yield CustomerApi(client)


def test_reads(sdk: Any) -> None:
    page = sdk.get_customers(billing_state="TX", limit=5, expand="billing,shipping,tags,loyalty,orders_summary")
    assert page.success is True
    assert 0 < len(page.customers) <= 5
    assert all(any(b.state_region.upper() == "TX" for b in c.billing) for c in page.customers)
    queried = sdk.get_customers_by_query(
        CustomerQuery(emails=["jane@example.com", "JOHN.SMITH@example.com"]), sort="+email"
    )
    assert [c.email for c in queried.customers] == ["jane@example.com", "john.smith@example.com"]
    jane = sdk.get_customer_by_email("jane@example.com", expand="tags,loyalty").customer
    assert jane.customer_profile_oid == 100001
    assert {t.tag_value for t in jane.tags} >= {"vip", "newsletter"}
    assert sdk.get_customer(100001).customer.email == "jane@example.com"
    credit = sdk.get_customer_store_credit(100001).customer_store_credit
    assert credit.total >= credit.available > 0
    assert len(sdk.get_customer_wish_list(100001).wishlist_items) == 3
    item = sdk.get_customer_wish_list(100001).wishlist_items[0]
    assert sdk.get_customer_wish_list_item(100001, item.customer_wishlist_item_oid).wishlist_item.merchant_item_oid
    assert sdk.get_customer_editor_values().card_types
    assert sdk.get_customer_email_lists().lists
    values = sdk.search_customer_profile_values(LookupRequest(matches="vi", max_hits=5)).values
    assert any(v.value == "vip" for v in values)
    tables = sdk.get_customers_for_data_tables()
    assert tables.records_total == 60
    with pytest.raises(NotFoundException):
        sdk.get_customer(999999)


def test_writes(sdk: Any) -> None:
    created = sdk.insert_customer(
        Customer(
            email="sdk.user@example.com",
            password="s3cret-pass",
            billing=[CustomerBilling(first_name="Sdk", last_name="User", country_code="US", state_region="TX")],
        ),
        expand="billing",
    ).customer
    oid = created.customer_profile_oid
    assert created.billing[0].customer_billing_oid > 0
    updated = sdk.update_customer(oid, Customer(business_notes="Called about an order"), expand="billing").customer
    assert updated.business_notes == "Called about an order"
    assert updated.billing[0].first_name == "Sdk"
    with pytest.raises(ApiException) as taken:
        sdk.insert_customer(Customer(email="SDK.USER@example.com"))
    assert taken.value.status == 400

    sdk.add_customer_store_credit(oid, CustomerStoreCreditAddRequest(amount=20.0, description="Late parcel"))
    assert sdk.get_customer_store_credit(oid).customer_store_credit.available == 20.0
    adjusted = sdk.adjust_internal_certificate(oid, AdjustInternalCertificateRequest(adjustment_amount=5.0))
    assert (adjusted.adjustment_amount, adjusted.balance_amount) == (5.0, 25.0)

    item = sdk.insert_wish_list_item(oid, CustomerWishListItem(merchant_item_oid=50001, priority=4))
    changed = sdk.update_wish_list_item(oid, item.customer_wishlist_item_oid, CustomerWishListItem(comments="gift"))
    assert changed.comments == "gift"
    sdk.delete_wish_list_item(oid, item.customer_wishlist_item_oid)
    assert sdk.get_customer_wish_list(oid).wishlist_items == []

    lists = sdk.get_customer_email_lists().lists
    changes = sdk.update_customer_email_lists(oid, CustomerEmailListChanges(add_to_lists=[lists[0].email_list_uuid]))
    assert changes.add_to_lists == [lists[0].email_list_uuid]

    token = sdk.get_email_verification_token(
        EmailVerifyTokenRequest(email="new.signup@example.com", password="pw-123456")
    ).token
    assert sdk.validate_email_verification_token(EmailVerifyTokenValidateRequest(token=token)).success is True
    assert sdk.validate_email_verification_token(EmailVerifyTokenValidateRequest(token=token)).success is False

    url = sdk.get_magic_link(oid, "shop.example.com").url
    assert url.startswith("https://shop.example.com/")

    duplicate = sdk.insert_customer(Customer(email="sdk.duplicate@example.com")).customer
    sdk.add_customer_store_credit(duplicate.customer_profile_oid, CustomerStoreCreditAddRequest(amount=1.5))
    assert sdk.merge_customer(oid, CustomerMergeRequest(email="sdk.duplicate@example.com")) is None
    assert sdk.get_customer_store_credit(oid).customer_store_credit.available == 26.5
    with pytest.raises(NotFoundException):
        sdk.get_customer(duplicate.customer_profile_oid)

    assert sdk.delete_customer(oid) is None
    with pytest.raises(NotFoundException):
        sdk.get_customer(oid)
