"""Every one of the 24 operations answers, success and error, in the shape the OpenAPI subset declares.

The ``api`` fixture validates each response against its operation's schema (tests/conformance.py);
this test drives all operations once and then checks that all 24 were validated.
"""

from __future__ import annotations

import httpx2
import pytest

from tests.ultracart.conformance import CHECKED, spec

pytestmark = pytest.mark.anyio


async def test_all_operations_conform(api: httpx2.AsyncClient) -> None:
    CHECKED.clear()
    customer = "/customer/customers/100001"
    created = (await api.post("/customer/customers", json={"email": "conform@example.com"})).json()["customer"]
    other = f"/customer/customers/{created['customer_profile_oid']}"
    item = (await api.post(customer + "/wishlist", json={"merchant_item_oid": 50040})).json()
    item_path = f"{customer}/wishlist/{item['customer_wishlist_item_oid']}"
    token = (
        await api.post("/customer/customers/email_verify/get_token", json={"email": "new@example.com", "password": "x"})
    ).json()["token"]
    lists = (await api.get("/customer/email_lists")).json()["lists"]
    calls = [
        ("GET", "/customer/customers", None, {"_limit": "5", "_expand": "billing,shipping,tags,cards"}),
        ("GET", "/customer/customers/by_email/jane@example.com", None, {"_expand": "loyalty,properties"}),
        ("POST", "/customer/customers/dataTables", {"draw": 2, "start": 0, "length": 3}, None),
        ("POST", "/customer/customers/email_verify/validate_token", {"token": token}, None),
        ("POST", "/customer/customers/query", {"any_tags": ["vip"]}, {"_limit": "3"}),
        (
            "GET",
            customer,
            None,
            {"_expand": ",".join(["billing", "shipping", "orders_summary", "privacy", "reviewer"])},
        ),
        ("PUT", customer, {"business_notes": "conformance"}, None),
        ("POST", customer + "/adjust_cashback_balance", {"adjustment_amount": 2.5}, None),
        ("POST", customer + "/email_lists", {"add_to_lists": [lists[0]["email_list_uuid"]]}, None),
        ("PUT", customer + "/magic_link/shop.example.com", None, None),
        ("GET", customer + "/store_credit", None, None),
        ("POST", customer + "/store_credit", {"amount": 3, "description": "conformance"}, None),
        ("GET", customer + "/wishlist", None, None),
        ("GET", item_path, None, None),
        ("PUT", item_path, {"priority": 5}, None),
        ("DELETE", item_path, None, None),
        ("GET", "/customer/editor_values", None, None),
        ("POST", "/customer/search", {"matches": "v"}, None),
        ("PUT", customer + "/merge", {"customer_profile_oid": created["customer_profile_oid"]}, None),
        ("POST", "/customer/customers", {"email": "conform2@example.com"}, None),
        ("DELETE", "/customer/customers/100002", None, None),
        # Errors are checked against ErrorResponse too.
        ("GET", other, None, None),
        ("POST", "/customer/customers", {"email": "jane@example.com"}, None),
        ("GET", "/customer/customers", None, {"_limit": "500"}),
    ]
    statuses = []
    for method, path, body, params in calls:
        response = await api.request(method, path, json=body, params=params)
        statuses.append(response.status_code)
    assert statuses[-3:] == [404, 400, 400]
    assert all(status in (200, 204) for status in statuses[:-3]), statuses
    operations = {op["operationId"] for item in spec()["paths"].values() for op in item.values()}
    assert len(operations) == 24
    assert set(CHECKED) == operations
