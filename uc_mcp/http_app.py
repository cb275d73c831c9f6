"""``uc-mcp serve --transport http``: streamable HTTP behind a gate.

Every request to ``/mcp`` passes the gate before any MCP code sees it:

1. Host and Origin are checked against DNS rebinding: on a loopback bind only loopback Host
   names are served (plus ``UC_MCP_ALLOWED_HOSTS``); a browser Origin must be loopback or in
   ``UC_MCP_ALLOWED_ORIGINS``. A wrong Host is 421, a wrong Origin 403.
2. Once any token is configured (``UC_MCP_HTTP_TOKEN`` / ``UC_MCP_HTTP_TOKENS``) every request
   needs one, on localhost too: without the right ``Authorization: Bearer``, 401 and nothing else.
3. In multi-tenant mode the store's credential comes with the request (``http_auth.py``).
4. The request goes to the MCP server built for the token's scope (read-only, toolsets), so a
   token never even lists a tool it may not call. All servers share one runtime: clients, rate
   limiters, confirmation secret, audit log.

The servers are stateless (any replica can serve any request). A request that asks for progress
(``_meta.progressToken``) is answered as an SSE stream, so notifications reach the client; every
other request gets one plain JSON response.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .http_auth import (
    FULL,
    SCOPE_KEY,
    TENANT_KEY_HEADER,
    TENANT_TOKEN_HEADER,
    Caller,
    Principal,
    Scope,
    authenticate,
    load_tokens,
    tenant_of,
)
from .settings import Settings

log = logging.getLogger("uc_mcp.http")
ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]
LOOPBACK_HOSTS: Final = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_BODY: Final = 4 * 1024 * 1024
MCP_PATH: Final = "/mcp"


class StartupRefused(ValueError):
    """A configuration the HTTP server must not run with; the message says what to change."""


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def check_startup(settings: Settings, host: str, workers: int = 1) -> dict[str, Principal]:
    """The tokens, after refusing configurations that would be unsafe or broken."""
    tokens = load_tokens(settings)
    if not is_loopback(host) and not tokens:
        raise StartupRefused(
            f"Serving on {host} (beyond localhost) needs UC_MCP_HTTP_TOKEN or UC_MCP_HTTP_TOKENS: "
            "every request must then carry it as Authorization: Bearer <token>."
        )
    if workers > 1:
        missing = [
            name
            for name, value in (
                ("UC_MCP_REDIS_URL", settings.redis_url),
                ("UC_MCP_CONFIRM_SECRET", settings.confirm_secret),
                ("UC_MCP_REQUEST_STATE_SECRET", settings.request_state_secret),
            )
            if value is None
        ]
        if missing:
            raise StartupRefused(
                f"{workers} workers share confirmations, used tokens and rate limits only through "
                f"{', '.join(missing)}: set them, or run one worker."
            )
    return tokens


def _host_patterns(settings: Settings, bind_host: str) -> tuple[list[str], list[str]]:
    hosts = list(settings.allowed_hosts)
    origins = list(settings.allowed_origins)
    if is_loopback(bind_host) or not hosts:
        hosts += [f"{name}:*" for name in ("127.0.0.1", "localhost", "[::1]")] + ["127.0.0.1", "localhost"]
    origins += [f"http://{name}:*" for name in ("127.0.0.1", "localhost", "[::1]")]
    return hosts, origins


def _matches(value: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern == "*" or value == pattern:
            return True
        if pattern.endswith(":*") and value.rsplit(":", 1)[0] == pattern[:-2] and value.rsplit(":", 1)[-1].isdigit():
            return True
    return False


@dataclass(slots=True)
class Routes:
    """The MCP apps of one scope: one answering in JSON, one streaming (for progress)."""

    json: ASGIApp
    stream: ASGIApp


class Gate:
    """The ASGI app at ``/mcp``: checks, then hands the request to its scope's MCP app."""

    def __init__(
        self,
        settings: Settings,
        tokens: Mapping[str, Principal],
        routes: Mapping[str, Routes],
        bind_host: str,
    ) -> None:
        self.tokens = tokens
        self.routes = routes
        self.multi_tenant = settings.multi_tenant
        self.hosts, self.origins = _host_patterns(settings, bind_host)
        self.check_host = is_loopback(bind_host) or bool(settings.allowed_hosts)

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        refusal = self._refusal(headers)
        if isinstance(refusal, Response):
            await refusal(scope, receive, send)
            return
        caller = refusal
        scope.setdefault("state", {})[SCOPE_KEY] = caller
        routes = self.routes[caller.principal.scope.key]
        body, receive = await _buffer(receive)
        if body is None:
            await PlainTextResponse("Request body too large", status_code=413)(scope, receive, send)
            return
        app = routes.stream if scope["method"] != "POST" or _wants_progress(body) else routes.json
        await app(scope, receive, send)

    def _refusal(self, headers: Mapping[str, str]) -> Response | Caller:
        if self.check_host and not _matches(headers.get("host", ""), self.hosts):
            return PlainTextResponse("Host not allowed", status_code=421)
        origin = headers.get("origin")
        if origin is not None and not _matches(origin, self.origins):
            return PlainTextResponse("Origin not allowed", status_code=403)
        principal: Principal | None = Principal("anonymous", FULL)
        if self.tokens:
            principal = authenticate(headers.get("authorization"), self.tokens)
            if principal is None:
                return JSONResponse(
                    {"error": "unauthorized", "message": "Send Authorization: Bearer <token>."},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="uc-mcp"'},
                )
        assert principal is not None
        if not self.multi_tenant:
            return Caller(principal)
        key, token = headers.get(TENANT_KEY_HEADER, "").strip(), headers.get(TENANT_TOKEN_HEADER, "").strip()
        credential = key or token
        if not credential or (key and token):
            return JSONResponse(
                {
                    "error": "unauthorized",
                    "message": "This server serves several stores: send the store's UltraCart credential in "
                    "exactly one of X-UltraCart-Simple-Key or X-UltraCart-OAuth-Token.",
                },
                status_code=401,
            )
        return Caller(principal, tenant_of(credential), credential, "key" if key else "oauth")


