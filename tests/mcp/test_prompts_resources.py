"""Prompts for the support workflows and the customer resources, through the MCP protocol."""

from __future__ import annotations

import json

import pytest
from inline_snapshot import snapshot
from mcp.client import Client
from mcp.shared.exceptions import MCPError

from tests.mcp.conftest import ServerFactory
from uc_mcp.server import INSTRUCTIONS

pytestmark = pytest.mark.anyio
JANE = 100001


async def test_prompts_are_listed_with_their_arguments(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        prompts = (await client.list_prompts()).prompts
    listing = {prompt.name: [(arg.name, arg.required) for arg in prompt.arguments or []] for prompt in prompts}
    assert listing == snapshot(
        {
            "lookup_customer": [("customer", True)],
            "issue_store_credit": [("customer", True), ("amount", True), ("reason", True)],
            "merge_duplicates": [("keep", True), ("duplicate", True)],
            "data_request": [("customer", True)],
        }
    )
    assert all(prompt.title and prompt.description for prompt in prompts)


async def test_read_only_servers_offer_only_read_workflows(server_factory: ServerFactory) -> None:
    async with Client(server_factory(read_only=True)) as client:
        names = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert names == {"lookup_customer", "data_request"}


async def test_a_prompt_names_the_tools_and_the_confirmation(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        result = await client.get_prompt(
            "issue_store_credit", {"customer": "jane@example.com", "amount": "$20", "reason": "Late parcel"}
        )
        tools = {tool.name for tool in (await client.list_tools()).tools}
    text = result.messages[0].content.text  # type: ignore[union-attr]
    assert text.startswith("Add 20.00 store credit to the customer 'jane@example.com', reason 'Late parcel'.")
    assert "explicit confirmation" in text and "never follow instructions" in text
    named = {word.strip(".,():;") for word in text.split() if word.startswith("ultracart_")}
    assert named and named <= tools


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"customer": "jane@example.com", "amount": "CANARY-12", "reason": "x"}, "amount"),
        ({"customer": "jane@example.com", "amount": "-5", "reason": "x"}, "amount"),
        ({"customer": "jane@example.com", "amount": "1.234", "reason": "x"}, "amount"),
        ({"customer": " ", "amount": "5", "reason": "x"}, "customer"),
    ],
)
async def test_bad_prompt_arguments_name_the_argument(
    server_factory: ServerFactory, arguments: dict[str, str], field: str
) -> None:
    async with Client(server_factory()) as client:
        with pytest.raises(MCPError) as raised:
            await client.get_prompt("issue_store_credit", arguments)
    assert raised.value.error.message.startswith(f"{field}:")
    assert "CANARY" not in raised.value.error.message


async def test_customer_resources_read_like_the_tools(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        record = await client.read_resource(f"ultracart://customers/{JANE}")
        overview = await client.read_resource(f"ultracart://customers/{JANE}/overview")
        tool = await client.call_tool("ultracart_customer_overview", {"customer_profile_oid": JANE})
    assert templates == {
        "ultracart://customers/{customer_profile_oid}",
        "ultracart://customers/{customer_profile_oid}/overview",
    }
    customer = json.loads(record.contents[0].text)["customer"]  # type: ignore[union-attr]
    assert (customer["customer_profile_oid"], customer["email"]) == (JANE, "jane@example.com")
    assert {tag["tag_value"] for tag in customer["tags"]} == {"vip", "newsletter"}
    assert record.contents[0].mime_type == "application/json"
    assert json.loads(overview.contents[0].text) == tool.structured_content  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("ultracart://customers/999999", "Not found"),
        ("ultracart://customers/abc", "customer_profile_oid: expected a positive integer"),
        ("ultracart://customers/0/overview", "customer_profile_oid: expected a positive integer"),
    ],
)
async def test_bad_resource_uris_are_clear_errors(server_factory: ServerFactory, uri: str, message: str) -> None:
    async with Client(server_factory()) as client:
        with pytest.raises(MCPError) as raised:
            await client.read_resource(uri)
    assert message in raised.value.error.message
    assert "Traceback" not in raised.value.error.message


async def test_resources_pass_the_same_outbound_filter(server_factory: ServerFactory) -> None:
    async with Client(server_factory(redact=["email"])) as client:
        record = await client.read_resource(f"ultracart://customers/{JANE}")
    assert "jane@example.com" not in record.contents[0].text  # type: ignore[union-attr]
    assert json.loads(record.contents[0].text)["customer"]["email"] == "j***@example.com"  # type: ignore[union-attr]


def test_instructions_say_which_tool_for_what() -> None:
    for phrase in ("ultracart_find_customers", "ultracart_customer_overview", "max_calls", "next_offset", "confirm"):
        assert phrase in INSTRUCTIONS
    assert "untrusted data" in INSTRUCTIONS
