"""Voucherify's create (an upsert) and update through the MCP protocol, on the embedded sandbox: what the result says
was created or updated, each changed field before and after, partial updates that keep what was not named, bad
input named by its field, and the audit trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from inline_snapshot import snapshot
from mcp.client import Client

from tests.voucherify.mcp.conftest import JANE, JANE_EMAIL, UNKNOWN

pytestmark = pytest.mark.anyio


def text(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return result.structured_content


async def customer(client: Client, customer_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await call(client, "voucherify_get_customer", {"customer_id": customer_id}))["customer"]
    return found


# -- create: an upsert --------------------------------------------------------------------------------------


async def test_create_with_a_new_source_id_creates_and_says_so(client: Client) -> None:
    result = await call(
        client,
        "voucherify_create_customer",
        {"source_id": "crm-7781", "name": "Ann Lee", "email": "ann.lee@example.net", "address": {"city": "Oslo"}},
    )
    created = result["customer"]
    assert result["outcome"] == "created" and result["sandbox"] is True
    assert created["id"].startswith("cust_") and created["source_id"] == "crm-7781"
    assert result["changes"] == {"added": {"customers": [created["id"]]}}
    assert (await customer(client, "crm-7781"))["address"]["city"] == "Oslo"


async def test_create_with_an_existing_source_id_updates_that_customer(client: Client) -> None:
    before = await customer(client, JANE)
    result = await call(client, "voucherify_create_customer", {"source_id": JANE, "phone": "+1 512 555 0199"})
    assert result["outcome"] == "updated"
    assert result["customer"]["id"] == before["id"]
    assert result["changes"] == {"before": {"phone": before["phone"]}, "after": {"phone": "+1 512 555 0199"}}
    assert "already existed" in result["notice"]
    after = await customer(client, JANE)
    assert after["name"] == before["name"] and after["email"] == before["email"]  # the rest kept


async def test_create_without_a_source_id_names_the_customers_that_share_the_email(client: Client) -> None:
    result = await call(client, "voucherify_create_customer", {"name": "Jane Doe", "email": JANE_EMAIL})
    assert result["outcome"] == "created"
    assert "Other customers already have this email" in result["notice"]
    assert (await customer(client, JANE))["id"] in result["notice"]
    listed = await call(client, "voucherify_list_customers", {"email": JANE_EMAIL})
    assert listed["total"] == 3  # Voucherify allows it: created all the same


async def test_a_source_id_that_is_another_customers_id_is_no_match(client: Client) -> None:
    """``{customerId}`` resolves ids too: the lookup must not take a customer found by id for the upsert's match."""
    jane_id = (await customer(client, JANE))["id"]
    result = await call(client, "voucherify_create_customer", {"source_id": jane_id, "name": "Not Jane"})
    assert result["outcome"] == "created" and result["customer"]["id"] != jane_id


# -- update: partial ----------------------------------------------------------------------------------------


async def test_update_changes_only_the_named_fields_and_reports_them(client: Client) -> None:
    before = await customer(client, JANE)
    result = await call(
        client,
        "voucherify_update_customer",
        {
            "customer_id": JANE,
            "changes": {
                "name": "Jane Q. Doe",
                "phone": "",
                "address": {"city": "Round Rock"},
                "metadata": {"tier": "gold", "newsletter": None},
            },
        },
    )
    after = result["customer"]
    assert result["outcome"] == "updated"
    assert result["changes"] == snapshot(
        {
            "before": {
                "name": "Jane Doe",
                "phone": "+1 512 555 0143",
                "address": {"city": "Austin"},
                "metadata": {"newsletter": True},
            },
            "after": {"name": "Jane Q. Doe", "address": {"city": "Round Rock"}, "metadata": {"tier": "gold"}},
        }
    )
    # Kept: what was not named, the address's other parts, the other metadata keys.
    assert after["email"] == before["email"] and after["birthdate"] == before["birthdate"]
    assert after["address"] == {**before["address"], "city": "Round Rock"}
    expected = {key: value for key, value in before["metadata"].items() if key != "newsletter"} | {"tier": "gold"}
    assert after["metadata"] == expected
    assert "phone" not in after
    assert await customer(client, before["id"]) == after


async def test_an_update_that_changes_nothing_writes_nothing(client: Client) -> None:
    before = await customer(client, JANE)
    result = await call(
        client, "voucherify_update_customer", {"customer_id": JANE, "changes": {"name": before["name"]}}
    )
    assert result["outcome"] == "unchanged" and "nothing was written" in result["notice"]
    assert "changes" not in result
    assert (await customer(client, JANE))["updated_at"] == before["updated_at"]


async def test_writes_are_audited_with_intent_and_outcome(client: Client, tmp_path: Path) -> None:
    await call(client, "voucherify_update_customer", {"customer_id": JANE, "changes": {"name": "J. Doe"}})
    await call(client, "voucherify_create_customer", {"source_id": "crm-1", "email": "a@b.example"})
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    events = [(record["tool"], record["event"]) for record in records]
    assert events == [
        ("voucherify_update_customer", "intent"),
        ("voucherify_update_customer", "executed"),
        ("voucherify_create_customer", "intent"),
        ("voucherify_create_customer", "executed"),
    ]
    assert records[0]["arguments"]["customer_id"] == JANE
    # The record's ids (Provider.audit_id_keys): what it acted on, and the customer a create made.
    assert records[0]["targets"] == {"customer_id": JANE}
    assert records[2]["targets"] == {"source_id": "crm-1"}
    assert records[3]["result"]["id"].startswith("cust_") and records[3]["result"]["source_id"] == "crm-1"


async def test_an_update_of_an_unknown_customer_is_a_clear_not_found(client: Client) -> None:
    result = await client.call_tool("voucherify_update_customer", {"customer_id": UNKNOWN, "changes": {"name": "X"}})
    assert result.is_error and "Not found (HTTP 404)" in text(result) and "Cannot find customer" in text(result)


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    ("voucherify_create_customer", {}, "nothing to create"),
    ("voucherify_create_customer", {"email": "not an email"}, "email"),
    ("voucherify_create_customer", {"birthdate": "1990-02-30"}, "birthdate"),
    ("voucherify_create_customer", {"birthdate": "30/02/1990"}, "birthdate"),
    ("voucherify_create_customer", {"id": "cust_abc", "name": "X"}, "id"),
    ("voucherify_create_customer", {"metadata": {"k" * 101: 1}}, "metadata"),
    ("voucherify_create_customer", {"address": {"street": "Main St"}}, "address.street"),
    ("voucherify_create_customer", {"name": 7}, "name"),
    ("voucherify_update_customer", {"changes": {"name": "X"}}, "customer_id"),
    ("voucherify_update_customer", {"customer_id": JANE}, "changes"),
    ("voucherify_update_customer", {"customer_id": JANE, "changes": {}}, "changes"),
    ("voucherify_update_customer", {"customer_id": JANE, "changes": {"source_id": "new"}}, "changes.source_id"),
]


@pytest.mark.parametrize(("tool", "arguments", "field"), BAD_INPUT, ids=[f"{t}-{f}" for t, _, f in BAD_INPUT])
async def test_bad_input_names_the_field_and_writes_nothing(
    client: Client, tool: str, arguments: dict[str, Any], field: str
) -> None:
    before = await call(client, "voucherify_list_customers", {"limit": 1})
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert field in text(result), text(result)
    assert "Traceback" not in text(result) and "not an email" not in text(result)
    after = await call(client, "voucherify_list_customers", {"limit": 1})
    assert after["total"] == before["total"]
