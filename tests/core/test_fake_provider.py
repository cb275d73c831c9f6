"""A provider is a folder: a minimal provider registered here, outside the registry, gets tools, schemas, audit,
confirmation, budgets, instructions and the doctor from the machinery, without a change to any other code.

``fakeshop`` keeps a few customers in memory (its "sandbox"), with one read tool, one audited write and one
guarded write; it runs alone and beside UltraCart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from mcp.client import Client
from pydantic import Field, SecretStr

from tests.ultracart.mcp.conftest import make_settings
from uc_mcp.core.confirm import Binding, Guard, Preview
from uc_mcp.core.decline import decline_tool
from uc_mcp.core.errors import ConfigurationError
from uc_mcp.core.provider import Backend, Finding, Provider, ProviderSettings
from uc_mcp.core.results import ObjectResult, StrictInput, WriteInput, mark
from uc_mcp.core.toolspec import ToolContext, ToolSpec
from uc_mcp.providers import registered
from uc_mcp.schemas import budget_problems, check_all, write_all
from uc_mcp.server import build_server, runtime_of

pytestmark = pytest.mark.anyio


class FakeShopSettings(ProviderSettings):
    ENV_PREFIX: ClassVar[str] = "FAKESHOP_"
    fakeshop_key: SecretStr | None = Field(None, validation_alias="FAKESHOP_KEY")


class FakeShopApi:
    """The provider's client: here, its sandbox's data in memory."""

    def __init__(self) -> None:
        self.customers: dict[str, dict[str, Any]] = {"c1": {"id": "c1", "email": "ann@example.com", "credit": "5.00"}}


class GetInput(StrictInput):
    customer_id: str = Field(min_length=1, max_length=20)


class NoteInput(WriteInput):
    customer_id: str = Field(min_length=1, max_length=20)
    note: str = Field(max_length=200)


class CreditInput(WriteInput):
    customer_id: str = Field(min_length=1, max_length=20)
    amount: Decimal = Field(gt=0, max_digits=6, decimal_places=2, strict=False)
    confirm: str | None = Field(None, max_length=128)


class CustomerResult(ObjectResult):
    customer: dict[str, Any] | None = None


class GuardedResult(ObjectResult):
    status: str
    question: str | None = None
    preview: dict[str, Any] | None = None
    confirm: str | None = None
    instructions: str | None = None


def _customer(ctx: ToolContext, customer_id: str) -> dict[str, Any]:
    found = ctx.api.customers.get(customer_id)
    if found is None:
        raise ValueError(f"customer_id: no customer {customer_id!r}")
    return dict(found)


async def get_customer(request: GetInput, ctx: ToolContext) -> dict[str, Any]:
    return mark(ctx, {"customer": _customer(ctx, request.customer_id)})


async def set_note(request: NoteInput, ctx: ToolContext) -> dict[str, Any]:
    _customer(ctx, request.customer_id)
    ctx.api.customers[request.customer_id]["note"] = request.note
    return mark(ctx, {"customer": _customer(ctx, request.customer_id)})


async def preview_credit(request: CreditInput, ctx: ToolContext) -> Preview:
    customer = _customer(ctx, request.customer_id)
    return Preview(
        f"Add {request.amount:.2f} credit to {customer['email']} (#{request.customer_id})?",
        {"customer": customer, "amount": float(request.amount)},
    )


async def add_credit(request: CreditInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    customer = ctx.api.customers[request.customer_id]
    customer["credit"] = f"{Decimal(customer['credit']) + request.amount:.2f}"
    return mark(ctx, {"customer": dict(customer)})


READ = {"read_only": True, "destructive": False, "idempotent": True}
TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="fakeshop_get_customer",
        title="Get a customer",
        description="One fakeshop customer by id.",
        toolset="customers",
        input_model=GetInput,
        output_model=CustomerResult,
        handler=get_customer,  # type: ignore[arg-type]
        **READ,  # type: ignore[arg-type]
    ),
    ToolSpec(
        name="fakeshop_set_note",
        title="Set a note",
        description="Set a customer's note.",
        toolset="customers",
        input_model=NoteInput,
        output_model=CustomerResult,
        handler=set_note,  # type: ignore[arg-type]
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
    ToolSpec(
        name="fakeshop_add_credit",
        title="Add credit",
        description="Add credit to a customer; needs the user's yes.",
        toolset="credit",
        input_model=CreditInput,
        output_model=GuardedResult,
        handler=get_customer,  # type: ignore[arg-type]  # unused: a guarded tool runs through its guard
        guard=Guard(preview_credit, add_credit),
        read_only=False,
        destructive=True,
        idempotent=False,
    ),
)
ALL_TOOLS = (*TOOLS, decline_tool("fakeshop", TOOLS, "ui://uc-mcp/confirm.html"))


async def fake_doctor(server: Any, settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    return [Finding("ok", "backend", f"fakeshop on its {backend}")]


def _check(settings: ProviderSettings, backend: Backend) -> None:
    if backend == "api":
        assert isinstance(settings, FakeShopSettings)
        if settings.fakeshop_key is None:
            raise ConfigurationError("FAKESHOP_KEY is not set")


FAKESHOP = Provider(
    name="fakeshop",
    title="FakeShop",
    credentials_hint="FAKESHOP_KEY",
    settings=FakeShopSettings,
    tools=lambda: ALL_TOOLS,
    toolsets=("customers", "credit"),
    default_toolsets=("customers", "credit"),
    shared_default_toolsets=("customers",),
    instructions="- fakeshop_get_customer reads a FakeShop customer.\n",
    api=lambda server, settings: FakeShopApi(),
    sandbox=lambda server, settings: (None, FakeShopApi()),
    check_configuration=_check,
    doctor=fake_doctor,
    credential_variables={"FAKESHOP_KEY": "<your FakeShop key>"},
    carried_variables=("FAKESHOP_REGION",),
)


@pytest.fixture
def fakeshop() -> Iterator[Provider]:
    with registered(FAKESHOP) as provider:
        yield provider


def names(tools: Sequence[Any]) -> list[str]:
    return sorted(tool.name for tool in tools)


async def test_alone_it_lists_its_tools_and_answers_them(fakeshop: Provider, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    server = build_server(make_settings(providers=["fakeshop=sandbox"], audit_log=audit))
    async with Client(server) as client:
        listed = await client.list_tools()
        read = await client.call_tool("fakeshop_get_customer", {"customer_id": "c1"})
        bad = await client.call_tool("fakeshop_get_customer", {"customer_id": 7})
        write = await client.call_tool("fakeshop_set_note", {"customer_id": "c1", "note": "VIP"})
        preview = await client.call_tool("fakeshop_add_credit", {"customer_id": "c1", "amount": 2})
        token = preview.structured_content["confirm"]  # type: ignore[index]
        done = await client.call_tool("fakeshop_add_credit", {"customer_id": "c1", "amount": 2, "confirm": token})
        again = await client.call_tool("fakeshop_add_credit", {"customer_id": "c1", "amount": 2, "confirm": token})
    assert names(listed.tools) == ["fakeshop_add_credit", "fakeshop_get_customer", "fakeshop_set_note"]
    assert read.structured_content == {
        "customer": {"id": "c1", "email": "ann@example.com", "credit": "5.00"},
        "sandbox": True,
    }
    assert bad.is_error and "customer_id" in bad.content[0].text  # type: ignore[union-attr]  # the field, named
    assert write.structured_content["customer"]["note"] == "VIP"  # type: ignore[index]
    assert preview.structured_content["status"] == "confirmation_required"  # type: ignore[index]
    assert "#c1" in preview.structured_content["question"]  # type: ignore[index]
    assert done.structured_content["customer"]["credit"] == "7.00"  # type: ignore[index]
    assert again.is_error and "already used" in again.content[0].text  # type: ignore[union-attr]
    events = [(record["tool"], record["event"]) for record in map(json.loads, audit.read_text().splitlines())]
    assert ("fakeshop_set_note", "executed") in events
    assert [event for tool, event in events if tool == "fakeshop_add_credit"] == [
        "previewed", "accepted", "intent", "executed", "token_refused"
    ]  # fmt: skip
    assert "FakeShop" in (server.instructions or "") and "EMBEDDED SANDBOX" in (server.instructions or "")


async def test_beside_ultracart_both_are_listed_by_their_shared_defaults(fakeshop: Provider, sandbox_db: Path) -> None:
    settings = make_settings(
        providers=["ultracart=sandbox", "fakeshop=sandbox"], sandbox_db=sandbox_db, sandbox_customers=60
    )
    server = build_server(settings)
    try:
        async with Client(server) as client:
            listed = names((await client.list_tools()).tools)
            ours = await client.call_tool("fakeshop_get_customer", {"customer_id": "c1"})
            theirs = await client.call_tool("ultracart_customer_overview", {"customer_profile_oid": 100001})
    finally:
        runtime_of(server).close()
    assert "fakeshop_get_customer" in listed and "fakeshop_add_credit" not in listed  # shared defaults: customers
    assert "ultracart_find_customers" in listed and "ultracart_get_customer" not in listed  # UltraCart's: assist...
    assert not ours.is_error and not theirs.is_error
    instructions = server.instructions or ""
    assert "UltraCart and FakeShop" in instructions and "FakeShop:\n" in instructions
    # A bare toolset name means that toolset of every provider that has it.
    both = build_server(settings.model_copy(update={"toolsets": ["customers"]}))
    assert {tool.name for tool in both._tool_manager.list_tools()} >= {
        "fakeshop_get_customer",
        "ultracart_get_customer",
    }
    runtime_of(both).close()


def test_schemas_and_budgets_come_from_its_table(fakeshop: Provider, tmp_path: Path) -> None:
    written = write_all([fakeshop], tmp_path)
    assert sorted(path.relative_to(tmp_path).as_posix() for path in written) == [
        "fakeshop/fakeshop_add_credit.json",
        "fakeshop/fakeshop_decline_confirmation.json",
        "fakeshop/fakeshop_get_customer.json",
        "fakeshop/fakeshop_set_note.json",
    ]
    assert check_all([fakeshop], tmp_path) == []
    (tmp_path / "fakeshop" / "fakeshop_get_customer.json").write_text("{}")
    assert check_all([fakeshop], tmp_path) == ["fakeshop/out of date: fakeshop_get_customer.json"]
    assert budget_problems(fakeshop.tools()) == []


def test_backend_selection_treats_it_like_any_provider(fakeshop: Provider, monkeypatch: pytest.MonkeyPatch) -> None:
    from uc_mcp.backends import select
    from uc_mcp.providers import all_providers

    # Nothing configured: every provider, the registry's and this one, on its sandbox.
    assert {p.name: b for p, b in select(make_settings(), "stdio").items()} == {
        p.name: "sandbox" for p in all_providers()
    }
    assert "fakeshop" in {p.name for p in all_providers()}
    monkeypatch.setenv("FAKESHOP_KEY", "k" * 20)
    assert {p.name: b for p, b in select(make_settings(), "stdio").items()} == {"fakeshop": "api"}
    with pytest.raises(ConfigurationError, match="UltraCart is listed in UC_MCP_PROVIDERS but has no credentials"):
        select(make_settings(providers=["ultracart", "fakeshop"]), "stdio")


def test_the_doctor_checks_it(fakeshop: Provider, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from uc_mcp.doctor import diagnose

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UC_MCP_PROVIDERS", "ultracart=sandbox,fakeshop=sandbox")
    monkeypatch.setenv("UC_MCP_SANDBOX_DB", str(tmp_path / "s.sqlite3"))
    lines = [finding.render() for finding in diagnose("stdio", network=False)]
    assert any(line.startswith("ok    fakeshop backend") and "fakeshop on its sandbox" in line for line in lines), lines
    assert any(line.startswith("ok    ultracart backend") for line in lines), lines


def test_every_combination_of_providers_lists_within_the_definitions_budget(fakeshop: Provider) -> None:
    """DESIGN.md: the default listing a host puts in context stays within 64 KB with every provider enabled, not
    per provider. Every combination of the registered providers (and this test's) is measured."""
    from uc_mcp.providers import all_providers
    from uc_mcp.schemas import TOTAL_BUDGET, default_listing_sizes

    measured = dict(default_listing_sizes(all_providers()))
    assert ("ultracart", "fakeshop") in measured and ("ultracart",) in measured
    assert {names: size for names, size in measured.items() if size > TOTAL_BUDGET} == {}
    # With others enabled, a provider lists its smaller shared defaults.
    assert measured[("ultracart", "fakeshop")] < measured[("ultracart",)]


def test_uc_mcp_config_carries_each_configured_providers_credential(fakeshop: Provider) -> None:
    from uc_mcp.host_config import has_credential, server_environment

    environ = {"FAKESHOP_KEY": "real-key-0123456789", "FAKESHOP_REGION": "eu", "UC_MCP_READ_ONLY": "1"}
    assert has_credential(environ)
    block = server_environment(sandbox=False, include_secrets=False, environ=environ)
    assert block == {"FAKESHOP_KEY": "<your FakeShop key>", "FAKESHOP_REGION": "eu", "UC_MCP_READ_ONLY": "1"}
    assert (
        server_environment(sandbox=False, include_secrets=True, environ=environ)["FAKESHOP_KEY"]
        == environ["FAKESHOP_KEY"]
    )
    # The sandbox block carries no provider's variable (any would select that provider's real API).
    assert server_environment(sandbox=True, include_secrets=False, environ=environ) == {
        "UC_MCP_READ_ONLY": "1",
        "UC_MCP_BACKEND": "sandbox",
    }
