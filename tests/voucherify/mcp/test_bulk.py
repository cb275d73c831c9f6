"""Voucherify's CSV import and bulk updates (guarded) and ``voucherify_get_async_action`` through the MCP protocol on
the embedded sandbox, with the sandbox on a fixed clock that the tests move: the preview's created-versus-updated
counts against the store's truth, the confirmation in every path, a changed input or store refused, the queued
action followed to DONE (with progress notifications for a client that asked), bad rows named by row and field,
and an unknown outcome that says how to check instead of inviting a retry.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import ElicitResult

from tests.voucherify.mcp.conftest import JANE, JANE_NEWSLETTER, UNKNOWN, ServerFactory
from uc_mcp.core.sandbox.faults import FaultKind
from uc_mcp.schemas import definition
from uc_mcp.server import runtime_of
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.tools import bulk
from uc_mcp.voucherify.tools.bulk import TOOLS as BULK_TOOLS

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]
IMPORT, BULK, METADATA, GET = (
    "voucherify_import_customers_using_csv",
    "voucherify_update_customers_in_bulk",
    "voucherify_update_customers_metadata_in_bulk",
    "voucherify_get_async_action",
)
CANARY = "canary-value-7x"


def store(server: MCPServer) -> Any:
    runtime_of(server).client()  # opens the embedded sandbox
    return runtime_of(server).sandbox.store


def customer_or_none(server: MCPServer, identifier: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = store(server).get_customer(identifier)
    except Exception:
        return None
    return found


def queued_actions(server: MCPServer) -> int:
    with store(server).reading() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM async_action").fetchone()[0])


def audit_events(path: Path, tool: str) -> list[str]:
    records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [record["event"] for record in records if record["tool"] == tool]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def server(server_factory: ServerFactory, clock: FixedClock) -> MCPServer:
    """A server whose sandbox runs on ``clock``: a queued action moves only when a test moves the clock."""
    built = server_factory()
    store(built).clock = clock
    return built


@pytest.fixture
def polls_move_the_clock(clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A poll's pause moves the sandbox's clock instead of sleeping; the pauses taken are recorded."""
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    monkeypatch.setattr(bulk, "sleep", pause)
    return pauses


class Progress:
    """A client's progress callback: what it was told, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))


def answering(action: str, asked: list[str], confirm: bool = True) -> Any:
    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": confirm})
        return ElicitResult(action=action)

    return callback


def payload(result: Any, tool: str = IMPORT) -> dict[str, Any]:
    """A successful result, checked against its tool's outputSchema."""
    assert not result.is_error, result.content[0].text
    spec = next(spec for spec in BULK_TOOLS if spec.name == tool)
    jsonschema.validate(result.structured_content, definition(spec)["outputSchema"])
    assert json.loads(result.content[0].text) == result.structured_content
    return dict(result.structured_content)


def error_text(result: Any) -> str:
    assert result.is_error
    return str(result.content[0].text)


# -- CSV import, the token path, followed to its end --------------------------------------------------------------


