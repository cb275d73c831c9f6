"""TWC's part of the sandbox's fault injection (core/sandbox/faults.py): an injected status answers in the
service's problem JSON (``errors.py``). Every POST, PUT and DELETE writes (the core default); the token endpoint's
POST is one too, harmlessly (a token issued and lost is a token asked for again).
"""

from __future__ import annotations

import json
from typing import Any

from ...core.sandbox.faults import FaultConfig, FaultMiddleware
from .errors import problem


def error_body(status: int, message: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = json.dumps(problem(status, message, "/"), separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-uc-sandbox", b"1"),
    ]
    if status == 429:
        headers.append((b"retry-after", b"1"))
    return body, headers


def twc_faults(app: Any, config: FaultConfig) -> FaultMiddleware:
    """The fault middleware in front of TWC's sandbox app."""
    return FaultMiddleware(app, config, error_body=error_body)
