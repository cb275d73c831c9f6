"""Who a store is, without its credential: the tenant name of a credential, and the pace every replica calling
that store shares (``UC_MCP_REDIS_URL``). Provider-neutral: any provider's credential names its store."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import SecretStr

    from .ratelimit import SharedPace


def tenant_of(credential: str) -> str:
    """A stable, non-reversible name for the store a credential opens."""
    return "t-" + hashlib.sha256(credential.encode()).hexdigest()[:16]


def shared_pace(redis_url: SecretStr | None, credential: str) -> SharedPace | None:
    """With ``UC_MCP_REDIS_URL``, the pace timeline every replica shares for the store this credential opens
    (keyed by its tenant name, a hash: never the credential); otherwise None (pace per process). Redis is
    imported only when configured."""
    if redis_url is None:
        return None
    from .shared_state import RedisPace

    return RedisPace(redis_url.get_secret_value(), tenant_of(credential))
