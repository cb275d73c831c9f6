"""The one exception the sandbox raises for an API error, rendered by the app as UltraCart does."""

from __future__ import annotations


class ApiError(Exception):
    """An error answer: HTTP status, a message for people and one for developers."""

    def __init__(self, status: int, message: str, *, developer_message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.developer_message = developer_message or message


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)
