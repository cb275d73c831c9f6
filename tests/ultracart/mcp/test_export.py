"""``ultracart_export_customers`` through the MCP protocol: file content against the sandbox's own data,
both sandbox profiles, progress, cancellation, the call budget, the result budget, redaction, HTTP links
and bad input.

Expected rows come from the sandbox store (the records the API serves, paged by the store itself, not by
the tool) and, for which customers match, from the demo-data generator with the matching rule written
in ``sandbox/filters.py``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent, TextResourceContents

from tests.redis_server import unreachable_url
from tests.servers import asgi_server
from tests.ultracart.mcp.conftest import SEED, ServerFactory, SettingsFactory, demo_customers, make_settings
from uc_mcp.core.budget import project
from uc_mcp.core.errors import ServerError
from uc_mcp.core.exports import EXPORT_LIFETIME_SECONDS, ExportFile, Owner, _csv_cell, csv_cell, read_export
from uc_mcp.core.redact import Redactor
from uc_mcp.http_app import create_app
from uc_mcp.server import build_server, runtime_of
from uc_mcp.ultracart.sandbox.filters import parse_filters
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions
from uc_mcp.ultracart.tools import export as export_module
from uc_mcp.ultracart.tools.export import EXPORT_GONE, EXPORT_URI_PREFIX
from uc_mcp.ultracart.views import COMPACT_CUSTOMER_FIELDS, customer_view

TOOL = "ultracart_export_customers"
BIG = 1050  # six pages of 200: the last one short
EXPAND = "billing,shipping,tags"


# -- fixtures and helpers ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "sandbox.sqlite3"
    Sandbox(SandboxOptions(db=path, customers=BIG, seed=SEED)).close()
    return path


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def big_server(big_seed: Path, tmp_path: Path, export_dir: Path) -> Iterator[Any]:
    """A server factory on a private copy of the 1,050-customer sandbox."""
    copy = tmp_path / "big.sqlite3"
    shutil.copyfile(big_seed, copy)
    built: list[MCPServer] = []

    def factory(transport: str = "stdio", **overrides: Any) -> MCPServer:
        values: dict[str, Any] = {
            "backend": "sandbox",
            "sandbox_db": copy,
            "sandbox_customers": BIG,
            "export_dir": export_dir,
        }
        server = build_server(make_settings(**(values | overrides)), transport=transport)  # type: ignore[arg-type]
        built.append(server)
        return server

    yield factory
    for server in built:
        if runtime_of(server).sandbox is not None:
            runtime_of(server).sandbox.close()


def text_of(result: CallToolResult) -> str:
    assert len(result.content) == 1
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


async def export(client: Client, arguments: dict[str, Any], progress: Any = None) -> dict[str, Any]:
    result = await client.call_tool(TOOL, arguments, progress_callback=progress)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert json.loads(text_of(result)) == result.structured_content
    return result.structured_content


async def export_error(client: Client, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(TOOL, arguments)
    assert result.is_error
    return text_of(result)


def truth(server: MCPServer, filters: dict[str, Any], expand: str = EXPAND) -> list[dict[str, Any]]:
    """Every customer the store matches for ``filters``, in the API's order (the store's own paging)."""
    store = runtime_of(server).sandbox.store
    wanted = parse_filters(filters, None)
    customers: list[dict[str, Any]] = []
    while True:
        page = store.find_customers(wanted, limit=200, offset=len(customers), sort=None, expand=expand)
        customers.extend(page.customers)
        if not page.more:
            return customers


def plain(value: Any) -> str:
    return "" if value is None else str(value)


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text_in(path).splitlines()]


def text_in(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_in(directory: Path) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir()) if directory.exists() else []


class Progress:
    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))


# -- content against the ground truth ------------------------------------------------------------------


@pytest.mark.anyio
async def test_csv_of_every_customer_equals_the_store_page_by_page(big_server: Any, export_dir: Path) -> None:
    server = big_server()
    progress = Progress()
    async with Client(server) as client:
        result = await export(client, {}, progress)
    path = Path(result["path"])
    assert result["rows"] == BIG and result["total"] == BIG
    assert result["complete"] is True and result["api_calls"] == 6
    assert result["format"] == "csv" and "notice" not in result and result["sandbox"] is True

    expected = [[plain(customer_view(c)[col]) for col in COMPACT_CUSTOMER_FIELDS] for c in truth(server, {})]
    rows = csv_rows(path)
    assert rows[0] == list(COMPACT_CUSTOMER_FIELDS)
    assert rows[1:] == expected
    assert rows[1][:2] == ["100001", "jane@example.com"]
    # The sample is the first rows, as objects.
    assert [row["customer_profile_oid"] for row in result["sample"]] == [100001, 100002, 100003]
    assert result["sample"][0]["email"] == "jane@example.com"
    # Named by time and a short id, owner-only, and nothing else left in the directory.
    assert path.parent == export_dir
    assert path.name.startswith("customers-") and path.suffix == ".csv"
    assert mode_of(path) == 0o600
    assert files_in(export_dir) == [path.name]
    # One progress notification per page: rows so far, out of the total the API reported.
    assert [(p, t) for p, t, _ in progress.seen] == [
        (200, BIG),
        (400, BIG),
        (600, BIG),
        (800, BIG),
        (1000, BIG),
        (BIG, BIG),
    ]
    assert progress.seen[-1][2] == f"{BIG} of {BIG} customers exported"


@pytest.mark.anyio
async def test_jsonl_with_fields_equals_the_store_for_a_filter(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory(export_dir=tmp_path)
    fields = ["customer_profile_oid", "email", "billing.city", "billing.state_region", "tags", "name"]
    async with Client(server) as client:
        result = await export(client, {"format": "jsonl", "billing_state": "tx", "fields": fields})
    path = Path(result["path"])
    assert path.suffix == ".jsonl" and result["complete"] is True and result["api_calls"] == 1
    lines = jsonl_rows(path)
    assert result["rows"] == len(lines) == result["total"]

    records = truth(server, {"billing_state": "tx"}, "billing,shipping,tags")
    expected = []
    for customer in records:
        row, _ = project(customer, fields[:-1])
        name = customer_view(customer)["name"]
        expected.append({**row, **({"name": name} if name else {})})
    assert lines == expected
    # Which customers: the default profile matches the state case-insensitively on any billing address.
    matching = {
        oid
        for oid, demo in demo_customers()
        if any((address.get("state_region") or "").casefold() == "tx" for address in demo.customer.get("billing", []))
    }
    assert {line["customer_profile_oid"] for line in lines} == matching
    assert all(address["state_region"].casefold() == "tx" for line in lines for address in line["billing"][:1])


@pytest.mark.anyio
async def test_csv_cells_for_nested_fields_are_json(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory(export_dir=tmp_path)
    async with Client(server) as client:
        result = await export(client, {"email": "jane@example.com", "fields": ["email", "billing.city", "tags"]})
    rows = csv_rows(Path(result["path"]))
    assert rows[0] == ["email", "billing.city", "tags"]
    jane = next(c for c in truth(server, {"email": "jane@example.com"}) if c["email"] == "jane@example.com")
    cities = [address["city"] for address in jane["billing"]]
    by_email = {row[0]: row for row in rows[1:]}
    assert json.loads(by_email["jane@example.com"][1]) == cities
    assert json.loads(by_email["jane@example.com"][2]) == jane["tags"]


@pytest.mark.anyio
async def test_strict_profile_walks_without_a_total_until_the_api_says_no_more(
    big_server: Any,
) -> None:
    server = big_server(sandbox_profile="strict")
    progress = Progress()
    async with Client(server) as client:
        result = await export(client, {"billing_country_code": "US"}, progress)
        # Strict: exact and case-sensitive, so nobody lives in "denver"; a code typed "us" is sent as "US".
        nothing = await export(client, {"billing_city": "denver"})
        typed = await export(client, {"billing_country_code": "us"})
    expected = truth(server, {"billing_country_code": "US"})
    assert len(expected) > 600  # several pages
    assert result["rows"] == len(expected) and result["complete"] is True
    assert "total" not in result  # the strict profile leaves total_records out when a filter is set
    assert result["api_calls"] == -(-len(expected) // 200)
    rows = csv_rows(Path(result["path"]))
    assert [int(row[0]) for row in rows[1:]] == [c["customer_profile_oid"] for c in expected]
    assert all(total is None for _, total, _ in progress.seen)
    assert progress.seen[-1][0] == len(expected)
    assert progress.seen[0][2] == "200 customers exported"

    assert nothing["rows"] == 0 and nothing["complete"] is True
    assert "No customer matches" in nothing["notice"]
    assert csv_rows(Path(typed["path"])) == rows
    assert csv_rows(Path(nothing["path"])) == [list(COMPACT_CUSTOMER_FIELDS)]


# -- the call budget -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_max_calls_keeps_what_was_written_and_says_how_to_get_the_rest(big_server: Any) -> None:
    server = big_server()
    async with Client(server) as client:
        result = await export(client, {"max_calls": 2})
    assert result["rows"] == 400 and result["api_calls"] == 2 and result["total"] == BIG
    assert result["complete"] is False
    notice = result["notice"]
    assert "first 400 of 1050" in notice and "max_calls=2" in notice
    assert "call again with max_calls=6" in notice and "narrow the filter" in notice
    rows = csv_rows(Path(result["path"]))
    assert len(rows) == 401
    assert [int(row[0]) for row in rows[1:]] == [c["customer_profile_oid"] for c in truth(server, {})[:400]]


@pytest.mark.anyio
async def test_max_calls_without_a_total_asks_for_more_calls(big_server: Any) -> None:
    server = big_server(sandbox_profile="strict")
    async with Client(server) as client:
        result = await export(client, {"billing_country_code": "US", "max_calls": 1, "format": "jsonl"})
    assert result["rows"] == 200 and result["complete"] is False and "total" not in result
    assert "first 200 customers" in result["notice"] and "higher max_calls (up to 500)" in result["notice"]
    assert len(jsonl_rows(Path(result["path"]))) == 200


@pytest.mark.anyio
async def test_an_api_error_midway_keeps_the_pages_read(big_server: Any, export_dir: Path) -> None:
    server = big_server()
    api = runtime_of(server).client()
    real_page = api.customer_page
    calls: list[int] = []

    async def failing_third(offset: int, limit: int, **kwargs: Any) -> Any:
        calls.append(offset)
        if len(calls) == 3:
            raise ServerError("UltraCart answered 503", operation="get_customers", status=503)
        return await real_page(offset, limit, **kwargs)

    api.customer_page = failing_third
    async with Client(server) as client:
        result = await export(client, {})
    assert result["rows"] == 400 and result["complete"] is False and result["api_calls"] == 3
    assert "an API error stopped the export" in result["notice"] and "503" in result["notice"]
    assert len(csv_rows(Path(result["path"]))) == 401


@pytest.mark.anyio
async def test_an_api_error_on_the_first_page_fails_and_leaves_no_file(big_server: Any, export_dir: Path) -> None:
    server = big_server()
    api = runtime_of(server).client()

    async def failing(offset: int, limit: int, **kwargs: Any) -> Any:
        raise ServerError("UltraCart answered 503", operation="get_customers", status=503)

    api.customer_page = failing
    async with Client(server) as client:
        text = await export_error(client, {})
    assert "503" in text
    assert files_in(export_dir) == []


@pytest.mark.anyio
async def test_each_customers_view_is_computed_once(big_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    viewed: list[int] = []

    def counted(customer: Any) -> dict[str, Any]:
        viewed.append(customer["customer_profile_oid"])
        return customer_view(customer)

    monkeypatch.setattr(export_module, "customer_view", counted)
    async with Client(big_server()) as client:
        result = await export(client, {})
    assert result["rows"] == BIG and len(csv_rows(Path(result["path"]))[0]) == len(COMPACT_CUSTOMER_FIELDS)
    assert sorted(viewed) == sorted(set(viewed)) and len(viewed) == BIG  # 8 of its columns come from the view


@pytest.mark.anyio
async def test_the_next_page_is_on_its_way_while_a_page_is_written(
    big_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = big_server()
    api = runtime_of(server).client()
    real_page = api.customer_page
    events: list[str] = []

    async def recorded(offset: int, limit: int, **kwargs: Any) -> Any:
        events.append(f"request {offset}")
        return await real_page(offset, limit, **kwargs)

    real_write = ExportFile.write

    def write(self: ExportFile, rows: Any) -> None:
        events.append(f"write {len(rows)}")
        real_write(self, rows)

    api.customer_page = recorded
    monkeypatch.setattr(ExportFile, "write", write)
    async with Client(server) as client:
        result = await export(client, {})
    assert result["rows"] == BIG and result["api_calls"] == 6 and result["complete"] is True
    # One page ahead: page k+1 is requested before page k is written; never more, never past the end.
    assert events == [
        "request 0",
        "request 200",
        "write 200",
        "request 400",
        "write 200",
        "request 600",
        "write 200",
        "request 800",
        "write 200",
        "request 1000",
        "write 200",
        "write 50",
    ]


# -- cancellation -----------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])  # direct in-process dispatch, and JSON-RPC messages
async def test_cancelling_after_the_first_page_stops_the_walk_and_deletes_the_file(
    big_server: Any, export_dir: Path, mode: str
) -> None:
    server = big_server()
    api = runtime_of(server).client()
    real_page = api.customer_page
    calls: list[int] = []
    first_page_done = anyio.Event()
    release = anyio.Event()

    async def slow_after_first(offset: int, limit: int, **kwargs: Any) -> Any:
        calls.append(offset)
        if len(calls) > 1:
            await release.wait()  # the second page hangs until the test has cancelled
        return await real_page(offset, limit, **kwargs)

    api.customer_page = slow_after_first

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        first_page_done.set()

    outcome: list[Any] = []
    async with Client(server, mode=mode) as client:
        async with anyio.create_task_group() as group:

            async def call() -> None:
                with anyio.CancelScope() as scope:
                    outcome.append(scope)
                    outcome.append(await client.call_tool(TOOL, {}, progress_callback=on_progress))

            group.start_soon(call)
            with anyio.fail_after(5):
                await first_page_done.wait()
            assert any(name.endswith(".part") for name in files_in(export_dir))  # being written
            outcome[0].cancel()  # the client gives up: the SDK sends notifications/cancelled
        # The server's handler is cancelled too: its partial file disappears, and no file is finished.
        for _ in range(500):
            if not files_in(export_dir):
                break
            await anyio.sleep(0.01)
        release.set()
        await anyio.sleep(0.05)
        # The connection still works after the cancelled call.
        await client.list_tools()
    assert len(outcome) == 1  # the call never returned a result
    assert files_in(export_dir) == []
    assert len(calls) == 2  # the walk stopped at the page it was waiting for


# -- the result budget and redaction ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_result_stays_within_a_small_budget(big_server: Any) -> None:
    server = big_server(max_result_tokens=200)
    fields = ["email", "billing", "shipping", "tags", "properties", "business_notes"]
    async with Client(server) as client:
        result = await client.call_tool(TOOL, {"fields": fields, "max_calls": 1})
    text = text_of(result)
    assert not result.is_error, text
    assert len(text.encode("utf-8")) <= 200 * 4
    body = json.loads(text)
    assert body["rows"] == 200 and body["complete"] is False and body["path"] and body["notice"]
    assert len(body.get("sample", [])) <= 3
    assert len(csv_rows(Path(body["path"]))) == 201  # the file is whole, whatever the budget of the result


@pytest.mark.anyio
async def test_the_file_honours_redaction_and_never_holds_secrets(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    server = server_factory(export_dir=tmp_path, redact=["email", "name"])
    async with Client(server) as client:
        table = await export(client, {})
        records = await export(client, {"format": "jsonl", "fields": ["email", "billing.first_name", "cards", "name"]})
    rows = csv_rows(Path(table["path"]))
    header, body = rows[0], rows[1:]
    email, name = header.index("email"), header.index("name")
    assert body[0][email] == "j***@example.com" and body[0][name] == "J***"
    content = text_in(Path(table["path"])) + text_in(Path(records["path"]))
    for _, demo in demo_customers():
        assert demo.customer["email"] not in content
    assert table["sample"][0]["email"] == "j***@example.com"

    lines = jsonl_rows(Path(records["path"]))
    jane = lines[0]
    assert jane["email"] == "j***@example.com" and jane["name"] == "J***"
    assert jane["billing"][0]["first_name"] == "J***"
    cards = [card for line in lines for card in line.get("cards", [])]
    assert cards, "the demo data has stored cards"
    assert all("card_number_token" not in card for card in cards)
    assert all(card["card_number"].startswith("****") for card in cards if "card_number" in card)
    assert "password" not in content and "token" not in content


@pytest.mark.anyio
@pytest.mark.parametrize("fields", [["email", "cards", "properties", "tags"], ["email", "billing.first_name", "name"]])
async def test_each_line_is_the_redacted_projection_of_its_customer(
    server_factory: ServerFactory, tmp_path: Path, fields: list[str]
) -> None:
    server = server_factory(export_dir=tmp_path, redact=["email", "name"])
    async with Client(server) as client:
        result = await export(client, {"format": "jsonl", "fields": fields, "max_calls": 3})
    redactor = Redactor.from_settings(["email", "name"])
    expected = []
    for customer in truth(server, {}, expand="billing,cards,properties,shipping,tags")[: result["rows"]]:
        line = redactor.apply(project(customer, [name for name in fields if name != "name"])[0])
        if "name" in fields and (name := redactor.apply(customer_view(customer)["name"], "name")) is not None:
            line["name"] = name
        expected.append(line)
    assert jsonl_rows(Path(result["path"])) == expected


@pytest.mark.anyio
async def test_csv_cells_that_would_run_as_formulas_are_quoted(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory(export_dir=tmp_path)
    customer = {
        "email": "formula@example.com",
        "billing": [
            {
                "first_name": "=cmd|' /C calc'!A0",
                "company": '=HYPERLINK("http://x.test")',
                "day_phone": "+1 (512) 555-0100",
            }
        ],
    }
    async with Client(server) as client:
        inserted = await client.call_tool("ultracart_insert_customer", customer)
        assert not inserted.is_error, text_of(inserted)
        result = await export(
            client, {"email": "formula@", "fields": ["email", "company", "billing.day_phone", "name"]}
        )
    rows = csv_rows(Path(result["path"]))
    assert rows[1] == [
        "formula@example.com",
        '\'=HYPERLINK("http://x.test")',
        '["+1 (512) 555-0100"]',
        "'=cmd|' /C calc'!A0",
    ]


def test_csv_cell_rules() -> None:
    assert csv_cell(None) == "" and csv_cell(True) == "true" and csv_cell(3) == "3"
    assert csv_cell("-12.50") == "-12.50" and csv_cell("+1 (512) 555-0100") == "+1 (512) 555-0100"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)" and csv_cell("-2+A1") == "'-2+A1" and csv_cell("\t=1") == "'\t=1"
    assert csv_cell(["a", 1]) == '["a",1]' and csv_cell({"k": None}) == '{"k":null}'


@given(
    st.lists(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text()
        | st.sampled_from(["=1", "-3", "@x", "+1 2"])
        | st.lists(st.integers(), max_size=2)
    )
)
def test_cells_passed_to_the_csv_writer_as_they_are_are_written_as_csv_cell_writes_them(values: list[Any]) -> None:
    def written(cells: list[Any]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(cells)
        return buffer.getvalue()

    assert written([_csv_cell(value) for value in values]) == written([csv_cell(value) for value in values])


# -- over HTTP: a link for its caller, not a path ----------------------------------------------------------

ANONYMOUS = Owner("http:anonymous", "default")  # the caller of an in-memory client to an HTTP-built server


@pytest.mark.anyio
async def test_over_http_the_result_is_an_expiring_link_for_its_caller(big_server: Any, export_dir: Path) -> None:
    server = big_server(transport="http")
    settings = runtime_of(server).settings
    async with Client(server) as client:
        result = await export(client, {"billing_state": "TX", "format": "jsonl"})
    assert "path" not in result and str(export_dir) not in json.dumps(result)
    uri = result["resource_uri"]
    assert uri.startswith(EXPORT_URI_PREFIX) and uri.endswith(".jsonl")
    export_id = uri.removeprefix(EXPORT_URI_PREFIX)
    expires = datetime.strptime(result["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert abs(expires - (time.time() + EXPORT_LIFETIME_SECONDS)) < 60

    found = await read_export(settings, export_id, ANONYMOUS)
    assert found is not None
    mime, content = found
    assert mime == "application/jsonl"
    lines = [json.loads(line) for line in content.decode().splitlines()]
    assert [line["customer_profile_oid"] for line in lines] == [
        c["customer_profile_oid"] for c in truth(server, {"billing_state": "TX"})
    ]
    assert len(lines) == result["rows"]

    # Another token of the same store, the same token name in another store, an unknown id: all alike.
    for reader in (Owner("token:someone-else", "default"), Owner("http:anonymous", "another-tenant")):
        assert await read_export(settings, export_id, reader) is None
    for unknown in ("not-an-export.jsonl", export_id.removesuffix(".jsonl") + ".csv", "../" + export_id):
        assert await read_export(settings, unknown, ANONYMOUS) is None
    [name] = files_in(export_dir)
    assert name.endswith(".jsonl")
    assert await read_export(settings, export_id, ANONYMOUS, now=time.time() + EXPORT_LIFETIME_SECONDS + 1) is None
    assert files_in(export_dir) == []  # an expired export's file is deleted
    assert await read_export(settings, export_id, ANONYMOUS) is None  # and stays gone


@pytest.mark.anyio
async def test_an_http_export_reads_back_as_a_resource(big_server: Any, export_dir: Path) -> None:
    server = big_server(transport="http")
    async with Client(server) as client:
        templates = {t.uri_template: t.mime_type for t in (await client.list_resource_templates()).resource_templates}
        assert templates[EXPORT_URI_PREFIX + "{token}.csv"] == "text/csv"
        assert templates[EXPORT_URI_PREFIX + "{token}.jsonl"] == "application/jsonl"
        result = await export(client, {"billing_state": "TX"})
        read = await client.read_resource(result["resource_uri"])
        [contents] = read.contents
        assert isinstance(contents, TextResourceContents) and contents.mime_type == "text/csv"
        rows = list(csv.reader(io.StringIO(contents.text)))
        assert len(rows) == result["rows"] + 1 and rows[0] == list(COMPACT_CUSTOMER_FIELDS)
        wrong_format = result["resource_uri"].removesuffix(".csv") + ".jsonl"
        for uri in (wrong_format, EXPORT_URI_PREFIX + "made-up.csv"):
            with pytest.raises(MCPError) as gone:
                await client.read_resource(uri)
            assert gone.value.error.message == EXPORT_GONE
        [name] = files_in(export_dir)
        (export_dir / name).unlink()  # a replica that does not share the export directory
        with pytest.raises(MCPError) as missing:
            await client.read_resource(result["resource_uri"])
        assert "UC_MCP_EXPORT_DIR" in missing.value.error.message


OWNER_TOKEN = "export-owner-token-0123456789"
COLLEAGUE_TOKEN = "export-colleague-token-0123456789"
READER_TOKEN = "export-reader-token-0123456789"


@asynccontextmanager
async def over_http(url: str, token: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(f"{url}/mcp", http_client=http, terminate_on_close=False)
    async with http, Client(transport) as client:
        yield client


@pytest.mark.anyio
async def test_over_http_only_the_token_that_made_an_export_reads_it(
    settings_factory: SettingsFactory, tmp_path: Path, export_dir: Path
) -> None:
    """Real bearer tokens through the gate: another token of the same store gets "not found", exactly as for
    an id that never existed (never "forbidden", which would confirm the export exists)."""
    tokens = {
        "owner": {"token": OWNER_TOKEN, "scope": ["assist"]},
        "colleague": {"token": COLLEAGUE_TOKEN, "scope": "full"},
        "reader": {"token": READER_TOKEN, "scope": "read-only"},
    }
    settings = settings_factory(
        http_tokens=json.dumps(tokens), export_dir=export_dir, audit_log=tmp_path / "audit.jsonl"
    )
    app = create_app(settings)
    try:
        with asgi_server(app) as url:
            async with over_http(url, OWNER_TOKEN) as owner:
                made = await export(owner, {"billing_state": "TX"})
                mine = await owner.read_resource(made["resource_uri"])
            async with over_http(url, COLLEAGUE_TOKEN) as colleague:
                errors = []
                for uri in (made["resource_uri"], EXPORT_URI_PREFIX + "AAAAAAAAAAAAAAAAAAAAAA.csv"):
                    with pytest.raises(MCPError) as refused:
                        await colleague.read_resource(uri)
                    errors.append(refused.value.error)
            async with over_http(url, READER_TOKEN) as reader:  # read-only: no export tool, so no export links
                templates = {t.uri_template for t in (await reader.list_resource_templates()).resource_templates}
    finally:
        if app.state.runtime.sandbox is not None:
            app.state.runtime.sandbox.close()
    assert mine.contents[0].text.startswith("customer_profile_oid,")  # type: ignore[union-attr]
    stolen, unknown = errors
    assert stolen.message == unknown.message == EXPORT_GONE and stolen.code == unknown.code
    assert "customer_profile_oid" not in str(stolen)
    assert not any(template.startswith(EXPORT_URI_PREFIX) for template in templates)


@pytest.mark.anyio
async def test_several_workers_without_redis_refuse_exports_and_write_nothing(
    settings_factory: SettingsFactory, export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``uc-mcp serve --workers 2`` tells every worker how many there are (UC_MCP_HTTP_WORKERS); without a
    shared registry a link made on one worker would fail on the others, so no export is made."""
    monkeypatch.setenv("UC_MCP_HTTP_WORKERS", "2")
    server = build_server(settings_factory(export_dir=export_dir), transport="http")
    try:
        async with Client(server) as client:
            text = await export_error(client, {"billing_state": "TX"})
        assert text.startswith(f"{TOOL}: exports are off: this server runs 2 HTTP worker processes")
        assert "UC_MCP_REDIS_URL" in text and "one worker" in text
        assert files_in(export_dir) == []
        assert runtime_of(server).api is None  # refused before any API call
        stdio = build_server(settings_factory(export_dir=export_dir))  # stdio writes a path: nothing to share
        async with Client(stdio) as client:
            made = await export(client, {"email": "jane@example.com"})
        assert files_in(export_dir) == [Path(made["path"]).name]
        runtime_of(stdio).sandbox.close()
    finally:
        if runtime_of(server).sandbox is not None:
            runtime_of(server).sandbox.close()


