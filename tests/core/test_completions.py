"""``completion/complete`` through the MCP protocol (the SDK's in-memory client, handshake-era ``mode="legacy"`` and
the default mode alike): who answers a prompt's argument or a template's variable, the bounds (20 values, one API
call per provider, a timeout, a brief cache), the outbound filter, and the empty answer — never an error — for
whatever cannot or must not be completed.

The machinery is tested with ``fakecomp``, a provider registered here whose search is in memory and can be made to
fail or stall; then each real provider and the people layer on their embedded sandboxes.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import PromptReference, ResourceTemplateReference

from tests.people.conftest import people_seeds, settings_factory  # noqa: F401  (fixtures)
from tests.support.mcp import ServerFactory, make_settings, server_factory  # noqa: F401  (fixtures)
from uc_mcp.core import completions as core_completions
from uc_mcp.core.completions import Completed, Completions, Match, Matches, choices, customers, ids, starts
from uc_mcp.core.errors import ConfigurationError
from uc_mcp.core.prompts import PromptSpec, register_prompts
from uc_mcp.core.provider import Backend, Provider, ProviderSettings
from uc_mcp.core.results import ObjectResult, StrictInput
from uc_mcp.core.toolspec import ToolContext, ToolSpec
from uc_mcp.providers import registered
from uc_mcp.server import build_server, runtime_of

pytestmark = pytest.mark.anyio

MODES = ("legacy", "auto")  # the handshake era, and the default (2026-07-28 discovery)


def prompt(name: str) -> PromptReference:
    return PromptReference(type="ref/prompt", name=name)


def template(uri: str) -> ResourceTemplateReference:
    return ResourceTemplateReference(type="ref/resource", uri=uri)


async def complete(client: Client, ref: PromptReference | ResourceTemplateReference, name: str, value: str) -> Any:
    """The completion as it goes on the wire (camelCase, absent fields left out)."""
    result = await client.complete(ref, {"name": name, "value": value})
    return result.completion.model_dump(by_alias=True, exclude_none=True)


# -- fakecomp: a provider whose customers are in memory ------------------------------------------------------------


@dataclass
class FakeApi:
    customers: list[tuple[str, str]] = field(
        default_factory=lambda: (
            [(f"fc_{n:02}", f"user{n:02}@example.com") for n in range(30)]
            + [
                ("fc_ann", "ann@example.com"),
                ("fc_ann2", "ann\u200b@example.com"),
                ("ann@example.com", "x@example.com"),
            ]
        )
    )
    more: bool = False
    fail: Exception | None = None
    delay: float = 0.0
    searches: list[str] = field(default_factory=list)
    with_request: list[bool] = field(default_factory=list)  # whether each search's context knew its request


async def fake_search(typed: str, ctx: ToolContext) -> Matches:
    api: FakeApi = ctx.api
    api.searches.append(typed)
    api.with_request.append(_has_request(ctx.mcp))
    if api.fail is not None:
        raise api.fail
    if api.delay:
        await anyio.sleep(api.delay)
    found = [
        Match((("customer_id", cid),), email)
        for cid, email in api.customers
        if starts(email, typed) or starts(cid, typed)
    ]
    return Matches(found, api.more)


def _has_request(ctx: Context[Any, Any] | None) -> bool:
    try:
        return ctx is not None and ctx.request_context is not None
    except Exception:  # the SDK's Context without a request raises
        return False


async def never(typed: str, ctx: ToolContext) -> Completed:
    raise AssertionError("an export's token must never reach a completer")


FAKE_COMPLETIONS = Completions(
    scheme="fakecomp",
    prompts=frozenset({"fakecomp_lookup"}),
    completers={
        "customer": customers(fake_search),
        "customer_id": ids(fake_search),
        "channel": choices(("sms", "email")),
        "token": never,
    },
    customers=fake_search,
)


class GetInput(StrictInput):
    customer_id: str


class CustomerResult(ObjectResult):
    customer: dict[str, Any] | None = None


async def get_customer(request: GetInput, ctx: ToolContext) -> dict[str, Any]:
    return {"customer": None}


TOOLS = (
    ToolSpec(
        name="fakecomp_get_customer",
        title="Get a customer",
        description="One fakecomp customer by id.",
        toolset="customers",
        input_model=GetInput,
        output_model=CustomerResult,
        handler=get_customer,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolSpec(
        name="fakecomp_get_note",
        title="Get a note",
        description="One fakecomp note by customer id.",
        toolset="notes",
        input_model=GetInput,
        output_model=CustomerResult,
        handler=get_customer,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)


def fakecomp_lookup(
    customer: str, channel: str = "sms", toolset: str = "", provider: str = "", reason: str = ""
) -> str:
    """Look a customer up."""
    return f"Call fakecomp_get_customer for {customer} ({channel}, {toolset}, {provider}, {reason})."


PROMPTS = (PromptSpec("fakecomp", fakecomp_lookup, "Look up", {"customer": "ann@example.com"}),)
CUSTOMER_URI = "fakecomp://customers/{customer_id}"
EXPORT_URI = "fakecomp://exports/{token}.csv"


def fake_prompts(server: MCPServer, enabled: Collection[str]) -> list[str]:
    return register_prompts(server, enabled, PROMPTS)


def fake_resources(server: MCPServer, context: Any, enabled: Collection[str], transport: str) -> list[str]:
    if "fakecomp_get_customer" not in enabled:
        return []

    @server.resource(CUSTOMER_URI, name="customer")
    async def read(customer_id: str) -> str:
        return "{}"

    @server.resource(EXPORT_URI, name="export")
    async def export(token: str) -> str:
        return ""

    return [CUSTOMER_URI, EXPORT_URI]


class FakeSettings(ProviderSettings):
    pass


def _check(settings: ProviderSettings, backend: Backend) -> None:
    pass


FAKECOMP = Provider(
    name="fakecomp",
    title="FakeComp",
    credentials_hint="nothing",
    settings=FakeSettings,
    tools=lambda: TOOLS,
    toolsets=("customers", "notes"),
    default_toolsets=("customers", "notes"),
    shared_default_toolsets=("customers",),
    instructions="- fakecomp_get_customer reads a customer.\n",
    api=lambda server, settings: FakeApi(),
    sandbox=lambda server, settings: (None, FakeApi()),
    check_configuration=_check,
    register_prompts=fake_prompts,
    register_resources=fake_resources,
    completions=lambda: FAKE_COMPLETIONS,
)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    mode: str = request.param
    return mode


@pytest.fixture
def fakecomp() -> Iterator[Provider]:
    with registered(FAKECOMP) as provider:
        yield provider


@dataclass
class Fake:
    server: MCPServer
    client: Client
    api: FakeApi


@pytest.fixture
async def fake(fakecomp: Provider, mode: str, tmp_path: Path) -> AsyncIterator[Fake]:
    async with fake_server(mode, tmp_path) as connected:
        yield connected


def fake_settings(tmp_path: Path, **overrides: Any) -> Any:
    return make_settings(providers=["fakecomp=sandbox"], audit_log=tmp_path / "audit.jsonl", **overrides)


@asynccontextmanager
async def fake_server(mode: str, tmp_path: Path, **overrides: Any) -> AsyncIterator[Fake]:
    """A fakecomp server and a client of it, in ``mode``."""
    server = build_server(fake_settings(tmp_path, **overrides))
    api = runtime_of(server).provider("fakecomp").client()
    async with Client(server, mode=mode) as client:
        yield Fake(server, client, api)


LOOKUP = prompt("fakecomp_lookup")


async def test_the_capability_is_declared(fake: Fake) -> None:
    assert fake.client.server_capabilities.completions is not None


async def test_a_customer_argument_offers_the_emails_that_start_with_what_was_typed(fake: Fake) -> None:
    assert await complete(fake.client, LOOKUP, "customer", "AN") == {
        "values": ["ann@example.com"],  # the one with a hidden character is never offered
        "total": 1,
        "hasMore": False,
    }
    # An id typed offers the id; a template's id variable offers ids.
    assert (await complete(fake.client, LOOKUP, "customer", "fc_an"))["values"] == ["fc_ann", "fc_ann2"]
    assert (await complete(fake.client, template(CUSTOMER_URI), "customer_id", "user0"))["values"] == [
        f"fc_{n:02}" for n in range(10)
    ]
    assert fake.api.searches == ["AN", "fc_an", "user0"]
    assert all(fake.api.with_request)  # the provider's context is the request's (an HTTP caller's store)


async def test_at_most_20_values_with_the_total_and_has_more_told_honestly(fake: Fake) -> None:
    many = await complete(fake.client, LOOKUP, "customer", "user")
    assert many == {"values": [f"user{n:02}@example.com" for n in range(20)], "total": 30, "hasMore": True}
    fake.api.more = True  # the API said more customers matched than its page held: the total is unknown
    assert await complete(fake.client, LOOKUP, "customer", "user2") == {
        "values": [f"user{n:02}@example.com" for n in range(20, 30)],
        "hasMore": True,
    }


async def test_an_enum_and_the_toolset_and_provider_names_complete_without_a_call(fake: Fake) -> None:
    assert await complete(fake.client, LOOKUP, "channel", "") == {
        "values": ["sms", "email"],
        "total": 2,
        "hasMore": False,
    }
    assert (await complete(fake.client, LOOKUP, "channel", "E"))["values"] == ["email"]
    assert (await complete(fake.client, LOOKUP, "toolset", "fake"))["values"] == [
        "fakecomp.customers",
        "fakecomp.notes",
    ]
    assert (await complete(fake.client, LOOKUP, "toolset", "peo"))["values"] == ["people"]
    assert (await complete(fake.client, LOOKUP, "provider", ""))["values"] == ["fakecomp"]
    assert fake.api.searches == []


async def test_what_cannot_be_completed_is_an_empty_list_never_an_error(
    fake: Fake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    empty = {"values": []}
    # The conformance suite's own prompt, unknown here.
    assert await complete(fake.client, prompt("test_prompt_with_arguments"), "arg1", "a") == empty
    assert await complete(fake.client, template("nowhere://things/{id}"), "id", "a") == empty
    assert await complete(fake.client, LOOKUP, "reason", "an") == empty  # an argument nothing completes
    assert await complete(fake.client, LOOKUP, "nonsense", "an") == empty  # not an argument of the prompt
    assert await complete(fake.client, template(CUSTOMER_URI), "customer", "an") == empty  # not its variable
    # An export's token, though its owner declares a completer for it.
    assert await complete(fake.client, template(EXPORT_URI), "token", "a") == empty
    assert await complete(fake.client, LOOKUP, "customer", "a") == empty  # too short to search
    assert await complete(fake.client, LOOKUP, "customer", "a" * 300) == empty  # no prefix of any value
    assert fake.api.searches == []
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING or record.exc_info]


async def test_a_failing_or_slow_provider_gives_an_empty_list_logged_at_debug(
    fake: Fake, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.api.fail = ConfigurationError("FAKECOMP_KEY is not set")
    assert await complete(fake.client, LOOKUP, "customer", "an") == {"values": []}
    fake.api.fail = RuntimeError("a bug")
    assert await complete(fake.client, LOOKUP, "customer", "ann") == {"values": []}
    fake.api.fail, fake.api.delay = None, 30.0
    monkeypatch.setattr(core_completions, "SEARCH_SECONDS", 0.2)
    with anyio.fail_after(5):
        assert await complete(fake.client, LOOKUP, "customer", "ann@") == {"values": []}
    debug = [record for record in caplog.records if record.name == "uc_mcp.completions"]
    assert len(debug) == 3 and {record.levelno for record in debug} == {logging.DEBUG}
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING or record.exc_info]
    # A failure is not kept: the next request searches again.
    fake.api.delay = 0.0
    assert (await complete(fake.client, LOOKUP, "customer", "an"))["values"] == ["ann@example.com"]


async def test_an_answer_is_kept_briefly(fake: Fake, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(core_completions, "monotonic", lambda: now[0])
    first = await complete(fake.client, LOOKUP, "customer", "ann")
    fake.api.customers.append(("fc_anna", "anna@example.com"))
    assert await complete(fake.client, LOOKUP, "customer", "ann") == first  # no call: kept
    now[0] += core_completions.CACHE_SECONDS + 1
    assert (await complete(fake.client, LOOKUP, "customer", "ann"))["values"] == ["ann@example.com", "anna@example.com"]
    assert fake.api.searches == ["ann", "ann"]


async def test_typing_on_after_a_complete_answer_costs_no_call(fake: Fake) -> None:
    """ "an" found every match (no hasMore): "ann" and "ann@" are narrowed from it; "user" was capped at 20, so
    "user1" asks the API again."""
    assert (await complete(fake.client, LOOKUP, "customer", "an"))["values"] == ["ann@example.com"]
    assert await complete(fake.client, LOOKUP, "customer", "ann@") == {
        "values": ["ann@example.com"],
        "total": 1,
        "hasMore": False,
    }
    assert (await complete(fake.client, LOOKUP, "customer", "anx"))["values"] == []
    assert (await complete(fake.client, LOOKUP, "customer", "user"))["hasMore"] is True
    assert len((await complete(fake.client, LOOKUP, "customer", "user1"))["values"]) == 10
    assert fake.api.searches == ["an", "user", "user1"]


async def test_masked_emails_are_never_offered_ids_are(fakecomp: Provider, mode: str, tmp_path: Path) -> None:
    async with fake_server(mode, tmp_path, redact=["email"]) as masked:
        # The customers whose email starts with what was typed, by id; an id that holds an email is left out.
        assert (await complete(masked.client, LOOKUP, "customer", "ann"))["values"] == ["fc_ann", "fc_ann2"]
        assert (await complete(masked.client, LOOKUP, "customer", "ann@"))["values"] == ["fc_ann"]
        assert (await complete(masked.client, template(CUSTOMER_URI), "customer_id", "ann"))["values"] == [
            "fc_ann",
            "fc_ann2",
        ]


async def test_a_prompt_or_template_outside_the_servers_scope_completes_to_nothing(
    fakecomp: Provider, mode: str, tmp_path: Path
) -> None:
    # Without the customers toolset neither the prompt nor the template is listed: nothing to enumerate through them.
    async with fake_server(mode, tmp_path, toolsets=["fakecomp.notes"]) as scoped:
        assert await complete(scoped.client, LOOKUP, "customer", "ann") == {"values": []}
        assert await complete(scoped.client, template(CUSTOMER_URI), "customer_id", "fc") == {"values": []}
        assert scoped.api.searches == []


# -- the real providers and the people layer, on their embedded sandboxes ------------------------------------------


class Counted:
    """A provider's client that counts its API calls (every coroutine method)."""

    def __init__(self, api: Any) -> None:
        self.api, self.calls = api, []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.api, name)
        if not callable(value):
            return value

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return await value(*args, **kwargs)

        return counted


