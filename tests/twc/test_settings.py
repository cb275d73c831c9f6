"""TWC's settings and selection: the tenant's client credentials from the environment, ``.env`` or flags; a missing
one, a placeholder, a tenant that is no realm name or a URL that is not the root is a configuration error naming
the variable; the token URL derived from the gateway; the sandbox's own settings never select the real API;
multi-tenant headers come as a set of three; and the doctor's lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx2
import pytest

from tests.support.mcp import _hermetic_env, make_settings  # noqa: F401  (an autouse fixture)
from uc_mcp.backends import select
from uc_mcp.core.errors import ConfigurationError
from uc_mcp.providers import provider_named
from uc_mcp.settings import Settings
from uc_mcp.twc.client import auth_root, check_twc, environment_of, token_url, twc_api
from uc_mcp.twc.provider import PROVIDER
from uc_mcp.twc.settings import DEFAULT_RATE, TwcSettings

CLIENT_ID = "acme-retail-api"
SECRET = "9f8e7d6c-CANARY-5b4a-3c2d-1e0f9a8b7c6d"
TENANT = "acme-retail"
CREDENTIALS = {"TWC_CLIENT_ID": CLIENT_ID, "TWC_CLIENT_SECRET": SECRET, "TWC_TENANT": TENANT}


def twc(settings: Settings) -> TwcSettings:
    found = settings.provider(PROVIDER)
    assert isinstance(found, TwcSettings)
    return found


def backends(settings: Settings, transport: Any = "stdio") -> dict[str, str]:
    return {provider.name: backend for provider, backend in select(settings, transport).items()}


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_it_is_registered() -> None:
    assert provider_named("twc") is PROVIDER


def test_the_credentials_from_the_environment_select_the_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, CREDENTIALS)
    settings = make_settings()
    assert backends(settings) == {"twc": "api"}  # configured: exactly it runs
    assert backends(settings, "http") == {"twc": "api"}
    check_twc(twc(settings), "api")
    assert SECRET in twc(settings).secrets()


def test_the_credentials_from_dot_env_and_from_flags(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("".join(f"{name}={value}\n" for name, value in CREDENTIALS.items()))
    from_file = twc(Settings(_env_file=dotenv))
    assert (from_file.twc_client_id, from_file.twc_tenant) == (CLIENT_ID, TENANT)
    assert backends(Settings(_env_file=dotenv)) == {"twc": "api"}
    from_flags = make_settings(twc_client_id=CLIENT_ID, twc_client_secret=SECRET, twc_tenant=TENANT)
    assert backends(from_flags) == {"twc": "api"}
    check_twc(twc(from_flags), "api")


def test_nothing_configured_runs_every_provider_on_its_sandbox() -> None:
    chosen = backends(make_settings())
    assert chosen["twc"] == "sandbox" and set(chosen.values()) == {"sandbox"}


def test_the_sandbox_settings_never_select_the_real_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_env(
        monkeypatch,
        {
            "UC_MCP_TWC_SANDBOX_DB": str(tmp_path / "t.sqlite3"),
            "UC_MCP_TWC_SANDBOX_CUSTOMERS": "7",
            "UC_MCP_TWC_SANDBOX_TENANT": "demo-homewares",
            "UC_MCP_TWC_RATE_LIMIT": "0.5",
        },
    )
    settings = make_settings()
    assert backends(settings)["twc"] == "sandbox"
    own = twc(settings)
    assert (own.sandbox_db_path, own.twc_sandbox_customers, own.twc_sandbox_tenant, own.pace) == (
        tmp_path / "t.sqlite3",
        7,
        "demo-homewares",
        0.5,
    )


def test_a_flag_of_ultracarts_sandbox_stays_ultracarts(tmp_path: Path) -> None:
    """Flags reach every provider whose settings have a field of that name: TWC's are prefixed."""
    settings = make_settings(sandbox_db=tmp_path / "uc.sqlite3")
    assert twc(settings).twc_sandbox_db is None and twc(settings).sandbox_db_path.name == "twc-sandbox.sqlite3"


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"TWC_CLIENT_ID": CLIENT_ID}, "TWC_CLIENT_SECRET and TWC_TENANT are not set"),
        ({"TWC_CLIENT_ID": CLIENT_ID, "TWC_CLIENT_SECRET": SECRET}, "TWC_TENANT is not set"),
        ({"TWC_TENANT": TENANT, "TWC_CLIENT_SECRET": SECRET}, "TWC_CLIENT_ID is not set"),
        ({"TWC_BASE_URL": "https://api.au-aws.thewishlist.io"}, "TWC_CLIENT_ID, TWC_CLIENT_SECRET and TWC_TENANT are"),
        ({**CREDENTIALS, "TWC_CLIENT_SECRET": "<your TWC client secret>"}, "TWC_CLIENT_SECRET is not a usable"),
        ({**CREDENTIALS, "TWC_CLIENT_ID": "${TWC_CLIENT_ID}"}, "TWC_CLIENT_ID is not a usable"),
        ({**CREDENTIALS, "TWC_TENANT": "acme/../other"}, "TWC_TENANT is not a tenant id"),
        ({**CREDENTIALS, "TWC_BASE_URL": "http://api.au-aws.thewishlist.io"}, "TWC_BASE_URL='http://api.au-aws.thewishlist.io' is not allowed"),
        ({**CREDENTIALS, "TWC_BASE_URL": "https://api.au-aws.thewishlist.io/services/customerservice"}, "holds the service's path"),
        ({**CREDENTIALS, "TWC_BASE_URL": "api.au-aws.thewishlist.io"}, "is not a URL"),
        ({**CREDENTIALS, "TWC_AUTH_URL": "http://auth.au-aws.thewishlist.io"}, "TWC_AUTH_URL='http://auth.au-aws.thewishlist.io' is not allowed"),
        ({**CREDENTIALS, "TWC_AUTH_URL": "https://auth.au-aws.thewishlist.io/auth/realms/acme-retail"}, "holds a realm's path"),
    ],
)  # fmt: skip
def test_an_unusable_configuration_names_the_variable_never_the_secret(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], named: str
) -> None:
    set_env(monkeypatch, environment)
    settings = make_settings()
    assert backends(settings) == {"twc": "api"}  # never a silent fallback to demo data
    with pytest.raises(ConfigurationError) as caught:
        check_twc(twc(settings), "api")
    assert named in str(caught.value)
    assert SECRET not in str(caught.value) and "acme/../other" not in str(caught.value)


