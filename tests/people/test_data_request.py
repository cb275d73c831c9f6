"""customers_data_request through the MCP protocol, on the three embedded sandboxes: the file it writes is checked
against what each sandbox's own API answers for the same person."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer

from tests.support.mcp import ServerFactory, SettingsFactory
from uc_mcp.core.errors import ConfigurationError, ProviderError
from uc_mcp.core.paging import Page
from uc_mcp.people import data_request
from uc_mcp.server import build_server, runtime_of
from uc_mcp.ultracart.tools.common import EXPANSIONS

pytestmark = pytest.mark.anyio

TOOL = "customers_data_request"
SYSTEMS = ["ultracart", "voucherify", "twc"]
JANE = "jane@example.com"  # a demo person in all three systems (twc demo_data.STORY_LINKS: "both")


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def server(server_factory: ServerFactory, export_dir: Path) -> MCPServer:
    return server_factory(export_dir=export_dir)


@pytest.fixture
async def client(server: MCPServer) -> AsyncIterator[Client]:
    async with Client(server) as connected:
        yield connected


async def request(client: Client, arguments: dict[str, Any], progress: Any = None) -> dict[str, Any]:
    result = await client.call_tool(TOOL, arguments, progress_callback=progress)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def read_lines(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def size_of(path: str) -> int:
    return Path(path).stat().st_size


def only_file(directory: Path) -> str:
    [written] = list(directory.iterdir())
    return written.read_text()


def items(lines: list[dict[str, Any]], system: str, kind: str, record: str | None = None) -> list[Any]:
    return [
        line["data"]
        for line in lines
        if line["type"] == "item"
        and line["system"] == system
        and line["kind"] == kind
        and (record is None or line["record"] == f"{system}:{record}")
    ]


def section(lines: list[dict[str, Any]], system: str) -> dict[str, Any]:
    [found] = [line for line in lines if line["type"] == "section" and line["system"] == system]
    return found


def api(server: MCPServer, name: str) -> Any:
    return runtime_of(server).provider(name).client()


async def every_page(fetch: Any) -> list[dict[str, Any]]:
    read: list[dict[str, Any]] = []
    after = None
    while True:
        page: Page[dict[str, Any]] = await fetch(after)
        read.extend(page.items)
        if not page.more:
            return read
        after = page.next


async def test_the_file_holds_what_each_system_holds_about_the_person(server: MCPServer, client: Client) -> None:
    result = await request(client, {"person": JANE})
    assert result["complete"] is True and "notice" not in result
    lines = read_lines(result["path"])
    assert size_of(result["path"]) == result["bytes"] and len(lines) == result["lines"]
    header = lines[0]
    assert header["type"] == "data_request" and header["person"]["email"] == JANE and header["systems"] == SYSTEMS
    assert [line["system"] for line in lines if line["type"] == "section"] == SYSTEMS  # registry order
    ids = {name: result["systems"][name]["records"] for name in SYSTEMS}
    assert len(ids["ultracart"]) == len(ids["twc"]) == 1 and len(ids["voucherify"]) == 2, ids  # a planted duplicate

    # UltraCart: the customer with every expansion, its store credit, each wishlist item.
    oid = int(ids["ultracart"][0])
    uc = api(server, "ultracart")
    truth = await uc.customer_record(oid, expand=sorted(EXPANSIONS))
    [customer] = items(lines, "ultracart", "customer")
    assert customer["customer_profile_oid"] == oid and customer["email"] == truth["email"]
    assert {key for key in truth if truth[key] not in (None, [], {})} <= set(customer) | {"cards"}
    wishes = (await uc.get_customer_wish_list(oid)).wishlist_items or []
    written = items(lines, "ultracart", "wishlist_item")
    assert [w["customer_wishlist_item_oid"] for w in written] == [w.customer_wishlist_item_oid for w in wishes]
    [credit] = items(lines, "ultracart", "store_credit")
    truth_credit = (await uc.get_customer_store_credit(oid)).customer_store_credit
    assert credit == truth_credit.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert len(items(lines, "ultracart", "email_lists")) == 1

    # Voucherify: each of the person's records: the customer, every segment, redeemable and activity event.
    vc = api(server, "voucherify")
    for vid in ids["voucherify"]:
        assert items(lines, "voucherify", "customer", vid) == [await vc.customer_record(vid)]
        segments = (await vc.list_customer_segments(vid)).data
        assert [s["id"] for s in items(lines, "voucherify", "segment", vid)] == [s.id for s in segments]
        events = await every_page(lambda after, vid=vid: vc.activity_page(vid, 100, starting_after_id=after))
        assert [e["id"] for e in items(lines, "voucherify", "activity", vid)] == [e["id"] for e in events]
        redeemables = await every_page(lambda after, vid=vid: vc.redeemables_page(vid, 100, starting_after_id=after))
        assert [r["id"] for r in items(lines, "voucherify", "redeemable", vid)] == [r["id"] for r in redeemables]
    assert items(lines, "voucherify", "activity") and items(lines, "voucherify", "redeemable")

    # TWC: the customer, addresses and consent included.
    tid = ids["twc"][0]
    [twc_customer] = items(lines, "twc", "customer")
    truth_twc = (await api(server, "twc").get_customer(tid)).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert twc_customer == truth_twc and "addresses" in twc_customer
    for name in SYSTEMS:
        written_items = [line for line in lines if line["type"] == "item" and line["system"] == name]
        assert section(lines, name)["items"] == len(written_items) == result["systems"][name]["items"]
        assert section(lines, name)["status"] == "complete"


async def test_by_another_systems_id_the_file_reaches_every_system(client: Client) -> None:
    result = await request(client, {"person": "100001"})  # UltraCart's oid, TWC's customerRef (customer_360's test)
    assert [name for name in SYSTEMS if result["systems"][name]["records"]] == SYSTEMS


async def test_the_result_never_holds_the_persons_data(client: Client) -> None:
    result = await request(client, {"person": JANE})
    lines = read_lines(result["path"])
    text = json.dumps(result)
    personal = {
        line["data"].get(key)
        for line in lines
        if line["type"] == "item" and line["kind"] == "customer"
        for key in ("email", "first_name", "last_name", "firstName", "lastName", "name", "phone", "mobile")
    }
    personal = {value for value in personal if isinstance(value, str) and len(value) > 2}
    assert personal and not [value for value in personal if value in text], personal


async def test_a_failing_system_leaves_the_others_written_and_is_named(server: MCPServer, client: Client) -> None:
    runtime_of(server).provider("voucherify").problem = ConfigurationError("VOUCHERIFY_APP_ID is not set")
    result = await request(client, {"person": JANE})
    assert result["complete"] is False and result["systems"]["voucherify"]["status"] == "failed"
    assert "Voucherify" in result["notice"]
    lines = read_lines(result["path"])
    assert section(lines, "voucherify")["status"] == "failed" and not items(lines, "voucherify", "customer")
    assert items(lines, "ultracart", "customer") and items(lines, "twc", "customer")


class FailsOn:
    """A provider client whose ``operation`` fails once reached; everything else is the real client's."""

    def __init__(self, api: Any, operation: str) -> None:
        self.api, self.operation = api, operation

    def __getattr__(self, name: str) -> Any:
        if name != self.operation:
            return getattr(self.api, name)

        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise ProviderError("the API timed out")

        return fail


