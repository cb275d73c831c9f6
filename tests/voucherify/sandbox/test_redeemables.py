"""``GET /v1/customers/{customerId}/redeemables``: holdings with statuses that follow the sandbox clock, ``order``
and the ``starting_after_id`` cursor, and the bracket-notation ``filters[<field>][conditions][$<op>]`` conditions
with exactly the fields and operators the spec lists (anything else: the documented 400)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx2
import pytest

from tests.voucherify.sandbox.conformance import spec
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.sandbox.queries import REDEEMABLE_FILTERS

pytestmark = pytest.mark.anyio
JANE_CODES = ["BEAN-JANE-0001", "GIFT-JANE-5000", "WELCOME-JD10", "REF-JANE-2024"]


async def codes(api: httpx2.AsyncClient, customer: str = "uc-100001", **params: Any) -> list[str]:
    response = await api.get(f"/v1/customers/{customer}/redeemables", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return [item["redeemable"]["voucher"]["code"] for item in response.json()["data"]]


async def status_of(api: httpx2.AsyncClient, customer: str) -> list[str]:
    response = await api.get(f"/v1/customers/{customer}/redeemables")
    return [item["redeemable"]["status"] for item in response.json()["data"]]


async def test_holdings_with_campaigns_balances_and_roles(voucherify_api: httpx2.AsyncClient) -> None:
    listed = (await voucherify_api.get("/v1/customers/uc-100001/redeemables")).json()
    assert (listed["total"], listed["has_more"]) == (4, False)
    items = {item["redeemable"]["voucher"]["code"]: item for item in listed["data"]}
    assert list(items) == JANE_CODES
    assert items["BEAN-JANE-0001"]["redeemable"]["voucher"]["loyalty_card"] == {"points": 1510, "balance": 1200}
    assert items["GIFT-JANE-5000"]["redeemable"]["voucher"]["gift"]["balance"] == 3500
    assert items["REF-JANE-2024"]["holder_role"] == "REFERRER"
    assert {item["customer_id"] for item in listed["data"]} == {
        (await voucherify_api.get("/v1/customers/uc-100001")).json()["id"]
    }
    priya = (await voucherify_api.get("/v1/customers/shop-priya-raman/redeemables")).json()["data"]
    assert [(item["holder_role"], item["redeemable_id"]) for item in priya] == [
        ("REFEREE", items["REF-JANE-2024"]["redeemable_id"])
    ]


async def test_statuses_follow_the_clock(voucherify_api: httpx2.AsyncClient, voucherify_clock: FixedClock) -> None:
    assert await status_of(voucherify_api, "uc-100001") == ["ACTIVE", "ACTIVE", "USED", "ACTIVE"]
    assert await status_of(voucherify_api, "uc-100004") == ["EXPIRED"]
    assert await status_of(voucherify_api, "uc-100005") == ["NO_BALANCE"]
    assert await status_of(voucherify_api, "uc-100007") == ["NOT_ACTIVE_YET"]
    assert await status_of(voucherify_api, "uc-100012") == ["DISABLED"]
    assert await status_of(voucherify_api, "shop-sofia-rossi") == ["ACTIVE"]
    voucherify_clock.advance(timedelta(days=35))  # past December 1st and Sofia's welcome coupon's expiry
    assert await status_of(voucherify_api, "uc-100007") == ["ACTIVE"]
    assert await status_of(voucherify_api, "shop-sofia-rossi") == ["EXPIRED"]


async def test_order_and_cursor(voucherify_api: httpx2.AsyncClient) -> None:
    assert await codes(voucherify_api, order="-id") == list(reversed(JANE_CODES))
    first = (await voucherify_api.get("/v1/customers/uc-100001/redeemables", params={"limit": 3})).json()
    assert (len(first["data"]), first["has_more"], first["total"]) == (3, True, 4)
    assert first["more_starting_after"] == first["data"][-1]["id"]
    rest = await codes(voucherify_api, starting_after_id=first["more_starting_after"])
    assert rest == ["REF-JANE-2024"]
    back = await codes(voucherify_api, order="-id", starting_after_id=first["data"][1]["id"])
    assert back == ["BEAN-JANE-0001"]


def condition(field: str, operator: str) -> str:
    return f"filters[{field}][conditions][{operator}]"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({condition("holder_role", "$is"): "REFERRER"}, ["REF-JANE-2024"]),
        ({condition("holder_role", "$is_not"): "OWNER"}, ["REF-JANE-2024"]),
        (
            {
                condition("voucher_type", "$in") + "[0]": "LOYALTY_CARD",
                condition("voucher_type", "$in") + "[1]": "GIFT_VOUCHER",
            },
            JANE_CODES[:2],
        ),
        ({condition("voucher_type", "$not_in") + "[]": "DISCOUNT_VOUCHER"}, JANE_CODES[:2]),
        ({condition("campaign_type", "$is"): "DISCOUNT_COUPONS"}, ["WELCOME-JD10"]),
        ({condition("campaign_type", "$starts_with"): "gift"}, ["GIFT-JANE-5000"]),
        ({condition("campaign_id", "$starts_with"): "camp_Refer"}, ["REF-JANE-2024"]),
        ({condition("campaign_id", "$ends_with"): "Dk1"}, ["BEAN-JANE-0001"]),
        ({condition("campaign_id", "$contains"): "welcome"}, ["WELCOME-JD10"]),
        ({condition("campaign_id", "$not_contain"): "welcome"}, ["BEAN-JANE-0001", "GIFT-JANE-5000", "REF-JANE-2024"]),
        ({condition("redeemable_object", "$is"): "voucher"}, JANE_CODES),
        ({condition("id", "$has_value"): ""}, JANE_CODES),
        ({condition("id", "$is_unknown"): ""}, []),
        ({condition("created_at", "$after"): "2024-01-01T00:00:00Z"}, ["GIFT-JANE-5000", "REF-JANE-2024"]),
        ({condition("created_at", "$before"): "2018-04-15"}, ["WELCOME-JD10"]),
        ({condition("created_at", "$less_than"): "365"}, ["GIFT-JANE-5000"]),
        ({condition("created_at", "$more_than"): "365"}, ["BEAN-JANE-0001", "WELCOME-JD10", "REF-JANE-2024"]),
        (
            {
                condition("holder_role", "$is"): "REFERRER",
                condition("voucher_type", "$is"): "GIFT_VOUCHER",
                "filters[junction]": "or",
            },
            ["GIFT-JANE-5000", "REF-JANE-2024"],
        ),
        (
            {
                condition("voucher_type", "$is"): "DISCOUNT_VOUCHER",
                condition("holder_role", "$is"): "OWNER",
                "filters[junction]": "and",
            },
            ["WELCOME-JD10"],
        ),
    ],
)
async def test_filter_conditions(
    voucherify_api: httpx2.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    assert await codes(voucherify_api, **params) == expected


async def test_total_counts_the_filtered_holdings(voucherify_api: httpx2.AsyncClient) -> None:
    response = await voucherify_api.get(
        "/v1/customers/uc-100001/redeemables", params={condition("holder_role", "$is"): "OWNER", "limit": 1}
    )
    assert (response.json()["total"], response.json()["has_more"]) == (3, True)


@pytest.mark.parametrize(
    ("params", "start"),
    [
        ({condition("colour", "$is"): "red"}, "filters: unknown field"),
        ({condition("holder_role", "$contains"): "OWN"}, "filters[holder_role]: unsupported operator"),
        ({condition("created_at", "$is"): "2024-01-01"}, "filters[created_at]: unsupported operator"),
        ({condition("id", "$regex"): "x"}, "filters[id]: unsupported operator"),
        ({condition("holder_role", "$is"): "BOSS"}, "filters[holder_role][conditions][$is]: expected one of"),
        ({condition("created_at", "$after"): "soon"}, "filters[created_at][conditions][$after]:"),
        ({condition("created_at", "$more_than"): "-3"}, "filters[created_at][conditions][$more_than]:"),
        ({"filters[junction]": "xor"}, "filters[junction]:"),
        ({"filters[id]": "None"}, "filters: expected"),
        ({"filters": "holder_role"}, "filters: expected"),
        ({condition("id", "$is") + "[0]": "a", condition("id", "$is") + "[1]": "b"}, "filters[id][conditions][$is]:"),
        ({"order": "created_at"}, "order:"),
    ],
)
async def test_an_unknown_field_or_operator_is_the_documented_400(
    voucherify_api: httpx2.AsyncClient, params: dict[str, str], start: str
) -> None:
    response = await voucherify_api.get("/v1/customers/uc-100001/redeemables", params=params)
    error = response.json()
    assert response.status_code == 400
    assert (error["code"], error["key"], error["message"]) == (400, "invalid_query_params", "Invalid query params")
    assert error["details"].startswith(start), error["details"]
    assert "colour" not in error["details"] and "BOSS" not in error["details"]


def test_the_filter_table_is_the_specs() -> None:
    filters = spec()["components"]["schemas"]["ParameterFiltersListCustomerRedeemables"]["properties"]
    schemas = spec()["components"]["schemas"]

    def operators(field: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
        conditions = field["properties"]["conditions"]
        if "$ref" in conditions:
            conditions = schemas[conditions["$ref"].rsplit("/", 1)[1]]
        ops = tuple(conditions["properties"])
        enum = conditions["properties"].get("$is", {}).get("enum")
        return ops, tuple(enum) if enum else None

    from_spec = {name: operators(field) for name, field in filters.items() if name != "junction"}
    assert {
        name: (tuple(ops), tuple(values) if values else None) for name, (ops, values) in REDEEMABLE_FILTERS.items()
    } == {
        name: (
            ops,
            tuple(sorted(values, key=lambda v: list(REDEEMABLE_FILTERS[name][1] or ()).index(v))) if values else None,
        )
        for name, (ops, values) in from_spec.items()
    }