@pytest.mark.anyio
async def test_a_missing_credential_is_every_tool_calls_answer_on_stdio(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcp.client import Client

    from uc_mcp.server import build_server

    monkeypatch.setenv("TWC_CLIENT_ID", CLIENT_ID)
    async with Client(build_server(make_settings())) as client:
        result = await client.call_tool("twc_search_customers", {"email": "jane@example.com"})
    assert result.is_error and "TWC_CLIENT_SECRET and TWC_TENANT are not set" in result.content[0].text  # type: ignore[union-attr]


def test_a_loopback_sandbox_on_plain_http_is_allowed_and_serves_the_token_too() -> None:
    settings = twc(
        make_settings(
            twc_client_id=CLIENT_ID, twc_client_secret=SECRET, twc_tenant=TENANT, twc_base_url="http://127.0.0.1:8767"
        )
    )
    check_twc(settings, "api")
    assert token_url(auth_root(settings), TENANT) == (
        "http://127.0.0.1:8767/auth/realms/acme-retail/protocol/openid-connect/token"
    )


@pytest.mark.parametrize(
    ("base", "auth", "root"),
    [
        ("https://api.au-aws.thewishlist.io", None, "https://auth.au-aws.thewishlist.io"),
        ("https://api.au-sandbox.thewishlist.io/", None, "https://auth.au-sandbox.thewishlist.io"),
        ("https://twc-proxy.example/gw", None, "https://twc-proxy.example/gw"),
        ("https://api.au-aws.thewishlist.io", "https://login.example/", "https://login.example"),
    ],
)
def test_the_auth_server_is_derived_from_the_gateway_unless_set(base: str, auth: str | None, root: str) -> None:
    settings = twc(make_settings(twc_base_url=base, twc_auth_url=auth))
    assert auth_root(settings) == root


@pytest.mark.parametrize(
    ("url", "environment"),
    [
        ("https://api.au-aws.thewishlist.io", "production (AU)"),
        ("https://api.au-sandbox.thewishlist.io", "TWC's sandbox environment (AU)"),
        ("https://api.eu.thewishlist.io", "a TWC host"),
        ("http://localhost:8767", "this machine"),
        ("https://api.example", None),
    ],
)
def test_the_environment_of_a_base_url(url: str, environment: str | None) -> None:
    assert environment_of(url) == environment


@pytest.mark.anyio
async def test_the_real_clients_requests_get_a_token_then_carry_it_and_the_tenant() -> None:
    seen: list[httpx2.Request] = []

    async def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.url.path.endswith("/token"):
            return httpx2.Response(
                200, json={"access_token": "tok-CANARY-1", "expires_in": 18000, "token_type": "Bearer"}
            )
        return httpx2.Response(200, json=[])

    settings = twc(make_settings(twc_client_id=CLIENT_ID, twc_client_secret=SECRET, twc_tenant=TENANT))
    api = twc_api(settings, transport=httpx2.MockTransport(answer))
    try:
        assert await api.search_records(email="jane@example.com") == []
        assert await api.search_records(firstName="Jane") == []
    finally:
        await api.aclose()
    token, search, again = seen
    assert str(token.url) == "https://auth.au-aws.thewishlist.io/auth/realms/acme-retail/protocol/openid-connect/token"
    assert parse_qs(token.content.decode())["client_secret"] == [SECRET]
    assert str(search.url) == (
        "https://api.au-aws.thewishlist.io/services/customerservice/api/v2/customers/search?email=jane%40example.com"
    )
    assert (search.headers["Authorization"], search.headers["X-TWC-Tenant"]) == ("Bearer tok-CANARY-1", TENANT)
    assert again.headers["Authorization"] == "Bearer tok-CANARY-1"  # cached
    assert api.http.options.limiter.rate == DEFAULT_RATE
    assert SECRET not in repr(api.http.options) and "tok-CANARY-1" not in repr(api.http.options)


# -- multi-tenant HTTP: a store's credential in three headers ----------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-twc-tenant": TENANT, "x-twc-client-id": CLIENT_ID, "x-twc-client-secret": SECRET},
         {"twc_tenant": TENANT, "twc_client_id": CLIENT_ID, "twc_client_secret": SECRET}),
        ({}, None),
        ({"x-voucherify-app-id": "a", "x-voucherify-app-token": "b"}, None),
    ],
)  # fmt: skip
def test_tenant_headers_come_as_a_set_of_three(headers: dict[str, str], expected: dict[str, str] | None) -> None:
    assert PROVIDER.tenant_credentials is not None
    assert PROVIDER.tenant_credentials(headers) == expected


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"x-twc-tenant": TENANT}, "X-TWC-Client-Id and X-TWC-Client-Secret are missing"),
        ({"x-twc-tenant": TENANT, "x-twc-client-id": CLIENT_ID}, "X-TWC-Client-Secret is missing"),
        ({"x-twc-client-secret": SECRET}, "X-TWC-Tenant and X-TWC-Client-Id are missing"),
    ],
)
def test_part_of_a_tenant_credential_is_refused_naming_what_is_missing(given: dict[str, str], missing: str) -> None:
    assert PROVIDER.tenant_credentials is not None
    with pytest.raises(ValueError, match=missing) as caught:
        PROVIDER.tenant_credentials(given)
    assert SECRET not in str(caught.value)


