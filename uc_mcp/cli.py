"""The ``uc-mcp`` command line.

Only light modules are imported at the top: the sandbox and its dependencies load when a
sub-command needs them, so that ``uc-mcp --help`` and a host's launch stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .core.logs import configure_logging


def _sandbox_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "sandbox",
        help="serve the UltraCart-compatible sandbox API at http://HOST:PORT/rest/v2",
        description="Serve the embedded UltraCart sandbox on a socket. The database is created and "
        "seeded on first use; an existing one is opened as it is.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", help="SQLite file (default: UC_MCP_SANDBOX_DB or the user data directory)")
    parser.add_argument("--customers", type=int, help="demo customers to seed a new database with (default 250)")
    parser.add_argument("--seed", type=int, help="demo data seed (default 2017)")
    parser.add_argument("--api-key", help="the key clients must send (default: sandbox-key)")
    parser.add_argument("--strict", action="store_true", help="exact-match filters and sometimes-null totals")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added latency per request")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (0..1)")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault sequence")
    parser.add_argument(
        "--fault-kinds", default="429,500,503,timeout,reset,garbled", help="comma list of faults to inject"
    )
    parser.add_argument("--fault-timeout-s", type=float, default=30.0, help="how long an injected timeout stalls")
    parser.add_argument("--rate-limit", type=float, default=0.0, help="requests per second before 429 (0 = off)")
    parser.add_argument("--max-concurrency", type=int, default=0, help="concurrent requests before 429 (0 = off)")
    parser.add_argument(
        "--demo", action="store_true", help="serve on a free port, make a few real requests, print them, stop"
    )


def _sandbox_options(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from .settings import Settings
    from .ultracart.sandbox.faults import FaultConfig, FaultKind
    from .ultracart.sandbox.filters import Profile
    from .ultracart.sandbox.runtime import SandboxOptions

    settings = Settings()
    try:
        kinds = tuple(FaultKind(kind.strip()) for kind in args.fault_kinds.split(",") if kind.strip())
    except ValueError:
        raise SystemExit(f"--fault-kinds: expected a comma list of {', '.join(k.value for k in FaultKind)}") from None
    if not 0 <= args.fault_rate <= 1:
        raise SystemExit("--fault-rate: expected a number from 0 to 1")
    return SandboxOptions(
        db=Path(args.db) if args.db else settings.sandbox_db_path,
        customers=args.customers if args.customers is not None else settings.sandbox_customers,
        seed=args.seed if args.seed is not None else settings.sandbox_seed,
        api_key=args.api_key or settings.sandbox_api_key.get_secret_value(),
        profile=Profile.STRICT if args.strict or settings.sandbox_profile == "strict" else Profile.DEFAULT,
        faults=FaultConfig(
            latency_ms=args.latency_ms,
            fault_rate=args.fault_rate,
            fault_seed=args.fault_seed,
            kinds=kinds,
            rate_limit=args.rate_limit,
            max_concurrency=args.max_concurrency,
            timeout_sleep_s=args.fault_timeout_s,
        ),
    )


def _run_sandbox(args: argparse.Namespace) -> int:
    from .ultracart.sandbox.runtime import Sandbox

    options = _sandbox_options(args)
    if args.demo:
        from .ultracart.sandbox.demo import run_demo

        return run_demo(options)
    sandbox = Sandbox(options)
    count = sandbox.store.count_customers()
    print(
        f"uc-mcp sandbox: {count} customers in {options.db}; serving http://{args.host}:{args.port}/rest/v2 "
        f"(key: send x-ultracart-simple-key and X-UltraCart-Api-Version: 2017-03-01)",
        file=sys.stderr,
        flush=True,
    )
    try:
        sandbox.serve(args.host, args.port)
    finally:
        sandbox.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="uc-mcp", description="MCP server for UltraCart customers.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO on stderr")
    commands = parser.add_subparsers(dest="command")
    _sandbox_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if args.command == "sandbox":
        return _run_sandbox(args)
    parser.print_help(sys.stderr)
    return 2


def dump(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
