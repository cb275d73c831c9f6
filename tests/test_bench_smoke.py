"""Keep ``bench/`` from rotting: a few of its measurements at tiny sizes (seconds, not minutes). The
numbers are not checked — only that each benchmark still runs against today's code and reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import client, definitions, overhead
from bench.harness import seed_database

CUSTOMERS = 300


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_database(tmp_path_factory.mktemp("bench") / "bench.sqlite3", CUSTOMERS)


def test_the_per_call_overhead_benchmark_runs(db: Path) -> None:
    result = overhead.run(db, CUSTOMERS, calls=20)
    assert result["mcp_ms"] > 0 and result["direct_ms"] > 0


def test_the_pager_benchmark_runs(db: Path) -> None:
    result = client.paging(db, CUSTOMERS, rounds=1)
    assert result["customers"] == CUSTOMERS and result["ratio"] > 0


def test_the_tool_definition_benchmark_names_the_largest_tools(db: Path) -> None:
    result = definitions.run(db, CUSTOMERS)
    assert result["default"]["tools"] > 20 and len(result["default"]["largest"]) == 5
    assert result["default"]["over_budget"] == []
