"""The ``uc-mcp`` command line.

Only light modules are imported at the top: the sandbox and its dependencies load when a
sub-command needs them, so that ``uc-mcp --help`` and a host's launch stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .core.errors import ConfigurationError
from .core.logs import configure_logging


def _sandbox_parser(commands: Any) -> None:
    from .providers import all_providers

    names = [provider.name for provider in all_providers() if provider.sandbox_cli is not None]
    parser = commands.add_parser(
        "sandbox",
        help="serve a provider's sandbox API on a socket (UltraCart's at http://HOST:PORT/rest/v2)",
        description="Serve a provider's embedded sandbox API on a socket (ultracart when none is named). The "
        "database is created and seeded on first use; an existing one is opened as it is.",
    )
    parser.add_argument("provider", nargs="?", default=names[0], choices=names, help="whose API (default: %(default)s)")
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


def _run_sandbox(args: argparse.Namespace) -> int:
    from .providers import provider_named
    from .settings import load_settings

    provider = provider_named(args.provider)
    assert provider.sandbox_cli is not None
    return provider.sandbox_cli(args, load_settings().provider(provider))


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--read-only", action="store_true", default=None, help="only tools that change nothing")
    parser.add_argument("--toolsets", help="comma list of toolsets (default: customers,store_credit,wishlist,...)")


def _settings(args: argparse.Namespace) -> Any:
    """The settings from flags, environment and .env; ConfigurationError (one line) when one cannot be used."""
    from .settings import load_settings

    overrides: dict[str, Any] = {}
    if getattr(args, "read_only", None):
        overrides["read_only"] = True
    if getattr(args, "toolsets", None):
        overrides["toolsets"] = args.toolsets
    settings = load_settings(**overrides)
    _check_toolsets(settings.toolsets, "--toolsets" if overrides.get("toolsets") else "UC_MCP_TOOLSETS")
    return settings


def _check_toolsets(toolsets: list[str] | None, source: str) -> None:
    """Every name must be a toolset of some registered provider (qualified, or bare for all that have it), or a
    cross-provider table's (tables.py: ``people``), which belongs to no provider."""
    from .providers import all_providers
    from .tables import CROSS_TABLES, cross_table
    from .toolsets import Catalogue

    named = [name for name in toolsets or () if cross_table(name) is None]
    if named:
        Catalogue(all_providers(), tuple(table.name for table in CROSS_TABLES)).resolve(named, source)


def _run_serve(args: argparse.Namespace) -> int:
    from .core.errors import ConfigurationError

    if args.transport == "http":
        return _run_http(args)
    from .server import build_server, runtime_of

    try:
        server = build_server(_settings(args), "stdio")
    except (ConfigurationError, ValueError) as error:
        print(f"uc-mcp: {error}", file=sys.stderr)
        return 2
    problem = runtime_of(server).first_problem()
    if problem is not None:  # hosts keep a server's stderr in their MCP log
        print(f"uc-mcp: serving, but every tool call answers with this configuration error: {problem}", file=sys.stderr)
    configure_logging(args.verbose)  # MCPServer set up root logging at INFO; ours wins
    _freeze_start_up_objects()
    server.run("stdio")
    return 0


def _freeze_start_up_objects() -> None:
    """Move everything built so far (the SDK's and our modules, models, the tool table: ~110,000 objects, all
    kept for the life of the process) out of the garbage collector's sight: every full collection while serving
    would scan them again (0.06 s each instead of 0.007 s; 2-3 % of a long list walk's CPU). Then collection
    resumes (``start.py`` paused it for the start-up)."""
    import gc

    gc.freeze()  # no collection first: it would cost the start-up what freezing saves later
    gc.enable()


