"""``python -m bench.profile TARGET [--customers N]``: a pyinstrument profile of one benchmark's hot path,
printed as text (needs ``pip install pyinstrument``).

Targets: ``seed`` (figure 7: seeding a store; the parent process only — generation runs in a child),
``startup`` (figure 1: importing and building the server, up to the point it reads stdin), ``call``
(figure 2: ``ultracart_get_customer`` through the in-memory client), ``export`` (figure 5), ``walk``
(figure 4: the pager over the in-process sandbox).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import anyio

from bench.common import bench_settings, scratch
from bench.harness import seed_database, session


def _profiler() -> Any:
    try:
        from pyinstrument import Profiler
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


TARGETS = {"seed": seed, "startup": startup, "call": call, "export": export, "walk": walk}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--html", type=Path, help="also write an HTML report here")
    args = parser.parse_args()
    with scratch() as folder:
        profiler = TARGETS[args.target](folder, args.customers)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html(), encoding="utf-8")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
