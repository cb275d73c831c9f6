"""TWC's guarded tools (delete a customer, delete an address, the deprecated upload) through the MCP protocol on
the embedded sandbox: nothing happens without a person's yes, in every confirmation path; what runs is what the
question named (a changed binding is refused); it runs once; every step is audited.

The sandbox's state is checked after each step (its store, not the tools), and the requests that reached it are
counted (``watch``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import ElicitResult

from tests.support.mcp import Request, watch
from tests.twc.mcp.conftest import JANE_EMAIL, JANE_REF, TENANT, UNKNOWN_ID, ServerFactory
from uc_mcp.schemas import definition
from uc_mcp.server import runtime_of
from uc_mcp.twc.sandbox import validation
from uc_mcp.twc.sandbox.app import SERVICE_PATH
from uc_mcp.twc.sandbox.errors import ApiError
from uc_mcp.twc.sandbox.store import SandboxStore
from uc_mcp.twc.tools.guarded import TOOLS as GUARDED_TOOLS

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]
DELETE, DELETE_ADDRESS, UPLOAD = "twc_delete_customer", "twc_delete_customer_address", "twc_upload_customers"
JOHN_REF = "100003"  # John Smith: one address, opted in to SMS only


def store(server: MCPServer) -> SandboxStore:
    runtime_of(server).client()  # opens the embedded sandbox
    opened: SandboxStore = runtime_of(server).sandbox.store
    return opened


def by_ref(server: MCPServer, ref: str) -> dict[str, Any] | None:
    try:
        return store(server).get(TENANT, "customerRef", ref)
    except ApiError:
        return None


def by_id(server: MCPServer, customer_id: str) -> dict[str, Any] | None:
    try:
        return store(server).get(TENANT, "id", customer_id)
    except ApiError:
        return None


def requests_of(server: MCPServer) -> list[Request]:
    log: list[Request] = []
    store(server)
    watch(runtime_of(server).sandbox, log)
    return log


def audit_events(path: Path, tool: str) -> list[str]:
    records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [record["event"] for record in records if record["tool"] == tool]


def audit_records(path: Path, tool: str) -> list[dict[str, Any]]:
    return [record for line in path.read_text().splitlines() if (record := json.loads(line))["tool"] == tool]


def answering(action: str, asked: list[str], confirm: bool = True) -> Any:
    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": confirm})
        return ElicitResult(action=action)

    return callback


def payload(result: Any) -> dict[str, Any]:
    """A successful guarded result, checked against the guarded tools' (shared) outputSchema."""
    assert not result.is_error, result.content[0].text
    jsonschema.validate(result.structured_content, definition(GUARDED_TOOLS[0])["outputSchema"])
    assert json.loads(result.content[0].text) == result.structured_content
    return dict(result.structured_content)


def error_text(result: Any) -> str:
    assert result.is_error
    return str(result.content[0].text)


def deletes(log: list[Request]) -> list[Request]:
    return [request for request in log if request.method == "DELETE"]


def only_reads(log: list[Request]) -> bool:
    """Every request to the customer service was a read (the token endpoint's POSTs are not the service's)."""
    return all(request.method == "GET" for request in log if request.path.startswith(SERVICE_PATH))


# -- delete a customer: the token path ------------------------------------------------------------------------------