def test_a_tenants_credential_makes_a_client_of_its_own() -> None:
    assert PROVIDER.tenant_credentials is not None
    given = PROVIDER.tenant_credentials(
        {"x-twc-tenant": TENANT, "x-twc-client-id": CLIENT_ID, "x-twc-client-secret": SECRET}
    )
    assert given is not None
    settings = twc(make_settings()).with_values(given)
    check_twc(settings, "api")
    assert settings.twc_client_secret is not None and settings.twc_client_secret.get_secret_value() == SECRET


# -- the doctor -------------------------------------------------------------------------------------------------


def doctor_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, network: bool, **environment: str) -> list[str]:
    from uc_mcp.doctor import diagnose

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UC_MCP_PROVIDERS", environment.pop("providers", "twc"))
    monkeypatch.setenv("UC_MCP_TWC_SANDBOX_DB", str(tmp_path / "t.sqlite3"))
    monkeypatch.setenv("UC_MCP_TWC_SANDBOX_CUSTOMERS", "6")
    set_env(monkeypatch, environment)
    return [finding.render() for finding in diagnose("stdio", network=network)]


def test_the_doctor_on_the_sandbox_checks_token_credentials_and_tenant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lines = doctor_lines(monkeypatch, tmp_path, network=True)
    assert any(line.startswith("ok    backend            embedded sandbox at") and "tenant demo-coffee" in line
               for line in lines), lines  # fmt: skip
    for check in ("token endpoint", "credentials", "tenant header"):
        assert any(line.startswith(f"ok    {check}") for line in lines), (check, lines)
    assert not any(line.startswith("FAIL") for line in lines), lines


