"""The one exception the sandbox raises for an API error, and TWC's error bodies.

No TWC error body is documented (reference §7). The service runs on Spring Boot/JHipster behind a gateway, so the
sandbox answers JHipster's problem JSON: ``{"type", "title", "status", "detail", "path", "message"}`` with
``message`` = ``error.http.<status>`` (an unverified inference, the reference's recommended reading). The token
endpoint is Keycloak's and answers the standard OAuth error JSON ``{"error", "error_description"}``
(``tokens.py``).

A ``detail`` names the field and what was expected; it never repeats a value the client sent.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_TYPE = "https://www.jhipster.tech/problem/problem-with-message"
MAX_BODY_BYTES = 1024 * 1024  # assumed: TWC documents no limit; a customer is a few KB, an upload batch a few hundred


class ApiError(Exception):
    """An error answer of the customer service, in problem JSON."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def body(self, path: str) -> dict[str, Any]:
        return problem(self.status, self.detail, path)


def problem(status: int, detail: str, path: str) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "path": path,
        "message": f"error.http.{status}",
    }


def bad_request(detail: str) -> ApiError:
    return ApiError(400, detail)


def not_found(what: str) -> ApiError:
    """404 naming what was looked for by its kind (``customer id``, ``customerRef``), never its value."""
    return ApiError(404, f"No {what} matches in this tenant.")


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="twc"'})
