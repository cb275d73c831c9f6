"""TWC's create, update (three routes in one tool) and add address through the MCP protocol, on the embedded
sandbox: what each result says changed, partial updates that keep what was not named, a taken email or customerRef
refused naming who has it, bad input named by its field, and the audit trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from tests.support.mcp import failed, rows, succeeded
from tests.twc.mcp.conftest import JANE_EMAIL, JANE_REF, UNKNOWN_ID

pytestmark = pytest.mark.anyio


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    structured, _ = succeeded(await client.call_tool(tool, arguments), listed[tool])
    return structured


async def jane(client: Client) -> dict[str, Any]:
    found: dict[str, Any] = (await call(client, "twc_get_customer", {"match_by": "customerRef", "customer": JANE_REF}))[
        "customer"
    ]
    return found


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]


# -- create ----------------------------------------------------------------------------------------------------


async def test_create_makes_a_customer_with_its_opt_ins_and_first_address(client: Client) -> None:
    result = await call(
        client,
        "twc_create_customer",
        {
            "email": "ann.lee@example.net",
            "customerRef": "LOY-7781",
            "firstName": "Ann",
            "lastName": "Lee",
            "mobile": "0412 345 678",
            "dob": "25-10-1985",
            "email_opt_in": True,
            "sms_opt_in": False,
            "address": {"address1": "3 Wish St", "city": "Sydney", "provinceCode": "NSW", "countryCode": "AU"},
        },
    )
    created = result["customer"]
    assert result["outcome"] == "created" and result["changes"] == {"added": {"customers": [created["id"]]}}
    assert (created["customerRef"], created["dob"], created["mobile"]) == ("LOY-7781", "25-10-1985", "0412 345 678")
    assert created["optin_preferences"]["email"]["opt_in_active"] is True
    assert created["optin_preferences"]["sms"]["opt_in_active"] is False
    assert created["defaultAddress"]["city"] == "Sydney" and created["addresses"][0]["defaultAddress"] is True
    found = rows(await call(client, "twc_search_customers", {"email": "ann.lee@example.net"}))
    assert [row["id"] for row in found] == [created["id"]]


@pytest.mark.parametrize(
    ("arguments", "taken"),
    [
        ({"email": JANE_EMAIL}, "email: another customer of this tenant already has it"),
        ({"email": "JANE@example.com"}, "email: another customer of this tenant already has it"),
        ({"email": "new.person@example.net", "customerRef": JANE_REF}, "customerRef: another customer"),
    ],
)
async def test_a_taken_email_or_ref_is_refused_naming_who_has_it(
    client: Client, arguments: dict[str, str], taken: str
) -> None:
    message = failed(await client.call_tool("twc_create_customer", arguments))
    assert "nothing was created" in message and taken in message
    assert (await jane(client))["id"] in message and "twc_update_customer" in message
    assert (await call(client, "twc_search_customers", {"email": "new.person@example.net"}))["total"] == 0


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"firstName": "No Email"}, "email: required"),
        ({"email": "a@b.example", "dob": "1985-10-25"}, "dob: String should match pattern"),
        ({"email": "a@b.example", "dob": "31-02-1990"}, "dob: day is out of range for month"),
        ({"email": "a@b.example", "customer_state": "active"}, "customer_state: Input should be"),
        ({"email": "a@b.example", "mobile": 412345678}, "mobile: expected text (a JSON string)"),
        ({"email": "a@b.example", "sms_opt_in": "yes"}, "sms_opt_in: expected true or false"),
        ({"email": "a@b.example", "address": {"countryCode": "AUS"}}, "address.countryCode: String should match"),
        ({"email": "a@b.example", "id": UNKNOWN_ID}, "id: not a parameter of this tool"),
    ],
)
async def test_bad_create_input_names_the_field_and_creates_nothing(
    client: Client, tmp_path: Path, arguments: dict[str, Any], says: str
) -> None:
    message = failed(await client.call_tool("twc_create_customer", arguments))
    assert says in message and "412345678" not in message
    assert (await call(client, "twc_search_customers", {"email": "a@b.example"}))["total"] == 0
    assert audit(tmp_path)[-1]["event"] == "rejected"


async def test_create_is_audited_with_the_new_customers_id(client: Client, tmp_path: Path) -> None:
    created = (await call(client, "twc_create_customer", {"email": "audit.me@example.net"}))["customer"]
    intent, outcome = audit(tmp_path)[-2:]
    assert (intent["event"], outcome["event"], outcome["tool"]) == ("intent", "executed", "twc_create_customer")
    assert outcome["result"]["id"] == created["id"]


# -- update: three routes, partial -----------------------------------------------------------------------------


@pytest.mark.parametrize("match_by", ["id", "customerRef", "email"])
async def test_update_by_each_route_changes_only_the_fields_named(client: Client, match_by: str) -> None:
    before = await jane(client)
    named = {"id": before["id"], "customerRef": JANE_REF, "email": JANE_EMAIL}[match_by]
    result = await call(
        client,
        "twc_update_customer",
        {"match_by": match_by, "customer": named, "changes": {"mobile": "+1 512 555 0199", "sms_opt_in": False}},
    )
    assert result["outcome"] == "updated"
    changes = result["changes"]
    assert changes["before"]["mobile"] == before["mobile"] and changes["after"]["mobile"] == "+1 512 555 0199"
    assert changes["before"]["optin_preferences"]["sms"]["opt_in_active"] is True
    assert changes["after"]["optin_preferences"]["sms"]["opt_in_active"] is False
    assert set(changes) == {"before", "after"} and set(changes["after"]) == {"mobile", "optin_preferences"}
    after = await jane(client)
    assert after["mobile"] == "+1 512 555 0199" and after["optin_preferences"]["email"]["opt_in_active"] is True
    kept = ("firstName", "lastName", "email", "dob", "addresses", "attributeGroups", "loyaltyTier")
    assert {name: after.get(name) for name in kept} == {name: before.get(name) for name in kept}


async def test_update_by_id_may_change_the_email_and_the_ref(client: Client) -> None:
    before = await jane(client)
    changes = {"email": "jane.doe@example.net", "customerRef": "LOY-100001"}
    result = await call(client, "twc_update_customer", {"customer": before["id"], "changes": changes})
    assert result["changes"]["after"] == changes
    assert (await call(client, "twc_search_customers", {"email": JANE_EMAIL}))["total"] == 0
    moved = await call(client, "twc_get_customer", {"match_by": "customerRef", "customer": "LOY-100001"})
    assert moved["customer"]["id"] == before["id"]


async def test_an_update_that_changes_nothing_writes_nothing(client: Client, tmp_path: Path) -> None:
    before = await jane(client)
    result = await call(
        client, "twc_update_customer", {"match_by": "email", "customer": JANE_EMAIL, "changes": {"firstName": "Jane"}}
    )
    assert result["outcome"] == "unchanged" and "nothing was written" in result["notice"]
    assert (await jane(client))["lastModifiedDate"] == before["lastModifiedDate"]


async def test_an_empty_string_clears_a_name_or_phone(client: Client) -> None:
    result = await call(
        client, "twc_update_customer", {"match_by": "customerRef", "customer": JANE_REF, "changes": {"phone": ""}}
    )
    assert "phone" in result["changes"]["before"] and "phone" not in result["changes"].get("after", {})
    assert not (await jane(client)).get("phone")


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"customer": JANE_REF, "match_by": "customerRef"}, "changes: required"),
        ({"customer": JANE_REF, "match_by": "customerRef", "changes": {}}, "changes: nothing to change"),
        ({"customer": JANE_REF, "match_by": "loyalty", "changes": {"firstName": "J"}}, "match_by: Input should be"),
        ({"customer": JANE_REF, "match_by": "customerRef", "changes": {"email": ""}}, "changes.email: String should"),
        ({"customer": JANE_REF, "match_by": "customerRef", "changes": {"dob": "9/7/1986"}}, "changes.dob: String"),
        ({"customer": JANE_REF, "match_by": "customerRef", "changes": {"addresses": []}}, "changes.addresses: not a"),
    ],
)
async def test_bad_update_input_names_the_field(client: Client, arguments: dict[str, Any], says: str) -> None:
    assert says in failed(await client.call_tool("twc_update_customer", arguments))


@pytest.mark.parametrize(
    ("match_by", "customer"),
    [("id", UNKNOWN_ID), ("customerRef", "NO-SUCH-REF"), ("email", "nobody@example.invalid")],
)
async def test_updating_an_unknown_customer_is_a_not_found_that_writes_nothing(
    client: Client, tmp_path: Path, match_by: str, customer: str
) -> None:
    message = failed(
        await client.call_tool(
            "twc_update_customer", {"match_by": match_by, "customer": customer, "changes": {"firstName": "X"}}
        )
    )
    assert "Not found" in message
    assert audit(tmp_path)[-1]["event"] == "failed"


# -- add address -----------------------------------------------------------------------------------------------


async def test_add_address_answers_the_customer_and_the_new_address_id(client: Client) -> None:
    before = await jane(client)
    result = await call(
        client,
        "twc_add_customer_address",
        {
            "match_by": "customerRef",
            "customer": JANE_REF,
            "address": {"addressName": "Work", "address1": "600 Congress Ave", "city": "Austin", "countryCode": "US"},
        },
    )
    new_id = result["address_id"]
    assert result["changes"] == {"added": {"addresses": [new_id]}}
    assert [address["id"] for address in result["customer"]["addresses"]] == [
        *(address["id"] for address in before["addresses"]),
        new_id,
    ]
    assert result["customer"]["defaultAddress"]["id"] == before["defaultAddress"]["id"]  # not asked to move it


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"customer": UNKNOWN_ID, "address": {"city": "Austin"}}, "Not found"),
        ({"customer": UNKNOWN_ID}, "address: required"),
        ({"customer": UNKNOWN_ID, "address": {}}, "address: give its fields"),
        ({"customer": UNKNOWN_ID, "address": {"city": "Austin", "street": "x"}}, "address.street: not a parameter"),
    ],
)
async def test_bad_or_unknown_add_address_names_the_problem(
    client: Client, arguments: dict[str, Any], says: str
) -> None:
    assert says in failed(await client.call_tool("twc_add_customer_address", arguments))
