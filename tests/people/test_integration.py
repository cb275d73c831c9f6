"""How the cross-provider layer (toolset ``people``) joins a server: which of its tools, prompts, resource template
and paragraph of the instructions a host sees under each configuration (providers, --toolsets, --read-only, a
token's scope, dynamic mode), what ``uc-mcp tools`` and ``uc-mcp schemas --check`` say of it, and how the person
resource reads its URI. What the tools answer is tests/people/test_people.py's (and test_data_request.py's,
test_erase.py's)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, ToolListChangedNotification

from tests.paths import REPO
from tests.people.conftest import ALL_THREE
from tests.servers import asgi_server
from tests.support.mcp import ServerFactory, SettingsFactory
from uc_mcp.cli import main
from uc_mcp.core import schema_cache
from uc_mcp.dynamic import ENABLE_TOOL, LIST_TOOL
from uc_mcp.http_app import create_app
from uc_mcp.http_auth import Scope
from uc_mcp.server import build_server, runtime_of
from uc_mcp.tables import all_tables

pytestmark = pytest.mark.anyio

SYSTEMS = ("ultracart", "voucherify", "twc")
READS = frozenset({"customers_find", "customer_360"})
EVERY = READS | {"customers_data_request", "customers_erase"}
NONE: frozenset[str] = frozenset()
PERSON_TEMPLATE = "customers://person/{email}"
# What each prompt's text tells the model to call, written here rather than imported: the code's table is checked.
PROMPT_NEEDS = {
    "who_is_this": {"customers_find", "customer_360"},
    "person_overview": {"customers_find", "customer_360"},
    "privacy_request": {"customer_360"},
}
PROMPT_ARGUMENTS = {
    "who_is_this": {"query": "jane@example.com"},
    "person_overview": {"person": "jane@example.com"},
    "privacy_request": {"email": "jane@example.com"},
}
EVERY_TOOL = frozenset(spec.name for table in all_tables() for spec in table.tools())


def alone(system: str) -> list[str]:
    return [f"{system}=sandbox"]


@dataclass(frozen=True, slots=True)
class Setup:
    """One configuration of a server, and the people tools it must list."""

    name: str
    people: frozenset[str]
    settings: Mapping[str, Any] = field(default_factory=dict)
    scope: Scope | None = None  # over HTTP: a token's scope, as the gate builds its server

    def __str__(self) -> str:
        return self.name


SETUPS = [
    Setup("three", EVERY),
    Setup("two", EVERY, {"providers": ["ultracart=sandbox", "twc=sandbox"]}),
    *(Setup(f"{system}-alone", NONE, {"providers": alone(system)}) for system in SYSTEMS),
    *(
        Setup(f"{system}-alone-people", EVERY, {"providers": alone(system), "toolsets": ["people"]})
        for system in SYSTEMS
    ),
    Setup("twc-alone-people-read-only", READS, {"providers": alone("twc"), "toolsets": ["people"], "read_only": True}),
    Setup("three-people", EVERY, {"toolsets": [" people "]}),
    Setup("three-people-ultracart-customers", EVERY, {"toolsets": ["people", "ultracart.customers"]}),
    Setup("three-people-customers", EVERY, {"toolsets": ["customers", "people"]}),
    Setup("three-customers", NONE, {"toolsets": ["customers"]}),
    Setup("three-assist", NONE, {"toolsets": ["assist"]}),
    Setup("three-read-only", READS, {"read_only": True}),
    Setup("http-full", EVERY, scope=Scope()),
    Setup("http-scope-customers", NONE, scope=Scope(toolsets=("customers", "assist"))),
    Setup("http-scope-people", EVERY, scope=Scope(toolsets=("people",))),
    Setup("http-scope-people-twc", EVERY, scope=Scope(toolsets=("twc.customers", "people"))),
    Setup("http-scope-read-only", READS, scope=Scope(read_only=True)),
    Setup("http-scope-people-read-only", READS, scope=Scope(read_only=True, toolsets=("people",))),
    # A scope narrows what the server lists; it never adds what one provider alone does not list.
    Setup("http-twc-alone-scope-people", NONE, {"providers": alone("twc")}, scope=Scope(toolsets=("people",))),
]


Build = Callable[[Setup], MCPServer]


@pytest.fixture
def build(settings_factory: SettingsFactory, server_factory: ServerFactory) -> Iterator[Build]:
    """``build(setup)`` → its server (on stdio by its settings, over HTTP by its scope); closed after the test."""
    built: list[MCPServer] = []

    def factory(setup: Setup) -> MCPServer:
        if setup.scope is None:
            return server_factory(**setup.settings)
        server = build_server(settings_factory(**setup.settings), "http", scope=setup.scope)
        built.append(server)
        return server

    yield factory
    for server in built:
        runtime_of(server).close()


@dataclass(frozen=True, slots=True)
class Surface:
    """What a host sees of a server."""

    tools: frozenset[str]
    prompts: frozenset[str]
    templates: frozenset[str]
    instructions: str


async def surface_of(client: Client) -> Surface:
    return Surface(
        tools=frozenset(tool.name for tool in (await client.list_tools()).tools),
        prompts=frozenset(prompt.name for prompt in (await client.list_prompts()).prompts),
        templates=frozenset(t.uri_template for t in (await client.list_resource_templates()).resource_templates),
        instructions=client.instructions or "",
    )


async def prompt_text(client: Client, name: str, arguments: Mapping[str, str] | None = None) -> str:
    result = await client.get_prompt(name, dict(arguments or PROMPT_ARGUMENTS[name]))
    return result.messages[0].content.text  # type: ignore[union-attr]


def tools_named(text: str) -> set[str]:
    """Every tool of any table (provider or cross-provider) that ``text`` names."""
    return {name for name in EVERY_TOOL if re.search(rf"\b{re.escape(name)}\b", text)}


def people_prompts_for(tools: frozenset[str]) -> set[str]:
    return {name for name, needs in PROMPT_NEEDS.items() if needs <= tools}


# -- 1. listing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("setup", SETUPS, ids=str)
async def test_each_configuration_lists_exactly_its_people_tools(build: Build, setup: Setup) -> None:
    async with Client(build(setup)) as client:
        listed = (await surface_of(client)).tools
    assert listed & EVERY == setup.people


@pytest.mark.parametrize("setup", SETUPS, ids=str)
async def test_the_person_template_is_offered_and_readable_exactly_with_customer_360(
    build: Build, setup: Setup
) -> None:
    uri = "customers://person/jane%40example.com"
    async with Client(build(setup)) as client:
        seen = await surface_of(client)
        if "customer_360" in seen.tools:
            assert PERSON_TEMPLATE in seen.templates
            assert (await person_read(client, uri))["email"] == "jane@example.com"
        else:  # nor readable by a URI known from another server
            assert PERSON_TEMPLATE not in seen.templates
            with pytest.raises(MCPError) as refused:
                await client.read_resource(uri)
            assert refused.value.error.message == f"Unknown resource: {uri}"


@pytest.mark.parametrize("providers", [alone("twc"), alone("ultracart"), ALL_THREE], ids=["twc", "ultracart", "three"])
async def test_naming_people_alone_lists_no_providers_tool(server_factory: ServerFactory, providers: list[str]) -> None:
    async with Client(server_factory(providers=providers, toolsets=["people"])) as client:
        listed = (await surface_of(client)).tools
    assert listed == EVERY


@pytest.mark.parametrize(
    ("providers", "named"),
    [
        (ALL_THREE, ["ultracart.customers"]),
        (ALL_THREE, ["customers"]),  # bare: that toolset of every provider
        (ALL_THREE, ["twc.assist", "voucherify.activity"]),
        (alone("voucherify"), ["voucherify.customers"]),
    ],
)
async def test_people_beside_a_providers_toolsets_adds_exactly_its_tools(
    server_factory: ServerFactory, providers: list[str], named: list[str]
) -> None:
    async with Client(server_factory(providers=providers, toolsets=named)) as client:
        without = (await surface_of(client)).tools
    async with Client(server_factory(providers=providers, toolsets=[*named, "people"])) as client:
        mixed = (await surface_of(client)).tools
    assert without and not without & EVERY
    assert mixed == without | EVERY


# Real bearer tokens through the HTTP gate (UC_MCP_HTTP_TOKENS): each token's scope is its own server.
TOKENS = {
    "desk": ("desk-token-0123456789", ["customers", "assist"], NONE),
    "privacy": ("privacy-token-0123456789", ["people"], EVERY),
    "reader": ("reader-token-0123456789", "read-only", READS),
    "admin": ("admin-token-0123456789", "full", EVERY),
}


@asynccontextmanager
async def over_http(url: str, token: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(f"{url}/mcp", http_client=http, terminate_on_close=False)
    async with http, Client(transport) as client:
        yield client


async def test_a_tokens_scope_over_http_lists_the_people_tools_only_where_it_includes_them(
    settings_factory: SettingsFactory,
) -> None:
    table = {name: {"token": token, "scope": scope} for name, (token, scope, _) in TOKENS.items()}
    app = create_app(settings_factory(http_tokens=json.dumps(table)))
    seen: dict[str, Surface] = {}
    try:
        with asgi_server(app) as url:
            for name, (token, _, _) in TOKENS.items():
                async with over_http(url, token) as client:
                    seen[name] = await surface_of(client)
    finally:
        app.state.runtime.close()
    assert {name: surface.tools & EVERY for name, surface in seen.items()} == {
        name: people for name, (_, _, people) in TOKENS.items()
    }
    assert seen["privacy"].tools == EVERY  # a scope of people alone: none of any provider's tools
    for name, surface in seen.items():
        assert surface.prompts & PROMPT_NEEDS.keys() == people_prompts_for(surface.tools), name
        assert (PERSON_TEMPLATE in surface.templates) == ("customer_360" in surface.tools), name
        assert ("customers_find" in surface.instructions) == ("customers_find" in surface.tools), name


# -- 2. dynamic mode ----------------------------------------------------------------------------------------------


class Told:
    """The tools/list_changed notifications a client received."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, message: Any) -> None:
        if isinstance(getattr(message, "root", message), ToolListChangedNotification):
            self.count += 1


