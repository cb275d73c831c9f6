"""The confirmation card's Cancel (MCP Apps, app-only): ``<provider>_decline_confirmation``, one per provider with
guarded tools, built from its tool table (the tools it can decline are exactly the table's guarded ones).

Cancel withdraws the preview's confirm token (the model can no longer use it) and records ``declined`` (``via:
apps``) — only for a preview this server issued for exactly that tool, tenant and arguments, and still open: the
cancel key is bound to them like the token (``core/confirm_token.py``), and a used or expired one records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, ValidationError, create_model

from .apps import DECLINE_SUFFIX
from .confirm_token import InvalidToken
from .results import ObjectResult, StrictInput, mark
from .toolspec import ToolContext, ToolSpec


class DeclineResult(ObjectResult):
    status: str = Field(description="declined | closed (the preview was no longer open: nothing recorded)")
    # Not "token": a key of that name is a secret to the outbound filter (core/redact.py) and is dropped.
    confirmation: str = Field(description="withdrawn | already used | expired: what became of the preview's token.")


def decline_tool(provider: str, guarded: Sequence[ToolSpec], view: str) -> ToolSpec:
    """The app-only Cancel of ``provider``'s ``guarded`` tools, rendered by the confirmation card ``view``."""
    by_name = {spec.name: spec for spec in guarded if spec.guarded}
    names = tuple(by_name)
    guarded_name: Any = Literal[names]  # the table's guarded tools, exactly
    input_model: Any = create_model(
        f"{provider.title()}DeclineInput",
        __base__=StrictInput,
        tool=(guarded_name, Field(description="The guarded tool whose preview the person cancelled.")),
        arguments=(dict[str, Any], Field(max_length=20, description="The preview's arguments.")),
        cancel=(
            str,
            Field(
                min_length=20, max_length=128, pattern=r"^c2\.", description="The preview's cancel key (not its token)."
            ),
        ),
    )

    async def decline_confirmation(request: Any, ctx: ToolContext) -> dict[str, Any]:
        spec = by_name[request.tool]
        try:
            target = spec.input_model.model_validate(
                {key: value for key, value in request.arguments.items() if value is not None and key != "confirm"}
            )
        except ValidationError:
            raise ValueError(
                f"arguments: not the arguments of a {request.tool} preview; nothing was recorded."
            ) from None
        assert ctx.confirmations is not None
        arguments = target.model_dump(mode="json", exclude={"confirm"}, exclude_none=True)
        try:
            outcome = ctx.confirmations.tokens.withdraw(request.cancel, request.tool, arguments, ctx.tenant)
        except InvalidToken:
            raise ValueError(
                "cancel: not the cancel key of a preview this server issued for this tool and these arguments; "
                "nothing was recorded."
            ) from None
        if outcome != "withdrawn":
            notice = {
                "used": "The confirmation had already been used: the action may have been performed. Check before "
                "retrying.",
                "expired": "Nothing to cancel: the confirmation had expired, and nothing was done with it.",
            }[outcome]
            confirmation = "already used" if outcome == "used" else "expired"
            return mark(ctx, {"status": "closed", "confirmation": confirmation, "notice": notice})
        warning = ctx.auditor(request.tool, arguments).try_record("declined", via="apps", outcome="token withdrawn")
        result: dict[str, Any] = {
            "status": "declined",
            "confirmation": "withdrawn",
            "notice": "Cancelled: nothing was done, and the confirmation can no longer be used.",
        }
        if warning:
            result["warning"] = warning
        return mark(ctx, result)

    return ToolSpec(
        name=provider + DECLINE_SUFFIX,
        title="Cancel a confirmation",
        description=(
            "Called by the confirmation card when the person presses Cancel: withdraws the preview's confirm "
            "token and records the decline in the audit log. Changes nothing in the store."
        ),
        toolset="apps",
        input_model=input_model,
        output_model=DeclineResult,
        handler=decline_confirmation,
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=False,
        returns_customer_text=False,
        view=view,
        app_only=True,
    )
