"""What the server needs to know about one provider (UltraCart, Voucherify, The Wishlist, ...).

A provider is a folder: its settings, API client, tool table, prompts, resources, embedded sandbox and doctor
checks, gathered in one :class:`Provider` that the registry (``uc_mcp/providers.py``) lists. Everything that
assembles the server — the MCP server itself, the command line, ``tool_schemas/``, the doctor, the HTTP gate —
is built from the enabled providers and never names one. Adding a provider is one folder and one registry
line; nothing here changes.

Names: a provider's tools are ``<provider>_<operation>``; its toolsets ``<provider>.<toolset>`` (an unprefixed
toolset name, as ``--toolsets customers`` always was, means that toolset of every enabled provider that has one);
its resources ``<provider>://...``; its tool schemas ``tool_schemas/<provider>/``.

Heavy parts are reached through callables that import on first use: building the server imports a provider's
tool table, never its API client, database or sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, get_args

from pydantic import PrivateAttr, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from mcp.server.mcpserver import Context, MCPServer

    from .completions import Completions
    from .toolspec import ToolContext, ToolSpec

__all__ = [
    "Backend",
    "Finding",
    "Provider",
    "ProviderSettings",
    "qualified_toolset",
]

Backend = Literal["api", "sandbox"]
ContextFactory = Callable[["Context[Any, Any]"], "ToolContext"]


# Where every settings class reads from: flags, the environment and .env, as the server's own settings do.
SETTINGS_SOURCES = SettingsConfigDict(
    env_file=".env",
    env_file_encoding="utf-8",
    env_ignore_empty=True,  # `NAME=` in a copied .env.example means "not set"
    extra="ignore",
    populate_by_name=True,
    case_sensitive=False,
)


class ProviderSettings(BaseSettings):
    """A provider's own settings (credentials, base URL, pacing, its sandbox), read from the same sources as the
    server's: flags (keyword arguments), the environment and ``.env``.

    ``ENV_PREFIX`` names the provider's variables (``ULTRACART_``): any of them set in any source means the
    provider's real API was asked for (``configured``), and it is then never silently served from demo data.
    """

    model_config = SETTINGS_SOURCES
    ENV_PREFIX: ClassVar[str] = ""

    # Whether any ENV_PREFIX setting came from any source (see ``configured``).
    _given: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _note_given(cls, data: Any, handler: Any) -> Any:
        # ``data`` is what every source gave, merged: flags (as field names), the environment and ``.env``
        # (whose unknown names are kept, lower-cased). Empty values were dropped already.
        settings = handler(data)
        prefix = cls.ENV_PREFIX.lower()
        if prefix and isinstance(data, Mapping):
            settings._given = any(
                str(name).lower().startswith(prefix) and value not in (None, "") for name, value in data.items()
            )
        return settings

    def configured(self) -> bool:
        """Any ``ENV_PREFIX`` setting present in any source — flags, environment, ``.env`` — means the real API
        was asked for. An unknown name with the prefix counts too (a misspelt key must not silently select
        the demo sandbox); the environment source passes on known names only, so it is read for the others."""
        if self._given:
            return True
        prefix = self.ENV_PREFIX.upper()
        return bool(prefix) and any(name.upper().startswith(prefix) and value for name, value in os.environ.items())

    def with_values(self, values: Mapping[str, str]) -> Self:
        """A copy with these fields set from text (one tenant's credential); "" clears a field. Secret fields
        are wrapped as secrets."""
        update: dict[str, Any] = {}
        for name, text in values.items():
            info = type(self).model_fields[name]
            secret = info.annotation is SecretStr or SecretStr in get_args(info.annotation)
            update[name] = (SecretStr(text) if secret else text) if text else None
        return self.model_copy(update=update)

    def secrets(self) -> list[str]:
        """Every secret value set here: kept out of logs and errors."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]


@dataclass(frozen=True, slots=True)
class Finding:
    """One check of ``uc-mcp doctor``: its level, what was checked, what was found and, for a failure, the fix.
    Never a secret (at most the last four characters of a key)."""

    level: Literal["ok", "warn", "FAIL"]
    check: str
    detail: str
    fix: str = ""

    def render(self) -> str:
        line = f"{self.level:<4}  {self.check:<18} {self.detail}"
        return f"{line}\n{'':<24} fix: {self.fix}" if self.fix else line


def qualified_toolset(provider: str, toolset: str) -> str:
    return f"{provider}.{toolset}"


@dataclass(frozen=True, slots=True, eq=False)  # one object per provider: compared and hashed by identity
class Provider:
    """One provider, as assembly sees it. Every callable imports what it needs when called."""

    name: str  # tool and toolset prefix, tool_schemas/ folder, resource scheme
    title: str  # for people: "UltraCart"
    credentials_hint: str  # what to set for the real API: "ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN"
    settings: type[ProviderSettings]
    tools: Callable[[], Sequence[ToolSpec]]  # the tool table (imports it)
    toolsets: tuple[str, ...]  # unqualified: "customers", ...
    default_toolsets: tuple[str, ...]  # when this provider is the only one enabled
    # Defaults when other providers are enabled too: the host lists every provider's defaults, and together they
    # must stay within the definitions budget (DESIGN.md); the rest is a toolset away (dynamic mode).
    shared_default_toolsets: tuple[str, ...]
    instructions: str  # the provider's paragraph of the server's instructions
    # The real API's client for these settings (in multi-tenant mode, one tenant's); the server's settings come
    # first (Redis for a shared pace, ...).
    api: Callable[[Any, ProviderSettings], Any]
    # The embedded sandbox for these settings: returns (sandbox, client); opened on a provider's first call.
    sandbox: Callable[[Any, ProviderSettings], tuple[Any, Any]]
    # Raises ConfigurationError when the provider cannot run on that backend with these settings (a missing
    # credential, a sandbox database that cannot be created): checked at start-up, without the network.
    check_configuration: Callable[[ProviderSettings, Backend], None]
    # ``uc-mcp sandbox <provider>``: serves its sandbox API on a socket, with the command's options (argparse
    # namespace: host, port, db, customers, seed, api_key, strict, faults, ...).
    sandbox_cli: Callable[[Any, ProviderSettings], int] | None = None
    register_prompts: Callable[[MCPServer, Collection[str]], list[str]] | None = None
    # Registers the resources of the enabled tools (``transport``: "stdio" or "http"); returns their URIs.
    register_resources: Callable[[MCPServer, ContextFactory, Collection[str], str], list[str]] | None = None
    # ``uc-mcp doctor``: the provider's checks for its backend ("api" or "sandbox"), the cheap API call included
    # when ``network`` (the server's settings first).
    doctor: Callable[[Any, ProviderSettings, Backend, bool], Awaitable[list[Finding]]] | None = None
    # Multi-tenant HTTP: the store's credential in a request's headers (names lower-cased), as the provider
    # settings fields it sets; None when the request carries none for this provider; ValueError, whose message is
    # for the client, when the headers cannot be used (two alternatives at once, half a key pair).
    tenant_credentials: Callable[[Mapping[str, str]], Mapping[str, str] | None] | None = None
    tenant_headers_hint: str = ""  # for messages: "X-UltraCart-Simple-Key or X-UltraCart-OAuth-Token"
    tenant_field_headers: Mapping[str, str] = field(default_factory=dict)  # settings field -> the header it came in
    # Where the real API is (for start-up lines and the doctor), without secrets.
    describe_api: Callable[[ProviderSettings], str] = lambda settings: "the real API"
    describe_sandbox: Callable[[ProviderSettings], str] = lambda settings: "the embedded sandbox"
    # Field names the outbound filter must know (UC_MCP_REDACT classes: "email", "phone", "name", ...), beyond
    # the ones every provider shares, and the argument/result keys that identify a record for the audit log.
    redaction_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    audit_id_keys: frozenset[str] = frozenset()
    # Schemas the provider keeps out of tool definitions (DESIGN.md: they would cost every turn's context).
    forbidden_graphs: tuple[str, ...] = ()
    # DESIGN.md: every tool marked destructive is guarded, unless named here with the reason.
    unguarded_destructive: Mapping[str, str] = field(default_factory=dict)
    # ``uc-mcp config``: the provider's credential variables, each with the placeholder a printed block carries
    # (the first is the one to set), and the other variables worth carrying into a host's environment (those
    # holding paths are made absolute: a host starts the server in a directory of its own).
    credential_variables: Mapping[str, str] = field(default_factory=dict)
    carried_variables: tuple[str, ...] = ()
    path_variables: tuple[str, ...] = ()
    # ``completion/complete`` (core/completions.py): the prompts and URI scheme it owns and its completers by
    # argument or variable name; imported on the first completion request, never at start-up.
    completions: Callable[[], Completions] | None = None

    def qualified(self, toolset: str) -> str:
        return qualified_toolset(self.name, toolset)