@dataclass
class Three:
    server: MCPServer
    client: Client
    apis: dict[str, Counted]

    def calls(self) -> dict[str, list[str]]:
        return {name: api.calls for name, api in self.apis.items() if api.calls}


@asynccontextmanager
async def three_systems(server_factory: ServerFactory, mode: str, **overrides: Any) -> AsyncIterator[Three]:  # noqa: F811
    server = server_factory(**overrides)
    apis = {}
    for name in ("ultracart", "voucherify", "twc"):
        runtime = runtime_of(server).provider(name)
        runtime.api = apis[name] = Counted(runtime.client())
    async with Client(server, mode=mode) as client:
        yield Three(server, client, apis)


@pytest.fixture
async def three(server_factory: ServerFactory, mode: str) -> AsyncIterator[Three]:  # noqa: F811
    async with three_systems(server_factory, mode) as connected:
        yield connected


UC_OVERVIEW = template("ultracart://customers/{customer_profile_oid}/overview")
VOUCHERIFY_CUSTOMER = template("voucherify://customers/{customer_id}")
TWC_CUSTOMER = template("twc://customers/{customer_id}")
PERSON = template("customers://person/{email}")


async def test_ultracart_completes_emails_by_prefix_and_an_oid_in_one_call(three: Three) -> None:
    assert await complete(three.client, prompt("lookup_customer"), "customer", "jan") == {
        "values": ["jane.doe@example.com", "jane@example.com"],
        "total": 2,
        "hasMore": False,
    }
    assert (await complete(three.client, UC_OVERVIEW, "customer_profile_oid", "100001"))["values"] == ["100001"]
    assert (await complete(three.client, UC_OVERVIEW, "customer_profile_oid", "999999"))["values"] == []
    assert three.calls() == {"ultracart": ["customer_page", "customer_record", "customer_record"]}


