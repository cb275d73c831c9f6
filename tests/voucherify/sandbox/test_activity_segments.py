"""``GET /v1/customers/{customerId}/activity`` (order, the ``starting_after_id`` cursor, category/type/campaign/date
filters, events recorded by writes) and ``GET /v1/customers/{customerId}/segments`` (200 and an empty list for an
unknown customer)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from uc_mcp.voucherify.sandbox.catalog import category_of

pytestmark = pytest.mark.anyio
WINBACK = "camp_Winback5off8Cx1Mn4Tg7Pe0"


async def activity(api: httpx2.AsyncClient, customer: str = "uc-100001", **params: Any) -> dict[str, Any]:
    response = await api.get(f"/v1/customers/{customer}/activity", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_newest_first_by_default_and_oldest_first_on_request(voucherify_api: httpx2.AsyncClient) -> None:
    newest = (await activity(voucherify_api, limit=100))["data"]
    oldest = (await activity(voucherify_api, limit=100, order="created_at"))["data"]
    assert [event["id"] for event in newest] == [event["id"] for event in reversed(oldest)]
    assert oldest[0]["type"] == "customer.created"
    assert all(event["id"].startswith("evcus_") and event["group_id"].startswith("v-") for event in newest)
    default = await activity(voucherify_api)
    assert len(default["data"]) == 10 and default["has_more"] is True


@pytest.mark.parametrize("order", ["created_at", "-created_at"])
async def test_the_cursor_walks_every_event_once(voucherify_api: httpx2.AsyncClient, order: str) -> None:
    everything = (await activity(voucherify_api, limit=100, order=order))["data"]
    walked: list[str] = []
    params: dict[str, Any] = {"limit": 7, "order": order}
    while True:
        page = await activity(voucherify_api, **params)
        walked += [event["id"] for event in page["data"]]
        if not page["has_more"]:
            assert "more_starting_after" not in page
            break
        assert page["more_starting_after"] == page["data"][-1]["id"]
        params["starting_after_id"] = page["more_starting_after"]
    assert walked == [event["id"] for event in everything]


async def test_an_unknown_cursor_is_a_400(voucherify_api: httpx2.AsyncClient) -> None:
    other = (await activity(voucherify_api, "uc-100003", limit=1))["data"][0]["id"]
    for cursor in ("evcus_nothing", other):  # another customer's event is no place in this list
        response = await voucherify_api.get("/v1/customers/uc-100001/activity", params={"starting_after_id": cursor})
        assert response.status_code == 400 and response.json()["details"].startswith("starting_after_id:")


async def test_filters(voucherify_api: httpx2.AsyncClient) -> None:
    everything = (await activity(voucherify_api, limit=100))["data"]
    for category in ("ACTION", "EFFECT"):
        found = (await activity(voucherify_api, limit=100, category=category))["data"]
        assert [e["id"] for e in found] == [e["id"] for e in everything if category_of(e["type"]) == category]
    paid = (await activity(voucherify_api, limit=100, type="customer.order.paid"))["data"]
    assert len(paid) == 8 and {e["type"] for e in paid} == {"customer.order.paid"}
    loyalty = (await activity(voucherify_api, limit=100, campaign_type="LOYALTY_PROGRAM"))["data"]
    assert loyalty and all(e["data"]["data"]["campaign"]["campaign_type"] == "LOYALTY_PROGRAM" for e in loyalty)
    failed = await activity(voucherify_api, "uc-100004", campaign_id=WINBACK, type="customer.redemption.failed")
    [event] = failed["data"]
    assert event["data"]["data"]["redemption"]["failure_code"] == "voucher_expired"
    assert event["data"]["data"]["voucher"]["code"] == "WINBACK-5-JS"
    window = await activity(voucherify_api, limit=100, start_date="2026-01-01", end_date="2026-02-14T11:31:00.000Z")
    stamps = [event["created_at"] for event in window["data"]]
    assert stamps and all("2026-01-01" <= stamp <= "2026-02-14T11:31:00.000Z" for stamp in stamps)
    assert "2026-02-14T11:31:00.000Z" in stamps  # the bounds are inclusive


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"type": "customer.nonsense"}, "type"),
        ({"category": "action"}, "category"),
        ({"campaign_type": "COUPONS"}, "campaign_type"),
        ({"order": "-id"}, "order"),
        ({"limit": 101}, "limit"),
        ({"start_date": "soon"}, "start_date"),
    ],
)
async def test_a_bad_filter_is_a_400(voucherify_api: httpx2.AsyncClient, params: dict[str, Any], name: str) -> None:
    response = await voucherify_api.get("/v1/customers/uc-100001/activity", params=params)
    assert response.status_code == 400 and response.json()["details"].startswith(f"{name}:")


async def test_writes_are_recorded_as_activity(voucherify_api: httpx2.AsyncClient) -> None:
    created = (await voucherify_api.post("/v1/customers", json={"source_id": "act-1", "name": "A"})).json()
    await voucherify_api.put("/v1/customers/act-1", json={"name": "B"})
    events = (await activity(voucherify_api, "act-1", order="created_at"))["data"]
    assert [event["type"] for event in events] == ["customer.created", "customer.updated"]
    assert events[0]["data"]["data"]["customer"]["name"] == "A" and events[1]["data"]["data"]["customer"]["name"] == "B"
    assert events[0]["data"]["data"]["customer"]["id"] == created["id"]
    assert events[0]["data"]["event_source"] == {"channel": "API"}


async def test_segments(voucherify_api: httpx2.AsyncClient) -> None:
    response = await voucherify_api.get("/v1/customers/uc-100001/segments")
    segments = response.json()
    assert (segments["object"], segments["data_ref"], segments["total"]) == ("list", "data", 3)
    assert {(s["name"], s["object"]) for s in segments["data"]} == {
        ("VIP customers", "segment"),
        ("Loyalty members", "segment"),
        ("Newsletter subscribers", "segment"),
    }
    assert all(segment["id"].startswith("seg_") for segment in segments["data"])
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    assert (await voucherify_api.get(f"/v1/customers/{jane['id']}/segments")).json() == segments


async def test_an_unknown_customer_has_no_segments_and_no_404(voucherify_api: httpx2.AsyncClient) -> None:
    response = await voucherify_api.get("/v1/customers/cust_nobody/segments")
    assert response.status_code == 200
    assert response.json() == {"object": "list", "data_ref": "data", "data": [], "total": 0}
