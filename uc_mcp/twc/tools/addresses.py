"""Toolset ``addresses``: add an address to a TWC customer (``POST /customers/{id}/address``, answering the whole
customer). Deleting one is guarded (``guarded.py``). Both endpoints are deprecated by the 2024 doc (the updates can
send ``addresses``), yet they are the only way to change one address without resending every other: kept.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field

from ...core.toolspec import ToolContext, ToolSpec
from .. import models as m
from .common import (
    CustomerLookup,
    ObjectResult,
    WriteInput,
    changed_object,
    changes_field,
    customer_changes,
    customer_id_of,
    read_customer,
)
from .fields import AddressInput, address_body

WRITTEN_HINT: Final = "get the customer with twc_get_customer"


class AddAddressInput(CustomerLookup, WriteInput):
    address: AddressInput = Field(description="The address; defaultAddress true makes it the default one.")


class AddressAddedResult(ObjectResult):
    customer: dict[str, Any] = Field(description="The customer as stored after the write, with every address.")
    address_id: str | None = Field(None, description="The new address's id (TWC assigns it).")
    changes: dict[str, Any] | None = changes_field()


async def add_customer_address(request: AddAddressInput, ctx: ToolContext) -> dict[str, Any]:
    """The customer is read first (by id or customerRef): the endpoint takes TWC's id, and the addresses before
    tell which one is new. Not idempotent: when the outcome is unknown, the customer's addresses say whether it
    was added."""
    if not request.address.model_fields_set:
        raise ValueError('address: give its fields, e.g. {"address1": "1 Wish St", "city": "Sydney"}.')
    before = await read_customer(ctx, request.match_by, request.customer)
    customer_id = customer_id_of(before, request.match_by, request.customer)
    written = m.record(await ctx.api.add_customer_address(customer_id, address_body(request.address)))
    changes = customer_changes(before, written)
    added = changes.get("added", {}).get("addresses", [])
    extra = {"address_id": added[0]} if len(added) == 1 else {}
    return changed_object(ctx, written, changes, hint=WRITTEN_HINT, extra=extra)


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="twc_add_customer_address",
        title="Add an address to a TWC customer",
        description=(
            "Add one address to a TWC customer (by id or customerRef, as match_by says). Fields are TWC's: "
            "address1, address2, city, province and provinceCode (state), postcode, country and countryCode. "
            "Returns the customer with every address, the new address_id and what changed. Not idempotent: if the "
            "outcome is unknown, get the customer before adding again."
        ),
        toolset="addresses",
        input_model=AddAddressInput,
        output_model=AddressAddedResult,
        handler=add_customer_address,
        read_only=False,
        destructive=False,  # adds; the default flag may move to it, which the user asked for
        idempotent=False,
    ),
)
