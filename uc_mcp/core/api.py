"""The base of every provider's API client: its operations on the shared HTTP core (``http.py``), which it closes.

One rule every provider's deleting operations share lives here: a DELETE (a merge, an erasure) may be retried by
the HTTP core, and a 404 after a retry means the first attempt did the work and its answer was lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from .errors import NotFound
from .http import HttpCore

T = TypeVar("T")


class ApiClient:
    def __init__(self, http: HttpCore) -> None:
        self.http = http

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _gone_ok_on_retry(self, send: Callable[[], Awaitable[T]]) -> T | None:
        """``send()``'s answer; None for a 404 after the HTTP core retried (the first attempt did it): a 404 on the
        first attempt is the caller's NotFound."""
        retries_before = self.http.stats.retries
        try:
            return await send()
        except NotFound:
            if self.http.stats.retries == retries_before:
                raise
            return None
