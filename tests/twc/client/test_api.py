"""``TwcApi`` against the in-process TWC sandbox, through the shared client: all 13 endpoints (with the docs' own
request bodies), the token (fetched once, renewed before expiry, once on a 401, once for many waiting requests),
``X-TWC-Tenant`` on every call, path segments that hold any character, the error envelope, and retries that never
apply a write twice.

``Scripted`` sits between the client and the sandbox and answers some attempts itself: before the sandbox sees the
request (not applied) or after it (the work done, the answer lost), so each retry rule is checked against what
really happened to the data.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx2
import pytest

from tests.twc.conftest import TWC_TENANT, twc_sample
from uc_mcp.core.auth import ClientCredentialsAuth
from uc_mcp.core.errors import AuthenticationFailed, BadRequest, NotFound, NotTheApi, OutcomeUnknown, Unauthorized
from uc_mcp.core.ratelimit import RateLimiter
from uc_mcp.core.sandbox.faults import FaultConfig
from uc_mcp.twc import models as m
from uc_mcp.twc.api import TwcApi, segment
from uc_mcp.twc.client import sandbox_api
from uc_mcp.twc.envelope import TwcEnvelope
from uc_mcp.twc.sandbox.clock import FixedClock
from uc_mcp.twc.sandbox.runtime import DEMO_TENANTS, Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio

JANE_EMAIL = "jane@example.com"
JANE_REF = "100001"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


class Scripted(httpx2.AsyncBaseTransport):
    """Answers the next attempts from ``script`` (a status, ``"after:<status>"`` to let the sandbox do the work
    first, ``"connect"`` for a connection never made, ``"page404"`` for a gateway's bare 404), then passes every
    request through; records the requests that reached the sandbox."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, script: list[str] | None = None) -> None:
        self.inner = inner
        self.script = list(script or [])
        self.reached: list[httpx2.Request] = []
        self.seen: list[httpx2.Request] = []
        self.bearers: list[str | None] = []  # as each attempt was sent (a retried request is one object)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.seen.append(request)
        self.bearers.append(request.headers.get("Authorization"))
        step = self.script.pop(0) if self.script else None
        if step == "connect":
            raise httpx2.ConnectError("refused", request=request)
        if step == "page404":
            return httpx2.Response(404, content=b"<html>Not Found</html>", headers={"Content-Type": "text/html"})
        if step is not None and not step.startswith("after:"):
            return _problem(int(step))
        self.reached.append(request)
        response = await self.inner.handle_async_request(request)
        if step is not None:
            await response.aread()
            return _problem(int(step.removeprefix("after:")))
        return response


def _problem(status: int) -> httpx2.Response:
    body = {"title": "Scripted", "status": status, "detail": f"scripted {status}", "message": f"error.http.{status}"}
    headers = {"Content-Type": "application/problem+json", **({"Retry-After": "2"} if status == 429 else {})}
    return httpx2.Response(status, content=json.dumps(body).encode(), headers=headers)


@pytest.fixture
def slept() -> list[float]:
    return []


def quiet(api: TwcApi, slept: list[float]) -> TwcApi:
    """Backoff recorded, not waited; the limiter's own slowing down after a 429 not in a test's time."""

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def pace(seconds: float) -> None:
        pass

    api.http.options.rng.seed(0)
    api.http.options.sleep = sleep
    api.http.options.limiter = RateLimiter(sleep=pace)
    return api


def auth_of(api: TwcApi) -> ClientCredentialsAuth:
    auth = api.http.options.auth
    assert isinstance(auth, ClientCredentialsAuth)
    return auth


@pytest.fixture
def scripted(twc_sandbox: Sandbox) -> Scripted:
    return Scripted(twc_sandbox.transport())


@pytest.fixture
async def api(twc_sandbox: Sandbox, scripted: Scripted, slept: list[float]) -> AsyncIterator[TwcApi]:
    client = quiet(sandbox_api(twc_sandbox), slept)
    client.http._client._transport = scripted  # the scripted layer in front of the sandbox's own transport
    yield client
    await client.aclose()


async def jane_id(api: TwcApi) -> str:
    (jane,) = await api.search_customers(email=JANE_EMAIL)
    assert jane.id
    return jane.id


# -- the 13 endpoints ---------------------------------------------------------------------------------------------


async def test_create_get_update_and_delete_round_trip(api: TwcApi) -> None:
    created = await api.create_customer(
        m.CustomerWrite(
            email="ann@example.net",
            customerRef="LOY-1",
            firstName="Ann",
            mobile="0412 345 678",
            dob="25-10-1985",
            optin_preferences=m.OptinWrite(sms=m.OptinChoice(opt_in_active=True)),
        )
    )
    assert created.id and created.customerRef == "LOY-1" and created.dob == "25-10-1985"
    assert created.optin_preferences and created.optin_preferences.sms and created.optin_preferences.sms.opt_in_active
    assert (await api.get_customer(created.id)).email == "ann@example.net"
    assert (await api.get_customer_by_ref("LOY-1")).id == created.id
    by_id = await api.update_customer_by_id(created.id, m.CustomerWrite(lastName="Lee"))
    by_ref = await api.update_customer_by_ref("LOY-1", m.CustomerWrite(phone="02 9999 0000"))
    in_body = await api.update_customer(m.CustomerMatch(email="ann@example.net", customer_state="invited"))
    assert (in_body.firstName, in_body.lastName, in_body.phone, in_body.customer_state) == (
        "Ann",
        "Lee",
        "02 9999 0000",
        "invited",
    )  # partial updates: what each did not name stayed
    assert by_id.id == by_ref.id == in_body.id == created.id
    await api.delete_customer_by_ref("LOY-1")
    with pytest.raises(NotFound):
        await api.get_customer(created.id)
    assert await api.search_customers(email="ann@example.net") == []


async def test_addresses_are_added_and_deleted_answering_the_whole_customer(api: TwcApi) -> None:
    customer_id = await jane_id(api)
    added = await api.add_customer_address(customer_id, m.AddressWrite(address1="1 Wish St", city="Sydney"))
    assert added.addresses and added.addresses[-1].city == "Sydney" and added.addresses[-1].customerId == customer_id
    new_id = added.addresses[-1].id
    assert new_id
    left = await api.delete_customer_address(customer_id, new_id)
    assert left.addresses is not None and new_id not in [address.id for address in left.addresses]
    with pytest.raises(NotFound):
        await api.delete_customer_address(customer_id, new_id)


async def test_search_matches_every_criterion_and_needs_one(api: TwcApi) -> None:
    smiths = await api.search_customers(lastName="Smith")
    assert len(smiths) > 2 and {c.lastName for c in smiths} == {"Smith"}
    assert [c.firstName for c in await api.search_customers(lastName="Smith", firstName="John")] == ["John"]
    page = await api.search_page(lastName="Smith")
    assert (page.more, page.total, len(page.items)) == (False, len(smiths), len(smiths))
    with pytest.raises(ValueError, match="give at least one of email, firstName"):
        await api.search_records()
    with pytest.raises(ValueError, match="give at least one"):
        await api.search_records(email="  ")


async def test_validate_and_upload_change_nothing_or_import(api: TwcApi) -> None:
    await api.validate_customer_request(m.CustomerWrite(email="check@example.net"))
    with pytest.raises(BadRequest) as caught:
        await api.validate_customer_request(m.CustomerWrite(firstName="No Email"))
    assert "email" in caught.value.detail
    assert await api.search_customers(email="check@example.net") == []
    await api.upload_customers([m.CustomerWrite(email="up1@example.net"), {"email": "up2@example.net"}])
    assert len(await api.search_customers(email="up2@example.net")) == 1


async def test_the_docs_own_request_bodies_go_through_every_endpoint(api: TwcApi) -> None:
    """The docs' samples as JSON bodies (tests/twc/samples/), sent as they are through the client."""
    created = await api.create_customer(twc_sample("v2024-create"))
    assert created.id and created.customerRef == "CUST11959"
    await api.validate_customer_request(twc_sample("v2024-validate"))
    await api.upload_customers(twc_sample("v2024-upload"))
    by_ref = await api.update_customer_by_ref("CUST11959", twc_sample("v2024-update-by-ref"))
    by_id = await api.update_customer_by_id(created.id, twc_sample("v2024-update"))
    assert by_ref.id == by_id.id == created.id
    with_address = await api.add_customer_address(created.id, twc_sample("v2024-add-address"))
    assert with_address.addresses and len(with_address.addresses) == 2
    seed = await api.create_customer(twc_sample("seed-create"))  # swagger example values: server fields ignored
    assert seed.id and seed.id != "string"
    matched = await api.update_customer(twc_sample("seed-update"))  # matched by the body's customerRef
    assert matched.id == seed.id


@pytest.mark.parametrize("ref", ["A/B", "why?", "hash#tag", "100%", "two words", "a.b", "..", "ÅÄÖ-1", "x+y@z"])
async def test_a_ref_holding_any_character_is_one_path_segment(api: TwcApi, ref: str) -> None:
    created = await api.create_customer(m.CustomerWrite(email=f"seg{abs(hash(ref))}@example.net", customerRef=ref))
    assert (await api.get_customer_by_ref(ref)).id == created.id
    assert (await api.update_customer_by_ref(ref, m.CustomerWrite(firstName="Seg"))).firstName == "Seg"
    await api.delete_customer_by_ref(ref)
    with pytest.raises(NotFound):
        await api.get_customer(str(created.id))


def test_segments_keep_the_update_routes_prefix_literal() -> None:
    assert segment("A/B?C#D%E F") == "A%2FB%3FC%23D%25E%20F"
    assert segment("..") == "%2E%2E" and segment("jane@example.com") == "jane@example.com"
    with pytest.raises(ValueError, match="customerRef: must not be empty"):
        segment("", "customerRef")


# -- the token and the tenant header ------------------------------------------------------------------------------


async def test_every_call_carries_the_bearer_token_and_the_tenant(api: TwcApi, scripted: Scripted) -> None:
    await api.get_customer_by_ref(JANE_REF)
    await api.search_customers(email=JANE_EMAIL)
    for request in scripted.reached:
        assert request.headers["X-TWC-Tenant"] == TWC_TENANT
        assert request.headers["Authorization"].startswith("Bearer ey")
    assert auth_of(api).token_requests == 1  # cached


async def test_the_token_request_is_the_documented_form(twc_sandbox: Sandbox, slept: list[float]) -> None:
    token_calls = Scripted(twc_sandbox.transport())
    api = quiet(sandbox_api(twc_sandbox), slept)
    auth_of(api)._transport = token_calls  # the auth's own client goes through the recorder
    try:
        await api.get_customer_by_ref(JANE_REF)
    finally:
        await api.aclose()
    (request,) = token_calls.reached
    assert request.url.path == f"/auth/realms/{TWC_TENANT}/protocol/openid-connect/token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
    client_id, secret = DEMO_TENANTS[TWC_TENANT]
    assert form == {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


async def test_a_token_past_its_lifetime_is_renewed_before_the_service_refuses_it(
    api: TwcApi, scripted: Scripted, twc_clock: FixedClock
) -> None:
    await api.get_customer_by_ref(JANE_REF)
    twc_clock.advance(timedelta(hours=6))
    await api.get_customer_by_ref(JANE_REF)
    assert auth_of(api).token_requests == 2 and len(scripted.reached) == 2  # no 401 on the way


async def test_a_401_renews_the_token_once_then_succeeds(
    twc_sandbox: Sandbox, twc_clock: FixedClock, slept: list[float]
) -> None:
    api = quiet(sandbox_api(twc_sandbox, clock=lambda: 0.0), slept)  # a client clock that never moves
    scripted = Scripted(twc_sandbox.transport())
    api.http._client._transport = scripted
    try:
        await api.get_customer_by_ref(JANE_REF)
        twc_clock.advance(timedelta(hours=6))  # expired at the sandbox; the client cannot tell
        assert (await api.get_customer_by_ref(JANE_REF)).customerRef == JANE_REF
    finally:
        await api.aclose()
    assert auth_of(api).token_requests == 2
    assert len(scripted.reached) == 3  # the refused attempt, then the same request with the new token
    assert scripted.bearers[1] != scripted.bearers[2]


async def test_a_second_401_stands_after_the_one_renewal(api: TwcApi, scripted: Scripted) -> None:
    scripted.script = ["401", "401"]
    with pytest.raises(Unauthorized) as caught:
        await api.get_customer_by_ref(JANE_REF)
    assert caught.value.status == 401 and auth_of(api).token_requests == 2 and len(scripted.seen) == 2


async def test_many_requests_waiting_for_a_token_share_one_renewal(twc_clock: FixedClock, slept: list[float]) -> None:
    # Every answer takes a few milliseconds, the token's too: the requests really overlap while it is fetched.
    box = Sandbox(SandboxOptions(customers=5, clock=twc_clock, faults=FaultConfig(latency_ms=5)))
    api = quiet(sandbox_api(box), slept)
    try:
        await api.get_customer_by_ref(JANE_REF)
        twc_clock.advance(timedelta(hours=6))
        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(api.get_customer_by_ref, JANE_REF)
    finally:
        await api.aclose()
        box.close()
    assert auth_of(api).token_requests == 2 and api.http.stats.requests == 11


async def test_another_tenants_client_never_sees_this_tenants_customers(api: TwcApi, twc_sandbox: Sandbox) -> None:
    other = next(tenant for tenant in DEMO_TENANTS if tenant != TWC_TENANT)
    theirs_api = sandbox_api(twc_sandbox, tenant=other)
    try:
        with pytest.raises(NotFound):
            await theirs_api.get_customer_by_ref(JANE_REF)
        (theirs,) = await theirs_api.search_customers(email=JANE_EMAIL)  # the same person, another customer there
    finally:
        await theirs_api.aclose()
    assert theirs.id != await jane_id(api)


async def test_a_token_endpoint_that_fails_is_retried_and_the_create_applied_once(
    twc_sandbox: Sandbox, slept: list[float]
) -> None:
    api = quiet(sandbox_api(twc_sandbox), slept)
    auth_of(api)._transport = Scripted(twc_sandbox.transport(), ["503"])
    try:
        created = await api.create_customer(m.CustomerWrite(email="after-503@example.net"))
    finally:
        await api.aclose()
    assert created.id and api.http.stats.retries == 1
    assert len(await sandbox_api(twc_sandbox).search_customers(email="after-503@example.net")) == 1


async def test_an_unknown_tenant_realm_is_named_never_the_secret(twc_sandbox: Sandbox, slept: list[float]) -> None:
    api = quiet(sandbox_api(twc_sandbox), slept)
    auth_of(api)._token_url = auth_of(api)._token_url.replace(TWC_TENANT, "no-such-tenant")
    try:
        with pytest.raises(AuthenticationFailed) as caught:
            await api.get_customer_by_ref(JANE_REF)
    finally:
        await api.aclose()
    assert caught.value.status == 404 and "TWC_TENANT" in str(caught.value)
    assert DEMO_TENANTS[TWC_TENANT][1] not in str(caught.value)


# -- errors: the envelope, and what was applied ----------------------------------------------------------------


async def test_an_error_is_read_from_the_problem_json(api: TwcApi) -> None:
    with pytest.raises(NotFound) as caught:
        await api.get_customer(UNKNOWN_ID)
    assert caught.value.detail.startswith("No customer with this id") and caught.value.operation == "get_customer"
    with pytest.raises(BadRequest) as refused:
        await api.create_customer(m.CustomerWrite(email=JANE_EMAIL))  # taken: a 400, never a 409
    assert refused.value.status == 400 and "email" in refused.value.detail


async def test_a_gateways_bare_404_is_a_wrong_base_url_not_a_missing_customer(api: TwcApi, scripted: Scripted) -> None:
    scripted.script = ["page404"]
    with pytest.raises(NotTheApi) as caught:
        await api.get_customer(UNKNOWN_ID)
    assert "the TWC sandbox" in str(caught.value)


async def test_a_search_answered_404_is_no_match(api: TwcApi, scripted: Scripted) -> None:
    scripted.script = ["404"]
    assert await api.search_records(email=JANE_EMAIL) == []


async def test_a_create_that_may_have_been_applied_is_an_unknown_outcome_not_retried(
    api: TwcApi, scripted: Scripted
) -> None:
    scripted.script = ["after:502"]
    with pytest.raises(OutcomeUnknown) as caught:
        await api.create_customer(m.CustomerWrite(email="maybe@example.net"))
    assert len(scripted.reached) == 1 and "search customers by email (maybe@example.net)" in str(caught.value)
    assert len(await api.search_customers(email="maybe@example.net")) == 1  # it was applied, once


@pytest.mark.parametrize("step", ["429", "connect"])
async def test_a_create_provably_not_applied_is_retried(api: TwcApi, scripted: Scripted, step: str) -> None:
    scripted.script = [step]
    created = await api.create_customer(m.CustomerWrite(email=f"retry-{step}@example.net"))
    assert created.id and len(scripted.reached) == 1


async def test_an_add_address_that_may_have_been_applied_is_an_unknown_outcome(api: TwcApi, scripted: Scripted) -> None:
    customer_id = await jane_id(api)
    scripted.script = ["after:503"]
    with pytest.raises(OutcomeUnknown) as caught:
        await api.add_customer_address(customer_id, m.AddressWrite(city="Once"))
    assert "look at its addresses" in str(caught.value)
    cities = [address.city for address in (await api.get_customer(customer_id)).addresses or []]
    assert cities.count("Once") == 1


async def test_an_update_whose_answer_was_lost_is_retried(api: TwcApi, scripted: Scripted) -> None:
    scripted.script = ["after:502"]
    updated = await api.update_customer_by_ref(JANE_REF, m.CustomerWrite(lastName="Doe-Smith"))
    assert updated.lastName == "Doe-Smith" and len(scripted.reached) == 2


async def test_a_delete_whose_answer_was_lost_is_done(api: TwcApi, scripted: Scripted) -> None:
    customer_id = await jane_id(api)
    added = await api.add_customer_address(customer_id, m.AddressWrite(city="Temp"))
    address_id = str((added.addresses or [])[-1].id)
    scripted.script = ["after:502"]
    left = await api.delete_customer_address(customer_id, address_id)  # the retry's 404: the first did it
    assert address_id not in [address.id for address in left.addresses or []]
    scripted.script = ["after:502"]
    await api.delete_customer(customer_id)
    with pytest.raises(NotFound):
        await api.get_customer(customer_id)


def test_the_envelope_reads_problem_json_text_and_nothing() -> None:
    envelope = TwcEnvelope()

    def answer(status: int, body: Any, content_type: str = "application/json") -> httpx2.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx2.Response(status, content=content, headers={"Content-Type": content_type})

    problem = {"title": "Bad Request", "status": 400, "detail": "email: required", "message": "error.http.400"}
    assert envelope.message(answer(400, problem)) == "email: required"
    assert envelope.message(answer(400, {"title": "Bad Request", "message": "error.http.400"})) == "Bad Request"
    assert envelope.message(answer(502, b"Bad Gateway", "text/plain")) == "Bad Gateway"
    assert envelope.message(answer(502, b"<html>oops</html>", "text/html")) is None
    assert envelope.answered_by_api(answer(404, problem)) and not envelope.answered_by_api(
        answer(404, b"", "text/plain")
    )
    assert envelope.not_applied_statuses == frozenset({429})
