"""The token endpoint of each tenant realm (Keycloak-shaped, client credentials) and the bearer check in front of
every service call: no token, an expired one, another tenant's, a tampered one; a bad secret, an unknown client or
realm, a missing or unsupported grant."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx2
import pytest

from tests.twc.conftest import TWC_OTHER_TENANT, TWC_TENANT
from uc_mcp.twc.sandbox.clock import FixedClock
from uc_mcp.twc.sandbox.runtime import (
    DEMO_TENANTS,
    IN_PROCESS_BASE_URL,
    SERVICE_PATH,
    TOKEN_LIFETIME_SECONDS,
    Sandbox,
    SandboxOptions,
    token_path,
)

pytestmark = pytest.mark.anyio

JANE = SERVICE_PATH + "/customers/search?email=jane@example.com"


def plain_client(sandbox: Sandbox) -> httpx2.AsyncClient:
    """No token, no tenant header."""
    return httpx2.AsyncClient(base_url=IN_PROCESS_BASE_URL, transport=sandbox.transport())


def form(tenant: str = TWC_TENANT, **changes: str) -> dict[str, str]:
    client_id, secret = DEMO_TENANTS[tenant]
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **changes}


async def test_the_token_endpoint_answers_as_keycloak_does_and_its_token_opens_the_service(
    twc_sandbox: Sandbox,
) -> None:
    async with plain_client(twc_sandbox) as client:
        answer = await client.post(token_path(TWC_TENANT), data=form())
        assert answer.status_code == 200
        token = answer.json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == TOKEN_LIFETIME_SECONDS
        assert {"refresh_expires_in", "not-before-policy", "scope"} <= set(token)
        assert answer.headers["cache-control"] == "no-store"
        headers = {"Authorization": f"Bearer {token['access_token']}", "X-TWC-Tenant": TWC_TENANT}
        found = await client.get(JANE, headers=headers)
        assert found.status_code == 200 and found.json()[0]["email"] == "jane@example.com"


async def test_http_basic_client_authentication_is_accepted(twc_sandbox: Sandbox) -> None:
    client_id, secret = DEMO_TENANTS[TWC_TENANT]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    async with plain_client(twc_sandbox) as client:
        answer = await client.post(
            token_path(TWC_TENANT),
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
    assert answer.status_code == 200 and answer.json()["access_token"]


@pytest.mark.parametrize(
    ("tenant", "changes", "status", "error"),
    [
        (TWC_TENANT, {"client_secret": "wrong"}, 401, "invalid_client"),
        (TWC_TENANT, {"client_secret": ""}, 401, "invalid_client"),
        (TWC_TENANT, {"client_id": "someone-else"}, 401, "invalid_client"),
        # The other tenant's own credentials at this realm: a client of another realm is unknown here.
        (TWC_TENANT, form(TWC_OTHER_TENANT), 401, "invalid_client"),
        (TWC_TENANT, {"grant_type": "password"}, 400, "unsupported_grant_type"),
        (TWC_TENANT, {"grant_type": ""}, 400, "invalid_request"),
        ("no-such-tenant", {}, 404, "Realm does not exist"),
    ],
)
async def test_refusals_are_oauth_errors(
    twc_sandbox: Sandbox, tenant: str, changes: dict[str, str], status: int, error: str
) -> None:
    async with plain_client(twc_sandbox) as client:
        answer = await client.post(token_path(tenant), data={**form(), **changes})
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert DEMO_TENANTS[TWC_TENANT][1] not in answer.text  # the secret is never echoed


async def test_the_token_endpoint_takes_post_only(twc_sandbox: Sandbox) -> None:
    async with plain_client(twc_sandbox) as client:
        assert (await client.get(token_path(TWC_TENANT))).status_code == 405


@pytest.mark.parametrize(
    "headers",
    [
        {},  # nothing
        {"X-TWC-Tenant": TWC_TENANT},  # no token
        {"Authorization": "Bearer", "X-TWC-Tenant": TWC_TENANT},  # an empty one
        {"Authorization": "Bearer not.a.token", "X-TWC-Tenant": TWC_TENANT},
        {"Authorization": "Basic Zm9vOmJhcg==", "X-TWC-Tenant": TWC_TENANT},  # not a bearer token
    ],
)
async def test_a_call_without_a_valid_bearer_token_is_401(twc_sandbox: Sandbox, headers: dict[str, str]) -> None:
    async with plain_client(twc_sandbox) as client:
        answer = await client.get(JANE, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["status"] == 401 and answer.json()["detail"]


async def test_a_token_needs_the_tenant_header_and_of_its_own_tenant(twc_sandbox: Sandbox) -> None:
    token = twc_sandbox.tokens.issue(TWC_TENANT)
    async with plain_client(twc_sandbox) as client:
        missing = await client.get(JANE, headers={"Authorization": f"Bearer {token}"})
        other = await client.get(JANE, headers={"Authorization": f"Bearer {token}", "X-TWC-Tenant": TWC_OTHER_TENANT})
        unknown = await client.get(JANE, headers={"Authorization": f"Bearer {token}", "X-TWC-Tenant": "nobody"})
    assert missing.status_code == 401 and "X-TWC-Tenant" in missing.json()["detail"]
    assert other.status_code == 401 and "another tenant" in other.json()["detail"]
    assert unknown.status_code == 401


async def test_a_tampered_token_is_refused(twc_sandbox: Sandbox) -> None:
    header, claims, signature = twc_sandbox.tokens.issue(TWC_OTHER_TENANT).split(".")
    forged_claims = (
        base64.urlsafe_b64encode(
            base64.urlsafe_b64decode(claims + "==").replace(TWC_OTHER_TENANT.encode(), TWC_TENANT.encode())
        )
        .rstrip(b"=")
        .decode()
    )
    async with plain_client(twc_sandbox) as client:
        forged = f"Bearer {header}.{forged_claims}.{signature}"
        answer = await client.get(JANE, headers={"Authorization": forged, "X-TWC-Tenant": TWC_TENANT})
    assert answer.status_code == 401


async def test_a_token_expires_on_the_sandbox_clock(twc_sandbox: Sandbox, twc_clock: FixedClock) -> None:
    async with twc_sandbox.client() as client:
        assert (await client.get(JANE)).status_code == 200
        twc_clock.advance(timedelta(seconds=TOKEN_LIFETIME_SECONDS - 1))
        assert (await client.get(JANE)).status_code == 200
        twc_clock.advance(timedelta(seconds=1))
        expired = await client.get(JANE)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


async def test_the_token_lifetime_is_an_option(twc_clock: FixedClock) -> None:
    box = Sandbox(SandboxOptions(customers=3, token_lifetime=30, clock=twc_clock))
    try:
        async with plain_client(box) as client:
            token = (await client.post(token_path(TWC_TENANT), data=form())).json()
            assert token["expires_in"] == 30
            headers = {"Authorization": f"Bearer {token['access_token']}", "X-TWC-Tenant": TWC_TENANT}
            twc_clock.advance(timedelta(seconds=30))
            assert (await client.get(JANE, headers=headers)).status_code == 401
    finally:
        box.close()


async def test_the_bearer_check_comes_before_routing(twc_sandbox: Sandbox) -> None:
    """An unknown service path without a token is a 401 (the gateway checks first); outside the service and the
    realms, a bare 404 (no JSON: a wrong base URL)."""
    async with plain_client(twc_sandbox) as client:
        assert (await client.get(SERVICE_PATH + "/no-such-thing")).status_code == 401
        outside = await client.get("/api/v2/customers/search?email=jane@example.com")
    assert outside.status_code == 404 and outside.content == b""


@pytest.mark.parametrize(
    "shape", ["é{h}.{c}.{s}", "ÿ.ÿ.ÿ", "{h}.{c}.{s}é", "{h}.{c}", "{h}.{c}.{s}.{s}", "..", "{h}.é.{s}"]
)
async def test_a_malformed_token_of_any_bytes_is_401(twc_sandbox: Sandbox, shape: str) -> None:
    """A header is bytes (read as Latin-1): a token holding non-ASCII is refused like any bad token, never a 5xx."""
    header, claims, signature = twc_sandbox.tokens.issue(TWC_TENANT).split(".")
    token = shape.format(h=header, c=claims, s=signature)
    async with plain_client(twc_sandbox) as client:
        headers = {"Authorization": b"Bearer " + token.encode("latin-1"), "X-TWC-Tenant": TWC_TENANT.encode()}
        answer = await client.get(JANE, headers=headers)
    assert answer.status_code == 401
