"""HttpCore's retry and error rules against scripted answers (httpx2.MockTransport), with UltraCart's hooks
(its simple-key auth and error envelope; tests/core/test_http_hooks.py has other providers')."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from uc_mcp.core.errors import (
    ApplicationDisabled,
    BadRequest,
    NetworkError,
    OutcomeUnknown,
    ServerError,
    Unauthorized,
)
from uc_mcp.core.http import HttpCore, HttpOptions, RetryPolicy
from uc_mcp.ultracart.client import simple_key_auth
from uc_mcp.ultracart.envelope import UltraCartEnvelope

pytestmark = pytest.mark.anyio
SECRET = "canary-simple-key-42"


def core(answers: list[Callable[[httpx2.Request], httpx2.Response]], slept: list[float]) -> tuple[HttpCore, list[str]]:
    calls: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.method)
        return answers[min(len(calls), len(answers)) - 1](request)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    options = HttpOptions(
        base_url="https://api.example.test/rest/v2",
        auth=simple_key_auth(SECRET),
        envelope=UltraCartEnvelope(),
        transport=httpx2.MockTransport(handler),
        retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02, total_timeout=5),
        sleep=sleep,
    )
    return HttpCore(options), calls


def status(code: int, **headers: str) -> Callable[[httpx2.Request], httpx2.Response]:
    body = {"error": {"user_message": f"status {code} for key {SECRET}"}, "success": False}
    return lambda request: httpx2.Response(code, json=body, headers=headers)


def ok(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, json={"success": True})


def garbled(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, content=b'{"success": tr')


def reset(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.RemoteProtocolError("Server disconnected without sending a response.", request=request)


def refused(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ConnectError("Connection refused", request=request)


async def test_read_retries_5xx_and_honours_retry_after() -> None:
    slept: list[float] = []
    http, calls = core([status(503, **{"Retry-After": "0.3"}), status(500), ok], slept)
    assert await http.request("GET", "/x", operation="get_x", idempotent=True) == {"success": True}
    assert len(calls) == 3
    assert slept[0] == 0.3
    assert 0 <= slept[1] <= 0.02


async def test_read_retries_resets_and_garbled_answers() -> None:
    slept: list[float] = []
    http, calls = core([reset, garbled, ok], slept)
    assert await http.request("GET", "/x", operation="get_x", idempotent=True) == {"success": True}
    assert len(calls) == 3


async def test_read_gives_up_after_max_attempts() -> None:
    http, calls = core([status(500)], [])
    with pytest.raises(ServerError):
        await http.request("GET", "/x", operation="get_x", idempotent=True)
    assert len(calls) == 4


@pytest.mark.parametrize("failure", [reset, status(500), garbled])
async def test_write_after_ambiguous_failure_is_outcome_unknown_and_not_retried(
    failure: Callable[[httpx2.Request], httpx2.Response],
) -> None:
    http, calls = core([failure, ok], [])
    with pytest.raises(OutcomeUnknown) as unknown:
        await http.request(
            "POST", "/credit", operation="add", idempotent=False, body={"a": 1}, check="look for [req:1]"
        )
    assert len(calls) == 1
    assert "look for [req:1]" in str(unknown.value)
    assert "do not repeat" in str(unknown.value)


@pytest.mark.parametrize("never_reached", [refused, status(429)])
async def test_write_retried_when_it_provably_never_reached_the_server(
    never_reached: Callable[[httpx2.Request], httpx2.Response],
) -> None:
    http, calls = core([never_reached, ok], [])
    assert await http.request("POST", "/credit", operation="add", idempotent=False, body={}) == {"success": True}
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("code", "error"), [(400, BadRequest), (401, Unauthorized), (403, Unauthorized), (410, ApplicationDisabled)]
)
async def test_client_errors_are_not_retried_and_carry_no_secret(code: int, error: type[Exception]) -> None:
    http, calls = core([status(code), ok], [])
    with pytest.raises(error) as raised:
        await http.request("GET", "/x", operation="get_x", idempotent=True)
    assert len(calls) == 1
    assert f"status {code}" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert SECRET not in repr(raised.value)


async def test_network_error_after_retries_names_no_secret() -> None:
    http, _ = core([refused], [])
    with pytest.raises(NetworkError) as raised:
        await http.request("GET", "/x", operation="get_x", idempotent=True)
    assert SECRET not in str(raised.value)
    assert "Connection refused" in str(raised.value)


async def test_uc_rest_error_header_is_the_message_when_the_body_has_none() -> None:
    def header_only(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(400, content=b"", headers={"UC-REST-ERROR": "Invalid _sort field"})

    http, _ = core([header_only], [])
    with pytest.raises(BadRequest, match="Invalid _sort field"):
        await http.request("GET", "/x", operation="get_x", idempotent=True)


async def test_an_encoded_body_is_sent_as_it_is_and_retried_only_when_not_applied() -> None:
    """``encoded=``: a body the provider encoded itself (a multipart upload) goes out byte for byte with its content
    type, under the same rules as any write: a 429 is retried, a 5xx after sending is an unknown outcome."""
    seen: list[tuple[bytes, str]] = []

    def recording(answer: Callable[[httpx2.Request], httpx2.Response]) -> Callable[[httpx2.Request], httpx2.Response]:
        def handler(request: httpx2.Request) -> httpx2.Response:
            seen.append((request.read(), request.headers["content-type"]))
            return answer(request)

        return handler

    body = (b"--b\r\nname,email\r\n--b--\r\n", "multipart/form-data; boundary=b")
    slept: list[float] = []
    http, calls = core([recording(status(429)), recording(ok)], slept)
    assert await http.request("POST", "/upload", operation="upload", idempotent=False, encoded=body) == {
        "success": True
    }
    assert calls == ["POST", "POST"] and seen == [body, body]
    http, calls = core([recording(status(503))], [])
    with pytest.raises(OutcomeUnknown):
        await http.request("POST", "/upload", operation="upload", idempotent=False, encoded=body)
    assert calls == ["POST"]
