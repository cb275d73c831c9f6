"""Which providers run, each on its real API or its embedded sandbox (DESIGN.md "Backend selection").

- ``UC_MCP_PROVIDERS`` lists the providers to run: ``ultracart``, or with its backend, ``voucherify=sandbox``.
- ``UC_MCP_BACKEND`` decides for providers without an explicit backend: ``api``, ``sandbox`` or ``auto``.
- ``auto``: a provider whose variables are set in any source (``ULTRACART_*``: flags, environment, ``.env``) runs
  on its real API; with some configured, exactly those run. With none configured on stdio, every provider runs on
  its embedded sandbox; over HTTP the sandbox must be chosen explicitly.
- A configured provider never falls back to demo data, and a provider named in ``UC_MCP_PROVIDERS`` without
  credentials runs on its sandbox only when nothing else is configured on stdio, or when asked (``=sandbox``).

``UC_MCP_BACKEND=ultracart`` (the older spelling) means UltraCart's real API, alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .core.errors import ConfigurationError
from .core.provider import Backend, Provider
from .providers import all_providers, provider_named

if TYPE_CHECKING:
    from .settings import Settings

Transport = Literal["stdio", "http"]


def listed(settings: Settings) -> dict[Provider, Backend | None]:
    """``UC_MCP_PROVIDERS``: each named provider and the backend it was given (None: decided by the rules)."""
    chosen: dict[Provider, Backend | None] = {}
    for entry in settings.providers or ():
        name, _, backend = entry.partition("=")
        provider = provider_named(name.strip().lower())
        backend = backend.strip().lower()
        if backend not in ("", "api", "sandbox"):
            raise ConfigurationError(
                f"UC_MCP_PROVIDERS={','.join(settings.providers or ())!r} is not valid: {entry!r} gives the backend "
                f"{backend!r}; expected {provider.name}, {provider.name}=api or {provider.name}=sandbox."
            )
        chosen[provider] = "api" if backend == "api" else "sandbox" if backend == "sandbox" else None
    return chosen


def select(settings: Settings, transport: Transport) -> dict[Provider, Backend]:
    """The providers that run and their backends, in registry order; ConfigurationError when the configuration
    cannot be served (nothing configured over HTTP, a listed provider without credentials, ...)."""
    if settings.backend == "ultracart":
        return {provider_named("ultracart"): "api"}
    explicit = listed(settings)
    candidates = [provider for provider in all_providers() if not explicit or provider in explicit]
    configured = {provider for provider in candidates if settings.provider(provider).configured()}
    default: Backend | None = (
        "api" if settings.backend == "api" else "sandbox" if settings.backend == "sandbox" else None
    )
    chosen: dict[Provider, Backend] = {}
    for provider in candidates:
        backend = explicit.get(provider) or default
        if backend is None:  # auto, and nothing said for this provider
            if provider in configured:
                backend = "api"
            elif configured:  # others have their credentials: exactly those run
                if explicit:  # ... but this one was named to run too
                    raise ConfigurationError(_no_credentials(provider))
                continue
            elif transport == "http":  # the sandbox is never chosen implicitly over HTTP
                raise ConfigurationError(_nothing_configured(candidates))
            else:
                backend = "sandbox"
        chosen[provider] = backend
    if not chosen:
        raise ConfigurationError(_nothing_configured(candidates))
    return chosen


def _no_credentials(provider: Provider) -> str:
    return (
        f"{provider.title} is listed in UC_MCP_PROVIDERS but has no credentials: set {provider.credentials_hint}, "
        f"or list it as {provider.name}=sandbox to run it on its embedded sandbox (demo data)."
    )


def _nothing_configured(providers: list[Provider]) -> str:
    if len(providers) == 1:
        return (
            f"No {providers[0].title} credentials: set {providers[0].credentials_hint}, or choose the embedded "
            "sandbox explicitly with UC_MCP_BACKEND=sandbox."
        )
    needs = "; ".join(f"{provider.title}: {provider.credentials_hint}" for provider in providers)
    return (
        f"No provider has credentials ({needs}). Set them for the providers to serve, or choose the embedded "
        "sandboxes explicitly with UC_MCP_BACKEND=sandbox."
    )