async def toolsets_of(client: Client) -> dict[str, dict[str, Any]]:
    result = await client.call_tool(LIST_TOOL, {})
    assert not result.is_error and result.structured_content is not None
    return {row["toolset"]: row for row in result.structured_content["toolsets"]}


async def enable(client: Client, toolset: str) -> dict[str, Any]:
    result = await client.call_tool(ENABLE_TOOL, {"toolset": toolset})
    assert not result.is_error, result.content
    enabled: dict[str, Any] | None = result.structured_content
    assert enabled is not None
    return enabled


@pytest.mark.parametrize("providers", [ALL_THREE, ["ultracart=sandbox", "voucherify=sandbox"]], ids=["three", "two"])
async def test_enabling_people_lists_its_tools_template_and_prompts_and_says_so_once(
    server_factory: ServerFactory, providers: list[str]
) -> None:
    told = Told()
    server = server_factory(providers=providers, dynamic_toolsets=True)
    async with Client(server, mode="legacy", message_handler=told) as client:  # told on the session's own channel
        before = await surface_of(client)
        offered = await toolsets_of(client)
        enabled = await enable(client, "people")
        after = await surface_of(client)
        told_first = told.count
        found = await client.call_tool("customers_find", {"query": "jane@example.com"})
        again = await enable(client, "people")
        after_again = await surface_of(client)
        offered_after = await toolsets_of(client)
    assert before.tools == {LIST_TOOL, ENABLE_TOOL}
    assert not before.prompts & PROMPT_NEEDS.keys() and PERSON_TEMPLATE not in before.templates
    in_order = ["customers_find", "customer_360", "customers_data_request", "customers_erase"]
    assert offered["people"] == {"toolset": "people", "enabled": False, "tools": in_order}
    assert set(enabled["enabled"]) == EVERY and enabled["toolset"] == "people"
    assert after.tools == before.tools | EVERY
    assert PERSON_TEMPLATE in after.templates and after.prompts >= PROMPT_NEEDS.keys()
    assert told_first == 1
    assert not found.is_error
    assert again["enabled"] == enabled["enabled"]  # twice: nothing more listed, registered or told
    assert after_again == after and told.count == told_first
    assert offered_after["people"]["enabled"] is True


