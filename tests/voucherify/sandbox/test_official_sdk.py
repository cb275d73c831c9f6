"""Voucherify's official Python SDK (``voucherify`` 6.x, generated from Voucherify's OpenAPI) runs each of the 12
customer operations, and the async-action lookup, against the sandbox served by ``uc-mcp sandbox voucherify`` on a
real socket, unchanged: the SDK's own ``Configuration`` with the key pair and another host.

The SDK deserialises every answer into its pydantic models (strict types, enums), so this is a second, independent
conformance check next to ``conformance.py``.

One SDK defect is pinned rather than worked around: SDK 6.1.1 sends a ``filters`` model of
``list_customer_redeemables`` as ``filters[<field>]=None`` for every unset field and a list as its Python
``repr`` (``['OWNER', 'REFERRER']``). No server can read that as the documented bracket notation; the sandbox
answers a clear 400 naming ``filters`` (assumed: what Voucherify's query validation does with a string where it
expects an object), and the test says so. A client that writes the bracket notation itself is served.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

voucherify = pytest.importorskip("voucherify")

from tests.servers import free_port, serving  # noqa: E402
from uc_mcp.voucherify.sandbox.runtime import DEFAULT_APP_ID, DEFAULT_APP_TOKEN  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    db: Path = tmp_path_factory.mktemp("voucherify-sdk") / "sandbox.sqlite3"
    port = free_port()
    command = [sys.executable, "-m", "uc_mcp", "sandbox", "voucherify", "--port", str(port), "--db", str(db)]
    with serving([*command, "--customers", "40"], port):
        configuration = voucherify.Configuration(host=f"http://127.0.0.1:{port}")
        configuration.api_key["X-App-Id"] = DEFAULT_APP_ID
        configuration.api_key["X-App-Token"] = DEFAULT_APP_TOKEN
        with voucherify.ApiClient(configuration) as api_client:
            yield api_client


@pytest.fixture
def customers(client: Any) -> Any:
    return voucherify.CustomersApi(client)


def test_reads(customers: Any) -> None:
    page = customers.list_customers(
        limit=5,
        page=1,
        order=voucherify.ParameterOrderListCustomers("-created_at"),
        created_at_before=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert page.total > 5 and len(page.customers) == 5 and page.has_more is True
    assert all(customer.created_at < datetime(2026, 1, 1, tzinfo=UTC) for customer in page.customers)
    janes = customers.list_customers(email="jane@example.com")
    assert sorted(customer.source_id for customer in janes.customers) == ["newsletter-jane-2023", "uc-100001"]

    jane = customers.get_customer("uc-100001")
    assert (jane.name, jane.loyalty.points, jane.summary.orders.total_count) == ("Jane Doe", 1200, 8)
    assert customers.get_customer(jane.id).source_id == "uc-100001"
    with pytest.raises(voucherify.exceptions.NotFoundException):
        customers.get_customer("cust_nobody")

    activity = customers.list_customer_activity(
        "uc-100001", limit=2, order=voucherify.ParameterOrderCreatedAt("created_at")
    )
    assert activity.data[0].type == "customer.created"
    assert activity.has_more is True
    after = customers.list_customer_activity(
        "uc-100001",
        limit=2,
        order=voucherify.ParameterOrderCreatedAt("created_at"),
        starting_after_id=activity.more_starting_after,
    )
    assert after.data[0].id not in {event.id for event in activity.data}
    failed = customers.list_customer_activity(
        "uc-100004",
        type=voucherify.ParameterCustomerEvent("customer.redemption.failed"),
        category=voucherify.ParameterActivityCategory("ACTION"),
        campaign_type=voucherify.ParameterCampaignType("DISCOUNT_COUPONS"),
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
        end_date=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert [event.data["data"]["redemption"]["failure_code"] for event in failed.data] == ["voucher_expired"]

    segments = customers.list_customer_segments("uc-100001")
    assert {segment.name for segment in segments.data} == {"VIP customers", "Loyalty members", "Newsletter subscribers"}
    assert customers.list_customer_segments("cust_nobody").total == 0

    redeemables = customers.list_customer_redeemables(
        "uc-100001", limit=2, order=voucherify.ParameterOrderListRedeemables("id")
    )
    assert (redeemables.total, len(redeemables.data), redeemables.has_more) == (4, 2, True)
    rest = customers.list_customer_redeemables("uc-100001", starting_after_id=redeemables.more_starting_after)
    codes = [item.redeemable.voucher.code for item in [*redeemables.data, *rest.data]]
    assert codes == ["BEAN-JANE-0001", "GIFT-JANE-5000", "WELCOME-JD10", "REF-JANE-2024"]


def test_redeemable_filters_as_the_sdk_sends_them_are_refused_clearly(customers: Any) -> None:
    filters = voucherify.ParameterFiltersListCustomerRedeemables.from_dict(
        {"holder_role": {"conditions": {"$is": "REFERRER"}}}
    )
    with pytest.raises(voucherify.exceptions.BadRequestException) as refused:
        customers.list_customer_redeemables("uc-100001", filters=filters)
    assert '"key":"invalid_query_params"' in refused.value.body
    assert "filters" in refused.value.body


def test_writes_and_async_actions(client: Any, customers: Any) -> None:
    created = customers.create_customer(
        voucherify.CustomersCreateRequestBody(
            source_id="sdk-1",
            name="Sdk Person",
            email="sdk.person@example.com",
            birthdate="1990-05-06",
            address=voucherify.CustomersCreateRequestBodyAddress(city="Austin", country="US"),
            metadata={"lang": "en"},
        )
    )
    assert created.id.startswith("cust_") and created.address.city == "Austin"
    again = customers.create_customer(voucherify.CustomersCreateRequestBody(source_id="sdk-1", phone="+1 512 555 0101"))
    assert (again.id, again.name, again.phone) == (created.id, "Sdk Person", "+1 512 555 0101")
    updated = customers.update_customer("sdk-1", voucherify.CustomersUpdateRequestBody(description="Called in"))
    assert (updated.description, updated.name) == ("Called in", "Sdk Person")

    actions = voucherify.AsyncActionsApi(client)
    queued = [
        customers.import_customers_using_csv(
            file=b"Name,Email,Source_id,Shoe_size\nCsv Person,csv@example.com,sdk-csv,42\n"
        ),
        customers.update_customers_in_bulk(
            [voucherify.CustomersUpdateInBulkRequestBody(source_id="sdk-1", name="Bulk Name")]
        ),
        customers.update_customers_metadata_in_bulk(
            voucherify.CustomersMetadataUpdateInBulkRequestBody(source_ids=["sdk-1", "sdk-new"], metadata={"vip": True})
        ),
    ]
    deadline = time.monotonic() + 20
    for answer in queued:
        while (action := actions.get_async_action(answer.async_action_id)).status != "DONE":
            assert action.status in ("ENQUEUED", "IN_PROGRESS") and time.monotonic() < deadline
            time.sleep(0.1)
        assert (action.operation_status, action.progress) == ("SUCCESS", 100)
    assert customers.get_customer("sdk-csv").metadata == {"Shoe_size": "42"}
    bulk_updated = customers.get_customer("sdk-1")
    assert (bulk_updated.name, bulk_updated.metadata) == ("Bulk Name", {"lang": "en", "vip": True})
    assert customers.get_customer("sdk-new").metadata == {"vip": True}

    assert customers.delete_customer("sdk-csv") is None
    with pytest.raises(voucherify.exceptions.NotFoundException):
        customers.get_customer("sdk-csv")
    deletion = customers.customer_permanently_deletion("sdk-1")
    assert (deletion.object, deletion.status, deletion.related_object_id) == ("pernament_deletion", "DONE", created.id)
    assert deletion.data_json.customer == 1 and deletion.data_json.customer_events >= 4
    with pytest.raises(voucherify.exceptions.NotFoundException):
        customers.customer_permanently_deletion("sdk-1")


def test_a_wrong_key_pair_is_unauthorized(client: Any) -> None:
    configuration = voucherify.Configuration(host=client.configuration.host)
    configuration.api_key["X-App-Id"] = DEFAULT_APP_ID
    configuration.api_key["X-App-Token"] = "not-the-token"
    with (
        voucherify.ApiClient(configuration) as wrong,
        pytest.raises(voucherify.exceptions.UnauthorizedException) as refused,
    ):
        voucherify.CustomersApi(wrong).list_customers()
    assert '"key":"unauthorized"' in refused.value.body
