"""Check Voucherify sandbox responses against the response schemas of the official OpenAPI subset
(``tests/spec/voucherify-customers-openapi.json``, a copy of the reference's).

Every response the ``voucherify_api`` fixture receives passes through ``check_response``, so conformance is
checked on real traffic. ``CHECKED`` counts the operations seen.

What is checked beyond the declared responses, and the two relaxations, each for a reason:

* Statuses a spec operation does not declare but every Voucherify operation may answer (reference §6: 400, 401,
  404, 405, 413, 429) must carry the ``Error`` envelope (or, for 413, the ``BadRequest`` shape; for 429 the
  ``{code, message}`` body).
* ``format: date-time`` and ``format: date`` are checked strictly (Voucherify's rendering: ISO 8601 with an offset
  or ``Z``; ``YYYY-MM-DD``).
* ``CustomerActivityData`` is a ``oneOf`` of ~67 event schemas of which many have no required field and identical
  properties (``EventCustomerCreated`` and ``EventCustomerUpdated`` are the same schema): no value can match
  exactly one, so the spec's ``oneOf`` is unsatisfiable as written. It is checked as ``anyOf`` here, and each
  activity's ``data.data`` is also checked against the one schema its ``type`` names (``event_schema_for``).
* The async-action lookup is outside the subset: its answer is checked against ``ASYNC_ACTION``, written from
  the reference's §8 and the SDK's ``AsyncActionGetResponseBody``.

What every provider's conformance shares is ``tests/support/openapi.py``'s.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from tests.support import openapi
from tests.support.openapi import is_date_time

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "voucherify-customers-openapi.json"
CHECKED: Counter[str] = Counter()
GENERIC_ERRORS = {400, 401, 404, 405, 413, 429}

ASYNC_ACTION: dict[str, Any] = {
    "type": "object",
    "required": ["id", "type", "status", "operation_status", "created_at", "request_id", "progress", "object"],
    "properties": {
        "id": {"type": "string", "pattern": "^aa_"},
        "type": {
            "type": "string",
            "enum": ["CUSTOMERS.IMPORT_CSV", "CUSTOMERS.BULK_UPDATE", "CUSTOMERS.METADATA_UPDATE"],
        },
        "status": {"type": "string", "enum": ["ENQUEUED", "IN_PROGRESS", "DONE", "FAILED"]},
        "operation_status": {"type": "string", "enum": ["SUCCESS", "FAILED", "UNKNOWN"]},
        "result": {"type": "object", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "request_id": {"type": "string"},
        "processing_time": {"type": "integer", "minimum": 0},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "object": {"type": "string", "enum": ["async_action"]},
    },
}


@cache
def spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_PATH.read_text(encoding="utf-8")))


@cache
def _checked_spec() -> dict[str, Any]:
    document = copy.deepcopy(spec())
    schemas = document["components"]["schemas"]
    data = schemas["CustomerActivityData"]
    data["anyOf"] = data.pop("oneOf")
    schemas["AsyncActionLookup"] = ASYNC_ACTION
    return document


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None and bool(date.fromisoformat(value))
    except ValueError:
        return False


@cache
def _format_checker() -> Any:
    return openapi.format_checker({"date-time": is_date_time, "date": is_date})


@cache
def validator(schema_ref: str) -> Any:
    return openapi.validator(_checked_spec(), {"$ref": "spec.json" + schema_ref}, _format_checker())


def validate(schema_ref: str, payload: Any, what: str) -> None:
    errors = sorted(validator(schema_ref).iter_errors(payload), key=str)
    assert not errors, f"{what}: {errors[0].message[:300]} at {list(errors[0].absolute_path)}"


@cache
def _routes() -> list[openapi.Route]:
    return openapi.routes(spec())  # literal segments first (importCSV, bulk)


def operation_for(method: str, path: str) -> dict[str, Any] | None:
    return openapi.operation_for(_routes(), method, path)


ASYNC_PATH = re.compile(r"^/v1/async-actions/[^/]+$")
REPORT_PATH = re.compile(r"^/v1/async-actions/[^/]+/reports/1\.csv$")


def check_response(method: str, path: str, status: int, body: bytes) -> None:
    """Raise AssertionError when the response is no answer the operation declares (or may give)."""
    if method == "GET" and ASYNC_PATH.match(path):
        if status == 200:
            validate("#/components/schemas/AsyncActionLookup", json.loads(body), "get-async-action")
        else:
            validate("#/components/schemas/Error", json.loads(body), f"get-async-action {status}")
        CHECKED["get-async-action"] += 1
        return
    if method == "GET" and REPORT_PATH.match(path):  # a bulk job's CSV report: outside the subset, not JSON
        if status != 200:
            validate("#/components/schemas/Error", json.loads(body), f"async-action report {status}")
        return
    operation = operation_for(method, path)
    assert operation is not None, f"{method} {path} is not an operation of the spec"
    check_operation_response(operation, status, body)


def check_operation_response(operation: dict[str, Any], status: int, body: bytes) -> None:
    name = operation["operationId"]
    declared = operation["responses"]
    if status == 204:
        assert body == b"", f"{name}: 204 with a body"
        assert "204" in declared, f"{name}: 204 undeclared"
        CHECKED[name] += 1
        return
    payload = json.loads(body)
    content = declared.get(str(status), {}).get("content", {}).get("application/json")
    if content is not None:
        validate_inline(content["schema"], payload, f"{name} {status}")
    else:
        assert status in GENERIC_ERRORS, f"{name}: undeclared status {status}"
        ref = {413: "#/components/schemas/BadRequest"}.get(status, "#/components/schemas/Error")
        validate(ref, payload, f"{name} {status}")
        if status != 429:
            assert payload.get("code") == status or payload.get("statusCode") == status, f"{name}: code != status"
    if name == "list-customer-activity" and status == 200:
        for activity in payload["data"]:
            check_event_data(activity)
    CHECKED[name] += 1


def validate_inline(schema: dict[str, Any], payload: Any, what: str) -> None:
    if "$ref" in schema:
        validate(schema["$ref"], payload, what)
        return
    # An inline schema (the bulk 429, the bulk request array): resolve its refs against the spec.
    text = json.dumps(schema).replace('"#/components', '"spec.json#/components')
    checker = openapi.validator(_checked_spec(), json.loads(text), _format_checker())
    errors = sorted(checker.iter_errors(payload), key=str)
    assert not errors, f"{what}: {errors[0].message[:300]} at {list(errors[0].absolute_path)}"


@cache
def _event_schemas() -> dict[str, str]:
    """Event name -> the schema the spec gives its data (its description says "... for `customer.x`")."""
    found: dict[str, str] = {}
    schemas = spec()["components"]["schemas"]
    for ref in schemas["CustomerActivityData"]["oneOf"]:
        name = ref["$ref"].rsplit("/", 1)[1]
        match = re.search(r"`(customer\.[a-z_.]+)`", schemas[name].get("description", ""))
        if match:
            found[match.group(1)] = name
    return found


def event_schema_for(event_type: str) -> str | None:
    return _event_schemas().get(event_type)


def check_event_data(activity: dict[str, Any]) -> None:
    schema = event_schema_for(activity["type"])
    assert schema is not None, f"no event schema names {activity['type']}"
    validate(f"#/components/schemas/{schema}", activity["data"]["data"], f"activity {activity['type']}")
