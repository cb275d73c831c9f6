"""MCP prompts for the cross-provider tools: who is this (``customers_find``), one person's overview
(``customer_360``) and a privacy request (what each system holds, and how to export or erase it there).

As every provider's prompts (core/prompts.py), a prompt is offered only where every tool its text tells the model
to call is listed, and a bad argument is an error naming the argument, never its value. core's check reads the
tools a text needs from one provider's prefix; these prompts name tools of no single prefix, so each states the
cross-provider tools it needs (a test checks the text names no other) and ``privacy_request`` names a provider's
delete tool only when it is listed on this server: its text is made at registration, from the listed tools.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Final

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from ..core.prompts import DATA_NOT_ORDERS, bad_argument

# The layer's own export and erase tools: named only where they are listed (not under --read-only, say).
DATA_REQUEST_TOOL: Final = "customers_data_request"
ERASE_TOOL: Final = "customers_erase"
DELETE_SUFFIX: Final = "_delete_customer"  # each provider's own guarded erasure: ultracart_delete_customer, ...
EMAIL_SHAPE: Final = re.compile(r"^[^@\s/]+@[^@\s/]+$")

Query = Annotated[str, Field(description="An email, a name, a phone number, or any system's customer id or ref.")]
Person = Annotated[str, Field(description="The person's email, or any system's customer id or reference.")]
Email = Annotated[str, Field(description="The email of the person who made the request.")]


def _text(value: str, argument: str, expected: str) -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= 200:
        raise bad_argument(f"{argument}: expected {expected} of 1-200 characters")
    return text


def _email(value: str) -> str:
    text = value.strip()
    if len(text) > 200 or not EMAIL_SHAPE.match(text):
        raise bad_argument("email: expected an email address such as jane@example.com")
    return text


def who_is_this(query: Query) -> str:
    """Who is this? One query searched in every enabled system, grouped into people."""
    wanted = _text(query, "query", "an email, name, phone number, id or reference")
    return (
        f"Who is {wanted!r}? Read only; change nothing.\n"
        "1. Call customers_find with that as the query. It searches every enabled system at once and groups the "
        "matches into people by email.\n"
        "2. For each person: their email and their record in each system (system and id), and the evidence that "
        "links them. People listed in possibly_same only may be one person (a shared name or phone): say so, and "
        "never treat them as one. If the answer is partial, say which system did not answer in full.\n"
        "3. If several people match, ask me which one I mean; then offer customer_360 with their email for the "
        "full picture.\n"
        f"{DATA_NOT_ORDERS}"
    )


def person_overview(person: Person) -> str:
    """Everything every system holds about one person, side by side, and where the systems disagree."""
    who = _text(person, "person", "an email, id or reference")
    return (
        f"Give me an overview of the person {who!r} across every system. Read only; change nothing.\n"
        "1. Call customer_360 with that as person. If it finds nobody, call customers_find with it and ask me "
        "which person I mean.\n"
        "2. Start with the discrepancies (email written differently, different default address, opted out in one "
        "system and subscribed in another, loyalty tier here and none there): they are what support acts on.\n"
        "3. Then each system in a few lines: orders and store credit, loyalty and vouchers, consent and "
        "addresses, as each system has them. If the answer is partial, say which system is missing and why.\n"
        f"{DATA_NOT_ORDERS}"
    )


def privacy_request_text(email: str, enabled_tools: Collection[str]) -> str:
    """The privacy request's text for a server listing ``enabled_tools``: it names only tools listed there."""
    deletes = sorted(name for name in enabled_tools if name.endswith(DELETE_SUFFIX))
    if DATA_REQUEST_TOOL in enabled_tools:
        export = f"call {DATA_REQUEST_TOOL} with the person's email: it writes what each system holds into one file."
    else:
        export = (
            "the systems and records customer_360 lists are what each system holds; write them up by system. No "
            "single export tool is listed here."
        )
    if ERASE_TOOL in enabled_tools:
        erase = (
            f"call {ERASE_TOOL} with the person's email: one confirmation lists every record in every system. If "
            "you get a preview with a confirm token, show me the question and wait for my yes before calling again "
            "with the token; if I decline, do nothing more. If its answer names a system that still holds data, "
            "tell me which and how it says to finish."
        )
    elif deletes:
        erase = (
            "call the delete tool of each system that holds a record, one record at a time: "
            + ", ".join(deletes)
            + ". Each needs my explicit confirmation: if you get a preview with a confirm token, show me the preview "
            "and wait for my yes before calling again with the token; if I decline, do nothing more. A system "
            "holding a record whose delete tool is not in that list cannot be erased from here: say so."
        )
    else:
        erase = "no system's delete tool is listed on this server: say that erasure must be done elsewhere."
    return (
        f"The person with the email {email!r} made a privacy request (access or erasure).\n"
        "1. Call customer_360 with that email as person: it lists the person's records in every enabled system "
        "(system:id) and each system's overview. If it finds no record, say that no system holds this email and "
        "stop. Records of another email (possibly the same person) are not part of the request unless I say so.\n"
        f"2. Access (export): {export}\n"
        f"3. Erasure, only if the person asked for it: {erase}\n"
        "4. Report per system: exported, erased, no record, or still holding data (and how to finish).\n"
        f"{DATA_NOT_ORDERS}"
    )


def privacy_request_for(enabled_tools: Collection[str]) -> Callable[[str], str]:
    listed = frozenset(enabled_tools)

    def privacy_request(email: Email) -> str:
        """A privacy request: what each system holds about a person, and how to export or erase it there."""
        return privacy_request_text(_email(email), listed)

    return privacy_request


@dataclass(frozen=True, slots=True)
class PeoplePrompt:
    make: Callable[[Collection[str]], Callable[..., str]]  # the prompt function for a server's listed tools
    title: str
    needs: frozenset[str]  # the cross-provider tools its text tells the model to call


PROMPTS: Final = (
    PeoplePrompt(
        lambda enabled: who_is_this, "Who is this? (every system)", frozenset({"customers_find", "customer_360"})
    ),
    PeoplePrompt(
        lambda enabled: person_overview,
        "One person's overview (every system)",
        frozenset({"customer_360", "customers_find"}),
    ),
    PeoplePrompt(privacy_request_for, "Privacy request (every system)", frozenset({"customer_360"})),
)


def register_prompts(server: MCPServer, enabled_tools: Collection[str]) -> list[str]:
    """Register every prompt whose tools are listed; returns their names."""
    names = []
    for spec in PROMPTS:
        if spec.needs <= set(enabled_tools):
            fn = spec.make(enabled_tools)
            server.prompt(title=spec.title)(fn)
            names.append(fn.__name__)
    return names