async def test_dynamic_read_only_enables_only_the_reads_and_the_privacy_prompt_names_no_write(
    server_factory: ServerFactory,
) -> None:
    async with Client(server_factory(dynamic_toolsets=True, read_only=True)) as client:
        offered = await toolsets_of(client)
        await enable(client, "people")
        after = await surface_of(client)
        text = await prompt_text(client, "privacy_request")
    assert offered["people"]["tools"] == ["customers_find", "customer_360"]
    assert after.tools & EVERY == READS and after.prompts >= PROMPT_NEEDS.keys()
    assert tools_named(text) <= after.tools and "customer_360" in tools_named(text)


@pytest.mark.parametrize("system", SYSTEMS)
async def test_dynamic_mode_with_one_provider_does_not_offer_people(server_factory: ServerFactory, system: str) -> None:
    async with Client(server_factory(providers=alone(system), dynamic_toolsets=True)) as client:
        offered = await toolsets_of(client)
        refused = await client.call_tool(ENABLE_TOOL, {"toolset": "people"})
        after = await surface_of(client)
    assert "people" not in offered and offered  # its own toolsets are offered
    assert refused.is_error and "toolset" in str(refused.content) and "Traceback" not in str(refused.content)
    assert after.tools == {LIST_TOOL, ENABLE_TOOL} and not after.prompts & PROMPT_NEEDS.keys()


