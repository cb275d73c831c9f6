"""Figure 4 — the bulk walk, each a ratio of interleaved rounds measured in one run.

- paging: walking N customers at ``_limit=200`` through ``walk`` + ``UltraCartApi.customer_page``
  versus a bare ``httpx2`` loop over the same pages, in-process (target ≤ 1.05x);
- concurrency: the sandbox (``uc-mcp sandbox`` in its own process) adds 50 ms to every request; the same
  walk reading 4 and 8 pages ahead (``walk(concurrency=N)``, the client's adaptive limiter allowing up to
  N in flight) versus one page at a time, the three in turn in every round (target: 8 ahead at least 3x
  faster); then against a sandbox that answers 429 to more than 2 concurrent requests (target: zero
  failures — the limiter lowers its in-flight cap from the 429s, leaves the pace alone, and the refused
  requests are retried; its time is compared with 2 in flight known in advance);
- rate-limited walk: the sandbox allows R requests/s; a client that starts unpaced and learns the limit
  from the 429s versus one given the pace R in advance (the ideal: no 429 at all), in turn in every round
  (target ≤ 1.2x; (N-1)/R, the least time N requests can take, is reported beside it).

Every figure is the median of the per-round ratios: a round's walks run back to back under the same
machine load.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import anyio

from bench.common import Figure, rotated, round_ratio
from uc_mcp.core.http import RetryPolicy
from uc_mcp.core.paging import walk
from uc_mcp.ultracart.client import sandbox_api
from uc_mcp.ultracart.sandbox.faults import FaultConfig
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

PAGING_TARGET = 1.05
SPEEDUP_TARGET = 3.0
RATE_TARGET = 1.2
LATENCY_MS = 50.0
WINDOW = 8  # pages in flight at most (the limiter lowers its cap when the server refuses that many)
SERVER_LIMIT = 2  # the concurrency past which the 429 sandbox refuses


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
    # Each round's two walks ran back to back, under the same machine load: the median of the per-round
    # ratios cancels the drift between rounds that a ratio of the two medians keeps.
    ratio = statistics.median(p / b for p, b in zip(pager, bare, strict=True))
    return {
        "customers": customers,
        "bare_s": statistics.median(bare),
        "pager_s": statistics.median(pager),
        "ratio": ratio,
        "ratio_of_medians": statistics.median(pager) / statistics.median(bare),
    }


async def _remote_walk(base_url: str, concurrency: int) -> dict[str, Any]:
    """Walk every customer of the sandbox at ``base_url`` with up to ``concurrency`` pages in flight
    (a client like ``ultracart_api`` with UC_MCP_CONCURRENCY=concurrency)."""
    from uc_mcp.settings import Settings
    from uc_mcp.ultracart.client import ultracart_api

    settings = Settings(
        _env_file=None, ultracart_api_key="sandbox-key", ultracart_base_url=base_url, concurrency=concurrency
    )
    api = ultracart_api(settings)
    count = 0
    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        async for page in walk(api.customer_page, limit=200, concurrency=concurrency, task_group=group):
            count += len(page.items)
    elapsed = time.perf_counter() - started
    limiter = api.http.options.limiter
    await api.aclose()
    return {
        "customers": count,
        "seconds": elapsed,
        "429s": limiter.rate_limited,
        "requests": api.http.stats.requests,
        "rate": limiter.rate or 0.0,
        "learned": limiter.learned or 0.0,
        "cap": limiter.cap,
    }


def concurrency(
    db: Path, customers: int, latency_ms: float, window: int, server_limit: int, rounds: int
) -> dict[str, Any]:
    """With ``latency_ms`` added to every request by the standalone sandbox (``uc-mcp sandbox`` in its own
    process, as a remote API would be): one page at a time versus 4 and ``window`` pages in flight, in
    turn for ``rounds`` rounds; then ``window`` against a sandbox that answers 429 to more than
    ``server_limit`` concurrent requests, and ``server_limit`` in flight known in advance."""
    from bench.common import sandbox_server

    box = _sandbox(db, customers)
    customers = box.store.count_customers()
    box.close()
    latency = ("--latency-ms", f"{latency_ms:g}")
    seconds: dict[int, list[float]] = {1: [], 4: [], window: []}
    with sandbox_server(db, *latency) as base_url:
        anyio.run(_remote_walk, base_url, 1)  # warm the server's page cache
        for index in range(rounds):
            for ahead in rotated(tuple(seconds), index):
                walked = anyio.run(_remote_walk, base_url, ahead)
                assert walked["customers"] == customers
                seconds[ahead].append(walked["seconds"])
    with sandbox_server(db, *latency, "--max-concurrency", str(server_limit)) as base_url:
        anyio.run(_remote_walk, base_url, 1)
        limited = anyio.run(_remote_walk, base_url, window)
        exact = anyio.run(_remote_walk, base_url, server_limit)  # what the server allows, known in advance
    sequential = statistics.median(seconds[1])
    return {
        "customers": customers,
        "latency_ms": latency_ms,
        "window": window,
        "server_limit": server_limit,
        "rounds": rounds,
        "sequential_s": sequential,
        "ahead4_s": statistics.median(seconds[4]),
        "speedup4": round_ratio(seconds[1], seconds[4]),
        "ahead_s": statistics.median(seconds[window]),
        "speedup": round_ratio(seconds[1], seconds[window]),
        "limited_s": limited["seconds"],
        "limited_speedup": sequential / limited["seconds"],
        "limited_failures": customers - limited["customers"],
        "limited_429": limited["429s"],
        "limited_requests": limited["requests"],
        "limited_rate": limited["rate"],
        "limited_learned": limited["learned"],
        "limited_cap": limited["cap"],
        "exact_s": exact["seconds"],
        "exact_429": exact["429s"],
        "limited_vs_exact": limited["seconds"] / exact["seconds"],
    }


async def _limited_walk(box: Sandbox, limit: int, rate: float | None) -> tuple[int, int]:
    api = sandbox_api(box, rate=rate, retry=RetryPolicy(total_timeout=120))
    count = 0
    async for page in walk(api.customer_page, limit=limit):
        count += len(page.items)
    rate_limited = api.http.options.limiter.rate_limited
    await api.aclose()
    return count, rate_limited


def rate_limited(db: Path, customers: int, rate: float, limit: int, rounds: int) -> dict[str, Any]:
    """Rounds of two walks against a sandbox allowing ``rate`` requests/s: the client unpaced (it learns the
    limit from the 429s) and the client paced at ``rate`` from the start. Each walk gets a new sandbox, so
    that every walk starts with the server's allowance untouched."""
    seconds: dict[str, list[float]] = {"learning": [], "known": []}
    failures = seen_429 = known_429 = 0
    for index in range(rounds):
        for variant in rotated(tuple(seconds), index):
            box = _sandbox(db, customers, FaultConfig(rate_limit=rate))
            customers = box.store.count_customers()  # the database may hold more than asked for
            started = time.perf_counter()
            count, refused = anyio.run(_limited_walk, box, limit, rate if variant == "known" else None)
            seconds[variant].append(time.perf_counter() - started)
            box.close()
            failures += customers - count
            if variant == "learning":
                seen_429 += refused
            else:
                known_429 += refused
    requests = -(-customers // limit)
    minimum = (requests - 1) / rate  # the first request is free; each later one waits 1/R
    learning = statistics.median(seconds["learning"])
    ratio = round_ratio(seconds["learning"], seconds["known"])
    return {
        "requests": requests,
        "rate": rate,
        "rounds": rounds,
        "seconds": learning,
        "known_s": statistics.median(seconds["known"]),
        "ratio": ratio if not failures else float("inf"),  # a walk that lost customers misses the target
        "minimum_s": minimum,
        "ratio_to_minimum": learning / minimum,
        "failures": failures,
        "rate_limited": seen_429 / rounds,
        "known_rate_limited": known_429 / rounds,
    }


def paging_figure(db: Path, customers: int, rounds: int) -> Figure:
    result = paging(db, customers, rounds)
    return Figure(
        "4a",
        f"pager vs bare httpx2 loop ({customers:,} customers)",
        result["ratio"],
        PAGING_TARGET,
        detail=(
            f"walk + customer_page {result['pager_s']:.3f} s vs bare loop {result['bare_s']:.3f} s at _limit=200 "
            f"(medians of {rounds} interleaved rounds, in-process sandbox; the figure is the median of the "
            f"per-round ratios, the ratio of the medians is {result['ratio_of_medians']:.3f}x)"
        ),
        extra=result,
    )


def _pace(rate: float) -> str:
    return f"a pace of {rate:.1f} req/s" if rate else "no pace (none was needed)"


def concurrency_figure(db: Path, customers: int, rounds: int) -> list[Figure]:
    result = concurrency(db, customers, LATENCY_MS, WINDOW, SERVER_LIMIT, rounds)
    return [
        Figure(
            "4b",
            f"{WINDOW} pages ahead (adaptive) vs sequential, {LATENCY_MS:g} ms",
            result["speedup"],
            SPEEDUP_TARGET,
            higher_is_better=True,
            detail=(
                f"{result['customers']:,} customers from uc-mcp sandbox --latency-ms {LATENCY_MS:g} (own process), "
                f"medians of {result['rounds']} interleaved rounds: sequential {result['sequential_s']:.2f} s, 4 ahead "
                f"{result['ahead4_s']:.2f} s ({result['speedup4']:.2f}x), {WINDOW} ahead {result['ahead_s']:.2f} s; "
                "the figure is the median of the per-round ratios"
            ),
            extra=result,
        ),
        Figure(
            "4c",
            f"same, server 429s above {SERVER_LIMIT} concurrent: failures",
            result["limited_failures"],
            0,
            unit="",
            detail=(
                f"{result['limited_s']:.2f} s ({result['limited_speedup']:.2f}x sequential), "
                f"{result['limited_429']} 429s absorbed in {result['limited_requests']} requests; the limiter ended "
                f"with {result['limited_cap']} in flight and {_pace(result['limited_rate'])}; with the server's limit "
                f"known ({SERVER_LIMIT} in flight, no 429): {result['exact_s']:.2f} s ({result['limited_vs_exact']:.2f}x)"
            ),
            extra=result,
        ),
    ]


def rate_limited_figure(db: Path, customers: int, rounds: int, rate: float = 20.0, limit: int = 200) -> Figure:
    result = rate_limited(db, customers, rate=rate, limit=limit, rounds=rounds)
    return Figure(
        "4d",
        f"rate-limited walk (R={rate:g}/s), learning vs paced",
        result["ratio"],
        RATE_TARGET,
        detail=(
            f"{result['requests']} requests: learning the limit {result['seconds']:.2f} s vs paced at R from the start "
            f"{result['known_s']:.2f} s (medians of {result['rounds']} interleaved rounds; the figure is the median of "
            f"the per-round ratios); {result['ratio_to_minimum']:.2f}x the minimum (N-1)/R = {result['minimum_s']:.2f} s; "
            f"failures {result['failures']}, 429s absorbed per walk {result['rate_limited']:g} "
            f"(paced: {result['known_rate_limited']:g})"
        ),
        extra=result,
    )
