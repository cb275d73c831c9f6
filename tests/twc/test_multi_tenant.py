"""Two TWC tenants through one ``uc-mcp serve --transport http`` in multi-tenant mode, as real processes: each
request carries its store's credential in X-TWC-Tenant, X-TWC-Client-Id and X-TWC-Client-Secret; the server gets a
token of that tenant's realm and never shows one tenant another's customers. The upstream is TWC's sandbox on a
real socket (both hosts at one address, as ``uc-mcp sandbox twc`` serves them)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.servers import asgi_server, mcp_http_server
from uc_mcp.twc.sandbox.runtime import DEMO_TENANTS, Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio

AUTOMATION = "automation-token-0123456789abcdef"
COFFEE, HOMEWARES = tuple(DEMO_TENANTS)
HEADERS = {
    "Authorization": f"Bearer {AUTOMATION}",
    "Accept": "application/json, text/event-stream",
}
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def credential(tenant: str) -> dict[str, str]:
    client_id, secret = DEMO_TENANTS[tenant]
    return {"X-TWC-Tenant": tenant, "X-TWC-Client-Id": client_id, "X-TWC-Client-Secret": secret}


@asynccontextmanager
async def connect(url: str, **headers: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {AUTOMATION}", **headers}, timeout=30)
    async with http, Client(streamable_http_client(url, http_client=http, terminate_on_close=False)) as client:
        yield client


async def test_two_tenants_never_see_each_others_customers(tmp_path: Path) -> None:
    sandbox = Sandbox(SandboxOptions(db=tmp_path / "upstream.sqlite3", customers=5))
    try:
        with asgi_server(sandbox.asgi) as upstream:
            env = {
                "HOME": str(tmp_path),
                "XDG_STATE_HOME": str(tmp_path / "xdg"),
                "UC_MCP_MULTI_TENANT": "1",
                "UC_MCP_PROVIDERS": "twc",
                "TWC_BASE_URL": upstream,  # http to 127.0.0.1: allowed (this machine); the realm is derived from it
                "UC_MCP_HTTP_TOKEN": AUTOMATION,
                "UC_MCP_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
            }
            with mcp_http_server(env, tmp_path / "serve.log") as server:
                async with connect(server.url, **credential(COFFEE)) as coffee:
                    made = await coffee.call_tool("twc_create_customer", {"email": "only.at.coffee@example.net"})
                    seen_by_coffee = await coffee.call_tool(
                        "twc_search_customers", {"email": "only.at.coffee@example.net"}
                    )
                async with connect(server.url, **credential(HOMEWARES)) as homewares:
                    seen_by_homewares = await homewares.call_tool(
                        "twc_search_customers", {"email": "only.at.coffee@example.net"}
                    )
                partial = httpx2.post(server.url, json=LIST, headers={**HEADERS, "X-TWC-Tenant": COFFEE}, timeout=30)
                log = server.output()
    finally:
        sandbox.close()
    assert not made.is_error, made.content
    assert seen_by_coffee.structured_content and seen_by_coffee.structured_content["total"] == 1
    assert seen_by_homewares.structured_content and seen_by_homewares.structured_content["total"] == 0
    assert partial.status_code == 401  # part of a credential is refused at the gate, naming what is missing
    assert "X-TWC-Client-Id and X-TWC-Client-Secret are missing" in partial.json()["message"]
    audit = (tmp_path / "audit.jsonl").read_text()
    tenants = {json.loads(line)["tenant"] for line in audit.splitlines()}
    assert len(tenants) == 1 and next(iter(tenants)).startswith("t-")  # only the coffee shop wrote
    assert DEMO_TENANTS[COFFEE][1] not in audit and DEMO_TENANTS[COFFEE][1] not in log