@pytest.mark.parametrize("providers", [alone("twc"), ALL_THREE], ids=["twc", "three"])
async def test_dynamic_mode_naming_people_starts_with_it_enabled(
    server_factory: ServerFactory, providers: list[str]
) -> None:
    told = Told()
    server = server_factory(providers=providers, dynamic_toolsets=True, toolsets=["people"])
    async with Client(server, mode="legacy", message_handler=told) as client:
        before = await surface_of(client)
        offered = await toolsets_of(client)
        await enable(client, "people")
        after = await surface_of(client)
    assert before.tools == {LIST_TOOL, ENABLE_TOOL} | EVERY
    assert PERSON_TEMPLATE in before.templates and before.prompts >= PROMPT_NEEDS.keys()
    assert offered["people"]["enabled"] is True
    assert after == before and told.count == 0


# -- 3. prompts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("setup", SETUPS, ids=str)
async def test_people_prompts_are_offered_only_where_their_tools_are_listed(build: Build, setup: Setup) -> None:
    async with Client(build(setup)) as client:
        seen = await surface_of(client)
    assert seen.prompts & PROMPT_NEEDS.keys() == people_prompts_for(seen.tools)


@pytest.mark.parametrize("setup", SETUPS, ids=str)
async def test_people_prompt_texts_name_only_listed_tools(build: Build, setup: Setup) -> None:
    async with Client(build(setup)) as client:
        seen = await surface_of(client)
        texts = {name: await prompt_text(client, name) for name in seen.prompts & PROMPT_NEEDS.keys()}
    for name, text in texts.items():
        named = tools_named(text)
        assert named <= seen.tools, (name, named - seen.tools)
        assert PROMPT_NEEDS[name] <= named, name  # each names what it needs, so its needs are the right ones


@pytest.mark.parametrize(
    ("settings", "writes"),
    [
        ({}, {"customers_data_request", "customers_erase"}),
        ({"providers": alone("twc"), "toolsets": ["people"]}, {"customers_data_request", "customers_erase"}),
        ({"read_only": True}, set()),
        ({"providers": alone("ultracart"), "toolsets": ["people", "customers"], "read_only": True}, set()),
    ],
    ids=["three", "twc-people", "read-only", "ultracart-read-only"],
)
async def test_the_privacy_prompt_names_the_layers_export_and_erase_exactly_when_listed(
    server_factory: ServerFactory, settings: dict[str, Any], writes: set[str]
) -> None:
    async with Client(server_factory(**settings)) as client:
        text = await prompt_text(client, "privacy_request")
    named = tools_named(text)
    assert named - READS == writes  # read-only: no export, no erase, no provider's delete tool either


