"""One settings object for flags, environment and ``.env`` (documented in ``.env.example``).

Names follow DESIGN.md §2: ``ULTRACART_*`` for the store's credentials and endpoint, ``UC_MCP_*``
for the server's own behaviour. Command-line flags are passed as keyword arguments and win over
the environment, which wins over ``.env``.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_BASE_URL = "https://secure.ultracart.com/rest/v2"


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

    @field_validator("toolsets", "redact", "allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def sandbox_db_path(self) -> Path:
        return self.sandbox_db or default_sandbox_db()

    @staticmethod
    def ultracart_configured() -> bool:
        """Any ULTRACART_* variable set means the real API was asked for (DESIGN.md: backend selection)."""
        return any(name.upper().startswith("ULTRACART_") for name in os.environ)
