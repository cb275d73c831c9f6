"""Sandbox seeding: time to create and seed a store of N customers, against the 30 s budget."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from uc_mcp.ultracart.sandbox.store import SandboxStore

BUDGET_S = 30.0  # issue 2: 100,000 customers in under 30 s on a 2-core machine


def run(customers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        started = time.perf_counter()
        store = SandboxStore.open(path, customers=customers)
        elapsed = time.perf_counter() - started
        assert store.count_customers() == customers
        store.close()
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
    scaled = elapsed * 100_000 / customers
    return {
        "customers": customers,
        "seconds": elapsed,
        "per_100k_s": scaled,
        "ratio_to_budget": scaled / BUDGET_S,
        "mb": size / 1e6,
    }
