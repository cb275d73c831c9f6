"""Voucherify's results leave through the same outbound filter as UltraCart's (core): text planted for an AI in a
customer's fields is pointed at, configured personal fields are masked, and a secret-looking metadata key never
shows its value."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.client import Client

from tests.voucherify.mcp.conftest import JANE, JANE_EMAIL, ServerFactory

pytestmark = pytest.mark.anyio

MALLORY = "uc-100009"  # instruction-like text in her description and metadata (demo data)
EVE = "uc-100011"  # a fake end of data and a role marker in her metadata


async def content(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error and result.structured_content is not None, result.content
    return result.structured_content


@pytest.mark.parametrize("source_id", [MALLORY, EVE])
async def test_planted_instructions_are_pointed_at_and_left_as_data(client: Client, source_id: str) -> None:
    found = await content(client, "voucherify_get_customer", {"customer_id": source_id})
    assert found["warnings"], found
    assert "customer.metadata" in " ".join(found["warnings"])
    assert found["customer"]["source_id"] == source_id  # the record itself is unchanged


async def test_planted_text_in_a_list_is_pointed_at_too(client: Client) -> None:
    found = await content(
        client, "voucherify_list_customers", {"email": "mallory.injector@example.net", "fields": ["description"]}
    )
    assert found["warnings"] and found["returned"] == 1


async def test_configured_fields_are_masked_in_tables_and_records(server_factory: ServerFactory) -> None:
    async with Client(server_factory(redact=["email", "name", "phone"])) as client:
        listed = await content(client, "voucherify_list_customers", {"email": JANE_EMAIL})
        one = await content(client, "voucherify_get_customer", {"customer_id": JANE})
    columns = listed["columns"]
    for row in listed["items"]:
        assert row[columns.index("email")] == "j***@example.com"
        assert row[columns.index("name")].endswith("***")
    record = one["customer"]
    assert record["email"] == "j***@example.com" and record["name"] == "J***"
    assert record["phone"].endswith("0143") and "512" not in record["phone"]


async def test_a_secret_looking_metadata_key_never_shows_its_value(client: Client) -> None:
    await content(
        client,
        "voucherify_update_customer",
        {"customer_id": JANE, "changes": {"metadata": {"api_key": "sk-CANARY-0123456789"}}},
    )
    found = await content(client, "voucherify_get_customer", {"customer_id": JANE})
    assert "sk-CANARY-0123456789" not in str(found)


async def test_voucherifys_own_field_names_are_masked(server_factory: ServerFactory) -> None:
    """Provider.redaction_fields: the address lines are line_1/line_2, a customer's note is its description."""
    async with Client(server_factory(redact=["address", "notes"])) as client:
        one = await content(client, "voucherify_get_customer", {"customer_id": JANE})
    assert "Pecan Hollow" not in str(one["customer"]["address"]) and "78704" not in str(one["customer"]["address"])
    assert "whole bean" not in one["customer"].get("description", "")
    assert one["customer"]["address"]["city"] == "Austin"  # not an address part any provider masks
