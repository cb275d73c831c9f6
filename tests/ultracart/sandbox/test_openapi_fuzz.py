"""Property test over the OpenAPI subset: no input makes the sandbox answer 5xx or outside the spec.

schemathesis generates requests for all 24 operations from the official spec — valid ones and
invalid ones (wrong types, out-of-range numbers, odd strings) — and sends them to the in-process ASGI
app of each profile. Every answer must be below 500 and one the operation declares (status, body
schema, ``int32`` and ``dateTime`` formats: ``tests/conformance.py``); an error must carry a clean
``UC-REST-ERROR`` header. A write that succeeded must leave a profile every later read, and a merge
into it, still answers (a stored bad date once broke every merge that followed).

Deterministic and small for CI: a fixed seed (``derandomize``), ``FUZZ_EXAMPLES`` cases per operation
and profile. ``UC_MCP_FUZZ_EXAMPLES=400 pytest tests/ultracart/sandbox/test_openapi_fuzz.py`` runs a deeper
search (about 20,000 cases) locally. What every provider's fuzz shares is ``tests/support/fuzz.py``'s.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from starlette.testclient import TestClient  # noqa: E402

from tests.conftest import TEST_NOW  # noqa: E402
from tests.support import fuzz  # noqa: E402
from tests.ultracart.conformance import check_operation_response, spec  # noqa: E402
from uc_mcp.ultracart.sandbox.app import API_VERSION, BASE_PATH, DEFAULT_API_KEY  # noqa: E402
from uc_mcp.ultracart.sandbox.clock import FixedClock  # noqa: E402
from uc_mcp.ultracart.sandbox.filters import Profile  # noqa: E402
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions  # noqa: E402

FUZZ_EXAMPLES = fuzz.examples(20)
SPARES = itertools.count(1)  # numbers the throwaway customers merged into a written profile
CUSTOMERS = 40
FIRST_OID, FIRST_WISH = 100001, 700001
AUTH = {"X-UltraCart-Api-Version": API_VERSION, "x-ultracart-simple-key": DEFAULT_API_KEY}
BASE_URL = "http://testserver" + BASE_PATH
EVERY_EXPANSION = (
    "attachments,billing,cards,cc_emails,loyalty,orders_summary,pricing_tiers,privacy,properties,"
    "quotes_summary,reviewer,shipping,software_entitlements,tags,tax_codes"
)
# Customer fields whose graphs the sandbox neither takes nor serves (orders and quotes are full Order
# objects, ~60 schemas): left out of generation only, which they would slow tenfold. Answers are still
# checked against the whole spec.
UNSERVED = {"Customer": ("orders", "quotes", "activity", "edi"), "CustomerLoyalty": ("internal_gift_certificate",)}


def generation_spec() -> dict[str, Any]:
    document = copy.deepcopy(spec())
    for schema, fields in UNSERVED.items():
        for field in fields:
            document["components"]["schemas"][schema]["properties"].pop(field)
    document["servers"] = [{"url": BASE_PATH}]
    return document


OPERATIONS = fuzz.operations(generation_spec())


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[Profile, Sandbox]]:
    boxes = {
        profile: Sandbox(SandboxOptions(customers=CUSTOMERS, profile=profile, clock=FixedClock(TEST_NOW)))
        for profile in Profile
    }
    yield boxes
    for box in boxes.values():
        box.close()


def aim(case: Any) -> None:
    """Point three in four generated ids at records that exist, so writes reach stored data (random
    int32s would almost only find 404s). Deterministic: a function of the generated value."""
    path = case.path_parameters or {}
    for name, first, count in (
        ("customer_profile_oid", FIRST_OID, CUSTOMERS),
        ("customer_wishlist_item_oid", FIRST_WISH, CUSTOMERS),
    ):
        value = path.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value % 4:
            path[name] = first + value % count
    body = case.body
    if isinstance(body, dict):
        value = body.get("customer_profile_oid")
        if isinstance(value, int) and not isinstance(value, bool) and value % 4:
            body["customer_profile_oid"] = FIRST_OID + value % CUSTOMERS


def check_answer(operation: dict[str, Any], status: int, headers: Any, content: bytes, what: str) -> None:
    assert status < 500, f"{what}: {status} {content[:300]!r}"
    check_operation_response(operation, status, content)
    if status >= 400:
        header = headers.get("uc-rest-error") or headers.get("UC-REST-ERROR")
        if isinstance(header, list):
            [header] = header
        assert header, f"{what}: an error without UC-REST-ERROR"
        assert all(" " <= char <= "~" for char in header), f"{what}: header {header!r}"


def spec_operation(method: str, path: str) -> dict[str, Any]:
    return fuzz.spec_operation(spec(), method, path)


def check_profile_still_answers(client: TestClient, oid: int, what: str) -> None:
    """Every read of the profile, and a merge into it, still answers within the spec."""
    customer_path = "/customer/customers/{customer_profile_oid}"
    reads = [
        (customer_path, f"/customer/customers/{oid}", {"_expand": EVERY_EXPANSION}),
        (customer_path + "/store_credit", f"/customer/customers/{oid}/store_credit", None),
        (customer_path + "/wishlist", f"/customer/customers/{oid}/wishlist", None),
    ]
    customer = None
    for template, url, params in reads:
        response = client.get(url, params=params)
        check_answer(spec_operation("GET", template), response.status_code, response.headers, response.content, what)
        if template == customer_path and response.status_code == 200:
            customer = response.json()["customer"]
    if customer is None:
        return  # deleted (or merged away) by the case itself
    by_email = client.get("/customer/customers/by_email/" + _quoted(customer["email"]))
    assert by_email.status_code == 200, f"{what}: by_email {by_email.status_code}"
    check_answer(
        spec_operation("GET", "/customer/customers/by_email/{email}"), 200, by_email.headers, by_email.content, what
    )
    spare = client.post("/customer/customers", json={"email": f"spare.{next(SPARES)}@example.com"})
    assert spare.status_code == 200, f"{what}: {spare.text}"
    merged = client.put(
        f"/customer/customers/{oid}/merge",
        json={"customer_profile_oid": spare.json()["customer"]["customer_profile_oid"]},
    )
    check_answer(
        spec_operation("PUT", customer_path + "/merge"), merged.status_code, merged.headers, merged.content, what
    )
    assert merged.status_code == 204, f"{what}: merge {merged.status_code} {merged.text[:300]}"


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@pytest.mark.parametrize("profile", list(Profile))
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_request_gets_a_5xx_or_an_answer_outside_the_spec(
    sandboxes: dict[Profile, Sandbox], profile: Profile, operation: Any
) -> None:
    app = sandboxes[profile].app
    declared = spec_operation(operation.method, operation.path)

    with TestClient(app, base_url=BASE_URL, headers=AUTH) as client:

        def run(case: Any) -> None:
            aim(case)
            what = f"{profile} {operation.label} {case.path_parameters} {case.query} {str(case.body)[:200]}"
            response = case.call(base_url=BASE_URL, headers=AUTH, app=app)
            check_answer(declared, response.status_code, response.headers, response.content, what)
            oid = (case.path_parameters or {}).get("customer_profile_oid")
            if declared["operationId"] == "insertCustomer" and response.status_code == 200:
                oid = response.json()["customer"]["customer_profile_oid"]
            wrote = operation.method.upper() != "GET" and 200 <= response.status_code < 300
            if wrote and isinstance(oid, int):
                check_profile_still_answers(client, oid, what)

        fuzz.run_cases(operation, FUZZ_EXAMPLES, run)
