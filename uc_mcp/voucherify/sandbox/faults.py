"""Voucherify's part of the sandbox's fault injection (core/sandbox/faults.py): the body and headers of an injected
status, as Voucherify answers them.

A 429 carries only ``{code, message}`` (reference §4.11, §6) and the rate-limit headers: ``X-Rate-Limit-Limit``,
``X-Rate-Limit-Remaining`` (0), ``X-Rate-Limit-Retry`` (unix seconds), ``Retry-After`` (seconds) and
``X-Rate-Limit-Type`` (``api_calls``). Any other injected status uses the normal envelope. Every POST, PUT and
DELETE of these operations writes (the core default).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from ...core.sandbox.faults import DEFAULT_KINDS as DEFAULT_KINDS
from ...core.sandbox.faults import FaultConfig as FaultConfig
from ...core.sandbox.faults import FaultKind as FaultKind
from ...core.sandbox.faults import FaultMiddleware
from .errors import rate_limited_body

# The limit reported in X-Rate-Limit-Limit when the configured pace gives none: Voucherify's published Business
# plan allowance of 100 calls a minute (reference §6).
DEFAULT_LIMIT_PER_MINUTE = 100
_KEYS = {500: "internal_error", 503: "service_unavailable", 504: "gateway_timeout"}


def _rate_headers(config: FaultConfig) -> list[tuple[bytes, bytes]]:
    wait = max(1, math.ceil(1 / config.rate_limit)) if config.rate_limit > 0 else 1
    per_minute = round(config.rate_limit * 60) if config.rate_limit > 0 else DEFAULT_LIMIT_PER_MINUTE
    return [
        (b"x-rate-limit-limit", str(per_minute).encode()),
        (b"x-rate-limit-remaining", b"0"),
        (b"x-rate-limit-retry", str(int(time.time()) + wait).encode()),
        (b"retry-after", str(wait).encode()),
        (b"x-rate-limit-type", b"api_calls"),
    ]


def error_body_for(config: FaultConfig) -> Any:
    def error_body(status: int, message: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        extra: list[tuple[bytes, bytes]] = []
        if status == 429:
            payload: dict[str, Any] = rate_limited_body()
            extra = _rate_headers(config)
        else:
            payload = {
                "code": status,
                "key": _KEYS.get(status, "error"),
                "message": message,
                "details": "Injected by the sandbox's fault layer.",
                "request_id": "v-fault",
            }
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-uc-sandbox", b"1"),
            *extra,
        ]
        return body, headers

    return error_body


def voucherify_faults(app: Any, config: FaultConfig) -> FaultMiddleware:
    """The fault middleware in front of Voucherify's sandbox app."""
    return FaultMiddleware(app, config, error_body=error_body_for(config))