async def test_a_delete_preview_names_the_customer_and_what_is_kept_and_changes_nothing_until_its_token(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    server = server_factory()
    john = by_ref(server, JOHN_REF)
    assert john is not None
    wishlists = store(server).wishlists(TENANT, john["id"])
    assert wishlists  # the demo's John has a wishlist to keep
    log = requests_of(server)
    async with Client(server) as client:  # no elicitation: the token fallback (stdio's default)
        preview = payload(await client.call_tool(DELETE, {"match_by": "customerRef", "customer": JOHN_REF}))
        assert by_ref(server, JOHN_REF) is not None and deletes(log) == []  # a preview changes nothing
        arguments = {"match_by": "customerRef", "customer": JOHN_REF, "confirm": preview["confirm"]}
        done = payload(await client.call_tool(DELETE, arguments))
        reused = await client.call_tool(DELETE, arguments)
    assert preview["status"] == "confirmation_required"
    question = preview["question"]
    assert question.startswith(f"Delete TWC customer John Smith <{john['email']}> (customerRef {JOHN_REF}, ")
    assert john["id"] in question  # the id the preview resolved: what the token binds
    assert "1 address" in question and "cannot be undone" in question
    assert "wishlists, de-identified" in question
    assert preview["preview"]["customer"]["id"] == john["id"]
    assert preview["preview"]["removes"]["sms_opt_in"] is True
    assert done["status"] == "executed" and done["deleted_customer_id"] == john["id"]
    assert done["changes"] == {"removed": {"customers": [john["id"]]}}
    assert by_ref(server, JOHN_REF) is None and by_id(server, john["id"]) is None
    # The wishlists stay, no longer linked to the person.
    kept = {item["id"]: item for item in store(server).wishlists(TENANT)}
    assert all(kept[item["id"]]["customerId"] is None for item in wishlists)
    # By the id the person approved, once: TWC's by-id route, whatever named the customer.
    assert [request.path for request in deletes(log)] == [f"{SERVICE_PATH}/customers/{john['id']}"]
    assert "not found" in error_text(reused).lower()  # once gone, a token has nothing left to act on
    assert audit_events(tmp_path / "audit.jsonl", DELETE)[:4] == ["previewed", "accepted", "intent", "executed"]
    executed = audit_records(tmp_path / "audit.jsonl", DELETE)[3]
    assert john["id"] in json.dumps(executed) and john["email"] not in json.dumps(executed)  # ids, never the email


async def test_a_token_never_deletes_a_customer_nobody_saw(server_factory: ServerFactory) -> None:
    """A customerRef names whichever customer holds it now: one whose ref went to another customer after the preview
    is another customer, and the token for the first refuses to act on it."""
    server = server_factory()
    first = by_ref(server, JOHN_REF)
    assert first is not None
    async with Client(server) as client:
        preview = payload(await client.call_tool(DELETE, {"match_by": "customerRef", "customer": JOHN_REF}))
        store(server).delete(TENANT, "customerRef", JOHN_REF)
        store(server).create(
            TENANT, validation.customer({"email": "someone.else@example.net", "customerRef": JOHN_REF})
        )
        arguments = {"match_by": "customerRef", "customer": JOHN_REF, "confirm": preview["confirm"]}
        refused = await client.call_tool(DELETE, arguments)
    assert "no longer holds" in error_text(refused)
    again = by_ref(server, JOHN_REF)
    assert again is not None and again["id"] != first["id"]  # the new customer is untouched


async def test_a_token_for_one_customer_does_not_delete_another(server_factory: ServerFactory) -> None:
    server = server_factory()
    async with Client(server) as client:
        token = payload(await client.call_tool(DELETE, {"match_by": "customerRef", "customer": JANE_REF}))["confirm"]
        other = await client.call_tool(DELETE, {"match_by": "customerRef", "customer": JOHN_REF, "confirm": token})
    assert "other arguments" in error_text(other)
    assert by_ref(server, JANE_REF) is not None and by_ref(server, JOHN_REF) is not None


# -- delete a customer: elicitation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_an_accepted_delete_runs_once_by_the_id_it_named(
    server_factory: ServerFactory, tmp_path: Path, mode: str
) -> None:
    server = server_factory()
    jane = by_ref(server, JANE_REF)
    assert jane is not None
    log = requests_of(server)
    asked: list[str] = []
    async with Client(server, mode=mode, elicitation_callback=answering("accept", asked)) as client:
        done = payload(await client.call_tool(DELETE, {"customer": jane["id"]}))
    assert len(asked) == 1 and jane["id"] in asked[0] and JANE_EMAIL in asked[0]
    assert "2 addresses" in asked[0] and "1 attribute group" in asked[0] and "loyalty figures" in asked[0]
    assert done["status"] == "executed" and done["deleted_customer_id"] == jane["id"]
    assert len(deletes(log)) == 1
    assert by_id(server, jane["id"]) is None
    assert audit_events(tmp_path / "audit.jsonl", DELETE) == ["elicited", "accepted", "intent", "executed"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("action", "ticked"), [("decline", True), ("cancel", True), ("accept", False)])
