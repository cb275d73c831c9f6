"""Prompts for the support workflows and the customer resources, through the MCP protocol.

Resources and prompts follow the scope of the tools (issue 14, finding 8): a resource is listed and
readable only where the tool returning the same data is, a prompt only where every tool it names is, on
stdio (``--toolsets``, ``--read-only``) as under an HTTP token's scope.
"""

from __future__ import annotations

import json
import re

import pytest
from inline_snapshot import snapshot
from mcp.client import Client
from mcp.shared.exceptions import MCPError

from tests.support.mcp import ScopedFactory, prompt_texts
from tests.ultracart.mcp.conftest import ServerFactory, SettingsFactory, make_settings
from uc_mcp.http_auth import Scope
from uc_mcp.server import build_server, instructions, new_runtime, runtime_of
from uc_mcp.ultracart.prompts import PROMPTS
from uc_mcp.ultracart.tools import TOOLS, TOOLSETS

# The instructions as the server sends them (composed from the enabled providers).
INSTRUCTIONS = instructions(new_runtime(make_settings(backend="sandbox"), "stdio"))

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


# -- scope: resources and prompts follow the tools ---------------------------------------------------------

# Which tool returns the same data as each resource template (and an URI that reads it): the template is
# offered exactly where that tool is. Written here, not imported, so that the code's own table is checked.
RESOURCE_TOOLS = {
    "ultracart://customers/{customer_profile_oid}": ("ultracart_get_customer", f"ultracart://customers/{JANE}"),
    "ultracart://customers/{customer_profile_oid}/overview": (
        "ultracart_customer_overview",
        f"ultracart://customers/{JANE}/overview",
    ),
    # Over HTTP only (stdio exports are paths); the id is well formed, so only scope can refuse it first.
    "ultracart://exports/{token}.csv": ("ultracart_export_customers", "ultracart://exports/AAAAAAAAAAAAAAAAAAAAAA.csv"),
    "ultracart://exports/{token}.jsonl": (
        "ultracart_export_customers",
        "ultracart://exports/AAAAAAAAAAAAAAAAAAAAAA.jsonl",
    ),
}
HTTP_ONLY = {"ultracart://exports/{token}.csv", "ultracart://exports/{token}.jsonl"}
PROMPT_ARGUMENTS = {
    "lookup_customer": {"customer": "jane@example.com"},
    "issue_store_credit": {"customer": "jane@example.com", "amount": "20.00", "reason": "Goodwill"},
    "merge_duplicates": {"keep": "jane@example.com", "duplicate": "jane.doe@example.com"},
    "data_request": {"customer": "jane@example.com"},
}
TOOL_NAME = re.compile(r"\bultracart_[a-z_]+\b")
# Every toolset alone, and the server's own; each writable and read-only.
SCOPES = [
    pytest.param(toolsets, read_only, id=f"{toolsets[0] if toolsets else 'all'}-{'ro' if read_only else 'rw'}")
    for toolsets in [*([name] for name in TOOLSETS), None]
    for read_only in (False, True)
]


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize(("toolsets", "read_only"), SCOPES)
async def test_resources_follow_the_tool_that_returns_their_data(
    scoped_server: ScopedFactory, transport: str, toolsets: list[str] | None, read_only: bool
) -> None:
    server = scoped_server(transport, toolsets, read_only)
    async with Client(server) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        offered = {
            template
            for template, (tool, _) in RESOURCE_TOOLS.items()
            if tool in tools and (transport == "http" or template not in HTTP_ONLY)
        }
        assert templates == offered
        for template, (_, uri) in RESOURCE_TOOLS.items():
            if template in offered:
                continue
            with pytest.raises(MCPError) as refused:  # not readable either, by an URI guessed from another server
                await client.read_resource(uri)
            assert refused.value.error.message == f"Unknown resource: {uri}"


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize(("toolsets", "read_only"), SCOPES)
async def test_prompts_follow_the_tools_they_name(
    server_factory: ServerFactory,
    scoped_server: ScopedFactory,
    transport: str,
    toolsets: list[str] | None,
    read_only: bool,
) -> None:
    async with Client(server_factory()) as client:
        every = await prompt_texts(
            client, {prompt.name for prompt in (await client.list_prompts()).prompts}, PROMPT_ARGUMENTS
        )
    server = scoped_server(transport, toolsets, read_only)
    async with Client(server) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        listed = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert every.keys() == PROMPT_ARGUMENTS.keys()
    assert listed == {name for name, text in every.items() if set(TOOL_NAME.findall(text)) <= tools}


async def test_each_prompt_needs_exactly_the_tools_its_text_names(server_factory: ServerFactory) -> None:
    """The class of bug: a prompt's text naming a tool that its requirements leave out (issue_store_credit
    named ultracart_customer_overview and ultracart_get_customer_store_credit), so that it could be offered
    where the model cannot follow it."""
    async with Client(server_factory(toolsets=list(TOOLSETS))) as client:
        texts = await prompt_texts(client, set(PROMPT_ARGUMENTS), PROMPT_ARGUMENTS)
    named = {name: frozenset(TOOL_NAME.findall(text)) for name, text in texts.items()}
    assert {spec.fn.__name__: spec.needs for spec in PROMPTS} == named
    assert set().union(*named.values()) <= {tool.name for tool in TOOLS}  # real tools, no stray word


async def test_a_store_credit_token_reads_no_profile(settings_factory: SettingsFactory) -> None:
    """The reported case: a token scoped to store_credit read whole profiles through the resource templates."""
    server = build_server(settings_factory(), "http", scope=Scope(toolsets=("store_credit",)))
    try:
        async with Client(server) as client:
            assert (await client.list_resource_templates()).resource_templates == []
            for uri in (f"ultracart://customers/{JANE}", f"ultracart://customers/{JANE}/overview"):
                with pytest.raises(MCPError) as refused:
                    await client.read_resource(uri)
                assert "jane@example.com" not in str(refused.value.error)
            credit = await client.call_tool("ultracart_get_customer_store_credit", {"customer_profile_oid": JANE})
    finally:
        if runtime_of(server).sandbox is not None:
            runtime_of(server).sandbox.close()
    assert not credit.is_error  # the token still does what its scope allows
