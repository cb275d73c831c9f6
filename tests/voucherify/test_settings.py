"""Voucherify's settings and selection: the key pair from the environment, ``.env`` or flags; half a pair, a
placeholder or a bad base URL is a configuration error naming the variable; the sandbox's own settings never select
the real API; multi-tenant headers come in pairs; and the doctor's lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.support.mcp import _hermetic_env, make_settings  # noqa: F401  (an autouse fixture)
from uc_mcp.backends import select
from uc_mcp.core.errors import ConfigurationError
from uc_mcp.providers import provider_named
from uc_mcp.settings import Settings
from uc_mcp.voucherify.client import check_voucherify, region_of, voucherify_api
from uc_mcp.voucherify.provider import PROVIDER
from uc_mcp.voucherify.settings import BUSINESS_RATE, VoucherifySettings

APP_ID = "6a1e3f0c-0d4b-4c7e-9a55-2f6b1c9d8e77"
TOKEN = "7d4c1b2a-CANARY-9e8f-4a3b-b2c1-d0e9f8a7b6c5"


def voucherify(settings: Settings) -> VoucherifySettings:
    found = settings.provider(PROVIDER)
    assert isinstance(found, VoucherifySettings)
    return found


def backends(settings: Settings, transport: Any = "stdio") -> dict[str, str]:
    return {provider.name: backend for provider, backend in select(settings, transport).items()}


def test_it_is_registered() -> None:
    assert provider_named("voucherify") is PROVIDER


def test_the_key_pair_from_the_environment_selects_the_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOUCHERIFY_APP_ID", APP_ID)
    monkeypatch.setenv("VOUCHERIFY_APP_TOKEN", TOKEN)
    settings = make_settings()
    assert backends(settings) == {"voucherify": "api"}  # configured: exactly it runs
    assert backends(settings, "http") == {"voucherify": "api"}
    check_voucherify(voucherify(settings), "api")
    assert TOKEN in voucherify(settings).secrets() and APP_ID in voucherify(settings).secrets()


def test_the_key_pair_from_dot_env_and_from_flags(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"VOUCHERIFY_APP_ID={APP_ID}\nVOUCHERIFY_APP_TOKEN={TOKEN}\nVOUCHERIFY_BASE_URL=https://us1.api.voucherify.io\n"
    )
    from_file = voucherify(Settings(_env_file=dotenv))
    assert (from_file.voucherify_app_id, from_file.voucherify_base_url) == (APP_ID, "https://us1.api.voucherify.io")
    assert backends(Settings(_env_file=dotenv)) == {"voucherify": "api"}
    from_flags = make_settings(voucherify_app_id=APP_ID, voucherify_app_token=TOKEN)
    assert backends(from_flags) == {"voucherify": "api"}
    check_voucherify(voucherify(from_flags), "api")


def test_nothing_configured_runs_every_provider_on_its_sandbox() -> None:
    assert backends(make_settings()) == {provider: "sandbox" for provider in backends(make_settings())}
    assert backends(make_settings())["voucherify"] == "sandbox"


def test_the_sandbox_settings_never_select_the_real_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UC_MCP_VOUCHERIFY_SANDBOX_DB", str(tmp_path / "v.sqlite3"))
    monkeypatch.setenv("UC_MCP_VOUCHERIFY_SANDBOX_CUSTOMERS", "7")
    monkeypatch.setenv("UC_MCP_VOUCHERIFY_RATE_LIMIT", "0.5")
    settings = make_settings()
    assert backends(settings)["voucherify"] == "sandbox"
    own = voucherify(settings)
    assert (own.sandbox_db_path, own.voucherify_sandbox_customers, own.pace) == (tmp_path / "v.sqlite3", 7, 0.5)


def test_a_flag_of_ultracarts_sandbox_stays_ultracarts(tmp_path: Path) -> None:
    """Flags reach every provider whose settings have a field of that name: Voucherify's are prefixed."""
    settings = make_settings(sandbox_db=tmp_path / "uc.sqlite3")
    assert voucherify(settings).voucherify_sandbox_db is None
    assert voucherify(settings).sandbox_db_path.name == "voucherify-sandbox.sqlite3"


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"VOUCHERIFY_APP_ID": APP_ID}, "VOUCHERIFY_APP_TOKEN is not set"),
        ({"VOUCHERIFY_APP_TOKEN": TOKEN}, "VOUCHERIFY_APP_ID is not set"),
        ({"VOUCHERIFY_BASE_URL": "https://api.voucherify.io"}, "no key pair is set"),
        ({"VOUCHERIFY_APP_ID": APP_ID, "VOUCHERIFY_APP_TOKEN": "<your Voucherify secret key>"}, "VOUCHERIFY_APP_TOKEN"),
        ({"VOUCHERIFY_APP_ID": "${VOUCHERIFY_APP_ID}", "VOUCHERIFY_APP_TOKEN": TOKEN}, "VOUCHERIFY_APP_ID is not a"),
        ({"VOUCHERIFY_APP_ID": APP_ID, "VOUCHERIFY_APP_TOKEN": "two words"}, "VOUCHERIFY_APP_TOKEN is not a"),
        (
            {"VOUCHERIFY_APP_ID": APP_ID, "VOUCHERIFY_APP_TOKEN": TOKEN, "VOUCHERIFY_BASE_URL": "http://api.voucherify.io"},
            "VOUCHERIFY_BASE_URL='http://api.voucherify.io' is not allowed",
        ),
        (
            {"VOUCHERIFY_APP_ID": APP_ID, "VOUCHERIFY_APP_TOKEN": TOKEN, "VOUCHERIFY_BASE_URL": "https://api.voucherify.io/v1"},
            "ends in /v1",
        ),
        ({"VOUCHERIFY_APP_ID": APP_ID, "VOUCHERIFY_APP_TOKEN": TOKEN, "VOUCHERIFY_BASE_URL": "api.voucherify.io"}, "is not a URL"),
    ],
)  # fmt: skip
def test_an_unusable_configuration_names_the_variable_never_the_secret(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], named: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = make_settings()
    assert backends(settings) == {"voucherify": "api"}  # never a silent fallback to demo data
    with pytest.raises(ConfigurationError) as caught:
        check_voucherify(voucherify(settings), "api")
    assert named in str(caught.value)
    assert TOKEN not in str(caught.value) and "two words" not in str(caught.value)


