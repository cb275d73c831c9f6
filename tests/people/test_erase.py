"""customers_erase through the MCP protocol, on the three embedded sandboxes: one confirmation naming every record
in every system, bound to exactly those records; nothing left in any sandbox after a yes; a fault in one system
mid-erase reported exactly; every step audited under one request id.

What is held is checked through each provider's own API client (the sandbox's answers), never through the tool."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import ElicitResult

from tests.support.mcp import ServerFactory
from uc_mcp.core.errors import ConfigurationError, NotFound, OutcomeUnknown, ProviderError
from uc_mcp.server import runtime_of
from uc_mcp.voucherify import models as voucherify_models

pytestmark = pytest.mark.anyio

TOOL = "customers_erase"
JANE = "jane@example.com"  # a demo person in all three systems (twc demo_data.STORY_LINKS: "both")


def api(server: MCPServer, name: str) -> Any:
    return runtime_of(server).provider(name).client()


async def records_of(client: Client, person: str) -> list[str]:
    """The person's records as customer_360 sees them (system:id): what the erase must name, all of it."""
    result = await client.call_tool("customer_360", {"person": person})
    assert not result.is_error and result.structured_content is not None, result.content
    records: list[str] = result.structured_content["person"]["records"]
    return records


async def held(server: MCPServer, record: str) -> bool:
    """Whether the system still answers for this record (its own API's read)."""
    system, record_id = record.split(":", 1)
    reads: dict[str, Callable[[], Awaitable[Any]]] = {
        "ultracart": lambda: api(server, "ultracart").customer_record(int(record_id)),
        "voucherify": lambda: api(server, "voucherify").customer_record(record_id),
        "twc": lambda: api(server, "twc").get_customer(record_id),
    }
    try:
        return await reads[system]() is not None
    except NotFound:
        return False


def voucherify_events(server: MCPServer, record: str) -> int:
    with runtime_of(server).provider("voucherify").sandbox.store.reading() as conn:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM event WHERE customer_id = ?", (record.split(":", 1)[1],)
        ).fetchone()
    return int(count)


