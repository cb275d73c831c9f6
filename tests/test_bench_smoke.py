"""Keep ``bench/`` from rotting: a few of its measurements at tiny sizes (seconds, not minutes). The
numbers are not checked — only that each benchmark still runs against today's code and reports."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

from bench import client, definitions, overhead, people, sandbox, stdio_call
from bench.harness import seed_database

CUSTOMERS = 300


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_database(tmp_path_factory.mktemp("bench") / "bench.sqlite3", CUSTOMERS)


def test_the_per_call_overhead_benchmark_runs(db: Path) -> None:
    result = overhead.run(db, CUSTOMERS, calls=20)
    assert result["mcp_ms"] > 0 and result["direct_ms"] > 0 and result["ratio_to_floor"] > 0


def test_the_pager_benchmark_runs(db: Path) -> None:
    result = client.paging(db, CUSTOMERS, rounds=1)
    assert result["customers"] == CUSTOMERS and result["ratio"] > 0


def test_the_rate_limited_walk_benchmark_runs_both_walks(db: Path) -> None:
    result = client.rate_limited(db, CUSTOMERS, rate=50.0, limit=100, rounds=1)
    assert result["failures"] == 0 and result["ratio"] > 0 and result["known_s"] > 0


def test_the_tool_definition_benchmark_names_the_largest_tools(db: Path) -> None:
    result = definitions.run(db, CUSTOMERS)
    assert result["default"]["tools"] > 20 and len(result["default"]["largest"]) == 5
    assert result["default"]["over_budget"] == []


def _contents(path: Path) -> tuple[dict[str, int], set[str]]:
    """Rows per table and the index names of a database."""
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
        indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        conn.close()
    return rows, indexes


def test_the_seeding_floor_stores_every_row_and_index_of_the_store(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "stored.sqlite3"
    assert sandbox.store_rows(db, copy) > 0
    assert _contents(copy) == _contents(db)


def test_the_stdio_per_call_benchmark_runs(db: Path) -> None:
    result = stdio_call.run(db, CUSTOMERS, calls=5)
    assert result["uc_mcp_ms"] > 0 and result["floor_ms"] > 0


@pytest.mark.skipif(importlib.util.find_spec("fastmcp") is None, reason="fastmcp is a bench extra")
def test_the_fastmcp_comparison_runs(db: Path, tmp_path: Path) -> None:
    # Each server started once (figure 9's start-up rounds spawn them again and again: seconds each).
    from bench import versus
    from bench.common import sandbox_server

    with sandbox_server(db) as base_url:
        running = versus._started(versus.Servers(tmp_path, base_url))
        try:
            call = versus.per_call(running, CUSTOMERS, calls=3)
            done = versus.tasks(running, versus.pick_targets(db, CUSTOMERS))
            walked = versus.walks(running, CUSTOMERS, rounds=1)
        finally:
            for server in running.values():
                server.close()
    assert call["ratio"] > 0 and walked["walk_ratio"] > 0 and walked["export_ratio"] > 0
    # The two servers' call sequences answer each task alike (the same customer, count, top balance).
    assert [task["uc-mcp"]["answer"] for task in done] == [task["fastmcp"]["answer"] for task in done]


@pytest.mark.skipif(importlib.util.find_spec("fastmcp") is None, reason="fastmcp is a bench extra")
def test_the_voucherify_comparison_runs(tmp_path: Path) -> None:
    # Figure 10 on a small Voucherify store, one start-up round: every row measured, the same customers on both sides.
    from bench import voucherify

    result = voucherify.run(tmp_path, rounds=1, customers=60)
    assert result["definitions"]["uc-mcp"]["tools"] > 10 and result["definitions"]["fastmcp"]["tools"] == 12
    assert result["list"]["customers"] == 50 and result["support"]["customers"] == 50
    assert result["find"]["ratio"] > 0 and result["startup"]["ratio"] > 0


def test_the_people_benchmark_runs_both_ways_over_the_same_records(tmp_path: Path) -> None:
    result = people.run(tmp_path, rounds=1, latency_rounds=1)  # checks inside: both ways read the same records
    for part in ("plain", "latency"):
        assert set(result[part]["totals"]) >= {"360", "tools"}
    for found in result["finds"].values():
        assert found["to_slowest"] > 0 and found["to_sum"] > 0
