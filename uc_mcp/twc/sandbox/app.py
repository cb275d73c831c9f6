"""The sandbox's HTTP face: TWC's Keycloak token endpoint and the customer service, at their real paths.

* ``POST /auth/realms/{tenant}/protocol/openid-connect/token``: the client-credentials grant (``tokens.py``).
* ``/services/customerservice/api/v2/...``: the 13 customer endpoints of the seed revision (reference §5) and,
  cheaply, the 2024 doc's extra lookups (``GET .../{email}/email``, ``GET .../{ref}/alternateCustomerRef``,
  ``PUT .../email={email}``, ``DELETE /customers?id=|customerRef=``). Every call needs ``Authorization: Bearer``
  with a live token of the tenant named by ``X-TWC-Tenant`` (401 otherwise, checked before routing, as a gateway
  does). Then the route; errors are problem JSON (``errors.py``); no input gives a 5xx (an unexpected exception is
  logged and answered 500 without a traceback).

Routing (``route``) works on the raw path, split at ``/`` and each segment percent-decoded after, so an id or ref
holding ``/``, ``?``, ``#``, ``%`` or a space (sent percent-encoded) stays one segment; the literal segments
``search``, ``validate`` and the ``.../ref`` suffix are matched before the catch-all ``{id}``; ``id=``,
``customerRef=`` and ``email=`` are literal prefixes of one segment whose rest is the value, dots included (Spring's
``{id:.*}``). A trailing slash is accepted (the JS SDK sends one). A path the service has with another method is a
405; a path it does not have is a 404 problem; a path outside the service and the realms is the gateway's bare 404.

Assumptions where the docs are silent: request bodies are read as JSON whatever their ``Content-Type`` (the SDK
always sends JSON); bodies are limited to 1 MB (413); upload answers 202 with no body (the 2024 doc; the seed said
200 and a client accepts both) and applies the customers before answering; validate answers 200 with no body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from . import validation
from .errors import MAX_BODY_BYTES, ApiError, bad_request, unauthorized
from .store import SandboxStore
from .tokens import TokenIssuer, TokenRefusal

log = logging.getLogger("uc_mcp.twc.sandbox")

SERVICE_PATH = "/services/customerservice/api/v2"
SERVICE_SEGMENTS = ("services", "customerservice", "api", "v2")
SANDBOX_HEADER = "X-UC-Sandbox"  # tells clients (and people reading traces) this is not TWC
TENANT_HEADER = "x-twc-tenant"
PATH_PREFIXES = ("id=", "customerRef=", "email=")


@dataclass(frozen=True, slots=True)
class Call:
    """One routed service call: the tenant, the request, the path's values."""

    tenant: str
    request: Request
    values: tuple[str, ...]
    path: str  # service-relative, for the problem JSON's ``path``


Handler = Callable[["SandboxApp", Call], Awaitable[Response]]


def json_response(payload: Any, status: int = 200) -> Response:
    return JSONResponse(payload, status_code=status, headers={SANDBOX_HEADER: "1"})


def empty_response(status: int) -> Response:
    return Response(status_code=status, headers={SANDBOX_HEADER: "1"})


def problem_response(error: ApiError, path: str) -> Response:
    return JSONResponse(
        error.body(path),
        status_code=error.status,
        headers={SANDBOX_HEADER: "1", **error.headers},
        media_type="application/problem+json",
    )