@pytest.mark.anyio
async def test_a_half_pair_is_every_tool_calls_answer_on_stdio(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcp.client import Client

    from uc_mcp.server import build_server

    monkeypatch.setenv("VOUCHERIFY_APP_ID", APP_ID)
    async with Client(build_server(make_settings())) as client:
        result = await client.call_tool("voucherify_list_customers", {})
    assert result.is_error and "VOUCHERIFY_APP_TOKEN is not set" in result.content[0].text  # type: ignore[union-attr]


def test_a_loopback_sandbox_on_plain_http_is_allowed() -> None:
    settings = make_settings(
        voucherify_app_id=APP_ID, voucherify_app_token=TOKEN, voucherify_base_url="http://127.0.0.1:8766"
    )
    check_voucherify(voucherify(settings), "api")


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://api.voucherify.io", "Europe (the default region)"),
        ("https://us1.api.voucherify.io/", "United States"),
        ("https://as1.api.voucherify.io", "Asia (Singapore)"),
        ("https://acme.voucherify.io", "a dedicated cluster"),
        ("http://localhost:8766", "this machine"),
        ("https://api.voucherify.example", None),
    ],
)
def test_the_region_of_a_base_url(url: str, region: str | None) -> None:
    assert region_of(url) == region


@pytest.mark.anyio
async def test_the_real_clients_requests_carry_the_pair_at_the_business_pace() -> None:
    seen: list[httpx2.Request] = []

    async def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"object": "list", "data_ref": "customers", "customers": [], "total": 0})

    settings = voucherify(make_settings(voucherify_app_id=APP_ID, voucherify_app_token=TOKEN))
    api = voucherify_api(settings, transport=httpx2.MockTransport(answer))
    try:
        listed = await api.list_customers(limit=1, created_at_before="2026-01-01T00:00:00Z")
    finally:
        await api.aclose()
    assert listed.total == 0
    request = seen[0]
    assert (
        str(request.url)
        == "https://api.voucherify.io/v1/customers?created_at%5Bbefore%5D=2026-01-01T00%3A00%3A00Z&limit=1"
    )
    assert (request.headers["X-App-Id"], request.headers["X-App-Token"]) == (APP_ID, TOKEN)
    assert api.http.options.limiter.rate == BUSINESS_RATE and TOKEN not in repr(api.http.options)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-voucherify-app-id": APP_ID, "x-voucherify-app-token": TOKEN},
         {"voucherify_app_id": APP_ID, "voucherify_app_token": TOKEN}),
        ({}, None),
        ({"x-ultracart-simple-key": "k" * 20}, None),
    ],
)  # fmt: skip
def test_tenant_headers_come_in_pairs(headers: dict[str, str], expected: dict[str, str] | None) -> None:
    assert PROVIDER.tenant_credentials is not None
    assert PROVIDER.tenant_credentials(headers) == expected


