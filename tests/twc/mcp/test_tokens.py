"""The bearer token through the MCP protocol, on the embedded sandbox on a clock the test moves: a session runs on
past the token's lifetime and nothing fails (renewed before it expires, by the sandbox's clock), a client whose
clock disagrees meets a 401 once and renews, many calls at once renew once, and neither the client secret nor any
token ever reaches a result, the log or the audit."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client

from tests.support.mcp import Request, failed, text_of, watch
from tests.twc.mcp.conftest import JANE_EMAIL, TENANT, ServerFactory, on_clock
from uc_mcp.core.sandbox.faults import FaultConfig
from uc_mcp.server import runtime_of
from uc_mcp.twc.sandbox.clock import FixedClock
from uc_mcp.twc.sandbox.demo_data import DEMO_ANCHOR
from uc_mcp.twc.sandbox.runtime import DEMO_TENANTS, Sandbox

pytestmark = pytest.mark.anyio

LIFETIME = 300  # seconds: the sandbox's expires_in
CANARY_SECRET = "twc-CANARY-secret-7d4c1b2a9e8f"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEMO_ANCHOR + timedelta(hours=1))


def token_requests(server: Any) -> int:
    requests: int = runtime_of(server).provider("twc").api.http.options.auth.token_requests
    return requests


def service_calls(log: list[Request]) -> list[Request]:
    return [request for request in log if request.path.startswith("/services/")]


async def search_jane(client: Client) -> None:
    result = await client.call_tool("twc_search_customers", {"email": JANE_EMAIL})
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None and result.structured_content["total"] == 1


async def test_a_session_runs_past_many_token_lifetimes_and_nothing_fails(
    server_factory: ServerFactory, clock: FixedClock
) -> None:
    server = server_factory()
    sandbox = on_clock(server, clock, token_lifetime=LIFETIME)
    log: list[Request] = []
    watch(sandbox, log)
    async with Client(server) as client:
        await search_jane(client)
        for _ in range(4):
            clock.advance(timedelta(seconds=LIFETIME + 1))  # the token expired at the sandbox
            await search_jane(client)
    # One token per lifetime, each fetched before the old one was refused: the service never answered 401.
    assert token_requests(server) == 5
    assert len(service_calls(log)) == 5


async def test_a_token_just_short_of_expiry_is_renewed_before_it_is_used(
    server_factory: ServerFactory, clock: FixedClock
) -> None:
    server = server_factory()
    sandbox = on_clock(server, clock, token_lifetime=LIFETIME)
    log: list[Request] = []
    watch(sandbox, log)
    async with Client(server) as client:
        await search_jane(client)
        clock.advance(timedelta(seconds=LIFETIME - 30))  # inside the renewal margin, not yet expired
        await search_jane(client)
        clock.advance(timedelta(seconds=10))  # the new token is fresh: kept
        await search_jane(client)
    assert token_requests(server) == 2 and len(service_calls(log)) == 3


async def test_a_client_whose_clock_disagrees_meets_one_401_renews_once_and_succeeds(
    server_factory: ServerFactory, clock: FixedClock
) -> None:
    server = server_factory()
    sandbox = on_clock(server, clock, token_lifetime=LIFETIME, auth_clock=lambda: 0.0)  # it never sees time pass
    log: list[Request] = []
    watch(sandbox, log)
    async with Client(server) as client:
        await search_jane(client)
        clock.advance(timedelta(seconds=LIFETIME * 3))
        await search_jane(client)
        await search_jane(client)  # the renewed token is used from then on
    assert token_requests(server) == 2
    # The second search was sent twice (refused with 401, then with the new token); the third once.
    assert len(service_calls(log)) == 4


async def test_many_calls_at_once_on_an_expired_token_renew_it_once(
    server_factory: ServerFactory, clock: FixedClock
) -> None:
    server = server_factory()
    # Every answer takes a few milliseconds, the token's too: the calls really overlap while it is fetched.
    on_clock(server, clock, token_lifetime=LIFETIME, faults=FaultConfig(latency_ms=5))
    async with Client(server) as client:
        await search_jane(client)
        clock.advance(timedelta(seconds=LIFETIME + 1))
        async with anyio.create_task_group() as group:
            for _ in range(8):
                group.start_soon(search_jane, client)
    assert token_requests(server) == 2


async def test_neither_the_secret_nor_a_token_reaches_a_result_the_log_or_the_audit(
    server_factory: ServerFactory, clock: FixedClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = server_factory()
    tenants = {**DEMO_TENANTS, TENANT: (DEMO_TENANTS[TENANT][0], CANARY_SECRET)}
    sandbox: Sandbox = on_clock(server, clock, token_lifetime=LIFETIME, tenants=tenants)
    issued: list[str] = []
    issue = sandbox.tokens.issue

    def recording(realm: str) -> str:
        token = issue(realm)
        issued.append(token)
        return token

    sandbox.tokens.issue = recording  # type: ignore[method-assign]
    texts: list[str] = []
    async with Client(server) as client:
        for tool, arguments in (
            ("twc_search_customers", {"email": JANE_EMAIL}),
            ("twc_create_customer", {"email": "canary.check@example.net", "sms_opt_in": True}),
            ("twc_get_customer", {"customer": "00000000-0000-4000-8000-000000000000"}),
        ):
            texts.append(text_of(await client.call_tool(tool, arguments)))
            clock.advance(timedelta(seconds=LIFETIME + 1))  # a new token for every call
    assert len(issued) == 3
    seen = "\n".join([*texts, caplog.text, (tmp_path / "audit.jsonl").read_text()])
    assert "canary.check" in seen  # the audit and the results are there to search
    for secret in (CANARY_SECRET, *issued, *(token.split(".")[2] for token in issued)):
        assert secret not in seen


async def test_a_refused_secret_is_a_clear_error_that_never_shows_it(
    server_factory: ServerFactory, clock: FixedClock
) -> None:
    server = server_factory()
    tenants = {**DEMO_TENANTS, TENANT: (DEMO_TENANTS[TENANT][0], CANARY_SECRET)}
    sandbox = on_clock(server, clock, tenants=tenants)  # the client sends the canary ...
    sandbox.tokens.tenants[TENANT] = DEMO_TENANTS[TENANT]  # ... which the realm no longer accepts
    async with Client(server) as client:
        message = failed(await client.call_tool("twc_search_customers", {"email": JANE_EMAIL}))
    assert "invalid_client" in message and "the client credentials were refused" in message
    assert "TWC_CLIENT_ID and TWC_CLIENT_SECRET" in message
    assert CANARY_SECRET not in message
