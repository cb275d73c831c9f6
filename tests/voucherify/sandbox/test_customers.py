"""Create (an upsert), get, update (partial), delete and permanent deletion, through HTTP, as the reference
describes them; every response is also checked against the spec (the ``voucherify_api`` fixture)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from uc_mcp.voucherify.sandbox.runtime import Sandbox

pytestmark = pytest.mark.anyio


async def create(api: httpx2.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/customers", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def total(api: httpx2.AsyncClient) -> int:
    return int((await api.get("/v1/customers", params={"limit": 1})).json()["total"])


async def test_a_new_customer_is_zeroed_and_has_no_updated_at(voucherify_api: httpx2.AsyncClient) -> None:
    customer = await create(voucherify_api, name="Nina New")
    assert customer["id"].startswith("cust_") and len(customer["id"]) == 29
    assert customer["address"] is None and customer["metadata"] == {} and customer["system_metadata"] == {}
    assert customer["loyalty"] == {"points": 0, "referred_customers": 0, "campaigns": {}}
    assert customer["referrals"] == {"total": 0, "campaigns": []}
    assert customer["summary"]["orders"]["total_count"] == 0
    assert "updated_at" not in customer and "source_id" not in customer
    assert customer["created_at"].endswith("Z") and customer["object"] == "customer"


async def test_create_is_an_upsert_on_the_source_id(voucherify_api: httpx2.AsyncClient) -> None:
    before = await total(voucherify_api)
    first = await create(voucherify_api, source_id="crm-1", name="Ann", email="ann@example.com", phone="1")
    second = await create(voucherify_api, source_id="crm-1", phone="2")
    assert second["id"] == first["id"]
    assert (second["name"], second["email"], second["phone"]) == ("Ann", "ann@example.com", "2")
    assert "updated_at" in second
    assert await total(voucherify_api) == before + 1
    demo = await create(voucherify_api, source_id="uc-100001", description="Called about beans")
    assert (demo["name"], demo["description"]) == ("Jane Doe", "Called about beans")


async def test_create_is_an_upsert_on_the_id_and_then_ignores_the_source_id(voucherify_api: httpx2.AsyncClient) -> None:
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    updated = await create(voucherify_api, id=jane["id"], source_id="something-else", name="Jane D.")
    assert (updated["id"], updated["source_id"], updated["name"]) == (jane["id"], "uc-100001", "Jane D.")
    assert (await voucherify_api.get("/v1/customers/something-else")).status_code == 404


async def test_create_with_an_id_nobody_has_is_not_found(voucherify_api: httpx2.AsyncClient) -> None:
    response = await voucherify_api.post("/v1/customers", json={"id": "cust_nobody", "name": "X"})
    assert response.status_code == 404
    assert response.json()["resource_type"] == "customer"


async def test_two_customers_may_share_an_email(voucherify_api: httpx2.AsyncClient) -> None:
    one = await create(voucherify_api, source_id="dup-1", email="same@example.com")
    two = await create(voucherify_api, source_id="dup-2", email="same@example.com")
    assert one["id"] != two["id"]
    listed = (await voucherify_api.get("/v1/customers", params={"email": "same@example.com"})).json()
    assert sorted(c["source_id"] for c in listed["customers"]) == ["dup-1", "dup-2"] and listed["total"] == 2


async def test_customer_id_resolves_an_id_or_a_source_id(voucherify_api: httpx2.AsyncClient) -> None:
    by_source = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    by_id = (await voucherify_api.get(f"/v1/customers/{by_source['id']}")).json()
    assert by_id == by_source and by_id["email"] == "jane@example.com"


async def test_update_is_partial_and_null_clears(voucherify_api: httpx2.AsyncClient) -> None:
    before = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    response = await voucherify_api.put(
        "/v1/customers/uc-100001",
        json={"phone": None, "metadata": {"lang": "es"}, "address": {"city": "Dallas"}, "source_id": "changed"},
    )
    after = response.json()
    assert response.status_code == 200
    assert "phone" not in after and after["metadata"] == {"lang": "es"} and after["address"] == {"city": "Dallas"}
    unchanged = ("name", "email", "description", "birthdate", "summary", "loyalty", "referrals", "created_at")
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    assert after["source_id"] == "uc-100001"  # the update body has no source_id: it cannot change
    assert after["updated_at"] == "2026-11-01T13:00:00.000Z"  # the sandbox clock's now


async def test_birthday_is_the_deprecated_alias_of_birthdate(voucherify_api: httpx2.AsyncClient) -> None:
    customer = await create(voucherify_api, birthday="1980-02-29")
    assert (customer["birthdate"], customer["birthday"]) == ("1980-02-29", "1980-02-29")


async def test_an_unknown_customer_is_the_documented_404(voucherify_api: httpx2.AsyncClient) -> None:
    for method, path in (
        ("GET", "/v1/customers/cust_gone"),
        ("PUT", "/v1/customers/cust_gone"),
        ("DELETE", "/v1/customers/cust_gone"),
        ("POST", "/v1/customers/cust_gone/permanent-deletion"),
        ("GET", "/v1/customers/cust_gone/activity"),
        ("GET", "/v1/customers/cust_gone/redeemables"),
    ):
        response = await voucherify_api.request(method, path, json={} if method == "PUT" else None)
        body = response.json()
        assert response.status_code == 404, path
        assert {k: body[k] for k in ("code", "key", "message", "details", "resource_id", "resource_type")} == {
            "code": 404,
            "key": "not_found",
            "message": "Resource not found",
            "details": "Cannot find customer with id cust_gone",
            "resource_id": "cust_gone",
            "resource_type": "customer",
        }
        assert body["request_id"].startswith("v-")


async def test_delete_answers_204_and_the_customer_is_gone(voucherify_api: httpx2.AsyncClient) -> None:
    before = await total(voucherify_api)
    response = await voucherify_api.delete("/v1/customers/uc-100004")
    assert (response.status_code, response.content) == (204, b"")
    assert (await voucherify_api.get("/v1/customers/uc-100004")).status_code == 404
    assert (await voucherify_api.get("/v1/customers/uc-100004/activity")).status_code == 404
    segments = (await voucherify_api.get("/v1/customers/uc-100004/segments")).json()
    assert segments["total"] == 0
    assert await total(voucherify_api) == before - 1
    assert (await voucherify_api.delete("/v1/customers/uc-100004")).status_code == 404
    again = await create(voucherify_api, source_id="uc-100004", name="Jon Again")
    assert again["summary"]["orders"]["total_count"] == 0  # a new customer, not the old one back


async def test_permanent_deletion_reports_real_counts_and_erases_everything(
    voucherify_api: httpx2.AsyncClient, voucherify_sandbox: Sandbox
) -> None:
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    activity = (await voucherify_api.get("/v1/customers/uc-100001/activity", params={"limit": 100})).json()["data"]
    segments = (await voucherify_api.get("/v1/customers/uc-100001/segments")).json()["total"]
    days = {event["created_at"][:10] for event in activity}
    orders = [event for event in activity if event["type"].startswith("customer.order.")]

    response = await voucherify_api.post("/v1/customers/uc-100001/permanent-deletion")
    deletion = response.json()
    assert response.status_code == 200
    assert deletion["id"].startswith("del_") and deletion["object"] == "pernament_deletion"
    assert (deletion["related_object_id"], deletion["related_object"], deletion["status"]) == (
        jane["id"],
        "customer",
        "DONE",
    )
    assert deletion["data_json"] == {
        "events": sum(1 for event in activity if event["type"] in ACTIONS),
        "customer_events": len(activity),
        "daily_events": len(days),
        "segments": segments,
        "orders": jane["summary"]["orders"]["total_count"],
        "order_events": len(orders),
        "customer": 1,
    }
    assert (await voucherify_api.get(f"/v1/customers/{jane['id']}")).status_code == 404
    with voucherify_sandbox.store.reading() as conn:
        for table, column in (
            ("customer", "id"),
            ("event", "customer_id"),
            ("holding", "customer_id"),
            ("membership", "customer_id"),
        ):
            assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (jane["id"],)).fetchone()[0] == 0
        snapshot = conn.execute("SELECT COUNT(*) FROM event WHERE data LIKE ?", ("%2207 Pecan Hollow Dr%",)).fetchone()
        assert snapshot[0] == 0  # no event anywhere still holds her address
    # Her other record (the older newsletter sign-up with the same email) is another customer, and stays.
    assert (await voucherify_api.get("/v1/customers/newsletter-jane-2023")).status_code == 200


ACTIONS = {
    "customer.created",
    "customer.updated",
    "customer.redemption.succeeded",
    "customer.order.paid",
    "customer.publication.succeeded",
}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 123}, "name"),
        ({"email": ["a@b.c"]}, "email"),
        ({"address": "Main St"}, "address"),
        ({"address": {"city": 5}}, "address.city"),
        ({"metadata": [1, 2]}, "metadata"),
        ({"birthdate": "1990-13-01"}, "birthdate"),
        ({"birthday": "yesterday"}, "birthday"),
        ({"source_id": ""}, "source_id"),
        ({"id": 7}, "id"),
        ([{"name": "x"}], "body"),
    ],
)
async def test_a_bad_body_is_a_400_naming_the_field(voucherify_api: httpx2.AsyncClient, body: Any, field: str) -> None:
    response = await voucherify_api.post("/v1/customers", json=body)
    error = response.json()
    assert response.status_code == 400 and error["key"] == "invalid_payload"
    assert error["details"].startswith(f"{field}:")
    for value in ("123", "Main St", "1990-13-01", "yesterday"):
        assert value not in error["details"]


async def test_a_body_that_is_not_json_is_a_400(voucherify_api: httpx2.AsyncClient) -> None:
    for raw in (b"{", b"NaN", b'{"name": "\\ud800"}', b"[" * 100_000):
        response = await voucherify_api.post("/v1/customers", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 400 and response.json()["key"] == "invalid_payload"


async def test_a_source_id_with_a_slash_is_one_path_segment(voucherify_api: httpx2.AsyncClient) -> None:
    created = await create(voucherify_api, source_id="shopify/gid/42", name="Slashed")
    for path in ("/v1/customers/shopify%2Fgid%2F42", f"/v1/customers/{created['id']}"):
        assert (await voucherify_api.get(path)).json()["name"] == "Slashed"
    assert (await voucherify_api.get("/v1/customers/shopify%2Fgid%2F42/activity")).json()["data"]
    assert (await voucherify_api.put("/v1/customers/shopify%2Fgid%2F42", json={"name": "S"})).json()["name"] == "S"
    assert (await voucherify_api.delete("/v1/customers/shopify%2Fgid%2F42")).status_code == 204
