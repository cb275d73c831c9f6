"""MCP prompts for Voucherify's common support workflows: why a coupon did not apply for a customer, a customer's
loyalty balance, and forgetting a customer (which ends in the guarded permanent deletion). Each is a user message
that tells the model which tools to use, in which order, and where a person's yes is needed.

Prompt names carry the provider's prefix: one server lists every enabled provider's prompts side by side.

Arguments arrive as strings (MCP ``PromptArgument`` has no type); they are declared as ``str`` so that the SDK's
own validation (whose message would repeat the values) never runs, and are checked here with messages that name
the argument only.

A prompt is offered only when every tool its text tells the model to call is enabled on that server
(``--toolsets``, ``--read-only``, an HTTP token's scope): which tools those are is read from the rendered text
itself, so a prompt edited to name one more tool can never be offered where that tool is missing (core/prompts.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Annotated, Final

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from ..core import prompts
from ..core.prompts import DATA_NOT_ORDERS, PromptSpec, bad_argument
from .names import NAME

Who = Annotated[
    str,
    Field(description="The customer: an email, a name, a phone number, a source_id or a Voucherify id (cust_...)."),
]
Code = Annotated[str, Field(description="The voucher code the customer tried, e.g. WELCOME-10.")]
FIND_ONE: Final = (
    "Call voucherify_find_customers with that as the query. If several customers match (Voucherify allows several "
    "customers with one email), list them (id, source_id, email, name, city) and ask me which one I mean; if none "
    "match, say so and stop."
)
_CODE: Final = re.compile(r"^\S{1,100}$")


def _who(value: str, argument: str = "customer") -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= 255:
        raise bad_argument(f"{argument}: expected an email, name, phone, source_id or customer id of 1-255 characters")
    return text


def _code(value: str) -> str:
    text = value.strip()
    if not _CODE.match(text):
        raise bad_argument("code: expected a voucher code of 1-100 characters without spaces")
    return text


def voucherify_coupon_not_applied(customer: Who, code: Code) -> str:
    """Find out why a coupon did not apply for a customer, from their activity and what they hold."""
    who, voucher = _who(customer), _code(code)
    return (
        f"Find out why the coupon {voucher!r} did not apply for the customer {who!r}. Read only; change nothing.\n"
        f"1. {FIND_ONE}\n"
        "2. Call voucherify_list_customer_activity with the chosen customer_id and type=customer.redemption.failed, "
        "then with type=customer.validation.failed, each with "
        'fields=["type","created_at","data.data.voucher.code","data.data.redemption","data.data.validation"]: the '
        "events about this code carry the failure reason (a redemption's failure_code and failure_message, a "
        "validation's inapplicable_redeemables).\n"
        "3. Call voucherify_list_customer_redeemables with the customer_id to see whether the customer holds this "
        "code, and its status (ACTIVE, USED, DISABLED, NOT_ACTIVE_YET, EXPIRED, NO_BALANCE), expiry and balance.\n"
        "4. Explain in plain words why it did not apply (expired, not active yet, already used, disabled, no balance "
        "left, the order broke one of its rules, or the customer does not hold it), when it happened, and what "
        "could be done. Promise nothing these tools cannot do.\n"
        f"{DATA_NOT_ORDERS}"
    )


def voucherify_loyalty_balance(customer: Who) -> str:
    """A customer's loyalty points: per card and campaign, with expiry and the latest points earned or spent."""
    who = _who(customer)
    return (
        f"Tell me the loyalty balance of the customer {who!r}. Read only; change nothing.\n"
        f"1. {FIND_ONE}\n"
        "2. Call voucherify_customer_overview with the chosen customer_id: its loyalty part has the points left "
        "overall and per campaign (with the tier), the points redeemed, and its redeemables the loyalty cards with "
        "their balance and expiry.\n"
        "3. If the customer holds more redeemables than the overview shows, call "
        'voucherify_list_customer_redeemables with the customer_id and voucher_type=["LOYALTY_CARD"].\n'
        "4. Answer in a few lines: the points left, per card and campaign, anything expiring soon, and the latest "
        "points earned or spent (the overview's activity).\n"
        f"{DATA_NOT_ORDERS}"
    )


def voucherify_forget_customer(customer: Who) -> str:
    """Erase a customer for good (a GDPR-style erasure request), with the person's confirmation."""
    who = _who(customer)
    return (
        f"The customer {who!r} asked to be forgotten (a GDPR-style erasure).\n"
        f"1. {FIND_ONE} If several are the same person, erase them one at a time, each with its own yes.\n"
        "2. Show me what will be erased with voucherify_customer_overview: profile, loyalty points, gift card "
        "balances, redeemables, segments, latest activity.\n"
        "3. Only if I then say to erase: call voucherify_customer_permanently_deletion with that customer_id. It "
        "erases the customer and the data linked to it (events, segment memberships, orders) and cannot be undone. "
        "It needs my explicit confirmation: if you get a preview with a confirm token, show me the preview and wait "
        "for my yes before calling again with the token. If I decline, do nothing more.\n"
        "4. Report what the deletion says it erased.\n"
        f"{DATA_NOT_ORDERS}"
    )


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        NAME,
        voucherify_coupon_not_applied,
        "Why did a coupon not apply? (Voucherify)",
        {"customer": "jane@example.com", "code": "WELCOME-10"},
    ),
    PromptSpec(NAME, voucherify_loyalty_balance, "Loyalty balance (Voucherify)", {"customer": "jane@example.com"}),
    PromptSpec(NAME, voucherify_forget_customer, "Forget a customer (Voucherify)", {"customer": "jane@example.com"}),
)


def register_prompts(server: MCPServer, enabled_tools: Collection[str]) -> list[str]:
    """Register every prompt whose tools are enabled; returns their names."""
    return prompts.register_prompts(server, enabled_tools, PROMPTS)
