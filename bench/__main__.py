"""``python -m bench [--quick]``: run the benchmarks against the sandbox and print ratios."""

from __future__ import annotations

import argparse
import os
import platform

from bench import seed


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


if __name__ == "__main__":
    main()
