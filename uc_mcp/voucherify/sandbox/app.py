"""The sandbox's HTTP face: Voucherify's 12 customer operations at their real paths (``/v1/customers...``) and the
async-action lookup (``GET /v1/async-actions/{id}``), answering as the reference and the OpenAPI subset describe.

Every request must carry ``X-App-Id`` and ``X-App-Token``, both matching (else 401 ``unauthorized``), before
anything else happens; then the async jobs that are due are applied (``async_actions.apply_due``); then the
operation runs. Errors use Voucherify's envelope (``errors.py``) with a fresh ``request_id``; no input gives a
5xx (an unexpected exception is logged and answered 500 without a traceback).

Assumptions where the reference is silent:

* Request bodies are read as JSON whatever their ``Content-Type`` (Voucherify's SDKs always send JSON); an empty
  body on create or update means ``{}`` (the Python SDK sends none when given no model).
* Every body is limited to 10 MB, the limit documented for the bulk endpoints, with the same 413 answer.
* An unknown path is a 404 and a known path with another method a 405, both in the envelope.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import async_actions, queries, validation
from .errors import MAX_BODY_BYTES, ApiError, PayloadTooLarge, bad_payload
from .store import SandboxStore

log = logging.getLogger("uc_mcp.voucherify.sandbox")

DEFAULT_APP_ID = "sandbox-app-id"
DEFAULT_APP_TOKEN = "sandbox-app-token"
SANDBOX_HEADER = "X-UC-Sandbox"  # tells clients (and people reading traces) this is not Voucherify

Handler = Callable[[Request, "Context"], Awaitable[Response]]


class Context:
    """What a handler needs besides the request: the store and this request's id."""

    def __init__(self, store: SandboxStore, request_id: str) -> None:
        self.store = store
        self.request_id = request_id


class RequestIds:
    """``v-`` and 18 hex characters, like Voucherify's; deterministic for a seed within one process."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            number = next(self._counter)
        return f"v-{number:08x}{hashlib.sha256(f'{self._seed}:request:{number}'.encode()).hexdigest()[:10]}"


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(payload, status_code=status, headers={SANDBOX_HEADER: "1", **(headers or {})})


def error_response(error: ApiError, request_id: str) -> Response:
    return json_response(error.body(request_id), error.status)


# -- reading requests ------------------------------------------------------------------------------------------


async def read_body(request: Request) -> bytes:
    """The body, refused with the documented 413 past 10 MB (checked on the declared length and while reading)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # later readers (the form parser) get it from here
    return body


async def json_body(request: Request, *, empty: Any = None) -> Any:
    raw = await read_body(request)
    if not raw.strip() and empty is not None:
        return empty
    return validation.parse_json(raw)


def path_param(request: Request, name: str) -> str:
    return str(request.path_params[name])


# -- the operations --------------------------------------------------------------------------------------------


async def list_customers(request: Request, ctx: Context) -> Response:
    query = queries.customer_query(request.query_params)
    return json_response(ctx.store.list_customers(query))


async def create_customer(request: Request, ctx: Context) -> Response:
    customer_id, source_id, fields = validation.create_body(await json_body(request, empty={}))
    return json_response(ctx.store.create_customer(customer_id, source_id, fields, ctx.request_id))


async def get_customer(request: Request, ctx: Context) -> Response:
    return json_response(ctx.store.get_customer(path_param(request, "customerId")))


async def update_customer(request: Request, ctx: Context) -> Response:
    fields = validation.update_body(await json_body(request, empty={}))
    return json_response(ctx.store.update_customer(path_param(request, "customerId"), fields, ctx.request_id))


async def delete_customer(request: Request, ctx: Context) -> Response:
    ctx.store.delete_customer(path_param(request, "customerId"), ctx.request_id)
    return Response(status_code=204, headers={SANDBOX_HEADER: "1"})


async def permanently_delete(request: Request, ctx: Context) -> Response:
    return json_response(ctx.store.permanently_delete(path_param(request, "customerId")))


async def list_activity(request: Request, ctx: Context) -> Response:
    query = queries.activity_query(request.query_params)
    return json_response(ctx.store.list_activity(path_param(request, "customerId"), query))


async def list_segments(request: Request, ctx: Context) -> Response:
    return json_response(ctx.store.list_segments(path_param(request, "customerId")))


async def list_redeemables(request: Request, ctx: Context) -> Response:
    query = queries.redeemable_query(request.query_params)
    return json_response(ctx.store.list_redeemables(path_param(request, "customerId"), query))


async def import_csv(request: Request, ctx: Context) -> Response:
    """``multipart/form-data`` with the CSV in the part ``file`` (a file or a plain field). The job reads it; a
    file that is not UTF-8 text is accepted and the job fails, as an unreadable upload would."""
    await read_body(request)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise bad_payload("file: send the CSV as multipart/form-data in a part named file")
    try:
        async with request.form(max_files=1, max_fields=20, max_part_size=MAX_BODY_BYTES) as form:
            part = form.get("file")
            if part is None:
                raise ApiError(400, "missing_param", "file: required, the CSV file as the multipart part named file")
            raw = await part.read() if isinstance(part, UploadFile) else part.encode("utf-8")
    except (MultiPartException, HTTPException):  # Starlette turns a parse failure into a bare HTTPException(400)
        raise bad_payload(
            "file: the multipart body could not be read (one part named file, at most 20 parts)"
        ) from None
    try:
        text: str | None = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    action_id = async_actions.enqueue(ctx.store, async_actions.IMPORT_CSV, {"text": text}, ctx.request_id)
    return json_response({"async_action_id": action_id}, 202)


