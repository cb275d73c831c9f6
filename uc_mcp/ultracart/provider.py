"""UltraCart as a provider: everything the server, the command line and the doctor need, as data.

Cheap to import (the registry imports it at start-up): the tool table, the API client and the sandbox are
imported by the callables below, when first needed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from ..core.provider import Backend, Finding, Provider, ProviderSettings
from .names import DEFAULT_TOOLSETS, NAME, SHARED_DEFAULT_TOOLSETS, TOOLSETS
from .settings import UltraCartSettings

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from ..core.completions import Completions
    from ..core.provider import ContextFactory
    from ..core.toolspec import ToolSpec

INSTRUCTIONS: Final = """\
- Start with the assist tools: ultracart_find_customers (any email, name, company, phone digits or oid; ranked, \
says why each matched), ultracart_customer_overview (one customer's support view in one call), \
ultracart_count_customers (counts and breakdowns), ultracart_rank_customers (top N by store credit, orders, \
loyalty points or signup date). They make at most max_calls API calls (the API allows about \
1,000 an hour) and say when an answer is partial.
- Exact tools: ultracart_get_customer (customer_profile_oid, an integer id), ultracart_get_customer_by_email, \
ultracart_get_customers (filters, paging), ultracart_get_customers_by_query (several emails, tags).
- Lists come as a compact table with total and next_offset; call again with offset=next_offset for more, or \
pass fields=[...] for other fields. Every result is cut to fit your context and says so in notice.
- Change customers with ultracart_insert_customer / ultracart_update_customer (only the fields the user asked \
to change; add_tags / remove_tags for tags), wishlists and email-list subscriptions with their tools. A write \
whose outcome is unknown says how to check before trying again: never repeat it blindly.
- Deleting, merging, store credit, cashback and login links need the user's explicit yes: the host asks them, \
or you get a preview and a confirm token: show the preview, wait for their yes, then call again with the token. \
Every write is recorded in an audit log.
- Dates in results are as UltraCart gives them, with their UTC offset; date filters without an offset are in the \
store's time zone, and a date-only end covers that whole day. Store credit and cashback are one balance.
"""


def _tools() -> Sequence[ToolSpec]:
    from .tools import TOOLS

    return TOOLS


def _completions() -> Completions:
    from .completions import COMPLETIONS

    return COMPLETIONS


def _api(server: Any, settings: ProviderSettings) -> Any:
    from .client import ultracart_api

    assert isinstance(settings, UltraCartSettings)
    return ultracart_api(settings, redis_url=server.redis_url)


def _sandbox(server: Any, settings: ProviderSettings) -> tuple[Any, Any]:
    from .client import open_sandbox, sandbox_api, shared_pace

    assert isinstance(settings, UltraCartSettings)
    sandbox = open_sandbox(settings)  # a database that cannot be opened: ConfigurationError
    # Unpaced (no rate) unless the sandbox ever answers 429; the timeline is shared all the same.
    pace = shared_pace(server.redis_url, settings.sandbox_api_key.get_secret_value())
    return sandbox, sandbox_api(sandbox, concurrency=4, shared=pace)


def _check(settings: ProviderSettings, backend: Backend) -> None:
    from .client import check_ultracart

    assert isinstance(settings, UltraCartSettings)
    check_ultracart(settings, backend)


def _register_prompts(server: MCPServer, enabled: Collection[str]) -> list[str]:
    from .prompts import register_prompts

    return register_prompts(server, enabled)


def _register_resources(
    server: MCPServer, context: ContextFactory, enabled: Collection[str], transport: str
) -> list[str]:
    from .resources import register_resources

    registered = register_resources(server, context, enabled)
    if transport == "http":  # over HTTP an export is its caller's expiring resource, not a server path
        from .tools.export import register_export_resources

        register_export_resources(server, context, enabled)
    return registered


async def _doctor(server: Any, settings: ProviderSettings, backend: Backend, network: bool) -> list[Finding]:
    from .doctor import diagnose

    return await diagnose(server, settings, backend, network)


def _sandbox_cli(args: Any, settings: ProviderSettings) -> int:
    from .sandbox_cli import run

    return run(args, settings)


def _tenant_credentials(headers: Mapping[str, str]) -> Mapping[str, str] | None:
    key, token = headers.get("x-ultracart-simple-key", "").strip(), headers.get("x-ultracart-oauth-token", "").strip()
    if key and token:
        raise ValueError(
            "send the store's UltraCart credential in exactly one of X-UltraCart-Simple-Key or "
            "X-UltraCart-OAuth-Token, not both"
        )
    if key:
        return {"ultracart_api_key": key, "ultracart_oauth_token": ""}
    if token:
        return {"ultracart_oauth_token": token, "ultracart_api_key": ""}
    return None


def _describe_api(settings: ProviderSettings) -> str:
    from ..core.errors import safe_url

    assert isinstance(settings, UltraCartSettings)
    return f"UltraCart API at {safe_url(settings.ultracart_base_url)}"


def _describe_sandbox(settings: ProviderSettings) -> str:
    assert isinstance(settings, UltraCartSettings)
    return f"the embedded SANDBOX (demo data, not a real store) in {settings.sandbox_db_path}"


PROVIDER: Final = Provider(
    name=NAME,
    title="UltraCart",
    credentials_hint="ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN",
    settings=UltraCartSettings,
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
    tenant_headers_hint="exactly one of X-UltraCart-Simple-Key or X-UltraCart-OAuth-Token",
    tenant_field_headers={
        "ultracart_api_key": "X-UltraCart-Simple-Key",
        "ultracart_oauth_token": "X-UltraCart-OAuth-Token",
    },
    describe_api=_describe_api,
    describe_sandbox=_describe_sandbox,
    forbidden_graphs=("Order", "CustomerActivity", "CustomerEDI", "GiftCertificate"),
    credential_variables={
        "ULTRACART_API_KEY": "<your UltraCart simple key>",
        "ULTRACART_OAUTH_TOKEN": "<your UltraCart OAuth token>",
    },
    carried_variables=("ULTRACART_BASE_URL", "UC_MCP_SANDBOX_DB", "UC_MCP_RATE_LIMIT", "UC_MCP_CONCURRENCY"),
    path_variables=("UC_MCP_SANDBOX_DB",),
    unguarded_destructive={
        "ultracart_update_customer": "a targeted field update the user asked for; the result lists what changed",
    },
)