async def test_a_csv_import_counts_creates_and_updates_then_runs_in_the_background(
    server: MCPServer, clock: FixedClock, tmp_path: Path
) -> None:
    jane = store(server).get_customer(JANE)
    newsletter = store(server).get_customer(JANE_NEWSLETTER)
    before = store(server).count_customers()
    csv = (
        "Id,Source_id,Name,Email,Tier\n"
        f",{JANE},Jane Q. Doe,,gold\n"  # row 2: an existing source_id: updated
        ",crm-new-1,Ann Lee,ann@example.com,silver\n"  # row 3: a new source_id: created
        ",,Bob Stone,bob@example.com,\n"  # row 4: no key: created
        f"{newsletter['id']},,,,bronze\n"  # row 5: an existing id: updated
        f"{UNKNOWN},,Nobody,,\n"  # row 6: an unknown id: fails
    )
    async with Client(server) as client:
        preview = payload(await client.call_tool(IMPORT, {"csv": csv}))
        assert store(server).count_customers() == before and queued_actions(server) == 0  # a preview changes nothing
        done = payload(await client.call_tool(IMPORT, {"csv": csv, "confirm": preview["confirm"]}))
        waiting = payload(await client.call_tool(GET, {"async_action_id": done["async_action_id"]}), GET)
        assert store(server).count_customers() == before  # queued, not done
        clock.advance(timedelta(seconds=2))
        finished = payload(await client.call_tool(GET, {"async_action_id": done["async_action_id"]}), GET)

    question = preview["question"]
    assert question.startswith(
        "Import 5 customer rows from CSV into Voucherify: 2 new customers created and 2 existing customers updated; "
        "1 row would fail (no customer has its Id)?"
    )
    assert "Columns stored as metadata: Tier." in question
    details = preview["preview"]
    assert (details["creates"], details["updates"], details["fails"], details["lookups"]) == (2, 2, 1, 4)
    assert details["fingerprint"] in question
    assert details["sample"][0] == {
        "row": 2,
        "key": JANE,
        "outcome": "update",
        "sets": {"name": "Jane Q. Doe", "metadata": {"Tier": "gold"}},
        "now": {"name": jane["name"]},
    }
    assert [row["outcome"] for row in details["sample"]] == ["update", "create", "create"]

    assert done["status"] == "executed" and done["async_status"] == "ENQUEUED"
    assert done["expected"] == {"creates": 2, "updates": 2, "fails": 1}
    assert GET in done["notice"] and done["async_action_id"] in done["notice"]

    assert waiting["status"] == "ENQUEUED" and waiting["finished"] is False
    assert "Not finished yet" in waiting["notice"]

    assert finished["status"] == "DONE" and finished["finished"] is True and finished["progress"] == 100
    assert (finished["done_count"], finished["failed_count"]) == (4, 1)
    assert finished["failures"][0]["row"] == 6
    assert "1 row(s) failed" in finished["notice"]
    assert store(server).count_customers() == before + 2  # exactly what the preview counted
    created = store(server).get_customer("crm-new-1")
    assert created["name"] == "Ann Lee" and created["metadata"]["Tier"] == "silver"
    assert store(server).get_customer(JANE)["metadata"]["Tier"] == "gold"
    assert audit_events(tmp_path / "audit.jsonl", IMPORT) == ["previewed", "accepted", "intent", "executed"]


# -- waiting, with and without progress ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_an_elicited_bulk_update_runs_once_and_a_waiting_read_reports_progress_to_the_end(
    server: MCPServer, polls_move_the_clock: list[float], mode: str
) -> None:
    rows = [{"source_id": JANE, "phone": "+1 555 0100"}, {"source_id": "crm-bulk-1", "name": "New Person"}]
    asked: list[str] = []
    progress = Progress()
    async with Client(server, mode=mode, elicitation_callback=answering("accept", asked)) as client:
        done = payload(await client.call_tool(BULK, {"customers": rows}), BULK)
        action = done["async_action_id"]
        finished = payload(
            await client.call_tool(GET, {"async_action_id": action, "wait_seconds": 30}, progress_callback=progress),
            GET,
        )
    assert len(asked) == 1
    assert asked[0].startswith(
        "Update 2 Voucherify customers in bulk (name, phone): 1 new customer created and 1 existing customer updated?"
    )
    assert done["status"] == "executed" and queued_actions(server) == 1  # once
    assert finished["status"] == "DONE" and finished["finished"] is True
    assert (finished["done_count"], finished["failed_count"]) == (2, 0)
    assert 0 < finished["waited_seconds"] <= 30 and sum(polls_move_the_clock) == finished["waited_seconds"]
    seen = progress.seen
    values = [value for value, _, _ in seen]
    assert values == sorted(set(values)) and len(values) >= 2  # progress only ever moves on
    assert seen[0][0] == 0 and list(seen[-1]) == [100, 100, "DONE: 100%"]
    assert all(total == 100 for _, total, _ in seen)
    assert store(server).get_customer(JANE)["phone"] == "+1 555 0100"
    assert store(server).get_customer("crm-bulk-1")["name"] == "New Person"


