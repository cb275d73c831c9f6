"""``uc-mcp serve --transport http``: streamable HTTP behind a gate.

Every request to ``/mcp`` passes the gate before any MCP code sees it:

1. Host and Origin are checked against DNS rebinding: on a loopback bind only loopback Host
   names are served (plus ``UC_MCP_ALLOWED_HOSTS``); a browser Origin must be loopback or in
   ``UC_MCP_ALLOWED_ORIGINS``. A wrong Host is 421, a wrong Origin 403.
2. Once any token is configured (``UC_MCP_HTTP_TOKEN`` / ``UC_MCP_HTTP_TOKENS``) every request
   needs one, on localhost too: without the right ``Authorization: Bearer``, 401 and nothing else.
3. In multi-tenant mode the store's credential comes with the request (``http_auth.py``).
4. The body is read (bounded in size and time, ``http_limits.py``) and must be JSON: anything
   else is answered 400 with a JSON-RPC parse error here, whatever it would do to a parser.
5. The request goes to an MCP app of the token's scope (read-only, toolsets), so a token never
   even lists a tool it may not call. All servers share one runtime: clients, rate limiters,
   confirmation secret, audit log.

Which app of the scope answers depends on the protocol era of the client:

- 2026-07-28 and later (``MCP-Protocol-Version`` header): stateless, each request on its own; the
  server asks a person to confirm through input-required rounds with sealed ``requestState``, so
  any replica can serve any request. Plain JSON answers, SSE when progress was asked for.
- 2025-11-25 and older (the ``initialize`` handshake): the server asks a person to confirm by
  sending ``elicitation/create`` *during* the tool call, and the answer comes back in another
  POST. That needs a session (``Mcp-Session-Id``) and SSE, so ``initialize``, every request that
  carries a session id, and GET/DELETE all go to one stateful app. A session is usable only with
  the bearer token (and, in multi-tenant mode, the store credential) that opened it, ends after
  ``SESSION_IDLE_TIMEOUT`` without requests, and at most ``MAX_SESSIONS`` are open per scope.
  A handshake-era POST without a session (a client that skipped ``initialize``) is served
  statelessly, as it can be, without the back channel.

Sessions live in one process's memory. With ``--workers N`` uvicorn hands each connection to any
worker (there is no way to make it sticky), and several replicas behind a load balancer are in the
same position unless it routes on ``Mcp-Session-Id``: then (``--workers`` > 1, or ``--stateless``)
handshake-era clients are served without sessions. Everything works for them except being asked
to confirm: guarded tools answer by ``UC_MCP_CONFIRM_FALLBACK``, and the start-up summary says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import anyio
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .core.provider import Provider
from .http_auth import (
    FULL,
    SCOPE_KEY,
    Caller,
    Principal,
    Scope,
    authenticate,
    load_tokens,
    tenant_of,
)
from .http_limits import DEFAULT_BODY_TIMEOUT, ConnectionLimits
from .settings import Settings, load_settings

log = logging.getLogger("uc_mcp.http")
ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]
LOOPBACK_HOSTS: Final = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_BODY: Final = 4 * 1024 * 1024
MCP_PATH: Final = "/mcp"
# A person may take a while to answer, and a host may sit idle between conversations; after this
# long without a request (an open GET stream counts as one) a session ends and its client
# initializes again (the SDK answers 404 for it, as the spec says).
SESSION_IDLE_TIMEOUT: Final = 15 * 60.0
MAX_SESSIONS: Final = 500  # per token scope; past it a new session is answered 503
SESSION_HEADER: Final = "mcp-session-id"
VERSION_HEADER: Final = "mcp-protocol-version"
CLOSE: Final = {"Connection": "close"}  # for answers given before the body was read


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
    """The MCP apps of one scope: stateless JSON, stateless streaming (for progress), and the
    stateful streaming app that holds handshake-era sessions (None when sessions are off)."""

    json: ASGIApp
    stream: ASGIApp
    sessions: ASGIApp | None


class Gate:
    """The ASGI app at ``/mcp``: checks, then hands the request to its scope's MCP app."""

    def __init__(
        self,
        settings: Settings,
        tokens: Mapping[str, Principal],
        routes: Mapping[str, Routes],
        bind_host: str,
        limits: ConnectionLimits,
        providers: Sequence[Provider] = (),
    ) -> None:
        self.tokens = tokens
        self.routes = routes
        self.limits = limits
        self.multi_tenant = settings.multi_tenant
        self.providers = tuple(providers)  # multi-tenant: whose credentials a request may carry
        self.hosts, self.origins = _host_patterns(settings, bind_host)
        self.check_host = is_loopback(bind_host) or bool(settings.allowed_hosts)

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        caller = self._refusal(headers)
        if isinstance(caller, Response):
            await caller(scope, receive, send)
            return
        scope.setdefault("state", {})[SCOPE_KEY] = caller
        request = await _read_request(scope["method"], receive, self.limits.body_timeout)
        if request is None:  # the client left
            return
        if isinstance(request, Response):
            await request(scope, receive, send)
            return
        body, message = request
        routes = self.routes[caller.principal.scope.key]
        app = _choose(routes, scope["method"], headers, message)
        if isinstance(app, Response):
            await app(scope, receive, send)
            return
        if app is routes.sessions:
            scope["user"] = session_owner(headers.get("authorization"), caller)
        await app(scope, _replaying(body, receive), send)

    def _refusal(self, headers: Mapping[str, str]) -> Response | Caller:
        if self.check_host and not _matches(headers.get("host", ""), self.hosts):
            return PlainTextResponse("Host not allowed", status_code=421, headers=CLOSE)
        origin = headers.get("origin")
        if origin is not None and not _matches(origin, self.origins):
            return PlainTextResponse("Origin not allowed", status_code=403, headers=CLOSE)
        principal: Principal | None = Principal("anonymous", FULL)
        if self.tokens:
            principal = authenticate(headers.get("authorization"), self.tokens)
            if principal is None:
                return JSONResponse(
                    {"error": "unauthorized", "message": "Send Authorization: Bearer <token>."},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="uc-mcp"', **CLOSE},
                )
        assert principal is not None
        if not self.multi_tenant:
            return Caller(principal)
        return self._tenant(principal, headers)

    def _tenant(self, principal: Principal, headers: Mapping[str, str]) -> Response | Caller:
        """Multi-tenant mode: the stores' credentials the request carries, one provider's at least."""
        credentials: dict[str, Mapping[str, str]] = {}
        for provider in self.providers:
            if provider.tenant_credentials is None:
                continue
            try:
                found = provider.tenant_credentials(headers)
            except ValueError as problem:
                return _unauthorized(f"This server serves several stores: {problem}.")
            if found:
                credentials[provider.name] = found
        if not credentials:
            hints = "; ".join(
                f"{provider.title}: {provider.tenant_headers_hint}"
                for provider in self.providers
                if provider.tenant_headers_hint
            )
            return _unauthorized(f"This server serves several stores: send the store's credential ({hints}).")
        values = [value for found in credentials.values() for value in found.values() if value]
        return Caller(principal, tenant_of(values[0] if len(values) == 1 else "\n".join(sorted(values))), credentials)


