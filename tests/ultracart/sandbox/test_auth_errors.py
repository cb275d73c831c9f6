"""Authentication and error answers: 401s, unknown paths and methods, error bodies and headers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from tests.conftest import SEED
from tests.ultracart.conformance import _validator, check_response
from uc_mcp.ultracart.sandbox.app import API_VERSION, DEFAULT_API_KEY
from uc_mcp.ultracart.sandbox.clock import FixedClock
from uc_mcp.ultracart.sandbox.runtime import IN_PROCESS_BASE_URL, Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio

JANE = 100001
VERSION = "X-UltraCart-Api-Version"
SIMPLE_KEY = "x-ultracart-simple-key"


def assert_error(response: httpx2.Response, status: int, *fragments: str) -> dict[str, Any]:
    """An UltraCart error: ErrorResponse body, UC-REST-ERROR header, no Python internals."""
    assert response.status_code == status, response.text
    body = response.json()
    errors = list(_validator("#/components/schemas/ErrorResponse").iter_errors(body))
    assert not errors, errors[0].message
    assert body["success"] is False
    assert body["error"]["error_code"] == str(status)
    message = body["error"]["user_message"]
    assert message
    for fragment in fragments:
        assert fragment in message, message
    header = response.headers.get("UC-REST-ERROR")
    assert header, "every error response carries a UC-REST-ERROR header"
    assert "\n" not in header
    assert header == " ".join(message.split())
    for marker in ("Traceback", 'File "', '.py"', "Error:", "Exception"):
        assert marker not in response.text
        assert marker not in header
    return dict(body)


async def send(api: httpx2.AsyncClient, method: str, url: str, *, drop: tuple[str, ...] = (), **kw: Any) -> Any:
    request = api.build_request(method, url, **kw)
    for name in drop:
        del request.headers[name]
    return await api.send(request)


async def _check(response: httpx2.Response) -> None:
    await response.aread()
    check_response(response.request.method, response.request.url.path, response.status_code, response.content)


@pytest.fixture
async def raw(sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """Authenticated, but without the conformance hook: for paths and methods the spec does not have."""
    async with sandbox.client() as client:
        yield client


# -- authentication -----------------------------------------------------------------------------------


async def test_the_fixture_client_is_authorised(api: httpx2.AsyncClient) -> None:
    response = await api.get(f"/customer/customers/{JANE}")
    assert response.status_code == 200
    assert response.json()["customer"]["email"] == "jane@example.com"


async def test_missing_api_version_is_401(api: httpx2.AsyncClient) -> None:
    response = await send(api, "GET", f"/customer/customers/{JANE}", drop=(VERSION,))
    assert VERSION not in response.request.headers
    assert_error(response, 401, "X-UltraCart-Api-Version")


@pytest.mark.parametrize("version", ["2016-01-01", "2017-03-02", "", "2017-03-01 ", "v2"])
async def test_wrong_api_version_is_401(api: httpx2.AsyncClient, version: str) -> None:
    response = await api.get(f"/customer/customers/{JANE}", headers={VERSION: version})
    assert_error(response, 401, API_VERSION)


async def test_missing_key_is_401(api: httpx2.AsyncClient) -> None:
    response = await send(api, "GET", f"/customer/customers/{JANE}", drop=(SIMPLE_KEY,))
    assert_error(response, 401, "credentials")


@pytest.mark.parametrize("key", ["wrong-key", DEFAULT_API_KEY.upper(), DEFAULT_API_KEY + "x", "", " "])
async def test_wrong_key_is_401(api: httpx2.AsyncClient, key: str) -> None:
    response = await api.get(f"/customer/customers/{JANE}", headers={SIMPLE_KEY: key})
    assert_error(response, 401, "credentials")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_bearer_token_with_the_key_works(api: httpx2.AsyncClient, scheme: str) -> None:
    response = await send(
        api,
        "GET",
        f"/customer/customers/{JANE}",
        drop=(SIMPLE_KEY,),
        headers={"Authorization": f"{scheme} {DEFAULT_API_KEY}"},
    )
    assert response.status_code == 200
    assert response.json()["customer"]["customer_profile_oid"] == JANE


@pytest.mark.parametrize("authorization", ["Bearer wrong", f"Basic {DEFAULT_API_KEY}", DEFAULT_API_KEY, "Bearer"])
async def test_bad_authorization_header_is_401(api: httpx2.AsyncClient, authorization: str) -> None:
    response = await send(
        api, "GET", f"/customer/customers/{JANE}", drop=(SIMPLE_KEY,), headers={"Authorization": authorization}
    )
    assert_error(response, 401)


async def test_browser_key_only_for_profile_value_search(api: httpx2.AsyncClient) -> None:
    headers = {"x-ultracart-browser-key": DEFAULT_API_KEY}
    search = await send(api, "POST", "/customer/search", drop=(SIMPLE_KEY,), headers=headers, json={"matches": "vip"})
    assert search.status_code == 200
    assert "vip" in [value["value"] for value in search.json()["values"]]
    read = await send(api, "GET", f"/customer/customers/{JANE}", drop=(SIMPLE_KEY,), headers=headers)
    assert_error(read, 401)


async def test_unauthorised_writes_do_nothing(api: httpx2.AsyncClient) -> None:
    deleted = await send(api, "DELETE", f"/customer/customers/{JANE}", drop=(SIMPLE_KEY,))
    assert_error(deleted, 401)
    updated = await api.put(
        f"/customer/customers/{JANE}", headers={SIMPLE_KEY: "nope"}, json={"email": "stolen@example.com"}
    )
    assert_error(updated, 401)
    credit = await send(api, "POST", f"/customer/customers/{JANE}/store_credit", drop=(VERSION,), json={"amount": 500})
    assert_error(credit, 401)
    customer = (await api.get(f"/customer/customers/{JANE}")).json()["customer"]
    assert customer["email"] == "jane@example.com"
    available = (await api.get(f"/customer/customers/{JANE}/store_credit")).json()["customer_store_credit"]["available"]
    assert available == 37.5


async def test_authentication_comes_before_existence(api: httpx2.AsyncClient) -> None:
    # Without credentials, an unknown customer and a bad body look the same as a known one: 401.
    assert_error(await send(api, "GET", "/customer/customers/999999", drop=(SIMPLE_KEY,)), 401)
    assert_error(await send(api, "POST", "/customer/customers", drop=(SIMPLE_KEY,), content=b"{bad"), 401)


async def test_custom_api_key(clock: FixedClock) -> None:
    box = Sandbox(SandboxOptions(db=":memory:", customers=3, seed=SEED, clock=clock, api_key="custom-key-2017"))
    try:
        async with box.client(event_hooks={"response": [_check]}) as client:
            assert client.headers[SIMPLE_KEY] == "custom-key-2017"
            ok = await client.get(f"/customer/customers/{JANE}")
            assert ok.status_code == 200
            bearer = await send(
                client,
                "GET",
                f"/customer/customers/{JANE}",
                drop=(SIMPLE_KEY,),
                headers={"Authorization": "Bearer custom-key-2017"},
            )
            assert bearer.status_code == 200
            default = await client.get(f"/customer/customers/{JANE}", headers={SIMPLE_KEY: DEFAULT_API_KEY})
            assert_error(default, 401)
    finally:
        box.close()


# -- unknown paths and methods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/customer/nope",
        "/customer/customers/100001/orders",
        "/customer/customers/100001/wishlist/700001/extra",
        "/customers",
        "/",
    ],
)
async def test_unknown_path_is_404_error_response(raw: httpx2.AsyncClient, path: str) -> None:
    assert_error(await raw.get(path), 404)


async def test_unknown_path_outside_the_api_base(sandbox: Sandbox) -> None:
    headers = {VERSION: API_VERSION, SIMPLE_KEY: DEFAULT_API_KEY}
    base = IN_PROCESS_BASE_URL.removesuffix("/rest/v2")
    async with httpx2.AsyncClient(base_url=base, transport=sandbox.transport(), headers=headers) as client:
        assert_error(await client.get("/rest/v1/customer/customers"), 404)
        assert_error(await client.get("/customer/customers"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", f"/customer/customers/{JANE}"),
        ("DELETE", "/customer/customers"),
        ("PUT", "/customer/customers"),
        ("GET", f"/customer/customers/{JANE}/merge"),
        ("POST", f"/customer/customers/{JANE}/magic_link/shop.example.com"),
        ("DELETE", "/customer/customers/by_email/jane@example.com"),
        ("DELETE", "/customer/email_lists"),
        ("POST", "/customer/editor_values"),
    ],
)
async def test_wrong_method_is_405_error_response(raw: httpx2.AsyncClient, method: str, path: str) -> None:
    assert_error(await raw.request(method, path, json={}), 405)
    # Nothing happened to the customer a wrong method named.
    assert (await raw.get(f"/customer/customers/{JANE}")).status_code == 200


# -- error bodies and headers -----------------------------------------------------------------------


async def test_internal_errors_hide_the_traceback(
    api: httpx2.AsyncClient, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail /srv/app/store.py")

    monkeypatch.setattr(sandbox.store, "get_customer", explode)
    monkeypatch.setattr(sandbox.store, "insert_customer", explode)
    for response in (
        await api.get(f"/customer/customers/{JANE}"),
        await api.post("/customer/customers", json={"email": "x@example.com"}),
    ):
        body = assert_error(response, 500)
        assert "secret" not in response.text
        assert "RuntimeError" not in response.text
        assert "secret" not in response.headers["UC-REST-ERROR"]
        assert body["error"]["developer_message"] == body["error"]["user_message"]


ERROR_REQUESTS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/customer/customers/999999", {}, 404),
    ("GET", "/customer/customers/not-a-number", {}, 400),
    ("GET", "/customer/customers/by_email/nobody@example.com", {}, 404),
    ("GET", "/customer/customers", {"params": {"_limit": "500"}}, 400),
    ("GET", "/customer/customers", {"params": {"_sort": "+nonsense"}}, 400),
    ("POST", "/customer/customers", {"content": b"{not json"}, 400),
    ("POST", "/customer/customers", {"json": {"email": "jane@example.com"}}, 400),
    ("POST", "/customer/customers/query", {"json": {"email": 5}}, 400),
    ("PUT", f"/customer/customers/{JANE}", {"json": {"tax_id": "0123456789ABCDEF"}}, 400),
    ("DELETE", "/customer/customers/999999", {}, 404),
    ("PUT", f"/customer/customers/{JANE}/merge", {"json": {"customer_profile_oid": JANE}}, 400),
    ("POST", f"/customer/customers/{JANE}/store_credit", {"json": {"amount": -1}}, 400),
    ("POST", f"/customer/customers/{JANE}/adjust_cashback_balance", {"json": {"adjustment_amount": -1000}}, 400),
    ("GET", f"/customer/customers/{JANE}/wishlist/1", {}, 404),
    ("POST", f"/customer/customers/{JANE}/email_lists", {"json": {"add_to_lists": ["nope"]}}, 400),
    ("PUT", f"/customer/customers/{JANE}/magic_link/not_a_host", {}, 400),
    ("POST", "/customer/customers/email_verify/get_token", {"json": {"email": "bad"}}, 400),
    ("POST", "/customer/search", {"json": {"max_hits": "ten"}}, 400),
    ("POST", "/customer/customers/dataTables", {"content": b"[" * 50_000 + b"]" * 50_000}, 400),
    ("POST", "/customer/customers/query", {"content": b'{"email": NaN}'}, 400),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"), ERROR_REQUESTS, ids=[f"{m} {p} {s}" for m, p, _, s in ERROR_REQUESTS]
)
async def test_every_error_has_the_header_and_no_traceback(
    api: httpx2.AsyncClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    assert_error(await api.request(method, path, **kwargs), status)


async def test_error_header_is_latin1_safe(api: httpx2.AsyncClient) -> None:
    # A message a header cannot carry as-is must still arrive as a valid header.
    response = await api.get("/customer/customers/by_email/zoë.brontë@example.co.uk")
    assert_error(response, 404)
    response.headers["UC-REST-ERROR"].encode("latin-1")


# -- request text never reaches a header ------------------------------------------------------------

CANARY = "Canary7x"
# Requests whose bad value carries the canary, in every place a request carries text.
REFLECTION_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/customer/customers", {"params": {"_sort": f"+{CANARY}"}}),
    ("GET", "/customer/customers", {"params": {"_sort": f"+email,-{CANARY}"}}),
    ("GET", "/customer/customers", {"params": {"_limit": CANARY}}),
    ("GET", "/customer/customers", {"params": {"_offset": CANARY}}),
    ("GET", "/customer/customers", {"params": {"_since": CANARY}}),
    ("GET", "/customer/customers", {"params": {"signup_dts_end": CANARY}}),
    ("GET", "/customer/customers", {"params": {"pricing_tier_oid": CANARY}}),
    ("GET", f"/customer/customers/{CANARY}", {}),
    ("GET", f"/customer/customers/by_email/{CANARY}@example.com", {}),
    ("PUT", f"/customer/customers/{JANE}/magic_link/{CANARY}_host", {}),
    ("POST", "/customer/customers/query", {"params": {"_sort": CANARY}, "json": {}}),
    ("POST", "/customer/customers/query", {"json": {"signup_dts_start": CANARY}}),
    ("POST", "/customer/customers", {"json": {"email": f"{CANARY} with spaces"}}),
    ("POST", "/customer/customers", {"json": {"email": "c@example.com", "birth_date": CANARY}}),
    ("PUT", f"/customer/customers/{JANE}", {"json": {"properties": [{"expiration_dts": CANARY}]}}),
    ("POST", f"/customer/customers/{JANE}/email_lists", {"json": {"add_to_lists": [CANARY]}}),
    (
        "POST",
        f"/customer/customers/{JANE}/adjust_cashback_balance",
        {"json": {"adjustment_amount": 1, "entry_dts": CANARY}},
    ),
    ("PUT", f"/customer/customers/{JANE}/merge", {"json": {"email": f"{CANARY}@example.com"}}),
    ("POST", "/customer/customers/email_verify/get_token", {"json": {"email": f"{CANARY} x", "password": "x"}}),
    ("POST", "/customer/customers/dataTables", {"json": {"draw": CANARY}}),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"), REFLECTION_REQUESTS, ids=[f"{m} {p} {k}" for m, p, k in REFLECTION_REQUESTS]
)
async def test_no_error_repeats_request_text(
    raw: httpx2.AsyncClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = await raw.request(method, path, **kwargs)
    assert response.status_code in (400, 404), response.text
    assert CANARY not in response.headers["UC-REST-ERROR"]
    assert CANARY not in response.text


@pytest.mark.parametrize(
    "sort",
    ["+email\x00", "\x00", "+a\r\nSet-Cookie: x=1", "-naïve", "+" + "x" * 5000, "+email\x7f", "+\u2028"],
    ids=["nul", "only-nul", "crlf", "non-ascii", "long", "del", "line-separator"],
)
async def test_bad_sort_is_a_plain_400_with_a_clean_header(raw: httpx2.AsyncClient, sort: str) -> None:
    """Was: the field was copied into UC-REST-ERROR, and a NUL there dropped the connection."""
    response = await raw.get("/customer/customers", params={"_sort": sort})
    assert_error(response, 400, "_sort")
    header = response.headers["UC-REST-ERROR"]
    assert all(" " <= char <= "~" for char in header), header
    assert sort.strip("+-") not in header


# -- the body's media type --------------------------------------------------------------------------

# Every operation that takes a JSON body, with a body it would accept as application/json.
JSON_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/customer/customers", {"email": "typed.body@example.com"}),
    ("PUT", f"/customer/customers/{JANE}", {"business_notes": "sent as text"}),
    ("POST", "/customer/customers/query", {"email": "jane"}),
    ("POST", "/customer/customers/email_verify/get_token", {"email": "t@example.com", "password": "pw"}),
    ("POST", "/customer/customers/email_verify/validate_token", {"token": "abc"}),
    ("POST", f"/customer/customers/{JANE}/adjust_cashback_balance", {"adjustment_amount": 1}),
    ("POST", f"/customer/customers/{JANE}/email_lists", {"add_to_lists": []}),
    ("PUT", f"/customer/customers/{JANE}/merge", {"customer_profile_oid": 100002}),
    ("POST", f"/customer/customers/{JANE}/store_credit", {"amount": 1}),
    ("POST", f"/customer/customers/{JANE}/wishlist", {"merchant_item_oid": 50040}),
    ("PUT", f"/customer/customers/{JANE}/wishlist/700001", {"comments": "text"}),
    ("POST", "/customer/search", {"matches": "vip"}),
    ("POST", "/customer/customers/dataTables", {"draw": 1}),
]


def test_json_bodies_cover_every_operation_with_a_request_body() -> None:
    from tests.ultracart.conformance import operation_for, spec

    with_body = {op["operationId"] for item in spec()["paths"].values() for op in item.values() if "requestBody" in op}
    covered = {operation_for(method, "/rest/v2" + path)["operationId"] for method, path, _ in JSON_BODIES}  # type: ignore[index]
    assert with_body <= covered


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; charset=utf-8", "application/xml", None])
@pytest.mark.parametrize(("method", "path", "body"), JSON_BODIES, ids=[f"{m} {p}" for m, p, _ in JSON_BODIES])
async def test_a_body_not_sent_as_json_is_refused(
    raw: httpx2.AsyncClient, method: str, path: str, body: dict[str, Any], content_type: str | None
) -> None:
    """Was: any media type was parsed as JSON."""
    before = (await raw.get(f"/customer/customers/{JANE}", params={"_expand": "billing,loyalty"})).json()
    request = raw.build_request(method, path, content=json.dumps(body).encode())
    if content_type is None:
        if "Content-Type" in request.headers:
            del request.headers["Content-Type"]
    else:
        request.headers["Content-Type"] = content_type
    response = await raw.send(request)
    assert_error(response, 400, "Content-Type")
    assert (await raw.get(f"/customer/customers/{JANE}", params={"_expand": "billing,loyalty"})).json() == before


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=UTF-8", "Application/JSON"])
async def test_json_media_types_are_accepted(raw: httpx2.AsyncClient, content_type: str) -> None:
    body = json.dumps({"business_notes": "typed"}).encode()
    response = await raw.put(f"/customer/customers/{JANE}", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
