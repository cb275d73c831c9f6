"""``uc-mcp sandbox ultracart``: UltraCart's sandbox API on a socket at ``http://HOST:PORT/rest/v2``
(what every provider's sandbox command shares: core/sandbox/cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.provider import ProviderSettings
from .settings import UltraCartSettings


def sandbox_options(args: argparse.Namespace, settings: UltraCartSettings) -> Any:
    from ..core.sandbox.cli import fault_config
    from .sandbox.filters import Profile
    from .sandbox.runtime import SandboxOptions

    faults = fault_config(args)
    return SandboxOptions(
        db=Path(args.db) if args.db else settings.sandbox_db_path,
        customers=args.customers if args.customers is not None else settings.sandbox_customers,
        seed=args.seed if args.seed is not None else settings.sandbox_seed,
        api_key=args.api_key or settings.sandbox_api_key.get_secret_value(),
        profile=Profile.STRICT if args.strict or settings.sandbox_profile == "strict" else Profile.DEFAULT,
        faults=faults,
    )


def run(args: argparse.Namespace, provider_settings: ProviderSettings) -> int:
    assert isinstance(provider_settings, UltraCartSettings)
    from ..core.sandbox.cli import serve
    from .sandbox.runtime import Sandbox

    options = sandbox_options(args, provider_settings)
    if args.demo:
        from .sandbox.demo import run_demo

        return run_demo(options)
    sandbox = Sandbox(options)
    count = sandbox.store.count_customers()
    started = (
        f"uc-mcp sandbox: {count} customers in {options.db}; serving http://{args.host}:{args.port}/rest/v2 "
        f"(key: send x-ultracart-simple-key and X-UltraCart-Api-Version: 2017-03-01)"
    )
    return serve(sandbox, args.host, args.port, started)
