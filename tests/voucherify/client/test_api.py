"""``VoucherifyApi`` against the in-process sandbox, through the shared client: every operation, the key pair, the
error envelope, retries that never apply a write twice, and paging.

``Scripted`` sits between the client and the sandbox and answers some attempts itself: before the sandbox sees the
request (the request was not applied) or after it (the work was done, the answer lost), so each retry rule is
checked against what really happened to the data.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx2
import pytest

from tests.voucherify.conftest import VOUCHERIFY_CUSTOMERS
from uc_mcp.core.errors import BadRequest, NotFound, NotTheApi, OutcomeUnknown, Unauthorized
from uc_mcp.core.paging import AfterCursor, walk
from uc_mcp.core.ratelimit import RateLimiter
from uc_mcp.core.sandbox.faults import FaultConfig, FaultKind
from uc_mcp.voucherify import models as m
from uc_mcp.voucherify.api import VoucherifyApi, deep_object
from uc_mcp.voucherify.client import CHANNEL, key_pair_auth, sandbox_api
from uc_mcp.voucherify.envelope import VoucherifyEnvelope
from uc_mcp.voucherify.sandbox.clock import FixedClock
from uc_mcp.voucherify.sandbox.runtime import Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio

JANE = "uc-100001"


class Scripted(httpx2.AsyncBaseTransport):
    """Answers the next attempts from ``script`` (a status, ``"after:<status>"`` to let the sandbox do the work
    first, or ``"connect"`` for a connection that was never made), then passes every request through; records
    the requests that reached the sandbox."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, script: list[str] | None = None) -> None:
        self.inner = inner
        self.script = list(script or [])
        self.reached: list[httpx2.Request] = []
        self.seen: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.seen.append(request)
        step = self.script.pop(0) if self.script else None
        if step == "connect":
            raise httpx2.ConnectError("refused", request=request)
        if step is not None and not step.startswith("after:"):
            return _error(int(step))
        self.reached.append(request)
        response = await self.inner.handle_async_request(request)
        if step is not None:
            await response.aread()
            return _error(int(step.removeprefix("after:")))
        return response


def _error(status: int) -> httpx2.Response:
    body: dict[str, Any] = {"code": status, "message": "Too many requests hit the API too quickly."}
    if status != 429:
        body = {"code": status, "key": "error", "message": "Internal error", "details": "scripted", "request_id": "v-1"}
    headers = {"Content-Type": "application/json", **({"Retry-After": "2"} if status == 429 else {})}
    return httpx2.Response(status, content=json.dumps(body).encode(), headers=headers)


@pytest.fixture
def slept() -> list[float]:
    return []


def client_on(sandbox: Sandbox, transport: httpx2.AsyncBaseTransport, slept: list[float]) -> VoucherifyApi:
    api = sandbox_api(sandbox)
    api.http._client._transport = transport  # the scripted layer in front of the sandbox's own transport
    api.http.options.rng.seed(0)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def pace(seconds: float) -> None:  # the limiter slows down after a 429: not in a test's time
        pass

    api.http.options.sleep = sleep
    api.http.options.limiter = RateLimiter(sleep=pace)
    return api


@pytest.fixture
def scripted(voucherify_sandbox: Sandbox) -> Scripted:
    return Scripted(voucherify_sandbox.transport())


@pytest.fixture
async def api(voucherify_sandbox: Sandbox, scripted: Scripted, slept: list[float]) -> AsyncIterator[VoucherifyApi]:
    client = client_on(voucherify_sandbox, scripted, slept)
    yield client
    await client.aclose()


# -- the twelve operations and the async-action lookup ---------------------------------------------------------


async def test_one_customer_round_trip(api: VoucherifyApi) -> None:
    created = await api.create_customer(
        m.CustomerCreate(
            source_id="crm-1", name="Ann Lee", email="ann@example.net", address=m.AddressWrite(city="Oslo")
        )
    )
    assert created.id and created.id.startswith("cust_") and created.object == "customer"
    assert (await api.get_customer("crm-1")).id == created.id
    updated = await api.update_customer(created.id, m.CustomerUpdate(phone="+47 555 0100"))
    assert (updated.phone, updated.name, updated.address and updated.address.city) == (
        "+47 555 0100",
        "Ann Lee",
        "Oslo",
    )
    again = await api.create_customer(m.CustomerCreate(source_id="crm-1", name="Ann B. Lee"))
    assert again.id == created.id and again.name == "Ann B. Lee"  # the create is an upsert
    await api.delete_customer("crm-1")
    with pytest.raises(NotFound):
        await api.get_customer(created.id)


