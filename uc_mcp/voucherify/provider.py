"""Voucherify as a provider: everything the server, the command line and the doctor need, as data.

Cheap to import (the registry imports it at start-up): the tool table, the API client and the sandbox are imported
by the callables below, when first needed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from ..core.provider import Backend, Finding, Provider, ProviderSettings
from .names import DEFAULT_TOOLSETS, NAME, SHARED_DEFAULT_TOOLSETS, TOOLSETS
from .settings import VoucherifySettings

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from ..core.completions import Completions
    from ..core.provider import ContextFactory
    from ..core.toolspec import ToolSpec

INSTRUCTIONS: Final = """\
- Start with the assist tools: voucherify_find_customers (any email or part of one, name, source_id, id or phone \
digits; case-insensitive; ranked, says why each matched), voucherify_customer_overview (one customer's profile, \
loyalty, redemptions, segments, top redeemables and latest activity in one call), voucherify_count_customers (a \
count from the list's total). They make at most max_calls API calls and say when an answer is partial.
- Customers: voucherify_list_customers (exact email, name, city or segment_id; date ranges; a compact table with \
total and next_cursor: call again with cursor=next_cursor for more), voucherify_get_customer (an id cust_... or the \
merchant's source_id, wherever a customer_id is asked for).
- What a customer did and holds: voucherify_list_customer_activity (events), voucherify_list_customer_segments, \
voucherify_list_customer_redeemables (vouchers, gift cards, loyalty cards, referral codes with balances).
- voucherify_create_customer is an upsert: an existing source_id is updated, and the result says created or \
updated. voucherify_update_customer changes only the fields given. Emails are not unique in Voucherify.
- Money is in cents (10000 = 100.00), points are loyalty points; dates are UTC.
"""

# Header pair of a store's credentials in multi-tenant HTTP mode (names lower-cased, as the gate passes them).
TENANT_APP_ID: Final = "x-voucherify-app-id"
TENANT_APP_TOKEN: Final = "x-voucherify-app-token"


def _tools() -> Sequence[ToolSpec]:
    from .tools import TOOLS

    return TOOLS


def _completions() -> Completions:
    from .completions import COMPLETIONS

    return COMPLETIONS


def _api(server: Any, settings: ProviderSettings) -> Any:
    from .client import voucherify_api

    assert isinstance(settings, VoucherifySettings)
    return voucherify_api(settings, redis_url=server.redis_url)


def _sandbox(server: Any, settings: ProviderSettings) -> tuple[Any, Any]:
    from ..core.tenants import shared_pace
    from .client import open_sandbox, sandbox_api

    assert isinstance(settings, VoucherifySettings)
    sandbox = open_sandbox(settings)  # a database that cannot be opened: ConfigurationError
    # Unpaced (no rate) unless the sandbox ever answers 429; the timeline is shared all the same.
    pace = shared_pace(server.redis_url, "voucherify:" + settings.voucherify_sandbox_app_token.get_secret_value())
    return sandbox, sandbox_api(sandbox, concurrency=4, shared=pace)


def _check(settings: ProviderSettings, backend: Backend) -> None:
    from .client import check_voucherify

    assert isinstance(settings, VoucherifySettings)
    check_voucherify(settings, backend)


def _register_prompts(server: MCPServer, enabled: Collection[str]) -> list[str]:
    from .prompts import register_prompts

    return register_prompts(server, enabled)


def _register_resources(
    server: MCPServer, context: ContextFactory, enabled: Collection[str], transport: str
) -> list[str]:
    from .resources import register_resources

    return register_resources(server, context, enabled)


async def _doctor(server: Any, settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    from .doctor import diagnose

    return await diagnose(server, settings, backend, network)


def _sandbox_cli(args: Any, settings: ProviderSettings) -> int:
    from .sandbox_cli import run

    return run(args, settings)


def _tenant_credentials(headers: Mapping[str, str]) -> Mapping[str, str] | None:
    app_id, token = headers.get(TENANT_APP_ID, "").strip(), headers.get(TENANT_APP_TOKEN, "").strip()
    if bool(app_id) != bool(token):
        missing = "X-Voucherify-App-Token" if app_id else "X-Voucherify-App-Id"
        raise ValueError(
            f"send the store's Voucherify key pair in both X-Voucherify-App-Id and X-Voucherify-App-Token; "
            f"{missing} is missing"
        )
    if not app_id:
        return None
    return {"voucherify_app_id": app_id, "voucherify_app_token": token}


def _describe_api(settings: ProviderSettings) -> str:
    from ..core.errors import safe_url
    from .client import region_of

    assert isinstance(settings, VoucherifySettings)
    region = region_of(settings.voucherify_base_url)
    return f"Voucherify API at {safe_url(settings.voucherify_base_url)}" + (f" ({region})" if region else "")


def _describe_sandbox(settings: ProviderSettings) -> str:
    assert isinstance(settings, VoucherifySettings)
    return f"the embedded Voucherify SANDBOX (demo data, not a real project) in {settings.sandbox_db_path}"


PROVIDER: Final = Provider(
    name=NAME,
    title="Voucherify",
    credentials_hint="VOUCHERIFY_APP_ID and VOUCHERIFY_APP_TOKEN",
    settings=VoucherifySettings,
    tools=_tools,
    completions=_completions,
    toolsets=TOOLSETS,
    default_toolsets=DEFAULT_TOOLSETS,
    shared_default_toolsets=SHARED_DEFAULT_TOOLSETS,
    instructions=INSTRUCTIONS,
    api=_api,
    sandbox=_sandbox,
    check_configuration=_check,
    sandbox_cli=_sandbox_cli,
    register_prompts=_register_prompts,
    register_resources=_register_resources,
    doctor=_doctor,
    tenant_credentials=_tenant_credentials,
    tenant_headers_hint="both X-Voucherify-App-Id and X-Voucherify-App-Token",
    tenant_field_headers={
        "voucherify_app_id": "X-Voucherify-App-Id",
        "voucherify_app_token": "X-Voucherify-App-Token",
    },
    describe_api=_describe_api,
    describe_sandbox=_describe_sandbox,
    # The UC_MCP_REDACT classes' field names in Voucherify's records (address parts are line_1/line_2/postal_code;
    # a customer's free-text note is its description), and the keys that name a record for the audit log.
    redaction_fields={
        "email": frozenset({"email"}),
        "phone": frozenset({"phone"}),
        "address": frozenset({"line_1", "line_2", "postal_code"}),
        "name": frozenset({"name"}),
        "notes": frozenset({"description"}),
    },
    audit_id_keys=frozenset({"customer_id", "id", "source_id", "async_action_id"}),
    # DESIGN.md: no campaign, voucher or order graph (nor an event's data) in a tool definition.
    forbidden_graphs=(
        "Campaign",
        "RedeemableVoucher",
        "SimpleVoucher",
        "VoucherBalance",
        "Order",
        "CustomerActivityData",
        "EventCustomer",
    ),
    unguarded_destructive={
        "voucherify_create_customer": "an upsert the user asked for: an existing source_id is updated, and the "
        "result says created or updated with each changed field",
        "voucherify_update_customer": "a targeted field update the user asked for; the result lists what changed",
    },
    # `uc-mcp config` carries one credential per provider: the secret key; the application id (not a secret)
    # travels with the other carried variables.
    credential_variables={"VOUCHERIFY_APP_TOKEN": "<your Voucherify secret key>"},
    carried_variables=(
        "VOUCHERIFY_APP_ID",
        "VOUCHERIFY_BASE_URL",
        "UC_MCP_VOUCHERIFY_SANDBOX_DB",
        "UC_MCP_VOUCHERIFY_RATE_LIMIT",
        "UC_MCP_VOUCHERIFY_CONCURRENCY",
    ),
    path_variables=("UC_MCP_VOUCHERIFY_SANDBOX_DB",),
)
