"""customers_find and customer_360 through the MCP protocol, on the three embedded sandboxes, against the ground
truth their demo data plants (tests/*/sandbox/test_demo_data.py check those links against each other)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer

from tests.support.mcp import ServerFactory
from uc_mcp.core.errors import ConfigurationError
from uc_mcp.server import runtime_of
from uc_mcp.twc.sandbox import demo_data as twc_demo
from uc_mcp.twc.sandbox.runtime import DEFAULT_TENANT
from uc_mcp.voucherify.sandbox import demo_data as voucherify_demo

pytestmark = pytest.mark.anyio

SYSTEMS = ("ultracart", "voucherify", "twc")
# The TWC tenant the embedded sandbox serves; its story people and where else they are.
COFFEE_LINKS = [link for link in twc_demo.STORY_LINKS if link[0] == DEFAULT_TENANT]


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def systems_of(person: dict[str, Any]) -> set[str]:
    return {record["system"] for record in person["records"]}


def expected_systems(relation: str) -> set[str]:
    return {
        "both": {"ultracart", "voucherify", "twc"},
        "ultracart": {"ultracart", "twc"},
        "voucherify": {"voucherify", "twc"},
        "here": {"twc"},
    }[relation]


async def test_every_planted_link_is_found_and_no_record_of_another_email_is_merged(client: Client) -> None:
    """Recall: each story person of TWC's demo tenant is one person holding a record in exactly the systems the
    demo data plants (whatever the email's case there). Precision: every record of a person has its email."""
    for _, email, _, _, relation in COFFEE_LINKS:
        found = await call(client, "customers_find", {"query": email})
        assert not found["partial"], found["systems"]
        person = found["people"][0]
        assert person["email"].casefold() == email.casefold()
        assert systems_of(person) == expected_systems(relation), email
        assert all(record["email"].casefold() == email.casefold() for record in person["records"])
        for link in person.get("links", []):
            assert "email" in link["evidence"] and link["strength"] == "strong"


async def test_names_shared_by_different_emails_are_never_merged(client: Client) -> None:
    """José is jose.alvarez@ in UltraCart and TWC, j.alvarez@ (an older address) in Voucherify: two people,
    linked only as "possibly the same person"."""
    older = [(here, there) for here, there, relation in voucherify_demo.STORY_LINKS if relation == "older"]
    assert ("j.alvarez@example.mx", "jose.alvarez@example.mx") in older
    found = await call(client, "customers_find", {"query": "Alvarez"})
    emails = [person["email"].casefold() for person in found["people"]]
    assert "jose.alvarez@example.mx" in emails and "j.alvarez@example.mx" in emails
    for person in found["people"]:
        assert len({record["email"].casefold() for record in person["records"]}) == 1
    pair = {emails.index("jose.alvarez@example.mx"), emails.index("j.alvarez@example.mx")}
    possible = [link for link in found.get("possibly_same", []) if set(link["people"]) == pair]
    assert possible and possible[0]["verdict"].startswith("possibly the same person")
    assert "email" not in possible[0]["evidence"]


async def test_a_failing_system_makes_the_answer_partial_and_names_it(server: MCPServer, client: Client) -> None:
    runtime_of(server).provider("voucherify").problem = ConfigurationError("VOUCHERIFY_APP_ID is not set")
    found = await call(client, "customers_find", {"query": "jane@example.com"})
    assert found["partial"] is True
    assert found["systems"]["voucherify"]["status"] == "failed"
    assert "Voucherify" in found["systems"]["voucherify"]["problem"] and "voucherify" in found["notice"]
    assert systems_of(found["people"][0]) == {"ultracart", "twc"}
    overview = await call(client, "customer_360", {"person": "jane@example.com"})
    assert overview["partial"] is True and overview["systems"]["voucherify"]["status"] == "failed"
    assert "Voucherify" in overview["notice"]


async def test_a_system_out_of_calls_makes_the_answer_partial(client: Client) -> None:
    found = await call(client, "customers_find", {"query": "nobody-at-all", "max_calls": 1})
    assert found["partial"] is True and found.get("people", []) == []
    assert {part["status"] for part in found["systems"].values()} == {"partial"}


class InFlight:
    """Counts API calls in flight across every provider's client, and holds each provider's first call until
    every provider has one in flight: only a concurrent search gets past it (a sequential one times out)."""

    def __init__(self, expected: int) -> None:
        self.expected, self.now, self.most = expected, 0, 0
        self.started: set[str] = set()
        self.all_started = anyio.Event()

    def wrap(self, name: str, api: Any) -> Any:
        meter = self

        class Metered:
            def __getattr__(self, attribute: str) -> Any:
                value = getattr(api, attribute)
                if not callable(value):
                    return value

                async def metered(*args: Any, **kwargs: Any) -> Any:
                    meter.now += 1
                    meter.most = max(meter.most, meter.now)
                    meter.started.add(name)
                    if len(meter.started) == meter.expected:
                        meter.all_started.set()
                    try:
                        with anyio.fail_after(5):
                            await meter.all_started.wait()
                        return await value(*args, **kwargs)
                    finally:
                        meter.now -= 1

                return metered

        return Metered()


async def test_the_systems_are_searched_concurrently(server: MCPServer, client: Client) -> None:
    meter = InFlight(len(SYSTEMS))
    for name in SYSTEMS:
        runtime = runtime_of(server).provider(name)
        runtime.api = meter.wrap(name, runtime.client())
    found = await call(client, "customers_find", {"query": "jane@example.com"})
    assert not found["partial"]
    assert meter.most >= len(SYSTEMS)  # every provider's call overlapped the others'


async def test_one_system_alone(server_factory: ServerFactory) -> None:
    alone = server_factory(providers=["twc=sandbox"])
    async with Client(alone) as connected:
        listed = {tool.name for tool in (await connected.list_tools()).tools}
        assert "customers_find" not in listed  # alone, the provider's own find says the same
    named = server_factory(providers=["twc=sandbox"], toolsets=["people"])
    async with Client(named) as connected:
        found = await call(connected, "customers_find", {"query": "jane@example.com"})
        assert set(found["systems"]) == {"twc"} and systems_of(found["people"][0]) == {"twc"}
        overview = await call(connected, "customer_360", {"person": "jane@example.com"})
        assert set(overview["systems"]) == {"twc"}


async def test_the_people_tools_are_listed_by_default_with_two_systems_and_read_only(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in ("customers_find", "customer_360"):
        assert tools[name].annotations is not None and tools[name].annotations.read_only_hint is True
        assert tools[name].output_schema is not None


async def test_customer_360_side_by_side_with_discrepancies(client: Client) -> None:
    overview = await call(client, "customer_360", {"person": "john.smith@example.com"})
    assert list(overview["systems"]) == list(SYSTEMS)
    assert overview["systems"]["ultracart"]["customer"]["customer_profile_oid"]
    assert overview["systems"]["twc"]["consent"] is not None
    said = " | ".join(overview["discrepancies"])
    assert "email written differently" in said and "John.Smith@example.com" in said  # Voucherify's case
    assert "loyalty tier differs" in said  # UltraCart Bronze, TWC none


async def test_customer_360_by_any_systems_id_reaches_every_system(client: Client) -> None:
    overview = await call(client, "customer_360", {"person": "100001"})  # UltraCart's oid, TWC's customerRef
    assert overview["person"]["email"] == "jane@example.com"
    assert {ref.split(":")[0] for ref in overview["person"]["records"]} == set(SYSTEMS)


async def test_the_person_resource_returns_what_customer_360_does(client: Client) -> None:
    templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
    assert "customers://person/{email}" in templates
    read = await client.read_resource("customers://person/jane%40example.com")
    text = read.contents[0].text  # type: ignore[union-attr]
    expected = await call(client, "customer_360", {"person": "jane@example.com"})
    assert json.loads(text) == expected
    with pytest.raises(Exception, match="email"):
        await client.read_resource("customers://person/not-an-email")


def test_the_default_listing_with_every_system_and_the_people_tools_stays_within_64_kb() -> None:
    from uc_mcp.people.layer import TOOLS
    from uc_mcp.providers import all_providers
    from uc_mcp.schemas import default_listing_sizes, sizes

    every = max(total for names, total in default_listing_sizes(all_providers()) if len(names) == len(SYSTEMS))
    assert every + sum(sizes(spec).context for spec in TOOLS) <= 64 * 1024


async def test_one_systems_records_are_overviewed_concurrently(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jane has two Voucherify records: their overviews overlap (each held until the other has started), in the
    records' order in the answer."""
    import dataclasses

    from uc_mcp.people import sources

    real = sources.ADAPTERS["voucherify"]
    started: list[str] = []
    both = anyio.Event()

    async def overview(record: Any, ctx: Any) -> dict[str, Any]:
        started.append(record.id)
        if len(started) == 2:
            both.set()
        with anyio.fail_after(5):
            await both.wait()
        return await real.overview(record, ctx)

    monkeypatch.setitem(sources.ADAPTERS, "voucherify", dataclasses.replace(real, overview=overview))
    result = await call(client, "customer_360", {"person": "jane@example.com"})
    voucherify = result["systems"]["voucherify"]
    assert isinstance(voucherify, list) and len(voucherify) == 2 and not result["partial"]
    ids = [record.split(":", 1)[1] for record in result["person"]["records"] if record.startswith("voucherify:")]
    assert [view["customer"]["id"] for view in voucherify] == ids


def _link(found: dict[str, Any], one: str, other: str) -> dict[str, Any]:
    emails = [person["email"].casefold() for person in found["people"]]
    pair = {emails.index(one), emails.index(other)}
    [link] = [link for link in found.get("possibly_same", []) if set(link["people"]) == pair]
    return link


async def test_a_name_only_link_is_strengthened_by_phone_and_postcode_never_merged(client: Client) -> None:
    """The demo's near-duplicate: UltraCart 100002 jane.doe@, the same Jane Doe at the same address and phone as
    jane@ (in all three systems). One record of each is read for its phone and postcode, within max_calls."""
    found = await call(client, "customers_find", {"query": "Jane Doe"})
    link = _link(found, "jane@example.com", "jane.doe@example.com")
    assert set(link["evidence"]) == {"name+postcode", "phone"} and link["strength"] == "medium"
    assert link["verdict"].startswith("possibly the same person")
    assert len(found["people"]) >= 2  # never merged: two emails, two people
    assert all(part["api_calls"] <= 6 for part in found["systems"].values())  # the default max_calls
    # No call left for a read: the link stays what the names alone say.
    tight = await call(client, "customers_find", {"query": "Jane Doe", "max_calls": 1})
    assert _link(tight, "jane@example.com", "jane.doe@example.com")["evidence"] == ["name"]
    assert all(part["api_calls"] <= 1 for part in tight["systems"].values())


async def test_a_failed_contact_read_leaves_the_link_weak_and_the_answer_whole(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from uc_mcp.core.errors import ServerError
    from uc_mcp.people import sources

    async def failing(record: Any, ctx: Any) -> tuple[str | None, str | None]:
        raise ServerError("the API is down")

    for name, source in list(sources.ADAPTERS.items()):
        monkeypatch.setitem(sources.ADAPTERS, name, dataclasses.replace(source, contact=failing))
    found = await call(client, "customers_find", {"query": "Jane Doe"})
    assert _link(found, "jane@example.com", "jane.doe@example.com")["evidence"] == ["name"]
    assert not found["partial"]
