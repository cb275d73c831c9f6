"""``uc-mcp sandbox voucherify``: Voucherify's sandbox API on a socket, at the real paths ``http://HOST:PORT/v1/...``.

The options are the ``uc-mcp sandbox`` command's (shared with UltraCart's, as is serving them: core/sandbox/cli.py).
Voucherify has a key pair where
UltraCart has one key: ``--api-key ID:TOKEN`` sets both, ``--api-key TOKEN`` the token alone (the id stays
``UC_MCP_VOUCHERIFY_SANDBOX_APP_ID`` or its default). ``--strict`` is UltraCart's and changes nothing here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.provider import ProviderSettings
from .settings import VoucherifySettings


def key_pair(api_key: str | None, settings: VoucherifySettings) -> tuple[str, str]:
    app_id = settings.voucherify_sandbox_app_id
    app_token = settings.voucherify_sandbox_app_token.get_secret_value()
    if api_key:
        given_id, colon, given_token = api_key.partition(":")
        if colon:
            if not given_id or not given_token:
                raise SystemExit("--api-key: expected ID:TOKEN (both parts) or TOKEN")
            app_id, app_token = given_id, given_token
        else:
            app_token = api_key
    return app_id, app_token


def sandbox_options(args: argparse.Namespace, settings: VoucherifySettings) -> Any:
    from ..core.sandbox.cli import fault_config
    from .sandbox.runtime import SandboxOptions

    faults = fault_config(args)
    if args.customers is not None and args.customers < 0:
        raise SystemExit("--customers: expected 0 or more")
    app_id, app_token = key_pair(args.api_key, settings)
    return SandboxOptions(
        db=Path(args.db) if args.db else settings.sandbox_db_path,
        customers=args.customers if args.customers is not None else settings.voucherify_sandbox_customers,
        seed=args.seed if args.seed is not None else settings.voucherify_sandbox_seed,
        app_id=app_id,
        app_token=app_token,
        faults=faults,
    )


def run(args: argparse.Namespace, provider_settings: ProviderSettings) -> int:
    assert isinstance(provider_settings, VoucherifySettings)
    from ..core.sandbox.cli import serve
    from .sandbox.runtime import Sandbox

    options = sandbox_options(args, provider_settings)
    if args.demo:
        from .sandbox.demo import run_demo

        return run_demo(options)
    sandbox = Sandbox(options)
    count = sandbox.store.count_customers()
    started = (
        f"uc-mcp sandbox: Voucherify, {count} customers in {options.db}; serving http://{args.host}:{args.port}/v1 "
        f"(send X-App-Id: {options.app_id} and X-App-Token: {options.app_token})"
    )
    return serve(sandbox, args.host, args.port, started)