async def test_voucherify_completes_ids_from_one_page(server_factory: ServerFactory, mode: str) -> None:  # noqa: F811
    toolsets = ["voucherify.assist", "voucherify.customers", "voucherify.activity"]  # its loyalty prompt is listed
    async with three_systems(server_factory, mode, toolsets=toolsets) as three:
        found = await complete(three.client, VOUCHERIFY_CUSTOMER, "customer_id", "cust_")
        assert found == {"values": found["values"], "total": 40, "hasMore": True}
        assert len(found["values"]) == 20 and all(value.startswith("cust_") for value in found["values"])
        balance = prompt("voucherify_loyalty_balance")
        assert (await complete(three.client, balance, "customer", "jane@example.com"))["values"] == ["jane@example.com"]
        assert three.calls() == {"voucherify": ["customers_page", "customers_page"]}


async def test_twc_completes_a_whole_email_or_id_and_its_channels(three: Three) -> None:
    consent = prompt("twc_consent_check")
    assert (await complete(three.client, consent, "channel", "s"))["values"] == ["sms"]
    assert await complete(three.client, consent, "customer", "jane@exa") == {"values": []}  # no prefix search: no call
    assert three.calls() == {}
    assert (await complete(three.client, consent, "customer", "jane@example.com"))["values"] == ["jane@example.com"]
    (twc_id,) = (await complete(three.client, TWC_CUSTOMER, "customer_id", "jane@example.com"))["values"]
    assert (await complete(three.client, TWC_CUSTOMER, "customer_id", twc_id))["values"] == [twc_id]
    assert three.calls() == {"twc": ["search_records", "search_records", "get_customer"]}


