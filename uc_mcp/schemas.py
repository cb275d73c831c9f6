"""The reviewable API surface: one JSON file per tool in ``tool_schemas/``, and the size budgets.

Hosts put every tool's name, title, description and ``inputSchema`` into the model's context on
every turn, so DESIGN.md caps them: each ``inputSchema`` ≤ 4 KB (≤ 10 KB for insert/update), each
``outputSchema`` ≤ 12 KB, and name + title + description + ``inputSchema`` over all tools ≤ 64 KB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core.toolspec import ToolSpec

INPUT_BUDGET = 4 * 1024
WRITE_INPUT_BUDGET = 10 * 1024
OUTPUT_BUDGET = 12 * 1024
TOTAL_BUDGET = 64 * 1024
SCHEMA_DIR = Path("tool_schemas")  # relative to the checkout the command runs in
FORBIDDEN_GRAPHS = ("Order", "CustomerActivity", "CustomerEDI", "GiftCertificate")


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
    return WRITE_INPUT_BUDGET if spec.name.endswith(("_insert_customer", "_update_customer")) else INPUT_BUDGET


def budget_problems(specs: list[ToolSpec] | tuple[ToolSpec, ...]) -> list[str]:
    problems = []
    for spec in specs:
        size = sizes(spec)
        if size.input > input_budget(spec):
            problems.append(f"{spec.name}: inputSchema {size.input} B > {input_budget(spec)} B")
        if size.output > OUTPUT_BUDGET:
            problems.append(f"{spec.name}: outputSchema {size.output} B > {OUTPUT_BUDGET} B")
        text = json.dumps(definition(spec))
        problems += [f"{spec.name}: references the {graph} graph" for graph in FORBIDDEN_GRAPHS if f'"{graph}' in text]
    # An app-only tool is called by a view and never listed to a model (MCP Apps visibility).
    total = sum(sizes(spec).context for spec in specs if not spec.app_only)
    if total > TOTAL_BUDGET:
        problems.append(f"all tools: {total} B of definitions > {TOTAL_BUDGET} B")
    return problems


def write(specs: tuple[ToolSpec, ...], folder: Path = SCHEMA_DIR) -> list[Path]:
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


def check(specs: tuple[ToolSpec, ...], folder: Path = SCHEMA_DIR) -> list[str]:
    """What differs between the code and ``tool_schemas/`` (empty when up to date)."""
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
