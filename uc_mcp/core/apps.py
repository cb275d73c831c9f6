"""MCP Apps views (the ``io.modelcontextprotocol/ui`` extension), the provider-independent part.

A tool whose spec names a ``view`` (a ``ui://`` URI) is published with ``_meta.ui.resourceUri``; hosts that
negotiated the extension render its results in that HTML view, every other host ignores the key. Nothing
else about a tool changes with Apps: it returns the same budgeted structured result to every host. Two
additions only reach a client that declared Apps support:

- results of a tool with a view carry ``_meta["uc-mcp/call"]`` = the tool's name and its validated
  arguments, so that a view can call the tool again (the next page, a fresh preview, the confirmed call)
  without guessing which tool rendered it; a guarded tool's preview adds ``cancel``, the key that withdraws
  its token (``core/confirm_token.py``). ``_meta`` is not model context;
- app-only tools (``_meta.ui.visibility == ["app"]``, e.g. the confirmation card's Cancel) and the ``ui://``
  resources are listed to Apps clients only (:class:`AppsVisibility`): a host without the extension would
  show an app-only tool to its model, since it does not know what the visibility means.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from mcp.server.apps import client_supports_apps

CALL_META_KEY: Final = "uc-mcp/call"
UI_SCHEME: Final = "ui://"


def shows_views(ctx: Any) -> bool:
    """Whether the client negotiated MCP Apps (the extension and its HTML MIME type)."""
    try:
        return client_supports_apps(ctx)
    except Exception:  # no request context (a handler called outside MCP, in a test)
        return False


def tool_ui(view: str, app_only: bool) -> dict[str, Any]:
    """A tool's ``_meta.ui``: the view that renders its results, and who may call it."""
    ui: dict[str, Any] = {"resourceUri": view}
    if app_only:
        ui["visibility"] = ["app"]
    return ui


DECLINE_SUFFIX: Final = "_decline_confirmation"


def decline_tool_name(tool: str) -> str:
    """The app-only Cancel serving a guarded tool: its provider's (tool names are ``<provider>_<operation>``;
    core/decline.py builds it)."""
    return tool.split("_", 1)[0] + DECLINE_SUFFIX


def call_meta(tool: str, arguments: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """The result ``_meta`` that tells a view which call produced it (and, for the confirmation card, the
    key that withdraws the preview's token: ``cancel``)."""
    return {CALL_META_KEY: {"tool": tool, "arguments": dict(arguments), **extra}}


def _field(item: Any, name: str, alias: str) -> Any:
    return item.get(alias, item.get(name)) if isinstance(item, Mapping) else getattr(item, name, None)


def _app_only(tool: Any) -> bool:
    ui = (_field(tool, "meta", "_meta") or {}).get("ui")
    return isinstance(ui, Mapping) and list(ui.get("visibility") or ()) == ["app"]


def _listed(item: Any, method: str) -> bool:
    if method == "tools/list":
        return not _app_only(item)
    return not str(_field(item, "uri", "uri")).startswith(UI_SCHEME)


class AppsVisibility:
    """Server middleware: clients without Apps list neither app-only tools nor ``ui://`` resources. (It sees
    the serialised result: a dict, or a model when a later SDK hands one over.)"""

    async def __call__(self, ctx: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        result = await call_next(ctx)
        method = ctx.method
        if method not in ("tools/list", "resources/list") or shows_views(ctx):
            return result
        key = "tools" if method == "tools/list" else "resources"
        items = _field(result, key, key)
        if not isinstance(items, list):
            return result
        kept = [item for item in items if _listed(item, method)]
        if isinstance(result, Mapping):
            return {**result, key: kept}
        return result.model_copy(update={key: kept})
