"""``python -m bench [--quick] [--only 1,4] [--json FILE]``: run the benchmarks against the sandbox on this
machine and print one table of ratios (each measured in this run, against its target).

Databases are seeded once into a temporary directory and shared by the figures that need them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import PROVIDER_PREFIXES, Figure, print_figure, scratch

FIGURES = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), model)
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kb = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
            memory = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (
        f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {datetime.date.today().isoformat()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer rounds: under two minutes")
    parser.add_argument("--only", help="comma list of figures to run (1-11)")
    parser.add_argument("--json", type=Path, help="also write every figure's numbers to this file")
    args = parser.parse_args(argv)
    for name in list(os.environ):  # hermetic: no provider or UC_MCP_* setting changes what is measured
        if name.upper().startswith(PROVIDER_PREFIXES):
            del os.environ[name]
    # MCPServer sets the root logger to INFO; the retries the rate-limit figures provoke are expected.
    logging.getLogger("uc_mcp").setLevel(logging.WARNING)
    wanted = set(args.only.split(",")) if args.only else set(FIGURES)
    quick = args.quick
    sizes: dict[str, Any] = {
        "startup_rounds": 3 if quick else 9,
        "overhead_calls": 300 if quick else 1000,
        "paging_rounds": 5 if quick else 11,
        "ahead_rounds": 2 if quick else 3,
        "rate_rounds": 2 if quick else 3,
        "seed_rounds": 2 if quick else 3,
        "seed_customers": 10_000 if quick else 20_000,
        "large": 20_000 if quick else 100_000,
        "rate_seconds": 1.0 if quick else 2.0,
        "stdio_calls": 300 if quick else 1000,
        "versus_rounds": 2 if quick else 5,
        "versus_calls": 100 if quick else 300,
        "walk_rounds": 2 if quick else 5,
        "voucherify_rounds": 3 if quick else 9,
        "people_rounds": 3 if quick else 7,
        "people_latency_rounds": 2 if quick else 3,
    }
    print(f"machine: {machine()}", flush=True)
    print(f"mode: {'quick' if quick else 'full'} {sizes}", flush=True)
    print(f"{'fig':<4} {'what':<44} {'measured':>12} {'target':>12}  result", flush=True)
    figures: list[Figure] = []
    extras: dict[str, Any] = {}
    started = time.perf_counter()

    def show(figure: Figure) -> None:
        figures.append(figure)
        print_figure(figure)

    with scratch() as folder:
        from bench.harness import seed_database

        small = folder / "store-10k.sqlite3"
        shop = folder / "store-2k.sqlite3"
        large = folder / f"store-{sizes['large'] // 1000}k.sqlite3"
        if "1" in wanted:
            from bench import startup

            show(startup.figure(sizes["startup_rounds"]))
        if wanted & {"2", "4", "6", "7", "8", "9"}:
            seed_database(small, 10_000)
        if "2" in wanted:
            from bench import overhead

            show(overhead.figure(small, 10_000, sizes["overhead_calls"]))
        if "8" in wanted:
            from bench import stdio_call

            show(stdio_call.figure(small, 10_000, sizes["stdio_calls"]))
        if "3" in wanted:
            from bench import context

            seed_database(shop, 2_000)
            found, result = context.figures(shop, 2_000)
            for figure in found:
                show(figure)
            table = context.question_table(result)
            print("\n".join("       " + line for line in table.splitlines()), flush=True)
            extras["questions"] = table
        if "4" in wanted:
            from bench import client

            show(client.paging_figure(small, 10_000, sizes["paging_rounds"]))
            for figure in client.concurrency_figure(small, 10_000, sizes["ahead_rounds"]):
                show(figure)
            show(client.rate_limited_figure(small, 10_000, sizes["rate_rounds"]))
        if "6" in wanted:
            from bench import definitions

            show(definitions.figure(small, 10_000))
        seeded = None
        if wanted & {"5", "7", "9"}:
            from bench import sandbox

            seeded = sandbox.seed(large, sizes["large"])
        if "7" in wanted:
            from bench import sandbox

            assert seeded is not None
            rounds = sandbox.seed_rounds(folder, sizes["seed_customers"], sizes["seed_rounds"])
            for figure in sandbox.figures(large, sizes["large"], seeded, rounds, small, 10_000, sizes["rate_seconds"]):
                show(figure)
        if "5" in wanted:
            from bench import memory

            show(memory.figure(large, sizes["large"]))
        if "9" in wanted:
            from bench import versus

            reason = versus.unavailable()
            if reason:
                print(f"9    FastMCP from_openapi comparison skipped: {reason}", flush=True)
                extras["skipped"] = {"9": reason}
            else:
                for figure in versus.figures(
                    small,
                    10_000,
                    large,
                    sizes["large"],
                    rounds=sizes["versus_rounds"],
                    calls=sizes["versus_calls"],
                    walk_rounds=sizes["walk_rounds"],
                ):
                    show(figure)
        if "10" in wanted:
            from bench import voucherify

            reason = voucherify.unavailable()
            if reason:
                print(f"10   Voucherify vs FastMCP from_openapi skipped: {reason}", flush=True)
                extras.setdefault("skipped", {})["10"] = reason
            else:
                for figure in voucherify.figures(folder, sizes["voucherify_rounds"]):
                    show(figure)
        if "11" in wanted:
            from bench import people

            for figure in people.figures(folder, sizes["people_rounds"], sizes["people_latency_rounds"]):
                show(figure)
    failed = [figure for figure in figures if not figure.passed]
    print(
        f"{len(figures) - len(failed)} of {len(figures)} figures meet their targets "
        f"({time.perf_counter() - started:.0f} s)"
        + (f"; missed: {', '.join(f.number for f in failed)}" if failed else ""),
        flush=True,
    )
    if args.json:
        payload = {
            "machine": machine(),
            "mode": "quick" if quick else "full",
            "sizes": sizes,
            "figures": [
                {
                    "number": f.number,
                    "name": f.name,
                    "measured": f.measured,
                    "target": f.target,
                    "higher_is_better": f.higher_is_better,
                    "unit": f.unit,
                    "passed": f.passed,
                    "detail": f.detail,
                    "extra": f.extra,
                }
                for f in figures
            ],
            **extras,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