async def test_a_system_failing_midway_keeps_what_it_read_and_says_partial(server: MCPServer, client: Client) -> None:
    runtime = runtime_of(server).provider("voucherify")
    runtime.api = FailsOn(runtime.client(), "activity_page")
    result = await request(client, {"person": JANE})
    part = result["systems"]["voucherify"]
    assert part["status"] == "partial" and "timed out" in part["problem"] and part["items"] > 0
    lines = read_lines(result["path"])
    assert items(lines, "voucherify", "customer") and not items(lines, "voucherify", "activity")
    assert section(lines, "voucherify")["status"] == "partial"


async def test_each_system_stays_within_max_calls(server: MCPServer, client: Client) -> None:
    made: dict[str, int] = {}

    class Counted:
        def __init__(self, name: str, api: Any) -> None:
            self.name, self.api = name, api

        def __getattr__(self, attribute: str) -> Any:
            value = getattr(self.api, attribute)
            if not callable(value) or attribute.startswith("_"):
                return value

            async def counted(*args: Any, **kwargs: Any) -> Any:
                made[self.name] = made.get(self.name, 0) + 1
                return await value(*args, **kwargs)

            return counted

    for name in SYSTEMS:
        runtime = runtime_of(server).provider(name)
        runtime.api = Counted(name, runtime.client())
    full = await request(client, {"person": JANE})
    needed = full["systems"]["voucherify"]["api_calls"]
    assert made["voucherify"] == needed
    made.clear()
    result = await request(client, {"person": JANE, "max_calls": needed - 1})
    assert all(made[name] <= needed - 1 for name in made), made
    part = result["systems"]["voucherify"]
    assert part["status"] == "partial" and "max_calls" in part["problem"] and result["complete"] is False
    assert part["api_calls"] == made["voucherify"]


