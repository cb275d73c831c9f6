"""Client benchmarks (issue 3), each a ratio measured in one run against the in-process sandbox.

- paging: walking N customers at ``_limit=200`` through ``walk`` + ``UltraCartApi.customer_page``
  versus a bare ``httpx2`` loop over the same pages (target ≤ 1.05x);
- rate-limited walk: the sandbox limits to R requests/s and the client starts unpaced; the walk
  must finish with zero failures in at most 1.2x the minimum time N/R;
- context: bytes of the raw API JSON with ``_expand=billing,shipping`` for 50 customers versus the
  compact list result (target ≥ 10x smaller, every compact-view field kept).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import anyio

from uc_mcp.core.budget import fit_list, result_json
from uc_mcp.core.http import RetryPolicy
from uc_mcp.core.paging import walk
from uc_mcp.ultracart.client import sandbox_api
from uc_mcp.ultracart.sandbox.faults import FaultConfig
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions
from uc_mcp.ultracart.views import COMPACT_CUSTOMER_FIELDS, customer_view


def _sandbox(db: Path, customers: int, faults: FaultConfig | None = None) -> Sandbox:
    return Sandbox(SandboxOptions(db=db, customers=customers, faults=faults or FaultConfig()))


async def _bare_walk(box: Sandbox) -> int:
    count, offset = 0, 0
    async with box.client() as client:
        while True:
            body = (await client.get("/customer/customers", params={"_limit": 200, "_offset": offset})).json()
            count += len(body["customers"])
            result_set = body["metadata"]["result_set"]
            if not result_set["more"]:
                return count
            offset = result_set["next_offset"]


async def _pager_walk(box: Sandbox) -> int:
    api = sandbox_api(box)
    count = 0
    async for page in walk(api.customer_page, limit=200):
        count += len(page.items)
    await api.aclose()
    return count


def paging(db: Path, customers: int, rounds: int) -> dict[str, Any]:
    box = _sandbox(db, customers)
    bare, pager = [], []
    for _ in range(rounds):  # interleaved, so drift hits both alike
        started = time.perf_counter()
        assert anyio.run(_bare_walk, box) == customers
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert anyio.run(_pager_walk, box) == customers
        pager.append(time.perf_counter() - started)
    box.close()
    ratio = statistics.median(pager) / statistics.median(bare)
    return {
        "customers": customers,
        "bare_s": statistics.median(bare),
        "pager_s": statistics.median(pager),
        "ratio": ratio,
    }


async def _limited_walk(box: Sandbox, limit: int) -> tuple[int, int]:
    api = sandbox_api(box, retry=RetryPolicy(total_timeout=120))
    count = 0
    async for page in walk(api.customer_page, limit=limit):
        count += len(page.items)
    rate_limited = api.http.options.limiter.rate_limited
    await api.aclose()
    return count, rate_limited


def rate_limited(db: Path, customers: int, rate: float, limit: int) -> dict[str, Any]:
    box = _sandbox(db, customers, FaultConfig(rate_limit=rate))
    customers = box.store.count_customers()  # the database may hold more than asked for
    requests = -(-customers // limit)
    started = time.perf_counter()
    count, seen_429 = anyio.run(_limited_walk, box, limit)
    elapsed = time.perf_counter() - started
    box.close()
    minimum = (requests - 1) / rate  # the first request is free; each later one waits 1/R
    return {
        "requests": requests,
        "rate": rate,
        "seconds": elapsed,
        "minimum_s": minimum,
        "ratio": elapsed / minimum,
        "failures": customers - count,
        "rate_limited": seen_429,
    }


async def _context(box: Sandbox) -> tuple[int, int, bool]:
    async with box.client() as client:
        response = await client.get("/customer/customers", params={"_limit": 50, "_expand": "billing,shipping"})
    raw = response.content
    records = response.json()["customers"]
    result = fit_list(records, view=customer_view, max_tokens=1_000_000, columns=COMPACT_CUSTOMER_FIELDS)
    compact = result_json(result).encode()
    complete = result["columns"] == list(COMPACT_CUSTOMER_FIELDS) and all(
        row == [customer_view(record)[column] for column in COMPACT_CUSTOMER_FIELDS]
        for record, row in zip(records, result["items"], strict=True)
    )
    return len(raw), len(compact), complete


def context(db: Path, customers: int) -> dict[str, Any]:
    box = _sandbox(db, customers)
    raw, compact, complete = anyio.run(_context, box)
    box.close()
    return {"raw_bytes": raw, "compact_bytes": compact, "ratio": raw / compact, "complete": complete}
