"""What leaks and what misleads (issue 14), through the MCP protocol on the seeded sandbox: a value the
outbound filter hides or marks is hidden or marked in every place a client can see it — tool results,
resources, export files, guarded previews, the question the person is asked — and in the audit log.

Hostile data is planted straight into the sandbox store (as a customer or a careless merchant would
have typed it); everything is read back through the real client.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer

from tests.ultracart.mcp.conftest import ServerFactory
from tests.ultracart.mcp.test_guarded_tools import JANE, answering, store
from uc_mcp.core.budget import text_tokens
from uc_mcp.core.redact import HIDDEN_MARKER, SECRET_VALUE

pytestmark = pytest.mark.anyio


def texts_of(result: Any) -> str:
    assert not result.is_error, result.content
    return str(result.content[0].text)


async def read(client: Client, uri: str) -> str:
    return str((await client.read_resource(uri)).contents[0].text)  # type: ignore[union-attr]


def exported(result: Any) -> str:
    """The file an export wrote (stdio: the result gives its path)."""
    return Path(json.loads(texts_of(result))["path"]).read_text(encoding="utf-8")


def strings_under(value: Any, key: str) -> Iterator[str]:
    """Every string held by ``key`` at any depth of a JSON value."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == key and isinstance(inner, str):
                yield inner
            else:
                yield from strings_under(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from strings_under(inner, key)


# -- 11. card numbers in free text, whatever separates their digits ----------------------------------

# Luhn-valid test numbers, each written with another gap between its groups.
CARDS = {
    "4111111111111111": "4111.1111.1111.1111",
    "5555555555554444": "5555\u00a05555\u00a05555\u00a04444",
    "6011111111111117": "6011  1111  1111  1117",
    "378282246310005": "3782/822463/10005",
    "4012888888881881": "4012_8888_8888_1881",
    "3530111333300000": "3530\t1113\t3330\t0000",
    "5105105105105100": "5105\n1051\n0510\n5100",
    "4222222222222": "4222 - 2222 - 2222 - 2",
}
NOTE = "Card numbers she sent: " + "; then ".join(CARDS.values()) + ". Order 1234567, phone (512) 555-0143."


def assert_no_card_number(note: str) -> None:
    digits = re.sub(r"\D", "", note)
    for card in CARDS:
        assert card[:12] not in digits, (card, note)
    assert note.count("****") == len(CARDS), note
    assert "Order 1234567, phone (512) 555-0143." in note  # numbers that are no card number stay


async def test_card_numbers_are_masked_in_results_resources_and_exports(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    server = server_factory(export_dir=tmp_path)
    store(server).update_customer(JANE, {"business_notes": NOTE}, None)
    async with Client(server) as client:
        tools = [
            await client.call_tool("ultracart_get_customer", {"customer_profile_oid": JANE}),
            await client.call_tool("ultracart_customer_overview", {"customer_profile_oid": JANE}),
            await client.call_tool(
                "ultracart_get_customers", {"email": "jane@example.com", "fields": ["business_notes"]}
            ),
        ]
        resources = [
            await read(client, f"ultracart://customers/{JANE}"),
            await read(client, f"ultracart://customers/{JANE}/overview"),
        ]
        only_jane = {"email": "jane@example.com", "fields": ["customer_profile_oid", "business_notes"]}
        csv_file = exported(await client.call_tool("ultracart_export_customers", only_jane))
        jsonl_file = exported(await client.call_tool("ultracart_export_customers", {**only_jane, "format": "jsonl"}))
    notes = [
        note
        for text in [*map(texts_of, tools), *resources]
        for note in strings_under(json.loads(text), "business_notes")
    ]
    notes += [row["business_notes"] for row in csv.DictReader(io.StringIO(csv_file))]
    notes += [json.loads(line)["business_notes"] for line in jsonl_file.splitlines()]
    assert len(notes) == 7
    for note in notes:
        assert_no_card_number(note)


# -- 12. a masked name is masked everywhere ----------------------------------------------------------

# Jane Doe's names (her shipping address is her mother's, Margaret Doe; her reviewer nickname).
NAMES = re.compile(r"\bDoe\b|Margaret|JaneInAustin")


async def test_redact_name_masks_every_name_a_client_can_see(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory(redact=["name"], export_dir=tmp_path)
    asked: list[str] = []
    seen: list[str] = []
    jane = {"customer_profile_oid": JANE}
    async with Client(server) as client:  # no elicitation: guarded tools answer with a preview and a token
        seen.append(texts_of(await client.call_tool("ultracart_delete_customer", jane)))
        seen.append(texts_of(await client.call_tool("ultracart_add_customer_store_credit", {**jane, "amount": 5})))
    async with Client(server, elicitation_callback=answering("decline", asked)) as client:
        for tool, arguments in [
            ("ultracart_customer_overview", jane),
            ("ultracart_get_customer", {**jane, "expand": ["billing", "shipping", "reviewer"]}),
            ("ultracart_get_customers", {"email": "jane@example.com"}),
            ("ultracart_get_customers", {"email": "jane@example.com", "fields": ["name", "billing", "shipping"]}),
            ("ultracart_find_customers", {"query": "jane@example.com"}),
            ("ultracart_delete_customer", jane),
        ]:
            seen.append(texts_of(await client.call_tool(tool, arguments)))
        seen.append(await read(client, f"ultracart://customers/{JANE}/overview"))
        seen.append(await read(client, f"ultracart://customers/{JANE}"))
        export = {"email": "jane@example.com"}
        seen.append(exported(await client.call_tool("ultracart_export_customers", export)))
        fields = ["name", "billing", "shipping", "reviewer"]
        seen.append(exported(await client.call_tool("ultracart_export_customers", {**export, "fields": fields})))
    everything = "\n".join([*seen, *asked])
    assert len(asked) == 1 and asked[0].startswith("Delete customer J*** <jane@example.com> (#100001)")
    assert NAMES.findall(everything) == []
    # The overview's identity block is masked too, not only the list table's name column.
    overview = json.loads(seen[2])["customer"]
    assert overview["name"] == "J***" and overview["billing"]["first_name"] == "J***"
    assert json.loads(seen[0])["preview"]["customer"]["name"] == "J***"


# -- 13. hidden characters in identifying values are said, not silently dropped ----------------------


def plant_impostor(server: MCPServer) -> int:
    """A second "Jane Doe <jane@example.com>", with a zero-width space in her email."""
    jane = store(server).get_customer(JANE, "billing")["billing"][0]
    address = {key: jane[key] for key in ("first_name", "last_name", "city", "state_region", "country_code")}
    created = store(server).insert_customer({"email": "ja\u200bne@example.com", "billing": [address]}, None)
    return int(created["customer_profile_oid"])


async def test_two_profiles_never_look_the_same_to_the_person_or_the_model(server_factory: ServerFactory) -> None:
    server = server_factory()
    impostor = plant_impostor(server)
    asked: list[str] = []
    merge = {"customer_profile_oid": JANE, "merge_customer_profile_oid": impostor}
    async with Client(server, elicitation_callback=answering("decline", asked)) as client:
        await client.call_tool("ultracart_merge_customer", merge)
        listing = json.loads(texts_of(await client.call_tool("ultracart_find_customers", {"query": "Jane Doe"})))
        record = json.loads(
            texts_of(await client.call_tool("ultracart_get_customer", {"customer_profile_oid": impostor}))
        )
    # The person is asked about two profiles that read differently, and sees which one hides characters.
    (question,) = asked
    who = re.findall(r"<[^>]*>", question)
    assert len(who) == 2 and who[0] != who[1] and question.count(HIDDEN_MARKER) == 1, question
    assert "\u200b" not in question
    rows = {row[0]: row for row in listing["items"]}
    email = listing["columns"].index("email")
    assert rows[impostor][email] == f"jane@example.com {HIDDEN_MARKER}"
    assert rows[JANE][email] == "jane@example.com"
    assert record["customer"]["email"] == f"jane@example.com {HIDDEN_MARKER}"


async def test_the_marker_outlives_the_email_mask(server_factory: ServerFactory) -> None:
    server = server_factory(redact=["email", "name"])
    impostor = plant_impostor(server)
    asked: list[str] = []
    async with Client(server, elicitation_callback=answering("decline", asked)) as client:
        record = await client.call_tool("ultracart_customer_overview", {"customer_profile_oid": impostor})
        await client.call_tool("ultracart_delete_customer", {"customer_profile_oid": impostor})
    assert json.loads(texts_of(record))["customer"]["email"] == f"j***@example.com {HIDDEN_MARKER}"
    assert HIDDEN_MARKER in asked[0] and "jane@" not in asked[0]


BUDGET = 800  # so that the unmarked results fit with little room to spare


def plant_hidden_everywhere(server: MCPServer, count: int) -> list[int]:
    """Customers whose every identifying value hides a zero-width space, with many addresses."""
    oids = []
    for n in range(count):
        addresses = [
            {"first_name": f"Z\u200bo{n}", "last_name": f"Q\u200b{k}", "company": "C\u200b", "state_region": "ZZ"}
            for k in range(6)
        ]
        body = {"email": f"z\u200b{n}@example.com", "billing": addresses, "shipping": addresses}
        oids.append(int(store(server).insert_customer(body, None)["customer_profile_oid"]))
    return oids


async def test_marked_results_still_fit_the_result_budget(server_factory: ServerFactory, tmp_path: Path) -> None:
    """The markers lengthen values after results are fitted: a result never exceeds the budget anyway."""
    server = server_factory(max_result_tokens=BUDGET, export_dir=tmp_path)
    oids = plant_hidden_everywhere(server, 12)
    calls = [
        ("ultracart_get_customer", {"customer_profile_oid": oids[0], "expand": ["billing", "shipping"]}),
        ("ultracart_customer_overview", {"customer_profile_oid": oids[0]}),
        ("ultracart_get_customers", {"billing_state": "ZZ", "limit": 50}),
        ("ultracart_get_customers", {"billing_state": "ZZ", "fields": ["email", "billing.first_name", "name"]}),
        ("ultracart_find_customers", {"query": "z", "limit": 50}),
        ("ultracart_export_customers", {"billing_state": "ZZ"}),
    ]
    async with Client(server) as client:
        texts = [texts_of(await client.call_tool(tool, arguments)) for tool, arguments in calls]
        texts.append(await read(client, f"ultracart://customers/{oids[0]}/overview"))
    for what, text in zip([tool for tool, _ in calls] + ["overview resource"], texts, strict=True):
        assert text_tokens(text) <= BUDGET, (what, text_tokens(text))
        page = json.loads(text)
        if "returned" in page:  # a page cut to fit still says how many it holds
            assert page["returned"] == len(page["items"]), what
    assert all("\u200b" not in text for text in texts)
    assert sum(HIDDEN_MARKER in text for text in texts) >= 5


# -- 14. properties named like secrets -----------------------------------------------------------------

SECRET_PROPERTIES = [
    {"name": "api_key", "value": "canary-api-8812"},
    {"name": "Wifi Password", "value": "canary-wifi-8813"},
    {"name": "Stripe-Secret", "value": "canary-stripe-8814"},
]
SHIRT = {"name": "shirt_size", "value": "L"}


async def test_a_secret_property_is_shown_present_and_its_value_nowhere(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    server = server_factory(export_dir=tmp_path, audit_log=audit)
    store(server).update_customer(JANE, {"properties": [*SECRET_PROPERTIES, SHIRT]}, None)
    jane = {"customer_profile_oid": JANE}
    async with Client(server) as client:
        got = await client.call_tool("ultracart_get_customer", {**jane, "expand": ["properties"]})
        listed = await client.call_tool(
            "ultracart_get_customers", {"email": "jane@example.com", "fields": ["properties"]}
        )
        only = await client.call_tool("ultracart_get_customer", {**jane, "fields": ["properties.value"]})
        files = [
            exported(await client.call_tool("ultracart_export_customers", {"email": "jane@example.com", **extra}))
            for extra in (
                {"fields": ["properties"]},
                {"fields": ["properties"], "format": "jsonl"},
                {"fields": ["properties.value"], "format": "jsonl"},
            )
        ]
        new = {"email": "secret.props@example.com", "properties": [{"name": "API Key", "value": "canary-new-8815"}]}
        inserted = await client.call_tool("ultracart_insert_customer", new)
        created = json.loads(texts_of(inserted))["customer"]["customer_profile_oid"]
        changes = {"properties": [{"name": "db_password", "value": "canary-upd-8816"}]}
        updated = await client.call_tool(
            "ultracart_update_customer", {"customer_profile_oid": created, "changes": changes}
        )
    everything = "\n".join([*map(texts_of, (got, listed, only, inserted, updated)), *files, audit.read_text()])
    assert "canary-" not in everything
    properties = json.loads(texts_of(got))["customer"]["properties"]
    shown = {prop["name"]: prop["value"] for prop in properties}
    assert shown == {
        "api_key": SECRET_VALUE,
        "Wifi Password": SECRET_VALUE,
        "Stripe-Secret": SECRET_VALUE,
        "shirt_size": "L",
    }
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    (intent,) = [r for r in records if (r["tool"], r["event"]) == ("ultracart_insert_customer", "intent")]
    assert intent["arguments"]["properties"] == [{"name": "API Key", "value": SECRET_VALUE}]
