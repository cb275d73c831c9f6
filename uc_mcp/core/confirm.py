"""Human confirmation of guarded tools (DESIGN.md "Confirmation of guarded tools").

Order of preference, by what the host supports:

1. Elicitation: the SDK's resolver mechanism (``Resolve(ask)`` returning ``Elicit[...]``) asks the
   human a deterministic question naming the action and its target; only an ``accept`` carrying
   the form's data with ``confirm: true`` is a yes. Works on the 2026-07-28 protocol
   (input-required rounds) and on handshake-era clients. An executed confirmation is recorded
   under a single-use key (tool, canonical arguments, request state, tenant), so a client that
   resends the final round does not run the action twice.
2. MCP Apps confirmation card: when the host cannot elicit but renders views (``core/apps.py``), the
   token path's preview is returned unchanged (a new ``instructions`` text aside) and the host shows it
   as a card: the action, the target as it is now, the exact change, Confirm and Cancel. Confirm calls
   the tool again with the token; Cancel calls an app-only tool with the token's cancel key, which
   withdraws the token and records ``declined`` (``via: apps``). The card is the token path with a face:
   it holds exactly the token the model holds, so with ``UC_MCP_CONFIRM_FALLBACK=deny`` there is no
   card either (the refusal is what it shows).
3. Signed token: when the host cannot elicit and ``UC_MCP_CONFIRM_FALLBACK=token``, a call without
   ``confirm`` changes nothing and returns a preview and a single-use token; calling again with the
   same arguments and ``confirm=<token>`` executes. This proves a preview was fetched and the same
   arguments came back, not that a human agreed: the preview tells the model to show it and wait
   for an explicit yes, and ``deny`` (the HTTP default) removes this path.

A resolver that decides not to ask still hands the body an "accepted" result without data; the
body treats that as "not asked" and takes the fallback, never as a yes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from mcp.server.elicitation import AcceptedElicitation
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit
from pydantic import BaseModel, Field

from .confirm_token import ConfirmationTokens, InvalidToken, canonical_arguments, single_use_key
from .redact import Redactor

Fallback = Literal["token", "deny"]


class ConfirmForm(BaseModel):
    confirm: bool = Field(description="Yes: perform this action now.")


@dataclass(frozen=True, slots=True)
class Preview:
    """What a guarded call would do: ``question`` for the human (deterministic, no tokens or
    times in it), ``details`` (the target's current state and the exact change) for the model."""

    question: str
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Guard:
    preview: Callable[[Any, Any], Awaitable[Preview]]
    execute: Callable[[Any, Any], Awaitable[Mapping[str, Any]]]


@dataclass(slots=True)
class Confirmations:
    """The server's confirmation state: token signer, single-use store, fallback policy, and the
    tenant of a single-store deployment (a multi-tenant server passes each call's own tenant)."""

    tokens: ConfirmationTokens
    fallback: Fallback
    tenant: str = "default"


def can_elicit(ctx: Context[Any, Any]) -> bool:
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def not_asked() -> Any:
    """The resolver's "I did not ask" (the SDK's own shape for it): never a yes."""
    return AcceptedElicitation[Any].model_construct(data=None)


def ask_question(preview: Preview, redactor: Redactor) -> Elicit[ConfirmForm]:
    # The question quotes customer fields: a bidi override in a name must not reorder what the
    # person reads, so it leaves through the same filter as results.
    return Elicit(redactor.text(preview.question), ConfirmForm)


def first_round(ctx: Context[Any, Any]) -> bool:
    """False when this call carries answers from an earlier round (input-required flow): the
    resolver runs again then, but the person is not asked again."""
    return not (getattr(ctx, "input_responses", None) or getattr(ctx, "request_state", None))


def human_said_yes(answer: Any) -> bool:
    data = getattr(answer, "data", None)
    return getattr(answer, "action", None) == "accept" and isinstance(data, ConfirmForm) and data.confirm


def was_refused(answer: Any) -> bool:
    return getattr(answer, "action", None) in ("decline", "cancel")


# The sealed requestState of the call being handled (its digest). The SDK unseals the state before
# handlers run, and the plaintext is the same for two separate calls with the same arguments and
# question; the sealed form is unique per round and identical only when a round is resent.
SEALED_ROUND: ContextVar[str | None] = ContextVar("uc_mcp_sealed_round", default=None)


class SealedRoundMiddleware:
    """Runs outside the SDK's request-state boundary and remembers the sealed state it unseals."""

    async def __call__(self, ctx: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        params = ctx.params if ctx.method == "tools/call" else None
        wire = params.get("requestState") if isinstance(params, Mapping) else None
        token = SEALED_ROUND.set(hashlib.sha256(wire.encode()).hexdigest() if isinstance(wire, str) else None)
        try:
            return await call_next(ctx)
        finally:
            SEALED_ROUND.reset(token)


def install_round_tracking(server: Any) -> None:
    """Put :class:`SealedRoundMiddleware` just outside the SDK's ``RequestStateBoundary``."""
    chain = server.middleware
    index = next((i for i, item in enumerate(chain) if type(item).__name__ == "RequestStateBoundary"), len(chain))
    chain.insert(index, SealedRoundMiddleware())


def claim_execution(
    confirmations: Confirmations,
    tool: str,
    arguments: Mapping[str, Any],
    ctx: Context[Any, Any],
    tenant: str | None = None,
) -> bool:
    """True the first time this confirmed call executes; False for a resent final round."""
    state = SEALED_ROUND.get() or getattr(ctx, "request_state", None)
    if not state:
        # Handshake-era elicitation is a live request inside this call: nothing can be resent, and
        # the same action confirmed again later is a new, deliberate action.
        return True
    key = single_use_key(tool, canonical_arguments(arguments), str(state), tenant or confirmations.tenant)
    expires = confirmations.tokens.now() + confirmations.tokens.ttl_seconds
    return confirmations.tokens.used.claim("elicited:" + key, expires)


def redeem(
    confirmations: Confirmations, token: str, tool: str, arguments: Mapping[str, Any], tenant: str | None = None
) -> str | None:
    """None when the token lets this call execute, else the reason it does not."""
    try:
        confirmations.tokens.redeem(token, tool, arguments, tenant or confirmations.tenant)
    except InvalidToken as refusal:
        return str(refusal)
    return None