def _run_http(args: argparse.Namespace) -> int:
    """Streamable HTTP under uvicorn; with --workers N each worker builds the app from the
    environment (uvicorn's factory), so command-line settings are passed on through it."""
    import functools
    import os

    import uvicorn

    from .core.errors import ConfigurationError
    from .http_app import WORKER_BODY_TIMEOUT_ENV, check_startup, create_app, startup_summary
    from .http_limits import ConnectionLimits
    from .http_protocol import HeaderDeadlineProtocol
    from .server import new_runtime

    workers = max(1, args.workers)
    try:
        settings = _settings(args)
        limits = ConnectionLimits(args.header_timeout, args.body_timeout, args.max_pending_connections)
        sessions = not args.stateless
        if workers == 1:
            app = create_app(settings, host=args.host, limits=limits, sessions=sessions)
            runtime = app.state.runtime
        else:
            app = None
            check_startup(settings, args.host, workers)
            runtime = new_runtime(settings, "http")  # refuse a bad configuration once, not in every worker
    except (ConfigurationError, ValueError) as error:
        print(f"uc-mcp: {error}", file=sys.stderr)
        return 2
    configure_logging(args.verbose)
    summary = startup_summary(
        settings,
        host=args.host,
        port=args.port,
        workers=workers,
        sessions=sessions,
        runtime=runtime,
        fallback=runtime.confirmations.fallback,
    )
    print(summary, file=sys.stderr, flush=True)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": None,  # ours (stderr, redacted)
        "timeout_graceful_shutdown": args.graceful_timeout,
        "access_log": False,
        # Header deadline and the cap on connections still waiting for theirs (http_limits.py).
        "http": functools.partial(HeaderDeadlineProtocol, limits=limits),
        "ws": "none",
    }
    if app is not None:
        _freeze_start_up_objects()
        uvicorn.run(app, **options)
        return 0
    if getattr(args, "read_only", None):
        os.environ["UC_MCP_READ_ONLY"] = "1"
    if getattr(args, "toolsets", None):
        os.environ["UC_MCP_TOOLSETS"] = args.toolsets
    os.environ["UC_MCP_HTTP_BIND"] = args.host
    os.environ["UC_MCP_HTTP_WORKERS"] = str(workers)
    os.environ[WORKER_BODY_TIMEOUT_ENV] = str(limits.body_timeout)
    _freeze_start_up_objects()  # the supervisor lives as long as its workers
    uvicorn.run("uc_mcp.http_app:worker_app", factory=True, workers=workers, **options)
    return 0


def _all_tools(args: argparse.Namespace) -> list[Any]:
    """The tools a host would list: the providers this configuration runs, their toolsets, and the cross-provider
    tools listed with them (stdio)."""
    from .server import cross_tables_listed, enabled_tools, new_runtime, only_reads

    settings = _settings(args)
    runtime = new_runtime(settings, "stdio")
    listed = [spec for _, spec in enabled_tools(settings, runtime)]
    read_only = only_reads(settings, None)
    return listed + [spec for table in cross_tables_listed(settings, runtime) for spec in table.listable(read_only)]


def _run_tools(args: argparse.Namespace) -> int:
    from .schemas import TOTAL_BUDGET, budget_problems, default_listing_sizes, definition, sizes

    tools = _all_tools(args)
    if args.json:
        print(dump([definition(spec) for spec in tools]))
        return 0
    total = 0
    for spec in tools:
        size = sizes(spec)
        total += 0 if spec.app_only else size.context  # an app-only tool is never in a model's context
        flags = (
            "app-only" if spec.app_only else "read-only" if spec.read_only else "guarded" if spec.guarded else "write"
        )
        print(f"{spec.name:48} {spec.toolset:18} {flags:9} in {size.input:5} B  out {size.output:5} B")
    print(
        f"\n{len(tools)} tools; definitions a host puts in context: {total:,} B of {TOTAL_BUDGET:,} B budget "
        f"(~{total // 4:,} tokens)"
    )
    for problem in budget_problems(tools):
        print(f"over budget: {problem}")
    if not getattr(args, "toolsets", None):
        print("\ndefault listing of each combination of providers (DESIGN.md: at most 64 KB together):")
        from .providers import all_providers

        for names, listed in default_listing_sizes(all_providers()):
            print(f"  {'+'.join(names):40} {listed:7,} B{'  over budget' if listed > TOTAL_BUDGET else ''}")
    return 0


def _run_schemas(args: argparse.Namespace) -> int:
    from .core import schema_cache

    source = schema_cache.source_digest()  # before the tool tables are imported: the seed must be their code's
    from .schemas import SCHEMA_DIR, check_all, definition, write_all
    from .tables import all_tables

    tables = all_tables()
    if args.check:
        differences = check_all(tables)
        seed_problem = schema_cache.seed_problem(source)
        for line in [*differences, *([seed_problem] if seed_problem else [])]:
            print(line, file=sys.stderr)
        if differences or seed_problem:
            print("tool_schemas/ or the schema seed is out of date: run `uc-mcp schemas`", file=sys.stderr)
            return 1
        count = sum(len(table.tools()) for table in tables)
        print(f"tool_schemas/ and the schema seed match the code ({count} tools of {len(tables)} table(s))")
        return 0
    # The seed first: its schemas are generated afresh, and tool_schemas/ is written from them.
    try:
        seeded = schema_cache.write_seed(lambda: [definition(spec) for t in tables for spec in t.tools()], source)
    except (OSError, RuntimeError) as error:  # an install that cannot be written, or sources edited meanwhile
        print(f"uc-mcp: the schema seed was not written: {error}", file=sys.stderr)
        return 1
    written = write_all(tables)
    print(f"wrote {len(written)} files to {SCHEMA_DIR}/<table>/ and {seeded} schemas to {schema_cache.SEED}")
    return 0