@pytest.mark.parametrize(
    ("prompt", "argument", "value"),
    [
        ("who_is_this", "query", " \t "),
        ("who_is_this", "query", "CANARY" * 84),
        ("person_overview", "person", ""),
        ("person_overview", "person", "CANARY" * 84),
        ("privacy_request", "email", "  "),
        ("privacy_request", "email", "CANARY" * 84),
        ("privacy_request", "email", "CANARY-no-at-sign"),
        ("privacy_request", "email", "CANARY/x@example.com"),
    ],
)
async def test_bad_prompt_arguments_name_the_argument_without_its_value_or_a_traceback(
    client: Client, prompt: str, argument: str, value: str
) -> None:
    with pytest.raises(MCPError) as raised:
        await client.get_prompt(prompt, {argument: value})
    error = raised.value.error
    assert error.code == INVALID_PARAMS
    assert error.message.startswith(f"{argument}: expected")
    assert "CANARY" not in error.message and "Traceback" not in error.message


# -- 4. instructions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("setup", SETUPS, ids=str)
async def test_the_instructions_mention_the_people_tools_exactly_when_listed(build: Build, setup: Setup) -> None:
    async with Client(build(setup)) as client:
        seen = await surface_of(client)
    for tool in READS:
        assert (tool in tools_named(seen.instructions)) == (tool in seen.tools), tool


@pytest.mark.parametrize(("toolsets", "mentioned"), [(None, False), (["people"], True)])
async def test_dynamic_instructions_mention_the_people_tools_only_when_listed_from_the_start(
    server_factory: ServerFactory, toolsets: list[str] | None, mentioned: bool
) -> None:
    async with Client(server_factory(dynamic_toolsets=True, toolsets=toolsets)) as client:
        seen = await surface_of(client)
    assert ("customers_find" in seen.instructions) is mentioned and ("customer_360" in seen.instructions) is mentioned


# -- 5. the CLI ---------------------------------------------------------------------------------------------------


UseProviders = Callable[[list[str]], None]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UseProviders:
    """``uc-mcp`` run in an empty folder (no .env), every provider on a sandbox database of this test's."""
    monkeypatch.chdir(tmp_path)
    for variable, name in (
        ("UC_MCP_SANDBOX_DB", "uc.sqlite3"),
        ("UC_MCP_VOUCHERIFY_SANDBOX_DB", "v.sqlite3"),
        ("UC_MCP_TWC_SANDBOX_DB", "t.sqlite3"),
    ):
        monkeypatch.setenv(variable, str(tmp_path / name))

    def providers(names: list[str]) -> None:
        monkeypatch.setenv("UC_MCP_PROVIDERS", ",".join(names))

    return providers


def listed_by_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, tuple[str, str]]:
    """``uc-mcp tools ARGV``: each tool line's name → (toolset, kind)."""
    capsys.readouterr()
    assert main(["tools", *argv]) == 0, capsys.readouterr().err
    lines = capsys.readouterr().out.split("\n\n", 1)[0].splitlines()
    return {line.split()[0]: (line.split()[1], line.split()[2]) for line in lines}


