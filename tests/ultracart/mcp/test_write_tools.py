"""The non-guarded write tools, through the MCP protocol against the embedded sandbox.

Every success is checked against the tool's ``outputSchema`` and against the sandbox's stored
state (exactly the requested change, nothing else); every refusal leaves the store unchanged and
never repeats the offending value (canary strings).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import jsonschema
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult

from uc_mcp.server import runtime_of
from uc_mcp.ultracart.sandbox.documents import EXPANSIONS
from uc_mcp.ultracart.sandbox.store import SandboxStore
from uc_mcp.ultracart.tools import TOOLS

pytestmark = pytest.mark.anyio

TOOLSETS = ["customers", "wishlist", "email_lists", "email_verification", "store_credit", "admin"]
ALL_EXPANSIONS = ",".join(EXPANSIONS)
SERVER_MAINTAINED = {"last_modified_dts", "last_modified_by"}
CANARY = "CANARY-9d3f"
# Server-assigned, derived or never-exposed Customer fields: no write schema may offer them.
NOT_WRITABLE = {
    "customer_profile_oid",
    "merchant_id",
    "last_modified_dts",
    "last_modified_by",
    "signup_dts",
    "day_phone_e164",
    "evening_phone_e164",
    "last_used_dts",
    "customer_billing_oid",
    "customer_shipping_oid",
    "customer_profile_property_oid",
    "password",
    "cards",
    "orders",
    "quotes",
    "activity",
    "edi",
    "loyalty",
    "attachments",
    "reviewer",
    "orders_summary",
    "quotes_summary",
    "software_entitlements",
}
WRITE_TOOLS = {
    "ultracart_insert_customer",
    "ultracart_update_customer",
    "ultracart_insert_wish_list_item",
    "ultracart_update_wish_list_item",
    "ultracart_update_customer_email_lists",
    "ultracart_get_email_verification_token",
    "ultracart_validate_email_verification_token",
}


class Harness:
    def __init__(self, server: MCPServer, client: Client, output_schemas: dict[str, Any]) -> None:
        self.server = server
        self.client = client
        self.output_schemas = output_schemas
        self.api: Any = runtime_of(server).client()
        self.store: SandboxStore = runtime_of(server).sandbox.store

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        return await self.client.call_tool(tool, arguments)

    async def ok(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.call(tool, arguments)
        assert not result.is_error, text(result)
        assert result.structured_content is not None
        jsonschema.validate(result.structured_content, self.output_schemas[tool])
        assert json.loads(text(result)) == result.structured_content
        content: dict[str, Any] = result.structured_content
        assert content.get("sandbox") is True
        return content

    async def error(self, tool: str, arguments: dict[str, Any]) -> str:
        result = await self.call(tool, arguments)
        assert result.is_error, text(result)
        return text(result)

    def customer(self, oid: int) -> dict[str, Any]:
        return self.store.get_customer(oid, ALL_EXPANSIONS)

    def state(self, oid: int) -> dict[str, Any]:
        """Everything a write tool could touch, for "nothing changed" checks."""
        return {
            "count": self.store.count_customers(),
            "customer": self.customer(oid),
            "wishlist": self.store.get_wishlist(oid),
            "lists": self.store.customer_list_uuids(oid),
        }

    def pick(self, test: Callable[[dict[str, Any], int], bool]) -> int:
        """The first demo customer for which ``test(customer, oid)`` holds."""
        for oid in range(100001, 100061):
            if test(self.customer(oid), oid):
                return oid
        raise AssertionError("no demo customer fits")


def text(result: CallToolResult) -> str:
    return "".join(getattr(part, "text", "") for part in result.content)


def changed_fields(result: dict[str, Any]) -> list[str]:
    """The fields a write's ``changes`` names, in any of its parts."""
    return sorted({name for part in result.get("changes", {}).values() for name in part})


