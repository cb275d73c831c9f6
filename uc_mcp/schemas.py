"""The reviewable API surface: one JSON file per tool in ``tool_schemas/<table>/`` (each provider's, and each
cross-provider table's: ``people``, tables.py), and the size budgets.

Hosts put every tool's name, title, description and ``inputSchema`` into the model's context on
every turn, so DESIGN.md caps them: each ``inputSchema`` ≤ 4 KB (≤ 10 KB for insert/update), each
``outputSchema`` ≤ 12 KB, and name + title + description + ``inputSchema`` over all tools ≤ 64 KB.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core.provider import Provider
from .core.toolspec import ToolSpec
from .tables import CROSS_TABLES, CrossTable, Table

INPUT_BUDGET = 4 * 1024
WRITE_INPUT_BUDGET = 10 * 1024
OUTPUT_BUDGET = 12 * 1024
TOTAL_BUDGET = 64 * 1024
SCHEMA_DIR = Path("tool_schemas")  # relative to the checkout the command runs in


def definition(spec: ToolSpec) -> dict[str, Any]:
    """The tool as a host sees it in ``tools/list``."""
    return {
        "name": spec.name,
        "title": spec.title,
        "description": spec.published_description,
        "inputSchema": spec.input_schema(),
        "outputSchema": spec.output_schema(),
        "annotations": spec.annotations.model_dump(by_alias=True, exclude_none=True),
        # The listed _meta (with the MCP Apps view, _meta.ui) plus the toolset; hosts keep _meta out of the
        # model's context, so it is not counted in the definition budgets below.
        "_meta": {"toolset": spec.toolset, "guarded": spec.guarded, **spec.published_meta},
    }


def render(spec: ToolSpec) -> str:
    return json.dumps(definition(spec), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Sizes:
    name: str
    context: int  # name + title + description + inputSchema
    input: int
    output: int


def sizes(spec: ToolSpec) -> Sizes:
    schema = spec.input_schema()
    context = len((spec.name + spec.title + spec.published_description).encode("utf-8")) + _size(schema)
    return Sizes(spec.name, context, _size(schema), _size(spec.output_schema()))


def input_budget(spec: ToolSpec) -> int:
    creates_or_updates = spec.name.endswith(("_insert_customer", "_create_customer", "_update_customer"))
    return WRITE_INPUT_BUDGET if creates_or_updates else INPUT_BUDGET


def budget_problems(specs: Sequence[ToolSpec], forbidden_graphs: Sequence[str] = ()) -> list[str]:
    """What breaks DESIGN.md's definition budgets, and which tool schema references a graph its provider keeps
    out of tool definitions (``Provider.forbidden_graphs``: UltraCart's Order, CustomerActivity, ...)."""
    problems = []
    for spec in specs:
        size = sizes(spec)
        if size.input > input_budget(spec):
            problems.append(f"{spec.name}: inputSchema {size.input} B > {input_budget(spec)} B")
        if size.output > OUTPUT_BUDGET:
            problems.append(f"{spec.name}: outputSchema {size.output} B > {OUTPUT_BUDGET} B")
        text = json.dumps(definition(spec))
        problems += [f"{spec.name}: references the {graph} graph" for graph in forbidden_graphs if f'"{graph}' in text]
    # An app-only tool is called by a view and never listed to a model (MCP Apps visibility).
    total = sum(sizes(spec).context for spec in specs if not spec.app_only)
    if total > TOTAL_BUDGET:
        problems.append(f"all tools: {total} B of definitions > {TOTAL_BUDGET} B")
    return problems


def write(specs: Sequence[ToolSpec], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    wanted = {f"{spec.name}.json" for spec in specs}
    for stale in folder.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for spec in specs:
        path = folder / f"{spec.name}.json"
        path.write_text(render(spec), encoding="utf-8")
        written.append(path)
    return written


def check(specs: Sequence[ToolSpec], folder: Path) -> list[str]:
    """What differs between the code and one provider's folder of ``tool_schemas/`` (empty when up to date)."""
    differences = []
    wanted = {f"{spec.name}.json": render(spec) for spec in specs}
    present = {path.name for path in folder.glob("*.json")} if folder.is_dir() else set()
    for name, text in sorted(wanted.items()):
        path = folder / name
        if name not in present:
            differences.append(f"missing: {name}")
        elif path.read_text(encoding="utf-8") != text:
            differences.append(f"out of date: {name}")
    differences += [f"no such tool: {name}" for name in sorted(present - set(wanted))]
    return differences


def write_all(tables: Sequence[Table], root: Path = SCHEMA_DIR) -> list[Path]:
    """Every table's tools into ``root/<table>/``; files left at the top level (the old layout) go."""
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("*.json"):
        stale.unlink()
    return [path for table in tables for path in write(table.tools(), root / table.name)]


def check_all(tables: Sequence[Table], root: Path = SCHEMA_DIR) -> list[str]:
    differences = [f"{table.name}/{line}" for table in tables for line in check(table.tools(), root / table.name)]
    names = {table.name for table in tables}
    if root.is_dir():
        differences += [f"not a table's: {path.name}" for path in sorted(root.iterdir()) if path.name not in names]
    return differences


def default_listing_sizes(
    providers: Sequence[Provider], cross: Sequence[CrossTable] = CROSS_TABLES
) -> list[tuple[tuple[str, ...], int]]:
    """The bytes a host puts in context for the default listing (name + title + description + inputSchema), for
    every non-empty combination of ``providers``: with several, each lists its shared defaults (toolsets.py), and
    the ``cross`` tables listed by default for that many providers (``people`` from two) count too."""
    import itertools

    from .toolsets import Catalogue, select_tools

    found = []
    for count in range(1, len(providers) + 1):
        for group in itertools.combinations(providers, count):
            wanted = set(Catalogue(group).defaults())
            listed = [spec for provider in group for spec in select_tools(provider, provider.tools(), wanted, False)]
            listed += [spec for table in cross if table.listed_by_default(count) for spec in table.listable(False)]
            total = sum(sizes(spec).context for spec in listed if not spec.app_only)
            found.append((tuple(provider.name for provider in group), total))
    return found
