"""MCP prompts for TWC's common support workflows: whether a customer may be contacted on a channel ("is this
customer opted in to SMS?") and erasing a customer (which ends in the guarded delete). Each is a user message that
tells the model which tools to use, in which order, and where a person's yes is needed.

Prompt names carry the provider's prefix: one server lists every enabled provider's prompts side by side.

Arguments arrive as strings (MCP ``PromptArgument`` has no type); they are declared as ``str`` so that the SDK's
own validation (whose message would repeat the values) never runs, and are checked here with messages that name
the argument only.

A prompt is offered only when every tool its text tells the model to call is enabled on that server
(``--toolsets``, ``--read-only``, an HTTP token's scope): which tools those are is read from the rendered text
itself (core/prompts.py).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Final

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from ..core import prompts
from ..core.prompts import DATA_NOT_ORDERS, PromptSpec, bad_argument
from .names import NAME

Who = Annotated[
    str,
    Field(description="The customer: an email, a name, a mobile or phone number, or your customerRef."),
]
Channel = Annotated[str, Field(description="sms or email (default sms).")]
CHANNELS: Final = ("sms", "email")
FIND_ONE: Final = (
    "Call twc_find_customers with that as email if it is an email, as phone if it is a phone number, as name if it "
    "is a name, else as customerRef. If several customers match, list them (id, customerRef, email, name, city) and "
    "ask me which one I mean; if none match, say so and stop."
)


def _who(value: str, argument: str = "customer") -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= 255:
        raise bad_argument(f"{argument}: expected an email, name, phone number or customerRef of 1-255 characters")
    return text


def _channel(value: str) -> str:
    text = value.strip().lower()
    if text not in CHANNELS:
        raise bad_argument("channel: expected sms or email")
    return text


def twc_consent_check(customer: Who, channel: Channel = "sms") -> str:
    """Whether a customer is opted in to SMS (or email) messages, since when, and what else bears on it."""
    who, medium = _who(customer), _channel(channel)
    name = "SMS" if medium == "sms" else "email"
    return (
        f"Is the customer {who!r} opted in to {name} messages? Read only; change nothing.\n"
        f"1. {FIND_ONE}\n"
        f"2. Call twc_customer_overview with the chosen id. Its consent.{medium} says whether the opt-in is active "
        "(opted_in), when they first opted in (since) and when it last changed (changed).\n"
        f"3. Answer yes or no first: opted in to {name} only if consent.{medium}.opted_in is true. Then say since "
        "when, and if it is false but has a since, that they opted out at changed. Mention accepts_marketing (general "
        "marketing consent) and the customer's state (customer.customer_state, e.g. declined or disabled) if they "
        "disagree with the opt-in; do not decide for me what they mean. If TWC gives no opt-in for the channel, say "
        "it is unknown, not no.\n"
        f"{DATA_NOT_ORDERS}"
    )


def twc_erase_customer(customer: Who) -> str:
    """Erase a customer from TWC (a GDPR-style erasure request), with the person's confirmation."""
    who = _who(customer)
    return (
        f"The customer {who!r} asked to be erased from The Wishlist (a GDPR-style erasure).\n"
        f"1. {FIND_ONE} If several are the same person, erase them one at a time, each with its own yes.\n"
        "2. Show me what will be erased with twc_customer_overview: profile, consent, addresses, loyalty figures, "
        "attribute groups.\n"
        "3. Only if I then say to erase: call twc_delete_customer with match_by id and that id. The customer record "
        "goes and cannot be restored here; TWC keeps the customer's wishlists, de-identified (no longer linked to "
        "the person): tell me so. It needs my explicit confirmation: if you get a preview with a confirm token, show "
        "me the preview and wait for my yes before calling again with the token. If I decline, do nothing more.\n"
        "4. Report what the deletion says, and that reading the customer now finds nothing.\n"
        f"{DATA_NOT_ORDERS}"
    )


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(NAME, twc_consent_check, "Opted in to SMS? (TWC)", {"customer": "jane@example.com", "channel": "sms"}),
    PromptSpec(NAME, twc_erase_customer, "Erase a customer (TWC)", {"customer": "jane@example.com"}),
)


def register_prompts(server: MCPServer, enabled_tools: Collection[str]) -> list[str]:
    """Register every prompt whose tools are enabled; returns their names."""
    return prompts.register_prompts(server, enabled_tools, PROMPTS)
