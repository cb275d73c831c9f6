"""Property test over the OpenAPI subset: no input makes the Voucherify sandbox answer 5xx or outside the spec.

schemathesis generates requests for all 12 operations from the official spec — valid ones and invalid ones
(wrong types, out-of-range numbers, odd strings, broken bodies) — and sends them to the in-process ASGI app. Every
answer must be below 500 and one the operation declares or may give (``conformance.py``). After a write that
succeeded, the customer it touched must still answer every read within the spec.

Deterministic and small for CI: a fixed seed (``derandomize``) and ``FUZZ_EXAMPLES`` cases per operation.
``UC_MCP_FUZZ_EXAMPLES=300 pytest tests/voucherify/sandbox/test_openapi_fuzz.py`` runs a deeper search locally.
What every provider's fuzz shares is ``tests/support/fuzz.py``'s.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

schemathesis = pytest.importorskip("schemathesis")

from starlette.testclient import TestClient  # noqa: E402

from tests.support import fuzz  # noqa: E402
from tests.voucherify.conftest import VOUCHERIFY_NOW  # noqa: E402
from tests.voucherify.sandbox.conformance import check_operation_response, check_response, spec  # noqa: E402
from uc_mcp.voucherify.sandbox.clock import FixedClock  # noqa: E402
from uc_mcp.voucherify.sandbox.runtime import DEFAULT_APP_ID, DEFAULT_APP_TOKEN, Sandbox, SandboxOptions  # noqa: E402

FUZZ_EXAMPLES = fuzz.examples(12)
CUSTOMERS = 30
AUTH = {"X-App-Id": DEFAULT_APP_ID, "X-App-Token": DEFAULT_APP_TOKEN}
BASE_URL = "http://testserver"
KNOWN = ("uc-100001", "uc-100004", "shop-priya-raman", "uc-100005", "pos-000731", "shop-000001")


def generation_spec() -> dict[str, Any]:
    document = copy.deepcopy(spec())
    document["servers"] = [{"url": "/"}]
    return document


OPERATIONS = fuzz.operations(generation_spec())


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(SandboxOptions(customers=CUSTOMERS, clock=FixedClock(VOUCHERIFY_NOW)))
    yield box
    box.close()


def aim(case: Any) -> None:
    """Point three in four generated customer ids at customers that exist, so reads and writes reach stored data
    (random strings would almost only find 404s). Deterministic: a function of the generated value."""
    path = case.path_parameters or {}
    value = path.get("customerId")
    if isinstance(value, str) and len(value) % 4:
        path["customerId"] = KNOWN[len(value) % len(KNOWN)]


def spec_operation(method: str, path: str) -> dict[str, Any]:
    return fuzz.spec_operation(spec(), method, path)


def check_customer_still_answers(client: TestClient, identifier: str, what: str) -> None:
    path = "/v1/customers/" + quote(identifier, safe="")  # as a client sends it: a "/" in the id is %2F
    for suffix in ("", "/activity?limit=100", "/segments", "/redeemables?limit=100"):
        response = client.get(path + suffix)
        assert response.status_code in (200, 404), f"{what}: {suffix} {response.status_code}"
        check_response("GET", path + suffix.split("?")[0], response.status_code, response.content)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_request_gets_a_5xx_or_an_answer_outside_the_spec(sandbox: Sandbox, operation: Any) -> None:
    app = sandbox.app
    declared = spec_operation(operation.method, operation.path)

    with TestClient(app, base_url=BASE_URL, headers=AUTH) as client:

        def run(case: Any) -> None:
            aim(case)
            what = f"{operation.label} {case.path_parameters} {case.query} {str(case.body)[:200]}"
            response = case.call(base_url=BASE_URL, headers=AUTH, app=app)
            assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
            check_operation_response(declared, response.status_code, response.content)
            identifier = (case.path_parameters or {}).get("customerId")
            if declared["operationId"] == "create-customer" and response.status_code == 200:
                identifier = response.json()["id"]
            wrote = operation.method.upper() != "GET" and 200 <= response.status_code < 300
            if wrote and isinstance(identifier, str):
                check_customer_still_answers(client, identifier, what)

        fuzz.run_cases(operation, FUZZ_EXAMPLES, run)
