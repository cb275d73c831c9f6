"""``uc-mcp sandbox twc``: TWC's sandbox on a socket, at the real paths: the realms' token endpoints at
``http://HOST:PORT/auth/realms/{tenant}/protocol/openid-connect/token`` and the customer service at
``http://HOST:PORT/services/customerservice/api/v2/...`` (what every provider's sandbox command shares:
core/sandbox/cli.py).

The options are the ``uc-mcp sandbox`` command's. TWC has a client id and secret per tenant where UltraCart has one
key: ``--api-key ID:SECRET`` sets both for the first tenant, ``--api-key SECRET`` its secret alone. ``--customers``
is per tenant. ``--strict`` is UltraCart's and changes nothing here. The settings read (TWC's, ``settings.py``):
``sandbox_db_path``, ``twc_sandbox_customers``, ``twc_sandbox_seed``, each optional.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.provider import ProviderSettings

DEFAULT_DB_NAME = "twc-sandbox.sqlite3"


def tenants_with_key(api_key: str | None, tenants: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The demo tenants, the first one's client id and secret replaced by ``--api-key`` when given."""
    chosen = dict(tenants)
    if not api_key:
        return chosen
    first = next(iter(chosen))
    client_id, secret = chosen[first]
    given_id, colon, given_secret = api_key.partition(":")
    if colon:
        if not given_id or not given_secret:
            raise SystemExit("--api-key: expected CLIENT_ID:SECRET (both parts) or SECRET")
        client_id, secret = given_id, given_secret
    else:
        secret = api_key
    chosen[first] = (client_id, secret)
    return chosen


def _default_db() -> Path:
    from platformdirs import user_data_path

    return user_data_path("uc-mcp", appauthor=False) / DEFAULT_DB_NAME


def sandbox_options(args: argparse.Namespace, settings: ProviderSettings) -> Any:
    from ..core.sandbox.cli import fault_config
    from .sandbox.runtime import DEMO_TENANTS, SandboxOptions

    faults = fault_config(args)
    if args.customers is not None and args.customers < 0:
        raise SystemExit("--customers: expected 0 or more")
    db = Path(args.db) if args.db else getattr(settings, "sandbox_db_path", None) or _default_db()
    customers = args.customers if args.customers is not None else getattr(settings, "twc_sandbox_customers", 80)
    seed = args.seed if args.seed is not None else getattr(settings, "twc_sandbox_seed", 2019)
    return SandboxOptions(
        db=db,
        customers=customers,
        seed=seed,
        tenants=tenants_with_key(args.api_key, DEMO_TENANTS),
        faults=faults,
    )


def started_line(options: Any, count: int, host: str, port: int) -> str:
    """What the command says before serving: where the API and each realm's token endpoint are, and the
    credentials of each tenant (demo credentials: printing them is the point)."""
    from .sandbox.runtime import SERVICE_PATH, token_path

    base = f"http://{host}:{port}"
    lines = [
        f"uc-mcp sandbox: TWC, {count} customers in {options.db}; serving {base}{SERVICE_PATH} "
        "(send Authorization: Bearer <token> and X-TWC-Tenant: <tenant>)",
    ]
    for tenant, (client_id, secret) in options.tenants.items():
        lines.append(
            f"  tenant {tenant}: token URL {base}{token_path(tenant)} "
            f"(grant_type=client_credentials, client_id={client_id}, client_secret={secret})"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: ProviderSettings) -> int:
    from ..core.sandbox.cli import serve
    from .sandbox.runtime import Sandbox

    options = sandbox_options(args, settings)
    if args.demo:
        from .sandbox.demo import run_demo

        return run_demo(options)
    sandbox = Sandbox(options)
    started = started_line(options, sandbox.store.count_customers(), args.host, args.port)
    return serve(sandbox, args.host, args.port, started)
