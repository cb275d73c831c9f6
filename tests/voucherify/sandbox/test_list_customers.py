"""``GET /v1/customers``: limit and page bounds, the exact filters, the bracketed date ranges, every documented
order, the ``starting_after`` cursor, ``total`` and ``has_more``, and 400s for bad query values."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.voucherify.conftest import VOUCHERIFY_CUSTOMERS

pytestmark = pytest.mark.anyio


async def listing(api: httpx2.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await api.get("/v1/customers", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def everyone(api: httpx2.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    return list((await listing(api, limit=100, **params))["customers"]) + list(
        (await listing(api, limit=100, page=2, **params))["customers"]
    )


async def test_the_default_page_is_ten_newest_first(voucherify_api: httpx2.AsyncClient) -> None:
    page = await listing(voucherify_api)
    assert (page["object"], page["data_ref"], page["total"], page["has_more"]) == (
        "list",
        "customers",
        VOUCHERIFY_CUSTOMERS,
        True,
    )
    stamps = [customer["created_at"] for customer in page["customers"]]
    assert len(stamps) == 10 and stamps == sorted(stamps, reverse=True)


async def test_pages_walk_every_customer_once(voucherify_api: httpx2.AsyncClient) -> None:
    seen: list[str] = []
    for page_number in range(1, 6):
        page = await listing(voucherify_api, limit=30, page=page_number, order="created_at")
        seen += [customer["id"] for customer in page["customers"]]
        assert page["total"] == VOUCHERIFY_CUSTOMERS
        assert page["has_more"] is (len(seen) < VOUCHERIFY_CUSTOMERS)
    assert len(seen) == len(set(seen)) == VOUCHERIFY_CUSTOMERS


@pytest.mark.parametrize("order", ["created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id"])
async def test_every_documented_order(voucherify_api: httpx2.AsyncClient, order: str) -> None:
    customers = await everyone(voucherify_api, order=order)
    field = order.lstrip("-")

    def key(customer: dict[str, Any]) -> str:
        if field == "updated_at":
            return str(customer.get("updated_at") or customer["created_at"])
        return str(customer.get(field) or "")

    keys = [key(customer) for customer in customers]
    assert keys == sorted(keys, reverse=order.startswith("-"))


async def test_filters_match_exactly(voucherify_api: httpx2.AsyncClient) -> None:
    janes = await listing(voucherify_api, email="jane@example.com")
    assert sorted(c["source_id"] for c in janes["customers"]) == ["newsletter-jane-2023", "uc-100001"]
    assert (await listing(voucherify_api, email="JANE@example.com"))["total"] == 0  # exact: case included
    assert [c["source_id"] for c in (await listing(voucherify_api, email="John.Smith@example.com"))["customers"]] == [
        "uc-100003"
    ]
    assert [c["name"] for c in (await listing(voucherify_api, name="Lukas Becker"))["customers"]] == ["Lukas Becker"]
    austin = await listing(voucherify_api, city="Austin", limit=100)
    assert austin["total"] >= 1 and all(c["address"]["city"] == "Austin" for c in austin["customers"])
    both = await listing(voucherify_api, city="Austin", name="Jane Doe")
    assert [c["source_id"] for c in both["customers"]] == ["uc-100001"]


async def test_the_segment_filter(voucherify_api: httpx2.AsyncClient) -> None:
    vip = await listing(voucherify_api, segment_id="seg_VipCustomers1Qa7Ws3Ed9Rf5", limit=100)
    assert {c["source_id"] for c in vip["customers"]} >= {"uc-100001", "uc-100008"}
    for customer in vip["customers"]:
        segments = (await voucherify_api.get(f"/v1/customers/{customer['id']}/segments")).json()["data"]
        assert "VIP customers" in {segment["name"] for segment in segments}
    assert (await listing(voucherify_api, segment_id="seg_unknown"))["total"] == 0


async def test_date_ranges_are_strict_bounds(voucherify_api: httpx2.AsyncClient) -> None:
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    at = jane["created_at"]
    after = await everyone(voucherify_api, **{"created_at[after]": at})
    before = await everyone(voucherify_api, **{"created_at[before]": at})
    assert all(c["created_at"] > at for c in after) and all(c["created_at"] < at for c in before)
    assert len(after) + len(before) == VOUCHERIFY_CUSTOMERS - 1
    window = await everyone(
        voucherify_api, **{"created_at[after]": "2024-01-01", "created_at[before]": "2025-01-01T00:00:00.000Z"}
    )
    assert window and all("2024-" in c["created_at"][:5] for c in window)
    # The Python SDK's rendering: microseconds and an offset without a colon.
    sdk_style = await everyone(voucherify_api, **{"created_at[after]": "2024-01-01T00:00:00.000000+0000"})
    assert len(sdk_style) == len(await everyone(voucherify_api, **{"created_at[after]": "2024-01-01T00:00:00Z"}))
    updated = await everyone(voucherify_api, **{"updated_at[after]": "2026-10-29T00:00:00Z"})
    assert updated and all(c["updated_at"] > "2026-10-29" for c in updated)
    assert "uc-100001" in {c["source_id"] for c in updated}
    never = await everyone(voucherify_api, **{"updated_at[before]": "2100-01-01"})
    assert all("updated_at" in c for c in never)  # a customer never updated matches no updated_at bound


async def test_the_starting_after_cursor_walks_past_the_page_cap(voucherify_api: httpx2.AsyncClient) -> None:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 25, "order": "created_at"}
        if cursor is not None:
            params["starting_after"] = cursor
        page = await listing(voucherify_api, **params)
        assert page["total"] == VOUCHERIFY_CUSTOMERS  # the cursor is a place in the list, not a filter
        seen += page["customers"]
        if not page["has_more"]:
            break
        cursor = page["customers"][-1]["created_at"]
    assert len({c["id"] for c in seen}) == len(seen) == VOUCHERIFY_CUSTOMERS
    newest_first = await listing(voucherify_api, starting_after=seen[-5]["created_at"], limit=100)
    assert [c["id"] for c in newest_first["customers"]] == [c["id"] for c in reversed(seen[-4:])]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"page": 0}, "page"),
        ({"page": 100}, "page"),
        ({"order": "name"}, "order"),
        ({"order": "+created_at"}, "order"),
        ({"created_at[before]": "yesterday"}, "created_at[before]"),
        ({"updated_at[after]": "2024-02-30"}, "updated_at[after]"),
        ({"starting_after": "12:00"}, "starting_after"),
        ({"created_at[after]": "0001-01-01T00:00:00Z"}, "created_at[after]"),
    ],
)
async def test_a_bad_query_value_is_a_400_naming_it(
    voucherify_api: httpx2.AsyncClient, params: dict[str, Any], name: str
) -> None:
    response = await voucherify_api.get("/v1/customers", params=params)
    error = response.json()
    assert response.status_code == 400
    assert (error["code"], error["key"], error["message"]) == (400, "invalid_query_params", "Invalid query params")
    assert error["details"].startswith(f"{name}:") and error["request_id"].startswith("v-")
    value = str(next(iter(params.values())))
    assert len(value) < 4 or value not in error["details"]  # never the offending value (short ones may coincide)


async def test_a_parameter_given_twice_is_a_400(voucherify_api: httpx2.AsyncClient) -> None:
    response = await voucherify_api.get("/v1/customers?limit=1&limit=2")
    assert response.status_code == 400 and response.json()["details"].startswith("limit:")


async def test_limits_at_the_edges(voucherify_api: httpx2.AsyncClient) -> None:
    assert len((await listing(voucherify_api, limit=1))["customers"]) == 1
    assert len((await listing(voucherify_api, limit=100))["customers"]) == 100
    last = await listing(voucherify_api, limit=100, page=99)
    assert (last["customers"], last["has_more"], last["total"]) == ([], False, VOUCHERIFY_CUSTOMERS)
