"""The conformance checker itself: it refuses what the spec refuses (so a passing walk means something), and the
spec's own examples pass it (the redeemables example excepted: its nulls are upstream's, reference §9)."""

from __future__ import annotations

import json

import pytest

from tests.voucherify.sandbox.conformance import check_response, spec
from uc_mcp.voucherify.sandbox.catalog import EVENT_TYPES


def customer() -> dict[str, object]:
    example = spec()["paths"]["/v1/customers/{customerId}"]["get"]["responses"]["200"]["content"]["application/json"]
    return dict(example["examples"]["Example"]["value"])


def test_a_good_customer_passes() -> None:
    check_response("GET", "/v1/customers/cust_1", 200, json.dumps(customer()).encode())


@pytest.mark.parametrize(
    "broken",
    [
        {"object": "person"},
        {"created_at": "2022-02-07 08:28:23"},
        {"summary": {"orders": {}}},
        {"email": None},
        {"birthdate": "1990-02-30"},
    ],
)
def test_a_broken_customer_fails(broken: dict[str, object]) -> None:
    with pytest.raises(AssertionError):
        check_response("GET", "/v1/customers/cust_1", 200, json.dumps({**customer(), **broken}).encode())


def test_errors_must_use_the_envelope() -> None:
    check_response("GET", "/v1/customers/x", 404, b'{"code":404,"message":"Resource not found","key":"not_found"}')
    with pytest.raises(AssertionError):
        check_response("GET", "/v1/customers/x", 404, b'{"error":"nope"}')
    with pytest.raises(AssertionError):
        check_response("GET", "/v1/customers", 500, b'{"code":500,"message":"x"}')  # never a 5xx


def test_the_event_names_are_the_specs() -> None:
    enum = spec()["components"]["schemas"]["CustomerActivity"]["properties"]["type"]["enum"]
    assert tuple(enum) == EVENT_TYPES
