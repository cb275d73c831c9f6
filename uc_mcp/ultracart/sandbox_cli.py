"""``uc-mcp sandbox ultracart``: UltraCart's sandbox API on a socket at ``http://HOST:PORT/rest/v2``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.provider import ProviderSettings
from .settings import UltraCartSettings


def sandbox_options(args: argparse.Namespace, settings: UltraCartSettings) -> Any:
    from .sandbox.faults import FaultConfig, FaultKind
    from .sandbox.filters import Profile
    from .sandbox.runtime import SandboxOptions

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


def run(args: argparse.Namespace, provider_settings: ProviderSettings) -> int:
    assert isinstance(provider_settings, UltraCartSettings)
    from .sandbox.runtime import Sandbox

    options = sandbox_options(args, provider_settings)
    if args.demo:
        from .sandbox.demo import run_demo

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
