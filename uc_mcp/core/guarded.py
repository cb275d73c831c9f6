"""What every provider's guarded tools share: the confirm token argument, the one result shape of a guarded call,
and its table entry.

A guarded spec runs through its ``Guard`` (``confirm.py``; ``toolspec.py`` builds the tool): the preview reads the
target as it is now and asks a deterministic question naming everything it resolved (its binding); the action runs
on the binding the person approved. There is no path that executes without a yes: the spec's handler refuses.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import BaseModel, Field

from .confirm import Guard
from .results import ObjectResult
from .toolspec import ToolContext, ToolSpec

Token = Annotated[
    str, Field(max_length=128, description="The confirm token from the preview, after the user said yes.")
]

CONFIRMATION_NOTE: Final = (
    " Needs the user's explicit confirmation: the host asks them, or the result is a preview with a confirm token "
    "to use only after they say yes."
)


# The result of a guarded call; a provider's subclass adds its ``changes``, described in its own words. (No
# docstring: it would become the published output schema's description.)
class GuardedResult(ObjectResult):
    status: str = Field(description="executed | confirmation_required | declined")
    question: str | None = None
    preview: dict[str, Any] | None = Field(None, description="The target as it is now and the exact change.")
    confirm: str | None = Field(
        None, description="Single-use token: call again with confirm=<it> after the user's yes."
    )
    instructions: str | None = None


async def _only_through_the_guard(request: Any, ctx: ToolContext) -> dict[str, Any]:
    # A guarded spec runs through its Guard (core/toolspec.py), which executes on the binding the person
    # approved; there is no path that executes without one.
    raise RuntimeError("a guarded tool runs only through its confirmation")


def guarded_spec(
    name: str,
    title: str,
    toolset: str,
    description: str,
    model: type[BaseModel],
    guard: Guard,
    *,
    output_model: type[GuardedResult],
    view: str | None,
    idempotent: bool = False,
) -> ToolSpec:
    """A guarded, destructive tool: its result is ``output_model``, its preview the confirmation card ``view``
    (None: no card, as for a cross-provider tool, which no single provider's Cancel serves)."""
    return ToolSpec(
        name=name,
        title=title,
        description=description + CONFIRMATION_NOTE,
        input_model=model,
        output_model=output_model,
        handler=_only_through_the_guard,
        guard=guard,
        view=view,
        toolset=toolset,
        read_only=False,
        destructive=True,
        idempotent=idempotent,
    )
