"""The whole tool surface as a host lists it (all toolsets enabled)."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot
from mcp.client import Client

from tests.support.mcp import hints
from tests.ultracart.mcp.conftest import ServerFactory
from uc_mcp.ultracart.tools import TOOLSETS


@pytest.mark.anyio
async def test_every_tool_as_a_host_lists_it(server_factory: ServerFactory) -> None:
    async with Client(server_factory(toolsets=list(TOOLSETS))) as client:
        tools = (await client.list_tools()).tools
    listing = {
        tool.name: (
            tool.title,
            hints(tool),
            bool(tool.output_schema),
            (tool.meta or {}).get("guarded", False),
        )
        for tool in tools
    }
    # (title, annotations: Read-only/Destructive/Idempotent/Open-world, has outputSchema, guarded)
    assert listing == snapshot(
        {
            "ultracart_find_customers": ("Find customers", "RIO", True, False),
            "ultracart_customer_overview": ("Customer overview", "RIO", True, False),
            "ultracart_count_customers": ("Count customers", "RIO", True, False),
            "ultracart_rank_customers": ("Rank customers", "RIO", True, False),
            "ultracart_export_customers": ("Export customers to a file", "O", True, False),
            "ultracart_get_customers": ("List customers by filter", "RIO", True, False),
            "ultracart_get_customers_by_query": ("Search customers by query", "RIO", True, False),
            "ultracart_get_customer": ("Get a customer", "RIO", True, False),
            "ultracart_get_customer_by_email": ("Get a customer by email", "RIO", True, False),
            "ultracart_insert_customer": ("Create a customer", "O", True, False),
            "ultracart_update_customer": ("Update a customer", "DIO", True, False),
            "ultracart_get_customer_store_credit": ("Get a customer's store credit", "RIO", True, False),
            "ultracart_get_customer_wish_list": ("Get a customer's wishlist", "RIO", True, False),
            "ultracart_get_customer_wish_list_item": ("Get one wishlist item", "RIO", True, False),
            "ultracart_insert_wish_list_item": ("Add a wishlist item", "O", True, False),
            "ultracart_update_wish_list_item": ("Change a wishlist item", "IO", True, False),
            "ultracart_get_customer_email_lists": ("List the store's email lists", "RIO", True, False),
            "ultracart_update_customer_email_lists": ("Subscribe or unsubscribe a customer", "IO", True, False),
            "ultracart_get_customer_editor_values": ("Customer editor values", "RIO", True, False),
            "ultracart_search_customer_profile_values": ("Search customer tag values", "RIO", True, False),
            "ultracart_get_customers_for_data_tables": ("Customers for a DataTables grid", "RIO", True, False),
            "ultracart_get_email_verification_token": ("Create an email verification token", "O", True, False),
            "ultracart_validate_email_verification_token": ("Validate an email verification token", "O", True, False),
            "ultracart_delete_customer": ("Delete a customer", "DIO", True, True),
            "ultracart_merge_customer": ("Merge two customers", "DIO", True, True),
            "ultracart_add_customer_store_credit": ("Add store credit", "DO", True, True),
            "ultracart_adjust_internal_certificate": ("Adjust cashback balance", "DO", True, True),
            "ultracart_delete_wish_list_item": ("Delete a wishlist item", "DIO", True, True),
            "ultracart_get_magic_link": ("Create a customer login link", "DO", True, True),
        }
    )
