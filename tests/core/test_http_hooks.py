"""The shared HTTP client's provider hooks: authentication (``core/auth.py``), the error envelope and the
statuses that prove a write was not applied. Every flavour the three providers need, against in-process ASGI
stand-ins (one over a real socket): UltraCart's key or bearer token, Voucherify's key pair, TWC's OAuth2 client
credentials with X-TWC-Tenant. The Voucherify and TWC envelopes here are examples as data, not providers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx2
import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from tests.servers import asgi_server
from uc_mcp.core.auth import ClientCredentialsAuth, HeaderAuth
from uc_mcp.core.errors import (
    AuthenticationFailed,
    BadRequest,
    NotFound,
    NotTheApi,
    OutcomeUnknown,
    ProviderError,
    ServerError,
    Unauthorized,
    scrub,
)
from uc_mcp.core.http import HttpCore, HttpOptions, JsonErrorEnvelope, RetryPolicy
from uc_mcp.settings import Settings
from uc_mcp.ultracart.client import ultracart_api
from uc_mcp.ultracart.envelope import UltraCartEnvelope

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002, total_timeout=10)
API_BASE = "https://api.twc.test/services/customerservice"
TENANT = "acme"
TOKEN_PATH = f"/auth/realms/{TENANT}/protocol/openid-connect/token"
TOKEN_URL = f"https://auth.twc.test{TOKEN_PATH}"
CLIENT_ID = "uc-mcp-client"
CLIENT_SECRET = "canary-client-secret-5150"
CUSTOMER = "/api/v2/customers/47235561"


# --- The other providers' envelopes, as the references describe them (examples, not providers) ---------------


class VoucherifyEnvelope(JsonErrorEnvelope):
    """``{"code", "key", "message", "details", "request_id"}``; 413 ``{"statusCode", "error", "message"}``; 429
    ``{"code", "message"}``. 429 and 413 are refused before processing. What is the API: the default's rule."""

    not_applied_statuses = frozenset({413, 429})

    def message(self, response: httpx2.Response) -> str | None:
        payload = _json(response)
        if not isinstance(payload, dict):
            return None
        custom = payload.get("error")
        words = [
            payload.get("message"),
            payload.get("details"),
            custom.get("message") if isinstance(custom, dict) else None,
        ]
        found = [word.strip() for word in words if isinstance(word, str) and word.strip()]
        if not found and isinstance(custom, str):
            found = [custom]
        return ": ".join(found) or None

    def keeps_header(self, name: str) -> bool:
        return name.startswith("x-rate-limit") or name == "retry-after"


class TwcEnvelope(JsonErrorEnvelope):
    """Spring problem JSON (``detail``, else ``title``, else ``message``) or a short text from the gateway."""

    _MESSAGE_KEYS = ("detail", "title", "message")


