"""UltraCart's error envelope, as the shared client reads it (``core.http.ErrorEnvelope``).

From /work/shared/reference/ultracart-customer-api.md §3: every declared error status (400, 401, 410, 429, 500)
answers an ``ErrorResponse`` body, ``{"error": {"user_message", "developer_message", ...}, "metadata": ...}``,
**and** a ``UC-REST-ERROR`` header holding a human-readable message. The rate limiter answers 429 (a leaky
bucket per application and IP) before the request runs.
"""

from __future__ import annotations

from typing import Final

import httpx2

UC_REST_ERROR: Final = "UC-REST-ERROR"


class UltraCartEnvelope:
    """``user_message``, else ``developer_message``, else the ``UC-REST-ERROR`` header; 429 not applied;
    rate-limit and ``x-ultracart-*`` headers kept for the doctor."""

    not_applied_statuses: frozenset[int] = frozenset({429})

    def message(self, response: httpx2.Response) -> str | None:
        payload = _json_or_none(response)
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            error = payload["error"]
            for key in ("user_message", "developer_message"):
                text = error.get(key)
                if isinstance(text, str) and text.strip():
                    return text.strip()
        return response.headers.get(UC_REST_ERROR) or None

    def answered_by_api(self, response: httpx2.Response) -> bool:
        """Whether the answer comes from the API rather than from whatever else sits at the base URL.

        Assumption (UltraCart documents no 404, and nothing about unknown paths): the API answers every
        error with its error body — a JSON object with an ``error`` object — and a ``UC-REST-ERROR``
        header, so a 404 about a missing record carries one of them; a path the API does not have is
        answered by the web server in front of it, with a page or nothing. The API never redirects and
        never answers a page. So a 404 with neither, a redirect or a 2xx page means the base URL is wrong,
        not that a record is missing. A wrong path the API itself answers with its error body (as the
        sandbox does) still reads as "not found"; a gateway's page for a 5xx is still a server error.
        """
        status = response.status_code
        if 300 <= status < 400:
            return False
        if status < 300:
            return not response.headers.get("Content-Type", "").lower().startswith("text/html")
        if status != 404 or UC_REST_ERROR in response.headers:
            return True
        payload = _json_or_none(response)
        return isinstance(payload, dict) and isinstance(payload.get("error"), dict)

    def keeps_header(self, name: str) -> bool:
        return "rate" in name or name.startswith("x-ultracart") or name == "retry-after"


def _json_or_none(response: httpx2.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
