"""Static checks over every registered provider's tool table and every cross-provider one (``people``) (DESIGN.md: the table is the single source of
truth, and tests iterate it). Provider-specific checks (which operations are reads by the provider's own scopes)
live with the provider: tests/ultracart/test_tool_table.py for UltraCart."""

from __future__ import annotations

import inspect
import json
import re
from collections import Counter
from typing import get_type_hints

import pytest

from uc_mcp.core.provider import Provider
from uc_mcp.core.toolspec import ToolSpec
from uc_mcp.providers import all_providers
from uc_mcp.schemas import budget_problems, definition
from uc_mcp.tables import CROSS_TABLES, Table, all_tables

PROVIDERS = all_providers()
TABLES = all_tables()


def tables() -> list[tuple[Table, ToolSpec]]:
    return [(table, spec) for table in TABLES for spec in table.tools()]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda provider: provider.name)
def test_names_are_prefixed_unique_and_toolsets_known(provider: Provider) -> None:
    names = [spec.name for spec in provider.tools()]
    assert len(names) == len(set(names))
    assert all(name.startswith(provider.name + "_") for name in names)
    assert {spec.toolset for spec in provider.tools() if not spec.app_only} <= set(provider.toolsets)
    assert {spec.toolset for spec in provider.tools() if spec.app_only} <= {"apps"}
    assert set(provider.default_toolsets) <= set(provider.toolsets)
    assert set(provider.shared_default_toolsets) <= set(provider.default_toolsets)


@pytest.mark.parametrize(("provider", "spec"), tables(), ids=lambda value: getattr(value, "name", ""))
def test_every_tool_states_its_annotations_and_keeps_their_rules(provider: Table, spec: ToolSpec) -> None:
    annotations = definition(spec)["annotations"]
    for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
        assert isinstance(annotations.get(hint), bool), hint
    assert annotations["title"] == spec.title
    if spec.read_only:
        assert not spec.destructive and spec.idempotent and not spec.guarded
    if spec.destructive:
        assert spec.guarded or spec.name in getattr(provider, "unguarded_destructive", {})
    # The handler takes exactly the input model the table publishes (guarded tools run through their guard).
    if not spec.guarded:
        first = next(iter(inspect.signature(spec.handler).parameters))
        hinted = get_type_hints(spec.handler).get(first)
        assert hinted in (spec.input_model, None) or spec.app_only or hinted.__name__ == "Any", (first, hinted)


@pytest.mark.parametrize(("provider", "spec"), tables(), ids=lambda value: getattr(value, "name", ""))
def test_schemas_are_objects_and_descriptions_say_nothing_twice(provider: Table, spec: ToolSpec) -> None:
    published = definition(spec)
    assert published["inputSchema"]["type"] == "object" and published["outputSchema"]["type"] == "object"
    sentences = [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", spec.published_description) if s.strip()]
    assert [s for s, count in Counter(sentences).items() if count > 1] == []
    assert json.dumps(published)  # serialisable as a host receives it


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_definitions_fit_their_budgets(table: Table) -> None:
    assert budget_problems(table.tools(), table.forbidden_graphs) == []


@pytest.mark.parametrize("table", CROSS_TABLES, ids=lambda table: table.name)
def test_cross_provider_tools_are_named_apart_from_every_provider(table: Table) -> None:
    names = [spec.name for spec in table.tools()]
    assert len(names) == len(set(names))
    assert not [name for name in names for provider in PROVIDERS if name.startswith(provider.name + "_")]
    assert {spec.toolset for spec in table.tools()} == {table.name}
