"""Toolset ``store_credit``: balances and ledgers (adding credit arrives with confirmation)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...core.toolspec import ToolContext, ToolSpec
from .common import CustomerOid, ObjectResult, StrictInput, one_object


class StoreCreditInput(StrictInput):
    customer_profile_oid: CustomerOid


class StoreCreditResult(ObjectResult):
    store_credit: dict[str, Any] = Field(
        description="available (usable now), vesting (not yet usable), expiring (within 30 days), total "
        "(lifetime), past_ledgers and future_ledgers (action, amount, entry_dts, description)."
    )


async def get_customer_store_credit(request: StoreCreditInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_customer_store_credit(request.customer_profile_oid)
    return one_object(
        ctx,
        "store_credit",
        response.customer_store_credit,
        hint="raise UC_MCP_MAX_RESULT_TOKENS; the balances (available, vesting, expiring, total) are always kept",
    )


TOOLS = (
    ToolSpec(
        name="ultracart_get_customer_store_credit",
        title="Get a customer's store credit",
        description=(
            "A customer's store credit: available now, still vesting, expiring within 30 days, lifetime total, "
            "and the ledger of past and scheduled movements."
        ),
        toolset="store_credit",
        input_model=StoreCreditInput,
        output_model=StoreCreditResult,
        handler=get_customer_store_credit,  # type: ignore[arg-type]
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
