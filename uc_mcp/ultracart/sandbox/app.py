"""The sandbox's HTTP face: UltraCart's 24 customer operations under ``/rest/v2``.

Envelopes, status codes, headers and error bodies follow the official OpenAPI subset: most
answers are wrapped in ``{success, error, warning, metadata, <payload>}``; editor values,
wishlist insert/update, email-list changes and DataTables are bare; delete and merge answer 204.
Errors carry an ErrorResponse body and a ``UC-REST-ERROR`` header.

Which envelope keys a success carries (decided from the spec and the official SDKs; UltraCart does
not document it): ``success`` and ``metadata`` always, the payload key always (an empty list is
``[]``), and neither ``error`` nor ``warning``. Nothing in the spec is nullable, and the Python SDK
(``ultracart-rest-sdk`` 4.1.208) refuses ``"error": null`` on every call (``ApiTypeError``), so a
real success does not carry nulls; an ``error`` object on success would make UltraCart's own PHP
samples, which test ``getError() != null``, stop at every call, and the error docs say the object
is present "when errors occur". What is left is omission, which is also what the SDK's
``[optional]`` fields allow. Consequence: the Python samples' ``if api_response.error is not None:``
raises ``ApiAttributeError`` on any success, here as against UltraCart; a Python client tests
``api_response.get("error")`` instead. ``metadata.payload_name`` is left out too: the spec gives no
value for it and no sample reads it (a guessed value would be an answer UltraCart may not give).
Null fields are left out everywhere (the spec's fields are not nullable).

Request text is never copied into a response header: ``UC-REST-ERROR`` holds the error message,
and no message repeats what the client sent.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import ApiError, bad_request
from .filters import ALL_FILTERS, parse_filters
from .store import DEFAULT_LIMIT, SandboxStore
from .validation import INT32_MAX, INT32_MIN, validate_body

API_VERSION = "2017-03-01"
BASE_PATH = "/rest/v2"
DEFAULT_API_KEY = "sandbox-key"
SANDBOX_HEADER = "X-UC-Sandbox"  # tells clients (and people reading traces) this is not UltraCart

Handler = Callable[[Request, SandboxStore], Awaitable[Response]]


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(
        body, status_code=status, media_type="application/json", headers={SANDBOX_HEADER: "1", **(headers or {})}
    )


def header_text(message: str) -> str:
    """``message`` as a header value: printable ASCII on one line. Messages never carry request text;
    this keeps a header valid even if one did (a NUL or a line break would drop the connection)."""
    return " ".join("".join(c if " " <= c <= "~" else " " for c in message).split())


def error_response(status: int, message: str, developer_message: str | None = None) -> Response:
    header = header_text(message)
    body = {
        "success": False,
        "error": {
            "developer_message": developer_message or message,
            "user_message": message,
            "error_code": str(status),
        },
        "metadata": {},
    }
    return json_response(body, status, {"UC-REST-ERROR": header})


def envelope(key: str | None = None, payload: Any = None, metadata: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"success": True, "metadata": metadata or {}}
    if key is not None:
        body[key] = payload
    return json_response(body)


def int_param(value: str | None, name: str, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"Invalid {name}: expected an integer.") from None
    if not INT32_MIN <= number <= INT32_MAX:
        raise bad_request(f"Invalid {name}: expected an integer between {INT32_MIN} and {INT32_MAX}.")
    return number


def oid_param(request: Request, name: str = "customer_profile_oid") -> int:
    value = int_param(request.path_params[name], name)
    assert value is not None
    return value


def is_json(request: Request) -> bool:
    """The body is declared JSON. The spec's request bodies are all ``application/json`` (some with
    ``charset=UTF-8``); a body sent as text/plain, a form or nothing is refused, not guessed at. UltraCart's
    Java stack refuses another media type too (JAX-RS answers 415, which the spec does not declare; the
    sandbox answers the declared 400 for bad input — assumed)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


