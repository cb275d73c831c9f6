"""UltraCart's official Python SDK (generated from its OpenAPI) works against the sandbox unchanged.

The SDK type-checks every response it deserialises, so this is a second, independent
conformance check next to ``tests/conformance.py``. All 24 operations are called over a real
socket with nothing but the SDK's own ``fromApiKey`` set-up and a different host.

Then every Python sample of UltraCart's customer documentation (``sdk_samples/python/customer``) runs
against the sandbox, one test each, with the sample's own data (its descriptions, amounts, days,
priorities, storefront and emails). Where a sample is wrong for this SDK or for the spec whatever the
server answers, the test does what the sample means and pins the sample's mistake beside it:

- ``if api_response.error is not None:`` raises ``ApiAttributeError`` on any success: success
  answers carry no ``error`` (app.py says why; ``"error": null`` would make the SDK refuse every
  answer), so the check is written ``getattr(api_response, "error", None)``;
- ``get_customer(oid, expand)``, ``update_customer(oid, customer, expand)`` and
  ``get_customers_by_query(query, offset, limit, ...)`` pass positionally what the SDK takes as
  keywords (``TypeError``);
- two wishlist samples read ``.wishlist_item`` / ``['wishlist_item']`` off ``insert_wish_list_item``,
  whose answer the spec declares a bare ``CustomerWishListItem``;
- ``adjustment_amount=59`` and ``amount=20`` are ints where the SDK's models take floats only
  (``ApiTypeError`` before anything is sent);
- the samples' items come from the item API (not in this subset): demo item oids stand in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ultracart")

from ultracart import ApiClient, Configuration
from ultracart.apis import CustomerApi
from ultracart.exceptions import ApiAttributeError, ApiException, ApiTypeError, NotFoundException
from ultracart.model.adjust_internal_certificate_request import AdjustInternalCertificateRequest
from ultracart.model.base_response import BaseResponse
from ultracart.model.customer import Customer
from ultracart.model.customer_billing import CustomerBilling
from ultracart.model.customer_email_list_changes import CustomerEmailListChanges
from ultracart.model.customer_merge_request import CustomerMergeRequest
from ultracart.model.customer_query import CustomerQuery
from ultracart.model.customer_shipping import CustomerShipping
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


# -- the documentation's samples ------------------------------------------------------------------

SAMPLE_EMAIL = "test@ultracart.com"  # the account the samples read (exists in UltraCart's sample store)
SAMPLE_PASSWORD = "squirrel"
FIRST_ITEM, SECOND_ITEM = 50011, 50012  # stand-ins for insert_sample_item_and_get_oid()


def sample_error(api_response: Any) -> Any:
    """The samples' ``api_response.error``, as this SDK can read it: None on a success."""
    return getattr(api_response, "error", None)


@pytest.fixture(scope="module")
def sample_store(sdk: Any) -> Any:
    """The customer the samples expect in the account they run against."""
    sdk.insert_customer(Customer(email=SAMPLE_EMAIL, password=SAMPLE_PASSWORD))
    return sdk


def insert_sample_customer(sdk: Any, email: str) -> int:
    """customer_functions.insert_sample_customer: a GA address as billing and shipping."""
    rand = email.removeprefix("sample_").removesuffix(".test.com")
    address = {
        "first_name": f"First{rand}",
        "last_name": f"Last{rand}",
        "company": f"Company{rand}",
        "country_code": "US",
        "state_region": "GA",
        "city": "Duluth",
        "postal_code": "30097",
        "address1": "11960 Johns Creek Parkway",
    }
    new_customer = Customer(email=email, billing=[CustomerBilling(**address)], shipping=[CustomerShipping(**address)])
    api_response = sdk.insert_customer(new_customer, expand="billing,shipping")
    assert sample_error(api_response) is None
    created = api_response.customer
    assert created.billing[0].city == created.shipping[0].city == "Duluth"
    return int(created.customer_profile_oid)


