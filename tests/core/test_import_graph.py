"""The package's imports form no circle, and a provider never imports another provider.

Every import counts, wherever it stands: at the top, inside a function (imported on first use) or under
``TYPE_CHECKING``. A circle through a lazy import still ties two modules into one piece that cannot be understood,
tested or moved apart (the tool table that imported its toolset names from the provider that imports the table;
the server and its dynamic toolsets); the registry's ``importlib`` call is the one way in that is no import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.paths import REPO
from uc_mcp.providers import REGISTRY

PACKAGE = REPO / "uc_mcp"
# Every registered provider's package (uc_mcp/<name>/), from the registry: a new provider is checked too.
PROVIDERS = tuple(module.split(".")[1] for module in REGISTRY)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The package's modules that ``path`` imports: a name taken from a package is the submodule when there is one
    of that name, else the package itself."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            if source not in known:
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield submodule if submodule in known else source


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imported(path, known)) - {name} for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_package_imports_in_no_circle() -> None:
    assert circles(graph()) == []


def test_a_provider_never_imports_another_provider() -> None:
    edges = graph()
    for provider in PROVIDERS:
        inside = [name for name in edges if name.split(".")[:2] == ["uc_mcp", provider]]
        assert inside, provider
        others = tuple(f"uc_mcp.{other}" for other in PROVIDERS if other != provider)
        for name in inside:
            assert not {target for target in edges[name] if target.startswith(others)}, name


def test_core_is_provider_neutral() -> None:
    """``uc_mcp/core/`` is what every provider builds on: it imports nothing outside itself (no provider, and not
    the server that assembles them)."""
    edges = graph()
    outside = {
        name: sorted(target for target in targets if not target.startswith("uc_mcp.core"))
        for name, targets in edges.items()
        if name.startswith("uc_mcp.core")
    }
    assert {name: targets for name, targets in outside.items() if targets} == {}


def test_the_graph_sees_lazy_and_type_checking_imports() -> None:
    """The reader itself: an import inside a function and one under TYPE_CHECKING are arrows too."""
    edges = graph()
    assert "uc_mcp.ultracart.tools" in edges["uc_mcp.ultracart.provider"]  # inside _tools()
    assert "uc_mcp.settings" in edges["uc_mcp.ultracart.client"]  # under TYPE_CHECKING
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