def without(doc: dict[str, Any], *keys: str) -> dict[str, Any]:
    drop = {*keys, *SERVER_MAINTAINED}
    return {key: value for key, value in doc.items() if key not in drop}


@pytest.fixture
async def h(server_factory: Callable[..., MCPServer]) -> AsyncIterator[Harness]:
    server = server_factory(toolsets=TOOLSETS)
    async with Client(server) as client:
        listed = await client.list_tools()
        schemas = {tool.name: tool.output_schema for tool in listed.tools}
        assert set(schemas) >= WRITE_TOOLS
        yield Harness(server, client, schemas)


# -- definitions ----------------------------------------------------------------------------------


def test_annotations_and_schema_sizes() -> None:
    specs = {spec.name: spec for spec in TOOLS}
    expected = {  # (readOnly, destructive, idempotent)
        "ultracart_insert_customer": (False, False, False),
        "ultracart_update_customer": (False, True, True),
        "ultracart_insert_wish_list_item": (False, False, False),
        "ultracart_update_wish_list_item": (False, False, True),
        "ultracart_update_customer_email_lists": (False, False, True),
        "ultracart_get_email_verification_token": (False, False, False),
        "ultracart_validate_email_verification_token": (False, False, False),
    }
    for name, hints in expected.items():
        spec = specs[name]
        assert (spec.read_only, spec.destructive, spec.idempotent) == hints, name
        assert not spec.guarded, name
        size = len(json.dumps(spec.input_schema()))
        assert size <= (10_240 if name.endswith("_customer") else 4096), (name, size)
    assert specs["ultracart_get_email_verification_token"].toolset == "email_verification"
    for name in ("ultracart_insert_customer", "ultracart_update_customer"):
        schema = specs[name].input_schema()
        written = {prop for model in schema["$defs"].values() for prop in model.get("properties", {})}
        if name.endswith("insert_customer"):
            written |= set(schema["properties"])
        assert not written & NOT_WRITABLE, (name, written & NOT_WRITABLE)
        assert "password" not in json.dumps(schema)


async def test_null_means_not_given_at_any_depth(h: Harness) -> None:
    oid = h.pick(lambda c, _: bool(c.get("billing")))
    before = h.customer(oid)
    billing = before["billing"][0]
    result = await h.ok(
        "ultracart_update_customer",
        {
            "customer_profile_oid": oid,
            "changes": {
                "terms": "Net 45",
                "tax_id": None,
                "billing": [{"oid": billing["customer_billing_oid"], "city": "Salem", "company": None}],
            },
            "add_tags": None,
        },
    )
    assert changed_fields(result) == ["billing", "terms"]
    after = h.customer(oid)
    assert after["billing"][0] == {**billing, "city": "Salem"}
    assert without(after, "terms", "billing") == without(before, "terms", "billing")


