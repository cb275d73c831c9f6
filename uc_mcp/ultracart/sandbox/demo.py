"""``uc-mcp sandbox --demo``: serve the sandbox on a real socket and show real requests against it
(core/sandbox/cli.py)."""

from __future__ import annotations

from ...core.sandbox.cli import DemoRequest
from ...core.sandbox.cli import run_demo as run_requests
from .app import API_VERSION, BASE_PATH
from .runtime import Sandbox, SandboxOptions

REQUESTS: tuple[DemoRequest, ...] = (
    ("GET", "/customer/customers?_limit=3&_sort=%2Bemail&_expand=billing", None),
    ("POST", "/customer/customers/query?_limit=2", {"billing_state": "TX", "any_tags": ["vip"]}),
    ("GET", "/customer/customers/by_email/jane@example.com?_expand=tags,loyalty", None),
    ("GET", "/customer/customers/100001/store_credit", None),
    ("GET", "/customer/customers/999999999", None),
)


def run_demo(options: SandboxOptions) -> int:
    headers = {"X-UltraCart-Api-Version": API_VERSION, "x-ultracart-simple-key": options.api_key}
    return run_requests(Sandbox(options), options.db, REQUESTS, headers=headers, root=BASE_PATH, api=BASE_PATH)