async def test_permanent_deletion_erases_and_reports_counts(api: VoucherifyApi) -> None:
    jane = await api.get_customer(JANE)
    erased = await api.customer_permanently_deletion(JANE)
    assert erased is not None and erased.object == "pernament_deletion" and erased.related_object_id == jane.id
    assert erased.data_json is not None and erased.data_json.customer == 1 and (erased.data_json.events or 0) > 0
    with pytest.raises(NotFound):
        await api.get_customer(JANE)


async def test_the_lists_of_one_customer(api: VoucherifyApi) -> None:
    activity = await api.list_customer_activity(JANE, limit=5, category="ACTION")
    assert len(activity.data) == 5 and activity.has_more and activity.more_starting_after == activity.data[-1].id
    segments = await api.list_customer_segments(JANE)
    assert segments.total == len(segments.data) >= 1 and all(s.id and s.id.startswith("seg_") for s in segments.data)
    owned = await api.list_customer_redeemables(
        JANE, filters={"holder_role": {"conditions": {"$in": ["OWNER"]}}, "junction": "and"}
    )
    assert owned.data and {item.holder_role for item in owned.data} == {"OWNER"}
    cards = await api.list_customer_redeemables(JANE, filters={"voucher_type": {"conditions": {"$is": "LOYALTY_CARD"}}})
    assert {item.voucher_type for item in cards.data} == {"LOYALTY_CARD"}
    assert (await api.list_customer_segments("cust_NoSuchCustomer0000000000")).data == []  # the API's odd case


async def test_async_actions_queue_and_report(api: VoucherifyApi, voucherify_clock: FixedClock) -> None:
    csv = b"Source_id,Name,Email,favourite_roast\ncsv-1,Csv One,one@example.net,dark\n"
    imported = await api.import_customers_using_csv(csv)
    bulk = await api.update_customers_in_bulk([m.BulkCustomer(source_id="bulk-1", name="Bulk One")])
    meta = await api.update_customers_metadata_in_bulk(m.MetadataBulkUpdate(source_ids=[JANE], metadata={"vip": True}))
    ids = [queued.async_action_id for queued in (imported, bulk, meta)]
    assert all(action_id and action_id.startswith("aa_") for action_id in ids)
    assert (await api.get_async_action(str(ids[0]))).status == "ENQUEUED"
    with pytest.raises(NotFound):
        await api.get_customer("csv-1")  # nothing changes at once
    voucherify_clock.advance(timedelta(minutes=1))
    actions = [await api.get_async_action(str(action_id)) for action_id in ids]
    assert [(action.type, action.status, action.progress) for action in actions] == [
        ("CUSTOMERS.IMPORT_CSV", "DONE", 100),
        ("CUSTOMERS.BULK_UPDATE", "DONE", 100),
        ("CUSTOMERS.METADATA_UPDATE", "DONE", 100),
    ]
    imported_customer = await api.get_customer("csv-1")
    assert imported_customer.metadata == {"favourite_roast": "dark"}
    assert (await api.get_customer("bulk-1")).name == "Bulk One"
    assert ((await api.get_customer(JANE)).metadata or {}).get("vip") is True


async def test_the_csv_is_sent_as_one_multipart_file(api: VoucherifyApi, scripted: Scripted) -> None:
    await api.import_customers_using_csv(b"Email\nx@example.net\n", filename="people.csv")
    sent = scripted.reached[-1]
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="people.csv"' in sent.content and b"x@example.net" in sent.content


# -- the key pair and the channel --------------------------------------------------------------------------------


async def test_every_request_carries_the_key_pair_and_the_channel(api: VoucherifyApi, scripted: Scripted) -> None:
    await api.list_customers(limit=1)
    sent = scripted.reached[-1].headers
    assert sent["X-App-Id"] == "sandbox-app-id" and sent["X-App-Token"] == "sandbox-app-token"
    assert sent["X-Voucherify-Channel"] == CHANNEL and CHANNEL.startswith("uc-mcp/")


@pytest.mark.parametrize("pair", [("sandbox-app-id", "wrong-token-0123"), ("another-app", "sandbox-app-token")])
async def test_a_wrong_half_of_the_pair_is_unauthorized_and_never_shown(
    voucherify_sandbox: Sandbox, pair: tuple[str, str]
) -> None:
    api = sandbox_api(voucherify_sandbox)
    api.http._client.auth = key_pair_auth(*pair)
    try:
        with pytest.raises(Unauthorized) as caught:
            await api.get_customer(JANE)
    finally:
        await api.aclose()
    assert caught.value.status == 401 and "Unauthorized" in str(caught.value)
    assert "wrong-token-0123" not in str(caught.value)


# -- errors: the envelope read, and what was applied --------------------------------------------------------------