async def json_body(request: Request, schema_name: str, *, stored: bool = False) -> dict[str, Any]:
    """The request's JSON object, validated against ``schema_name`` (``stored``: a body the sandbox keeps,
    its date-times normalised)."""
    raw = await request.body()
    if not raw.strip():
        raise bad_request(f"A JSON request body ({schema_name}) is required.")
    if not is_json(request):
        raise bad_request(f"Invalid Content-Type: send the {schema_name} body as application/json.")
    try:
        # NaN/Infinity are not JSON, nor is a number too large for a double (Python reads 1e400 as
        # infinity): stored, they would make every later answer invalid JSON. Lone surrogates
        # ("\ud800") are not text; nesting past the recursion limit is no body.
        body = json.loads(raw, parse_constant=_not_json)
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise bad_request("The request body is not valid JSON.") from None
    return validate_body(schema_name, body, store_dates=stored)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def result_set(page: Any, strict_next_offset: bool) -> dict[str, Any]:
    count = len(page.customers)
    result: dict[str, Any] = {"count": count, "limit": page.limit, "offset": page.offset, "more": page.more}
    # next_offset: given while there is more; the strict profile gives offset+count always, so
    # that a pager must look at `more` (assumed: the spec does not say which the service does).
    if page.more or strict_next_offset:
        result["next_offset"] = page.offset + count
    if page.total is not None:
        result["total_records"] = page.total
    return result


def _authorized(request: Request, api_key: str, allow_browser_key: bool) -> str | None:
    """None when the request may proceed, else the reason for a 401."""
    if request.headers.get("x-ultracart-api-version") != API_VERSION:
        return f"Missing or unsupported X-UltraCart-Api-Version header: send {API_VERSION}."
    offered = [request.headers.get("x-ultracart-simple-key")]
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        offered.append(authorization[7:].strip())
    if allow_browser_key:
        offered.append(request.headers.get("x-ultracart-browser-key"))
    if any(key is not None and secrets.compare_digest(key.encode(), api_key.encode()) for key in offered):
        return None
    return "Invalid credentials: send a valid x-ultracart-simple-key or an OAuth bearer token."


# -- the 24 operations -------------------------------------------------------------------------


async def get_customers(request: Request, store: SandboxStore) -> Response:
    query = request.query_params
    values: dict[str, Any] = {name: query.get(name) for name in ALL_FILTERS if name != "pricing_tier_oid"}
    values["pricing_tier_oid"] = int_param(query.get("pricing_tier_oid"), "pricing_tier_oid")
    return _page(store, parse_filters(values, query.get("_since")), request)


async def get_customers_by_query(request: Request, store: SandboxStore) -> Response:
    body = await json_body(request, "CustomerQuery")
    return _page(store, parse_filters(body, request.query_params.get("_since")), request)


def _page(store: SandboxStore, filters: Any, request: Request) -> Response:
    query = request.query_params
    page = store.find_customers(
        filters,
        limit=int_param(query.get("_limit"), "_limit", DEFAULT_LIMIT) or 0,
        offset=int_param(query.get("_offset"), "_offset", 0) or 0,
        sort=query.get("_sort"),
        expand=query.get("_expand"),
    )
    strict = store.profile == "strict"
    return envelope("customers", page.customers, {"result_set": result_set(page, strict)})


async def insert_customer(request: Request, store: SandboxStore) -> Response:
    body = await json_body(request, "Customer", stored=True)
    return envelope("customer", store.insert_customer(body, request.query_params.get("_expand")))


async def get_customer_by_email(request: Request, store: SandboxStore) -> Response:
    customer = store.get_customer_by_email(request.path_params["email"], request.query_params.get("_expand"))
    return envelope("customer", customer)


async def get_customers_for_data_tables(request: Request, store: SandboxStore) -> Response:
    """The spec declares no body; a DataTables front end posts its paging form (draw, start,
    length, search[value]) as a form or JSON. Without one: draw 0, the first 10 rows."""
    raw = await request.body()
    fields: dict[str, Any] = {}
    if raw.strip():
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = await request.form()
            fields = {key: form.get(key) for key in form}
            fields["search"] = {"value": form.get("search[value]", "")}
        elif not is_json(request):
            raise bad_request("Invalid Content-Type: send the DataTables paging form as a form or as application/json.")
        else:
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):
                raise bad_request("The request body is not valid JSON.") from None
            if not isinstance(parsed, dict):
                raise bad_request("The request body must be a JSON object.")
            fields = parsed
    search = fields.get("search")
    text = search.get("value", "") if isinstance(search, dict) else ""
    result = store.data_tables(
        draw=int_param(_str(fields.get("draw")), "draw", 0) or 0,
        start=int_param(_str(fields.get("start")), "start", 0) or 0,
        length=int_param(_str(fields.get("length")), "length", 10) or 10,
        search=str(text or ""),
        expand=request.query_params.get("_expand"),
    )
    return json_response(result)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


