"""A full tool session with canary secrets and canary customer data, run as its own process.

``test_canaries.py`` starts this with ``python -m tests.ultracart.mcp.canary_session OUT`` against a sandbox
served on a socket (so the server uses the real-API code path: ``ULTRACART_API_KEY`` and
``ULTRACART_BASE_URL``), under the SDK's default logging set-up (``MCPServer`` configures root
logging at INFO; nothing here changes it), and scans every byte it leaves behind: the results
written to ``OUT``, its stderr and the audit log.

Canary values arrive through the environment: ``CANARY_EMAIL``, ``CANARY_NAME``, ``CANARY_PHONE``,
``CANARY_STREET``, ``CANARY_CARD``, ``CANARY_PASSWORD``, ``CANARY_WRONG_KEY``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
from mcp.client import Client
from mcp_types import ElicitResult

from uc_mcp.server import build_server, runtime_of
from uc_mcp.settings import Settings

ALL_TOOLSETS = "customers,store_credit,wishlist,email_lists,admin,email_verification"


async def accept(context: Any, params: Any) -> ElicitResult:
    return ElicitResult(action="accept", content={"confirm": True})


def record(results: list[dict[str, Any]], tool: str, result: Any) -> dict[str, Any]:
    entry = {
        "tool": tool,
        "is_error": result.is_error,
        "text": "".join(getattr(block, "text", "") for block in result.content),
        "structured": result.structured_content,
    }
    results.append(entry)
    return entry


async def session() -> list[dict[str, Any]]:
    env = os.environ
    results: list[dict[str, Any]] = []
    server = build_server(Settings(_env_file=None, toolsets=ALL_TOOLSETS.split(",")))
    first, last = env["CANARY_NAME"].split(" ", 1)
    customer = {
        "email": env["CANARY_EMAIL"],
        "business_notes": f"paid with card {env['CANARY_CARD']}, call back",
        "billing": [
            {
                "first_name": first,
                "last_name": last,
                "address1": env["CANARY_STREET"],
                "city": "Austin",
                "state_region": "TX",
                "country_code": "US",
                "day_phone": env["CANARY_PHONE"],
            }
        ],
    }
    async with Client(server, elicitation_callback=accept) as client:

        async def call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return record(results, tool, await client.call_tool(tool, arguments))

        created = await call("ultracart_insert_customer", customer)
        oid = created["structured"]["customer"]["customer_profile_oid"]
        await call("ultracart_get_customer_by_email", {"email": env["CANARY_EMAIL"]})
        await call("ultracart_get_customers", {"email": env["CANARY_EMAIL"].split("@")[0], "limit": 5})
        await call("ultracart_get_customers", {"billing_last_name": last, "fields": ["email", "billing", "cards"]})
        await call("ultracart_get_customer", {"customer_profile_oid": oid, "expand": ["billing", "cards"]})
        await call("ultracart_update_customer", {"customer_profile_oid": oid, "add_tags": ["vip"]})
        # Errors: unknown id, unknown email, a password where none belongs, a duplicate email.
        await call("ultracart_get_customer", {"customer_profile_oid": 999_999})
        await call("ultracart_get_customer_by_email", {"email": "nobody." + env["CANARY_EMAIL"]})
        await call("ultracart_insert_customer", {"email": "x@example.com", "password": env["CANARY_PASSWORD"]})
        await call("ultracart_insert_customer", customer)
        await call(
            "ultracart_get_email_verification_token", {"email": env["CANARY_EMAIL"], "password": env["CANARY_PASSWORD"]}
        )
        # Guarded actions, confirmed by the (simulated) person.
        await call(
            "ultracart_add_customer_store_credit", {"customer_profile_oid": oid, "amount": 5, "description": "x"}
        )
        await call(
            "ultracart_get_magic_link", {"customer_profile_oid": oid, "storefront_host_name": "shop.example.com"}
        )
        # (Another customer: deleting the canary one would delete its magic link, which the test
        # reads back from the sandbox to scan for.)
        await call("ultracart_delete_customer", {"customer_profile_oid": 100005})
        # A failure nobody planned for, whose exception text quotes the customer.
        api = runtime_of(server).client()

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"unexpected state for {env['CANARY_EMAIL']} ({env['CANARY_PHONE']})")

        api.customer_record = broken  # what ultracart_get_customer_by_email reads through
        await call("ultracart_get_customer_by_email", {"email": env["CANARY_EMAIL"]})

    # The same server configuration with a wrong key.
    os.environ["ULTRACART_API_KEY"] = env["CANARY_WRONG_KEY"]
    wrong = build_server(Settings(_env_file=None))
    async with Client(wrong) as client:
        record(
            results,
            "wrong key",
            await client.call_tool("ultracart_get_customer_by_email", {"email": env["CANARY_EMAIL"]}),
        )
    return results


if __name__ == "__main__":
    with open(sys.argv[1], "w", encoding="utf-8") as handle:
        json.dump(anyio.run(session), handle, ensure_ascii=False)