async def update_in_bulk(request: Request, ctx: Context) -> Response:
    items = validation.bulk_body(await json_body(request))
    payload = [{"source_id": source_id, "fields": fields} for source_id, fields in items]
    action_id = async_actions.enqueue(ctx.store, async_actions.BULK_UPDATE, payload, ctx.request_id)
    return json_response({"async_action_id": action_id}, 202)


async def update_metadata_in_bulk(request: Request, ctx: Context) -> Response:
    source_ids, metadata = validation.metadata_body(await json_body(request))
    payload = {"source_ids": source_ids, "metadata": metadata}
    action_id = async_actions.enqueue(ctx.store, async_actions.METADATA_UPDATE, payload, ctx.request_id)
    return json_response({"async_action_id": action_id}, 202)


async def get_async_action(request: Request, ctx: Context) -> Response:
    base_url = str(request.base_url).rstrip("/")
    return json_response(async_actions.get(ctx.store, path_param(request, "asyncActionId"), base_url))


async def get_async_action_report(request: Request, ctx: Context) -> Response:
    text = async_actions.report_csv(ctx.store, path_param(request, "asyncActionId"))
    return Response(text, media_type="text/csv", headers={SANDBOX_HEADER: "1"})


# A source_id may hold "/" (sent as %2F, which arrives decoded): the customer id takes the rest of the path, and the
# routes with a suffix come before the bare one. Literal paths (importCSV, bulk) come first of all.
CUSTOMER = "/v1/customers/{customerId:path}"
OPERATIONS: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/v1/customers", list_customers),
    ("POST", "/v1/customers", create_customer),
    ("POST", "/v1/customers/importCSV", import_csv),
    ("POST", "/v1/customers/bulk/async", update_in_bulk),
    ("POST", "/v1/customers/metadata/async", update_metadata_in_bulk),
    ("POST", CUSTOMER + "/permanent-deletion", permanently_delete),
    ("GET", CUSTOMER + "/activity", list_activity),
    ("GET", CUSTOMER + "/segments", list_segments),
    ("GET", CUSTOMER + "/redeemables", list_redeemables),
    ("GET", CUSTOMER, get_customer),
    ("PUT", CUSTOMER, update_customer),
    ("DELETE", CUSTOMER, delete_customer),
    ("GET", "/v1/async-actions/{asyncActionId}", get_async_action),
    ("GET", "/v1/async-actions/{asyncActionId}/reports/1.csv", get_async_action_report),
)


# -- assembly --------------------------------------------------------------------------------------------------


def _authorized(request: Request, app_id: str, app_token: str) -> bool:
    given_id = request.headers.get("x-app-id", "")
    given_token = request.headers.get("x-app-token", "")
    id_ok = secrets.compare_digest(given_id.encode("utf-8", "replace"), app_id.encode())
    token_ok = secrets.compare_digest(given_token.encode("utf-8", "replace"), app_token.encode())
    return id_ok and token_ok


def unauthorized(request_id: str) -> Response:
    error = ApiError(401, "unauthorized", "Send a valid X-App-Id and X-App-Token pair.")
    return error_response(error, request_id)


class SandboxApp:
    """The ASGI app: authentication, then due jobs, then the route (a Starlette router)."""

    def __init__(self, store: SandboxStore, app_id: str, app_token: str) -> None:
        self.store = store
        self.app_id = app_id
        self.app_token = app_token
        self.request_ids = RequestIds(store.seed)
        routes = [Route(path, self._endpoint(handler), methods=[method]) for method, path, handler in OPERATIONS]
        self.router = Starlette(routes=routes, exception_handlers={404: self._http_error, 405: self._http_error})
        self.router.state.store = store

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            if not _authorized(request, self.app_id, self.app_token):
                await unauthorized(self.request_ids.next())(scope, receive, send)
                return
        await self.router(scope, receive, send)

    def _endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            request_id = self.request_ids.next()
            try:
                async_actions.apply_due(self.store)
                return await handler(request, Context(self.store, request_id))
            except ApiError as error:
                return error_response(error, request_id)
            except PayloadTooLarge:
                return json_response(PayloadTooLarge.body(), 413)
            except ClientDisconnect:
                return Response(status_code=400)
            except Exception:
                # Never a traceback on the wire; the server log has it.
                log.exception("sandbox error in %s", handler.__name__)
                failure = ApiError(500, "internal_error", "An internal error occurred. Please try again later.")
                return error_response(failure, request_id)

        endpoint.__name__ = handler.__name__
        return endpoint

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            error = ApiError(405, "method_not_allowed", "This resource does not take that method.")
        else:
            error = ApiError(404, "not_found", "No such API route.")
        return error_response(error, self.request_ids.next())


def create_app(store: SandboxStore, *, app_id: str = DEFAULT_APP_ID, app_token: str = DEFAULT_APP_TOKEN) -> SandboxApp:
    """The sandbox API as an ASGI app (without fault injection; see ``faults.py``)."""
    return SandboxApp(store, app_id, app_token)
