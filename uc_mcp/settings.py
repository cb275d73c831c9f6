"""One settings object for flags, environment and ``.env`` (documented in ``.env.example``).

Names follow DESIGN.md §2: ``ULTRACART_*`` for the store's credentials and endpoint, ``UC_MCP_*``
for the server's own behaviour. Command-line flags are passed as keyword arguments and win over
the environment, which wins over ``.env``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .core.errors import ConfigurationError

DEFAULT_BASE_URL = "https://secure.ultracart.com/rest/v2"
ULTRACART_PREFIX = "ultracart_"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


CommaList = Annotated[list[str], NoDecode]


def default_sandbox_db() -> Path:
    from platformdirs import user_data_path

    return user_data_path("uc-mcp", appauthor=False) / "sandbox.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `NAME=` in a copied .env.example means "not set"
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    # UltraCart
    ultracart_api_key: SecretStr | None = Field(None, validation_alias=_env("ULTRACART_API_KEY"))
    ultracart_oauth_token: SecretStr | None = Field(None, validation_alias=_env("ULTRACART_OAUTH_TOKEN"))
    ultracart_base_url: str = Field(DEFAULT_BASE_URL, validation_alias=_env("ULTRACART_BASE_URL"))
    rate_limit: float | None = Field(None, gt=0, validation_alias=_env("UC_MCP_RATE_LIMIT"))
    concurrency: int | None = Field(None, ge=1, le=32, validation_alias=_env("UC_MCP_CONCURRENCY"))

    # Server behaviour
    backend: Literal["auto", "ultracart", "sandbox"] = Field("auto", validation_alias=_env("UC_MCP_BACKEND"))
    read_only: bool = Field(False, validation_alias=_env("UC_MCP_READ_ONLY"))
    toolsets: CommaList | None = Field(None, validation_alias=_env("UC_MCP_TOOLSETS"))
    max_result_tokens: int = Field(4000, ge=200, le=100_000, validation_alias=_env("UC_MCP_MAX_RESULT_TOKENS"))
    audit_log: Path | None = Field(None, validation_alias=_env("UC_MCP_AUDIT_LOG"))
    confirm_secret: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_CONFIRM_SECRET"))
    confirm_fallback: Literal["token", "deny"] | None = Field(None, validation_alias=_env("UC_MCP_CONFIRM_FALLBACK"))
    max_credit: Decimal = Field(Decimal("500.00"), gt=0, decimal_places=2, validation_alias=_env("UC_MCP_MAX_CREDIT"))
    reveal_magic_links: bool = Field(False, validation_alias=_env("UC_MCP_REVEAL_MAGIC_LINKS"))
    reveal_tokens: bool = Field(False, validation_alias=_env("UC_MCP_REVEAL_TOKENS"))
    redact: CommaList = Field(default_factory=list, validation_alias=_env("UC_MCP_REDACT"))
    http_token: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_HTTP_TOKEN"))
    http_tokens: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_HTTP_TOKENS"))
    allowed_hosts: CommaList = Field(default_factory=list, validation_alias=_env("UC_MCP_ALLOWED_HOSTS"))
    allowed_origins: CommaList = Field(default_factory=list, validation_alias=_env("UC_MCP_ALLOWED_ORIGINS"))
    multi_tenant: bool = Field(False, validation_alias=_env("UC_MCP_MULTI_TENANT"))
    request_state_secret: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_REQUEST_STATE_SECRET"))
    redis_url: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_REDIS_URL"))
    export_dir: Path | None = Field(None, validation_alias=_env("UC_MCP_EXPORT_DIR"))

    # Embedded sandbox
    sandbox_db: Path | None = Field(None, validation_alias=_env("UC_MCP_SANDBOX_DB"))
    sandbox_customers: int = Field(250, ge=0, le=1_000_000, validation_alias=_env("UC_MCP_SANDBOX_CUSTOMERS"))
    sandbox_seed: int = Field(2017, validation_alias=_env("UC_MCP_SANDBOX_SEED"))
    sandbox_api_key: SecretStr = Field(SecretStr("sandbox-key"), validation_alias=_env("UC_MCP_SANDBOX_API_KEY"))
    sandbox_profile: Literal["default", "strict"] = Field("default", validation_alias=_env("UC_MCP_SANDBOX_PROFILE"))

    # Whether any ULTRACART_* setting came from any source (see ``ultracart_configured``).
    _ultracart_given: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _note_ultracart_settings(cls, data: Any, handler: Any) -> Any:
        # ``data`` is what every source gave, merged: flags (as field names), the environment and
        # ``.env`` (whose unknown names are kept, lower-cased). Empty values were dropped already.
        settings = handler(data)
        if isinstance(data, Mapping):
            settings._ultracart_given = any(
                str(name).lower().startswith(ULTRACART_PREFIX) and value not in (None, "")
                for name, value in data.items()
            )
        return settings

    @field_validator("toolsets", "redact", "allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def sandbox_db_path(self) -> Path:
        return self.sandbox_db or default_sandbox_db()

    def ultracart_configured(self) -> bool:
        """Any ULTRACART_* setting present in any source — flags, environment, ``.env`` — means the real
        API was asked for (DESIGN.md: backend selection). An unknown ``ULTRACART_*`` name counts too
        (a misspelt key must not silently select the demo sandbox); the environment source passes on
        known names only, so the environment is read for the others."""
        if self._ultracart_given:
            return True
        return any(name.upper().startswith("ULTRACART_") and value for name, value in os.environ.items())


def variable_name(field: str) -> str:
    """The environment variable of a settings field (``read_only`` -> ``UC_MCP_READ_ONLY``)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices) and alias.choices and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return field.upper()


def _is_secret(field: str) -> bool:
    info = Settings.model_fields.get(field)
    return info is not None and (info.annotation is SecretStr or SecretStr in get_args(info.annotation))


def _field_of(location: str) -> str:
    """The field an error location names: a field name (flags) or a variable name (environment, .env)."""
    wanted = location.upper()
    for field in Settings.model_fields:
        if field == location or variable_name(field) == wanted:
            return field
    return location


_EXPECTATIONS = {
    "bool_parsing": "1 or 0 (also true/false, yes/no, on/off)",
    "bool_type": "1 or 0 (also true/false, yes/no, on/off)",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "decimal_parsing": "a number",
    "decimal_max_places": "a number with at most 2 decimal places",
}


def describe_invalid(error: ValidationError) -> str:
    """One line for settings that failed validation: each variable, its value (never a secret's) and
    what is allowed. Pydantic's own text spans several lines and repeats secret values."""
    problems = []
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item["loc"]) or "settings"
        field = _field_of(location)
        name = variable_name(field)
        value = "(value not shown)" if _is_secret(field) else repr(_shorten(item.get("input")))
        problems.append(f"{name}={value} is not valid: expected {_expected(item)}")
    return "; ".join(problems) + "."


_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def _expected(item: Any) -> str:
    kind, context = item["type"], item.get("ctx") or {}
    if kind in _EXPECTATIONS:
        return _EXPECTATIONS[kind]
    if kind == "literal_error":
        return "one of " + str(context.get("expected", ""))
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"a number {words} {context.get(key)}"
    return _lower_first(str(item["msg"]))


def _shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    return value


def _lower_first(text: str) -> str:
    text = text.removeprefix("Input should be ").removeprefix("Value should be ").removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def load_settings(**overrides: Any) -> Settings:
    """The settings from flags (``overrides``), environment and ``.env``; a value that cannot be read is
    a ``ConfigurationError`` with one line naming the variable, its value and what is allowed."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(describe_invalid(error)) from None
