"""Which tools a server lists: toolsets per provider, their defaults, scopes and read-only.

A toolset is ``<provider>.<name>`` (``ultracart.customers``). A bare name (``customers``, as ``--toolsets`` always
took) means that toolset of every enabled provider that has it. Without ``--toolsets`` each enabled provider lists
its default toolsets: its own defaults when it runs alone, its smaller shared defaults when others run too, so
that the host's default listing stays within the definitions budget (DESIGN.md: 64 KB over every enabled
provider). ``--read-only`` then removes every tool that changes anything; a token's scope intersects.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .core.errors import ConfigurationError
from .core.provider import Provider
from .core.toolspec import ToolSpec

APPS_TOOLSET = "apps"  # app-only tools (the confirmation card's Cancel): listed with the guarded tools they serve


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every toolset of the enabled providers, qualified, with their tools."""

    providers: tuple[Provider, ...]
    # Cross-provider toolsets (tables.py: ``people``), resolved by their callers before this catalogue: named in an
    # unknown toolset's message, so that the message lists every name that would have worked.
    cross: tuple[str, ...] = ()

    def known(self) -> list[str]:
        return [provider.qualified(name) for provider in self.providers for name in provider.toolsets]

    def defaults(self) -> list[str]:
        alone = len(self.providers) == 1
        return [
            provider.qualified(name)
            for provider in self.providers
            for name in (provider.default_toolsets if alone else provider.shared_default_toolsets)
        ]

    def resolve(self, names: Sequence[str], source: str = "--toolsets") -> list[str]:
        """Qualified toolset names for ``names`` (qualified or bare); ConfigurationError for unknown ones."""
        known = self.known()
        resolved: list[str] = []
        unknown: list[str] = []
        for raw in names:
            name = raw.strip()
            matches = [name] if name in known else [q for q in known if q.split(".", 1)[1] == name]
            if not matches:
                unknown.append(name)
            resolved += [match for match in matches if match not in resolved]
        if unknown:
            bare = list(dict.fromkeys(name.split(".", 1)[1] for name in known))
            raise ConfigurationError(
                f"{source}={','.join(names)!r} is not valid: unknown toolset(s) {', '.join(unknown)}; expected a "
                f"comma list of {', '.join(bare)} (that toolset of every provider that has it), or with the provider: "
                f"{', '.join(known)}" + (f"; or across providers: {', '.join(self.cross)}." if self.cross else ".")
            )
        return resolved


def tool_toolset(provider: Provider, spec: ToolSpec) -> str:
    return provider.qualified(spec.toolset)


def select_tools(
    provider: Provider,
    tools: Sequence[ToolSpec],
    wanted: Collection[str],
    read_only: bool,
) -> list[ToolSpec]:
    """The provider's tools in the ``wanted`` (qualified) toolsets, without writes when ``read_only``; its app-only
    tools join when any guarded tool is listed (the confirmation card's Cancel serves them)."""
    chosen = [spec for spec in tools if tool_toolset(provider, spec) in wanted and not spec.app_only]
    if read_only:
        chosen = [spec for spec in chosen if spec.read_only]
    if any(spec.guarded for spec in chosen):
        chosen += [spec for spec in tools if spec.app_only]
    return chosen
