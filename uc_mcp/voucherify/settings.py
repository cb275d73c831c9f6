"""Voucherify's settings: its key pair and endpoint (``VOUCHERIFY_*``), the client's pace, and its embedded
sandbox.

Only the credentials and the endpoint carry the ``VOUCHERIFY_`` prefix: any of them set anywhere (flags,
environment, ``.env``) means Voucherify's real API was asked for. The pace and the sandbox's own settings are not
credentials, so they are named ``UC_MCP_VOUCHERIFY_*`` (as UltraCart's are ``UC_MCP_*``): setting one never
selects the real API. Field names are prefixed ``voucherify_`` because a flag reaches every provider whose
settings have a field of its name (``uc_mcp/settings.py``): UltraCart's ``sandbox_db`` must stay UltraCart's.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Final

from pydantic import AliasChoices, Field, SecretStr

from ..core.provider import ProviderSettings

DEFAULT_BASE_URL: Final = "https://api.voucherify.io"
# The shared clusters (reference §1). Dedicated clusters have hosts of their own: allowed, named as such.
REGION_HOSTS: Final = {
    "api.voucherify.io": "Europe (the default region)",
    "us1.api.voucherify.io": "United States",
    "as1.api.voucherify.io": "Asia (Singapore)",
}
# Published limits (reference §6): 100 requests/minute on Business, 2,000 on Organization, 100/hour for a
# sandbox project. The client's default pace is the lowest paid plan's; the limiter also slows down on every
# 429 (Voucherify sends Retry-After), which is what a sandbox project's hourly limit will meet.
BUSINESS_RATE: Final = 100 / 60
DEFAULT_CONCURRENCY: Final = 2
# The embedded sandbox's key pair (uc_mcp/voucherify/sandbox/runtime.py: DEFAULT_APP_ID / DEFAULT_APP_TOKEN).
SANDBOX_APP_ID: Final = "sandbox-app-id"
SANDBOX_APP_TOKEN: Final = "sandbox-app-token"


def default_sandbox_db() -> Path:
    """Beside UltraCart's sandbox database, in a file of its own."""
    from platformdirs import user_data_path

    return user_data_path("uc-mcp", appauthor=False) / "voucherify-sandbox.sqlite3"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class VoucherifySettings(ProviderSettings):
    ENV_PREFIX: ClassVar[str] = "VOUCHERIFY_"

    # The application id is sent beside the secret key and names the project: not itself a secret.
    voucherify_app_id: str | None = Field(None, validation_alias=_env("VOUCHERIFY_APP_ID"))
    voucherify_app_token: SecretStr | None = Field(None, validation_alias=_env("VOUCHERIFY_APP_TOKEN"))
    voucherify_base_url: str = Field(DEFAULT_BASE_URL, validation_alias=_env("VOUCHERIFY_BASE_URL"))
    voucherify_rate_limit: float | None = Field(None, gt=0, validation_alias=_env("UC_MCP_VOUCHERIFY_RATE_LIMIT"))
    voucherify_concurrency: int | None = Field(
        None, ge=1, le=32, validation_alias=_env("UC_MCP_VOUCHERIFY_CONCURRENCY")
    )

    # Embedded sandbox
    voucherify_sandbox_db: Path | None = Field(None, validation_alias=_env("UC_MCP_VOUCHERIFY_SANDBOX_DB"))
    voucherify_sandbox_customers: int = Field(
        120, ge=0, le=1_000_000, validation_alias=_env("UC_MCP_VOUCHERIFY_SANDBOX_CUSTOMERS")
    )
    voucherify_sandbox_seed: int = Field(2018, validation_alias=_env("UC_MCP_VOUCHERIFY_SANDBOX_SEED"))
    voucherify_sandbox_app_id: str = Field(SANDBOX_APP_ID, validation_alias=_env("UC_MCP_VOUCHERIFY_SANDBOX_APP_ID"))
    voucherify_sandbox_app_token: SecretStr = Field(
        SecretStr(SANDBOX_APP_TOKEN), validation_alias=_env("UC_MCP_VOUCHERIFY_SANDBOX_APP_TOKEN")
    )

    @property
    def sandbox_db_path(self) -> Path:
        return self.voucherify_sandbox_db or default_sandbox_db()

    @property
    def pace(self) -> float:
        """Requests per second the client allows itself against the real API."""
        return self.voucherify_rate_limit or BUSINESS_RATE

    def secrets(self) -> list[str]:
        # The application id travels with the key; keep it out of logs and errors as well.
        found = super().secrets()
        return [*found, self.voucherify_app_id] if self.voucherify_app_id else found