def test_the_doctor_names_a_missing_credential_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = doctor_lines(monkeypatch, tmp_path, network=False, TWC_CLIENT_SECRET=SECRET)
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 1 and "TWC_CLIENT_ID and TWC_TENANT are not set" in failed[0], lines
    assert SECRET not in "\n".join(lines)


def test_the_doctor_shows_the_environment_and_the_token_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = doctor_lines(monkeypatch, tmp_path, network=False, **CREDENTIALS)
    assert any("tenant acme-retail, client id set (…-api), secret set (…7c6d)" in line for line in lines), lines
    assert any(
        line.startswith("ok    environment") and "production (AU)" in line
        and "https://auth.au-aws.thewishlist.io/auth/realms/acme-retail/protocol/openid-connect/token" in line
        for line in lines
    ), lines  # fmt: skip
    assert SECRET not in "\n".join(lines)


def test_the_doctor_warns_of_a_host_that_is_not_twcs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = doctor_lines(monkeypatch, tmp_path, network=False, **CREDENTIALS, TWC_BASE_URL="https://api.example")
    assert any(line.startswith("warn  environment") and "is not a TWC gateway" in line for line in lines), lines


@pytest.mark.parametrize(
    ("secret", "tenant", "failing", "says"),
    [
        ("not-the-secret-0123", "demo-coffee", "credentials", "invalid_client"),
        ("sandbox-twc-secret-coffee", "no-such-tenant", "token endpoint", "no such tenant realm"),
    ],
)
def test_the_doctor_tells_a_refused_secret_from_an_unknown_tenant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret: str, tenant: str, failing: str, says: str
) -> None:
    """Against a real-API client on the in-process sandbox (the doctor's client, its transport swapped)."""
    import uc_mcp.twc.doctor as doctor
    from uc_mcp.twc.client import twc_api as real_api
    from uc_mcp.twc.sandbox.runtime import Sandbox, SandboxOptions

    sandbox = Sandbox(SandboxOptions(customers=3))
    monkeypatch.setattr(doctor, "twc_api", lambda settings, **kwargs: real_api(settings, transport=sandbox.transport()))
    try:
        lines = doctor_lines(
            monkeypatch,
            tmp_path,
            network=True,
            TWC_CLIENT_ID="demo-coffee-api",
            TWC_CLIENT_SECRET=secret,
            TWC_TENANT=tenant,
            TWC_BASE_URL="http://127.0.0.1:8767",
        )
    finally:
        sandbox.close()
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith(f"FAIL  {failing}") and says in failed[0], lines
    assert secret not in "\n".join(lines)


# -- uc-mcp config ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("include_secrets", [False, True])
def test_config_carries_the_client_id_and_tenant_and_the_secret_only_when_asked(include_secrets: bool) -> None:
    from uc_mcp.host_config import server_environment

    environ = {**CREDENTIALS, "TWC_BASE_URL": "https://api.au-sandbox.thewishlist.io"}
    env = server_environment(sandbox=False, include_secrets=include_secrets, environ=environ)
    assert (env["TWC_CLIENT_ID"], env["TWC_TENANT"]) == (CLIENT_ID, TENANT)
    assert env["TWC_BASE_URL"] == "https://api.au-sandbox.thewishlist.io"
    assert env["TWC_CLIENT_SECRET"] == (SECRET if include_secrets else "<your TWC client secret>")
