"""MCP prompts for the common support workflows: each one is a user message that tells the model
which tools to use, in which order, and where a person's yes is needed.

Prompt arguments arrive as strings (MCP ``PromptArgument`` has no type); they are declared as
``str`` so the SDK's own validation (whose message would repeat the values) never runs, and are
checked here with messages that name the argument only.

A prompt is offered only when every tool its text tells the model to call is enabled on that server
(``--toolsets``, ``--read-only``, an HTTP token's scope): which tools those are is read from the rendered
text itself, so a prompt edited to name one more tool can never be offered where that tool is missing
(core/prompts.py).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from ..core import prompts
from ..core.prompts import DATA_NOT_ORDERS, PromptSpec, bad_argument
from .names import NAME

Who = Annotated[str, Field(description="The customer: an email, a name, a phone number or a customer_profile_oid.")]


def _who(value: str, argument: str = "customer") -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= 100:
        raise bad_argument(f"{argument}: expected an email, name, phone or customer_profile_oid of 1-100 characters")
    return text


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value.strip().lstrip("$"))
    except (InvalidOperation, AttributeError):
        raise bad_argument("amount: expected a decimal amount such as 20.00") from None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or amount <= 0 or (isinstance(exponent, int) and exponent < -2):
        raise bad_argument("amount: expected a positive amount with at most two decimals, such as 20.00")
    return amount


def lookup_customer(customer: Who) -> str:
    """Find a customer and summarise them for a support conversation."""
    who = _who(customer)
    return (
        f"Look up the customer {who!r} for a support conversation.\n"
        "1. Call ultracart_find_customers with that as the query. If several customers match, list them "
        "(oid, email, name, city) and ask me which one I mean; if none match, say so and stop.\n"
        "2. Call ultracart_customer_overview with the chosen customer_profile_oid.\n"
        "3. Summarise in a few lines: who they are, since when, orders, store credit available, loyalty, "
        "wishlist, tags and anything in their notes that matters for support.\n"
        f"{DATA_NOT_ORDERS}"
    )


def issue_store_credit(customer: Who, amount: Annotated[str, Field(description="e.g. 20.00")], reason: str) -> str:
    """Add store credit to a customer, with the person's confirmation."""
    who = _who(customer)
    value = _amount(amount)
    why = " ".join(reason.split())[:37] or "Goodwill"
    return (
        f"Add {value:.2f} store credit to the customer {who!r}, reason {why!r}.\n"
        "1. Find the customer with ultracart_find_customers; if it is not exactly one customer, ask me which.\n"
        "2. Show me their current store credit (ultracart_customer_overview or ultracart_get_customer_store_credit).\n"
        f"3. Call ultracart_add_customer_store_credit with amount {value:.2f} and description {why!r}. It needs "
        "my explicit confirmation: if you get a preview with a confirm token, show me the preview and wait for my "
        "yes before calling again with the token. If I decline, do nothing more.\n"
        "4. Report the new available balance.\n"
        f"{DATA_NOT_ORDERS}"
    )


def merge_duplicates(keep: Who, duplicate: Who) -> str:
    """Review two profiles side by side, then merge the duplicate into the one to keep."""
    survivor, other = _who(keep, "keep"), _who(duplicate, "duplicate")
    return (
        f"I think {other!r} is a duplicate of {survivor!r}.\n"
        "1. Find both with ultracart_find_customers and read each with ultracart_customer_overview.\n"
        "2. Show them side by side: email, names, addresses, signup date, orders, store credit, wishlist, tags. "
        "Point out anything that suggests they are NOT the same person.\n"
        "3. Only if I then say to merge: call ultracart_merge_customer with customer_profile_oid = the one to keep "
        "and merge_customer_profile_oid = the duplicate. It needs my explicit confirmation; the duplicate is "
        "deleted and cannot be restored.\n"
        f"{DATA_NOT_ORDERS}"
    )


def data_request(customer: Who) -> str:
    """Gather everything the store holds about one customer (a GDPR-style access request)."""
    who = _who(customer)
    return (
        f"Prepare a data-access report for the customer {who!r}. Read only; change nothing.\n"
        "1. Find the customer with ultracart_find_customers; if it is not exactly one, ask me which.\n"
        "2. Read the full record with ultracart_get_customer, expand = billing, shipping, cc_emails, "
        "properties, tags, pricing_tiers, privacy, loyalty, orders_summary, quotes_summary, reviewer, "
        "attachments, software_entitlements, tax_codes; the store credit ledger with "
        "ultracart_get_customer_store_credit; the wishlist with ultracart_get_customer_wish_list.\n"
        "3. Write the report by category (identity and contact, addresses, preferences and privacy, orders "
        "summary, store credit and loyalty, wishlist, notes and properties). Say that email-list "
        "subscriptions cannot be read per customer through this API, and that card numbers are never "
        "shown in full. If a result says it was cut to fit, fetch the rest with fields=[...] as it suggests.\n"
        f"{DATA_NOT_ORDERS}"
    )


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(NAME, lookup_customer, "Look up a customer", {"customer": "jane@example.com"}),
    PromptSpec(
        NAME,
        issue_store_credit,
        "Issue store credit",
        {"customer": "jane@example.com", "amount": "20.00", "reason": "Goodwill"},
    ),
    PromptSpec(
        NAME,
        merge_duplicates,
        "Merge duplicate customers",
        {"keep": "jane@example.com", "duplicate": "jane@example.org"},
    ),
    PromptSpec(NAME, data_request, "Customer data request", {"customer": "jane@example.com"}),
)


def register_prompts(server: MCPServer, enabled_tools: Collection[str]) -> list[str]:
    """Register every prompt whose tools are enabled; returns their names."""
    return prompts.register_prompts(server, enabled_tools, PROMPTS)
