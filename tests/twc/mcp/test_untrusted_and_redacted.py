"""TWC's results leave through the same outbound filter as the other providers' (core): text planted for an AI in
a customer's fields is pointed at and left as data, and configured personal fields are masked under TWC's own
field names (firstName, mobile, address1, postcode, dob: ``Provider.redaction_fields``)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.client import Client

from tests.support.mcp import rows
from tests.twc.mcp.conftest import JANE_EMAIL, JANE_REF, ServerFactory

pytestmark = pytest.mark.anyio

MALLORY_EMAIL = "mallory.injector@example.net"  # instruction-like text in her CRM note and address name


async def content(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error and result.structured_content is not None, result.content
    return result.structured_content


async def test_planted_instructions_are_pointed_at_and_left_as_data(client: Client) -> None:
    (mallory,) = rows(await content(client, "twc_search_customers", {"email": MALLORY_EMAIL}))
    found = await content(client, "twc_get_customer", {"customer": mallory["id"]})
    assert found["warnings"], found
    assert found["customer"]["email"] == MALLORY_EMAIL  # the record itself is unchanged


async def test_twcs_own_field_names_are_masked(server_factory: ServerFactory) -> None:
    async with Client(server_factory(redact=["email", "name", "phone", "address"])) as client:
        listed = await content(client, "twc_search_customers", {"email": JANE_EMAIL})
        one = await content(client, "twc_get_customer", {"match_by": "customerRef", "customer": JANE_REF})
    (row,) = rows(listed)
    assert row["email"] == "j***@example.com" and row["name"].endswith("***") and "512" not in row["mobile"]
    record = one["customer"]
    assert (record["firstName"], record["lastName"]) == ("J***", "***")  # three letters: none shown
    assert record["mobile"].endswith("0143") and "512" not in record["mobile"]
    home = record["defaultAddress"]
    assert "Pecan Hollow" not in str(record) and "78704" not in str(record) and "1986" not in str(record)
    assert home["city"] == "Austin" and record["customerRef"] == JANE_REF  # neither is a masked class


async def test_nothing_is_masked_unless_configured(client: Client) -> None:
    record = (await content(client, "twc_get_customer", {"match_by": "customerRef", "customer": JANE_REF}))["customer"]
    assert record["firstName"] == "Jane" and record["defaultAddress"]["address1"] == "2207 Pecan Hollow Dr"