async def test_a_missing_customer_is_not_found_in_the_apis_words(api: VoucherifyApi) -> None:
    with pytest.raises(NotFound) as caught:
        await api.get_customer("cust_Unknown")
    assert caught.value.detail == "Resource not found: Cannot find customer with id cust_Unknown"
    assert caught.value.operation == "get_customer" and caught.value.status == 404


async def test_bad_query_values_are_the_apis_refusal(api: VoucherifyApi, scripted: Scripted) -> None:
    with pytest.raises(BadRequest) as caught:
        await api.list_customers(limit=1000)
    assert caught.value.status == 400 and "limit" in caught.value.detail
    assert len(scripted.seen) == 1  # a refusal is not retried


async def test_a_429_is_waited_out_and_retried_even_for_a_create(
    api: VoucherifyApi, scripted: Scripted, slept: list[float]
) -> None:
    scripted.script = ["429", "429"]
    created = await api.create_customer(m.CustomerCreate(email="rl@example.net"))
    assert created.id and api.http.stats.retries == 2 and slept == [2.0, 2.0]  # as Retry-After said
    assert len(scripted.reached) == 1  # applied once
    listed = await api.list_customers(email="rl@example.net")
    assert listed.total == 1


async def test_the_sandboxs_own_429s_are_waited_out(voucherify_clock: FixedClock, slept: list[float]) -> None:
    faults = FaultConfig(fault_rate=0.5, fault_seed=7, kinds=(FaultKind.RATE_LIMITED,))
    box = Sandbox(SandboxOptions(customers=20, clock=voucherify_clock, faults=faults))
    api = client_on(box, box.transport(), slept)
    try:
        pages = [await api.customers_page(5, page=number) for number in range(1, 5)]
        created = await api.create_customer(m.CustomerCreate(source_id="under-429"))
    finally:
        await api.aclose()
        box.close()
    assert [len(page.items) for page in pages] == [5, 5, 5, 5] and created.source_id == "under-429"
    assert api.http.stats.retries > 0 and slept and set(slept) == {1.0}  # the sandbox's Retry-After: 1


async def test_a_create_that_may_have_been_applied_is_an_unknown_outcome_not_retried(
    api: VoucherifyApi, scripted: Scripted
) -> None:
    scripted.script = ["after:500"]
    with pytest.raises(OutcomeUnknown) as caught:
        await api.create_customer(m.CustomerCreate(source_id="maybe-1", email="maybe@example.net"))
    assert len(scripted.reached) == 1 and "get the customer by its source_id (maybe-1)" in str(caught.value)
    assert (await api.get_customer("maybe-1")).email == "maybe@example.net"  # it was applied, once


async def test_a_connection_never_made_is_retried_for_a_create(api: VoucherifyApi, scripted: Scripted) -> None:
    scripted.script = ["connect"]
    created = await api.create_customer(m.CustomerCreate(source_id="conn-1"))
    assert created.source_id == "conn-1" and len(scripted.reached) == 1


async def test_idempotent_writes_are_retried_after_a_5xx(api: VoucherifyApi, scripted: Scripted) -> None:
    scripted.script = ["after:503"]
    updated = await api.update_customer(JANE, m.CustomerUpdate(name="Jane R. Doe"))
    assert updated.name == "Jane R. Doe" and len(scripted.reached) == 2


async def test_a_delete_whose_answer_was_lost_is_done_not_an_error(api: VoucherifyApi, scripted: Scripted) -> None:
    scripted.script = ["after:502"]
    await api.delete_customer(JANE)  # the retry's 404 means the first attempt deleted it
    assert len(scripted.reached) == 2
    scripted.script = ["after:502"]
    assert await api.customer_permanently_deletion("uc-100003") is None  # erased; its counts were lost
    with pytest.raises(NotFound):
        await api.get_customer("uc-100003")


async def test_a_csv_import_that_may_have_been_queued_is_an_unknown_outcome(
    api: VoucherifyApi, scripted: Scripted
) -> None:
    scripted.script = ["429", "after:500"]
    with pytest.raises(OutcomeUnknown):
        await api.import_customers_using_csv(b"Email\nq@example.net\n")
    assert len(scripted.seen) == 2 and len(scripted.reached) == 1  # the 429 retried, the 500 not


async def test_an_oversized_bulk_body_is_refused_with_the_413_shape(api: VoucherifyApi, scripted: Scripted) -> None:
    big = [m.BulkCustomer(source_id="big", metadata={"blob": "x" * (10 * 1024 * 1024)})]
    with pytest.raises(BadRequest) as caught:
        await api.update_customers_in_bulk(big)
    assert caught.value.status == 413 and "Payload content length greater than maximum allowed" in str(caught.value)
    assert len(scripted.seen) == 1


