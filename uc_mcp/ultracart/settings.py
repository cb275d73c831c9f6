"""UltraCart's settings: its credentials and endpoint (``ULTRACART_*``), the client's pace, and its embedded
sandbox. The names are the ones uc-mcp has always read (``UC_MCP_RATE_LIMIT``, ``UC_MCP_SANDBOX_DB``, ... keep
their ``UC_MCP_`` names: they are not credentials, and setting one must not select the real API)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr

from ..core.provider import ProviderSettings

DEFAULT_BASE_URL = "https://secure.ultracart.com/rest/v2"


def default_sandbox_db() -> Path:
    from platformdirs import user_data_path

    return user_data_path("uc-mcp", appauthor=False) / "sandbox.sqlite3"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class UltraCartSettings(ProviderSettings):
    ENV_PREFIX: ClassVar[str] = "ULTRACART_"

    ultracart_api_key: SecretStr | None = Field(None, validation_alias=_env("ULTRACART_API_KEY"))
    ultracart_oauth_token: SecretStr | None = Field(None, validation_alias=_env("ULTRACART_OAUTH_TOKEN"))
    ultracart_base_url: str = Field(DEFAULT_BASE_URL, validation_alias=_env("ULTRACART_BASE_URL"))
    rate_limit: float | None = Field(None, gt=0, validation_alias=_env("UC_MCP_RATE_LIMIT"))
    concurrency: int | None = Field(None, ge=1, le=32, validation_alias=_env("UC_MCP_CONCURRENCY"))

    # Embedded sandbox
    sandbox_db: Path | None = Field(None, validation_alias=_env("UC_MCP_SANDBOX_DB"))
    sandbox_customers: int = Field(250, ge=0, le=1_000_000, validation_alias=_env("UC_MCP_SANDBOX_CUSTOMERS"))
    sandbox_seed: int = Field(2017, validation_alias=_env("UC_MCP_SANDBOX_SEED"))
    sandbox_api_key: SecretStr = Field(SecretStr("sandbox-key"), validation_alias=_env("UC_MCP_SANDBOX_API_KEY"))
    sandbox_profile: Literal["default", "strict"] = Field("default", validation_alias=_env("UC_MCP_SANDBOX_PROFILE"))

    @property
    def sandbox_db_path(self) -> Path:
        return self.sandbox_db or default_sandbox_db()

    def ultracart_configured(self) -> bool:
        return self.configured()
