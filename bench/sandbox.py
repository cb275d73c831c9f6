"""Figure 7 — the sandbox: seeding a store of N customers (target from issue 2: 100,000 in under 30 s on
2 cores), and requests per second against its SQLite store through the in-process HTTP app:

- ``GET /customer/customers`` pages of 200 at random offsets (no filter; ``total_records`` counted each time),
- the same filtered by ``billing_state`` (an indexed address lookup; the total counted too),
- ``GET /customer/customers/by_email/{email}`` for random customers (the ``customer_email`` unique index).

Each rate is also measured on a store 10x smaller: a ratio near 1 means the query does not scan the
table (indexes where queries need them); offset paging is expected to slow down with depth, since
SQLite's OFFSET steps over the skipped rows.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import anyio

from bench.common import Figure

SEED_BUDGET_S = 30.0  # issue 2: 100,000 customers in under 30 s on a 2-core machine
EMAIL_SCALING_TARGET = 0.5  # by_email on the large store vs the small: an index lookup (a table scan: ~0.01)
FIRST_OID = 100001


def seed(path: Path, customers: int) -> dict[str, Any]:
    """Create and seed a sandbox database at ``path`` (which must not exist); kept for other figures."""
    from uc_mcp.ultracart.sandbox.store import SandboxStore

    assert not path.exists()
    started = time.perf_counter()
    store = SandboxStore.open(path, customers=customers)
    elapsed = time.perf_counter() - started
    assert store.count_customers() == customers
    store.close()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    scaled = elapsed * 100_000 / customers
    return {
        "customers": customers,
        "seconds": elapsed,
        "per_100k_s": scaled,
        "ratio_to_budget": scaled / SEED_BUDGET_S,
        "mb": size / 1e6,
    }


async def _rates(db: Path, customers: int, seconds: float) -> dict[str, float]:
    from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

    box = Sandbox(SandboxOptions(db=db, customers=customers))
    rng = random.Random(7)
    oids = [FIRST_OID + rng.randrange(customers) for _ in range(400)]
    emails = [box.store.get_customer(oid, None)["email"] for oid in oids]
    state = "TX"
    rates: dict[str, float] = {}
    async with box.client() as client:

        async def page() -> None:
            offset = rng.randrange(max(1, customers - 200))
            response = await client.get("/customer/customers", params={"_limit": 200, "_offset": offset})
            assert response.status_code == 200

        async def filtered() -> None:
            response = await client.get(
                "/customer/customers", params={"_limit": 200, "billing_state": state, "_offset": rng.randrange(200)}
            )
            assert response.status_code == 200

        async def by_email() -> None:
            response = await client.get(f"/customer/customers/by_email/{rng.choice(emails)}")
            assert response.status_code == 200

        for name, request in (("pages", page), ("filtered_pages", filtered), ("by_email", by_email)):
            for _ in range(5):  # warm-up
                await request()
            done, started = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - started) < seconds:
                await request()
                done += 1
            rates[name] = done / elapsed
    box.close()
    return rates


def rates(db: Path, customers: int, seconds: float) -> dict[str, float]:
    return anyio.run(_rates, db, customers, seconds)


def figures(
    large_db: Path, large: int, seeded: dict[str, Any], small_db: Path, small: int, seconds: float
) -> list[Figure]:
    big = rates(large_db, large, seconds)
    little = rates(small_db, small, seconds)
    scaling = {name: big[name] / little[name] for name in big}
    detail = "; ".join(
        f"{name} {big[name]:,.0f}/s ({little[name]:,.0f}/s on {small:,}: {scaling[name]:.2f})" for name in big
    )
    return [
        Figure(
            "7a",
            f"seed {seeded['customers']:,} customers, per 100k vs 30 s",
            seeded["ratio_to_budget"],
            1.0,
            detail=(
                f"{seeded['seconds']:.1f} s for {seeded['customers']:,} ({seeded['per_100k_s']:.1f} s per 100k), "
                f"{seeded['mb']:.0f} MB"
            ),
            extra=seeded,
        ),
        Figure(
            "7b",
            f"by_email req/s on {large:,} vs {small:,} customers",
            scaling["by_email"],
            EMAIL_SCALING_TARGET,
            higher_is_better=True,
            detail=f"requests per second through the in-process app: {detail}",
            extra={"large": big, "small": little, "scaling": scaling},
        ),
    ]
