"""Log messages for the MCP client (issue 21.1): the ``logging`` capability, ``logging/setLevel`` per connection
(default ``warning``), the per-request opt-in of protocol 2026-07-28, and the events sent: which backend each
provider runs on, retries, rate-limit refusals, a system that gave up, a write whose outcome is unknown. Each
event names records by id only and leaves through the stderr log's redaction.

The sandbox's fault layer is wrapped to answer chosen statuses to the next requests (``Refusing``), so every
event here is caused by a real HTTP answer the client code reads."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    EmptyResult,
    LoggingMessageNotificationParams,
    SetLevelRequest,
    SetLevelRequestParams,
)

from tests.support.mcp import make_settings
from tests.ultracart.mcp.conftest import CUSTOMERS
from uc_mcp.core.client_log import _Channel, _channel, tell_client
from uc_mcp.server import build_server, runtime_of

pytestmark = pytest.mark.anyio
SEARCH = ("ultracart_find_customers", {"query": "jane@example.com"})


class Refusing:
    """An ASGI app that answers ``statuses`` to the next requests, one each, then passes them to ``app``."""

    def __init__(self, app: Any, statuses: list[int]) -> None:
        self.app, self.statuses = app, list(statuses)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.statuses:
            await self.app(scope, receive, send)
            return
        status = self.statuses.pop(0)
        headers = [(b"content-type", b"application/json")]
        if status == 429:
            headers.append((b"retry-after", b"0"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"error": {"user_message": "try later"}}'})


def refuse(server: MCPServer, statuses: list[int]) -> None:
    runtime = runtime_of(server).provider("ultracart")
    runtime.client()  # opens the embedded sandbox
    faults = runtime.sandbox.faults
    inner = faults.app.app if isinstance(faults.app, Refusing) else faults.app  # statuses left over are dropped
    faults.app = Refusing(inner, statuses)


@pytest.fixture
def server(sandbox_db: Path) -> MCPServer:
    settings = make_settings(
        backend="sandbox", providers=["ultracart=sandbox"], sandbox_db=sandbox_db, sandbox_customers=CUSTOMERS
    )
    return build_server(settings, "stdio")


class Heard:
    def __init__(self) -> None:
        self.messages: list[LoggingMessageNotificationParams] = []

    async def __call__(self, params: LoggingMessageNotificationParams) -> None:
        self.messages.append(params)

    def levels(self) -> list[str]:
        return [message.level for message in self.messages]

    def texts(self) -> list[str]:
        return [str(message.data) for message in self.messages]


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
async def legacy(server: MCPServer, heard: Heard) -> AsyncIterator[Client]:
    async with Client(server, mode="legacy", logging_callback=heard) as client:
        yield client


async def test_the_logging_capability_is_declared(legacy: Client) -> None:
    assert legacy.server_capabilities.logging is not None


async def test_by_default_warnings_reach_the_client_and_retries_do_not(
    server: MCPServer, legacy: Client, heard: Heard
) -> None:
    refuse(server, [503])
    result = await legacy.call_tool(*SEARCH)
    assert not result.is_error  # retried, then answered
    assert heard.messages == []  # a retry is info; the greeting too
    refuse(server, [503] * 10)
    result = await legacy.call_tool(*SEARCH)
    assert result.is_error
    assert heard.levels() == ["warning"]
    [text] = heard.texts()
    assert "gave up after" in text and "server_error" in text and "outcome unknown" not in text


async def test_at_info_the_backend_and_each_retry_are_said_once_and_without_customer_data(
    server: MCPServer, legacy: Client, heard: Heard
) -> None:
    await legacy.set_logging_level("info")
    refuse(server, [503, 500])
    result = await legacy.call_tool(*SEARCH)
    assert not result.is_error
    texts = heard.texts()
    assert "UltraCart on the embedded sandbox" in texts[0]
    retries = [text for text in texts if "retrying after" in text]
    assert len(retries) == 2 and all("get_customer" in text for text in retries)
    assert not [text for text in texts if "jane@" in text or "/customer/customers" in text]
    await legacy.call_tool(*SEARCH)
    assert sum("embedded sandbox" in text for text in heard.texts()) == 1  # once per connection


async def test_a_level_above_warning_keeps_warnings_back(server: MCPServer, legacy: Client, heard: Heard) -> None:
    await legacy.set_logging_level("error")
    refuse(server, [503] * 10)
    assert (await legacy.call_tool(*SEARCH)).is_error
    assert heard.messages == []


async def test_each_connection_has_its_own_level(server: MCPServer, legacy: Client, heard: Heard) -> None:
    await legacy.set_logging_level("error")
    other = Heard()
    async with Client(server, mode="legacy", logging_callback=other) as second:
        refuse(server, [503] * 10)
        assert (await second.call_tool(*SEARCH)).is_error
    assert other.levels() == ["warning"] and heard.messages == []


async def test_an_unknown_level_is_invalid_params(legacy: Client) -> None:
    loud = SetLevelRequest(params=SetLevelRequestParams.model_construct(level="loud"))  # type: ignore[arg-type]
    with pytest.raises(MCPError) as refused:
        await legacy.session.send_request(loud, EmptyResult)
    assert refused.value.error.code == INVALID_PARAMS and "level" in refused.value.error.message


async def test_a_429_says_how_the_client_paces_itself(server: MCPServer, legacy: Client, heard: Heard) -> None:
    refuse(server, [429])
    assert not (await legacy.call_tool(*SEARCH)).is_error
    assert [text for text in heard.texts() if "429" in text]
    assert set(heard.levels()) == {"warning"}


async def test_a_2026_client_gets_what_each_request_opts_into(server: MCPServer) -> None:
    quiet, chatty = Heard(), Heard()
    async with Client(server, logging_callback=quiet) as client:  # no opt-in: nothing
        refuse(server, [503] * 10)
        assert (await client.call_tool(*SEARCH)).is_error
    async with Client(server, logging_callback=chatty, log_level="info") as client:
        refuse(server, [503])
        assert not (await client.call_tool(*SEARCH)).is_error
    assert quiet.messages == []
    assert any("retrying after" in text for text in chatty.texts())


async def test_what_leaves_is_redacted_and_bounded() -> None:
    send, receive = anyio.create_memory_object_stream[tuple[str, str, str]](10)
    token = _channel.set(_Channel("info", send))  # type: ignore[arg-type]
    try:
        tell_client("info", logging.getLogger("uc_mcp.test"), "asked about %s " + "x" * 900, "jane@example.com")
        tell_client("debug", logging.getLogger("uc_mcp.test"), "below the level")
    finally:
        _channel.reset(token)
    send.close()
    received = [item async for item in receive]
    assert len(received) == 1
    level, logger, text = received[0]
    assert level == "info" and logger == "uc_mcp.test"
    assert "jane@example.com" not in text and len(text) <= 500


async def test_outside_a_request_nothing_is_queued_and_stderr_still_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="uc_mcp.test"):
        tell_client("warning", logging.getLogger("uc_mcp.test"), "a system is degraded")
    assert [record.getMessage() for record in caplog.records] == ["a system is degraded"]