def test_the_error_check_of_the_samples_cannot_work_with_this_sdk(sample_store: Any) -> None:
    """The samples test ``api_response.error is not None``. With ultracart-rest-sdk a success can carry
    no answer that lets that line through: without ``error`` it raises ApiAttributeError, ``"error": null``
    is refused when the answer is read (ApiTypeError), and an ``error`` object would read as a failure."""
    api_response = sample_store.get_customer_by_email(SAMPLE_EMAIL)
    assert api_response.success is True
    assert "error" not in api_response and "warning" not in api_response
    with pytest.raises(ApiAttributeError):
        _ = api_response.error is not None
    assert sample_error(api_response) is None

    client = sample_store.api_client

    class Answer:
        status = 200
        reason = "OK"

        def __init__(self, body: dict[str, Any]) -> None:
            self.data = json.dumps(body).encode()

        def getheader(self, name: str, default: Any = None) -> Any:
            return "application/json" if name.lower() == "content-type" else default

        def getheaders(self) -> dict[str, str]:
            return {"Content-Type": "application/json"}

    with pytest.raises(ApiTypeError):
        client.deserialize(Answer({"success": True, "error": None, "metadata": {}}), (BaseResponse,), True)
    empty = client.deserialize(Answer({"success": True, "error": {}, "metadata": {}}), (BaseResponse,), True)
    assert empty.error is not None  # the sample would report a failure


def test_sample_add_customer_store_credit(sample_store: Any) -> None:
    customer_oid = sample_store.get_customer_by_email(SAMPLE_EMAIL).customer.customer_profile_oid
    store_credit_request = CustomerStoreCreditAddRequest(
        amount=20.00,
        description="Customer is super cool and I wanted to give them store credit.",
        expiration_days=365,
        vesting_days=45,
    )
    api_response = sample_store.add_customer_store_credit(customer_oid, store_credit_request)
    assert sample_error(api_response) is None
    assert api_response.success is True
    credit = sample_store.get_customer_store_credit(customer_oid).customer_store_credit
    assert credit.vesting == 20.0
    assert credit.future_ledgers[0].description == store_credit_request.description[:50]


def test_sample_adjust_internal_certificate(sample_store: Any) -> None:
    """The sample's 85-character description is over the 50 its field documents: refused, saying so.
    With the description within the limit the sample's adjustment goes through."""
    customer_oid = sample_store.get_customer_by_email(SAMPLE_EMAIL).customer.customer_profile_oid
    description = "Adjusting customer cashback balance because they called and complained about product."
    with pytest.raises(ApiTypeError):
        AdjustInternalCertificateRequest(adjustment_amount=59)  # the sample's int
    sample = {"expiration_days": 365, "vesting_days": 45, "adjustment_amount": 59.0, "order_id": "DEMO-12345"}
    with pytest.raises(ApiException) as refused:
        sample_store.adjust_internal_certificate(
            customer_oid, AdjustInternalCertificateRequest(description=description, **sample)
        )
    assert refused.value.status == 400
    assert "at most 50 characters (the limit UltraCart documents" in refused.value.body
    before = sample_store.get_customer_store_credit(customer_oid).customer_store_credit
    api_response = sample_store.adjust_internal_certificate(
        customer_oid, AdjustInternalCertificateRequest(description=description[:50], **sample)
    )
    assert sample_error(api_response) is None
    assert api_response.success is True
    assert api_response.adjustment_amount == 59
    # Vesting for 45 days: not yet in the usable balance (store.py: adjust_cashback).
    assert api_response.balance_amount == before.available
    after = sample_store.get_customer_store_credit(customer_oid).customer_store_credit
    assert after.vesting == before.vesting + 59


def test_sample_insert_and_delete_customer(sample_store: Any) -> None:
    """insert_customer.py, delete_customer.py and customer_functions.py."""
    customer_oid = insert_sample_customer(sample_store, "sample_ABCDEFGH.test.com")
    assert sample_store.delete_customer(customer_oid) is None
    with pytest.raises(NotFoundException):
        sample_store.get_customer(customer_oid)


def test_sample_get_customer(sample_store: Any) -> None:
    customer_oid = insert_sample_customer(sample_store, "sample_BCDEFGHA.test.com")
    with pytest.raises(TypeError):
        sample_store.get_customer(customer_oid, "billing,shipping")  # the update sample's call
    customer = sample_store.get_customer(customer_oid, expand="billing,shipping").customer
    assert customer.customer_profile_oid == customer_oid
    assert customer.billing[0].address1 == "11960 Johns Creek Parkway"
    sample_store.delete_customer(customer_oid)


