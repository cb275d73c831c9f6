"""``uc-mcp sandbox --demo``: serve the sandbox on a real socket and show real requests against it."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import httpx2

from .app import API_VERSION
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
    base = f"http://127.0.0.1:{port}/rest/v2"
    headers = {"X-UltraCart-Api-Version": API_VERSION, "x-ultracart-simple-key": options.api_key}
    print(f"sandbox serving {base} from {options.db}")
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/customer/customers?_limit=3&_sort=%2Bemail&_expand=billing", None),
        ("POST", "/customer/customers/query?_limit=2", {"billing_state": "TX", "any_tags": ["vip"]}),
        ("GET", "/customer/customers/by_email/jane@example.com?_expand=tags,loyalty", None),
        ("GET", "/customer/customers/100001/store_credit", None),
        ("GET", "/customer/customers/999999999", None),
    ]
    try:
        with httpx2.Client(base_url=base, headers=headers, timeout=10) as client:
            for method, path, body in requests:
                response = client.request(method, base + path, json=body)
                text = json.dumps(response.json(), ensure_ascii=False)
                print(f"\n{method} {path} -> {response.status_code}")
                print(text if len(text) <= 900 else text[:900] + " …")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sandbox.close()
    return 0