async def test_progress_is_reported_when_asked_and_only_rises(client: Client) -> None:
    seen: list[tuple[float, float | None]] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, total))

    await request(client, {"person": JANE}, progress)
    values = [value for value, _ in seen]
    assert values == sorted(set(values)) and len(values) == len(SYSTEMS) + 1
    assert seen[-1] == (len(SYSTEMS) + 1, len(SYSTEMS) + 1)


async def test_bad_input_and_nobody_are_clear_errors(client: Client) -> None:
    for arguments, said in (({"person": " "}, "person"), ({"person": JANE, "max_calls": 1}, "max_calls")):
        result = await client.call_tool(TOOL, arguments)
        assert result.is_error and said in str(result.content)
    nobody = await client.call_tool(TOOL, {"person": "nobody-here@example.org"})
    assert nobody.is_error and "nobody-here" not in str(nobody.content)


async def test_it_is_a_write_not_listed_read_only(server_factory: ServerFactory, client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    annotations = tools[TOOL].annotations
    assert annotations is not None and annotations.read_only_hint is False and annotations.destructive_hint is False
    async with Client(server_factory(read_only=True)) as read_only:
        assert TOOL not in {tool.name for tool in (await read_only.list_tools()).tools}


@pytest.fixture
def http_server(settings_factory: SettingsFactory, export_dir: Path) -> Iterator[MCPServer]:
    server = build_server(settings_factory(export_dir=export_dir), transport="http")
    yield server
    runtime_of(server).close()


async def test_over_http_the_file_is_a_resource_for_its_caller(http_server: MCPServer, export_dir: Path) -> None:
    async with Client(http_server) as client:
        result = await request(client, {"person": JANE})
        assert "path" not in result and str(export_dir) not in json.dumps(result)
        assert result["resource_uri"].startswith("customers://exports/") and result["expires_at"]
        read = await client.read_resource(result["resource_uri"])
        text = read.contents[0].text  # type: ignore[union-attr]
        assert text == only_file(export_dir) and len(text.splitlines()) == result["lines"]


async def test_every_page_of_a_long_list_is_written(
    server: MCPServer, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 2: the activity and redeemables take several calls each, all of them written, in order."""
    monkeypatch.setattr(data_request, "PAGE_SIZE", 2)
    result = await request(client, {"person": JANE, "max_calls": 60})
    assert result["complete"] is True
    lines = read_lines(result["path"])
    vc = api(server, "voucherify")
    for vid in result["systems"]["voucherify"]["records"]:
        events = await every_page(lambda after, vid=vid: vc.activity_page(vid, 100, starting_after_id=after))
        assert [e["id"] for e in items(lines, "voucherify", "activity", vid)] == [e["id"] for e in events]
    assert len(items(lines, "voucherify", "activity")) > 2 * 2  # more than two pages of 2


async def test_a_list_failing_on_a_later_page_keeps_the_pages_read(
    server: MCPServer, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 2: the second activity page fails; the first page's events are written and the section says why."""
    monkeypatch.setattr(data_request, "PAGE_SIZE", 2)
    runtime = runtime_of(server).provider("voucherify")
    real = runtime.client()
    pages: list[str | None] = []

    class SecondPageFails:
        def __getattr__(self, name: str) -> Any:
            if name != "activity_page":
                return getattr(real, name)

            async def page(customer_id: str, limit: int, starting_after_id: str | None = None) -> Any:
                pages.append(starting_after_id)
                if starting_after_id is not None:
                    raise ProviderError("the API timed out")
                return await real.activity_page(customer_id, limit, starting_after_id=starting_after_id)

            return page

    runtime.api = SecondPageFails()
    result = await request(client, {"person": JANE, "max_calls": 60})
    part = result["systems"]["voucherify"]
    assert part["status"] == "partial" and "timed out" in part["problem"]
    lines = read_lines(result["path"])
    written = items(lines, "voucherify", "activity")
    assert len(written) == 2 and None in pages and any(after is not None for after in pages)