async def test_a_client_without_a_progress_token_just_gets_the_answer(
    server: MCPServer, polls_move_the_clock: list[float]
) -> None:
    async with Client(server) as client:
        preview = payload(await client.call_tool(METADATA, {"source_ids": [JANE], "metadata": {"vip": True}}), METADATA)
        done = payload(
            await client.call_tool(
                METADATA, {"source_ids": [JANE], "metadata": {"vip": True}, "confirm": preview["confirm"]}
            ),
            METADATA,
        )
        finished = payload(
            await client.call_tool(GET, {"async_action_id": done["async_action_id"], "wait_seconds": 5}), GET
        )
    assert finished["status"] == "DONE" and finished["type"] == "CUSTOMERS.METADATA_UPDATE"
    assert store(server).get_customer(JANE)["metadata"]["vip"] is True


async def test_waiting_is_bounded_by_wait_seconds(server: MCPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def stand_still(seconds: float) -> None:  # the sandbox's clock never moves: the job never ends
        pauses.append(seconds)

    monkeypatch.setattr(bulk, "sleep", stand_still)
    async with Client(server) as client:
        preview = payload(await client.call_tool(METADATA, {"source_ids": [JANE], "metadata": {"a": 1}}), METADATA)
        arguments = {"source_ids": [JANE], "metadata": {"a": 1}, "confirm": preview["confirm"]}
        done = payload(await client.call_tool(METADATA, arguments), METADATA)
        waited = payload(
            await client.call_tool(GET, {"async_action_id": done["async_action_id"], "wait_seconds": 4}), GET
        )
    assert waited["finished"] is False and waited["status"] == "ENQUEUED"
    assert sum(pauses) == waited["waited_seconds"] == 4
    assert "Not finished yet" in waited["notice"] and "wait_seconds" in waited["notice"]


# -- what the preview counts, and what binds it -------------------------------------------------------------------


async def test_lookups_stop_at_max_lookups_and_the_rest_are_unknown(server: MCPServer) -> None:
    rows = [{"source_id": key, "name": "X"} for key in (JANE, JANE_NEWSLETTER, "crm-new-9")]
    async with Client(server) as client:
        preview = payload(await client.call_tool(BULK, {"customers": rows, "max_lookups": 1}), BULK)
    details = preview["preview"]
    assert (details["updates"], details["unknown"], details["lookups"]) == (1, 2, 1)
    assert "2 customers not looked up (beyond max_lookups=1): each is created or updated" in preview["question"]


async def test_a_store_changed_between_preview_and_confirm_refuses_the_confirmation(server: MCPServer) -> None:
    arguments = {"source_ids": ["crm-late-1", JANE], "metadata": {"segment": "b2b"}}
    async with Client(server) as client:
        preview = payload(await client.call_tool(METADATA, arguments), METADATA)
        assert "1 new customer created and 1 existing customer updated" in preview["question"]
        store(server).create_customer(None, "crm-late-1", {"name": "Created Meanwhile"}, "test")
        refused = await client.call_tool(METADATA, {**arguments, "confirm": preview["confirm"]})
    assert "no longer holds" in error_text(refused)
    assert queued_actions(server) == 0


async def test_changed_rows_refuse_the_confirmation(server: MCPServer) -> None:
    rows = [{"source_id": JANE, "name": "Jane"}]
    async with Client(server) as client:
        token = payload(await client.call_tool(BULK, {"customers": rows}), BULK)["confirm"]
        other = await client.call_tool(BULK, {"customers": [{"source_id": JANE, "name": "Eve"}], "confirm": token})
    assert "other arguments" in error_text(other)
    assert queued_actions(server) == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("action", "ticked"), [("decline", True), ("cancel", True), ("accept", False)])
async def test_declined_cancelled_or_unticked_queues_nothing(
    server: MCPServer, tmp_path: Path, mode: str, action: str, ticked: bool
) -> None:
    asked: list[str] = []
    async with Client(server, mode=mode, elicitation_callback=answering(action, asked, ticked)) as client:
        result = payload(await client.call_tool(IMPORT, {"csv": "Source_id,Name\ncrm-x,X\n"}))
    assert result["status"] == "declined" and len(asked) == 1
    assert queued_actions(server) == 0
    assert audit_events(tmp_path / "audit.jsonl", IMPORT) == ["elicited", "declined"]