async def test_email_verification_is_off_by_default_and_read_only_removes_writes(
    server_factory: Callable[..., MCPServer],
) -> None:
    async with Client(server_factory()) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert "ultracart_get_email_verification_token" not in names
    assert {"ultracart_insert_customer", "ultracart_update_customer"} <= names
    async with Client(server_factory(toolsets=TOOLSETS, read_only=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert not names & WRITE_TOOLS


# -- insert_customer ------------------------------------------------------------------------------


async def test_insert_customer_creates_exactly_what_was_asked(h: Harness) -> None:
    count = h.store.count_customers()
    arguments = {
        "email": "ada.lovelace@example.com",
        "billing": [
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "company": "Analytical Engines",
                "address1": "12 St James's Square",
                "city": "London",
                "postal_code": "SW1Y 4JH",
                "country_code": "GB",
                "day_phone": "+44 20 7946 0000",
            }
        ],
        "shipping": [{"first_name": "Ada", "last_name": "Lovelace", "city": "Bath", "country_code": "GB"}],
        "tags": ["vip", "VIP", "founder"],
        "properties": [{"name": "source", "value": "chat"}],
        "pricing_tiers": ["wholesale"],
        "terms": "Net 30",
        "tax_exempt": True,
        "business_notes": "Prefers email.",
        "allow_purchase_order": True,
    }
    result = await h.ok("ultracart_insert_customer", arguments)
    created = result["customer"]
    oid = created["customer_profile_oid"]
    assert h.store.count_customers() == count + 1
    stored = h.customer(oid)
    assert created == {k: v for k, v in stored.items() if k in created}
    assert stored["email"] == "ada.lovelace@example.com"
    (billing,) = stored["billing"]
    assert {k: billing[k] for k in ("first_name", "company", "city", "postal_code", "country_code")} == {
        "first_name": "Ada",
        "company": "Analytical Engines",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country_code": "GB",
    }
    assert billing["default_billing"] is True
    assert stored["shipping"][0]["city"] == "Bath"
    assert [t["tag_value"] for t in stored["tags"]] == ["vip", "founder"]  # duplicates folded
    assert [(p["name"], p["value"]) for p in stored["properties"]] == [("source", "chat")]
    assert [t["name"] for t in stored["pricing_tiers"]] == ["Wholesale"]
    assert (stored["terms"], stored["tax_exempt"], stored["allow_purchase_order"]) == ("Net 30", True, True)
    assert stored["business_notes"] == "Prefers email."


async def test_insert_customer_with_a_taken_email_creates_nothing(h: Harness) -> None:
    oid = h.pick(lambda c, _: True)
    taken = h.customer(oid)["email"]
    count = h.store.count_customers()
    message = await h.error("ultracart_insert_customer", {"email": taken.upper(), "terms": "Net 30"})
    assert "email" in message
    assert str(oid) in message and "ultracart_update_customer" in message
    assert h.store.count_customers() == count


async def test_insert_customer_rejects_a_password_argument(h: Harness) -> None:
    count = h.store.count_customers()
    message = await h.error("ultracart_insert_customer", {"email": "pw.person@example.com", "password": CANARY})
    assert "password: not a parameter" in message
    assert CANARY not in message
    assert h.store.count_customers() == count
    message = await h.error(
        "ultracart_insert_customer", {"email": "pw.person@example.com", "cards": [{"card_number": CANARY}]}
    )
    assert "cards: not a parameter" in message and CANARY not in message
    assert h.store.count_customers() == count


# -- update_customer ------------------------------------------------------------------------------


async def test_update_customer_changes_only_the_requested_fields(h: Harness) -> None:
    oid = h.pick(lambda c, _: bool(c.get("billing") and c.get("shipping") and c.get("tags") and c.get("properties")))
    before = h.customer(oid)
    result = await h.ok(
        "ultracart_update_customer",
        {
            "customer_profile_oid": oid,
            "changes": {"terms": "Net 60", "tax_id": "TX-123", "do_not_send_mail": not before["do_not_send_mail"]},
        },
    )
    assert result["changes"] == {
        "before": {
            key: value for key, value in (("tax_id", before.get("tax_id")), ("terms", before.get("terms"))) if value
        }
        | {"do_not_send_mail": before["do_not_send_mail"]},
        "after": {"terms": "Net 60", "tax_id": "TX-123", "do_not_send_mail": not before["do_not_send_mail"]},
    }
    after = h.customer(oid)
    assert (after["terms"], after["tax_id"], after["do_not_send_mail"]) == (
        "Net 60",
        "TX-123",
        not before["do_not_send_mail"],
    )
    assert without(after, "terms", "tax_id", "do_not_send_mail") == without(
        before, "terms", "tax_id", "do_not_send_mail"
    )
    assert after["last_modified_dts"] >= before["last_modified_dts"]
    assert result["customer"]["customer_profile_oid"] == oid
    assert result["customer"]["terms"] == "Net 60"


async def test_update_customer_add_and_remove_tags(h: Harness) -> None:
    oid = h.pick(lambda c, _: len(c.get("tags") or []) >= 2)
    before = h.customer(oid)
    tags = [t["tag_value"] for t in before["tags"]]
    result = await h.ok(
        "ultracart_update_customer",
        {"customer_profile_oid": oid, "add_tags": ["vip-2026", tags[1]], "remove_tags": [tags[0].upper()]},
    )
    assert result["changes"] == {"added": {"tags": ["vip-2026"]}, "removed": {"tags": [tags[0]]}}
    after = h.customer(oid)
    assert [t["tag_value"] for t in after["tags"]] == [*tags[1:], "vip-2026"]
    assert without(after, "tags") == without(before, "tags")

    # Replacing all tags, then a repeat that changes nothing (and writes nothing).
    await h.ok("ultracart_update_customer", {"customer_profile_oid": oid, "changes": {"tags": ["only"]}})
    replaced = h.customer(oid)
    assert [t["tag_value"] for t in replaced["tags"]] == ["only"]
    again = await h.ok("ultracart_update_customer", {"customer_profile_oid": oid, "add_tags": ["ONLY"]})
    assert "changes" not in again and "Nothing to change" in again["notice"]
    assert h.customer(oid) == replaced


async def test_update_customer_tags_replace_and_add_together_is_refused(h: Harness) -> None:
    oid = h.pick(lambda c, _: bool(c.get("tags")))
    before = h.state(oid)
    message = await h.error(
        "ultracart_update_customer", {"customer_profile_oid": oid, "changes": {"tags": ["a"]}, "add_tags": ["b"]}
    )
    assert "changes.tags" in message and "add_tags" in message
    message = await h.error(
        "ultracart_update_customer", {"customer_profile_oid": oid, "add_tags": ["x"], "remove_tags": ["X"]}
    )
    assert "both add_tags and remove_tags" in message
    message = await h.error("ultracart_update_customer", {"customer_profile_oid": oid})
    assert message.startswith("ultracart_update_customer: nothing to change")
    assert h.state(oid) == before


async def test_update_customer_addresses_by_oid(h: Harness) -> None:
    oid = h.pick(lambda c, _: len(c.get("shipping") or []) >= 2 and bool(c.get("billing")))
    before = h.customer(oid)
    billing = before["billing"][0]
    first_shipping, second_shipping = before["shipping"][:2]
    result = await h.ok(
        "ultracart_update_customer",
        {
            "customer_profile_oid": oid,
            "changes": {
                "billing": [{"oid": billing["customer_billing_oid"], "city": "Springfield", "address2": "Suite 9"}],
                "shipping": [
                    {"oid": second_shipping["customer_shipping_oid"], "remove": True},
                    {"first_name": "Gift", "last_name": "Recipient", "city": "Reno", "country_code": "US"},
                ],
            },
        },
    )
    assert changed_fields(result) == ["billing", "shipping"]
    after = h.customer(oid)
    # The billing address keeps its identity and every field not named.
    (new_billing,) = after["billing"]
    assert new_billing == {**billing, "city": "Springfield", "address2": "Suite 9"}
    # One shipping address removed, one added, the rest untouched.
    kept = [s for s in after["shipping"] if s["customer_shipping_oid"] == first_shipping["customer_shipping_oid"]]
    assert kept == [first_shipping]
    assert second_shipping["customer_shipping_oid"] not in {s["customer_shipping_oid"] for s in after["shipping"]}
    added = [s for s in after["shipping"] if s.get("city") == "Reno"]
    assert len(added) == 1 and added[0]["first_name"] == "Gift"
    assert len(after["shipping"]) == len(before["shipping"])
    assert without(after, "billing", "shipping") == without(before, "billing", "shipping")


async def test_update_customer_makes_a_new_address_the_default(h: Harness) -> None:
    oid = h.pick(lambda c, _: len(c.get("billing") or []) == 1)
    before = h.customer(oid)
    await h.ok(
        "ultracart_update_customer",
        {
            "customer_profile_oid": oid,
            "changes": {
                "billing": [{"address1": "1 New Road", "city": "Boise", "country_code": "US", "default": True}]
            },
        },
    )
    after = h.customer(oid)
    assert len(after["billing"]) == 2
    old, new = after["billing"]
    assert old["customer_billing_oid"] == before["billing"][0]["customer_billing_oid"]
    assert (old["default_billing"], new["default_billing"]) == (False, True)


async def test_update_customer_properties_and_pricing_tiers(h: Harness) -> None:
    oid = h.pick(lambda c, _: len(c.get("properties") or []) >= 2)
    before = h.customer(oid)
    first, second = before["properties"][:2]
    have = {tier["name"] for tier in before.get("pricing_tiers") or []}
    tier = next(name for name in ("VIP", "Wholesale", "Distributor", "Employee") if name not in have)
    result = await h.ok(
        "ultracart_update_customer",
        {
            "customer_profile_oid": oid,
            "changes": {
                "properties": [
                    {"name": first["name"], "value": "updated"},
                    {"name": second["name"], "value": ""},
                    {"name": "favourite_colour", "value": "green"},
                ],
                "pricing_tiers": [tier.lower()],
            },
        },
    )
    assert changed_fields(result) == ["pricing_tiers", "properties"]
    after = h.customer(oid)
    by_name = {p["name"]: p for p in after["properties"]}
    assert by_name[first["name"]] == {**first, "value": "updated"}
    assert second["name"] not in by_name
    assert by_name["favourite_colour"]["value"] == "green"
    assert [t["name"] for t in after["pricing_tiers"]] == [tier]
    assert without(after, "properties", "pricing_tiers") == without(before, "properties", "pricing_tiers")


async def test_update_customer_refuses_when_the_customer_changes_in_between(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    oid = h.pick(lambda c, _: bool(c.get("tags")))
    before = h.customer(oid)
    original = h.api.get_customer
    calls = 0

    async def racing(customer_profile_oid: int, *, expand: Any = None) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:  # someone else writes between the tool's read and its write
            h.store.update_customer(oid, {"business_notes": "edited by a colleague"}, None)
        return await original(customer_profile_oid, expand=expand)

    monkeypatch.setattr(h.api, "get_customer", racing)
    message = await h.error("ultracart_update_customer", {"customer_profile_oid": oid, "changes": {"terms": "COD"}})
    assert "in between" in message and "nothing was written" in message
    assert calls == 2
    after = h.customer(oid)
    assert after["business_notes"] == "edited by a colleague"
    assert after.get("terms") == before.get("terms")
    assert without(after, "business_notes") == without(before, "business_notes")


async def test_update_customer_refuses_a_change_to_the_same_field_within_the_same_second(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    oid = h.pick(lambda c, _: bool(c.get("tags")))
    h.store.update_customer(oid, {"referral_source": "Radio"}, None)  # last_modified_dts is now "now"
    original = h.api.get_customer
    calls = 0

    async def racing(customer_profile_oid: int, *, expand: Any = None) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            h.store.update_customer(oid, {"tags": [{"tag_value": "theirs"}]}, None)
        return await original(customer_profile_oid, expand=expand)

    monkeypatch.setattr(h.api, "get_customer", racing)
    message = await h.error("ultracart_update_customer", {"customer_profile_oid": oid, "add_tags": ["mine"]})
    assert "in between" in message
    assert [t["tag_value"] for t in h.customer(oid)["tags"]] == ["theirs"]


async def test_update_customer_expected_last_modified_dts(h: Harness) -> None:
    oid = h.pick(lambda c, _: True)
    before = h.customer(oid)
    message = await h.error(
        "ultracart_update_customer",
        {
            "customer_profile_oid": oid,
            "changes": {"terms": "Net 15"},
            "expected_last_modified_dts": "2001-01-01T00:00:00Z",
        },
    )
    assert "changed by someone else" in message and "nothing was written" in message
    assert h.customer(oid) == before
    result = await h.ok(
        "ultracart_update_customer",
        {
            "customer_profile_oid": oid,
            "changes": {"terms": "Net 15"},
            "expected_last_modified_dts": before["last_modified_dts"],
        },
    )
    assert changed_fields(result) == ["terms"] and result["changes"]["after"] == {"terms": "Net 15"}
    assert h.customer(oid)["terms"] == "Net 15"


async def test_update_customer_email_taken_by_another_customer(h: Harness) -> None:
    first = h.pick(lambda c, _: True)
    second = h.pick(lambda c, oid: oid != first)
    before = h.state(second)
    message = await h.error(
        "ultracart_update_customer",
        {"customer_profile_oid": second, "changes": {"email": h.customer(first)["email"]}},
    )
    assert "email" in message
    assert h.state(second) == before


# -- wishlist -------------------------------------------------------------------------------------


async def test_insert_and_update_wish_list_item(h: Harness) -> None:
    oid = h.pick(lambda c, oid: bool(h.store.get_wishlist(oid)))
    before = h.store.get_wishlist(oid)
    result = await h.ok(
        "ultracart_insert_wish_list_item",
        {"customer_profile_oid": oid, "merchant_item_oid": 4242, "priority": 5, "comments": "for the birthday"},
    )
    item = result["item"]
    after = h.store.get_wishlist(oid)
    assert after == [*before, item] or sorted(map(json.dumps, after)) == sorted(map(json.dumps, [*before, item]))
    assert (item["merchant_item_oid"], item["priority"], item["comments"]) == (4242, 5, "for the birthday")

    item_oid = item["customer_wishlist_item_oid"]
    updated = await h.ok(
        "ultracart_update_wish_list_item",
        {"customer_profile_oid": oid, "customer_wishlist_item_oid": item_oid, "priority": 2},
    )
    assert updated["item"] == {**item, "priority": 2}
    assert h.store.get_wishlist_item(oid, item_oid) == {**item, "priority": 2}
    assert [i for i in h.store.get_wishlist(oid) if i["customer_wishlist_item_oid"] != item_oid] == before
    cleared = await h.ok(
        "ultracart_update_wish_list_item",
        {"customer_profile_oid": oid, "customer_wishlist_item_oid": item_oid, "comments": ""},
    )
    assert "comments" not in cleared["item"]
    assert h.store.get_wishlist_item(oid, item_oid).get("comments", "") == ""


# -- email lists ----------------------------------------------------------------------------------


async def test_update_customer_email_lists(h: Harness) -> None:
    uuids = [entry["email_list_uuid"] for entry in h.store.email_lists()]
    oid = h.pick(lambda c, oid: 0 < len(h.store.customer_list_uuids(oid)) < len(uuids))
    on = h.store.customer_list_uuids(oid)
    off = [uuid for uuid in uuids if uuid not in on]
    before = h.customer(oid)
    result = await h.ok(
        "ultracart_update_customer_email_lists",
        {"customer_profile_oid": oid, "add_to_lists": [off[0], off[0]], "remove_from_lists": [on[0]]},
    )
    assert result["add_to_lists"] == [off[0]] and result["remove_from_lists"] == [on[0]]
    assert h.store.customer_list_uuids(oid) == sorted([*on[1:], off[0]])
    assert h.customer(oid) == before
    # Idempotent: the same call again changes nothing further.
    await h.ok("ultracart_update_customer_email_lists", {"customer_profile_oid": oid, "add_to_lists": [off[0]]})
    assert h.store.customer_list_uuids(oid) == sorted([*on[1:], off[0]])


async def test_update_customer_email_lists_refusals(h: Harness) -> None:
    uuid = h.store.email_lists()[0]["email_list_uuid"]
    oid = h.pick(lambda c, _: True)
    before = h.state(oid)
    message = await h.error(
        "ultracart_update_customer_email_lists",
        {"customer_profile_oid": oid, "add_to_lists": [uuid], "remove_from_lists": [uuid]},
    )
    assert "both add_to_lists and remove_from_lists" in message
    message = await h.error("ultracart_update_customer_email_lists", {"customer_profile_oid": oid, "add_to_lists": []})
    assert "nothing to change" in message
    assert h.state(oid) == before


# -- email verification ---------------------------------------------------------------------------


async def test_email_verification_token_never_reaches_the_model(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    issued: list[str] = []
    original = h.api.get_email_verification_token

    async def spy(request: Any) -> Any:
        response = await original(request)
        issued.append(response.token)
        return response

    monkeypatch.setattr(h.api, "get_email_verification_token", spy)
    seen: list[str] = []
    result = await h.ok(
        "ultracart_get_email_verification_token", {"email": "verify.me@example.com", "password": "s3cret-pw"}
    )
    seen.append(json.dumps(result))
    assert result["created"] is True and result["deliver_to"] == "verify.me@example.com"
    assert "the token goes to the customer" in result["note"]
    assert "s3cret-pw" not in json.dumps(result)
    (token,) = issued
    assert token

    valid = await h.ok("ultracart_validate_email_verification_token", {"token": token})
    seen.append(json.dumps(valid))
    assert valid["valid"] is True
    again = await h.ok("ultracart_validate_email_verification_token", {"token": token})
    seen.append(json.dumps(again))
    assert again["valid"] is False and "new one" in again["note"]
    assert all(token not in output for output in seen)


async def test_email_verification_wrong_password_is_not_echoed(h: Harness) -> None:
    h.store.insert_customer({"email": "has.login@example.com", "password": "right-one"}, None)
    message = await h.error(
        "ultracart_get_email_verification_token", {"email": "has.login@example.com", "password": CANARY}
    )
    assert "password" in message and CANARY not in message


# -- bad arguments: the field is named, the value never repeated, nothing changes -------------------

LONG = CANARY * 30  # 330 characters: longer than any limit below


def _bad_cases() -> list[tuple[str, dict[str, Any], str]]:
    """(tool, arguments with {oid}/{item} placeholders, text the message must contain)."""
    return [
        ("ultracart_insert_customer", {"email": CANARY}, "email"),
        ("ultracart_insert_customer", {"email": "a@b.co", "billing": [{"first_name": LONG}]}, "billing.0.first_name"),
        ("ultracart_insert_customer", {"email": "a@b.co", "billing": [{"country_code": CANARY}]}, "billing.0.country_code"),
        ("ultracart_insert_customer", {"email": "a@b.co", "billing": [{"oid": 5}]}, "billing.0.oid: not a parameter"),
        ("ultracart_insert_customer", {"email": "a@b.co", "tags": [LONG]}, "tags.0"),
        ("ultracart_insert_customer", {"email": "a@b.co", "website_url": LONG}, "website_url"),
        ("ultracart_insert_customer", {"email": "a@b.co", "sales_rep_code": CANARY}, "sales_rep_code"),
        ("ultracart_insert_customer", {"email": "a@b.co", "business_notes": LONG * 7}, "business_notes"),
        ("ultracart_insert_customer", {"email": "a@b.co", "properties": [{"name": "x", "value": LONG * 5}]}, "properties.0.value"),
        ("ultracart_insert_customer", {"email": "a@b.co", "pricing_tiers": [CANARY]}, "pricing_tiers"),
        ("ultracart_insert_customer", {"email": "a@b.co", "customer_profile_oid": 5}, "customer_profile_oid: not a parameter"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"tax_id": CANARY * 2}}, "changes.tax_id"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"password": CANARY}}, "changes.password: not a parameter"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "add_tags": [LONG]}, "add_tags.0"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"shipping": [{"city": LONG}]}}, "changes.shipping.0.city"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"billing": [{"oid": 2_000_000_000, "city": CANARY}]}}, "changes.billing[0].oid"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"billing": [{"remove": True}]}}, "changes.billing[0].remove"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"terms": "x"}, "expected_last_modified_dts": CANARY}, "expected_last_modified_dts"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"pricing_tiers": [CANARY]}}, "pricing_tiers"),
        ("ultracart_update_customer", {"customer_profile_oid": 0, "changes": {"terms": CANARY}}, "customer_profile_oid"),
        ("ultracart_update_customer", {"customer_profile_oid": True, "changes": {"terms": CANARY}}, "customer_profile_oid"),
        ("ultracart_update_customer", {"customer_profile_oid": "{oid}", "changes": {"tax_exempt": "yes"}}, "changes.tax_exempt"),
        ("ultracart_insert_wish_list_item", {"customer_profile_oid": "{oid}", "merchant_item_oid": 1, "priority": 9}, "priority"),
        ("ultracart_insert_wish_list_item", {"customer_profile_oid": "{oid}", "merchant_item_oid": True}, "merchant_item_oid"),
        ("ultracart_insert_wish_list_item", {"customer_profile_oid": "{oid}", "merchant_item_oid": 1, "comments": LONG * 4}, "comments"),
        ("ultracart_insert_wish_list_item", {"customer_profile_oid": "{oid}", "comments": CANARY}, "merchant_item_oid: required"),
        ("ultracart_update_wish_list_item", {"customer_profile_oid": "{oid}", "customer_wishlist_item_oid": "{item}", "position": 0}, "position"),
        ("ultracart_update_wish_list_item", {"customer_profile_oid": "{oid}", "customer_wishlist_item_oid": "{item}", "comments": LONG * 4}, "comments"),
        ("ultracart_update_wish_list_item", {"customer_profile_oid": "{oid}", "customer_wishlist_item_oid": "{item}"}, "nothing to change"),
        ("ultracart_update_customer_email_lists", {"customer_profile_oid": "{oid}", "add_to_lists": [LONG]}, "add_to_lists.0"),
        ("ultracart_update_customer_email_lists", {"customer_profile_oid": "{oid}", "add_to_lists": [CANARY]}, "add_to_lists[0]"),
        ("ultracart_update_customer_email_lists", {"customer_profile_oid": "{oid}", "remove_from_lists": [CANARY]}, "remove_from_lists[0]"),
        ("ultracart_get_email_verification_token", {"email": CANARY, "password": "x"}, "email"),
        ("ultracart_get_email_verification_token", {"email": "a@b.co", "password": LONG}, "password"),
        ("ultracart_validate_email_verification_token", {"token": LONG}, "token"),
        ("ultracart_validate_email_verification_token", {"token": ""}, "token"),
    ]  # fmt: skip


def _fill(value: Any, oid: int, item: int) -> Any:
    if value == "{oid}":
        return oid
    if value == "{item}":
        return item
    if isinstance(value, dict):
        return {key: _fill(inner, oid, item) for key, inner in value.items()}
    if isinstance(value, list):
        return [_fill(inner, oid, item) for inner in value]
    return value


async def test_bad_arguments_name_the_field_and_change_nothing(h: Harness) -> None:
    oid = h.pick(lambda c, oid: bool(h.store.get_wishlist(oid) and c.get("billing")))
    item = h.store.get_wishlist(oid)[0]["customer_wishlist_item_oid"]
    before = h.state(oid)
    tools_covered = set()
    for tool, arguments, expected in _bad_cases():
        message = await h.error(tool, _fill(arguments, oid, item))
        assert expected in message, (tool, arguments, message)
        assert CANARY not in message, (tool, message)
        assert h.state(oid) == before, (tool, arguments)
        tools_covered.add(tool)
    assert tools_covered == WRITE_TOOLS