# -- the envelope on answers the sandbox never gives ---------------------------------------------------------------


def _response(status: int, body: Any = None, *, text: str | None = None, **headers: str) -> httpx2.Response:
    if text is not None:
        return httpx2.Response(status, content=text.encode(), headers=headers)
    return httpx2.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            _response(400, {"code": 400, "key": "invalid_payload", "message": "Invalid payload",
                            "details": "Property email must be a string", "error": {"message": "Use a work email"}}),
            "Invalid payload: Property email must be a string: Use a work email",
        ),
        (_response(413, {"statusCode": 413, "error": "Request Entity Too Large", "message": "Payload too big"}),
         "Payload too big"),
        (_response(429, {"code": 429, "message": "Too many requests hit the API too quickly."}),
         "Too many requests hit the API too quickly."),
        (_response(404, {"code": 404, "message": "Resource not found", "details": "Resource not found"}),
         "Resource not found"),
        (_response(502, text="Bad Gateway"), "Bad Gateway"),
        (_response(502, text="<html><body>Bad Gateway</body></html>", **{"Content-Type": "text/html"}), None),
    ],
)  # fmt: skip
def test_the_envelope_reads_each_documented_shape(response: httpx2.Response, message: str | None) -> None:
    assert VoucherifyEnvelope().message(response) == message


def test_what_the_envelope_calls_the_apis_answer_and_not_applied() -> None:
    envelope = VoucherifyEnvelope()
    assert envelope.answered_by_api(_response(404, {"code": 404, "key": "not_found"}))
    assert not envelope.answered_by_api(_response(404, text="Not Found"))  # a web server's, not the API's
    assert not envelope.answered_by_api(_response(302, text="", Location="https://voucherify.io/login"))
    assert not envelope.answered_by_api(_response(200, text="<html></html>", **{"Content-Type": "text/html"}))
    assert envelope.not_applied_statuses == {429, 413}
    assert envelope.keeps_header("x-rate-limit-remaining") and envelope.keeps_header("retry-after")
    assert not envelope.keeps_header("set-cookie")


async def test_a_base_url_without_the_api_is_named(voucherify_sandbox: Sandbox) -> None:
    async def page(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(404, text="Not Found")

    api = sandbox_api(voucherify_sandbox)
    api.http._client._transport = httpx2.MockTransport(page)
    try:
        with pytest.raises(NotTheApi):
            await api.list_customers(limit=1)
    finally:
        await api.aclose()


# -- paging ----------------------------------------------------------------------------------------------------


async def test_walking_customers_after_created_at_visits_each_once(api: VoucherifyApi) -> None:
    async def fetch(cursor: Any, limit: int) -> Any:
        return await api.customers_page(limit, order="created_at", starting_after=cursor)

    paging = AfterCursor(lambda record: record["created_at"])
    walker = walk(fetch, paging=paging, limit=17)
    records = await walker.items()
    assert walker.stopped == "end"
    assert len({record["id"] for record in records}) == len(records) == VOUCHERIFY_CUSTOMERS
    assert [record["created_at"] for record in records] == sorted(record["created_at"] for record in records)


async def test_walking_activity_by_the_apis_cursor_visits_each_once(api: VoucherifyApi) -> None:
    async def fetch(cursor: Any, limit: int) -> Any:
        return await api.activity_page(JANE, limit, starting_after_id=cursor)

    walker = walk(fetch, paging=AfterCursor(lambda record: record["id"]), limit=4)
    records = await walker.items()
    everything = await api.list_customer_activity(JANE, limit=100)
    assert [record["id"] for record in records] == [event.id for event in everything.data]
    assert walker.pages > 2


def test_filters_go_on_the_wire_in_bracket_notation() -> None:
    assert deep_object(
        "filters",
        {"holder_role": {"conditions": {"$in": ["OWNER", "REFEREE"]}}, "created_at": {"conditions": {"$after": "x"}},
         "junction": "and", "flag": True},
    ) == {
        "filters[holder_role][conditions][$in][0]": "OWNER",
        "filters[holder_role][conditions][$in][1]": "REFEREE",
        "filters[created_at][conditions][$after]": "x",
        "filters[junction]": "and",
        "filters[flag]": "true",
    }  # fmt: skip


def test_a_customer_id_is_one_path_segment() -> None:
    from uc_mcp.voucherify.api import customer_path

    assert customer_path("jane@example.com") == "/v1/customers/jane@example.com"
    assert customer_path("a/b c?d", "/activity") == "/v1/customers/a%2Fb%20c%3Fd/activity"
    with pytest.raises(ValueError, match="customer_id"):
        customer_path("")