async def get_email_verification_token(request: Request, store: SandboxStore) -> Response:
    body = await json_body(request, "EmailVerifyTokenRequest")
    return envelope("token", store.email_verification_token(body))


async def validate_email_verification_token(request: Request, store: SandboxStore) -> Response:
    body = await json_body(request, "EmailVerifyTokenValidateRequest")
    token = body.get("token")
    if not token:
        raise bad_request("Invalid token: expected the verification token.")
    if store.validate_email_verification_token(token):
        return envelope()
    # The operation's answer is `success` itself (200), with the reason alongside.
    message = "The token is not valid: unknown, already used or expired."
    return json_response(
        {"success": False, "error": {"user_message": message, "developer_message": message}, "metadata": {}}
    )


async def get_customer(request: Request, store: SandboxStore) -> Response:
    return envelope("customer", store.get_customer(oid_param(request), request.query_params.get("_expand")))


async def update_customer(request: Request, store: SandboxStore) -> Response:
    oid = oid_param(request)
    body = await json_body(request, "Customer", stored=True)
    return envelope("customer", store.update_customer(oid, body, request.query_params.get("_expand")))


async def delete_customer(request: Request, store: SandboxStore) -> Response:
    store.delete_customer(oid_param(request))
    return Response(status_code=204, headers={SANDBOX_HEADER: "1"})


async def adjust_internal_certificate(request: Request, store: SandboxStore) -> Response:
    oid = oid_param(request)
    body = await json_body(request, "AdjustInternalCertificateRequest")
    adjustment, balance = store.adjust_cashback(oid, body)
    return json_response({"success": True, "adjustment_amount": adjustment, "balance_amount": balance, "metadata": {}})


async def update_customer_email_lists(request: Request, store: SandboxStore) -> Response:
    oid = oid_param(request)
    body = await json_body(request, "CustomerEmailListChanges")
    return json_response(store.update_email_lists(oid, body))


async def get_magic_link(request: Request, store: SandboxStore) -> Response:
    url = store.magic_link(oid_param(request), request.path_params["storefront_host_name"])
    return envelope("url", url)


async def merge_customer(request: Request, store: SandboxStore) -> Response:
    oid = oid_param(request)
    body = await json_body(request, "CustomerMergeRequest")
    store.merge_customer(oid, body)
    return Response(status_code=204, headers={SANDBOX_HEADER: "1"})


async def get_customer_store_credit(request: Request, store: SandboxStore) -> Response:
    return envelope("customer_store_credit", store.get_store_credit(oid_param(request)))


async def add_customer_store_credit(request: Request, store: SandboxStore) -> Response:
    oid = oid_param(request)
    body = await json_body(request, "CustomerStoreCreditAddRequest")
    store.add_store_credit(oid, body)
    return envelope()


async def get_customer_wish_list(request: Request, store: SandboxStore) -> Response:
    return envelope("wishlist_items", store.get_wishlist(oid_param(request)))


async def insert_wish_list_item(request: Request, store: SandboxStore) -> Response:
    oid = oid_param(request)
    body = await json_body(request, "CustomerWishListItem")
    return json_response(store.insert_wishlist_item(oid, body))


async def get_customer_wish_list_item(request: Request, store: SandboxStore) -> Response:
    item = store.get_wishlist_item(oid_param(request), oid_param(request, "customer_wishlist_item_oid"))
    return envelope("wishlist_item", item)


async def update_wish_list_item(request: Request, store: SandboxStore) -> Response:
    oid, item_oid = oid_param(request), oid_param(request, "customer_wishlist_item_oid")
    body = await json_body(request, "CustomerWishListItem")
    return json_response(store.update_wishlist_item(oid, item_oid, body))


