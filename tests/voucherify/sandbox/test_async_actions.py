"""The CSV import and both bulk updates: ``202 {async_action_id}``, then ``GET /v1/async-actions/{id}`` moving
ENQUEUED → IN_PROGRESS → DONE (or FAILED) on the sandbox clock, with the documented per-row results; the changes
land at the job's end whether or not anyone polls; the 10 MB limit answers the documented 413."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx2
import pytest

from uc_mcp.voucherify.sandbox.async_actions import QUEUED_MS, RUNNING_MS
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.sandbox.errors import MAX_BODY_BYTES

pytestmark = pytest.mark.anyio
JOB = timedelta(milliseconds=QUEUED_MS + RUNNING_MS)


async def action(api: httpx2.AsyncClient, action_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/async-actions/{action_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def queue(api: httpx2.AsyncClient, path: str, **request: Any) -> str:
    response = await api.post(path, **request)
    assert response.status_code == 202, response.text
    action_id = response.json()["async_action_id"]
    assert response.json() == {"async_action_id": action_id} and action_id.startswith("aa_")
    return str(action_id)


async def import_csv(api: httpx2.AsyncClient, text: bytes) -> str:
    return await queue(api, "/v1/customers/importCSV", files={"file": ("customers.csv", text, "text/csv")})


async def test_a_job_moves_on_the_clock_and_its_changes_land_at_the_end(
    voucherify_api: httpx2.AsyncClient, voucherify_clock: FixedClock
) -> None:
    action_id = await queue(
        voucherify_api,
        "/v1/customers/bulk/async",
        json=[{"source_id": "uc-100001", "name": "Jane B. Doe"}, {"source_id": "bulk-new", "email": "n@example.com"}],
    )
    queued = await action(voucherify_api, action_id)
    assert {k: queued[k] for k in ("type", "status", "operation_status", "progress", "result", "object")} == {
        "type": "CUSTOMERS.BULK_UPDATE",
        "status": "ENQUEUED",
        "operation_status": "UNKNOWN",
        "progress": 0,
        "result": None,
        "object": "async_action",
    }
    assert (await voucherify_api.get("/v1/customers/uc-100001")).json()["name"] == "Jane Doe"  # nothing yet
    voucherify_clock.advance(timedelta(milliseconds=QUEUED_MS + RUNNING_MS // 2))
    running = await action(voucherify_api, action_id)
    assert (running["status"], running["progress"]) == ("IN_PROGRESS", 50)
    assert (await voucherify_api.get("/v1/customers/bulk-new")).status_code == 404
    voucherify_clock.advance(timedelta(milliseconds=RUNNING_MS // 2))
    # No poll: reading the customer is enough for the job to have landed.
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    assert jane["name"] == "Jane B. Doe" and jane["updated_at"] == "2026-11-01T13:00:01.000Z"
    assert (await voucherify_api.get("/v1/customers/bulk-new")).json()["email"] == "n@example.com"
    done = await action(voucherify_api, action_id)
    assert (done["status"], done["operation_status"], done["progress"], done["processing_time"]) == (
        "DONE",
        "SUCCESS",
        100,
        RUNNING_MS,
    )
    result = done["result"]
    assert (result["done_count"], result["failed_count"], result["errors"]) == (2, 0, [])
    [report_url] = result["reports"]
    report = await voucherify_api.get(report_url.removeprefix(str(voucherify_api.base_url).rstrip("/")))
    assert report.text.splitlines() == ["source_id,found,updated", "uc-100001,true,true", "bulk-new,false,true"]


async def test_jobs_run_one_at_a_time_first_in_first_out(
    voucherify_api: httpx2.AsyncClient, voucherify_clock: FixedClock
) -> None:
    first = await queue(voucherify_api, "/v1/customers/bulk/async", json=[{"source_id": "fifo", "name": "First"}])
    second = await queue(voucherify_api, "/v1/customers/bulk/async", json=[{"source_id": "fifo", "name": "Second"}])
    voucherify_clock.advance(timedelta(milliseconds=QUEUED_MS + 100))
    assert (await action(voucherify_api, first))["status"] == "IN_PROGRESS"
    assert (await action(voucherify_api, second))["status"] == "ENQUEUED"  # waits for the first to end
    voucherify_clock.advance(JOB - timedelta(milliseconds=QUEUED_MS + 100))
    assert (await action(voucherify_api, first))["status"] == "DONE"
    starting = await action(voucherify_api, second)
    assert (starting["status"], starting["progress"]) == ("IN_PROGRESS", 0)
    assert (await voucherify_api.get("/v1/customers/fifo")).json()["name"] == "First"
    voucherify_clock.advance(timedelta(milliseconds=RUNNING_MS))
    assert (await action(voucherify_api, second))["status"] == "DONE"
    assert (await voucherify_api.get("/v1/customers/fifo")).json()["name"] == "Second"


async def test_metadata_bulk_update_merges_and_upserts(
    voucherify_api: httpx2.AsyncClient, voucherify_clock: FixedClock
) -> None:
    action_id = await queue(
        voucherify_api,
        "/v1/customers/metadata/async",
        json={"source_ids": ["uc-100001", "meta-new"], "metadata": {"tier": "gold", "lang": "fr"}},
    )
    voucherify_clock.advance(JOB)
    done = await action(voucherify_api, action_id)
    assert (done["type"], done["status"], done["result"]["done_count"]) == ("CUSTOMERS.METADATA_UPDATE", "DONE", 2)
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    assert jane["metadata"] == {
        "lang": "fr",
        "favourite_roast": "whole bean",
        "newsletter": True,
        "ultracart_oid": 100001,
        "tier": "gold",
    }
    assert (await voucherify_api.get("/v1/customers/meta-new")).json()["metadata"] == {"tier": "gold", "lang": "fr"}


async def test_csv_import_maps_columns_and_reports_each_failed_row(
    voucherify_api: httpx2.AsyncClient, voucherify_clock: FixedClock
) -> None:
    jane = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    text = (
        "Name,EMAIL,Source_id,Address_City,Address_Country,Birthdate,Favourite_Roast,Id\n"
        "Csv One,one@example.com,csv-1,Austin,US,1990-01-31,dark,\n"
        ",,uc-100001,Round Rock,,,light,\n"
        "Bad Date,bad@example.com,csv-bad,,,1990-02-30,,\n"
        "Ghost,,,,,,,cust_nobody\n"
        "Too,Many,Cells,a,b,c,d,e,f\n"
        "\n"
        f"Jane By Id,,,,,,,{jane['id']}\n"
    ).encode()
    action_id = await import_csv(voucherify_api, text)
    voucherify_clock.advance(JOB)
    done = await action(voucherify_api, action_id)
    assert (done["type"], done["status"], done["operation_status"]) == ("CUSTOMERS.IMPORT_CSV", "DONE", "FAILED")
    result = done["result"]
    assert result["message"] == "3 customer(s) imported successfully, 3 failed."
    assert (result["done_count"], result["failed_count"]) == (3, 3)
    assert [(row["row"], row["source_id"]) for row in result["failed"]] == [(4, "csv-bad"), (5, None), (6, "Cells")]
    assert [row["reason"] for row in result["failed"]] == [
        "Invalid Birthdate: expected a date as YYYY-MM-DD.",
        "No customer has the id in the Id column.",
        "The row has more cells than the header has columns.",
    ]
    one = (await voucherify_api.get("/v1/customers/csv-1")).json()
    assert (one["name"], one["email"], one["birthdate"], one["address"]) == (
        "Csv One",
        "one@example.com",
        "1990-01-31",
        {"city": "Austin", "country": "US"},
    )
    assert one["metadata"] == {"Favourite_Roast": "dark"}  # an unknown column is a metadata key
    updated = (await voucherify_api.get("/v1/customers/uc-100001")).json()
    assert updated["name"] == "Jane By Id"  # the last row, by id
    assert updated["email"] == "jane@example.com"  # empty cells change nothing
    assert updated["address"]["city"] == "Round Rock" and updated["address"]["line_1"] == "2207 Pecan Hollow Dr"
    assert updated["metadata"]["Favourite_Roast"] == "light" and updated["metadata"]["lang"] == "en"
    assert (await voucherify_api.get("/v1/customers/csv-bad")).status_code == 404


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe\x00N\x00a", "The file is not UTF-8 text."),
        (b"", "The file has no header row."),
        (b"\n\n", "The file has no header row."),
    ],
)
async def test_an_unreadable_file_fails_the_job(
    voucherify_api: httpx2.AsyncClient, voucherify_clock: FixedClock, content: bytes, reason: str
) -> None:
    action_id = await import_csv(voucherify_api, content)
    voucherify_clock.advance(JOB)
    failed = await action(voucherify_api, action_id)
    assert (failed["status"], failed["operation_status"], failed["progress"]) == ("FAILED", "FAILED", 100)
    assert failed["result"]["failed"] == [{"source_id": None, "row": 1, "reason": reason}]


async def test_the_csv_upload_must_be_a_multipart_file_part(voucherify_api: httpx2.AsyncClient) -> None:
    missing = await voucherify_api.post("/v1/customers/importCSV", files={"other": ("c.csv", b"Name\nA\n")})
    assert missing.status_code == 400 and missing.json()["key"] == "missing_param"
    assert missing.json()["details"].startswith("file:")
    plain = await voucherify_api.post(
        "/v1/customers/importCSV", content=b"Name\nA\n", headers={"content-type": "text/csv"}
    )
    assert plain.status_code == 400 and plain.json()["details"].startswith("file:")


@pytest.mark.parametrize(
    ("path", "body", "start"),
    [
        ("/v1/customers/bulk/async", {"source_id": "x"}, "body:"),
        ("/v1/customers/bulk/async", [], "body:"),
        ("/v1/customers/bulk/async", [{"name": "no source id"}], "[0].source_id:"),
        ("/v1/customers/bulk/async", [{"source_id": "a"}, {"source_id": "b", "phone": 5}], "[1].phone:"),
        ("/v1/customers/metadata/async", {"metadata": {"a": 1}}, "source_ids:"),
        ("/v1/customers/metadata/async", {"source_ids": ["a"]}, "metadata:"),
        ("/v1/customers/metadata/async", {"source_ids": ["a", 3], "metadata": {}}, "source_ids[1]"),
    ],
)
async def test_a_bad_bulk_body_is_refused_at_once(
    voucherify_api: httpx2.AsyncClient, path: str, body: Any, start: str
) -> None:
    response = await voucherify_api.post(path, json=body)
    assert response.status_code == 400 and response.json()["key"] == "invalid_payload"
    assert response.json()["details"].startswith(start)


@pytest.mark.parametrize(
    "path", ["/v1/customers/bulk/async", "/v1/customers/metadata/async", "/v1/customers/importCSV"]
)
async def test_a_body_over_10_mb_is_the_documented_413(voucherify_api: httpx2.AsyncClient, path: str) -> None:
    big = b'[{"source_id": "' + b"x" * MAX_BODY_BYTES + b'"}]'
    response = await voucherify_api.post(path, content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {
        "statusCode": 413,
        "error": "Request Entity Too Large",
        "message": "Payload content length greater than maximum allowed: 10485760",
    }


async def test_a_body_just_under_the_limit_is_taken(voucherify_api: httpx2.AsyncClient) -> None:
    padding = MAX_BODY_BYTES - 200
    body = b'[{"source_id": "big", "description": "' + b"x" * 9000 + b'", "metadata": {"p": "' + b"y" * 9000 + b'"}}]'
    body += b" " * (padding - len(body))
    response = await voucherify_api.post("/v1/customers/bulk/async", content=body)
    assert response.status_code == 202


async def test_an_unknown_async_action_is_a_404(voucherify_api: httpx2.AsyncClient) -> None:
    response = await voucherify_api.get("/v1/async-actions/aa_nothing")
    assert response.status_code == 404
    assert (response.json()["key"], response.json()["resource_type"]) == ("not_found", "async_action")