async def read_json(request: Request) -> Any:
    """The body as JSON: 413 past 1 MB, 400 when empty or not JSON."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, f"body: at most {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, f"body: at most {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise bad_request("body: required, a JSON document")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise bad_request("body: not valid JSON") from None
    try:
        # JSON may escape half a UTF-16 pair ("\ud800"): no text holds one, and SQLite could not store it.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request("body: a string holds an unpaired surrogate escape (\\uD800-\\uDFFF)") from None
    return value


# -- the endpoints -----------------------------------------------------------------------------------------------


async def create_customer(app: SandboxApp, call: Call) -> Response:
    given = validation.customer(await read_json(call.request))
    return json_response(app.store.create(call.tenant, given), 201)


async def upload_customers(app: SandboxApp, call: Call) -> Response:
    items = validation.upload(await read_json(call.request))
    app.store.upload(call.tenant, items)
    return empty_response(202)


async def validate_customer(app: SandboxApp, call: Call) -> Response:
    given = validation.customer(await read_json(call.request))
    if not given.get("email"):
        raise bad_request("email: required (the only mandatory field of a customer)")
    return empty_response(200)


async def update_by_body(app: SandboxApp, call: Call) -> Response:
    given = validation.customer(await read_json(call.request))
    return json_response(app.store.update(call.tenant, None, None, given))


async def update_by_path(app: SandboxApp, call: Call) -> Response:
    _, kind, value = call.values
    given = validation.customer(await read_json(call.request))
    return json_response(app.store.update(call.tenant, kind, value, given))


async def add_address(app: SandboxApp, call: Call) -> Response:
    address = validation.address(await read_json(call.request))
    return json_response(app.store.add_address(call.tenant, call.values[0], address))


async def delete_address(app: SandboxApp, call: Call) -> Response:
    customer_id, address_id = call.values
    return json_response(app.store.delete_address(call.tenant, customer_id, address_id))


async def get_by_id(app: SandboxApp, call: Call) -> Response:
    return json_response(app.store.get(call.tenant, "id", call.values[0]))


async def get_by_ref(app: SandboxApp, call: Call) -> Response:
    return json_response(app.store.get(call.tenant, "customerRef", call.values[0]))


async def get_by_email(app: SandboxApp, call: Call) -> Response:
    return json_response(app.store.get(call.tenant, "email", call.values[0]))


async def get_by_alternate_ref(app: SandboxApp, call: Call) -> Response:
    return json_response(app.store.get(call.tenant, "alternateCustomerRef", call.values[0]))


async def search_customers(app: SandboxApp, call: Call) -> Response:
    criteria = validation.search(call.request.query_params)
    return json_response(app.store.search(call.tenant, criteria))


async def delete_by_id(app: SandboxApp, call: Call) -> Response:
    app.store.delete(call.tenant, "id", call.values[0])
    return empty_response(204)


async def delete_by_ref(app: SandboxApp, call: Call) -> Response:
    app.store.delete(call.tenant, "customerRef", call.values[0])
    return empty_response(204)


async def delete_by_query(app: SandboxApp, call: Call) -> Response:
    """The 2024 form, ``DELETE /api/v2/customers?id=`` or ``?customerRef=`` (one of them)."""
    params = call.request.query_params
    given = [(kind, params[kind]) for kind in ("id", "customerRef") if params.get(kind, "").strip()]
    if len(given) != 1:
        raise bad_request("query: give exactly one of id, customerRef")
    app.store.delete(call.tenant, *given[0])
    return empty_response(204)


# -- routing -----------------------------------------------------------------------------------------------------

Routes = dict[str, Handler]


def route(rest: list[str]) -> tuple[Routes, tuple[str, ...]] | None:
    """The handlers by method for a service-relative path (``rest``: the decoded segments after ``/api/v2``) and the
    path's values; None when the service has no such path."""
    if rest == ["upload-customers"]:
        return {"POST": upload_customers}, ()
    if not rest or rest[0] != "customers":
        return None
    tail = rest[1:]
    if not tail:
        return {"POST": create_customer, "PUT": update_by_body, "DELETE": delete_by_query}, ()
    if len(tail) == 1:
        segment = tail[0]
        if segment == "search":
            return {"GET": search_customers}, ()
        if segment == "validate":
            return {"POST": validate_customer}, ()
        routes: Routes = {"GET": get_by_id, "DELETE": delete_by_id}
        for prefix in PATH_PREFIXES:
            if segment.startswith(prefix):
                # GET and DELETE read the whole segment as an id (Spring's {id}); PUT, the kind and the value.
                return {**routes, "PUT": update_by_path}, (segment, prefix[:-1], segment[len(prefix) :])
        return routes, (segment,)
    if len(tail) == 2:
        value, suffix = tail
        by_suffix: dict[str, Routes] = {
            "ref": {"GET": get_by_ref, "DELETE": delete_by_ref},
            "email": {"GET": get_by_email},
            "alternateCustomerRef": {"GET": get_by_alternate_ref},
            "address": {"POST": add_address},
        }
        if suffix in by_suffix:
            return by_suffix[suffix], (value,)
        return None
    if len(tail) == 3 and tail[1] == "address":
        return {"DELETE": delete_address}, (tail[0], tail[2])
    return None


