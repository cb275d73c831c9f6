"""Toolset ``wishlist``: a customer's wishlist — read, add and change items (deleting one is a guarded tool,
guarded.py)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ...core.changes import collection_changes, record_changes
from ...core.toolspec import Hints, ToolContext, ToolSpec
from .. import models as m
from .common import (
    CustomerOid,
    ItemOid,
    ObjectResult,
    StrictInput,
    WriteInput,
    changed_object,
    changes_field,
    fitted_payload,
    one_object,
)


class WishListInput(StrictInput):
    customer_profile_oid: CustomerOid


class WishListItemInput(StrictInput):
    customer_profile_oid: CustomerOid
    customer_wishlist_item_oid: ItemOid


class WishListResult(ObjectResult):
    items: list[dict[str, Any]] = Field(description="Wishlist items (merchant_item_oid, priority, position, comments).")
    returned: int


class WishListItemResult(ObjectResult):
    item: dict[str, Any]


class WishListItemWriteResult(WishListItemResult):
    changes: dict[str, Any] | None = changes_field()


MerchantItemOid = Annotated[
    int,
    Field(ge=1, le=2_147_483_647, description="The store item's merchant_item_oid (an integer id, not its SKU)."),
]
Priority = Annotated[int, Field(ge=1, le=5, description="1 (lowest) to 5 (highest).")]
Comments = Annotated[str, Field(max_length=1024, description="Note on the item.")]
Position = Annotated[int, Field(ge=1, le=100_000, description="Place in the list, 1 = first.")]


class InsertWishListItemInput(WriteInput):
    customer_profile_oid: CustomerOid
    merchant_item_oid: MerchantItemOid
    priority: Priority | None = None
    comments: Comments | None = None
    position: Position | None = Field(None, description="Place in the list, 1 = first; default: the end.")


class UpdateWishListItemInput(WriteInput):
    customer_profile_oid: CustomerOid
    customer_wishlist_item_oid: ItemOid
    merchant_item_oid: MerchantItemOid | None = Field(None, description="Replace the item by this merchant_item_oid.")
    priority: Priority | None = None
    comments: Comments | None = Field(None, description='Replaces the note; "" clears it.')
    position: Position | None = None


ITEM_FIELDS = ("merchant_item_oid", "priority", "comments", "position")
ITEM_HINT = "read the item with ultracart_get_customer_wish_list_item"


async def get_customer_wish_list(request: WishListInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_customer_wish_list(request.customer_profile_oid)
    items = [item.model_dump(mode="json", exclude_none=True) for item in response.wishlist_items or []]
    result = fitted_payload(
        ctx, {"items": items}, key="items", hint="read single items with ultracart_get_customer_wish_list_item"
    )
    result["returned"] = len(result.get("items", []))
    return result


async def get_customer_wish_list_item(request: WishListItemInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_customer_wish_list_item(
        request.customer_profile_oid, request.customer_wishlist_item_oid
    )
    return one_object(ctx, "item", response.wishlist_item, hint="raise UC_MCP_MAX_RESULT_TOKENS")


async def insert_wish_list_item(request: InsertWishListItemInput, ctx: ToolContext) -> dict[str, Any]:
    item = m.CustomerWishListItem.model_validate(request.model_dump(include=set(ITEM_FIELDS), exclude_none=True))
    created = await ctx.api.insert_wish_list_item(request.customer_profile_oid, item)
    # No extra API call: the insert answers with the new item and its oid.
    new_oid = created.customer_wishlist_item_oid
    changes = collection_changes(added={"wishlist": [new_oid] if new_oid is not None else []})
    return changed_object(ctx, "item", created, changes, hint=ITEM_HINT)


async def update_wish_list_item(request: UpdateWishListItemInput, ctx: ToolContext) -> dict[str, Any]:
    given = request.model_dump(include=set(ITEM_FIELDS), exclude_unset=True)
    if not given:
        raise ValueError("nothing to change: give merchant_item_oid, priority, comments or position.")
    oid, item_oid = request.customer_profile_oid, request.customer_wishlist_item_oid
    current = (await ctx.api.get_customer_wish_list_item(oid, item_oid)).wishlist_item or m.CustomerWishListItem()
    if all(getattr(current, name) == value for name, value in given.items()):
        result = one_object(ctx, "item", current)
        nothing = "Nothing to change: the item already has these values; nothing was written."
        result["notice"] = f"{nothing} {result['notice']}" if result.get("notice") else nothing
        return result
    # The whole item is sent, so fields not given keep their values whether the API's PUT
    # replaces the item or merges into it.
    kept = current.model_dump(include=set(ITEM_FIELDS), exclude_none=True)
    updated = await ctx.api.update_wish_list_item(
        oid, item_oid, m.CustomerWishListItem.model_validate({**kept, **given})
    )
    # No extra API call: the read above and the update's answer are the item before and after.
    changes = record_changes(_dump(current), _dump(updated))
    return changed_object(ctx, "item", updated, changes, hint=ITEM_HINT)


def _dump(item: m.CustomerWishListItem) -> dict[str, Any]:
    return item.model_dump(mode="json", exclude_none=True)


READ: Hints = {"read_only": True, "destructive": False, "idempotent": True, "toolset": "wishlist"}
TOOLS = (
    ToolSpec(
        name="ultracart_get_customer_wish_list",
        title="Get a customer's wishlist",
        description="All items on a customer's wishlist.",
        input_model=WishListInput,
        output_model=WishListResult,
        handler=get_customer_wish_list,
        **READ,
    ),
    ToolSpec(
        name="ultracart_get_customer_wish_list_item",
        title="Get one wishlist item",
        description="One wishlist item of a customer by its customer_wishlist_item_oid.",
        input_model=WishListItemInput,
        output_model=WishListItemResult,
        handler=get_customer_wish_list_item,
        **READ,
    ),
    ToolSpec(
        name="ultracart_insert_wish_list_item",
        title="Add a wishlist item",
        description=(
            "Add a store item (merchant_item_oid) to a customer's wishlist, with optional priority, comments and "
            "position. Not idempotent: each call adds an item; if the outcome is unknown, list the wishlist "
            "before trying again. To change an item already there, use ultracart_update_wish_list_item. Returns "
            "the new item with its customer_wishlist_item_oid."
        ),
        toolset="wishlist",
        input_model=InsertWishListItemInput,
        output_model=WishListItemWriteResult,
        handler=insert_wish_list_item,
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolSpec(
        name="ultracart_update_wish_list_item",
        title="Change a wishlist item",
        description=(
            "Change the priority, comments, position or item of one wishlist item; fields not given keep their "
            "values. Returns the item as stored and changes (each changed field before and after)."
        ),
        toolset="wishlist",
        input_model=UpdateWishListItemInput,
        output_model=WishListItemWriteResult,
        handler=update_wish_list_item,
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
)
