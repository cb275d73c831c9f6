"""The read tools, through the MCP protocol: listing, results, ground truth, budget, errors, configuration.

Every call goes through the SDK's client to the server ``build_server`` assembles, on a sandbox seeded with
``CUSTOMERS`` demo customers. Expected values come from ``demo_data.generate`` directly (customer *i* is
``customer_profile_oid`` 100001 + *i*) and the matching rules written in ``sandbox/filters.py`` (default
profile: ``billing_state`` is a case-insensitive exact match on any billing address; ``emails`` and tags are
exact and case-insensitive).

Only read tools (``readOnlyHint: true``) are pinned by name here: write tools are being added alongside.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import jsonschema
import pytest
from inline_snapshot import snapshot
from mcp.client import Client
from mcp_types import CallToolResult, TextContent, Tool

from tests.ultracart.mcp.conftest import CUSTOMERS, FIRST_OID, ServerFactory, demo_customers, make_settings
from uc_mcp.server import build_server, runtime_of
from uc_mcp.ultracart.client import ConfigurationError, choose_backend, ultracart_api
from uc_mcp.ultracart.sandbox import demo_data
from uc_mcp.ultracart.tools import TOOLS

JANE = FIRST_OID  # jane@example.com, three wishlist items, a store-credit ledger
JANE_EMAIL = "jane@example.com"
MISSING_OID = 999_999
COLUMNS = [
    "customer_profile_oid",
    "email",
    "name",
    "company",
    "city",
    "state",
    "country",
    "signup_date",
    "last_modified_date",
    "tag_count",
]
# One valid call per read tool; the wishlist item's oid is looked up from the wishlist first.
VALID_CALLS: dict[str, dict[str, Any]] = {
    "ultracart_get_customers": {"billing_state": "TX", "limit": 5},
    "ultracart_get_customers_by_query": {"emails": [JANE_EMAIL], "any_tags": ["vip", "gift-giver"]},
    "ultracart_get_customer": {"customer_profile_oid": JANE, "expand": ["loyalty", "properties"]},
    "ultracart_get_customer_by_email": {"email": JANE_EMAIL, "fields": ["email", "billing.city"]},
    "ultracart_get_customer_store_credit": {"customer_profile_oid": JANE},
    "ultracart_get_customer_wish_list": {"customer_profile_oid": JANE},
    "ultracart_get_customer_wish_list_item": {"customer_profile_oid": JANE},
    "ultracart_get_customer_email_lists": {},
    "ultracart_get_customer_editor_values": {},
    "ultracart_search_customer_profile_values": {"matches": "vip", "max_hits": 5},
    "ultracart_get_customers_for_data_tables": {},
    "ultracart_find_customers": {"query": "smith", "limit": 3},
    "ultracart_customer_overview": {"email": JANE_EMAIL},
    "ultracart_count_customers": {"billing_state": "TX", "by": ["tag"]},
    "ultracart_rank_customers": {"by": "store_credit", "limit": 3},
}


# -- helpers ---------------------------------------------------------------------------------------


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def text_of(result: CallToolResult) -> str:
    assert len(result.content) == 1
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


async def listed(client: Client) -> dict[str, Tool]:
    page = await client.list_tools()
    assert page.next_cursor is None  # every tool on one page
    return {tool.name: tool for tool in page.tools}


def is_read_only(tool: Tool) -> bool:
    return tool.annotations is not None and tool.annotations.read_only_hint is True


async def call_ok(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool that must succeed; check the result against its published output schema."""
    tool = (await listed(client))[name]
    result = await client.call_tool(name, arguments)
    text = text_of(result)
    assert not result.is_error, text
    structured = result.structured_content
    assert isinstance(structured, dict)
    assert tool.output_schema is not None
    jsonschema.validate(structured, tool.output_schema)
    assert json.loads(text) == structured
    assert text == compact(structured)  # the same compact JSON, not a re-indented copy
    assert structured["sandbox"] is True
    return structured


async def valid_arguments(client: Client, name: str) -> dict[str, Any]:
    """``VALID_CALLS[name]``, with the wishlist item's oid taken from Jane's wishlist."""
    arguments = dict(VALID_CALLS[name])
    if name == "ultracart_get_customer_wish_list_item":
        wishlist = await call_ok(client, "ultracart_get_customer_wish_list", {"customer_profile_oid": JANE})
        arguments["customer_wishlist_item_oid"] = wishlist["items"][0]["customer_wishlist_item_oid"]
    return arguments