async def test_every_question_names_what_its_preview_resolved(server: MCPServer) -> None:
    """The binding (the digest of what is sent, the digest of what the lookups found, the counts) is printed in the
    question, and resolving again gives the same binding while nothing changed."""
    from uc_mcp.core.toolspec import ToolContext

    api = runtime_of(server).client()
    ctx = ToolContext(client=lambda: api, max_tokens=4000, backend="sandbox")
    arguments = {
        IMPORT: {"csv": f"Source_id,Name\n{JANE},J\nnew-q,Q\n"},
        BULK: {"customers": [{"source_id": JANE, "name": "J"}]},
        METADATA: {"source_ids": [JANE, "new-q"], "metadata": {"k": "v"}},
    }
    for spec in BULK_TOOLS:
        if spec.guard is None:
            continue
        request = spec.input_model.model_validate(arguments[spec.name])
        preview = await spec.guard.preview(request, ctx)
        assert (
            preview.binding["rows_digest"] in preview.question and preview.binding["lookups_digest"] in preview.question
        )
        assert f"{preview.binding['creates']} new customer" in preview.question
        assert f"{preview.binding['updates']} existing customer" in preview.question
        assert await spec.guard.resolve(request, ctx) == preview.binding


# -- bad input ----------------------------------------------------------------------------------------------------

TOO_MANY_ROWS = "Source_id\n" + "".join(f"c{n}\n" for n in range(bulk.CSV_MAX_ROWS + 1))


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        (IMPORT, {"csv": ""}, "csv: String should have at least 1 character"),
        (IMPORT, {"csv": "Source_id,Email\n"}, "no customer rows"),
        (IMPORT, {"csv": f"Source_id,Email\nx1,{CANARY}\n"}, "row 2, Email: not an email address"),
        (IMPORT, {"csv": "Source_id,Birthdate\nx1,1990-02-30\n"}, "row 2, Birthdate: expected a date as YYYY-MM-DD"),
        (
            IMPORT,
            {"csv": f"Source_id,Name\n{CANARY},A\n\n{CANARY},B\n"},
            "row 4, Source_id: the same customer as row 2",
        ),
        (IMPORT, {"csv": "Source_id,Home City\nx,y\n"}, "row 1, column 2: no spaces allowed in column names"),
        (IMPORT, {"csv": "Source_id,source_ID\nx,y\n"}, "row 1, column 2: the same column as column 1"),
        (IMPORT, {"csv": f"Source_id,Name\nx1,A,{CANARY}\n"}, "row 2: 3 cells, but the header has 2 columns"),
        (IMPORT, {"csv": f"Source_id,Phone\nx1,{CANARY * 8}\n"}, "row 2, Phone: at most 50 characters"),
        (IMPORT, {"csv": TOO_MANY_ROWS}, "more than 1000 customer rows"),
        (IMPORT, {"csv": "x" * (bulk.CSV_MAX_CHARS + 1)}, "csv: String should have at most 100000 characters"),
        (BULK, {"customers": []}, "customers: List should have at least 1 item"),
        (BULK, {"customers": [{"source_id": "a"}, {"source_id": "b", "email": CANARY}]}, "customers.1.email"),
        (BULK, {"customers": [{"name": "X"}]}, "customers.0.source_id: required"),
        (BULK, {"customers": [{"source_id": "a", "birthdate": "1990-02-30"}]}, "customers.0.birthdate"),
        (BULK, {"customers": [{"source_id": "a", "password": CANARY}]}, "customers.0.password: not a parameter"),
        (
            BULK,
            {"customers": [{"source_id": CANARY}, {"source_id": "b"}, {"source_id": CANARY}]},
            "customers.2.source_id: the same source_id as customers.0.source_id",
        ),
        (BULK, {"customers": [{"source_id": f"c{n}"} for n in range(101)]}, "customers: List should have at most 100"),
        (BULK, {"customers": [{"source_id": "a"}], "max_lookups": 101}, "max_lookups"),
        (
            METADATA,
            {"source_ids": [CANARY, CANARY], "metadata": {"k": 1}},
            "source_ids.1: the same source_id as source_ids.0",
        ),
        (METADATA, {"source_ids": ["a"], "metadata": {}}, "metadata: Dictionary should have at least 1 item"),
        (METADATA, {"source_ids": ["a"], "metadata": {" ": 1}}, "metadata: keys must be 1-100 characters"),
        (METADATA, {"metadata": {"k": 1}}, "source_ids: required"),
    ],
)
async def test_bad_rows_are_named_by_row_and_field_before_any_call(
    server: MCPServer, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    customers = store(server).count_customers()
    asked: list[str] = []
    async with Client(server, elicitation_callback=answering("accept", asked)) as client:
        result = await client.call_tool(tool, arguments)
    text = error_text(result)
    assert expected in text
    assert CANARY not in text  # named, never quoted
    assert asked == []
    assert queued_actions(server) == 0 and store(server).count_customers() == customers


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"async_action_id": "aa_00000099ffffffffff"}, "not found"),
        ({"async_action_id": "../customers"}, "async_action_id: String should match pattern"),
        ({"async_action_id": "aa_0001", "wait_seconds": 61}, "wait_seconds"),
        ({"async_action_id": "aa_0001", "wait_seconds": True}, "wait_seconds"),
    ],
)
async def test_a_bad_or_unknown_async_action_is_named(
    server: MCPServer, arguments: dict[str, Any], expected: str
) -> None:
    async with Client(server) as client:
        result = await client.call_tool(GET, arguments)
    assert expected.lower() in error_text(result).lower()


