"""``uc-mcp sandbox voucherify --demo``: serve the sandbox on a real socket and show real requests against it."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx2

from .runtime import Sandbox, SandboxOptions


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_demo(options: SandboxOptions) -> int:
    import uvicorn

    sandbox = Sandbox(options)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(sandbox.asgi, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    headers = {"X-App-Id": options.app_id, "X-App-Token": options.app_token}
    print(f"sandbox serving {base}/v1 from {options.db}")
    paths = (
        "/v1/customers?limit=2&order=-created_at",
        "/v1/customers?email=jane@example.com",
        "/v1/customers/uc-100001/redeemables?limit=2&filters[voucher_type][conditions][$is]=LOYALTY_CARD",
        "/v1/customers/uc-100004/activity?limit=2&type=customer.redemption.failed",
        "/v1/customers/uc-100001/segments",
        "/v1/customers/cust_unknown",
    )
    try:
        with httpx2.Client(base_url=base, headers=headers, timeout=10) as client:
            for path in paths:
                response = client.get(base + path)
                text = json.dumps(response.json(), ensure_ascii=False)
                print(f"\nGET {path} -> {response.status_code}")
                print(text if len(text) <= 900 else text[:900] + " …")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sandbox.close()
    return 0
