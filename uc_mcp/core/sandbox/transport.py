"""Run the sandbox in process behind an ``httpx2`` transport that behaves like a network.

The plain ``httpx2.ASGITransport`` ignores the client's timeouts and hands the app's own
exceptions to the caller. This transport enforces the request's read timeout (raising
``httpx2.ReadTimeout``) and turns the fault middleware's markers into the exceptions a real
network raises: ``ReadTimeout`` for a timeout, ``RemoteProtocolError`` for a reset and
``ConnectError`` for a refused connection.
"""

from __future__ import annotations

import importlib.util
import sys

import anyio
import httpx2

from .faults import FAULT_MARKER_HEADER, IN_PROCESS_HEADER, MARKER_STATUS, ASGIApp, FaultKind

# httpx2's ASGITransport tries ``import sniffio`` on every request (to detect trio). Without sniffio
# installed, each failed import searches sys.path again: ~70 us a request, a tenth of an in-process
# get_customer. Record the absence once, as a failed import would have found it.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]


class SandboxTransport(httpx2.AsyncBaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx2.ASGITransport(app=app, raise_app_exceptions=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.headers[IN_PROCESS_HEADER.decode()] = "1"
        timeouts = request.extensions.get("timeout") or {}
        read_timeout = timeouts.get("read")
        try:
            with anyio.fail_after(read_timeout):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise httpx2.ReadTimeout("timed out waiting for the sandbox", request=request) from None
        if response.status_code == MARKER_STATUS:
            kind = response.headers.get(FAULT_MARKER_HEADER)
            if kind == FaultKind.TIMEOUT:
                raise httpx2.ReadTimeout("The read operation timed out", request=request)
            if kind == FaultKind.CONNECT:
                raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)
            raise httpx2.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