# -- unknown outcome, budget --------------------------------------------------------------------------------------


async def test_an_import_whose_answer_is_lost_says_how_to_check_and_never_to_retry(
    server: MCPServer, tmp_path: Path
) -> None:
    arguments = {"csv": "Source_id,Name\ncrm-lost-1,A\ncrm-lost-2,B\n", "max_lookups": 0}  # no lookups: one POST
    async with Client(server) as client:
        token = payload(await client.call_tool(IMPORT, arguments))["confirm"]
        faults = runtime_of(server).sandbox.faults.config
        faults.fault_rate, faults.kinds = 1.0, (FaultKind.GARBLED,)  # the work is done, its answer garbled
        lost = await client.call_tool(IMPORT, {**arguments, "confirm": token})
    text = error_text(lost)
    assert "Outcome unknown" in text
    assert "look up crm-lost-1, crm-lost-2 with voucherify_get_customer" in text
    assert "no list of async actions" in text and "Do not send it again before checking" in text
    assert "try again" not in text.lower()
    assert queued_actions(server) == 1  # it was queued: exactly once, never retried
    assert audit_events(tmp_path / "audit.jsonl", IMPORT)[-2:] == ["intent", "outcome_unknown"]


async def test_many_failed_rows_stay_within_the_result_budget(server_factory: ServerFactory, clock: FixedClock) -> None:
    server = server_factory(max_result_tokens=300)
    store(server).clock = clock
    csv = "Id,Name\n" + "".join(f"cust_NoSuchCustomer{n:010d},Someone With A Long Name {n}\n" for n in range(60))
    async with Client(server) as client:
        preview = payload(await client.call_tool(IMPORT, {"csv": csv, "max_lookups": 2}))
        done = payload(await client.call_tool(IMPORT, {"csv": csv, "max_lookups": 2, "confirm": preview["confirm"]}))
        clock.advance(timedelta(seconds=2))
        finished = payload(await client.call_tool(GET, {"async_action_id": done["async_action_id"]}), GET)
    assert len(json.dumps(finished).encode()) <= (300 + 40) * 4
    assert finished["failed_count"] == 60 and finished["status"] == "DONE"
    assert len(finished.get("failures", [])) < 60
