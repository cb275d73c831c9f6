"""ultracart/views.py: the compact customer view, on hand-made shapes and on sandbox data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from uc_mcp.core.budget import fit_list, prune, result_json, text_tokens
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions
from uc_mcp.ultracart.views import COMPACT_CUSTOMER_FIELDS, customer_view

BASE = {
    "customer_profile_oid": 7,
    "email": "zoe@example.co.uk",
    "signup_dts": "2018-04-14T11:22:00-04:00",
    "last_modified_dts": "2026-10-29T15:05:00-04:00",
    "business_notes": "not in the view",
}


def test_keys_and_order() -> None:
    assert tuple(customer_view({})) == COMPACT_CUSTOMER_FIELDS
    assert prune(customer_view({})) == {}


def test_no_addresses_not_expanded() -> None:
    view = prune(customer_view(BASE))
    assert view == {
        "customer_profile_oid": 7,
        "email": "zoe@example.co.uk",
        "signup_date": "2018-04-14",
        "last_modified_date": "2026-10-29",
    }
    assert "tag_count" not in view  # tags not expanded: unknown, not zero


def test_empty_tags_count_zero() -> None:
    assert customer_view({**BASE, "tags": []})["tag_count"] == 0
    assert customer_view({**BASE, "tags": [{"tag_value": "vip"}, {"tag_value": "wholesale"}]})["tag_count"] == 2


def test_only_shipping_prefers_default_shipping() -> None:
    customer = {
        **BASE,
        "billing": [],
        "shipping": [
            {"first_name": "Gift", "last_name": "Recipient", "city": "Leeds", "default_shipping": False},
            {
                "first_name": "Zoë",
                "last_name": "Brontë",
                "city": "London",
                "country_code": "GB",
                "default_shipping": True,
            },
        ],
    }
    view = customer_view(customer)
    assert (view["name"], view["city"], view["country"]) == ("Zoë Brontë", "London", "GB")


def test_non_default_billing_first() -> None:
    customer = {
        **BASE,
        "billing": [
            {"first_name": "Old", "last_name": "Address", "city": "Austin", "default_billing": False},
            {
                "first_name": "Taro",
                "last_name": "山田",
                "company": "山田商店",
                "city": "東京",
                "state_region": "Tokyo",
                "country_code": "JP",
                "default_billing": True,
            },
        ],
        "shipping": [{"first_name": "Ship", "last_name": "Only", "city": "Osaka", "default_shipping": True}],
    }
    view = customer_view(customer)
    assert [view[k] for k in ("name", "company", "city", "state", "country")] == [
        "Taro 山田",
        "山田商店",
        "東京",
        "Tokyo",
        "JP",
    ]


def test_first_billing_when_none_is_default_and_fields_come_from_one_address() -> None:
    customer = {
        **BASE,
        "billing": [
            {"first_name": " José ", "last_name": "", "city": "Ciudad de México"},
            {"first_name": "Other", "company": "Acme", "city": "Monterrey"},
        ],
    }
    view = prune(customer_view(customer))
    assert view["name"] == "José"
    assert view["city"] == "Ciudad de México"
    assert "company" not in view  # never borrowed from another address


def test_blank_names_give_no_name() -> None:
    view = customer_view({**BASE, "billing": [{"first_name": "  ", "last_name": None, "city": "X"}]})
    assert view["name"] is None
    assert view["city"] == "X"


# -- on sandbox data -------------------------------------------------------------------------------


def _expected(customer: Mapping[str, Any]) -> dict[str, Any]:
    """The compact view derived independently of views.py, from the raw API JSON."""
    billing = customer.get("billing") or []
    shipping = customer.get("shipping") or []
    address = (
        next((b for b in billing if b.get("default_billing")), None)
        or (billing[0] if billing else None)
        or next((s for s in shipping if s.get("default_shipping")), None)
        or (shipping[0] if shipping else None)
        or {}
    )
    name = " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p)
    out = {
        "customer_profile_oid": customer.get("customer_profile_oid"),
        "email": customer.get("email"),
        "name": name,
        "company": address.get("company"),
        "city": address.get("city"),
        "state": address.get("state_region"),
        "country": address.get("country_code"),
        "signup_date": customer["signup_dts"][:10],
        "last_modified_date": customer["last_modified_dts"][:10],
    }
    return {k: v for k, v in out.items() if v not in (None, "")}


@pytest.mark.anyio
async def test_compact_view_of_50_sandbox_customers() -> None:
    box = Sandbox(SandboxOptions(customers=60))
    try:
        async with box.client() as client:
            response = await client.get("/customer/customers", params={"_limit": 50, "_expand": "billing,shipping"})
    finally:
        box.close()
    assert response.status_code == 200
    body = response.json()
    customers = body["customers"]
    result_set = body["metadata"]["result_set"]
    assert len(customers) == 50

    result = fit_list(
        customers,
        view=customer_view,
        total=result_set["total_records"],
        offset=0,
        more=result_set["more"],
        max_tokens=100_000,
        columns=COMPACT_CUSTOMER_FIELDS,
    )
    text = result_json(result)
    raw_bytes = len(response.content)
    compact_bytes = len(text.encode("utf-8"))
    ratio = raw_bytes / compact_bytes
    print(f"\n50 customers: raw {raw_bytes} B, compact view {compact_bytes} B, {ratio:.1f}x smaller")

    assert result["returned"] == 50
    assert result["total"] == 60
    assert result["next_offset"] == 50
    assert "notice" not in result
    assert json.loads(text)["items"] == result["items"]
    assert result["columns"] == list(COMPACT_CUSTOMER_FIELDS)
    rows = [dict(zip(COMPACT_CUSTOMER_FIELDS, row, strict=True)) for row in result["items"]]
    for customer, item in zip(customers, rows, strict=True):
        assert {k: v for k, v in item.items() if v is not None} == _expected(customer)
    # Every record has a name and a city from its addresses, so the view really used them.
    assert all(item["name"] and item["city"] for item in rows)
    assert ratio >= 10.0
    assert text_tokens(text) < raw_bytes / 4 / 10


def test_the_overview_orders_ledger_entries_by_time_not_by_their_text() -> None:
    from uc_mcp.ultracart.tools.overview import _store_credit

    # The night clocks went back: 01:30 EDT (05:30 UTC) came before 01:10 EST (06:10 UTC).
    entries = [
        {"entry_dts": "2026-11-01T01:10:00-05:00", "amount": 2, "description": "second"},
        {"entry_dts": "2026-11-01T01:30:00-04:00", "amount": 1, "description": "first"},
        {"entry_dts": "not a date", "amount": 0, "description": "unreadable"},
        {"entry_dts": "2026-11-01T07:00:00", "amount": 3, "description": "third (no offset: UTC)"},
    ]
    summary = _store_credit({"past_ledgers": entries, "available": 3})
    assert summary is not None
    # Newest first; what cannot be read as a date-time counts as oldest.
    assert [entry["description"] for entry in summary["recent"]] == [
        "third (no offset: UTC)",
        "second",
        "first",
        "unreadable",
    ]
    assert summary["ledger_entries"] == 4