async def test_declined_cancelled_or_unticked_changes_nothing(
    server_factory: ServerFactory, tmp_path: Path, mode: str, action: str, ticked: bool
) -> None:
    server = server_factory()
    jane = by_ref(server, JANE_REF)
    assert jane is not None
    address = jane["addresses"][1]["id"]
    log = requests_of(server)
    asked: list[str] = []
    callback = answering(action, asked, confirm=ticked)
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        deleted = payload(await client.call_tool(DELETE, {"match_by": "customerRef", "customer": JOHN_REF}))
        address_deleted = payload(
            await client.call_tool(DELETE_ADDRESS, {"customer": jane["id"], "address_id": address})
        )
        uploaded = payload(await client.call_tool(UPLOAD, {"customers": [{"email": JANE_EMAIL, "sms_opt_in": False}]}))
    for result in (deleted, address_deleted, uploaded):
        assert result["status"] == "declined"
        assert "confirm" not in result and "do not retry" in result["notice"].lower()
    assert len(asked) == 3
    assert only_reads(log)  # only the previews' reads reached TWC
    assert by_ref(server, JOHN_REF) is not None and by_ref(server, JANE_REF) == jane
    for tool in (DELETE, DELETE_ADDRESS, UPLOAD):
        assert audit_events(tmp_path / "audit.jsonl", tool) == ["elicited", "declined"]


# -- delete an address ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_an_accepted_address_delete_names_both_ids_and_keeps_the_others(
    server_factory: ServerFactory, tmp_path: Path, mode: str
) -> None:
    server = server_factory()
    jane = by_ref(server, JANE_REF)
    assert jane is not None
    home, mums = jane["addresses"]
    assert home["defaultAddress"] is True and mums["defaultAddress"] is False
    log = requests_of(server)
    asked: list[str] = []
    arguments = {"match_by": "customerRef", "customer": JANE_REF, "address_id": mums["id"]}
    async with Client(server, mode=mode, elicitation_callback=answering("accept", asked)) as client:
        done = payload(await client.call_tool(DELETE_ADDRESS, arguments))
    (question,) = asked
    assert mums["id"] in question and jane["id"] in question
    assert f"'Mum's' {mums['address1']}, {mums['city']}" in question.replace('"', "'")
    assert "It is the customer's default address" not in question
    assert f"keeps 1 other address; the default stays {home['address1']}" in question
    assert done["status"] == "executed" and done["deleted_address_id"] == mums["id"]
    assert done["changes"] == {"removed": {"addresses": [mums["id"]]}}
    assert [a["id"] for a in done["customer"]["addresses"]] == [home["id"]]
    after = by_ref(server, JANE_REF)
    assert after is not None and [a["id"] for a in after["addresses"]] == [home["id"]]
    assert [request.path for request in deletes(log)] == [f"{SERVICE_PATH}/customers/{jane['id']}/address/{mums['id']}"]
    assert audit_events(tmp_path / "audit.jsonl", DELETE_ADDRESS) == ["elicited", "accepted", "intent", "executed"]


async def test_deleting_the_default_address_says_so(server_factory: ServerFactory) -> None:
    server = server_factory()
    jane = by_ref(server, JANE_REF)
    assert jane is not None
    home = jane["addresses"][0]
    async with Client(server) as client:
        preview = payload(await client.call_tool(DELETE_ADDRESS, {"customer": jane["id"], "address_id": home["id"]}))
    assert "It is the customer's default address." in preview["question"]
    assert "none of them the default" in preview["question"]
    assert preview["preview"]["address"]["id"] == home["id"]


async def test_an_address_gone_since_the_preview_refuses_its_token(server_factory: ServerFactory) -> None:
    server = server_factory()
    jane = by_ref(server, JANE_REF)
    assert jane is not None
    mums = jane["addresses"][1]["id"]
    arguments = {"customer": jane["id"], "address_id": mums}
    async with Client(server) as client:
        token = payload(await client.call_tool(DELETE_ADDRESS, arguments))["confirm"]
        store(server).delete_address(TENANT, jane["id"], mums)
        log = requests_of(server)
        refused = await client.call_tool(DELETE_ADDRESS, {**arguments, "confirm": token})
    assert "address_id: the customer has no address with this id" in error_text(refused)
    assert deletes(log) == []


