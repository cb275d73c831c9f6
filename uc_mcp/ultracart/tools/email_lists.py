"""Toolset ``email_lists``: the store's email lists, and subscribing a customer to them or not."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ...core.toolspec import ToolContext, ToolSpec
from .. import models as m
from .common import CustomerOid, ObjectResult, StrictInput, WriteInput, fitted_payload, mark


class NoInput(StrictInput):
    pass


class EmailListsResult(ObjectResult):
    lists: list[dict[str, Any]] = Field(description="email_list_uuid, name, member_count, public_list.")


ListId = Annotated[str, Field(min_length=1, max_length=100)]


class UpdateEmailListsInput(WriteInput):
    customer_profile_oid: CustomerOid
    add_to_lists: list[ListId] | None = Field(
        None, max_length=50, description="email_list_uuid values to subscribe the customer to."
    )
    remove_from_lists: list[ListId] | None = Field(
        None, max_length=50, description="email_list_uuid values to unsubscribe the customer from."
    )


class EmailListChangesResult(ObjectResult):
    customer_profile_oid: int
    add_to_lists: list[str] | None = Field(None, description="Lists the customer is now on (email_list_uuid).")
    remove_from_lists: list[str] | None = Field(None, description="Lists the customer is now off.")


# UltraCart reads a store's lists but not a customer's subscriptions, so a write cannot tell which of the
# named lists the customer was already on (or off): the result states where the customer is now and says
# so, rather than claiming a change it cannot see. (The lists' member counts would tell, but only by
# reading them before and after: two extra calls, and racy.)
NOT_KNOWN_BEFORE = (
    "The customer is now on add_to_lists and off remove_from_lists. UltraCart has no per-customer read of "
    "subscriptions, so whether they were already on (or off) any of these lists before cannot be told."
)


def _unique(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(values or []))


async def get_customer_email_lists(request: NoInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_customer_email_lists()
    keep = ("email_list_uuid", "name", "member_count", "public_list", "public_description")
    lists = [{k: v for k, v in item.model_dump(mode="json").items() if k in keep} for item in response.lists or []]
    return fitted_payload(ctx, {"lists": lists}, key="lists", hint="raise UC_MCP_MAX_RESULT_TOKENS")


async def update_customer_email_lists(request: UpdateEmailListsInput, ctx: ToolContext) -> dict[str, Any]:
    add, remove = _unique(request.add_to_lists), _unique(request.remove_from_lists)
    if not add and not remove:
        raise ValueError("nothing to change: give add_to_lists and/or remove_from_lists (email_list_uuid values).")
    if set(add) & set(remove):
        raise ValueError("a list is in both add_to_lists and remove_from_lists; keep it in one of them.")
    applied = await ctx.api.update_customer_email_lists(
        request.customer_profile_oid, m.CustomerEmailListChanges(add_to_lists=add, remove_from_lists=remove)
    )
    return mark(
        ctx,
        {
            "customer_profile_oid": request.customer_profile_oid,
            "add_to_lists": applied.add_to_lists,
            "remove_from_lists": applied.remove_from_lists,
            "notice": NOT_KNOWN_BEFORE,
        },
    )


TOOLS = (
    ToolSpec(
        name="ultracart_get_customer_email_lists",
        returns_customer_text=False,  # merchant-defined values only
        title="List the store's email lists",
        description="The store's email lists with their uuids and member counts (to subscribe a customer, use the uuid).",
        toolset="email_lists",
        input_model=NoInput,
        output_model=EmailListsResult,
        handler=get_customer_email_lists,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolSpec(
        name="ultracart_update_customer_email_lists",
        returns_customer_text=False,  # merchant-defined values only
        title="Subscribe or unsubscribe a customer",
        description=(
            "Add a customer to and/or remove them from the store's email lists, named by email_list_uuid (from "
            "ultracart_get_customer_email_lists). Lists not named are left alone; repeating a call changes "
            "nothing. Only do this on the customer's or the merchant's request. Returns the applied changes."
        ),
        toolset="email_lists",
        input_model=UpdateEmailListsInput,
        output_model=EmailListChangesResult,
        handler=update_customer_email_lists,
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
)