def _unauthorized(message: str) -> JSONResponse:
    return JSONResponse({"error": "unauthorized", "message": message}, status_code=401, headers=CLOSE)


async def _read_request(method: str, receive: Any, seconds: float) -> tuple[bytes, Any] | Response | None:
    """The body and, for a POST, the JSON-RPC message in it; or the answer to a body that is too
    slow, too large or not JSON; or None when the client left before sending it all."""
    try:
        body = await read_body(receive, MAX_BODY, seconds)
    except ClientGone:
        return None
    except BodyTimeout:
        return PlainTextResponse("Request body not received in time", status_code=408, headers=CLOSE)
    if body is None:
        return PlainTextResponse("Request body too large", status_code=413, headers=CLOSE)
    if method != "POST":
        return body, None
    message = parse_message(body)
    return message if isinstance(message, Response) else (body, message)


def _choose(routes: Routes, method: str, headers: Mapping[str, str], message: Any) -> ASGIApp | Response:
    """The app that serves this request, or the gate's own answer (see the module docstring)."""
    version = headers.get(VERSION_HEADER)
    if version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS:
        # Modern, or a version the SDK must name in its refusal: per request, whatever the mode.
        return routes.stream if _wants_progress(message) else routes.json
    if routes.sessions is not None:
        if headers.get(SESSION_HEADER) is not None:
            return routes.sessions
        if method == "POST" and _is_initialize(message) and "text/event-stream" in headers.get("accept", ""):
            return routes.sessions
    if method == "POST":
        # No session: served on its own. Only replies on this request's stream are possible, so the
        # server cannot ask the person anything (guarded tools use the confirmation fallback).
        return routes.stream if _wants_progress(message) else routes.json
    return _no_session_answer(method, sessions=routes.sessions is not None)


