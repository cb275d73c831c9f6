"""Toolset ``admin``: editor values, DataTables and profile-value search (the magic link is a guarded tool,
guarded.py)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...core.paging import Page
from ...core.toolspec import Hints, ToolContext, ToolSpec
from .. import models as m
from .common import ListResult, ObjectResult, PageInput, StrictInput, customer_list, fitted_payload, mark, one_object
from .email_lists import NoInput


class EditorValuesResult(ObjectResult):
    editor_values: dict[str, Any] = Field(description="Allowed values for customer fields (countries, terms, ...).")


class LookupInput(StrictInput):
    matches: str = Field(min_length=1, max_length=100, description="Text the tag values should contain.")
    max_hits: int = Field(10, ge=1, le=100)


class LookupResult(ObjectResult):
    # Optional: an empty list is left out of a result (core/budget.py), and a required key would fail
    # the host's outputSchema check when nothing matches.
    values: list[dict[str, Any]] | None = Field(None, description="Matching tag values; absent when none match.")


class DataTablesInput(StrictInput):
    pass


async def get_customer_editor_values(request: NoInput, ctx: ToolContext) -> dict[str, Any]:
    values = await ctx.api.get_customer_editor_values()
    return one_object(ctx, "editor_values", values, hint="raise UC_MCP_MAX_RESULT_TOKENS")


async def search_customer_profile_values(request: LookupInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.search_customer_profile_values(
        m.LookupRequest(matches=request.matches, max_hits=request.max_hits)
    )
    values = [v.model_dump(mode="json", exclude_none=True) for v in response.values or []]
    if not values:
        return mark(ctx, {"notice": "No tag value in use contains that text."})
    return fitted_payload(
        ctx, {"values": values}, key="values", hint="ask for fewer with max_hits or more specific matches"
    )


async def get_customers_for_data_tables(request: DataTablesInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_customers_for_data_tables(expand="billing,shipping,tags")
    items = [c.model_dump(mode="json", exclude_none=True) for c in response.data or []]
    page = Page(items, more=(response.records_total or 0) > len(items), total=response.records_total)
    return customer_list(ctx, page, PageInput(limit=max(1, len(items))), "ultracart_get_customers")


READ: Hints = {"read_only": True, "destructive": False, "idempotent": True, "toolset": "admin"}
TOOLS = (
    ToolSpec(
        name="ultracart_get_customer_editor_values",
        returns_customer_text=False,  # merchant-defined values only
        title="Customer editor values",
        description="Allowed values for customer fields: countries, card types, terms, QuickBooks classes, sales reps.",
        input_model=NoInput,
        output_model=EditorValuesResult,
        handler=get_customer_editor_values,
        **READ,
    ),
    ToolSpec(
        name="ultracart_search_customer_profile_values",
        title="Search customer tag values",
        description="Tag values in use that contain some text, with how many customers carry each.",
        input_model=LookupInput,
        output_model=LookupResult,
        handler=search_customer_profile_values,
        **READ,
    ),
    ToolSpec(
        name="ultracart_get_customers_for_data_tables",
        title="Customers for a DataTables grid",
        description=(
            "The first page of customers in UltraCart's back-office DataTables format, as a compact table with the "
            "store's total. Prefer ultracart_get_customers for searching and paging."
        ),
        input_model=DataTablesInput,
        output_model=ListResult,
        handler=get_customers_for_data_tables,
        **READ,
    ),
)
