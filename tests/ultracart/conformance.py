"""Check sandbox responses against the response schemas of the official OpenAPI subset.

Every response the sandbox test-suite receives passes through ``check_response`` (an ``httpx2``
event hook installed by the ``api`` fixture), so conformance is checked on real traffic, not on
hand-picked samples. ``CHECKED`` counts what was checked, and a final test asserts that every
operation was seen.

Formats are checked too: ``int32`` and the spec's own ``dateTime`` (an ISO-8601 date-time with its
UTC offset, as UltraCart renders them), so a value a client stored and the sandbox serves back in
another shape is caught here, not by the first SDK that parses it. What every provider's conformance shares is
``tests/support/openapi.py``'s.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from typing import Any

from tests.paths import ULTRACART_SPEC
from tests.support import openapi
from tests.support.openapi import is_date_time

SPEC_PATH = ULTRACART_SPEC
CHECKED: Counter[str] = Counter()


@cache
def spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_PATH.read_text(encoding="utf-8")))


def _segment(name: str) -> str:
    # An email may hold "/" (sent as %2F, it arrives decoded): it takes the rest of the path.
    return ".+" if name == "email" else openapi.PARAMETER


@cache
def _routes() -> list[openapi.Route]:
    # Literal segments before parameters (by_email, dataTables, query, … before {oid}).
    return openapi.routes(spec(), prefix="/rest/v2", segment=_segment)


def operation_for(method: str, path: str) -> dict[str, Any] | None:
    return openapi.operation_for(_routes(), method, path)


@cache
def _format_checker() -> Any:
    # The spec's ``format: dateTime``: ISO-8601 with seconds and a UTC offset (UltraCart's rendering).
    return openapi.format_checker({"dateTime": is_date_time})


@cache
def _validator(schema_ref: str) -> Any:
    return openapi.validator(spec(), {"$ref": "spec.json" + schema_ref}, _format_checker())


def check_response(method: str, path: str, status: int, body: bytes) -> None:
    """Raise AssertionError when the response does not conform to the operation's spec."""
    operation = operation_for(method, path)
    assert operation is not None, f"{method} {path} is not an operation of the spec"
    check_operation_response(operation, status, body)


def check_operation_response(operation: dict[str, Any], status: int, body: bytes) -> None:
    """Raise AssertionError when ``body`` with ``status`` is no answer ``operation`` (the spec's) declares."""
    name = operation["operationId"]
    declared = operation["responses"]
    if status == 204:
        assert body == b"", f"{name}: 204 with a body"
        assert "200" not in declared, f"{name}: 204 where the spec declares a 200 body"
        CHECKED[name] += 1
        return
    key = str(status) if str(status) in declared else None
    if key is None:
        # 404 is not declared; the Python SDK maps it to NotFoundException. Its body must still
        # be an ErrorResponse like every declared error.
        assert status == 404, f"{name}: undeclared status {status}"
        ref = "#/components/schemas/ErrorResponse"
    else:
        ref = declared[key]["content"]["application/json"]["schema"]["$ref"]
    payload = json.loads(body)
    errors = sorted(_validator(ref).iter_errors(payload), key=str)
    assert not errors, f"{name} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
    CHECKED[name] += 1
