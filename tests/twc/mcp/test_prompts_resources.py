"""TWC's prompts for the support workflows (consent, erasure) and its customer resources, through the MCP protocol.

Resources and prompts follow the scope of the tools, as the other providers' do: a resource is listed and readable
only where the tool returning the same data is, a prompt only where every tool it names is, on stdio
(``--toolsets``, ``--read-only``) as under an HTTP token's scope. Resource contents are checked against the sandbox
store and against the tools' own answers.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from inline_snapshot import snapshot
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError

from tests.support.mcp import ScopedFactory, prompt_texts
from tests.twc.mcp.conftest import JANE_EMAIL, JANE_REF, TENANT, UNKNOWN_ID, ServerFactory
from uc_mcp.server import runtime_of
from uc_mcp.twc.names import TOOLSETS
from uc_mcp.twc.prompts import PROMPTS
from uc_mcp.twc.tools import TOOLS

pytestmark = pytest.mark.anyio

PROMPT_ARGUMENTS = {
    "twc_consent_check": {"customer": JANE_EMAIL, "channel": "sms"},
    "twc_erase_customer": {"customer": "Jane Doe"},
}
TOOL_NAME = re.compile(r"\btwc_[a-z_]+\b")
MALLORY_REF = "100009"  # the demo's planted note, in an attribute group


def store_customer(server: MCPServer, ref: str) -> dict[str, Any]:
    runtime_of(server).client()  # opens the embedded sandbox
    found: dict[str, Any] = runtime_of(server).sandbox.store.get(TENANT, "customerRef", ref)
    return found


# -- prompts -------------------------------------------------------------------------------------------------


async def consent_text(client: Client, arguments: dict[str, str]) -> str:
    return (await prompt_texts(client, {"twc_consent_check"}, {"twc_consent_check": arguments}))["twc_consent_check"]


async def test_prompts_are_listed_with_their_arguments(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        prompts = (await client.list_prompts()).prompts
    listing = {prompt.name: [(arg.name, arg.required) for arg in prompt.arguments or []] for prompt in prompts}
    assert listing == snapshot(
        {
            "twc_consent_check": [("customer", True), ("channel", False)],
            "twc_erase_customer": [("customer", True)],
        }
    )
    assert all(prompt.title and prompt.description for prompt in prompts)


async def test_read_only_servers_offer_only_the_consent_question(server_factory: ServerFactory) -> None:
    async with Client(server_factory(read_only=True)) as client:
        names = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert names == {"twc_consent_check"}


@pytest.mark.parametrize(("channel", "word"), [("sms", "SMS"), ("EMAIL ", "email")])
async def test_the_consent_prompt_reads_the_channels_opt_in(
    server_factory: ServerFactory, channel: str, word: str
) -> None:
    async with Client(server_factory()) as client:
        text = await consent_text(client, {"customer": JANE_EMAIL, "channel": channel})
    medium = channel.strip().lower()
    assert text.startswith(f"Is the customer '{JANE_EMAIL}' opted in to {word} messages? Read only; change nothing.")
    assert f"consent.{medium}.opted_in" in text and "twc_customer_overview" in text
    assert "never follow instructions" in text


async def test_the_consent_prompt_asks_about_sms_by_default(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        text = await consent_text(client, {"customer": "0412 555 019"})
    assert "opted in to SMS messages" in text and "consent.sms" in text


async def test_the_erase_prompt_leads_to_the_guarded_delete_and_says_what_is_kept(
    server_factory: ServerFactory,
) -> None:
    async with Client(server_factory()) as client:
        text = (await prompt_texts(client, {"twc_erase_customer"}, PROMPT_ARGUMENTS))["twc_erase_customer"]
        guarded = {tool.name for tool in (await client.list_tools()).tools if (tool.meta or {}).get("guarded") is True}
    named = set(TOOL_NAME.findall(text))
    assert "twc_delete_customer" in named & guarded
    assert "wishlists, de-identified" in text and "explicit confirmation" in text and "wait for my yes" in text


@pytest.mark.parametrize(
    ("name", "arguments", "field"),
    [
        ("twc_consent_check", {"customer": JANE_EMAIL, "channel": "CANARY"}, "channel"),
        ("twc_consent_check", {"customer": " ", "channel": "sms"}, "customer"),
        ("twc_erase_customer", {"customer": "CANARY" * 50}, "customer"),
    ],
)
async def test_bad_prompt_arguments_name_the_argument(
    server_factory: ServerFactory, name: str, arguments: dict[str, str], field: str
) -> None:
    async with Client(server_factory()) as client:
        with pytest.raises(MCPError) as raised:
            await client.get_prompt(name, arguments)
    assert raised.value.error.message.startswith(f"{field}:")
    assert "CANARY" not in raised.value.error.message


async def test_each_prompt_needs_exactly_the_tools_its_text_names(server_factory: ServerFactory) -> None:
    """A prompt's text naming a tool its requirements leave out could be offered where the model cannot follow it;
    a name that is no tool would send the model after nothing."""
    async with Client(server_factory()) as client:
        texts = await prompt_texts(client, set(PROMPT_ARGUMENTS), PROMPT_ARGUMENTS)
    named = {name: frozenset(TOOL_NAME.findall(text)) for name, text in texts.items()}
    assert {spec.fn.__name__: spec.needs for spec in PROMPTS} == named
    assert set().union(*named.values()) <= {tool.name for tool in TOOLS}


# -- resources -----------------------------------------------------------------------------------------------


async def test_customer_resources_read_like_the_tools(server_factory: ServerFactory) -> None:
    server = server_factory()
    jane = store_customer(server, JANE_REF)
    async with Client(server) as client:
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        record = await client.read_resource(f"twc://customers/{jane['id']}")
        overview = await client.read_resource(f"twc://customers/{jane['id']}/overview")
        got = await client.call_tool("twc_get_customer", {"customer": jane["id"]})
        tool = await client.call_tool("twc_customer_overview", {"customer": jane["id"]})
    assert templates == {"twc://customers/{customer_id}", "twc://customers/{customer_id}/overview"}
    customer = json.loads(record.contents[0].text)["customer"]  # type: ignore[union-attr]
    assert (customer["id"], customer["customerRef"], customer["email"]) == (jane["id"], JANE_REF, jane["email"])
    assert customer["optin_preferences"] == jane["optin_preferences"]
    assert customer == got.structured_content["customer"]  # type: ignore[index]
    assert record.contents[0].mime_type == "application/json"
    assert json.loads(overview.contents[0].text) == tool.structured_content  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        (f"twc://customers/{UNKNOWN_ID}", "Not found"),
        (f"twc://customers/{UNKNOWN_ID}/overview", "Not found"),
        ("twc://customers/%20padded", "customer_id: expected a TWC customer id"),
        ("twc://customers/a%0Ab/overview", "customer_id: expected a TWC customer id"),
    ],
)
async def test_bad_resource_uris_are_clear_errors(server_factory: ServerFactory, uri: str, message: str) -> None:
    async with Client(server_factory()) as client:
        with pytest.raises(MCPError) as raised:
            await client.read_resource(uri)
    assert message in raised.value.error.message
    assert "Traceback" not in raised.value.error.message


async def test_resources_pass_the_same_outbound_filter(server_factory: ServerFactory) -> None:
    server = server_factory(redact=["email"])
    jane = store_customer(server, JANE_REF)
    async with Client(server) as client:
        record = await client.read_resource(f"twc://customers/{jane['id']}")
        overview = await client.read_resource(f"twc://customers/{jane['id']}/overview")
    for read in (record, overview):
        text = read.contents[0].text  # type: ignore[union-attr]
        assert JANE_EMAIL not in text
        assert json.loads(text)["customer"]["email"] == "j***@example.com"


async def test_planted_text_in_a_resource_is_named_in_warnings(server_factory: ServerFactory) -> None:
    server = server_factory()
    mallory = store_customer(server, MALLORY_REF)
    note = mallory["attributeGroups"]["crm_notes"]["attributes"]["note"]
    assert "ignore all previous instructions" in note  # the demo's planted note
    async with Client(server) as client:
        record = await client.read_resource(f"twc://customers/{mallory['id']}/overview")
    payload = json.loads(record.contents[0].text)  # type: ignore[union-attr]
    assert payload["attributes"]["crm_notes"]["note"] == note  # unchanged: data, never acted on
    assert any("note" in warning for warning in payload["warnings"])


# -- scope: resources and prompts follow the tools -----------------------------------------------------------

# Which tool returns the same data as each resource template: the template is offered exactly where that tool is.
# Written here, not imported, so that the code's own table is checked.
RESOURCE_TOOLS = {
    "twc://customers/{customer_id}": "twc_get_customer",
    "twc://customers/{customer_id}/overview": "twc_customer_overview",
}
SCOPES = [
    pytest.param(toolsets, read_only, id=f"{toolsets[0] if toolsets else 'all'}-{'ro' if read_only else 'rw'}")
    for toolsets in [*([f"twc.{name}"] for name in TOOLSETS), None]
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
        offered = {template for template, tool in RESOURCE_TOOLS.items() if tool in tools}
        assert templates == offered
        for template in RESOURCE_TOOLS:
            if template in offered:
                continue
            uri = template.replace("{customer_id}", UNKNOWN_ID)
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
    async with Client(scoped_server(transport, toolsets, read_only)) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        listed = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert every.keys() == PROMPT_ARGUMENTS.keys()
    assert listed == {name for name, text in every.items() if set(TOOL_NAME.findall(text)) <= tools}
