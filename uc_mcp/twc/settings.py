"""TWC's settings: the tenant's client credentials and endpoints (``TWC_*``), the client's pace, and its embedded
sandbox.

Only the credentials and the endpoints carry the ``TWC_`` prefix: any of them set anywhere (flags, environment,
``.env``) means TWC's real API was asked for. The pace and the sandbox's own settings are not credentials, so they
are named ``UC_MCP_TWC_*`` (as Voucherify's are ``UC_MCP_VOUCHERIFY_*``): setting one never selects the real API.
Field names are prefixed ``twc_`` because a flag reaches every provider whose settings have a field of its name
(``uc_mcp/settings.py``).

Hosts (reference §1): the API gateway ``https://api.au-aws.thewishlist.io`` (the customer service under
``/services/customerservice``, which the client adds) and the Keycloak auth server beside it,
``https://auth.au-aws.thewishlist.io`` (the token endpoint under ``/auth/realms/{tenant}/...``, which the client
adds). ``TWC_AUTH_URL`` is needed only when the auth server is not the API host's ``auth.`` twin: by default it is
derived from ``TWC_BASE_URL`` (``api.X`` → ``auth.X``; any other host, e.g. ``uc-mcp sandbox twc`` on 127.0.0.1,
serves both).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Final

from pydantic import AliasChoices, Field, SecretStr

from ..core.provider import ProviderSettings

DEFAULT_BASE_URL: Final = "https://api.au-aws.thewishlist.io"
# The two environments TWC has (reference §1); credentials and tenants of one do not work in the other.
ENVIRONMENT_HOSTS: Final = {
    "api.au-aws.thewishlist.io": "production (AU)",
    "api.au-sandbox.thewishlist.io": "TWC's sandbox environment (AU)",
}
# TWC documents no rate limit. Assumption: a gentle default pace (5 requests a second, 4 at a time) that a
# support desk never notices; the limiter still slows down on any 429 the gateway answers.
DEFAULT_RATE: Final = 5.0
DEFAULT_CONCURRENCY: Final = 4
# The embedded sandbox serves the first demo tenant unless told otherwise (uc_mcp/twc/sandbox/demo_data.py:
# DEMO_TENANTS; its client id and secret are the sandbox's own, read when it opens).
SANDBOX_TENANT: Final = "demo-coffee"
SANDBOX_CUSTOMERS: Final = 80  # per tenant
SANDBOX_SEED: Final = 2019


def default_sandbox_db() -> Path:
    """Beside UltraCart's and Voucherify's sandbox databases, in a file of its own."""
    from platformdirs import user_data_path

    return user_data_path("uc-mcp", appauthor=False) / "twc-sandbox.sqlite3"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class TwcSettings(ProviderSettings):
    ENV_PREFIX: ClassVar[str] = "TWC_"

    # The client id names the API client of the tenant (Store Owner Portal), sent beside the secret: not itself a
    # secret. The tenant id is the Keycloak realm and the X-TWC-Tenant header's value.
    twc_client_id: str | None = Field(None, validation_alias=_env("TWC_CLIENT_ID"))
    twc_client_secret: SecretStr | None = Field(None, validation_alias=_env("TWC_CLIENT_SECRET"))
    twc_tenant: str | None = Field(None, validation_alias=_env("TWC_TENANT"))
    twc_base_url: str = Field(DEFAULT_BASE_URL, validation_alias=_env("TWC_BASE_URL"))
    twc_auth_url: str | None = Field(None, validation_alias=_env("TWC_AUTH_URL"))
    twc_rate_limit: float | None = Field(None, gt=0, validation_alias=_env("UC_MCP_TWC_RATE_LIMIT"))
    twc_concurrency: int | None = Field(None, ge=1, le=32, validation_alias=_env("UC_MCP_TWC_CONCURRENCY"))

    # Embedded sandbox
    twc_sandbox_db: Path | None = Field(None, validation_alias=_env("UC_MCP_TWC_SANDBOX_DB"))
    twc_sandbox_customers: int = Field(
        SANDBOX_CUSTOMERS, ge=0, le=1_000_000, validation_alias=_env("UC_MCP_TWC_SANDBOX_CUSTOMERS")
    )
    twc_sandbox_seed: int = Field(SANDBOX_SEED, validation_alias=_env("UC_MCP_TWC_SANDBOX_SEED"))
    twc_sandbox_tenant: str = Field(SANDBOX_TENANT, validation_alias=_env("UC_MCP_TWC_SANDBOX_TENANT"))

    @property
    def sandbox_db_path(self) -> Path:
        return self.twc_sandbox_db or default_sandbox_db()

    @property
    def pace(self) -> float:
        """Requests per second the client allows itself against the real API."""
        return self.twc_rate_limit or DEFAULT_RATE