@pytest.mark.parametrize("half", ["x-voucherify-app-id", "x-voucherify-app-token"])
def test_half_a_tenant_pair_is_refused_naming_the_missing_header(half: str) -> None:
    assert PROVIDER.tenant_credentials is not None
    with pytest.raises(ValueError, match=r"X-Voucherify-App-(Id|Token) is missing") as caught:
        PROVIDER.tenant_credentials({half: "value-0123456789"})
    assert "value-0123456789" not in str(caught.value)


def test_a_tenants_pair_makes_a_client_of_its_own() -> None:
    settings = voucherify(make_settings()).with_values({"voucherify_app_id": APP_ID, "voucherify_app_token": TOKEN})
    check_voucherify(settings, "api")
    assert settings.voucherify_app_token is not None and settings.voucherify_app_token.get_secret_value() == TOKEN


# -- the doctor -------------------------------------------------------------------------------------------------


def doctor_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, network: bool, **environment: str) -> list[str]:
    from uc_mcp.doctor import diagnose

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UC_MCP_PROVIDERS", environment.pop("providers", "voucherify"))
    monkeypatch.setenv("UC_MCP_VOUCHERIFY_SANDBOX_DB", str(tmp_path / "v.sqlite3"))
    monkeypatch.setenv("UC_MCP_VOUCHERIFY_SANDBOX_CUSTOMERS", "12")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return [finding.render() for finding in diagnose("stdio", network=network)]


def test_the_doctor_on_the_sandbox_makes_the_cheap_call(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = doctor_lines(monkeypatch, tmp_path, network=True)
    assert any(line.startswith("ok    backend            embedded sandbox at") for line in lines), lines
    assert any(line.startswith("ok    API call           list_customers answered") and "(12 customers)" in line
               for line in lines), lines  # fmt: skip
    assert not any(line.startswith("FAIL") for line in lines), lines


def test_the_doctor_names_a_half_pair_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = doctor_lines(monkeypatch, tmp_path, network=False, VOUCHERIFY_APP_TOKEN=TOKEN)
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 1 and "VOUCHERIFY_APP_ID is not set" in failed[0], lines
    assert TOKEN not in "\n".join(lines)


def test_the_doctor_warns_of_a_host_that_is_not_voucherifys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = doctor_lines(
        monkeypatch,
        tmp_path,
        network=False,
        VOUCHERIFY_APP_ID=APP_ID,
        VOUCHERIFY_APP_TOKEN=TOKEN,
        VOUCHERIFY_BASE_URL="https://api.voucherify.example",
    )
    assert any(line.startswith("warn  region") and "is not a Voucherify host" in line for line in lines), lines
    assert any("app id set (…8e77), token set (…b6c5)" in line for line in lines), lines


def test_the_doctor_checks_every_provider_beside_ultracart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = doctor_lines(
        monkeypatch, tmp_path, network=False, providers="ultracart,voucherify", UC_MCP_SANDBOX_DB=str(tmp_path / "u.db")
    )
    assert any(line.startswith("ok    voucherify backend") for line in lines), lines
    assert any(line.startswith("ok    ultracart backend") for line in lines), lines
