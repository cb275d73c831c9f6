"""What every guarded Voucherify tool shares (``guarded.py``, ``bulk.py``): the result of a guarded call with
Voucherify's ``changes``, its table entry, and the budget its preview is fitted to. What every provider's guarded
tools share (the confirm token, the rest of the result, the entry itself) is core/guarded.py's.

A guarded spec runs through its ``Guard`` (``core/confirm.py``): the preview reads the target as it is now and
asks a deterministic question naming everything it resolved (its binding); the action runs on the binding the
person approved. Nothing here runs without a yes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from ...core.budget import MIN_MAX_TOKENS, fit_object
from ...core.guarded import GuardedResult as GuardedBase
from ...core.guarded import Token as Token
from ...core.guarded import guarded_spec as any_guarded_spec
from ...core.toolspec import ToolContext
from ...ui import CONFIRM_VIEW
from .common import changes_field


class GuardedResult(GuardedBase):
    changes: dict[str, Any] | None = changes_field()


def fitted(ctx: ToolContext, body: Mapping[str, Any], keep: Sequence[str], hint: str) -> dict[str, Any]:
    """``body`` within half the result budget: the rest is for the question, the instructions and the token."""
    limit = max(MIN_MAX_TOKENS, ctx.max_tokens // 2)
    return dict(fit_object(body, max_tokens=limit, id_fields=keep, detail_hint=hint))


# A guarded, destructive tool: its result is a ``GuardedResult``, its preview the confirmation card.
guarded_spec = partial(any_guarded_spec, output_model=GuardedResult, view=CONFIRM_VIEW)