async def call_error(client: Client, name: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(name, arguments)
    text = text_of(result)
    assert result.is_error, text
    assert result.structured_content is None
    return text


def customers() -> dict[int, dict[str, Any]]:
    return {oid: demo.customer for oid, demo in demo_customers()}


def primary_address(customer: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The default billing address, else the first; else the default (or first) shipping address."""
    for kind, flag in (("billing", "default_billing"), ("shipping", "default_shipping")):
        addresses = customer.get(kind) or []
        for address in addresses:
            if address.get(flag) is True:
                return address  # type: ignore[no-any-return]
        if addresses:
            return addresses[0]  # type: ignore[no-any-return]
    return None


def compact_row(oid: int, customer: Mapping[str, Any]) -> list[Any]:
    address = primary_address(customer) or {}
    name = " ".join(p.strip() for p in (address.get("first_name"), address.get("last_name")) if p and p.strip())
    tags = customer.get("tags")
    return [
        oid,
        customer["email"],
        name or None,
        address.get("company") or None,
        address.get("city") or None,
        address.get("state_region") or None,
        address.get("country_code") or None,
        customer["signup_dts"][:10],
        customer["last_modified_dts"][:10],
        len(tags or []),  # the listings expand tags: [] (0 tags) when the customer has none
    ]


def tag_set(customer: Mapping[str, Any]) -> set[str]:
    return {tag["tag_value"].casefold() for tag in customer.get("tags") or []}


def with_billing_state(state: str) -> dict[int, dict[str, Any]]:
    return {
        oid: c
        for oid, c in customers().items()
        if any((a.get("state_region") or "").casefold() == state.casefold() for a in c.get("billing") or [])
    }


# -- listing ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_read_tools_as_a_host_lists_them(client: Client) -> None:
    listing = [
        {
            "name": tool.name,
            "title": tool.title,
            "annotations": tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else None,
        }
        for tool in (await listed(client)).values()
        if is_read_only(tool)
    ]
    assert listing == snapshot(
        [
            {
                "name": "ultracart_find_customers",
                "title": "Find customers",
                "annotations": {
                    "title": "Find customers",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_customer_overview",
                "title": "Customer overview",
                "annotations": {
                    "title": "Customer overview",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_count_customers",
                "title": "Count customers",
                "annotations": {
                    "title": "Count customers",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_rank_customers",
                "title": "Rank customers",
                "annotations": {
                    "title": "Rank customers",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customers",
                "title": "List customers by filter",
                "annotations": {
                    "title": "List customers by filter",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customers_by_query",
                "title": "Search customers by query",
                "annotations": {
                    "title": "Search customers by query",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customer",
                "title": "Get a customer",
                "annotations": {
                    "title": "Get a customer",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customer_by_email",
                "title": "Get a customer by email",
                "annotations": {
                    "title": "Get a customer by email",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customer_store_credit",
                "title": "Get a customer's store credit",
                "annotations": {
                    "title": "Get a customer's store credit",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customer_wish_list",
                "title": "Get a customer's wishlist",
                "annotations": {
                    "title": "Get a customer's wishlist",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customer_wish_list_item",
                "title": "Get one wishlist item",
                "annotations": {
                    "title": "Get one wishlist item",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customer_email_lists",
                "title": "List the store's email lists",
                "annotations": {
                    "title": "List the store's email lists",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customer_editor_values",
                "title": "Customer editor values",
                "annotations": {
                    "title": "Customer editor values",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_search_customer_profile_values",
                "title": "Search customer tag values",
                "annotations": {
                    "title": "Search customer tag values",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
            {
                "name": "ultracart_get_customers_for_data_tables",
                "title": "Customers for a DataTables grid",
                "annotations": {
                    "title": "Customers for a DataTables grid",
                    "readOnlyHint": True,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": True,
                },
            },
        ]
    )


@pytest.mark.anyio
async def test_every_tool_publishes_object_schemas(client: Client) -> None:
    tools = await listed(client)
    assert len(tools) >= len(VALID_CALLS)
    for tool in tools.values():
        assert tool.input_schema.get("type") == "object", tool.name
        assert tool.output_schema is not None, tool.name
        assert tool.output_schema.get("type") == "object", tool.name
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert tool.description and tool.title and tool.annotations is not None, tool.name


@pytest.mark.anyio
async def test_every_read_tool_is_exercised_here(client: Client) -> None:
    read_tools = {name for name, tool in (await listed(client)).items() if is_read_only(tool)}
    assert read_tools == set(VALID_CALLS)


# -- every read tool succeeds ------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(VALID_CALLS))
async def test_read_tool_succeeds_with_a_valid_result(client: Client, name: str) -> None:
    arguments = await valid_arguments(client, name)
    tool = (await listed(client))[name]
    jsonschema.validate(arguments, tool.input_schema)  # the example is valid by the published schema too
    structured = await call_ok(client, name, arguments)
    assert len(structured) > 1  # more than the sandbox marker


# -- content against ground truth --------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_customers_billing_state_matches_every_billing_address_case_insensitively(client: Client) -> None:
    expected = with_billing_state("TX")
    assert 5 < len(expected) < CUSTOMERS  # the filter narrows, and there is more than a page of 5
    result = await call_ok(client, "ultracart_get_customers", {"billing_state": "tx", "limit": 200})
    assert result["total"] == result["returned"] == len(expected)
    assert result["next_offset"] is None
    assert result["columns"] == COLUMNS
    rows = {row[0]: row for row in result["items"]}
    assert len(rows) == len(result["items"])
    assert rows == {oid: compact_row(oid, c) for oid, c in expected.items()}


@pytest.mark.anyio
async def test_get_customers_paging_walks_every_match_exactly_once(client: Client) -> None:
    expected = with_billing_state("TX")
    seen: list[int] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        page = await call_ok(client, "ultracart_get_customers", {"billing_state": "TX", "limit": 4, "offset": offset})
        assert page["total"] == len(expected)
        assert page["returned"] == len(page["items"]) <= 4
        seen.extend(row[0] for row in page["items"])
        offset = page["next_offset"]
        assert offset is None or offset == len(seen)
        pages += 1
        assert pages <= len(expected)  # no endless paging
    assert pages == -(-len(expected) // 4)
    assert len(seen) == len(set(seen))
    assert set(seen) == set(expected)


@pytest.mark.anyio
async def test_fields_returns_objects_with_only_those_fields(client: Client) -> None:
    result = await call_ok(client, "ultracart_get_customers", {"fields": ["email", "billing.city"], "limit": CUSTOMERS})
    assert "columns" not in result
    assert result["returned"] == result["total"] == CUSTOMERS
    expected = {
        c["email"]: {"email": c["email"], "billing": [{"city": a["city"]} for a in c["billing"]]}
        if c.get("billing")
        else {"email": c["email"]}
        for c in customers().values()
    }
    for item in result["items"]:
        assert set(item) <= {"email", "billing"}
        assert item == expected[item["email"]]
    assert len({item["email"] for item in result["items"]}) == CUSTOMERS


@pytest.mark.anyio
async def test_query_by_emails_returns_exactly_those_customers(client: Client) -> None:
    everyone = customers()
    wanted = [JANE, FIRST_OID + 30, FIRST_OID + 45]
    emails = [everyone[JANE]["email"].upper(), everyone[wanted[1]]["email"], everyone[wanted[2]]["email"]]
    result = await call_ok(client, "ultracart_get_customers_by_query", {"emails": [*emails, "nobody@example.invalid"]})
    assert result["total"] == result["returned"] == 3
    assert sorted(row[0] for row in result["items"]) == wanted
    assert {row[1] for row in result["items"]} == {everyone[oid]["email"] for oid in wanted}


@pytest.mark.anyio
async def test_query_by_tags_any_and_all(client: Client) -> None:
    everyone = customers()
    any_vip = await call_ok(client, "ultracart_get_customers_by_query", {"any_tags": ["VIP"], "limit": 200})
    assert {row[0] for row in any_vip["items"]} == {oid for oid, c in everyone.items() if "vip" in tag_set(c)}
    both = {"vip", "wholesale"}
    all_of = await call_ok(client, "ultracart_get_customers_by_query", {"all_tags": sorted(both), "limit": 200})
    assert {row[0] for row in all_of["items"]} == {oid for oid, c in everyone.items() if both <= tag_set(c)}
    assert all_of["total"] < any_vip["total"]


@pytest.mark.anyio
async def test_get_customer_and_by_email_return_the_seeded_customer(client: Client) -> None:
    seeded = customers()[JANE]
    by_oid = (await call_ok(client, "ultracart_get_customer", {"customer_profile_oid": JANE}))["customer"]
    by_email = (await call_ok(client, "ultracart_get_customer_by_email", {"email": "Jane@Example.COM"}))["customer"]
    assert by_oid == by_email
    assert by_oid["customer_profile_oid"] == JANE
    assert by_oid["email"] == JANE_EMAIL
    for kind in ("billing", "shipping"):
        assert len(by_oid[kind]) == len(seeded[kind])
        for got, want in zip(by_oid[kind], seeded[kind], strict=True):
            assert {key: got.get(key) for key in want} == want
    assert sorted(t["tag_value"] for t in by_oid["tags"]) == sorted(t["tag_value"] for t in seeded["tags"])
    assert "password" not in by_oid


@pytest.mark.anyio
async def test_get_customer_fields_keeps_only_those(client: Client) -> None:
    result = await call_ok(
        client, "ultracart_get_customer", {"customer_profile_oid": JANE, "fields": ["email", "billing.city"]}
    )
    assert result["customer"] == {"email": JANE_EMAIL, "billing": [{"city": "Austin"}]}


@pytest.mark.anyio
async def test_wishlist_and_its_items_match_the_seed(client: Client) -> None:
    seeded = next(demo for oid, demo in demo_customers() if oid == JANE).wishlist
    assert len(seeded) == 3
    wishlist = await call_ok(client, "ultracart_get_customer_wish_list", {"customer_profile_oid": JANE})
    assert wishlist["returned"] == len(wishlist["items"]) == len(seeded)
    got = sorted(wishlist["items"], key=lambda item: item["position"])
    for item, want in zip(got, sorted(seeded, key=lambda w: w.position), strict=True):
        assert item["customer_profile_oid"] == JANE
        assert (item["merchant_item_oid"], item["priority"], item.get("comments")) == (
            want.merchant_item_oid,
            want.priority,
            want.comments,
        )
    for item in wishlist["items"]:
        arguments = {"customer_profile_oid": JANE, "customer_wishlist_item_oid": item["customer_wishlist_item_oid"]}
        one = await call_ok(client, "ultracart_get_customer_wish_list_item", arguments)
        assert one["item"] == item


@pytest.mark.anyio
async def test_store_credit_ledger_matches_the_seed(client: Client) -> None:
    seeded = next(demo for oid, demo in demo_customers() if oid == JANE).store_credit
    credit = (await call_ok(client, "ultracart_get_customer_store_credit", {"customer_profile_oid": JANE}))[
        "store_credit"
    ]
    ledger = credit.get("past_ledgers", []) + credit.get("future_ledgers", [])
    # Which entries are past or future, and what is available, depends on today's date; the ledger does not.
    assert Counter(entry["amount"] for entry in ledger) == Counter(float(c.amount) for c in seeded)
    assert {entry["description"] for entry in ledger} == {c.description for c in seeded}
    assert {"available", "vesting", "expiring", "lifetime_credited"} <= set(credit)
    assert credit["lifetime_credited"] == pytest.approx(sum(float(c.amount) for c in seeded if c.amount > 0))
    # Each ledger action in the tense of its list (the API says "Vesting" for credit that vested long ago).
    assert {entry["action"] for entry in credit.get("past_ledgers", [])} <= {"Credit", "Used", "Vested", "Expired"}
    assert {entry["action"] for entry in credit.get("future_ledgers", [])} <= {"Vests", "Expires"}


@pytest.mark.anyio
async def test_email_lists_with_member_counts(client: Client) -> None:
    members = Counter(uuid for _, demo in demo_customers() for uuid in demo.email_lists)
    result = await call_ok(client, "ultracart_get_customer_email_lists", {})
    got = {item["email_list_uuid"]: (item["name"], item["member_count"]) for item in result["lists"]}
    assert got == {
        item["email_list_uuid"]: (item["name"], members[item["email_list_uuid"]])
        for item in demo_data.EMAIL_LISTS
        if not item["deleted"]  # a deleted list is not offered
    }


@pytest.mark.anyio
async def test_editor_values_are_the_stores(client: Client) -> None:
    values = (await call_ok(client, "ultracart_get_customer_editor_values", {}))["editor_values"]
    for key in ("card_types", "terms", "qb_classes"):
        assert values[key] == demo_data.EDITOR_VALUES[key]
    assert {c["iso_2_code"] for c in values["countries"]} == {
        c["iso_2_code"] for c in demo_data.EDITOR_VALUES["countries"]
    }


@pytest.mark.anyio
async def test_search_profile_values_counts_customers_per_tag(client: Client) -> None:
    vip = sum(1 for c in customers().values() if "vip" in tag_set(c))
    result = await call_ok(client, "ultracart_search_customer_profile_values", {"matches": "vip"})
    assert result["values"] == [{"description": f"{vip} customer(s)", "key": "vip", "value": "vip"}]


@pytest.mark.anyio
async def test_data_tables_first_page_and_store_total(client: Client) -> None:
    everyone = customers()
    result = await call_ok(client, "ultracart_get_customers_for_data_tables", {})
    assert result["total"] == CUSTOMERS
    assert result["columns"] == COLUMNS
    assert 0 < result["returned"] < CUSTOMERS
    for row in result["items"]:
        assert row == compact_row(row[0], everyone[row[0]])


# -- budget --------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_small_budget_cuts_a_list_and_says_where_to_continue(server_factory: ServerFactory) -> None:
    async with Client(server_factory(max_result_tokens=300)) as client:
        result = await client.call_tool("ultracart_get_customers", {"limit": 50})
        assert len(text_of(result).encode("utf-8")) <= 300 * 4
        structured = await call_ok(client, "ultracart_get_customers", {"limit": 50})
    assert 1 <= structured["returned"] < 50
    assert structured["next_offset"] == structured["returned"]
    assert f"offset={structured['next_offset']}" in structured["notice"]
    assert structured["total"] == CUSTOMERS


@pytest.mark.anyio
async def test_small_budget_pages_still_reach_every_customer_once(server_factory: ServerFactory) -> None:
    seen: list[int] = []
    async with Client(server_factory(max_result_tokens=300)) as client:
        offset: int | None = 0
        while offset is not None:
            result = await client.call_tool("ultracart_get_customers", {"limit": 50, "offset": offset})
            assert len(text_of(result).encode("utf-8")) <= 300 * 4
            page = result.structured_content
            assert page is not None and page["returned"] >= 1
            seen.extend(row[0] for row in page["items"])
            offset = page["next_offset"]
            assert len(seen) <= CUSTOMERS
    assert seen == sorted(set(seen))  # the default order is by oid (sandbox/filters.py), no repeats
    assert set(seen) == {oid for oid, _ in demo_customers()}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "name",
    [name for name in sorted(VALID_CALLS)],
)
async def test_every_read_result_fits_the_smallest_budget(server_factory: ServerFactory, name: str) -> None:
    budget = 200  # the lowest UC_MCP_MAX_RESULT_TOKENS allowed
    async with Client(server_factory(max_result_tokens=budget)) as client:
        arguments = await valid_arguments(client, name)
        if name in ("ultracart_get_customers", "ultracart_get_customers_by_query"):
            arguments = {"limit": 200}
        result = await client.call_tool(name, arguments)
    assert not result.is_error, text_of(result)
    assert len(text_of(result).encode("utf-8")) <= budget * 4


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("ultracart_get_customers", {"limit": 200}),
        ("ultracart_get_customers_by_query", {"limit": 200}),
        ("ultracart_get_customers_for_data_tables", {}),
        ("ultracart_get_customer", {"customer_profile_oid": JANE}),
        ("ultracart_get_customer_by_email", {"email": JANE_EMAIL}),
        ("ultracart_get_customer_store_credit", {"customer_profile_oid": JANE}),
        ("ultracart_get_customer_editor_values", {}),
    ],
)
async def test_a_cut_result_only_suggests_parameters_that_exist(
    server_factory: ServerFactory, name: str, arguments: dict[str, Any]
) -> None:
    async with Client(server_factory(max_result_tokens=200)) as client:
        tools = await listed(client)
        result = await call_ok(client, name, arguments)
    notice = result["notice"]  # this budget always cuts these results
    # A list's notice may send the model to another tool for the next page; its advice is for that tool.
    target = re.search(r"call (ultracart_\w+)", notice)
    advised = tools[target.group(1) if target else name]
    for parameter in re.findall(r"\b(\w+)=", notice):
        assert parameter in advised.input_schema["properties"], (parameter, notice)


# -- bad arguments -------------------------------------------------------------------------------------

BAD_ARGUMENTS = [
    # (tool, arguments, the field the message must name, a value the message must not repeat)
    ("ultracart_get_customers", {"limit": 500}, "limit", "500"),
    ("ultracart_get_customers", {"limit": "abc"}, "limit", "abc"),
    ("ultracart_get_customers", {"offset": -3}, "offset", "-3"),
    ("ultracart_get_customers", {"password": "hunter2-canary"}, "password", "hunter2-canary"),
    ("ultracart_get_customers", {"sort": ["+email; drop table"]}, "sort", "drop table"),
    ("ultracart_get_customers", {"fields": "email-canary"}, "fields", "email-canary"),
    ("ultracart_get_customers", {"billing_state": "canary" * 30}, "billing_state", "canary"),
    ("ultracart_get_customers", {"signup_dts_start": "last tuesday-canary"}, "signup_dts_start", "canary"),
    ("ultracart_get_customers_by_query", {"emails": "jane-canary@example.com"}, "emails", "jane-canary"),
    ("ultracart_get_customers_by_query", {"billing_country_code": "USA-canary"}, "billing_country_code", "canary"),
    ("ultracart_get_customers_by_query", {"any_tags": ["canary" * 50]}, "any_tags", "canary"),
    ("ultracart_get_customer", {"customer_profile_oid": -1}, "customer_profile_oid", "-1"),
    ("ultracart_get_customer", {"customer_profile_oid": 2**40}, "customer_profile_oid", str(2**40)),
    ("ultracart_get_customer", {"customer_profile_oid": "x-canary"}, "customer_profile_oid", "x-canary"),
    ("ultracart_get_customer", {"customer_profile_oid": 100001.5}, "customer_profile_oid", "100001.5"),
    ("ultracart_get_customer", {}, "customer_profile_oid", None),
    ("ultracart_get_customer", {"customer_profile_oid": JANE, "expand": ["nope"]}, "expand", "nope"),
    ("ultracart_get_customer_by_email", {"email": "not-an-email"}, "email", "not-an-email"),
    ("ultracart_get_customer_by_email", {"email": JANE_EMAIL, "expand": ["activity-canary"]}, "expand", "canary"),
    ("ultracart_get_customer_store_credit", {"customer_profile_oid": 0}, "customer_profile_oid", None),
    ("ultracart_get_customer_store_credit", {"customer_profile_oid": JANE, "amount": "9999"}, "amount", "9999"),
    ("ultracart_get_customer_wish_list", {"customer_profile_oid": "abc-canary"}, "customer_profile_oid", "canary"),
    ("ultracart_get_customer_wish_list_item", {"customer_profile_oid": JANE}, "customer_wishlist_item_oid", None),
    (
        "ultracart_get_customer_wish_list_item",
        {"customer_profile_oid": JANE, "customer_wishlist_item_oid": -5},
        "customer_wishlist_item_oid",
        "-5",
    ),
    ("ultracart_get_customer_email_lists", {"password": "hunter2-canary"}, "password", "hunter2-canary"),
    ("ultracart_get_customer_editor_values", {"token": "hunter2-canary"}, "token", "hunter2-canary"),
    ("ultracart_search_customer_profile_values", {"matches": ""}, "matches", None),
    ("ultracart_search_customer_profile_values", {"matches": "vip", "max_hits": 1000}, "max_hits", "1000"),
    ("ultracart_get_customers_for_data_tables", {"offset": "ten-canary"}, "offset", "canary"),
    ("ultracart_find_customers", {"query": "x" * 101 + "canary"}, "query", "canary"),
    ("ultracart_find_customers", {"query": "jane", "max_calls": 5000}, "max_calls", "5000"),
    ("ultracart_customer_overview", {"customer_profile_oid": "x-canary"}, "customer_profile_oid", "canary"),
    ("ultracart_customer_overview", {"email": "canary-not-an-email"}, "email", "canary"),
    ("ultracart_count_customers", {"by": ["shoe_size-canary"]}, "by", "canary"),
    ("ultracart_count_customers", {"by": ["tag", "state", "country"]}, "by", None),
    ("ultracart_rank_customers", {"by": "shoe_size-canary"}, "by", "canary"),
    ("ultracart_rank_customers", {"by": "order_total", "limit": 500}, "limit", "500"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "arguments", "field", "value"), BAD_ARGUMENTS)
async def test_bad_arguments_name_the_field_not_the_value(
    client: Client, name: str, arguments: dict[str, Any], field: str, value: str | None
) -> None:
    tool = (await listed(client))[name]
    with pytest.raises(jsonschema.ValidationError):  # the published schema rejects them too
        jsonschema.validate(arguments, tool.input_schema)
    text = await call_error(client, name, arguments)
    assert field in text
    assert text.startswith(f"Invalid arguments for {name}: ")
    if value is not None:
        assert value not in text
    assert "Traceback" not in text


def test_bad_arguments_cover_every_read_tool() -> None:
    assert {name for name, *_ in BAD_ARGUMENTS} == set(VALID_CALLS)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("ultracart_get_customer", {"customer_profile_oid": True}),
        ("ultracart_get_customer_wish_list_item", {"customer_profile_oid": JANE, "customer_wishlist_item_oid": True}),
    ],
)
async def test_boolean_is_not_an_id(client: Client, name: str, arguments: dict[str, Any]) -> None:
    # pydantic's lax int would read JSON true as 1 and ask the store for customer (or item) 1.
    text = await call_error(client, name, arguments)
    assert text.startswith(f"Invalid arguments for {name}: ")
    assert "not true or false" in text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("ultracart_get_customer", {"customer_profile_oid": MISSING_OID}),
        ("ultracart_get_customer_by_email", {"email": "nobody@example.invalid"}),
        ("ultracart_get_customer_store_credit", {"customer_profile_oid": MISSING_OID}),
        ("ultracart_get_customer_wish_list", {"customer_profile_oid": MISSING_OID}),
        ("ultracart_get_customer_wish_list_item", {"customer_profile_oid": JANE, "customer_wishlist_item_oid": 1}),
    ],
)
async def test_unknown_ids_are_not_found_errors(client: Client, name: str, arguments: dict[str, Any]) -> None:
    text = await call_error(client, name, arguments)
    assert "not found" in text.lower()
    assert "Traceback" not in text


@pytest.mark.anyio
async def test_another_customers_wishlist_item_is_not_found(client: Client) -> None:
    arguments = await valid_arguments(client, "ultracart_get_customer_wish_list_item")
    await call_ok(client, "ultracart_get_customer_wish_list_item", arguments)
    text = await call_error(
        client, "ultracart_get_customer_wish_list_item", {**arguments, "customer_profile_oid": JANE + 1}
    )
    assert "not found" in text.lower()


# -- toolsets and read-only ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_toolsets_select_the_tools_listed(server_factory: ServerFactory) -> None:
    async with Client(server_factory(toolsets=["wishlist"])) as client:
        names = set(await listed(client))
    assert names == {spec.name for spec in TOOLS if spec.toolset == "wishlist"}
    assert {"ultracart_get_customer_wish_list", "ultracart_get_customer_wish_list_item"} <= names
    assert all("wish_list" in name for name in names)


@pytest.mark.anyio
async def test_read_only_lists_only_read_only_tools(server_factory: ServerFactory) -> None:
    async with Client(server_factory(read_only=True)) as client:
        tools = await listed(client)
    assert set(tools) >= set(VALID_CALLS)
    assert all(is_read_only(tool) for tool in tools.values())
    assert set(tools) == {spec.name for spec in TOOLS if spec.read_only}


def test_unknown_toolset_is_refused(settings_factory: Any) -> None:
    with pytest.raises(ValueError, match="nope") as caught:
        build_server(settings_factory(toolsets=["customers", "nope"]))
    assert "wishlist" in str(caught.value)  # says which toolsets exist


@pytest.mark.anyio
async def test_a_tool_outside_the_toolsets_cannot_be_called(server_factory: ServerFactory, sandbox_db: Any) -> None:
    sandbox_db.unlink()  # so that any use of the sandbox would show
    server = server_factory(toolsets=["wishlist"])
    async with Client(server) as client:
        text = await call_error(client, "ultracart_get_customers", {"billing_state": "TX"})
    assert "ultracart_get_customers" in text
    assert "unknown tool" in text.lower()
    assert runtime_of(server).api is None
    assert not sandbox_db.exists()


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(spec.name for spec in TOOLS if not spec.read_only))
async def test_read_only_server_refuses_write_tools(server_factory: ServerFactory, sandbox_db: Any, name: str) -> None:
    sandbox_db.unlink()
    server = server_factory(read_only=True)
    async with Client(server) as client:
        text = await call_error(client, name, {"customer_profile_oid": JANE})
    assert "unknown tool" in text.lower()
    assert runtime_of(server).api is None
    assert not sandbox_db.exists()


# -- instructions ---------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])  # direct in-process dispatch, and the initialize handshake
async def test_instructions_say_when_the_backend_is_the_sandbox(server_factory: ServerFactory, mode: str) -> None:
    async with Client(server_factory(), mode=mode) as client:
        assert client.instructions is not None
        assert "SANDBOX" in client.instructions
        assert "ultracart_get_customer_by_email" in client.instructions
        result = await call_ok(client, "ultracart_get_customer_by_email", {"email": JANE_EMAIL})
    assert result["customer"]["customer_profile_oid"] == JANE


@pytest.mark.anyio
async def test_instructions_do_not_mention_a_sandbox_for_the_real_api() -> None:
    server = build_server(make_settings(backend="ultracart", ultracart_api_key="test-key-canary"))
    async with Client(server) as client:  # the backend is created lazily: no network here
        assert client.instructions is not None
        assert "sandbox" not in client.instructions.lower()
        assert "ultracart_get_customers" in client.instructions
    assert runtime_of(server).api is None


# -- backend selection --------------------------------------------------------------------------------------


def test_auto_over_stdio_without_ultracart_variables_is_the_sandbox() -> None:
    assert choose_backend(make_settings(), "stdio") == "sandbox"


@pytest.mark.parametrize("variable", ["ULTRACART_API_KEY", "ULTRACART_OAUTH_TOKEN", "ULTRACART_BASE_URL"])
def test_any_ultracart_variable_means_the_real_api(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "https://secure.ultracart.com/rest/v2" if variable.endswith("URL") else "abc123")
    assert choose_backend(make_settings(), "stdio") == "ultracart"
    assert choose_backend(make_settings(), "http") == "ultracart"


def test_a_base_url_alone_is_an_error_not_a_silent_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ULTRACART_BASE_URL", "https://secure.ultracart.com/rest/v2")
    with pytest.raises(ConfigurationError, match="ULTRACART_API_KEY"):
        build_server(make_settings(), "http")  # stdio starts, every tool answers it: test_configuration_errors


def test_auto_over_http_without_credentials_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="UC_MCP_BACKEND=sandbox"):
        choose_backend(make_settings(), "http")
    assert choose_backend(make_settings(backend="sandbox"), "http") == "sandbox"


def test_ultracart_backend_without_a_key_names_the_variable() -> None:
    settings = make_settings(backend="ultracart")
    assert choose_backend(settings, "stdio") == "ultracart"
    with pytest.raises(ConfigurationError, match="ULTRACART_API_KEY"):
        ultracart_api(settings)
    with pytest.raises(ConfigurationError, match="ULTRACART_API_KEY"):
        build_server(settings, "http")  # at start-up, not on the first call (stdio: see test_configuration_errors)


@pytest.mark.parametrize(
    ("field", "variable", "secret"),
    [
        ("ultracart_api_key", "ULTRACART_API_KEY", "has space-canary"),
        ("ultracart_api_key", "ULTRACART_API_KEY", "tab\tcanary"),
        ("ultracart_api_key", "ULTRACART_API_KEY", "ünïcode-canary"),
        ("ultracart_oauth_token", "ULTRACART_OAUTH_TOKEN", "line\nbreak-canary"),
    ],
)
def test_malformed_credential_is_refused_without_repeating_it(field: str, variable: str, secret: str) -> None:
    settings = make_settings(backend="ultracart", **{field: secret})
    with pytest.raises(ConfigurationError) as caught:
        ultracart_api(settings)
    message = str(caught.value)
    assert variable in message
    assert "canary" not in message
    assert secret not in message
    with pytest.raises(ConfigurationError) as at_start:
        build_server(settings, "http")
    assert "canary" not in str(at_start.value)


def test_a_well_formed_key_builds_the_client_without_network() -> None:
    api = ultracart_api(make_settings(backend="ultracart", ultracart_api_key="abc123-canary"))
    assert "abc123-canary" not in repr(api)
