"""Figure 6 — tool definitions: what a host puts in the model's context on every turn for every tool
(name, title, description and ``inputSchema``, as ``tools/list`` returns them through the MCP client),
in bytes and estimated tokens (UTF-8 bytes / 4), against DESIGN.md's budgets: all tools ≤ 64 KB, each
``inputSchema`` ≤ 4 KB (10 KB for insert/update), each ``outputSchema`` ≤ 12 KB. The five largest are named.

Measured for the default toolsets (what ``uc-mcp serve`` lists) and for every toolset enabled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio

from bench.common import Figure
from bench.harness import session, tokens

TOTAL_BUDGET = 64 * 1024
INPUT_BUDGET = 4 * 1024
WRITE_INPUT_BUDGET = 10 * 1024
OUTPUT_BUDGET = 12 * 1024


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _input_budget(name: str) -> int:
    return WRITE_INPUT_BUDGET if name.endswith(("_insert_customer", "_update_customer")) else INPUT_BUDGET


async def _listed(
    db: Path, customers: int, toolsets: list[str] | None, every_provider: bool = False
) -> list[dict[str, Any]]:
    overrides: dict[str, Any] = {"toolsets": toolsets} if toolsets else {}
    if every_provider:  # what a host lists with no credentials anywhere: each provider's shared defaults
        overrides["providers"] = None
    async with session(db, customers, **overrides) as s:
        listed = (await s.client.list_tools()).tools
    rows = []
    for tool in listed:
        text = (tool.name + (tool.title or "") + (tool.description or "")).encode("utf-8")
        rows.append(
            {
                "name": tool.name,
                "context": len(text) + _size(tool.input_schema),
                "input": _size(tool.input_schema),
                "output": _size(tool.output_schema) if tool.output_schema else 0,
            }
        )
    return rows


def run(db: Path, customers: int) -> dict[str, Any]:
    from uc_mcp.ultracart.tools import TOOLSETS

    result: dict[str, Any] = {}
    for label, toolsets, every_provider in (
        ("default", None, False),
        ("all", list(TOOLSETS), False),
        ("every_provider", None, True),
    ):
        rows = anyio.run(_listed, db, customers, toolsets, every_provider)
        total = sum(row["context"] for row in rows)
        largest = sorted(rows, key=lambda row: row["context"], reverse=True)[:5]
        over = [
            f"{row['name']}: inputSchema {row['input']} B" for row in rows if row["input"] > _input_budget(row["name"])
        ] + [f"{row['name']}: outputSchema {row['output']} B" for row in rows if row["output"] > OUTPUT_BUDGET]
        result[label] = {
            "tools": len(rows),
            "bytes": total,
            "tokens": tokens(total),
            "largest": [(row["name"], row["context"], tokens(row["context"])) for row in largest],
            "largest_input": max(row["input"] for row in rows),
            "largest_output": max(row["output"] for row in rows),
            "over_budget": over,
        }
    return result


def figure(db: Path, customers: int) -> Figure:
    result = run(db, customers)
    default, every, providers = result["default"], result["all"], result["every_provider"]
    largest = ", ".join(f"{name.removeprefix('ultracart_')} {size:,} B" for name, size, _ in default["largest"])
    return Figure(
        "6",
        f"tool definitions ({default['tools']} tools) vs 64 KB budget",
        max(default["bytes"], providers["bytes"]) / TOTAL_BUDGET,
        1.0,
        detail=(
            f"{default['bytes']:,} B (~{default['tokens']:,} tokens); all {every['tools']} tools {every['bytes']:,} B "
            f"(~{every['tokens']:,} tokens, {every['bytes'] / TOTAL_BUDGET:.3f}x); per-tool budgets exceeded: "
            f"{', '.join(every['over_budget']) or 'none'}\nlargest five: {largest}\nevery provider enabled (the "
            f"host's default listing, DESIGN.md's budget is for it): {providers['tools']} tools "
            f"{providers['bytes']:,} B ({providers['bytes'] / TOTAL_BUDGET:.3f}x)"
        ),
        extra=result,
    )