async def test_the_people_layer_combines_every_providers_emails_at_once(three: Three) -> None:
    for ref, name in ((prompt("who_is_this"), "query"), (prompt("privacy_request"), "email"), (PERSON, "email")):
        found = await complete(three.client, ref, name, "jane@example.com")
        assert found["values"] == ["jane@example.com"], ref
    # One call per provider and completion; the person template's email is the privacy request's (one completer
    # of one owner): answered from the cache.
    assert {name: len(calls) for name, calls in three.calls().items()} == {"ultracart": 2, "voucherify": 2, "twc": 2}
    assert (await complete(three.client, prompt("person_overview"), "person", "ja"))["values"] == [
        "jane.doe@example.com",
        "jane@example.com",
    ]
    assert await complete(three.client, template("customers://exports/{token}.csv"), "token", "a") == {"values": []}


async def test_a_failing_provider_leaves_the_others_answer(three: Three, caplog: pytest.LogCaptureFixture) -> None:
    runtime_of(three.server).provider("ultracart").problem = ConfigurationError("ULTRACART_API_KEY is not set")
    assert (await complete(three.client, prompt("who_is_this"), "query", "jane@example.com"))["values"] == [
        "jane@example.com"
    ]
    assert await complete(three.client, prompt("lookup_customer"), "customer", "jane") == {"values": []}
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING or record.exc_info]


