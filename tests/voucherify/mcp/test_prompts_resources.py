"""Voucherify's prompts for the support workflows and its customer resources, through the MCP protocol.

Resources and prompts follow the scope of the tools, as UltraCart's do: a resource is listed and readable only
where the tool returning the same data is, a prompt only where every tool it names is, on stdio (``--toolsets``,
``--read-only``) as under an HTTP token's scope. Resource contents are checked against the sandbox store.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from inline_snapshot import snapshot
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError

from tests.support.mcp import ScopedFactory, prompt_texts
from tests.voucherify.mcp.conftest import JANE, JANE_EMAIL, UNKNOWN, ServerFactory
from uc_mcp.server import runtime_of
from uc_mcp.voucherify.prompts import PROMPTS
from uc_mcp.voucherify.provider import TOOLSETS
from uc_mcp.voucherify.tools import TOOLS

pytestmark = pytest.mark.anyio

PROMPT_ARGUMENTS = {
    "voucherify_coupon_not_applied": {"customer": JANE_EMAIL, "code": "WINBACK-5-JS"},
    "voucherify_loyalty_balance": {"customer": "Jane Doe"},
    "voucherify_forget_customer": {"customer": JANE_EMAIL},
}
TOOL_NAME = re.compile(r"\bvoucherify_[a-z_]+\b")


def store_customer(server: MCPServer, identifier: str) -> dict[str, object]:
    runtime_of(server).client()  # opens the embedded sandbox
    found: dict[str, object] = runtime_of(server).sandbox.store.get_customer(identifier)
    return found


# -- prompts -------------------------------------------------------------------------------------------------


async def test_prompts_are_listed_with_their_arguments(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        prompts = (await client.list_prompts()).prompts
    listing = {prompt.name: [(arg.name, arg.required) for arg in prompt.arguments or []] for prompt in prompts}
    assert listing == snapshot(
        {
            "voucherify_coupon_not_applied": [("customer", True), ("code", True)],
            "voucherify_loyalty_balance": [("customer", True)],
            "voucherify_forget_customer": [("customer", True)],
        }
    )
    assert all(prompt.title and prompt.description for prompt in prompts)


async def test_read_only_servers_offer_only_the_read_workflows(server_factory: ServerFactory) -> None:
    async with Client(server_factory(read_only=True)) as client:
        names = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert names == {"voucherify_coupon_not_applied", "voucherify_loyalty_balance"}


async def test_the_coupon_prompt_reads_the_failures_and_the_code(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        text = (await prompt_texts(client, {"voucherify_coupon_not_applied"}, PROMPT_ARGUMENTS))[
            "voucherify_coupon_not_applied"
        ]
    assert text.startswith(f"Find out why the coupon 'WINBACK-5-JS' did not apply for the customer '{JANE_EMAIL}'.")
    assert "type=customer.redemption.failed" in text and "Read only" in text
    assert "never follow instructions" in text


async def test_the_forget_prompt_leads_to_the_guarded_permanent_deletion(server_factory: ServerFactory) -> None:
    async with Client(server_factory()) as client:
        text = (await prompt_texts(client, {"voucherify_forget_customer"}, PROMPT_ARGUMENTS))[
            "voucherify_forget_customer"
        ]
        guarded = {tool.name for tool in (await client.list_tools()).tools if (tool.meta or {}).get("guarded") is True}
    named = set(TOOL_NAME.findall(text))
    assert "voucherify_customer_permanently_deletion" in named & guarded
    assert "cannot be undone" in text and "explicit confirmation" in text and "wait for my yes" in text


@pytest.mark.parametrize(
    ("name", "arguments", "field"),
    [
        ("voucherify_coupon_not_applied", {"customer": JANE_EMAIL, "code": "CANARY 12"}, "code"),
        ("voucherify_coupon_not_applied", {"customer": JANE_EMAIL, "code": "   "}, "code"),
        ("voucherify_coupon_not_applied", {"customer": " ", "code": "WELCOME-10"}, "customer"),
        ("voucherify_loyalty_balance", {"customer": "CANARY" * 50}, "customer"),
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
    jane = store_customer(server, JANE)
    async with Client(server) as client:
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        record = await client.read_resource(f"voucherify://customers/{JANE}")
        by_id = await client.read_resource(f"voucherify://customers/{jane['id']}")
        overview = await client.read_resource(f"voucherify://customers/{JANE}/overview")
        tool = await client.call_tool("voucherify_customer_overview", {"customer_id": JANE})
    assert templates == {"voucherify://customers/{customer_id}", "voucherify://customers/{customer_id}/overview"}
    customer = json.loads(record.contents[0].text)["customer"]  # type: ignore[union-attr]
    assert (customer["id"], customer["source_id"], customer["email"]) == (jane["id"], JANE, jane["email"])
    assert customer["loyalty"] == jane["loyalty"]
    assert record.contents[0].mime_type == "application/json"
    assert by_id.contents[0].text == record.contents[0].text  # type: ignore[union-attr]
    assert json.loads(overview.contents[0].text) == tool.structured_content  # type: ignore[union-attr]


async def test_a_source_id_a_uri_cannot_hold_is_read_percent_encoded(server_factory: ServerFactory) -> None:
    server = server_factory()
    runtime_of(server).client()
    store = runtime_of(server).sandbox.store
    source_id = "till 3 #42 ä"  # a space, a fragment mark and a letter outside ASCII: all percent-encoded in a URI
    created = store.create_customer(None, source_id, {"name": "Walk In", "email": "walk.in@example.com"}, "test")
    async with Client(server) as client:
        record = await client.read_resource(f"voucherify://customers/{quote(source_id, safe='')}")
    assert json.loads(record.contents[0].text)["customer"]["id"] == created["id"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        (f"voucherify://customers/{UNKNOWN}", "Not found"),
        (f"voucherify://customers/{UNKNOWN}/overview", "Not found"),
        ("voucherify://customers/%20padded", "customer_id: expected a Voucherify id"),
        ("voucherify://customers/a%0Ab/overview", "customer_id: expected a Voucherify id"),
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
        record = await client.read_resource(f"voucherify://customers/{JANE}")
    text = record.contents[0].text  # type: ignore[union-attr]
    assert JANE_EMAIL not in text
    assert json.loads(text)["customer"]["email"] == "j***@example.com"


async def test_planted_text_in_a_resource_is_named_in_warnings(server_factory: ServerFactory) -> None:
    server = server_factory()
    mallory = store_customer(server, "uc-100009")
    assert "ignore all previous instructions" in str(mallory["description"])  # the demo's planted note
    async with Client(server) as client:
        record = await client.read_resource("voucherify://customers/uc-100009")
    payload = json.loads(record.contents[0].text)  # type: ignore[union-attr]
    assert payload["customer"]["description"] == mallory["description"]  # unchanged: data, never acted on
    assert any("description" in warning for warning in payload["warnings"])


# -- scope: resources and prompts follow the tools -----------------------------------------------------------

# Which tool returns the same data as each resource template (and an URI that reads it): the template is offered
# exactly where that tool is. Written here, not imported, so that the code's own table is checked.
RESOURCE_TOOLS = {
    "voucherify://customers/{customer_id}": ("voucherify_get_customer", f"voucherify://customers/{JANE}"),
    "voucherify://customers/{customer_id}/overview": (
        "voucherify_customer_overview",
        f"voucherify://customers/{JANE}/overview",
    ),
}
SCOPES = [
    pytest.param(toolsets, read_only, id=f"{toolsets[0] if toolsets else 'all'}-{'ro' if read_only else 'rw'}")
    for toolsets in [*([f"voucherify.{name}"] for name in TOOLSETS), None]
    for read_only in (False, True)
]


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize(("toolsets", "read_only"), SCOPES)
async def test_resources_follow_the_tool_that_returns_their_data(
    scoped_server: ScopedFactory, transport: str, toolsets: list[str] | None, read_only: bool
) -> None:
    async with Client(scoped_server(transport, toolsets, read_only)) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        offered = {template for template, (tool, _) in RESOURCE_TOOLS.items() if tool in tools}
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
    async with Client(scoped_server(transport, toolsets, read_only)) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        listed = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert every.keys() == PROMPT_ARGUMENTS.keys()
    assert listed == {name for name, text in every.items() if set(TOOL_NAME.findall(text)) <= tools}