@pytest.mark.parametrize("email", ["sample_CDEFGHAB.test.com", "sample/slash@example.com", "plus+tag@example.com"])
def test_sample_get_customer_by_email(sample_store: Any, email: str) -> None:
    """The SDK sends "/" in a path parameter as %2F (was: no route matched, 404)."""
    customer_oid = insert_sample_customer(sample_store, email)
    customer = sample_store.get_customer_by_email(email, expand="billing,shipping").customer
    assert customer.customer_profile_oid == customer_oid
    assert customer.email == email
    sample_store.delete_customer(customer_oid)


def test_sample_get_customer_store_credit(sample_store: Any) -> None:
    customer_oid = insert_sample_customer(sample_store, "sample_DEFGHABC.test.com")
    with pytest.raises(ApiTypeError):
        CustomerStoreCreditAddRequest(amount=20)  # the sample's int
    first = CustomerStoreCreditAddRequest(
        description="First credit add", vesting_days=10, expiration_days=20, amount=20.0
    )
    sample_store.add_customer_store_credit(customer_oid, first)
    second = CustomerStoreCreditAddRequest(
        description="Second credit add", vesting_days=0, expiration_days=90, amount=40.0
    )
    sample_store.add_customer_store_credit(customer_oid, second)
    store_credit = sample_store.get_customer_store_credit(customer_oid).customer_store_credit
    assert (store_credit.available, store_credit.vesting, store_credit.total) == (40.0, 20.0, 60.0)
    ids = [entry.gift_certificate_ledger_oid for entry in store_credit.past_ledgers + store_credit.future_ledgers]
    assert len(ids) == len(set(ids)) == 4  # two credits, a vesting and two expiries: one id each
    sample_store.delete_customer(customer_oid)


def _wishlist_sample(sdk: Any, email: str) -> tuple[int, Any, Any]:
    """The shared start of the three wishlist samples: a customer and two items (low and high)."""
    customer_oid = insert_sample_customer(sdk, email)
    first_wish_item = CustomerWishListItem(
        customer_profile_oid=customer_oid,
        merchant_item_oid=FIRST_ITEM,
        comments="I really want this for my birthday",
        priority=3,
    )
    first = sdk.insert_wish_list_item(customer_oid, first_wish_item)
    second_wish_item = CustomerWishListItem(
        customer_profile_oid=customer_oid, merchant_item_oid=SECOND_ITEM, comments="Christmas Idea!", priority=5
    )
    second = sdk.insert_wish_list_item(customer_oid, second_wish_item)
    return customer_oid, first, second


def _finish_wishlist_sample(sdk: Any, customer_oid: int, first: Any, second: Any) -> None:
    copy = sdk.get_customer_wish_list_item(customer_oid, first.customer_wishlist_item_oid).wishlist_item
    assert copy.comments == "I really want this for my birthday"
    assert len(sdk.get_customer_wish_list(customer_oid).wishlist_items) == 2
    second.priority = 4  # the sample sends the whole item back
    updated = sdk.update_wish_list_item(customer_oid, second.customer_wishlist_item_oid, second)
    assert (updated.priority, updated.add_dts) == (4, second.add_dts)
    assert sdk.delete_wish_list_item(customer_oid, first.customer_wishlist_item_oid) is None
    assert [item.merchant_item_oid for item in sdk.get_customer_wish_list(customer_oid).wishlist_items] == [SECOND_ITEM]
    sdk.delete_customer(customer_oid)


def test_sample_insert_wish_list_item(sample_store: Any) -> None:
    customer_oid, first, second = _wishlist_sample(sample_store, "sample_EFGHABCD.test.com")
    _finish_wishlist_sample(sample_store, customer_oid, first, second)


@pytest.mark.parametrize(
    ("email", "read"),
    [
        ("sample_FGHABCDE.test.com", lambda item: item.wishlist_item),  # get_customer_wish_list.py
        ("sample_GHABCDEF.test.com", lambda item: item["wishlist_item"]),  # delete_wish_list_item.py
    ],
    ids=["get_customer_wish_list", "delete_wish_list_item"],
)
def test_sample_wishlist_reading_an_envelope_off_the_bare_item(sample_store: Any, email: str, read: Any) -> None:
    customer_oid, first, second = _wishlist_sample(sample_store, email)
    with pytest.raises(ApiAttributeError):
        read(first)  # insertWishListItem answers a bare CustomerWishListItem (the spec)
    _finish_wishlist_sample(sample_store, customer_oid, first, second)