async def test_masked_emails_are_never_offered_by_any_provider(
    server_factory: ServerFactory,  # noqa: F811
    mode: str,
) -> None:
    server = server_factory(redact=["email"])
    async with Client(server, mode=mode) as client:
        assert (await complete(client, prompt("lookup_customer"), "customer", "jane@"))["values"] == ["100001"]
        for ref, name in ((prompt("who_is_this"), "query"), (PERSON, "email")):
            assert await complete(client, ref, name, "jane@example.com") == {"values": []}
        found = await complete(client, VOUCHERIFY_CUSTOMER, "customer_id", "jane@example.com")
        assert found["values"] and all(value.startswith("cust_") for value in found["values"])


async def test_a_prompt_listed_later_completes_once_listed(server_factory: ServerFactory, mode: str) -> None:  # noqa: F811
    # Dynamic mode registers a provider's prompts when a toolset is enabled, after the server was built.
    async with three_systems(server_factory, mode, dynamic_toolsets=True) as three:
        lookup = prompt("lookup_customer")
        assert await complete(three.client, lookup, "customer", "jane@") == {"values": []}
        enabled = await three.client.call_tool("uc_mcp_enable_toolset", {"toolset": "ultracart.assist"})
        assert not enabled.is_error
        assert (await complete(three.client, lookup, "customer", "jane@"))["values"] == ["jane@example.com"]


STARTUP_PROBE = """
import json, sys
from uc_mcp.settings import Settings
from uc_mcp.server import build_server
build_server(Settings(_env_file=None, providers=["ultracart=sandbox", "voucherify=sandbox", "twc=sandbox"],
                      sandbox_db=sys.argv[1], voucherify_sandbox_db=sys.argv[2], twc_sandbox_db=sys.argv[3]))
print(json.dumps(sorted(name for name in sys.modules if name.startswith("uc_mcp") and name.endswith("completions"))))
"""


def test_building_the_server_imports_no_providers_completions(tmp_path: Path) -> None:
    databases = [str(tmp_path / f"{name}.sqlite3") for name in ("u", "v", "t")]
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE, *databases], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["uc_mcp.core.completions"]
