"""Toolset ``bulk``: check a customer payload before an import or a create (``POST /customers/validate``, which
changes nothing). The deprecated upload of many customers at once is guarded (``guarded.py``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...core.errors import BadRequest
from ...core.toolspec import ToolContext, ToolSpec
from .common import ObjectResult, mark
from .fields import NewCustomer, create_body


class ValidationResult(ObjectResult):
    valid: bool = Field(description="Whether TWC would accept this customer.")
    problem: str | None = Field(None, description="TWC's reason when it would not.")


async def validate_customer(request: NewCustomer, ctx: ToolContext) -> dict[str, Any]:
    """TWC answers 200 for a payload it accepts and 400 with its reason otherwise; that refusal is this tool's
    answer, not its failure. It checks the payload alone: a taken email or customerRef is found by create."""
    try:
        await ctx.api.validate_customer_request(create_body(request))
    except BadRequest as refused:
        return mark(ctx, {"valid": False, "problem": refused.detail})
    return mark(ctx, {"valid": True})


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="twc_validate_customer",
        title="Validate a TWC customer payload",
        description=(
            "Ask TWC whether it would accept this customer (the fields of twc_create_customer), without creating "
            "anything: valid, or TWC's reason. It checks the payload only, not whether the email or customerRef is "
            "taken."
        ),
        toolset="bulk",
        input_model=NewCustomer,
        output_model=ValidationResult,
        handler=validate_customer,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