def _no_session_answer(method: str, *, sessions: bool) -> Response:
    """A GET, DELETE or other method outside a session. The spec (streamable HTTP, 2025-11-25):
    a server that offers no stream on GET answers 405; one that needs a session answers a request
    without ``Mcp-Session-Id`` (other than ``initialize``) 400. Never an open stream nobody can use."""
    if not sessions or method not in ("GET", "DELETE"):
        allowed = "GET, POST, DELETE" if sessions else "POST"
        return _jsonrpc_error(
            405,
            -32600,
            f"Method Not Allowed: {method} on {MCP_PATH} is not served "
            + ("outside a session" if sessions else "(no sessions: this server runs without them)"),
            {"Allow": allowed},
        )
    return _jsonrpc_error(
        400,
        -32600,
        f"Bad Request: Missing session ID. {method} on {MCP_PATH} needs the Mcp-Session-Id header that "
        "initialize answered with.",
    )


def _jsonrpc_error(status: int, code: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


PARSE_ERROR: Final = -32700
# Far deeper than any MCP message (a tool's arguments are a few levels), far shallower than the
# point where a recursive parser or validator (ours, the SDK's, pydantic's) runs out of stack.
MAX_DEPTH: Final = 100
_JSON_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET: Final = bytes(sorted(set(range(256)) - set(b"[]{}")))
_BRACKET_STEP: Final = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def parse_message(body: bytes) -> Any:
    """The JSON-RPC message (or batch) in a POST body, or a 400 parse-error answer.

    The whole class of bodies that break a parser ends here, as the client's mistake: nesting deep
    enough to exhaust the recursion limit, integers longer than Python converts, bytes that are not
    UTF-8, and plain invalid JSON. The answer names the problem, never the body."""
    if too_deep(body):
        problem = f"it is nested deeper than {MAX_DEPTH} levels"
    else:
        try:
            return json.loads(body)
        except UnicodeDecodeError:
            problem = "it is not UTF-8 text"
        except ValueError as error:
            problem = "it has a number too long to read" if "digits" in str(error) else "it is not valid JSON"
    return _jsonrpc_error(400, PARSE_ERROR, f"Parse error: the request body is not a JSON-RPC message ({problem}).")


def too_deep(body: bytes) -> bool:
    """Whether the brackets outside strings nest deeper than MAX_DEPTH, found without recursion
    (and stopping at the first level too deep)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:  # every ordinary message
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_A_BRACKET)
    depths = itertools.accumulate(_BRACKET_STEP[byte] for byte in brackets)
    return any(depth > MAX_DEPTH for depth in depths)


def _is_initialize(message: Any) -> bool:
    return isinstance(message, dict) and message.get("method") == "initialize"


def _wants_progress(message: Any) -> bool:
    messages = message if isinstance(message, list) else [message]
    for item in messages:
        params = item.get("params") if isinstance(item, dict) else None
        meta = params.get("_meta") if isinstance(params, dict) else None
        if isinstance(meta, dict) and meta.get("progressToken") is not None:
            return True
    return False


def session_owner(authorization: str | None, caller: Caller) -> Any:
    """Who a session belongs to, as the SDK's session manager compares it (``scope["user"]``): the
    bearer token (its digest, so two tokens that share a name are still two owners) and the tenant.
    A request for a session from anyone else is answered as if the session did not exist (404)."""
    from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
    from mcp.server.auth.provider import AccessToken

    credential = authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else ""
    token_id = hashlib.sha256(credential.encode()).hexdigest() if credential else "anonymous"
    # ``token`` is required by the model; the secret itself is never kept here.
    return AuthenticatedUser(AccessToken(token="-", client_id=token_id, scopes=[], subject=caller.tenant))


class BodyTimeout(Exception):
    """The client did not send the whole body in time."""


class ClientGone(Exception):
    """The client disconnected before sending the whole body."""


async def read_body(receive: Any, max_size: int, seconds: float) -> bytes | None:
    """The whole request body, or None when it is larger than ``max_size``.

    Raises BodyTimeout when it is not complete within ``seconds``, ClientGone when the
    client left first."""
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(seconds):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    raise ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > max_size:
                    return None
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError:
        raise BodyTimeout from None


def _replaying(body: bytes, receive: Any) -> Any:
    """A receive that gives the MCP app the body already read, then the connection's own events."""
    sent = False

    async def replay() -> Mapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        result: Mapping[str, Any] = await receive()
        return result

    return replay


def create_app(
    settings: Settings | None = None,
    *,
    host: str = "127.0.0.1",
    workers: int = 1,
    limits: ConnectionLimits | None = None,
    sessions: bool = True,
) -> Starlette:
    """The whole HTTP application. ``uc-mcp serve --transport http`` runs it with uvicorn; with
    several workers uvicorn calls this as a factory in each (settings from the environment).

    ``sessions`` is ignored with several workers: a session could not follow its client from one
    worker to another (see the module docstring)."""
    from mcp.server.transport_security import TransportSecuritySettings

    from .server import build_server, new_runtime

    settings = settings or load_settings()
    limits = limits or ConnectionLimits()
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
    with_sessions = sessions and workers == 1
    children: list[Starlette] = []
    routes: dict[str, Routes] = {}
    for key, scope in scopes.items():
        server = build_server(settings, "http", runtime=runtime, scope=scope)
        json_app, stream_app = (
            server.streamable_http_app(
                streamable_http_path=MCP_PATH, stateless_http=True, json_response=json_mode, transport_security=security
            )
            for json_mode in (True, False)
        )
        session_app = (
            server.streamable_http_app(
                streamable_http_path=MCP_PATH,
                stateless_http=False,
                json_response=False,  # SSE: the server's requests travel on the tools/call stream
                session_idle_timeout=SESSION_IDLE_TIMEOUT,
                max_sessions=MAX_SESSIONS,
                transport_security=security,
            )
            if with_sessions
            else None
        )
        children += [app for app in (json_app, stream_app, session_app) if app is not None]
        routes[key] = Routes(json=json_app, stream=stream_app, sessions=session_app)
    gate = Gate(settings, tokens, routes, host, limits, [p.provider for p in runtime.providers.values()])

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
    app.state.sessions = with_sessions
    return app


class _Endpoint:
    """Lets Starlette route to a raw ASGI app without treating it as a request handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


WORKER_BODY_TIMEOUT_ENV: Final = "UC_MCP_HTTP_BODY_TIMEOUT"


def worker_app() -> Starlette:
    """uvicorn's factory for ``--workers N``: everything from the environment the CLI prepared."""
    import os

    limits = ConnectionLimits(body_timeout=float(os.environ.get(WORKER_BODY_TIMEOUT_ENV, DEFAULT_BODY_TIMEOUT)))
    return create_app(
        host=os.environ.get("UC_MCP_HTTP_BIND", "127.0.0.1"),
        workers=int(os.environ.get("UC_MCP_HTTP_WORKERS", "1")),
        limits=limits,
    )


def startup_summary(
    settings: Settings, *, host: str, port: int, workers: int, sessions: bool, runtime: Any, fallback: str
) -> str:
    """What ``serve --transport http`` tells the person starting it (stderr): where, who may call,
    which store, and how older clients are confirmed. Never a token or a credential."""
    shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    lines = [
        f"uc-mcp: MCP over streamable HTTP at http://{shown_host}:{port}{MCP_PATH}"
        + (f" ({workers} workers)" if workers > 1 else ""),
        f"  auth: {_auth_mode(settings, runtime)}",
        f"  backend: {_backend_name(settings, runtime)}",
    ]
    if sessions and workers == 1:
        lines.append(
            f"  sessions: clients on protocol 2025-11-25 and older get one (ends after "
            f"{SESSION_IDLE_TIMEOUT / 60:.0f} min idle); 2026-07-28 clients need none"
        )
    else:
        reason = f"{workers} workers" if workers > 1 else "--stateless"
        lines.append(
            f"  sessions: off ({reason}): clients on protocol 2025-11-25 and older cannot be asked to confirm, "
            f"so guarded tools answer them by UC_MCP_CONFIRM_FALLBACK={fallback}; 2026-07-28 clients are asked"
        )
    return "\n".join(lines)


def _auth_mode(settings: Settings, runtime: Any) -> str:
    tokens = load_tokens(settings)
    names = sorted({principal.name for principal in tokens.values()})
    if not tokens:
        mode = "no token (anyone who can reach this address)"
    elif settings.http_tokens is None:
        mode = "1 token (UC_MCP_HTTP_TOKEN)"
    else:
        mode = f"{len(tokens)} named token{'s' if len(tokens) != 1 else ''} ({', '.join(names)})"
    if settings.multi_tenant:
        titles = " and ".join(p.provider.title for p in runtime.providers.values())
        mode += f"; multi-tenant: each request carries its store's {titles} credential"
    return mode


def _backend_name(settings: Settings, runtime: Any) -> str:
    """Each provider's backend, as one line; never a credential or a user:password in a URL."""
    described = []
    for provider_runtime in runtime.providers.values():
        provider = provider_runtime.provider
        if settings.multi_tenant:
            text = f"the {provider.title} API, the store of each request's credential"
        elif provider_runtime.backend == "sandbox":
            text = provider.describe_sandbox(provider_runtime.settings)
        else:
            text = "the real store, " + provider.describe_api(provider_runtime.settings)
        described.append(text if len(runtime.providers) == 1 else f"{provider.title}: {text}")
    return "; ".join(described)