def _run_call(args: argparse.Namespace) -> int:
    import anyio

    try:
        arguments = json.loads(args.arguments) if args.arguments else {}
    except ValueError:
        print('uc-mcp call: ARGS must be a JSON object, e.g. \'{"email": "jane@example.com"}\'', file=sys.stderr)
        return 2
    if not isinstance(arguments, dict):
        print("uc-mcp call: ARGS must be a JSON object", file=sys.stderr)
        return 2
    return anyio.run(_call, args, arguments)


async def _call(args: argparse.Namespace, arguments: dict[str, Any]) -> int:
    from mcp.client import Client

    from .core.errors import ConfigurationError
    from .server import build_server, runtime_of

    try:
        settings = _settings(args)
        if not settings.toolsets:  # any tool of the providers that run, not only those a host lists by default
            settings.toolsets = _toolset_of(args.tool, settings)
        if args.confirm:
            # The person at the terminal typed --confirm: the token round trip is their yes, and a
            # login link goes to their terminal, not into a model's context.
            settings.confirm_fallback = "token"
            settings.reveal_magic_links = True
        server = build_server(settings)
        runtime_of(server).require_configured()  # on a terminal: exit 2, not a tool error
    except (ConfigurationError, ValueError) as error:
        print(f"uc-mcp: {error}", file=sys.stderr)
        return 2
    configure_logging(args.verbose)
    async with Client(server) as client:
        result = await client.call_tool(args.tool, arguments)
        structured = result.structured_content or {}
        if args.confirm and not result.is_error and structured.get("status") == "confirmation_required":
            print(f"confirming: {structured.get('question')}", file=sys.stderr)
            result = await client.call_tool(args.tool, {**arguments, "confirm": structured["confirm"]})
    if result.structured_content is not None and not result.is_error:
        print(dump(result.structured_content))
    else:
        text = " ".join(getattr(block, "text", "") for block in result.content)
        print(dump({"error": text}) if result.is_error else text)
    return 1 if result.is_error else 0


def _toolset_of(tool: str, settings: Any) -> list[str] | None:
    """The qualified toolset holding ``tool`` among the providers that run (None when none has it: the server then
    says so). With several providers a host lists only their shared defaults, but `uc-mcp call` names its tool."""
    from .backends import select

    try:
        running = select(settings, "stdio")
    except ConfigurationError:
        return None  # building the server reports it
    for provider in running:
        for spec in provider.tools():
            if spec.name == tool and not spec.app_only:
                return [provider.qualified(spec.toolset)]
    return None


def _run_audit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .audit_report import parse_since, render, select
    from .core.audit import AuditLog, default_audit_path
    from .settings import load_settings

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as error:
        print(f"uc-mcp: {error}", file=sys.stderr)
        return 2
    log = AuditLog(Path(args.path) if args.path else load_settings().audit_log or default_audit_path())
    if not log.path.exists():
        print(f"uc-mcp: no audit log at {log.path} yet (nothing was written)", file=sys.stderr)
        return 0
    count = 0
    for record in select(log.read(), since=since, tool=args.tool):
        print(dump(record) if args.json else render(record))
        count += 1
    if not args.json:
        print(f"{count} record(s) from {log.path}", file=sys.stderr)
    return 0


