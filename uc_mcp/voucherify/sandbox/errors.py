"""The one exception the sandbox raises for an API error, and Voucherify's error bodies.

The normal envelope (reference §6): ``{code, key, message, details, request_id}`` plus ``resource_id`` and
``resource_type`` when an object is involved. Two endpoints-wide exceptions keep their own shapes: 413 from the
bulk endpoints (``{statusCode, error, message}``) and 429 (``{code, message}``).

A ``details`` text names the field and what was expected; it never repeats a value the client sent, except the
customer identifier of a 404, which Voucherify's documented examples echo (``Cannot find customer with id x``).
"""

from __future__ import annotations

from typing import Any

MAX_BODY_BYTES = 10 * 1024 * 1024  # the bulk endpoints' documented limit: 10485760 bytes

# The documented message of each key (Voucherify's own wording where the reference gives it).
MESSAGES = {
    "invalid_query_params": "Invalid query params",
    "invalid_payload": "Invalid payload",
    "missing_param": "Missing param",
    "not_found": "Resource not found",
    "unauthorized": "Unauthorized",
    "method_not_allowed": "Method not allowed",
    "unsupported_media_type": "Unsupported media type",
    "internal_error": "Internal error",
}


class ApiError(Exception):
    """An error answer in Voucherify's envelope."""

    def __init__(
        self,
        status: int,
        key: str,
        details: str,
        *,
        message: str | None = None,
        resource_id: str | None = None,
        resource_type: str | None = None,
    ) -> None:
        super().__init__(details)
        self.status = status
        self.key = key
        self.message = message or MESSAGES.get(key, key.replace("_", " ").capitalize())
        self.details = details
        self.resource_id = resource_id
        self.resource_type = resource_type

    def body(self, request_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.status,
            "key": self.key,
            "message": self.message,
            "details": self.details,
            "request_id": request_id,
        }
        if self.resource_id is not None:
            body["resource_id"] = self.resource_id
        if self.resource_type is not None:
            body["resource_type"] = self.resource_type
        return body


class PayloadTooLarge(Exception):
    """A bulk body over 10 MB: answered with the 413 shape the reference gives, not the envelope."""

    @staticmethod
    def body() -> dict[str, Any]:
        return {
            "statusCode": 413,
            "error": "Request Entity Too Large",
            "message": f"Payload content length greater than maximum allowed: {MAX_BODY_BYTES}",
        }


def bad_query(details: str) -> ApiError:
    return ApiError(400, "invalid_query_params", details)


def bad_payload(details: str) -> ApiError:
    return ApiError(400, "invalid_payload", details)


def customer_not_found(identifier: str) -> ApiError:
    return ApiError(
        404,
        "not_found",
        f"Cannot find customer with id {identifier}",
        resource_id=identifier,
        resource_type="customer",
    )


def async_action_not_found(identifier: str) -> ApiError:
    return ApiError(
        404,
        "not_found",
        f"Cannot find async_action with id {identifier}",
        resource_id=identifier,
        resource_type="async_action",
    )


def rate_limited_body() -> dict[str, Any]:
    """The 429 body the reference documents: only ``code`` and ``message``."""
    return {"code": 429, "message": "Too many requests hit the API too quickly."}