async def erase(client: Client, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(TOOL, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def refused(client: Client, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(TOOL, arguments)
    assert result.is_error, result.structured_content
    text: str = result.content[0].text  # type: ignore[union-attr]
    assert "Traceback" not in text
    return text


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "audit.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [record for record in records if record["tool"] == TOOL]


class FailsOn:
    """A provider client whose ``operation`` raises ``error``; everything else is the real client's."""

    def __init__(self, api: Any, operation: str, error: Exception) -> None:
        self.api, self.operation, self.error = api, operation, error

    def __getattr__(self, name: str) -> Any:
        if name != self.operation:
            return getattr(self.api, name)

        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return fail


async def test_one_question_names_every_record_and_a_yes_leaves_nothing_anywhere(
    server: MCPServer, client: Client
) -> None:
    records = await records_of(client, JANE)
    assert all(voucherify_events(server, record) for record in records if record.startswith("voucherify:"))
    assert {record.split(":")[0] for record in records} == {"ultracart", "voucherify", "twc"}
    preview = await erase(client, {"person": JANE})
    assert preview["status"] == "confirmation_required" and preview["confirm"]
    for record in records:
        assert record.split(":", 1)[1] in preview["question"], record
    assert "cannot be undone" in preview["question"]
    assert [await held(server, record) for record in records] == [True] * len(records)  # a preview erases nothing

    done = await erase(client, {"person": JANE, "confirm": preview["confirm"]})
    assert done["status"] == "executed" and done["complete"] is True and done.get("still_held", []) == []
    assert {name: part["status"] for name, part in done["systems"].items()} == {
        "ultracart": "erased",
        "voucherify": "erased",
        "twc": "erased",
    }
    erased = sorted(f"{name}:{i}" for name, part in done["systems"].items() for i in part["erased"])
    assert erased == sorted(records)
    assert [await held(server, record) for record in records] == [False] * len(records)
    found = await client.call_tool("customers_find", {"query": JANE})
    assert found.structured_content is not None and found.structured_content.get("people", []) == []
    # Voucherify's permanent deletion, not a DELETE: the customer's activity went with it.
    assert not any(voucherify_events(server, record) for record in records if record.startswith("voucherify:"))


async def test_a_person_by_another_systems_id_is_erased_everywhere(server: MCPServer, client: Client) -> None:
    records = await records_of(client, JANE)
    twc_id = next(record.split(":", 1)[1] for record in records if record.startswith("twc:"))
    preview = await erase(client, {"person": twc_id})
    done = await erase(client, {"person": twc_id, "confirm": preview["confirm"]})
    assert done["complete"] is True
    assert [await held(server, record) for record in records] == [False] * len(records)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_host_that_asks_gets_one_question_and_a_no_changes_nothing(server: MCPServer, mode: str) -> None:
    async with Client(server) as plain:
        records = await records_of(plain, JANE)
    for action, erased in (("decline", False), ("accept", True)):
        asked: list[str] = []

        async def answer(context: Any, params: Any, asked: list[str] = asked, action: str = action) -> ElicitResult:
            asked.append(params.message)
            return ElicitResult(action=action, content={"confirm": True} if action == "accept" else None)

        async with Client(server, mode=mode, elicitation_callback=answer) as client:
            done = await erase(client, {"person": JANE})
        assert len(asked) == 1 and all(record.split(":", 1)[1] in asked[0] for record in records)
        assert done["status"] == ("executed" if erased else "declined")
        assert [await held(server, record) for record in records] == [not erased] * len(records)


async def test_a_record_changed_after_the_preview_refuses_the_yes(server: MCPServer, client: Client) -> None:
    records = await records_of(client, JANE)
    preview = await erase(client, {"person": JANE})
    vid = next(record.split(":", 1)[1] for record in records if record.startswith("voucherify:"))
    await api(server, "voucherify").update_customer(vid, voucherify_models.CustomerUpdate(phone="+44 20 7946 0999"))
    text = await refused(client, {"person": JANE, "confirm": preview["confirm"]})
    assert TOOL in text
    assert [await held(server, record) for record in records] == [True] * len(records)
    again = await erase(client, {"person": JANE})  # a new preview binds the record as it is now
    assert again["preview"]["snapshot"] != preview["preview"]["snapshot"]


async def test_a_record_that_appears_after_the_preview_refuses_the_yes(server: MCPServer, client: Client) -> None:
    records = await records_of(client, JANE)
    preview = await erase(client, {"person": JANE})
    created = await api(server, "voucherify").create_customer(
        voucherify_models.CustomerCreate(source_id="jane-second-account", email=JANE, name="Jane Again")
    )
    await refused(client, {"person": JANE, "confirm": preview["confirm"]})
    assert [await held(server, record) for record in records] == [True] * len(records)
    again = await erase(client, {"person": JANE})
    assert created.id in again["question"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ProviderError("the API timed out"), "failed"),
        (OutcomeUnknown("the connection dropped after sending", check="read the customer"), "outcome_unknown"),
    ],
)
async def test_a_fault_in_one_system_mid_erase_is_reported_exactly(
    server: MCPServer, client: Client, tmp_path: Path, error: ProviderError, status: str
) -> None:
    records = await records_of(client, JANE)
    twc_record = next(record for record in records if record.startswith("twc:"))
    twc_id = twc_record.split(":", 1)[1]
    preview = await erase(client, {"person": JANE})
    runtime = runtime_of(server).provider("twc")
    real = runtime.client()
    runtime.api = FailsOn(real, "delete_customer", error)
    done = await erase(client, {"person": JANE, "confirm": preview["confirm"]})
    assert done["status"] == "executed" and done["complete"] is False
    assert done["still_held"] == [twc_record]
    twc = done["systems"]["twc"]
    assert twc["status"] == status and twc["still_held"] == [twc_id] and twc.get("erased", []) == []
    assert f"twc_delete_customer with match_by=id, customer={twc_id}" in twc["finish"]
    assert ("read the record again" in twc["finish"]) is (status == "outcome_unknown")
    assert done["systems"]["ultracart"]["status"] == done["systems"]["voucherify"]["status"] == "erased"
    assert "The Wishlist still holds" in done["notice"] and twc_id in done["notice"]
    runtime.api = real
    assert {record: await held(server, record) for record in records} == {r: r == twc_record for r in records}
    steps = [record for record in audit(tmp_path) if record["arguments"].get("system") == "twc"]
    assert [record["event"] for record in steps] == ["intent", "outcome_unknown" if status != "failed" else "failed"]


async def test_every_step_is_audited_under_the_calls_one_request_id(
    server: MCPServer, client: Client, tmp_path: Path
) -> None:
    records = await records_of(client, JANE)
    preview = await erase(client, {"person": JANE})
    await erase(client, {"person": JANE, "confirm": preview["confirm"]})
    executed = [record for record in audit(tmp_path) if record["event"] != "previewed"]
    [request_id] = {record["request_id"] for record in executed if record["event"] == "accepted"}
    call = [record for record in executed if record["request_id"] == request_id]
    steps = [record for record in call if "system" in record["arguments"]]
    assert sorted(record["event"] for record in steps) == ["executed"] * len(records) + ["intent"] * len(records)
    targets = {json.dumps(record["targets"], sort_keys=True) for record in steps}
    for record in records:
        system, record_id = record.split(":", 1)
        key = {"ultracart": "customer_profile_oid"}.get(system, "customer_id")
        value: Any = int(record_id) if system == "ultracart" else record_id
        assert json.dumps({key: value}, sort_keys=True) in targets, record
    assert "intent" in [record["event"] for record in call if "system" not in record["arguments"]]


async def test_a_system_that_cannot_be_searched_erases_nothing_and_says_which(
    server: MCPServer, client: Client
) -> None:
    records = await records_of(client, JANE)
    runtime_of(server).provider("voucherify").problem = ConfigurationError("VOUCHERIFY_APP_ID is not set")
    text = await refused(client, {"person": JANE})
    assert "nothing was erased" in text and "Voucherify" in text
    runtime_of(server).provider("voucherify").problem = None
    assert [await held(server, record) for record in records] == [True] * len(records)


async def test_bad_input_and_nobody_are_clear_errors_that_change_nothing(client: Client) -> None:
    assert "person" in await refused(client, {"person": "  "})
    assert "max_calls" in await refused(client, {"person": JANE, "max_calls": 10_000})
    assert "not a parameter" in await refused(client, {"person": JANE, "everyone": True})
    assert "nobody" in await refused(client, {"person": "nobody-here@example.invalid"})


async def test_one_system_alone_and_never_under_read_only(server_factory: ServerFactory) -> None:
    alone = server_factory(providers=["twc=sandbox"], toolsets=["people"])
    async with Client(alone) as client:
        assert TOOL in {tool.name for tool in (await client.list_tools()).tools}
        preview = await erase(client, {"person": JANE})
        assert set(preview["preview"]["erases"]) == {"twc"}
        done = await erase(client, {"person": JANE, "confirm": preview["confirm"]})
        assert done["complete"] is True and list(done["systems"]) == ["twc"]
    async with Client(server_factory(read_only=True)) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert "customer_360" in listed and TOOL not in listed
