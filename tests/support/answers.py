"""The hygiene every tool answer must have, whatever the input: checked by the hostile- and confused-input suites of
every provider and of the cross-provider tools."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, ClassVar

import jsonschema
from mcp.client import Client
from mcp_types import CallToolResult, TextContent, Tool

TRACEBACK = re.compile(r'Traceback|File "[^"\n]*", line \d+')
MAX_ERROR_CHARS = 1000


def check_answer(tool: Tool, result: CallToolResult) -> str:
    """One text content; an error is one short line, no traceback, no unexpected failure, no API 5xx; a success has
    structuredContent matching the tool's outputSchema and its text. Returns the text."""
    assert isinstance(result, CallToolResult), type(result)
    assert len(result.content) == 1 and isinstance(result.content[0], TextContent), result.content
    text = result.content[0].text
    assert text.strip(), "empty text content"
    assert not TRACEBACK.search(text), f"traceback-like text: {text[:500]}"
    if result.is_error:
        assert "\n" not in text and len(text) <= MAX_ERROR_CHARS, f"not one short message: {text[:2000]!r}"
        assert "failed unexpectedly" not in text, f"unexpected failure: {text}"
        assert "(HTTP 5" not in text, f"the API failed: {text}"
    else:
        assert result.structured_content is not None, "success without structuredContent"
        jsonschema.validate(result.structured_content, tool.output_schema or {})
        assert json.loads(text) == result.structured_content
    return text


class ToolCalls:
    """Calls of a hostile- or confused-input suite's harness, each answer checked by :func:`check_answer`. The
    harness (a slotted dataclass) holds ``client``, ``tools`` by name, the ``requests`` its sandboxes received
    (cleared before each call), ``digest()`` of its stores, and its suite's ``canary`` (in every refused value)."""

    __slots__ = ()
    canary: ClassVar[str]
    client: Client
    tools: dict[str, Tool]
    requests: list[Any]
    digest: Callable[[], Any]

    async def call(self, name: str, arguments: dict[str, Any]) -> CallToolResult:
        """One ``tools/call``: a protocol-level error (an exception from the client) fails the test."""
        self.requests.clear()
        try:
            return await self.client.call_tool(name, arguments)
        except Exception as error:  # any protocol-level failure is the finding
            raise AssertionError(f"{name}: protocol-level error {type(error).__name__}: {str(error)[:300]}") from None

    async def refused(self, name: str, arguments: dict[str, Any], field_name: str) -> str:
        """An invalid call: an error naming ``field_name``, not repeating the canary, sending and writing nothing."""
        before = self.digest()
        result = await self.call(name, arguments)
        text = check_answer(self.tools[name], result)
        assert result.is_error, f"accepted: {text[:500]}"
        assert field_name in text, f"does not name {field_name}: {text}"
        assert self.canary not in text, f"repeats the value: {text}"
        assert not self.requests, f"sent before validating: {self.requests}"
        assert self.digest() == before, "a store changed"
        return text

    async def succeeded(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.call(name, arguments)
        text = check_answer(self.tools[name], result)
        assert not result.is_error, text
        assert result.structured_content is not None
        return dict(result.structured_content)
