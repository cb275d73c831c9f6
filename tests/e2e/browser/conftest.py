"""Views in a real browser: headless Chromium (Debian's ``chromium``, driven by Playwright for Python pointed at
the system binary — no browser download) loads each view inside ``host.html``, a small page that implements
the host side of the MCP Apps bridge, and feeds it real results from an in-process sandbox server.

Without Chromium (or Playwright) the tests skip, loudly; under ``CI`` they fail instead (``.ci/run`` installs
``chromium``). Screenshots go to ``artifacts/browser/`` (ignored by git), or ``$UC_MCP_TEST_ARTIFACTS/browser``.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.server.mcpserver import MCPServer

from tests.paths import REPO
from tests.ultracart.mcp.conftest import (  # noqa: F401  (fixtures, shared with the MCP tests)
    _hermetic_env,
    sandbox_db,
    seeded_db,
    server_factory,
    settings_factory,
)

HOST_PAGE = Path(__file__).with_name("host.html").read_text(encoding="utf-8")
ROOT = REPO
# Read at import: the MCP fixtures clear every UC_MCP_* variable before a test runs.
CHROMIUM_OVERRIDE = os.environ.get("UC_MCP_CHROMIUM")
ARTIFACTS = Path(os.environ.get("UC_MCP_TEST_ARTIFACTS") or ROOT / "artifacts") / "browser"


def chromium_path() -> str | None:
    if CHROMIUM_OVERRIDE:
        return CHROMIUM_OVERRIDE if Path(CHROMIUM_OVERRIDE).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium; or set UC_MCP_CHROMIUM)"
    return None


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    missing = _unavailable()
    if missing is None:
        return
    message = f"BROWSER TESTS NOT RUN: {missing}"
    if os.environ.get("CI"):
        pytest.fail(message + " — CI must run them (.ci/run installs chromium)")
    warnings.warn(message, stacklevel=1)
    pytest.skip(message)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def wire(result: Any) -> dict[str, Any]:
    """A ``CallToolResult`` as it travels over the bridge."""
    dumped: dict[str, Any] = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


@dataclass
class Host:
    """The test host: a page with the view's iframe, an Apps client on the sandbox server, what the view did."""

    page: Any
    client: Client
    server: MCPServer
    artifacts: Path
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # tools/call from the view
    errors: list[str] = field(default_factory=list)  # console errors, page errors, CSP violations
    requests: list[str] = field(default_factory=list)  # network requests (there must be none)

    @property
    def view(self) -> Any:
        return self.page.frame_locator("#view")

    async def show(
        self,
        uri: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        theme: str = "light",
        width: int | None = None,
        variables: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call ``tool`` as the model would, and show its result in the view at ``uri``."""
        result = wire(await self.client.call_tool(tool, arguments))
        document = (await self.client.read_resource(uri)).contents[0]
        assert document.mime_type == APP_MIME_TYPE
        context: dict[str, Any] = {
            "theme": theme,
            "displayMode": "inline",
            "platform": "web",
            "toolInfo": {"tool": {"name": tool, "inputSchema": {"type": "object"}}},
        }
        if variables:
            context["styles"] = {"variables": variables}
        self.calls.clear()
        await self.page.evaluate(
            "([html, result, args, context, width]) => loadView(html, result, args, context, width)",
            [document.text, result, arguments, context, width],
        )
        await self.page.wait_for_function("window.ucHost.initialized")
        return result

    async def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        await self.page.wait_for_timeout(50)  # the iframe's last size-changed
        # A viewport as tall as the page: a full-page capture leaves an out-of-process iframe unpainted below
        # the viewport.
        size = self.page.viewport_size
        height = await self.page.evaluate("document.documentElement.scrollHeight")
        await self.page.set_viewport_size({"width": size["width"], "height": max(height, 200)})
        await self.page.screenshot(path=str(path))
        await self.page.set_viewport_size(size)
        return path

    async def in_view(self, script: str) -> Any:
        """Evaluate ``script`` (an expression) inside the view's document."""
        handle = await self.page.query_selector("#view")
        content = await handle.content_frame()
        return await content.evaluate(script)


@pytest.fixture
async def host(server_factory: Callable[..., MCPServer], artifacts: Path, tmp_path: Path) -> AsyncIterator[Host]:  # noqa: F811
    from playwright.async_api import async_playwright

    server = server_factory(audit_log=tmp_path / "audit.jsonl")
    apps = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
    async with Client(server, extensions=[apps]) as client, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path())
        try:
            page = await browser.new_page(viewport={"width": 760, "height": 900})
            test_host = Host(page, client, server, artifacts)

            async def call_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
                test_host.calls.append((name, json.loads(json.dumps(arguments))))
                return wire(await client.call_tool(name, arguments))

            def dialog(dialog: Any) -> Awaitable[None]:
                test_host.errors.append(f"dialog: {dialog.message}")
                return dialog.dismiss()  # type: ignore[no-any-return]

            page.on("console", lambda message: message.type == "error" and test_host.errors.append(message.text))
            page.on("pageerror", lambda error: test_host.errors.append(str(error)))
            page.on("dialog", dialog)
            page.on("request", lambda request: test_host.requests.append(request.url))
            await page.route("**/*", lambda route: route.abort())  # offline: nothing may be fetched
            await page.expose_function("ucCallTool", call_tool)
            await page.set_content(HOST_PAGE)
            yield test_host
            assert test_host.errors == []
            assert [url for url in test_host.requests if not url.startswith(("about:", "data:"))] == []
        finally:
            await browser.close()
