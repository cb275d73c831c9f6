"""``python -m bench.profile TARGET [--customers N] [--cprofile]``: a profile of one benchmark's hot path,
printed as text (needs ``pip install pyinstrument``, or ``pip install -e '.[bench]'``).

In-process targets (pyinstrument): ``seed`` (figure 7: seeding a store; the parent process only —
generation runs in a child), ``startup`` (figure 1: importing and building the server, up to the point it
reads stdin), ``call`` (figure 2: ``ultracart_get_customer`` through the in-memory client), ``export``
(figure 5), ``walk`` (figure 4: the pager over the in-process sandbox).

Server-process targets (figures 8 and 9): ``uc-mcp serve`` over stdio (``bench/profiled_serve.py``)
against ``uc-mcp sandbox`` in its own process, so that the profile holds the server's work alone,
between two signals: ``server-call`` (2,000 ``ultracart_get_customer`` calls), ``server-walk`` (every
customer through ``ultracart_get_customers``, paging with ``next_offset``), ``server-export``
(``ultracart_export_customers`` of every customer). With ``--cprofile``, cProfile's exact call counts
(how many JSON encodes per result, per row) instead of pyinstrument's sampled tree.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from bench.common import bench_settings, scratch
from bench.harness import seed_database, session

REPO = Path(__file__).resolve().parent.parent


def _profiler() -> Any:
    try:
        from pyinstrument import Profiler  # type: ignore[import-not-found, unused-ignore]  # the bench extra
    except ImportError:
        raise SystemExit("pyinstrument is not installed: pip install pyinstrument") from None
    return Profiler(interval=0.001)


def seed(folder: Path, customers: int) -> Any:
    from uc_mcp.ultracart.sandbox.store import SandboxStore

    profiler = _profiler()
    profiler.start()
    SandboxStore.open(folder / "seed.sqlite3", customers=customers).close()
    profiler.stop()
    return profiler


def startup(folder: Path, customers: int) -> Any:
    profiler = _profiler()
    profiler.start()
    from uc_mcp.server import build_server

    build_server(bench_settings(folder / "startup.sqlite3", customers))
    profiler.stop()
    return profiler


def call(folder: Path, customers: int) -> Any:
    db = seed_database(folder / "call.sqlite3", customers)
    profiler = _profiler()

    async def run() -> None:
        async with session(db, customers) as s:
            for oid in range(100001, 100051):
                await s.client.call_tool("ultracart_get_customer", {"customer_profile_oid": oid})
            profiler.start()
            for index in range(2000):
                oid = 100001 + index % customers
                await s.client.call_tool("ultracart_get_customer", {"customer_profile_oid": oid})
            profiler.stop()

    anyio.run(run)
    return profiler


def export(folder: Path, customers: int) -> Any:
    db = seed_database(folder / "export.sqlite3", customers)
    profiler = _profiler()

    async def run() -> None:
        async with session(db, customers) as s:
            await s.call("ultracart_export_customers", {"max_calls": 1})
            profiler.start()
            await s.call("ultracart_export_customers", {"max_calls": min(500, customers // 200 + 1)})
            profiler.stop()

    anyio.run(run)
    return profiler


def walk(folder: Path, customers: int) -> Any:
    from bench.client import _pager_walk, _sandbox

    box = _sandbox(seed_database(folder / "walk.sqlite3", customers), customers)
    anyio.run(_pager_walk, box)
    profiler = _profiler()
    profiler.start()
    for _ in range(3):
        anyio.run(_pager_walk, box)
    profiler.stop()
    box.close()
    return profiler


def _server(folder: Path, customers: int, job: Callable[[Any], None], kind: str) -> str:
    """Profile ``uc-mcp serve`` (its own process, on stdio, against ``uc-mcp sandbox`` on a port) while
    ``job`` drives it; returns the profile as text."""
    from bench.common import clean_env, python, sandbox_server
    from bench.stdio import StdioServer

    db = seed_database(folder / "server.sqlite3", customers)
    out = folder / ("profile.txt" if kind == "pyinstrument" else "profile.pstats")
    home = folder / "home"
    home.mkdir()
    with sandbox_server(db) as base_url:
        env = clean_env(
            home, ULTRACART_BASE_URL=base_url, ULTRACART_API_KEY="sandbox-key", UC_MCP_EXPORT_DIR=str(home / "exports")
        )
        argv = [python(), "-m", "bench.profiled_serve", str(out), kind]
        with StdioServer(argv, env, REPO) as server:
            server.initialize()
            server.list_tools()
            job(server)  # warm-up: validators, caches, the sandbox's pages
            os.kill(server.pid, signal.SIGUSR1)
            time.sleep(0.2)  # the handler runs when the server's main thread wakes
            job(server)
            os.kill(server.pid, signal.SIGUSR2)
            deadline = time.monotonic() + 60
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)  # let the file be written whole
    if kind == "pyinstrument":
        return out.read_text(encoding="utf-8")
    buffer = io.StringIO()
    stats = pstats.Stats(str(out), stream=buffer).strip_dirs()
    stats.sort_stats("tottime").print_stats(45)
    stats.sort_stats("cumulative").print_stats(60)
    return buffer.getvalue()


def _calls(server: Any) -> None:
    for index in range(2000):
        reply = server.call("ultracart_get_customer", {"customer_profile_oid": 100001 + index % 1000})
        assert not reply.is_error, reply.text


def _list_walk(server: Any) -> None:
    from bench.versus import walk_uc

    walk_uc(server)


def _export_all(server: Any, customers: int) -> None:
    from bench.versus import export_uc

    export_uc(server, customers)


def server_call(folder: Path, customers: int, kind: str) -> str:
    return _server(folder, customers, _calls, kind)


def server_walk(folder: Path, customers: int, kind: str) -> str:
    return _server(folder, customers, _list_walk, kind)


def server_export(folder: Path, customers: int, kind: str) -> str:
    return _server(folder, customers, lambda server: _export_all(server, customers), kind)


TARGETS = {"seed": seed, "startup": startup, "call": call, "export": export, "walk": walk}
SERVER_TARGETS = {"server-call": server_call, "server-walk": server_walk, "server-export": server_export}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("target", choices=sorted(TARGETS) + sorted(SERVER_TARGETS))
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--html", type=Path, help="also write an HTML report here (in-process targets)")
    parser.add_argument("--cprofile", action="store_true", help="server targets: cProfile's call counts")
    args = parser.parse_args()
    if args.target in SERVER_TARGETS:
        with scratch() as folder:
            print(SERVER_TARGETS[args.target](folder, args.customers, "cprofile" if args.cprofile else "pyinstrument"))
        return
    with scratch() as folder:
        profiler = TARGETS[args.target](folder, args.customers)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html(), encoding="utf-8")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
