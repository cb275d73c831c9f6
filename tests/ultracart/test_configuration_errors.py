"""Configuration problems are reported as configuration problems, through the MCP protocol.

A setting that cannot work — the sandbox database path, the base URL, a credential left as a
placeholder — is found at start-up (or on first use) and answered with one message naming the
variable and its value (a secret's never), not "failed unexpectedly" and not "check the id". On
stdio the server still starts (a host shows a server that exits as "Connection closed", nothing
more) and every tool answers with the problem; over HTTP the server refuses to start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.servers import asgi_server
from uc_mcp.core.errors import ConfigurationError, NotFound, NotTheApi, ServerError
from uc_mcp.server import build_server
from uc_mcp.settings import Settings
from uc_mcp.ultracart.client import ultracart_api

pytestmark = pytest.mark.anyio
KEY = "uck-CONFIG-CANARY-0123456789"
PLACEHOLDERS = [
    "<your UltraCart simple key>",  # the literal placeholder `uc-mcp config` prints
    "your-api-key-here",
    "${ULTRACART_API_KEY}",  # a reference the host did not expand
    "'abc123def456'",  # quoted twice
    "...",
    "has a space-canary",
]


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def settings(tmp_path: Path, **values: Any) -> Settings:
    # UltraCart alone, backend by the usual rules: these tests are about UltraCart's configuration.
    values.setdefault("providers", ["ultracart"])
    return Settings(_env_file=None, audit_log=tmp_path / "audit.jsonl", **values)


async def first_answer(server: MCPServer, tool: str = "ultracart_get_customers", **arguments: Any) -> tuple[bool, str]:
    """(is_error, text) of one tool call, after checking the server lists its tools."""
    async with Client(server) as client:
        assert (await client.list_tools()).tools
        result = await client.call_tool(tool, arguments or {"limit": 1})
    return result.is_error, " ".join(getattr(block, "text", "") for block in result.content)


def unusable_sandbox_paths(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "a-file").write_text("not a directory")
    (tmp_path / "not-sqlite.db").write_bytes(b"this is not an SQLite database" * 100)
    return {
        "a directory": tmp_path / "a-directory",
        "under a file": tmp_path / "a-file" / "sandbox.sqlite3",
        "not a database": tmp_path / "not-sqlite.db",  # found on first use: SQLite opens it lazily
        "no place to create it": Path("/proc/uc-mcp-test/sandbox.sqlite3"),
    }


@pytest.mark.parametrize("case", ["a directory", "under a file", "not a database", "no place to create it"])
async def test_an_unusable_sandbox_database_is_a_configuration_error(tmp_path: Path, case: str) -> None:
    path = unusable_sandbox_paths(tmp_path)[case]
    server = build_server(settings(tmp_path, backend="sandbox", sandbox_db=path))
    for tool in ("ultracart_get_customers", "ultracart_find_customers"):  # every call, not only the first
        is_error, text = await first_answer(server, tool, **({"query": "jane"} if "find" in tool else {}))
        assert is_error
        assert f"UC_MCP_SANDBOX_DB={str(path)!r} cannot hold the embedded sandbox's database" in text
        assert "unexpectedly" not in text


@pytest.mark.parametrize("case", ["a directory", "under a file"])
def test_over_http_an_unusable_sandbox_database_refuses_to_start(tmp_path: Path, case: str) -> None:
    path = unusable_sandbox_paths(tmp_path)[case]
    with pytest.raises(ConfigurationError, match="UC_MCP_SANDBOX_DB="):
        build_server(settings(tmp_path, backend="sandbox", sandbox_db=path), "http")


BAD_BASE_URLS = [
    ("http://secure.ultracart.com/rest/v2", "is not allowed"),
    ("http://localhost.attacker.example/rest/v2", "is not allowed"),  # a name that starts like loopback
    ("http://127.0.0.1.nip.io/rest/v2", "is not allowed"),
    ("secure.ultracart.com/rest/v2", "is not a URL"),
    ("ftp://secure.ultracart.com/rest/v2", "is not a URL"),
    ("https://secure.ultracart.com:port/rest/v2", "is not a URL"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_BASE_URLS)
async def test_a_base_url_that_is_not_https_is_a_configuration_error(tmp_path: Path, url: str, problem: str) -> None:
    server = build_server(settings(tmp_path, ultracart_api_key=KEY, ultracart_base_url=url))
    is_error, text = await first_answer(server)
    assert is_error and "ULTRACART_BASE_URL=" in text and problem in text
    assert "unexpectedly" not in text and KEY not in text
    with pytest.raises(ConfigurationError, match=problem):
        build_server(settings(tmp_path, ultracart_api_key=KEY, ultracart_base_url=url), "http")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/rest/v2", "http://localhost:8765/rest/v2", "http://[::1]:1/"])
def test_plain_http_is_allowed_to_this_machine_only(tmp_path: Path, url: str) -> None:
    build_server(settings(tmp_path, ultracart_api_key=KEY, ultracart_base_url=url), "http")


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
async def test_a_placeholder_key_starts_the_server_and_every_tool_says_so(tmp_path: Path, placeholder: str) -> None:
    server = build_server(settings(tmp_path, ultracart_api_key=placeholder))
    is_error, text = await first_answer(server)
    assert is_error
    assert text.startswith("ultracart_get_customers: ULTRACART_API_KEY is not a usable credential")
    assert placeholder not in text and "canary" not in text
    with pytest.raises(ConfigurationError, match="ULTRACART_API_KEY"):
        build_server(settings(tmp_path, ultracart_api_key=placeholder), "http")


# -- a base URL that answers, but is not the API ------------------------------------------------------------


def answering(response: Response) -> Callable[[httpx2.Request], httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(response.status_code, headers=dict(response.headers), content=response.body)

    return handler


NOT_THE_API = {
    "404 page": HTMLResponse("<h1>Not Found</h1>", status_code=404),
    "404 empty": Response(b"", status_code=404),
    "404 other JSON": JSONResponse({"detail": "Not Found"}, status_code=404),
    "redirect": RedirectResponse("https://www.ultracart.com/login?next=x", status_code=302),
    "200 page": HTMLResponse("<html>Welcome</html>"),
}
THE_API_SAYS_NOT_FOUND = {
    "error body": JSONResponse({"success": False, "error": {"user_message": "Customer 7 was not found."}}, 404),
    "error header": Response(b"", status_code=404, headers={"UC-REST-ERROR": "Customer 7 was not found."}),
}


def api_over(handler: Callable[[httpx2.Request], httpx2.Response], base_url: str) -> Any:
    return ultracart_api(
        Settings(_env_file=None, ultracart_api_key=KEY, ultracart_base_url=base_url),  # type: ignore[arg-type]
        transport=httpx2.MockTransport(handler),
    )


@pytest.mark.parametrize("answer", NOT_THE_API, ids=list(NOT_THE_API))
async def test_an_answer_the_api_never_gives_means_the_base_url_is_wrong(answer: str) -> None:
    api = api_over(answering(NOT_THE_API[answer]), "https://user:pw@secure.ultracart.com/rest/v3?x=1")
    with pytest.raises(NotTheApi) as caught:
        await api.get_customer(7)
    message = str(caught.value)
    assert message.startswith("get_customer: Not the API")
    assert "ULTRACART_BASE_URL='https://secure.ultracart.com/rest/v3' " in message  # no user, password or query
    assert "set ULTRACART_BASE_URL to it (e.g. https://secure.ultracart.com/rest/v2" in message
    assert "Check the id" not in message and KEY not in message
    assert api.http.stats.requests == 1  # a configuration error is not retried


@pytest.mark.parametrize("answer", THE_API_SAYS_NOT_FOUND, ids=list(THE_API_SAYS_NOT_FOUND))
async def test_the_apis_own_404_still_means_no_such_record(answer: str) -> None:
    api = api_over(answering(THE_API_SAYS_NOT_FOUND[answer]), "https://secure.ultracart.com/rest/v2")
    with pytest.raises(NotFound, match=r"Customer 7 was not found\. Check the id"):
        await api.get_customer(7)


async def test_a_gateway_error_page_is_still_a_server_error() -> None:
    api = api_over(answering(HTMLResponse("<h1>502 Bad Gateway</h1>", 502)), "https://secure.ultracart.com/rest/v2")
    api.http.options.retry = type(api.http.options.retry)(max_attempts=1)
    with pytest.raises(ServerError):
        await api.get_customer(7)


@contextmanager
def web_server_at(tmp_path: Path) -> Iterator[str]:
    """A host that answers every path as a web server does when the API is not there."""

    async def page(request: Request) -> Response:
        return HTMLResponse("<html><body>404 Not Found</body></html>", status_code=404)

    with asgi_server(Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST", "PUT"])])) as url:
        yield url


async def test_a_wrong_base_url_is_reported_through_the_protocol_as_configuration(tmp_path: Path) -> None:
    with web_server_at(tmp_path) as url:
        server = build_server(settings(tmp_path, ultracart_api_key=KEY, ultracart_base_url=f"{url}/rest/v3"))
        is_error, text = await first_answer(server, "ultracart_get_customer", customer_profile_oid=100001)
    assert is_error
    assert f"ULTRACART_BASE_URL='{url}/rest/v3' answered 404 without the API's error body" in text
    assert "Check the id" not in text
