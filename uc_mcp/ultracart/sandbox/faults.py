"""UltraCart's part of the sandbox's fault injection (core/sandbox/faults.py): the error envelope of an injected
status — ``{"success": false, "error": {...}}`` with a ``UC-REST-ERROR`` header, as UltraCart answers — and its
read-only POSTs (queries), which are not writes."""

from __future__ import annotations

import json
from typing import Any

from ...core.sandbox.faults import DEFAULT_KINDS as DEFAULT_KINDS
from ...core.sandbox.faults import WRITE_METHODS, FaultMiddleware
from ...core.sandbox.faults import Fault as Fault
from ...core.sandbox.faults import FaultConfig as FaultConfig
from ...core.sandbox.faults import FaultKind as FaultKind

# Read-only POSTs: their body is a query, nothing is written.
READ_POST_SUFFIXES = ("/customer/customers/query", "/customer/customers/dataTables", "/customer/search")


def is_write(method: str, path: str) -> bool:
    return method in WRITE_METHODS and not path.endswith(READ_POST_SUFFIXES)


def error_body(status: int, message: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = json.dumps(
        {
            "success": False,
            "error": {"developer_message": message, "user_message": message, "error_code": str(status)},
            "metadata": {},
        }
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"uc-rest-error", message.encode("latin-1", "replace")),
        (b"x-uc-sandbox", b"1"),
    ]
    return body, headers


def ultracart_faults(app: Any, config: FaultConfig) -> FaultMiddleware:
    """The fault middleware in front of UltraCart's sandbox app."""
    return FaultMiddleware(app, config, error_body=error_body, writes=is_write)