async def delete_wish_list_item(request: Request, store: SandboxStore) -> Response:
    store.delete_wishlist_item(oid_param(request), oid_param(request, "customer_wishlist_item_oid"))
    return Response(status_code=204, headers={SANDBOX_HEADER: "1"})


async def get_customer_editor_values(request: Request, store: SandboxStore) -> Response:
    return json_response(store.editor_values())


async def get_customer_email_lists(request: Request, store: SandboxStore) -> Response:
    return envelope("lists", store.email_lists())


async def search_customer_profile_values(request: Request, store: SandboxStore) -> Response:
    body = await json_body(request, "LookupRequest")
    return envelope("values", store.search_profile_values(body))


CUSTOMER = "/customer/customers/{customer_profile_oid}"
WISH_ITEM = CUSTOMER + "/wishlist/{customer_wishlist_item_oid}"
# (method, path, handler): the order matters where a literal segment and a path parameter compete.
OPERATIONS: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/customer/customers", get_customers),
    ("POST", "/customer/customers", insert_customer),
    # An email may hold "/" (sent as %2F, which arrives decoded): the rest of the path is the email.
    ("GET", "/customer/customers/by_email/{email:path}", get_customer_by_email),
    ("POST", "/customer/customers/dataTables", get_customers_for_data_tables),
    ("POST", "/customer/customers/email_verify/get_token", get_email_verification_token),
    ("POST", "/customer/customers/email_verify/validate_token", validate_email_verification_token),
    ("POST", "/customer/customers/query", get_customers_by_query),
    ("DELETE", CUSTOMER, delete_customer),
    ("GET", CUSTOMER, get_customer),
    ("PUT", CUSTOMER, update_customer),
    ("POST", CUSTOMER + "/adjust_cashback_balance", adjust_internal_certificate),
    ("POST", CUSTOMER + "/email_lists", update_customer_email_lists),
    ("PUT", CUSTOMER + "/magic_link/{storefront_host_name}", get_magic_link),
    ("PUT", CUSTOMER + "/merge", merge_customer),
    ("GET", CUSTOMER + "/store_credit", get_customer_store_credit),
    ("POST", CUSTOMER + "/store_credit", add_customer_store_credit),
    ("GET", CUSTOMER + "/wishlist", get_customer_wish_list),
    ("POST", CUSTOMER + "/wishlist", insert_wish_list_item),
    ("DELETE", WISH_ITEM, delete_wish_list_item),
    ("GET", WISH_ITEM, get_customer_wish_list_item),
    ("PUT", WISH_ITEM, update_wish_list_item),
    ("GET", "/customer/editor_values", get_customer_editor_values),
    ("GET", "/customer/email_lists", get_customer_email_lists),
    ("POST", "/customer/search", search_customer_profile_values),
)


def _endpoint(handler: Handler, store: SandboxStore, api_key: str) -> Callable[[Request], Awaitable[Response]]:
    allow_browser_key = handler is search_customer_profile_values

    async def endpoint(request: Request) -> Response:
        refusal = _authorized(request, api_key, allow_browser_key)
        if refusal is not None:
            return error_response(401, refusal)
        try:
            return await handler(request, store)
        except ApiError as error:
            return error_response(error.status, error.message, error.developer_message)
        except Exception:
            # Never a traceback on the wire; the server log has it.
            import logging

            logging.getLogger("uc_mcp.sandbox").exception("sandbox error in %s", handler.__name__)
            return error_response(500, "An internal error occurred. Please try again later.")

    endpoint.__name__ = handler.__name__
    return endpoint


def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "No such API resource.", 405: "Method not allowed on this resource."}.get(status, "Request failed.")
    return error_response(status, message)


def create_app(store: SandboxStore, *, api_key: str = DEFAULT_API_KEY) -> Starlette:
    """The sandbox API as an ASGI app (without fault injection; see ``faults.py``)."""
    routes = [
        Route(BASE_PATH + path, _endpoint(handler, store, api_key), methods=[method])
        for method, path, handler in OPERATIONS
    ]
    app = Starlette(routes=routes, exception_handlers={404: _http_error, 405: _http_error})
    app.state.store = store
    return app
