"""What every guarded Voucherify tool shares (``guarded.py``, ``bulk.py``): the confirm token argument, the one
result shape of a guarded call, its table entry, and the budget its preview is fitted to.

A guarded spec runs through its ``Guard`` (``core/confirm.py``): the preview reads the target as it is now and
asks a deterministic question naming everything it resolved (its binding); the action runs on the binding the
person approved. Nothing here runs without a yes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final

from pydantic import Field

from ...core.budget import MIN_MAX_TOKENS, fit_object
from ...core.confirm import Guard
from ...core.toolspec import Hints, ToolContext, ToolSpec
from ...ui import CONFIRM_VIEW
from .common import ObjectResult, WriteInput, changes_field

Token = Annotated[
    str, Field(max_length=128, description="The confirm token from the preview, after the user said yes.")
]

CONFIRMATION_NOTE: Final = (
    " Needs the user's explicit confirmation: the host asks them, or the result is a preview with a confirm token "
    "to use only after they say yes."
)


class GuardedResult(ObjectResult):
    status: str = Field(description="executed | confirmation_required | declined")
    question: str | None = None
    preview: dict[str, Any] | None = Field(None, description="The target as it is now and the exact change.")
    confirm: str | None = Field(
        None, description="Single-use token: call again with confirm=<it> after the user's yes."
    )
    instructions: str | None = None
    changes: dict[str, Any] | None = changes_field()


def fitted(ctx: ToolContext, body: Mapping[str, Any], keep: Sequence[str], hint: str) -> dict[str, Any]:
    """``body`` within half the result budget: the rest is for the question, the instructions and the token."""
    limit = max(MIN_MAX_TOKENS, ctx.max_tokens // 2)
    return dict(fit_object(body, max_tokens=limit, id_fields=keep, detail_hint=hint))


async def _only_through_the_guard(request: Any, ctx: ToolContext) -> dict[str, Any]:
    # A guarded spec runs through its Guard (core/toolspec.py), which executes on the binding the person
    # approved; there is no path that executes without one.
    raise RuntimeError("a guarded tool runs only through its confirmation")


def guarded_spec(
    name: str,
    title: str,
    toolset: str,
    description: str,
    model: type[WriteInput],
    guard: Guard,
    *,
    idempotent: bool,
) -> ToolSpec:
    """A guarded, destructive tool: its result is a ``GuardedResult``, its preview the confirmation card."""
    flags: Hints = {"read_only": False, "destructive": True, "idempotent": idempotent, "toolset": toolset}
    return ToolSpec(
        name=name,
        title=title,
        description=description + CONFIRMATION_NOTE,
        input_model=model,
        output_model=GuardedResult,
        handler=_only_through_the_guard,
        guard=guard,
        view=CONFIRM_VIEW,
        **flags,
    )
