"""TWC's error envelope, as the shared client reads it (``core.http.ErrorEnvelope``).

No error body is documented (reference §7). The customer service is Spring Boot/JHipster behind a Zuul gateway,
so its errors are most likely problem JSON, ``{"type", "title", "status", "detail", "path", "message"}``, where
``detail`` is the specific words, ``title`` the status phrase and ``message`` a code (``error.http.400``); the
gateway may answer a short text or a bare status. Read defensively: ``detail``, else ``title``, else ``message``,
else ``error``/``error_description`` (an OAuth-style answer), else a short plain body. The token endpoint's
Keycloak errors are read by ``core/auth.py``, not here.

**Not applied versus outcome unknown** (what ``core/http.py`` does with a failed write):

- 429 is *not applied*. Assumption (TWC documents no rate limit): a limit at the gateway refuses a request before
  forwarding it, so a write answered 429 is retried after the wait.
- Every other 4xx is a refusal, nothing applied, never retried: 400 (a validation failure, a duplicate email or
  customerRef on create: TWC answers 400, never 409), 401 (the bearer token: renewed once by the auth, then the
  401 stands), 403 (the tenant), 404 (an unknown id, ref or address), 405.
- A 5xx is *not* provably before the work: the gateway's 502/503 and its short-circuit 500 may follow a service
  that did the work and whose answer was lost. So a write that is not idempotent (create, add address, upload,
  validate is harmless) answered 5xx, timed out or reset after sending has an *unknown* outcome, never retried,
  and the result says how to check. Idempotent writes (the three updates, the deletes) are retried; when their
  retries run out after an attempt that may have arrived, the outcome is reported as unknown too.
- A token that cannot be had (the token endpoint refused the client or was unreachable) means the API call was
  never sent: *not applied*, whatever the method (``core/auth.py``: ``AuthenticationFailed``).
- Upload answers 200 (seed) or 202 Accepted with no body (2024 doc): accepted, applied by TWC later (fire and
  forget; reference §5).
"""

from __future__ import annotations

from typing import Final

import httpx2

_MESSAGE_KEYS: Final = ("detail", "title", "message", "error_description", "error")


class TwcEnvelope:
    """The most specific words of a problem JSON (or a short text); 429 not applied; rate-limit headers kept for
    the doctor."""

    not_applied_statuses: frozenset[int] = frozenset({429})

    def message(self, response: httpx2.Response) -> str | None:
        payload = _json_or_none(response)
        if isinstance(payload, dict):
            return next((said for key in _MESSAGE_KEYS if (said := _text(payload.get(key))) is not None), None)
        text = response.text.strip()
        # A gateway's short text answer is still its words; a page is not.
        return " ".join(text.split()) if text and len(text) <= 300 and not _is_page(response) else None

    def answered_by_api(self, response: httpx2.Response) -> bool:
        """The service answers its 404s (an unknown customer, address or route) with a JSON body; a 404 without one
        is the gateway's "no such service": the base URL (or its ``/services/customerservice`` prefix) is wrong.
        A redirect or a 2xx web page never comes from the API."""
        status = response.status_code
        if 300 <= status < 400:
            return False
        if status < 300:
            return not _is_page(response)
        return status != 404 or isinstance(_json_or_none(response), dict)

    def keeps_header(self, name: str) -> bool:
        return "ratelimit" in name.replace("-", "") or name == "retry-after"


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _is_page(response: httpx2.Response) -> bool:
    return response.headers.get("Content-Type", "").lower().startswith("text/html")


def _json_or_none(response: httpx2.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
