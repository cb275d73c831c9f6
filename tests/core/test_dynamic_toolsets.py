"""Dynamic toolsets (UC_MCP_DYNAMIC_TOOLSETS): the server lists two tools of its own; enabling a toolset adds its
tools (within read-only) and tells the client the list changed — as github-mcp-server's dynamic mode does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp_types import ToolListChangedNotification

from tests.ultracart.mcp.conftest import make_settings
from uc_mcp.core.errors import ConfigurationError
from uc_mcp.server import build_server, runtime_of

pytestmark = pytest.mark.anyio


def dynamic(sandbox_db: Path, **overrides: Any) -> Any:
    values: dict[str, Any] = {"backend": "sandbox", "sandbox_db": sandbox_db, "sandbox_customers": 60}
    return make_settings(dynamic_toolsets=True, **(values | overrides))


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_enabling_a_toolset_lists_its_tools_and_says_so(sandbox_db: Path, mode: str) -> None:
    told: list[Any] = []

    async def on_message(message: Any) -> None:
        told.append(message)

    server = build_server(dynamic(sandbox_db))
    try:
        async with Client(server, mode=mode, message_handler=on_message) as client:  # type: ignore[arg-type]
            before = sorted(tool.name for tool in (await client.list_tools()).tools)
            toolsets = (await client.call_tool("uc_mcp_list_toolsets", {})).structured_content
            # Qualified: with every provider on its sandbox, a bare "assist" names more than one toolset.
            enabled = await client.call_tool("uc_mcp_enable_toolset", {"toolset": "ultracart.assist"})
            after = sorted(tool.name for tool in (await client.list_tools()).tools)
            found = await client.call_tool("ultracart_find_customers", {"query": "jane@example.com"})
            unknown = await client.call_tool("uc_mcp_enable_toolset", {"toolset": "bogus"})
    finally:
        runtime_of(server).close()
    assert before == ["uc_mcp_enable_toolset", "uc_mcp_list_toolsets"]
    rows = {row["toolset"]: row for row in toolsets["toolsets"]}  # type: ignore[index]
    assert (
        rows["ultracart.assist"]["enabled"] is False and "ultracart_find_customers" in rows["ultracart.assist"]["tools"]
    )
    assert not enabled.is_error and "ultracart_find_customers" in after and "ultracart_get_customer" not in after
    assert not found.is_error
    assert unknown.is_error and "unknown toolset(s) bogus" in unknown.content[0].text  # type: ignore[union-attr]
    if mode == "legacy":  # a handshake-era session is told on its own channel
        assert any(isinstance(getattr(m, "root", m), ToolListChangedNotification) for m in told), told


async def test_read_only_enables_only_read_tools(sandbox_db: Path) -> None:
    server = build_server(dynamic(sandbox_db, read_only=True))
    try:
        async with Client(server) as client:
            await client.call_tool("uc_mcp_enable_toolset", {"toolset": "ultracart.store_credit"})
            listed = sorted(tool.name for tool in (await client.list_tools()).tools)
    finally:
        runtime_of(server).close()
    assert "ultracart_get_customer_store_credit" in listed
    assert "ultracart_add_customer_store_credit" not in listed


def test_dynamic_toolsets_are_refused_over_http(sandbox_db: Path) -> None:
    with pytest.raises(ConfigurationError, match="stdio only"):
        build_server(dynamic(sandbox_db), "http")
