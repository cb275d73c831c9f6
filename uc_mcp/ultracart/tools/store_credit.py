"""Toolset ``store_credit``: balances and ledgers. Adding credit and adjusting cashback (the same balance) are
guarded tools (guarded.py)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...core.toolspec import ToolContext, ToolSpec
from ..views import STORE_CREDIT_FIGURES, store_credit_view
from .common import CustomerOid, ObjectResult, StrictInput, one_object


class StoreCreditInput(StrictInput):
    customer_profile_oid: CustomerOid


class StoreCreditResult(ObjectResult):
    store_credit: dict[str, Any] = Field(
        description=f"{STORE_CREDIT_FIGURES}; past_ledgers (action Credit, Used, Vested, Expired) and future_ledgers "
        "(scheduled: Vests, Expires), each with amount, entry_dts and description."
    )


async def get_customer_store_credit(request: StoreCreditInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_customer_store_credit(request.customer_profile_oid)
    credit = response.customer_store_credit
    return one_object(
        ctx,
        "store_credit",
        store_credit_view(credit.model_dump(mode="json", exclude_none=True)) if credit is not None else None,
        hint="raise UC_MCP_MAX_RESULT_TOKENS; the balances (available, vesting, expiring, lifetime_credited) are "
        "always kept",
    )


TOOLS = (
    ToolSpec(
        name="ultracart_get_customer_store_credit",
        title="Get a customer's store credit",
        description=(
            "A customer's store credit (UltraCart's internal gift certificate: the balance cashback adjusts too): "
            "available now, vesting later, expiring within 30 days, lifetime credited (not a balance), and the "
            "ledger of past and scheduled movements."
        ),
        toolset="store_credit",
        input_model=StoreCreditInput,
        output_model=StoreCreditResult,
        handler=get_customer_store_credit,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
