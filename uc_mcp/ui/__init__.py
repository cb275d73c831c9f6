"""MCP Apps views: HTML documents that hosts with the ``io.modelcontextprotocol/ui`` extension render in a
sandboxed iframe (``core/apps.py`` says what reaches which client).

- ``ui://uc-mcp/customer.html`` — the customer card (``ultracart_customer_overview``, ``ultracart_get_customer``,
  ``ultracart_get_customer_by_email``);
- ``ui://uc-mcp/customers.html`` — the result table (``ultracart_get_customers``,
  ``ultracart_get_customers_by_query``, ``ultracart_find_customers``); a row opens the customer card;
- ``ui://uc-mcp/confirm.html`` — the confirmation card of every guarded tool.

Each view is one self-contained document, assembled on first read from the files in ``static/``: the shared
stylesheet, ``bridge.js`` (the view side of the Apps bridge: JSON-RPC over ``postMessage``, written here
rather than vendoring the ext-apps runtime, whose self-contained bundle is about 540 KB) and the view's own
scripts, all inline. Nothing is fetched: no CDN, no external font, no network at all, so the views work under
the spec's default CSP and offline. Text from customer records is only ever inserted as text
(``textContent``, text nodes, SVG ``<text>``), never parsed as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Final

CUSTOMER_VIEW: Final = "ui://uc-mcp/customer.html"
TABLE_VIEW: Final = "ui://uc-mcp/customers.html"
CONFIRM_VIEW: Final = "ui://uc-mcp/confirm.html"


@dataclass(frozen=True, slots=True)
class View:
    uri: str
    title: str
    description: str
    scripts: tuple[str, ...]  # after bridge.js, in order
    entry: str  # the ``UC.views`` entry the document starts


VIEWS: Final = (
    View(
        CUSTOMER_VIEW,
        "Customer card",
        "One customer: identity, addresses, tags, orders, store credit with its ledger, loyalty, wishlist.",
        ("customer.js",),
        "customer",
    ),
    View(
        TABLE_VIEW,
        "Customer table",
        "A list of customers: sortable columns, paging, a row opens the customer card.",
        ("customer.js", "table.js"),
        "table",
    ),
    View(
        CONFIRM_VIEW,
        "Confirmation card",
        "A guarded action waiting for a person's yes: the target, the exact change, Confirm and Cancel.",
        ("customer.js", "confirm.js"),
        "confirm",
    ),
)


def _static(name: str) -> str:
    return files(__package__).joinpath("static", name).read_text(encoding="utf-8")


@cache
def html(uri: str) -> str:
    """The view's document, assembled once per process."""
    view = next((view for view in VIEWS if view.uri == uri), None)
    if view is None:
        raise KeyError(uri)
    scripts = [_static("bridge.js"), *(_static(name) for name in view.scripts), f"UC.start(UC.views.{view.entry});"]
    script = "\n".join(scripts)
    style = _static("view.css")
    # Inline: a closing tag inside would end the element early (never the case; checked here and in tests).
    if "</script" in script.lower() or "</style" in style.lower():
        raise ValueError(f"{uri}: a static file contains a closing script or style tag")
    return (
        _static("view.html")
        .replace("{{title}}", view.title)
        .replace("/*{{style}}*/", style)
        .replace("/*{{script}}*/", script)
    )


def apps_extension() -> Any:
    """The SDK's Apps extension with every view registered (read lazily, on the first ``resources/read``)."""
    from mcp.server.apps import APP_MIME_TYPE, Apps
    from mcp.server.mcpserver.resources import FunctionResource

    apps = Apps()
    for view in VIEWS:
        apps.add_resource(
            FunctionResource(
                uri=view.uri,
                name=view.uri.removeprefix("ui://uc-mcp/").removesuffix(".html"),
                title=view.title,
                description=view.description,
                mime_type=APP_MIME_TYPE,
                fn=lambda uri=view.uri: html(uri),
            )
        )
    return apps
