"""The API-call budget of one assist-tool call (``max_calls``), for every provider.

Real commerce APIs pace their callers (UltraCart allows about 1,000 requests an hour): every tool that combines
several API calls spends them through one :class:`CallBudget`, stops with a partial answer when it is spent, and
says how it got its answer from the budget's ``log``. A call counts once however many times the HTTP client
retried it (retries are the client's policy, ``core/http.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["BudgetSpent", "CallBudget"]

T = TypeVar("T")


class BudgetSpent(Exception):
    """The tool's ``max_calls`` is used up; the caller returns what it has."""


@dataclass(slots=True)
class CallBudget:
    """Counts the API calls of one tool call and refuses the one past ``limit``."""

    limit: int
    used: int = 0
    log: list[str] = field(default_factory=list)  # what each call was, for "how it was computed"

    @property
    def left(self) -> int:
        return self.limit - self.used

    async def call(self, label: str, make: Callable[[], Awaitable[T]]) -> T:
        if self.used >= self.limit:
            raise BudgetSpent(label)
        self.used += 1
        self.log.append(label)
        return await make()
