"""What every provider's ``uc-mcp sandbox <provider>`` shares: the fault options of the command (one namespace for
every provider, ``uc_mcp/cli.py``), serving on a socket until interrupted, and ``--demo``'s real requests against a
free port. The provider names its options, its start-up line and the requests its demo shows."""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .faults import FaultConfig, FaultKind
from .runtime import HostedSandbox

# One request of a demo: method, path (under the demo's root) and JSON body.
DemoRequest = tuple[str, str, dict[str, Any] | None]


def fault_config(args: argparse.Namespace) -> FaultConfig:
    """The command's latency, fault and limit options; SystemExit naming the flag when one cannot be used."""
    try:
        kinds = tuple(FaultKind(kind.strip()) for kind in args.fault_kinds.split(",") if kind.strip())
    except ValueError:
        raise SystemExit(f"--fault-kinds: expected a comma list of {', '.join(k.value for k in FaultKind)}") from None
    if not 0 <= args.fault_rate <= 1:
        raise SystemExit("--fault-rate: expected a number from 0 to 1")
    return FaultConfig(
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        fault_seed=args.fault_seed,
        kinds=kinds,
        rate_limit=args.rate_limit,
        max_concurrency=args.max_concurrency,
        timeout_sleep_s=args.fault_timeout_s,
    )


def serve(sandbox: HostedSandbox, host: str, port: int, started: str) -> int:
    """Say ``started`` (what is served where, and how to authenticate) on stderr, then serve until interrupted."""
    print(started, file=sys.stderr, flush=True)
    try:
        sandbox.serve(host, port)
    finally:
        sandbox.close()
    return 0


def run_demo(
    sandbox: HostedSandbox,
    db: str | Path,
    requests: Sequence[DemoRequest],
    *,
    headers: Mapping[str, str],
    root: str = "",
    api: str = "",
) -> int:
    """Serve ``sandbox`` on a free port, send ``requests`` (paths under ``root``) and print each answer, then stop.
    ``api`` is where the start-up line says the API is, under the host."""
    import httpx2
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(sandbox.asgi, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    host = f"http://127.0.0.1:{port}"
    base = host + root
    print(f"sandbox serving {host}{api} from {db}")
    try:
        with httpx2.Client(base_url=base, headers=dict(headers), timeout=10) as client:
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
