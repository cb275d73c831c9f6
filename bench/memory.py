"""Figure 5 — memory: the peak RSS while ``ultracart_export_customers`` writes every customer of a large
sandbox to a file, against the idle RSS of the same process (target: peak < 1.5 x idle + 50 MB — the export
streams page by page instead of accumulating).

Measured in a fresh interpreter (``python -m bench.memory DB CUSTOMERS``) so that nothing else the
benchmark run allocated is counted: it builds the server on the seeded database, connects the in-memory
client, makes one small call (the sandbox is opened, validators built), collects garbage and reads
``VmRSS`` (idle). Then the peak is reset (``/proc/self/clear_refs``), the export runs through the MCP
client, and ``VmHWM`` is the peak. Where the peak cannot be reset, a thread samples RSS every 5 ms.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio

from bench.common import MB, Figure, clean_env, peak_rss, python, reset_peak, rss

TARGET_FACTOR = 1.5
TARGET_EXTRA_MB = 50.0
PAGE = 200
MAX_CALLS = 500  # the export tool's ceiling: 100,000 customers


class _Sampler:
    """The highest RSS seen every few milliseconds, for systems where VmHWM cannot be reset."""

    def __init__(self, interval: float = 0.005) -> None:
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak = max(self.peak, rss())

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


async def _export(db: Path, customers: int) -> dict[str, Any]:
    from bench.harness import session

    async with session(db, customers) as s:
        await s.call("ultracart_get_customers", {"limit": 200})  # warm: sandbox open, validators built
        await s.call("ultracart_export_customers", {"max_calls": 1})  # warm: the export path once
        gc.collect()
        idle = rss()
        resettable = reset_peak()
        started = time.perf_counter()
        with _Sampler() as sampler:
            result = await s.call(
                "ultracart_export_customers", {"max_calls": min(MAX_CALLS, -(-customers // PAGE) + 1)}
            )
        elapsed = time.perf_counter() - started
        peak = peak_rss() if resettable else sampler.peak
    return {
        "customers": customers,
        "rows": result["rows"],
        "complete": result["complete"],
        "seconds": elapsed,
        "idle_mb": idle / MB,
        "peak_mb": max(peak, sampler.peak) / MB,
        "path": result["path"],
        "peak_from": "VmHWM" if resettable else "sampling",
    }


def main() -> None:
    db, customers = Path(sys.argv[1]), int(sys.argv[2])
    result = anyio.run(_export, db, customers)
    path = Path(result.pop("path"))
    result["file_mb"] = path.stat().st_size / MB
    path.unlink()
    print(json.dumps(result))


def run(db: Path, customers: int) -> dict[str, Any]:
    """Run the export in a fresh interpreter on a copy-free, already seeded database."""
    done = subprocess.run(
        [python(), "-m", "bench.memory", str(db), str(customers)],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(db.parent / "memory-home"),
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.memory failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def figure(db: Path, customers: int) -> Figure:
    result = run(db, customers)
    budget = TARGET_FACTOR * result["idle_mb"] + TARGET_EXTRA_MB
    return Figure(
        "5",
        f"peak RSS exporting {result['rows']:,} vs 1.5 x idle + 50 MB",
        result["peak_mb"] / budget,
        1.0,
        detail=(
            f"idle {result['idle_mb']:.1f} MB, peak {result['peak_mb']:.1f} MB ({result['peak_from']}), budget "
            f"{budget:.1f} MB; {result['rows']:,} rows ({result['file_mb']:.1f} MB CSV) in {result['seconds']:.1f} s, "
            f"complete={result['complete']}"
        ),
        extra=result,
    )


if __name__ == "__main__":
    main()
