"""The registry of providers: one line each. Everything that assembles the server reads it.

Each line names a module whose ``PROVIDER`` is a ``core.provider.Provider``. Importing that module is cheap (it
imports no tool table, client or sandbox); the registry imports it on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from .core.errors import ConfigurationError
from .core.provider import Provider

REGISTRY: tuple[str, ...] = ("uc_mcp.ultracart.provider", "uc_mcp.voucherify.provider", "uc_mcp.twc.provider")

# Providers registered at run time, after the registry's (a test's provider, through ``registered``).
_extra: list[Provider] = []


@cache
def _registered(module: str) -> Provider:
    provider = importlib.import_module(module).PROVIDER
    if not isinstance(provider, Provider):
        raise TypeError(f"{module}.PROVIDER is not a Provider")
    return provider


def all_providers() -> tuple[Provider, ...]:
    """Every provider this install knows, in registry order."""
    return (*(_registered(module) for module in REGISTRY), *_extra)


def provider_named(name: str) -> Provider:
    for provider in all_providers():
        if provider.name == name:
            return provider
    known = ", ".join(provider.name for provider in all_providers())
    raise ConfigurationError(f"Unknown provider {name!r}; known: {known}.")


@contextmanager
def registered(provider: Provider) -> Iterator[Provider]:
    """Register ``provider`` for the duration of a ``with`` block (tests: a provider outside the registry)."""
    if any(existing.name == provider.name for existing in all_providers()):
        raise ValueError(f"a provider named {provider.name!r} is already registered")
    _extra.append(provider)
    try:
        yield provider
    finally:
        _extra.remove(provider)
