"""Voucherify's error envelope, as the shared client reads it (``core.http.ErrorEnvelope``).

From /work/shared/reference/voucherify-customers-api.md §6: an error answers
``{"code", "key", "message", "details", "request_id", "resource_id", "resource_type", "error": {"message"}}``,
except the bulk endpoints' 413, ``{"statusCode", "error", "message"}``, and a 429 that may carry only
``{"code", "message"}``. Read defensively: whichever of them is there.

**Not applied versus outcome unknown** (what ``core/http.py`` does with a failed write):

- 429 is *not applied*: the rate limiter (or an exhausted plan) refuses the request before it is processed, and
  says when to come back (``Retry-After``); a write answered 429 is retried after that wait.
- 413 is *not applied*: a bulk body over 10 MB is refused before it is read. (Any 4xx already counts as a
  refusal in the shared client; 413 is listed to say so.)
- Every other 4xx (400 invalid payload or query, 401 key pair, 402 plan limit, 404 customer, 409 duplicate,
  423 locked) is a refusal: nothing was applied, never retried.
- A 5xx, a timeout or a connection reset after the request was sent may follow the work: for a write that is not
  idempotent (create without a source_id makes another customer each time; the CSV import, whose rows without a
  ``Source_id`` would be created twice) the outcome is then *unknown*, never retried, and the result says how to
  check. Writes that end in the same state however often they run are retried: update (PUT), delete, permanent
  deletion (a second one finds nothing: 404, read as done after a retry) and both bulk updates (an upsert by
  source_id; a metadata merge); when their retries run out after an attempt that may have arrived, the outcome is
  reported as unknown too.
- A 202 with an ``async_action_id`` means *queued*, not done: the change lands later (``get_async_action``).
"""

from __future__ import annotations

from typing import Final

import httpx2

_MESSAGE_KEYS: Final = ("message", "error")


class VoucherifyEnvelope:
    """``message: details`` of the envelope (or the 413/429 shapes' ``message``/``error``); 429 and 413 not
    applied; ``X-Rate-Limit-*`` and ``Retry-After`` kept for the doctor."""

    not_applied_statuses: frozenset[int] = frozenset({429, 413})

    def message(self, response: httpx2.Response) -> str | None:
        payload = _json_or_none(response)
        if not isinstance(payload, dict):
            text = response.text.strip()
            # A gateway's short text answer is still its words; a page is not.
            return " ".join(text.split()) if text and len(text) <= 300 and not _is_page(response) else None
        nested = payload.get("error")
        # A validation rule's own message is the most specific thing the API says (reference §6).
        custom = _text(nested.get("message")) if isinstance(nested, dict) else None
        words = next((said for key in _MESSAGE_KEYS if (said := _text(payload.get(key))) is not None), None)
        details = _text(payload.get("details"))
        parts = [part for part in (words, details, custom) if part]
        # "Resource not found: Cannot find customer with id cust_x"; a part already said by another is not repeated.
        unique = [part for index, part in enumerate(parts) if all(part not in other for other in parts[:index])]
        return ": ".join(unique) or None

    def answered_by_api(self, response: httpx2.Response) -> bool:
        """Every answer of the API is JSON, its errors included (a 404 about a customer is the envelope with
        ``key: not_found``). A 404 without a JSON body comes from whatever else sits at the base URL (a wrong
        path or host); a redirect or a 2xx web page never comes from the API."""
        status = response.status_code
        if 300 <= status < 400:
            return False
        if status < 300:
            return not _is_page(response)
        return status != 404 or isinstance(_json_or_none(response), dict)

    def keeps_header(self, name: str) -> bool:
        return name.startswith("x-rate-limit") or name == "retry-after"


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _is_page(response: httpx2.Response) -> bool:
    return response.headers.get("Content-Type", "").lower().startswith("text/html")


def _json_or_none(response: httpx2.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