@pytest.mark.anyio
async def test_an_unreachable_shared_registry_fails_the_export_before_any_api_call(
    settings_factory: SettingsFactory, export_dir: Path
) -> None:
    pytest.importorskip("redis")
    url = unreachable_url()
    server = build_server(settings_factory(export_dir=export_dir, redis_url=url), transport="http")
    try:
        async with Client(server) as client:
            text = await export_error(client, {"billing_state": "TX"})
            with pytest.raises(MCPError) as unread:
                await client.read_resource(EXPORT_URI_PREFIX + "AAAAAAAAAAAAAAAAAAAAAA.csv")
    finally:
        if runtime_of(server).sandbox is not None:
            runtime_of(server).sandbox.close()
    assert "shared export registry (Redis, UC_MCP_REDIS_URL) cannot be reached" in text
    assert "shared export registry" in unread.value.error.message
    assert "never-shown-secret" not in text + unread.value.error.message
    assert files_in(export_dir) == []
    assert runtime_of(server).api is None


# -- bad input -------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"fields": ["email", "emial"]}, ["fields", "unknown field 'emial'"]),
        ({"fields": ["email", "'; DROP TABLE customer;--"]}, ["fields.1", "should match pattern"]),
        ({"fields": ["billing.cty"]}, ["fields", "unknown field 'billing.cty'"]),
        ({"fields": ["password"]}, ["fields", "'password' is a secret"]),
        ({"fields": ["cards.card_number_token"]}, ["fields", "secret"]),
        ({"fields": ["orders"]}, ["fields", "'orders' is not available"]),
        ({"fields": ["email.domain"]}, ["fields", "'email' has no sub-fields"]),
        ({"max_calls": 100_000}, ["max_calls", "less than or equal to 500"]),
        ({"max_calls": 0}, ["max_calls"]),
        ({"format": "xlsx"}, ["format"]),
        ({"offset": 200}, ["offset: not a parameter"]),
        ({"signup_dts_start": "yesterday"}, ["signup_dts_start"]),
    ],
)
async def test_bad_input_is_a_clear_error_naming_the_field(
    server_factory: ServerFactory, export_dir: Path, arguments: dict[str, Any], expected: list[str]
) -> None:
    server = server_factory(export_dir=export_dir)
    async with Client(server) as client:
        text = await export_error(client, arguments)
    assert text.startswith(f"Invalid arguments for {TOOL}")
    for part in expected:
        assert part in text
    assert "DROP" not in text  # names the field, never repeats a value that is not a field path
    assert files_in(export_dir) == []
    assert runtime_of(server).api is None  # rejected before any API call


@pytest.mark.anyio
async def test_default_export_dir_is_under_the_user_data_directory(
    settings_factory: SettingsFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    server = build_server(settings_factory())
    try:
        async with Client(server) as client:
            result = await export(client, {"email": "jane@example.com"})
    finally:
        runtime_of(server).sandbox.close()
    path = Path(result["path"])
    assert path.parent == tmp_path / "data" / "uc-mcp" / "exports"
    assert text_in(path).startswith("customer_profile_oid,email,")