def _json(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


# --- A TWC stand-in: Keycloak's token endpoint and one API path ------------------------------------------------


@dataclass
class StandIn:
    expires_in: Any = 300
    token_delay: float = 0.0
    # Answers the token endpoint gives before it issues tokens again: (status, JSON body or text).
    token_answers: list[tuple[int, Any]] = field(default_factory=list)
    refuse_every_token: bool = False
    token_calls: int = 0
    token_forms: list[dict[str, str]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    api_headers: list[dict[str, str]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        token_request = request.url.path == TOKEN_PATH
        response = await (self._token(request) if token_request else self._api(request))
        await response(scope, receive, send)

    async def _token(self, request: Request) -> Response:
        self.token_calls += 1
        form = {name: values[0] for name, values in parse_qs((await request.body()).decode()).items()}
        self.token_forms.append({**form, "content-type": request.headers.get("content-type", "")})
        if self.token_delay:
            await anyio.sleep(self.token_delay)
        if self.token_answers:
            status, scripted = self.token_answers.pop(0)
            return JSONResponse(scripted, status) if isinstance(scripted, dict) else HTMLResponse(scripted, status)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "unauthorized_client", "error_description": "Invalid client secret"}, 401)
        token = f"eyJ-token-{self.token_calls}-0123456789"
        self.issued.append(token)
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "not-before-policy": 0}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return JSONResponse(body)

    async def _api(self, request: Request) -> Response:
        self.api_headers.append(dict(request.headers))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        refused = self.refuse_every_token or token not in self.issued or token in self.revoked
        if refused or request.headers.get("x-twc-tenant") != TENANT:
            # Hostile on purpose: the body quotes the token it refused.
            return JSONResponse({"title": "Unauthorized", "status": 401, "detail": f"token {token} refused"}, 401)
        if request.url.path.endswith("/echo-token"):
            return JSONResponse({"title": "Bad Request", "status": 400, "detail": f"bad token {token}"}, 400)
        return JSONResponse({"id": "47235561", "email": "jane@example.com"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TokenFaults(httpx2.AsyncBaseTransport):
    """Raises ``failures`` (in turn) for token requests; everything else goes to ``inner``."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, failures: list[type[httpx2.TransportError]]) -> None:
        self.inner = inner
        self.failures = failures

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == TOKEN_PATH and self.failures:
            raise self.failures.pop(0)("token endpoint unreachable", request=request)
        return await self.inner.handle_async_request(request)


def twc_auth(transport: httpx2.AsyncBaseTransport, clock: Callable[[], float] | None = None) -> ClientCredentialsAuth:
    return ClientCredentialsAuth(
        TOKEN_URL,
        CLIENT_ID,
        CLIENT_SECRET,
        headers={"X-TWC-Tenant": TENANT},
        credentials_setting="TWC_CLIENT_ID and TWC_CLIENT_SECRET",
        token_url_setting="TWC_TENANT and TWC_AUTH_URL",
        clock=clock or Clock(),
        transport=transport,
    )


def twc_core(
    app: StandIn, *, clock: Callable[[], float] | None = None, transport: httpx2.AsyncBaseTransport | None = None
) -> tuple[HttpCore, ClientCredentialsAuth]:
    transport = transport or httpx2.ASGITransport(app=app)
    auth = twc_auth(transport, clock)

    async def no_sleep(seconds: float) -> None:
        pass

    options = HttpOptions(
        base_url=API_BASE, auth=auth, envelope=TwcEnvelope(), transport=transport, retry=FAST, sleep=no_sleep
    )
    return HttpCore(options), auth


async def get(http: HttpCore) -> Any:
    return await http.request("GET", CUSTOMER, operation="twc_get_customer", idempotent=True)


async def create(http: HttpCore) -> Any:
    body = {"email": "jane@example.com"}
    return await http.request("POST", "/api/v2/customers", operation="twc_create_customer", idempotent=False, body=body)


# --- Static headers: UltraCart and Voucherify -------------------------------------------------------------------

UC_KEY = "canary-uc-simple-key-0123"
UC_TOKEN = "canary-uc-oauth-token-4567"
VF_TOKEN = "canary-voucherify-secret-89ab"


@pytest.mark.parametrize(
    ("auth", "expected", "secret"),
    [
        (HeaderAuth({"x-ultracart-simple-key": UC_KEY}), {"x-ultracart-simple-key": UC_KEY}, UC_KEY),
        (HeaderAuth.bearer(UC_TOKEN), {"authorization": f"Bearer {UC_TOKEN}"}, UC_TOKEN),
        (
            HeaderAuth({"X-App-Token": VF_TOKEN}, {"X-App-Id": "app-id-1"}),
            {"x-app-id": "app-id-1", "x-app-token": VF_TOKEN},
            VF_TOKEN,
        ),
    ],
    ids=["ultracart-simple-key", "ultracart-bearer", "voucherify-pair"],
)
async def test_static_header_auth_sends_its_headers_and_no_error_shows_them(
    auth: HeaderAuth, expected: dict[str, str], secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[httpx2.Headers] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers)
        if request.url.path.endswith("/refused"):  # a hostile API quoting every header it got
            return httpx2.Response(401, json={"message": str(dict(request.headers))})
        return httpx2.Response(200, json={"ok": True})

    caplog.set_level(logging.DEBUG)
    options = HttpOptions(
        base_url="https://api.example.test",
        headers={"X-Version": "1"},
        auth=auth,
        transport=httpx2.MockTransport(handler),
    )
    http = HttpCore(options)
    assert await http.request("GET", "/ok", operation="get", idempotent=True) == {"ok": True}
    assert {name: seen[0][name] for name in expected} == expected
    assert seen[0]["x-version"] == "1"
    with pytest.raises(Unauthorized) as refused:
        await http.request("GET", "/refused", operation="get", idempotent=True)
    for text in (str(refused.value), repr(refused.value), repr(options), repr(auth), caplog.text):
        assert secret not in text
    assert auth.secrets() == (secret,)
    await http.aclose()


@pytest.mark.parametrize(
    ("credential", "header", "value"),
    [
        ({"ultracart_api_key": UC_KEY}, "x-ultracart-simple-key", UC_KEY),
        ({"ultracart_oauth_token": UC_TOKEN}, "authorization", f"Bearer {UC_TOKEN}"),
    ],
)
async def test_ultracart_client_authenticates_through_the_auth_and_keeps_its_version_header(
    credential: dict[str, str], header: str, value: str
) -> None:
    seen: list[httpx2.Headers] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers)
        return httpx2.Response(
            400, json={"error": {"user_message": f"refused {value}"}}, headers={"UC-REST-ERROR": "x"}
        )

    settings = Settings(ultracart_base_url="https://uc.example.test/rest/v2", **credential)
    api = ultracart_api(settings, transport=httpx2.MockTransport(handler))
    assert isinstance(api.http.options.auth, HeaderAuth)
    assert isinstance(api.http.options.envelope, UltraCartEnvelope)
    assert header not in {name.lower() for name in api.http.options.headers}  # the credential is the auth's
    with pytest.raises(BadRequest) as refused:
        await api.get_customer(1)
    assert seen[0][header] == value
    assert seen[0]["x-ultracart-api-version"] == "2017-03-01"
    assert value.removeprefix("Bearer ") not in str(refused.value) + repr(api.http.options)
    await api.aclose()


def test_scrub_knows_the_credentials_of_every_provider_by_name() -> None:
    for leaked in (
        "X-App-Token: 0123456789abcdef",
        "x-ultracart-browser-key=0123456789abcdef",
        "grant_type=client_credentials&client_secret=0123456789abcdef&client_id=x",
        '{"access_token": "0123456789abcdef", "token_type": "Bearer"}',
    ):
        assert "0123456789abcdef" not in scrub(leaked, [])
    prose = "send X-App-Token and X-App-Id; a client_secret is required."
    assert scrub(prose, []) == prose


# --- OAuth2 client credentials: TWC ------------------------------------------------------------------------------


async def test_token_is_fetched_once_cached_and_sent_with_the_tenant() -> None:
    app = StandIn()
    http, auth = twc_core(app)
    for _ in range(3):
        assert (await get(http))["id"] == "47235561"
    assert app.token_calls == 1 and auth.token_requests == 1
    assert app.token_forms == [
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "content-type": "application/x-www-form-urlencoded",
        }
    ]
    assert {headers["authorization"] for headers in app.api_headers} == {f"Bearer {app.issued[0]}"}
    assert {headers["x-twc-tenant"] for headers in app.api_headers} == {TENANT}
    await http.aclose()


@pytest.mark.parametrize(
    ("expires_in", "renew_at"),
    [
        (300, 240),  # a minute before a 5-minute token runs out
        (18000, 17940),  # TWC's documented 5-hour tokens
        (60, 30),  # a short-lived token: halfway, not on every call
        ("300", 240),  # a lifetime sent as a string
    ],
)
async def test_token_is_renewed_shortly_before_it_expires(expires_in: Any, renew_at: float) -> None:
    app, clock = StandIn(expires_in=expires_in), Clock()
    http, _ = twc_core(app, clock=clock)
    start = clock.now
    await get(http)
    clock.now = start + renew_at - 0.5
    await get(http)
    assert app.token_calls == 1
    clock.now = start + renew_at
    await get(http)
    assert app.token_calls == 2
    assert app.api_headers[-1]["authorization"] == f"Bearer {app.issued[1]}"
    await http.aclose()


@pytest.mark.parametrize("expires_in", [None, "soon", 0, -5, True])
async def test_token_without_a_usable_lifetime_is_kept_until_the_api_refuses_it(expires_in: Any) -> None:
    app, clock = StandIn(expires_in=expires_in), Clock()
    http, _ = twc_core(app, clock=clock)
    await get(http)
    clock.now += 10 * 86400
    await get(http)
    assert app.token_calls == 1
    app.revoked.add(app.issued[0])
    await get(http)
    assert app.token_calls == 2
    await http.aclose()


async def test_a_401_renews_the_token_once_and_replays_even_a_write() -> None:
    app = StandIn()
    http, _ = twc_core(app)
    await get(http)
    app.revoked.add(app.issued[0])  # revoked at the server before it expired
    assert (await create(http))["id"] == "47235561"  # a 401 is a refusal: replaying the write is safe
    assert app.token_calls == 2
    assert [headers["authorization"] for headers in app.api_headers[1:]] == [
        f"Bearer {app.issued[0]}",
        f"Bearer {app.issued[1]}",
    ]
    await http.aclose()


async def test_a_second_401_stands_without_a_loop_and_shows_no_token() -> None:
    app = StandIn(refuse_every_token=True)
    http, _ = twc_core(app)
    with pytest.raises(Unauthorized) as refused:
        await create(http)
    assert (app.token_calls, len(app.api_headers)) == (2, 2)
    assert refused.value.status == 401
    assert not any(token in str(refused.value) for token in app.issued[-1:])
    await http.aclose()


async def test_concurrent_requests_share_one_fetch_one_renewal_and_one_failure() -> None:
    app, clock = StandIn(token_delay=0.05), Clock()
    http, _ = twc_core(app, clock=clock)

    async def many(count: int = 8) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []

        async def one() -> None:
            try:
                await get(http)
                outcomes.append(None)
            except ProviderError as error:
                outcomes.append(error)

        async with anyio.create_task_group() as group:
            for _ in range(count):
                group.start_soon(one)
        return outcomes

    assert await many() == [None] * 8 and app.token_calls == 1  # the first fetch
    clock.now += 300
    assert await many() == [None] * 8 and app.token_calls == 2  # renewal before expiry
    app.revoked.add(app.issued[-1])
    assert await many() == [None] * 8 and app.token_calls == 3  # renewal after a 401 each request met
    clock.now += 300
    app.token_answers = [(401, {"error": "unauthorized_client", "error_description": "Invalid client secret"})]
    failures = await many()
    assert app.token_calls == 4  # the waiters share the refusal rather than asking again
    assert all(isinstance(failure, AuthenticationFailed) for failure in failures)
    assert all("TWC_CLIENT_ID and TWC_CLIENT_SECRET" in str(failure) for failure in failures)
    assert await many() == [None] * 8 and app.token_calls == 5  # a later request asks again
    await http.aclose()


@pytest.mark.parametrize(
    ("answer", "names", "said"),
    [
        (
            (401, {"error": "unauthorized_client", "error_description": "Invalid client secret"}),
            "TWC_CLIENT_ID",
            "Invalid client secret",
        ),
        (
            (400, {"error": "invalid_client", "error_description": "Invalid client credentials"}),
            "TWC_CLIENT_ID",
            "invalid_client",
        ),
        ((404, {"error": "Realm does not exist"}), "TWC_TENANT and TWC_AUTH_URL", "Realm does not exist"),
        ((200, "<html>Sign in</html>"), "TWC_TENANT and TWC_AUTH_URL", "without an access_token"),
        ((302, "moved"), "TWC_TENANT and TWC_AUTH_URL", "not a token endpoint"),
        ((200, {"access_token": "abcdefgh1234", "token_type": "mac"}), "TWC_TENANT and TWC_AUTH_URL", "'mac'"),
    ],
)
async def test_a_refusing_token_endpoint_is_a_clear_error_naming_what_to_fix(
    answer: tuple[int, Any], names: str, said: str
) -> None:
    app = StandIn(token_answers=[answer] * 5)
    http, _ = twc_core(app)
    with pytest.raises(AuthenticationFailed) as failed:
        await create(http)
    message = str(failed.value)
    assert message.startswith("twc_create_customer: Authentication failed")
    assert names in message and said in message and "auth.twc.test" in message
    assert "outcome" not in message.lower()
    assert (app.token_calls, app.api_headers) == (1, [])  # not retried; the API never called
    await http.aclose()


@pytest.mark.parametrize(
    "fault",
    [
        {"token_answers": [(503, "<html>Service Unavailable</html>")]},
        {"token_answers": [(429, {"error": "slow down"})]},
        {"transport": httpx2.ReadTimeout},  # ambiguous for an API call; for the token endpoint, never the API's
        {"transport": httpx2.ConnectError},
    ],
    ids=["503", "429", "read-timeout", "refused"],
)
async def test_a_failing_token_endpoint_is_retried_and_never_an_unknown_outcome(fault: dict[str, Any]) -> None:
    app = StandIn(token_answers=list(fault.get("token_answers", [])))
    inner = httpx2.ASGITransport(app=app)
    failures = [fault["transport"]] if "transport" in fault else []
    http, _ = twc_core(app, transport=TokenFaults(inner, failures))
    assert (await create(http))["id"] == "47235561"  # a write that is not idempotent, retried: never sent
    assert len(app.api_headers) == 1
    # Failing on every attempt: the token endpoint's error, with its fix, never "outcome unknown".
    app.token_answers = [answer for answer in fault.get("token_answers", []) for _ in range(FAST.max_attempts)]
    failures[:] = [fault["transport"]] * FAST.max_attempts if "transport" in fault else []
    app.revoked.update(app.issued)
    with pytest.raises(AuthenticationFailed) as failed:
        await create(http)
    assert failed.value.retryable
    assert "try again later" in str(failed.value)
    assert not isinstance(failed.value, OutcomeUnknown)
    await http.aclose()


async def test_no_secret_or_token_in_errors_logs_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = StandIn()
    http, auth = twc_core(app)
    with pytest.raises(BadRequest) as bad:  # the API quotes the bearer token it got
        await http.request("GET", "/api/v2/echo-token", operation="twc_get_customer", idempotent=True)
    token = app.issued[0]
    echo = f"an error quoting client_secret {CLIENT_SECRET} and the form client_secret={CLIENT_SECRET}"
    app.token_answers = [(401, {"error": "unauthorized_client", "error_description": echo})]
    app.revoked.add(token)
    with pytest.raises(AuthenticationFailed) as refused:
        await get(http)
    for text in (str(bad.value), repr(bad.value), str(refused.value), repr(auth), repr(http.options), caplog.text):
        assert CLIENT_SECRET not in text
        assert token not in text
    assert "[redacted]" in str(bad.value) and "[redacted]" in str(refused.value)
    await http.aclose()


async def test_client_credentials_over_a_real_socket() -> None:
    app = StandIn()
    with asgi_server(app) as base:
        auth = ClientCredentialsAuth(f"{base}{TOKEN_PATH}", CLIENT_ID, CLIENT_SECRET, headers={"X-TWC-Tenant": TENANT})
        http = HttpCore(HttpOptions(base_url=f"{base}/services/customerservice", auth=auth, retry=FAST))
        assert (await get(http))["email"] == "jane@example.com"
        assert (await create(http))["id"] == "47235561"
        await http.aclose()
    assert app.token_calls == 1
    assert [headers["x-twc-tenant"] for headers in app.api_headers] == [TENANT, TENANT]


def test_client_credentials_refuse_a_sync_client() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200))
    client = httpx2.Client(auth=twc_auth(transport), transport=transport)
    with client, pytest.raises(TypeError, match="AsyncClient"):
        client.get("https://api.twc.test/")


# --- Error envelopes --------------------------------------------------------------------------------------------


def scripted(answers: list[httpx2.Response], envelope: Any = None) -> tuple[HttpCore, list[httpx2.Request]]:
    calls: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return answers[min(len(calls), len(answers)) - 1]

    async def no_sleep(seconds: float) -> None:
        pass

    options = HttpOptions(
        base_url="https://api.example.test",
        transport=httpx2.MockTransport(handler),
        retry=FAST,
        sleep=no_sleep,
        **({"envelope": envelope} if envelope is not None else {}),
    )
    return HttpCore(options), calls


@pytest.mark.parametrize(
    ("envelope", "answer", "error", "message"),
    [
        (
            VoucherifyEnvelope(),
            httpx2.Response(
                404,
                json={
                    "code": 404,
                    "key": "not_found",
                    "message": "Resource not found",
                    "details": "Cannot find customer with id cust_x",
                    "request_id": "v-0b4c",
                },
            ),
            NotFound,
            "Resource not found: Cannot find customer with id cust_x",
        ),
        (
            VoucherifyEnvelope(),
            httpx2.Response(
                413,
                json={"statusCode": 413, "error": "Request Entity Too Large", "message": "Payload content too large"},
            ),
            BadRequest,
            "Payload content too large",
        ),
        (
            VoucherifyEnvelope(),
            httpx2.Response(400, json={"code": 400, "message": "Invalid payload", "error": {"message": "bad phone"}}),
            BadRequest,
            "Invalid payload: bad phone",
        ),
        (
            TwcEnvelope(),
            httpx2.Response(400, json={"title": "Bad Request", "status": 400, "detail": "email already exists"}),
            BadRequest,
            "email already exists",
        ),
        (TwcEnvelope(), httpx2.Response(403, text="Forbidden: tenant mismatch"), Unauthorized, "tenant mismatch"),
        (
            JsonErrorEnvelope(),
            httpx2.Response(400, json={"error_description": "grant refused"}),
            BadRequest,
            "grant refused",
        ),
        (
            JsonErrorEnvelope(),
            httpx2.Response(400, html="<html><body>oops</body></html>"),
            BadRequest,
            "(HTTP 400): HTTP 400.",
        ),
    ],
)
async def test_the_envelope_reads_the_providers_own_words(
    envelope: Any, answer: httpx2.Response, error: type[ProviderError], message: str
) -> None:
    http, _ = scripted([answer], envelope)
    with pytest.raises(error) as raised:
        await http.request("GET", "/x", operation="op", idempotent=True)
    assert message in str(raised.value)


async def test_ultracart_envelope_does_not_read_other_shapes() -> None:
    # The same Voucherify body means nothing to UltraCart's envelope: the message is the status.
    body = {"code": 400, "key": "invalid_payload", "message": "Invalid payload"}
    http, _ = scripted([httpx2.Response(400, json=body)], UltraCartEnvelope())
    with pytest.raises(BadRequest, match=r"\(HTTP 400\): HTTP 400\."):
        await http.request("GET", "/x", operation="op", idempotent=True)


@pytest.mark.parametrize(
    ("envelope", "answer", "error"),
    [
        (VoucherifyEnvelope(), httpx2.Response(404, json={"code": 404, "message": "Resource not found"}), NotFound),
        (VoucherifyEnvelope(), httpx2.Response(404, html="<h1>Not Found</h1>"), NotTheApi),
        (VoucherifyEnvelope(), httpx2.Response(502, text="Bad Gateway"), ServerError),  # a gateway's, still a failure
        (UltraCartEnvelope(), httpx2.Response(404, json={"code": 404, "message": "Resource not found"}), NotTheApi),
        (UltraCartEnvelope(), httpx2.Response(404, headers={"UC-REST-ERROR": "missing"}), NotFound),
        (JsonErrorEnvelope(), httpx2.Response(404, json={"detail": "no such customer"}), NotFound),
        (JsonErrorEnvelope(), httpx2.Response(404, text=""), NotTheApi),
        (JsonErrorEnvelope(), httpx2.Response(301, headers={"Location": "https://login.example.test/"}), NotTheApi),
        (JsonErrorEnvelope(), httpx2.Response(200, html="<html>login</html>"), NotTheApi),
    ],
)
async def test_the_envelope_tells_the_api_from_whatever_else_answers(
    envelope: Any, answer: httpx2.Response, error: type[ProviderError]
) -> None:
    http, calls = scripted([answer], envelope)
    with pytest.raises(ProviderError) as raised:
        await http.request("GET", "/x", operation="op", idempotent=True)
    assert type(raised.value) is error
    if error is NotTheApi:
        assert len(calls) == 1 and "the base URL" in str(raised.value)


@pytest.mark.parametrize(
    ("envelope", "kept"),
    [
        (VoucherifyEnvelope(), {"x-rate-limit-remaining": "99", "retry-after": "0"}),
        (UltraCartEnvelope(), {"x-ultracart-request-id": "r1", "x-rate-limit-remaining": "99", "retry-after": "0"}),
        (JsonErrorEnvelope(), {"x-rate-limit-remaining": "99", "retry-after": "0"}),
    ],
)
async def test_the_envelope_chooses_the_headers_the_doctor_shows(envelope: Any, kept: dict[str, str]) -> None:
    headers = {"X-Rate-Limit-Remaining": "99", "Retry-After": "0", "X-UltraCart-Request-Id": "r1", "Server": "nginx"}
    http, _ = scripted([httpx2.Response(200, json={}, headers=headers)], envelope)
    await http.request("GET", "/x", operation="op", idempotent=True)
    assert http.stats.last_headers == kept


class Statuses(JsonErrorEnvelope):
    def __init__(self, not_applied: set[int]) -> None:
        self.not_applied_statuses = frozenset(not_applied)


def ok() -> httpx2.Response:
    return httpx2.Response(200, json={"done": True})


@pytest.mark.parametrize(
    ("not_applied", "method", "idempotent", "first", "outcome", "calls"),
    [
        ({429}, "POST", False, 429, "done", 2),  # today's rule: a 429 is refused before anything happens
        (set(), "POST", False, 429, OutcomeUnknown, 1),  # a provider whose 429 may follow the work
        (set(), "GET", True, 429, "done", 2),  # a read retries whatever the status means for writes
        ({429}, "POST", False, 503, OutcomeUnknown, 1),  # a 5xx may follow the work
        ({429, 503}, "POST", False, 503, "done", 2),  # ... unless the provider answers it only before
        ({413, 429}, "POST", False, 413, BadRequest, 1),  # a 4xx refusal: failed, not retried, not unknown
        ({429}, "POST", False, 413, BadRequest, 1),
    ],
)
async def test_not_applied_statuses_decide_between_retry_failure_and_unknown(
    not_applied: set[int], method: str, idempotent: bool, first: int, outcome: Any, calls: int
) -> None:
    envelope = Statuses(not_applied)
    http, sent = scripted([httpx2.Response(first, json={"message": "no"}), ok()], envelope)
    call = http.request(method, "/credit", operation="op", idempotent=idempotent, body={"amount": 1}, check="look")
    if outcome == "done":
        assert await call == {"done": True}
    else:
        with pytest.raises(ProviderError) as raised:
            await call
        assert type(raised.value) is outcome
    assert len(sent) == calls


@pytest.mark.parametrize(("not_applied", "error"), [({429}, OutcomeUnknown), ({429, 503}, ServerError)])
async def test_an_idempotent_write_that_gives_up_is_unknown_only_if_the_status_may_follow_the_work(
    not_applied: set[int], error: type[ProviderError]
) -> None:
    http, sent = scripted([httpx2.Response(503, json={"message": "busy"})], Statuses(not_applied))
    with pytest.raises(ProviderError) as raised:
        await http.request("PUT", "/customer", operation="op", idempotent=True, body={}, check="look")
    assert type(raised.value) is error
    assert len(sent) == FAST.max_attempts


async def test_a_rate_limit_not_applied_still_slows_the_limiter() -> None:
    http, sent = scripted([httpx2.Response(429, json={"code": 429, "message": "Too many"}), ok()], VoucherifyEnvelope())
    assert await http.request("POST", "/v1/customers", operation="op", idempotent=False, body={}) == {"done": True}
    assert http.options.limiter.rate_limited == 1 and len(sent) == 2


async def test_a_token_url_that_is_not_http_is_a_configuration_error_not_retried() -> None:
    auth = ClientCredentialsAuth(
        "ftp://auth.twc.test/token", CLIENT_ID, CLIENT_SECRET, token_url_setting="TWC_AUTH_URL"
    )
    http = HttpCore(
        HttpOptions(base_url=API_BASE, auth=auth, retry=FAST, transport=httpx2.MockTransport(lambda r: ok()))
    )
    with pytest.raises(AuthenticationFailed, match="Check TWC_AUTH_URL") as failed:
        await create(http)
    assert not failed.value.retryable and auth.token_requests == 1
    await http.aclose()
