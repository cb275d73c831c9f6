"""``uc-mcp sandbox twc --demo``: serve the sandbox on a real socket and show real requests against it
(core/sandbox/cli.py), with a token of the first tenant issued up front."""

from __future__ import annotations

from ...core.sandbox.cli import DemoRequest
from ...core.sandbox.cli import run_demo as run_requests
from .runtime import SERVICE_PATH, Sandbox, SandboxOptions

REQUESTS: tuple[DemoRequest, ...] = (
    ("GET", "/customers/search?email=jane@example.com", None),
    ("GET", "/customers/search?firstName=John&lastName=Smith", None),
    ("GET", "/customers/ALVAREZ.MX%2F06/ref", None),
    ("GET", "/customers/00000000-0000-4000-8000-000000000000", None),
)


def run_demo(options: SandboxOptions) -> int:
    sandbox = Sandbox(options)
    tenant = sandbox.default_tenant
    headers = {"Authorization": f"Bearer {sandbox.tokens.issue(tenant)}", "X-TWC-Tenant": tenant}
    return run_requests(sandbox, options.db, REQUESTS, headers=headers, root=SERVICE_PATH, api=SERVICE_PATH)