def split_path(scope: Any) -> list[str] | None:
    """The path's segments, each percent-decoded (UTF-8); a trailing slash dropped; None when a segment does not
    decode."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    raw = raw.split(b"?", 1)[0]
    try:
        segments = [unquote_to_bytes(part).decode("utf-8") for part in raw.split(b"/")[1:]]
    except UnicodeDecodeError:
        return None
    if len(segments) > 1 and segments[-1] == "":
        segments.pop()
    return segments


class SandboxApp:
    """The ASGI app: the token endpoint, and the service behind its bearer check."""

    def __init__(self, store: SandboxStore, tokens: TokenIssuer) -> None:
        self.store = store
        self.tokens = tokens

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._answer(request, split_path(scope))
        await response(scope, receive, send)

    async def _answer(self, request: Request, segments: list[str] | None) -> Response:
        if segments is None:
            return problem_response(bad_request("path: not valid percent-encoded UTF-8"), "/")
        if (
            len(segments) == 6
            and segments[:2] == ["auth", "realms"]
            and segments[3:]
            == [
                "protocol",
                "openid-connect",
                "token",
            ]
        ):
            return await self._token(request, segments[2])
        if tuple(segments[:4]) != SERVICE_SEGMENTS:
            return Response(status_code=404)  # the gateway's: no such service
        path = "/api/v2/" + "/".join(segments[4:])
        try:
            tenant = self._tenant(request)
            routed = route(segments[4:])
            if routed is None:
                raise ApiError(404, "No such endpoint in the customer service.")
            handlers, values = routed
            handler = handlers.get(request.method)
            if handler is None:
                raise ApiError(405, f"This endpoint takes {', '.join(sorted(handlers))}.")
            return await handler(self, Call(tenant, request, values, path))
        except ApiError as error:
            return problem_response(error, path)
        except ClientDisconnect:
            return empty_response(400)
        except Exception:
            log.exception("sandbox error in %s %s", request.method, path)  # never a traceback on the wire
            return problem_response(ApiError(500, "An internal error occurred."), path)

    def _tenant(self, request: Request) -> str:
        """The call's tenant, once its bearer token is live and of that tenant; 401 otherwise."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Authorization: send a bearer token from the tenant's token endpoint")
        tenant = request.headers.get(TENANT_HEADER, "").strip()
        if not tenant:
            raise unauthorized("X-TWC-Tenant: required, the tenant id the token was issued for")
        realm = self.tokens.realm_of(token.strip())
        if realm is None:
            raise unauthorized("Authorization: the bearer token is invalid or has expired; get a new one")
        if realm != tenant:
            raise unauthorized("X-TWC-Tenant: the bearer token was issued for another tenant")
        return tenant

    async def _token(self, request: Request, realm: str) -> Response:
        if request.method != "POST":
            return JSONResponse(
                {"error": "HTTP 405 Method Not Allowed"}, status_code=405, headers={SANDBOX_HEADER: "1"}
            )
        try:
            body = await request.body()
            if len(body) > MAX_BODY_BYTES:
                raise TokenRefusal(400, "invalid_request", "Request too large")
            answer = self.tokens.grant(realm, body, request.headers.get("authorization"))
        except TokenRefusal as refusal:
            return JSONResponse(refusal.body(), status_code=refusal.status, headers={SANDBOX_HEADER: "1"})
        except ClientDisconnect:
            return empty_response(400)
        headers = {SANDBOX_HEADER: "1", "Cache-Control": "no-store", "Pragma": "no-cache"}
        return JSONResponse(answer, headers=headers)
