"""TWC (The Wishlist) as a provider: everything the server, the command line and the doctor need, as data.

Cheap to import (the registry imports it at start-up): the tool table, the API client and the sandbox are imported
by the callables below, when first needed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from ..core.provider import Backend, Finding, Provider, ProviderSettings
from .names import DEFAULT_TOOLSETS, NAME, SHARED_DEFAULT_TOOLSETS, TOOLSETS
from .settings import TwcSettings

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from ..core.completions import Completions
    from ..core.provider import ContextFactory
    from ..core.toolspec import ToolSpec

INSTRUCTIONS: Final = """\
- Start with the assist tools: twc_find_customers (email, name, phone or mobile, customerRef; any of them; ranked, \
says why each matched) and twc_customer_overview (one customer's profile, consent per channel, addresses and \
loyalty in one call).
- The Wishlist (TWC) holds one retailer's (tenant's) customers. Customers: twc_search_customers (exact email, \
firstName, lastName, mobile or phone; at least one; all must match; a compact table), twc_get_customer (by TWC's \
id or your customerRef: match_by), twc_create_customer (email required; email and customerRef are unique in the \
tenant), twc_update_customer (only the fields given change; match_by id, customerRef or email).
- Consent: accepts_marketing, and optin_preferences.email / .sms (opt_in_active, opted_in_at); set them with \
email_opt_in / sms_opt_in. dob is DD-MM-YYYY, not ISO. Addresses use address1, city, province(Code), postcode, \
country(Code); defaultAddress is the default one.
"""

# Multi-tenant HTTP: a store's TWC credential is three values, sent together in three headers. X-TWC-Tenant is
# TWC's own header for the tenant (the same value the API takes), so a request reads as TWC's do; the client's id
# and secret follow its prefix. Names lower-cased, as the gate passes them.
TENANT_HEADERS: Final = {
    "twc_tenant": "X-TWC-Tenant",
    "twc_client_id": "X-TWC-Client-Id",
    "twc_client_secret": "X-TWC-Client-Secret",
}


def _tools() -> Sequence[ToolSpec]:
    from .tools import TOOLS

    return TOOLS


def _completions() -> Completions:
    from .completions import COMPLETIONS

    return COMPLETIONS


def _api(server: Any, settings: ProviderSettings) -> Any:
    from .client import twc_api

    assert isinstance(settings, TwcSettings)
    return twc_api(settings, redis_url=server.redis_url)


def _sandbox(server: Any, settings: ProviderSettings) -> tuple[Any, Any]:
    from ..core.errors import ConfigurationError
    from ..core.tenants import shared_pace
    from .client import open_sandbox, sandbox_api

    assert isinstance(settings, TwcSettings)
    sandbox = open_sandbox(settings)  # a database that cannot be opened: ConfigurationError
    # Unpaced (no rate) unless the sandbox ever answers 429; the timeline is shared all the same.
    pace = shared_pace(server.redis_url, f"twc-sandbox:{settings.twc_sandbox_tenant}")
    try:
        api = sandbox_api(sandbox, tenant=settings.twc_sandbox_tenant, concurrency=4, shared=pace)
    except ConfigurationError:
        sandbox.close()
        raise
    return sandbox, api


def _check(settings: ProviderSettings, backend: Backend) -> None:
    from .client import check_twc

    assert isinstance(settings, TwcSettings)
    check_twc(settings, backend)


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
    given = {field: headers.get(header.lower(), "").strip() for field, header in TENANT_HEADERS.items()}
    if not any(given.values()):
        return None
    missing = [TENANT_HEADERS[field] for field, value in given.items() if not value]
    if missing:
        raise ValueError(
            "send the store's TWC credential in all of X-TWC-Tenant, X-TWC-Client-Id and X-TWC-Client-Secret; "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
        )
    return given


def _describe_api(settings: ProviderSettings) -> str:
    from ..core.errors import safe_url
    from .client import environment_of

    assert isinstance(settings, TwcSettings)
    environment = environment_of(settings.twc_base_url)
    where = f"TWC API at {safe_url(settings.twc_base_url)}" + (f" ({environment})" if environment else "")
    return f"{where}, tenant {settings.twc_tenant}"


def _describe_sandbox(settings: ProviderSettings) -> str:
    assert isinstance(settings, TwcSettings)
    return (
        f"the embedded TWC SANDBOX (demo data, not a real tenant; tenant {settings.twc_sandbox_tenant}) in "
        f"{settings.sandbox_db_path}"
    )


PROVIDER: Final = Provider(
    name=NAME,
    title="TWC",
    credentials_hint="TWC_CLIENT_ID, TWC_CLIENT_SECRET and TWC_TENANT",
    settings=TwcSettings,
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
    tenant_headers_hint="all of X-TWC-Tenant, X-TWC-Client-Id and X-TWC-Client-Secret",
    tenant_field_headers=TENANT_HEADERS,
    describe_api=_describe_api,
    describe_sandbox=_describe_sandbox,
    # The UC_MCP_REDACT classes' field names in TWC's records, beyond the shared ones (email, phone, name, ...):
    # camelCase names, the mobile, TWC's address lines. The five classes have none for a date of birth; dob is
    # masked with the address class (personal details masked whole, never partly shown).
    redaction_fields={
        "phone": frozenset({"mobile"}),
        "address": frozenset({"address1", "address2", "postcode", "building", "level", "dob"}),
        "name": frozenset({"firstName", "lastName"}),
    },
    # The keys that name a record for the audit log: TWC's id, the retailer's customerRef, the tools' customer
    # (an id or a ref, as match_by says), an address's id, and the id a guarded tool's preview resolved.
    audit_id_keys=frozenset({"id", "customerRef", "customer", "address_id", "addressId", "customer_id"}),
    # DESIGN.md: no wishlist graph in a tool definition (TWC's customers only).
    forbidden_graphs=("Wishlist", "WishlistItem"),
    unguarded_destructive={
        "twc_update_customer": "a targeted field update the user asked for; the result lists what changed",
    },
    # `uc-mcp config` carries one credential per provider: the client secret; the client id and the tenant (not
    # secrets) travel with the other carried variables.
    credential_variables={"TWC_CLIENT_SECRET": "<your TWC client secret>"},
    carried_variables=(
        "TWC_CLIENT_ID",
        "TWC_TENANT",
        "TWC_BASE_URL",
        "TWC_AUTH_URL",
        "UC_MCP_TWC_SANDBOX_DB",
        "UC_MCP_TWC_SANDBOX_TENANT",
        "UC_MCP_TWC_RATE_LIMIT",
        "UC_MCP_TWC_CONCURRENCY",
    ),
    path_variables=("UC_MCP_TWC_SANDBOX_DB",),
)
