"""``uc-mcp sandbox voucherify --demo``: serve the sandbox on a real socket and show real requests against it
(core/sandbox/cli.py)."""

from __future__ import annotations

from ...core.sandbox.cli import DemoRequest
from ...core.sandbox.cli import run_demo as run_requests
from .runtime import Sandbox, SandboxOptions

REQUESTS: tuple[DemoRequest, ...] = tuple(
    ("GET", path, None)
    for path in (
        "/v1/customers?limit=2&order=-created_at",
        "/v1/customers?email=jane@example.com",
        "/v1/customers/uc-100001/redeemables?limit=2&filters[voucher_type][conditions][$is]=LOYALTY_CARD",
        "/v1/customers/uc-100004/activity?limit=2&type=customer.redemption.failed",
        "/v1/customers/uc-100001/segments",
        "/v1/customers/cust_unknown",
    )
)


def run_demo(options: SandboxOptions) -> int:
    headers = {"X-App-Id": options.app_id, "X-App-Token": options.app_token}
    return run_requests(Sandbox(options), options.db, REQUESTS, headers=headers, api="/v1")