async def _buffer(receive: Any) -> tuple[bytes | None, Any]:
    """Read the whole request body (bounded) and give back a receive that replays it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None, receive
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Mapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        result: Mapping[str, Any] = await receive()
        return result

    return body, replay


def _wants_progress(body: bytes) -> bool:
    try:
        message = json.loads(body)
    except ValueError:
        return False
    messages = message if isinstance(message, list) else [message]
    for item in messages:
        params = item.get("params") if isinstance(item, dict) else None
        meta = params.get("_meta") if isinstance(params, dict) else None
        if isinstance(meta, dict) and meta.get("progressToken") is not None:
            return True
    return False


def create_app(settings: Settings | None = None, *, host: str = "127.0.0.1", workers: int = 1) -> Starlette:
    """The whole HTTP application. ``uc-mcp serve --transport http`` runs it with uvicorn; with
    several workers uvicorn calls this as a factory in each (settings from the environment)."""
    from mcp.server.transport_security import TransportSecuritySettings

    from .server import build_server, new_runtime

    settings = settings or Settings()
    tokens = check_startup(settings, host, workers)
    runtime = new_runtime(settings, "http")
    scopes: dict[str, Scope] = {principal.scope.key: principal.scope for principal in tokens.values()}
    if not scopes:
        scopes[FULL.key] = FULL
    hosts, origins = _host_patterns(settings, host)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=is_loopback(host) or bool(settings.allowed_hosts),
        allowed_hosts=hosts,
        allowed_origins=origins,
    )
    children: list[Starlette] = []
    routes: dict[str, Routes] = {}
    for key, scope in scopes.items():
        server = build_server(settings, "http", runtime=runtime, scope=scope)
        pair = [
            server.streamable_http_app(
                streamable_http_path=MCP_PATH, stateless_http=True, json_response=json_mode, transport_security=security
            )
            for json_mode in (True, False)
        ]
        children += pair
        routes[key] = Routes(json=pair[0], stream=pair[1])
    gate = Gate(settings, tokens, routes, host)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for child in children:
                await stack.enter_async_context(child.router.lifespan_context(child))
            yield
        log.info("uc-mcp HTTP server stopped")

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    # The gate takes /mcp exactly as the MCP apps expect it (a Mount would strip the path).
    app = Starlette(
        routes=[Route("/healthz", health), Route(MCP_PATH, _Endpoint(gate), methods=None)], lifespan=lifespan
    )
    app.state.runtime = runtime
    return app


class _Endpoint:
    """Lets Starlette route to a raw ASGI app without treating it as a request handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def worker_app() -> Starlette:
    """uvicorn's factory for ``--workers N``: everything from the environment the CLI prepared."""
    import os

    return create_app(
        host=os.environ.get("UC_MCP_HTTP_BIND", "127.0.0.1"), workers=int(os.environ.get("UC_MCP_HTTP_WORKERS", "1"))
    )
