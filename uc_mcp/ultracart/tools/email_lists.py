"""Toolset ``email_lists``: the store's email lists (subscription changes arrive with writes)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...core.toolspec import ToolContext, ToolSpec
from .common import ObjectResult, StrictInput, mark


class NoInput(StrictInput):
    pass


class EmailListsResult(ObjectResult):
    lists: list[dict[str, Any]] = Field(description="email_list_uuid, name, member_count, public_list.")


async def get_customer_email_lists(request: NoInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_customer_email_lists()
    keep = ("email_list_uuid", "name", "member_count", "public_list", "public_description")
    lists = [{k: v for k, v in item.model_dump(mode="json").items() if k in keep} for item in response.lists or []]
    return mark(ctx, {"lists": lists})


TOOLS = (
    ToolSpec(
        name="ultracart_get_customer_email_lists",
        title="List the store's email lists",
        description="The store's email lists with their uuids and member counts (to subscribe a customer, use the uuid).",
        toolset="email_lists",
        input_model=NoInput,
        output_model=EmailListsResult,
        handler=get_customer_email_lists,  # type: ignore[arg-type]
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)