def _all_pages(fetch: Any) -> list[Any]:
    """The samples' loop: chunks of 200 until a chunk comes back short."""
    customers: list[Any] = []
    offset, limit = 0, 200
    while True:
        chunk = fetch(offset, limit)
        customers.extend(chunk)
        offset += limit
        if len(chunk) != limit:
            return customers


def test_sample_get_customers(sample_store: Any) -> None:
    total = sample_store.get_customers(limit=1).metadata.result_set.total_records
    customers = _all_pages(
        lambda offset, limit: (
            sample_store.get_customers(limit=limit, offset=offset, expand="shipping,billing").customers or []
        )
    )
    assert len(customers) == total
    assert all(isinstance(customer.billing, list) for customer in customers)  # expanded: present, [] if none


def test_sample_get_customers_by_query(sample_store: Any) -> None:
    query = CustomerQuery()
    with pytest.raises(TypeError):
        sample_store.get_customers_by_query(query, 0, 200, since=None, sort="email", expand="shipping,billing")
    customers = _all_pages(
        lambda offset, limit: (
            sample_store.get_customers_by_query(
                query, offset=offset, limit=limit, sort="email", expand="shipping,billing"
            ).customers
            or []
        )
    )
    emails = [customer.email for customer in customers]
    assert emails == sorted(emails, key=str.casefold)
    assert len(customers) == sample_store.get_customers(limit=1).metadata.result_set.total_records


def test_sample_get_email_verification_token(sample_store: Any) -> None:
    token_request = EmailVerifyTokenRequest(email=SAMPLE_EMAIL, password=SAMPLE_PASSWORD)
    token = sample_store.get_email_verification_token(token_request).token
    verify_response = sample_store.validate_email_verification_token(EmailVerifyTokenValidateRequest(token=token))
    assert verify_response.success is True


def test_sample_get_magic_link(sample_store: Any) -> None:
    customer_oid = insert_sample_customer(sample_store, "sample_HABCDEFG.test.com")
    url = sample_store.get_magic_link(customer_oid, "www.website.com").url
    assert url.startswith("https://www.website.com/")


def test_sample_merge_customer(sample_store: Any) -> None:
    first_customer_oid = insert_sample_customer(sample_store, "sample_AACDEFGH.test.com")
    second_email = "sample_BBCDEFGH.test.com"
    second_customer_oid = insert_sample_customer(sample_store, second_email)
    assert sample_store.merge_customer(first_customer_oid, CustomerMergeRequest(email=second_email)) is None
    with pytest.raises(NotFoundException):
        sample_store.get_customer(second_customer_oid)
    merged = sample_store.get_customer(first_customer_oid, expand="billing").customer
    assert len(merged.billing) == 2
    sample_store.delete_customer(first_customer_oid)


def test_sample_update_customer(sample_store: Any) -> None:
    """The sample sends back the customer it read, server-assigned fields and all."""
    customer_oid = insert_sample_customer(sample_store, "sample_CCCDEFGH.test.com")
    expand = "billing,shipping"
    customer = sample_store.get_customer(customer_oid, expand=expand).customer
    customer.billing[0].address2 = "Apartment 101"
    with pytest.raises(TypeError):
        sample_store.update_customer(customer_oid, customer, expand)
    api_response = sample_store.update_customer(customer_oid, customer, expand=expand)
    updated = api_response.customer
    assert updated.billing[0].address2 == "Apartment 101"
    assert updated.billing[0].customer_billing_oid == customer.billing[0].customer_billing_oid
    assert updated.signup_dts == customer.signup_dts
    sample_store.delete_customer(customer_oid)


def test_expanded_empty_collections_read_as_empty_lists(sample_store: Any) -> None:
    """Was: an expanded collection without elements was left out, and ``customer.cards`` raised."""
    customer_oid = sample_store.insert_customer(
        Customer(email="no.collections@example.com")
    ).customer.customer_profile_oid
    expand = "attachments,billing,cards,cc_emails,pricing_tiers,properties,shipping,software_entitlements,tags"
    customer = sample_store.get_customer(customer_oid, expand=expand).customer
    for name in expand.split(","):
        assert customer[name] == [], name
    sample_store.delete_customer(customer_oid)