def people_of(listed: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {name: kind for name, (toolset, kind) in listed.items() if toolset == "people"}


EVERY_KIND = {
    "customers_find": "read-only",
    "customer_360": "read-only",
    "customers_data_request": "write",
    "customers_erase": "guarded",
}


def test_uc_mcp_tools_lists_the_people_tools_with_three_providers(
    cli_env: UseProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env(ALL_THREE)
    assert people_of(listed_by_cli(capsys)) == EVERY_KIND
    assert people_of(listed_by_cli(capsys, "--read-only")) == {name: EVERY_KIND[name] for name in READS}


@pytest.mark.parametrize("providers", [ALL_THREE, alone("twc")], ids=["three", "twc"])
def test_uc_mcp_tools_takes_people_in_toolsets(
    cli_env: UseProviders, capsys: pytest.CaptureFixture[str], providers: list[str]
) -> None:
    """The CLI checks --toolsets before building anything: ``people`` is a toolset too (it is no provider's)."""
    cli_env(providers)
    people = listed_by_cli(capsys, "--toolsets", "people")
    assert people == {name: ("people", kind) for name, kind in EVERY_KIND.items()}
    mixed = listed_by_cli(capsys, "--toolsets", "twc.customers,people")
    assert (
        people_of(mixed) == EVERY_KIND
        and set(mixed) - EVERY
        and all(toolset in ("customers", "people", "apps") for toolset, _ in mixed.values())
    )


def test_uc_mcp_tools_with_one_provider_lists_no_people_tool_unless_named(
    cli_env: UseProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env(alone("voucherify"))
    assert people_of(listed_by_cli(capsys)) == {}


def test_a_misspelt_toolset_is_still_refused(cli_env: UseProviders, capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(ALL_THREE)
    assert main(["tools", "--toolsets", "people,peple"]) == 2
    error = capsys.readouterr().err
    assert "unknown toolset(s) peple;" in error and "Traceback" not in error  # people itself is known
    assert error.rstrip().endswith("or across providers: people.")  # every name that would have worked is listed


def without_the_seed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The packaged seed's part of --check: a digest of every source file, stale whenever any is edited until
    `uc-mcp schemas` is run (tests/core/test_schema_cache.py checks it). Here: tool_schemas/, table by table."""
    monkeypatch.setattr(schema_cache, "seed_problem", lambda source, path=None: None)


def test_uc_mcp_schemas_check_passes_with_the_people_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    without_the_seed_check(monkeypatch)
    capsys.readouterr()
    assert main(["schemas", "--check"]) == 0, capsys.readouterr().err
    tables = len(all_tables())
    assert f"({len(EVERY_TOOL)} tools of {tables} table(s))" in capsys.readouterr().out
    assert {path.stem for path in (REPO / "tool_schemas" / "people").glob("*.json")} == EVERY


def test_uc_mcp_schemas_check_finds_a_stale_people_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "tool_schemas", tmp_path / "tool_schemas")
    people = tmp_path / "tool_schemas" / "people"
    (people / "customers_erase.json").unlink()
    (people / "customers_find.json").write_text("{}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    without_the_seed_check(monkeypatch)
    capsys.readouterr()
    assert main(["schemas", "--check"]) == 1
    error = capsys.readouterr().err
    assert "people/missing: customers_erase.json" in error and "people/out of date: customers_find.json" in error


# -- 6. the person resource ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "customers://person/CANARY-no-at-sign",
        "customers://person/",
        "customers://person/%20",
        "customers://person/CANARY%2Fx%40example.com",  # an encoded slash
        "customers://person/CANARY%40x%40example.com",  # two @
        "customers://person/CANARY%20x%40example.com",  # a space
    ],
)
async def test_a_malformed_email_in_the_person_uri_is_a_clear_error(client: Client, uri: str) -> None:
    with pytest.raises(MCPError) as raised:
        await client.read_resource(uri)
    error = raised.value.error
    assert error.code == INVALID_PARAMS
    assert error.message == "email: expected an email address in the URI"


async def test_a_raw_slash_in_the_person_uri_is_no_resource(client: Client) -> None:
    """``{email}`` is one path segment (RFC 6570): a URI with a raw slash is another resource, which none is."""
    uri = "customers://person/a/b@example.com"
    with pytest.raises(MCPError) as raised:
        await client.read_resource(uri)
    assert raised.value.error.message == f"Unknown resource: {uri}"


async def created_in_twc(client: Client, email: str) -> str:
    result = await client.call_tool("twc_create_customer", {"email": email, "firstName": "Test"})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return f"twc:{result.structured_content['customer']['id']}"


async def person_read(client: Client, uri: str) -> dict[str, Any]:
    read = await client.read_resource(uri)
    person: dict[str, Any] = json.loads(read.contents[0].text)["person"]  # type: ignore[union-attr]
    return person


@pytest.mark.parametrize(
    ("email", "lookalike", "uris"),
    [
        # A plus is part of the address: never read as a space (form encoding), encoded or not.
        (
            "jane+news@example.com",
            None,
            ["customers://person/jane+news@example.com", "customers://person/jane%2Bnews%40example.com"],
        ),
        # A percent sign may be part of an address; encoded once (as %25) it must be decoded once: decoding the
        # URI twice reads %41 as "A", another person.
        ("a%41b@example.com", "aAb@example.com", ["customers://person/a%2541b%40example.com"]),
    ],
    ids=["plus", "percent"],
)
async def test_an_email_with_a_plus_or_a_percent_reads_that_person(
    client: Client, email: str, lookalike: str | None, uris: list[str]
) -> None:
    record = await created_in_twc(client, email)
    if lookalike is not None:  # the person a wrong decoding would read
        await created_in_twc(client, lookalike)
    for uri in uris:
        assert await person_read(client, uri) == {"email": email, "records": [record]}, uri