def _http_serve_options(serve: argparse.ArgumentParser) -> None:
    from .http_limits import DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_PENDING

    serve.add_argument(
        "--stateless",
        action="store_true",
        help="no HTTP sessions, for replicas behind a load balancer that does not route on Mcp-Session-Id "
        "(clients on protocol 2025-11-25 and older then cannot be asked to confirm; --workers > 1 implies it)",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_HEADER_TIMEOUT,
        help=f"seconds a connection gets to send a request's headers (default {DEFAULT_HEADER_TIMEOUT:g})",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=DEFAULT_BODY_TIMEOUT,
        help=f"seconds a request gets to send its body (default {DEFAULT_BODY_TIMEOUT:g})",
    )
    serve.add_argument(
        "--max-pending-connections",
        type=int,
        default=DEFAULT_MAX_PENDING,
        help="connections that may wait for their request headers at once; past it the oldest is closed "
        f"(default {DEFAULT_MAX_PENDING})",
    )
    # Also here (not only before the sub-command): `uc-mcp serve -v`. SUPPRESS keeps `uc-mcp -v serve`.
    serve.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log at INFO on stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="uc-mcp", description="MCP server for UltraCart customers.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO on stderr")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the MCP server (stdio by default)")
    serve.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="HTTP worker processes (more than 1 needs Redis)")
    serve.add_argument(
        "--graceful-timeout", type=float, default=30.0, help="seconds in-flight HTTP calls get to finish on shutdown"
    )
    _http_serve_options(serve)
    _server_options(serve)
    _sandbox_parser(commands)
    tools = commands.add_parser("tools", help="list the tools as a host sees them, with definition sizes")
    tools.add_argument("--json", action="store_true", help="print the full definitions as JSON")
    _server_options(tools)
    call = commands.add_parser("call", help="call one tool through the MCP protocol and print its result as JSON")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", help="JSON object of arguments")
    call.add_argument("--confirm", action="store_true", help="your yes for a guarded tool: preview and execute")
    _server_options(call)
    config = commands.add_parser(
        "config",
        help="print the block an MCP host needs to start this install",
        description="Print the block an MCP host needs to start this install (the sandbox block when no UltraCart "
        "credential is configured). Notes on where it goes are printed on stderr.",
    )
    config.add_argument(
        "host", nargs="?", default="claude-desktop", choices=("claude-desktop", "cursor", "vscode", "claude-code")
    )
    config.add_argument("--sandbox", action="store_true", help="the embedded sandbox's block, whatever is configured")
    config.add_argument(
        "--include-secrets", action="store_true", help="inline the credentials set here (default: placeholders)"
    )
    doctor = commands.add_parser("doctor", help="check configuration, credentials, API access and the audit log")
    doctor.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    doctor.add_argument("--offline", action="store_true", help="skip the one API call")
    audit = commands.add_parser("audit", help="print the audit log of writes and confirmations")
    audit.add_argument("--since", help="only records since: a duration (30m, 2h, 7d) or an ISO date/time")
    audit.add_argument("--tool", help="only tools whose name contains this (e.g. store_credit)")
    audit.add_argument("--json", action="store_true", help="print the records as stored (JSON Lines)")
    audit.add_argument("--path", help="the log to read (default: UC_MCP_AUDIT_LOG or the user state directory)")
    schemas = commands.add_parser("schemas", help="write tool_schemas/, or --check that it is up to date")
    schemas.add_argument("--check", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `uc-mcp` alone serves stdio, as hosts launch it
        args = parser.parse_args(["serve", *(argv or sys.argv[1:])])
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "sandbox": _run_sandbox,
        "serve": _run_serve,
        "tools": _run_tools,
        "call": _run_call,
        "doctor": _run_doctor,
        "config": _run_config,
        "audit": _run_audit,
        "schemas": _run_schemas,
    }
    if args.command != "serve":  # only the server's start-up runs without the collector (start.py)
        import gc

        gc.enable()
    if args.command in ("sandbox", "tools", "call", "doctor"):  # serve sets logging up itself, after the SDK
        configure_logging(args.verbose)
    try:
        return handlers[args.command](args)
    except ConfigurationError as error:  # a setting or flag that cannot be used: one line, never a traceback
        print(f"uc-mcp: {error}", file=sys.stderr)
        return 2


def _run_doctor(args: argparse.Namespace) -> int:
    from .doctor import run

    return run(args.transport, network=not args.offline)


def _run_config(args: argparse.Namespace) -> int:
    from .host_config import configured_environment, has_credential, host_block, server_environment, setup_notes
    from .settings import load_settings

    load_settings()  # a setting the server could not read is refused here, not when the host starts it
    environ = configured_environment()
    sandbox = args.sandbox or not has_credential(environ)
    print(host_block(args.host, sandbox, args.include_secrets, environ))
    env = server_environment(sandbox, args.include_secrets, environ)
    for note in setup_notes(args.host, sandbox, args.sandbox, env):
        print(f"uc-mcp: {note}", file=sys.stderr)
    return 0


def dump(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
