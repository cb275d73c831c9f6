"""``python -m bench [--quick]``: run the benchmarks against the sandbox and print ratios."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

from bench import client, seed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under two minutes")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    result = seed.run(20_000 if args.quick else 100_000)
    print(
        f"seed       {result['customers']:>7,} customers in {result['seconds']:6.1f} s "
        f"({result['mb']:.0f} MB) -> per 100k / 30 s budget = {result['ratio_to_budget']:.2f}x (target <= 1.00)"
    )
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.sqlite3"
        walk = client.paging(db, 10_000, rounds=3 if args.quick else 7)
        print(
            f"paging     {walk['customers']:,} customers at _limit=200: pager {walk['pager_s']:.2f} s vs bare httpx2 "
            f"{walk['bare_s']:.2f} s -> {walk['ratio']:.3f}x (target <= 1.05)"
        )
        limited = client.rate_limited(db, 2_000 if args.quick else 10_000, rate=20.0, limit=100)
        print(
            f"rate limit {limited['requests']} requests at R={limited['rate']:g}/s: {limited['seconds']:.1f} s vs minimum "
            f"{limited['minimum_s']:.1f} s -> {limited['ratio']:.2f}x (target <= 1.20), failures {limited['failures']}, "
            f"429s absorbed {limited['rate_limited']}"
        )
        size = client.context(db, 10_000)
        print(
            f"context    50 customers: raw {size['raw_bytes']:,} B vs compact {size['compact_bytes']:,} B -> "
            f"{size['ratio']:.1f}x smaller (target >= 10), all compact fields kept: {size['complete']}"
        )


if __name__ == "__main__":
    main()