# -- upload (deprecated) --------------------------------------------------------------------------------------------

NEWCOMER = "new.person@example.net"


async def test_an_upload_preview_counts_creates_and_updates_and_its_token_sends_it(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    server = server_factory()
    jane = by_ref(server, JANE_REF)
    assert jane is not None and jane["optin_preferences"]["sms"]["opt_in_active"] is True
    customers = [
        {"email": JANE_EMAIL, "sms_opt_in": False},
        {"email": NEWCOMER, "firstName": "New", "customerRef": "NEW-1"},
    ]
    before = store(server).count_customers(TENANT)
    async with Client(server) as client:
        preview = payload(await client.call_tool(UPLOAD, {"customers": customers}))
        assert store(server).count_customers(TENANT) == before and by_ref(server, JANE_REF) == jane
        done = payload(await client.call_tool(UPLOAD, {"customers": customers, "confirm": preview["confirm"]}))
    question = preview["question"]
    assert question.startswith("Upload 2 customers to TWC: 1 new customer created and 1 existing customer updated")
    assert jane["id"] in question and "deprecated" in question
    assert preview["preview"]["lookups"] == 3  # Jane's email; the newcomer's ref, then its email
    sample = preview["preview"]["sample"]
    assert (sample[0]["outcome"], sample[0]["id"], sample[0]["matched_by"]) == ("update", jane["id"], "email")
    assert sample[0]["now"] == {"email": JANE_EMAIL, "optin_preferences": {"sms": jane["optin_preferences"]["sms"]}}
    assert sample[1]["outcome"] == "create"
    assert done["status"] == "executed" and (done["accepted"], done["creates"], done["updates"]) == (2, 1, 1)
    after = by_ref(server, JANE_REF)
    assert after is not None and after["optin_preferences"]["sms"]["opt_in_active"] is False
    assert after["addresses"] == jane["addresses"]  # partial: nothing else of Jane's moved
    created = by_ref(server, "NEW-1")
    assert created is not None and created["email"] == NEWCOMER
    assert audit_events(tmp_path / "audit.jsonl", UPLOAD) == ["previewed", "accepted", "intent", "executed"]


async def test_an_upload_whose_customers_changed_since_the_preview_sends_nothing(server_factory: ServerFactory) -> None:
    """The preview said the newcomer would be created; once someone else created it, the token binds a plan that no
    longer holds."""
    server = server_factory()
    customers = [{"email": NEWCOMER, "firstName": "New"}]
    async with Client(server) as client:
        token = payload(await client.call_tool(UPLOAD, {"customers": customers}))["confirm"]
        store(server).create(TENANT, validation.customer({"email": NEWCOMER, "firstName": "Other"}))
        log = requests_of(server)
        refused = await client.call_tool(UPLOAD, {"customers": customers, "confirm": token})
    assert "no longer holds" in error_text(refused)
    assert only_reads(log)
    found = store(server).search(TENANT, {"email": NEWCOMER})
    assert [item["firstName"] for item in found] == ["Other"]


async def test_an_upload_beyond_its_lookups_says_what_it_did_not_count(server_factory: ServerFactory) -> None:
    server = server_factory()
    customers = [{"email": f"person{n}@example.net"} for n in range(4)]
    async with Client(server) as client:
        preview = payload(await client.call_tool(UPLOAD, {"customers": customers, "max_lookups": 2}))
    assert preview["preview"]["lookups"] == 2
    assert "2 new customers created and 0 existing customers updated; 2 customers not looked up" in preview["question"]
    assert "max_lookups=2" in preview["question"]


# -- refusals -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        (DELETE, {"customer": UNKNOWN_ID}, "not found"),
        (DELETE, {"match_by": "customerRef", "customer": "NO-SUCH-REF"}, "not found"),
        (DELETE, {"customer": ""}, "customer"),
        (DELETE, {"customer": "two\nlines"}, "customer"),
        (DELETE, {}, "customer: required"),
        (DELETE, {"match_by": "email", "customer": JANE_EMAIL}, "match_by"),
        (DELETE, {"customer": UNKNOWN_ID, "force": True}, "force: not a parameter"),
        (DELETE_ADDRESS, {"match_by": "customerRef", "customer": JANE_REF, "address_id": "nope"}, "address_id"),
        (DELETE_ADDRESS, {"match_by": "customerRef", "customer": JANE_REF}, "address_id: required"),
        (UPLOAD, {"customers": []}, "customers"),
        (UPLOAD, {"customers": [{"firstName": "No Email"}]}, "customers.0.email: required"),
        (UPLOAD, {"customers": [{"email": JANE_EMAIL}, {"email": "JANE@example.com"}]}, "customers.1.email"),
        (UPLOAD, {"customers": [{"email": NEWCOMER, "address": {"city": "Sydney"}}]}, "address: not a parameter"),
    ],
)
async def test_bad_requests_change_nothing_and_ask_nobody(
    server_factory: ServerFactory, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    server = server_factory()
    customers = store(server).count_customers()
    log = requests_of(server)
    asked: list[str] = []
    async with Client(server, elicitation_callback=answering("accept", asked)) as client:
        result = await client.call_tool(tool, arguments)
    assert expected.lower() in error_text(result).lower()
    assert asked == []  # nobody is asked to confirm what cannot happen
    assert only_reads(log)
    assert store(server).count_customers() == customers


async def test_under_deny_nothing_runs_without_a_host_that_asks(server_factory: ServerFactory) -> None:
    server = server_factory(confirm_fallback="deny")
    async with Client(server) as client:
        plain = await client.call_tool(DELETE, {"match_by": "customerRef", "customer": JANE_REF})
        forged = await client.call_tool(
            DELETE, {"match_by": "customerRef", "customer": JANE_REF, "confirm": "v2.x.1.y.z.w"}
        )
    for result in (plain, forged):
        assert "Nothing was done" in error_text(result)
    assert by_ref(server, JANE_REF) is not None


async def test_every_question_names_what_its_preview_resolved(server_factory: ServerFactory) -> None:
    """The SDK re-asks when a final round's question differs from the one answered, and a token binds what its
    preview resolved: each guard's binding must be printed in its question, and resolve must give it again."""
    from uc_mcp.core.toolspec import ToolContext

    server = server_factory()
    jane = by_ref(server, JANE_REF)
    assert jane is not None
    api = runtime_of(server).client()
    ctx = ToolContext(client=lambda: api, max_tokens=4000, backend="sandbox")
    arguments = {
        DELETE: {"match_by": "customerRef", "customer": JANE_REF},
        DELETE_ADDRESS: {"customer": jane["id"], "address_id": jane["addresses"][1]["id"]},
        UPLOAD: {"customers": [{"email": JANE_EMAIL, "firstName": "Janet"}, {"email": NEWCOMER}]},
    }
    assert {spec.name for spec in GUARDED_TOOLS} == set(arguments)
    for spec in GUARDED_TOOLS:
        assert spec.guard is not None
        request = spec.input_model.model_validate(arguments[spec.name])
        preview = await spec.guard.preview(request, ctx)
        assert preview.binding and all(str(value) in preview.question for value in preview.binding.values())
        assert await spec.guard.resolve(request, ctx) == preview.binding


def test_the_confirmation_cards_cancel_covers_every_guarded_twc_tool() -> None:
    """One app-only Cancel per provider (core/decline.py): it must accept every guarded tool of the table."""
    from uc_mcp.twc.tools import TOOLS
    from uc_mcp.twc.tools.guarded import APP_TOOLS

    (cancel,) = APP_TOOLS
    accepted = cancel.input_schema()["properties"]["tool"]["enum"]
    assert cancel.name == "twc_decline_confirmation" and cancel.app_only
    assert (
        sorted(accepted)
        == sorted(spec.name for spec in TOOLS if spec.guarded)
        == sorted([DELETE, DELETE_ADDRESS, UPLOAD])
    )
