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
body treats that as "not asked" and takes the fallback, never as a yes. An accepted form whose box is unticked
(``confirm: false``) is a no, like a decline: nothing runs and no token is issued.

What the person approves is the arguments *and* what the preview resolved from them (``Preview.binding``: the
profile behind an email, say). The action runs on exactly that resolution: on the elicitation path the body acts
on the binding of the preview whose question was answered in this very call (the SDK re-asks when the question
changed since it was asked, and every question names what it resolved); on the token path the target is resolved
again just before the redeem, and a token whose binding differs is refused.

A single-use record outlives every way its confirmation can still be presented: a token's for its lifetime, an
elicited execution's for as long as the SDK accepts the sealed request state of its final round
(``Confirmations.round_ttl_seconds``, which the server also gives the SDK), each plus the clock skew tolerated
between replicas.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mcp.server.elicitation import AcceptedElicitation
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit
from pydantic import BaseModel, Field

from .confirm_token import (
    CLOCK_SKEW_SECONDS,
    ConfirmationTokens,
    InvalidToken,
    binding_digest,
    canonical_arguments,
    single_use_key,
)
from .redact import Redactor

Fallback = Literal["token", "deny"]

# How long the SDK accepts the sealed request state of an elicitation round (the SDK's own default, set
# explicitly by the server so that the single-use record below is derived from the value actually in force).
REQUEST_STATE_TTL_SECONDS: Final = 600


class ConfirmForm(BaseModel):
    confirm: bool = Field(description="Yes: perform this action now.")


Binding = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Preview:
    """What a guarded call would do: ``question`` for the human (deterministic, no tokens or
    times in it, naming every value of ``binding``), ``details`` (the target's current state and the
    exact change) for the model, and ``binding``: the ids the preview resolved from the arguments
    (e.g. ``{"merge_customer_profile_oid": 100002}`` for a merge by email), which the action acts on."""

    question: str
    details: Mapping[str, Any]
    binding: Binding = field(default_factory=dict)


async def no_binding(request: Any, ctx: Any) -> Binding:
    """The resolution of a guard whose arguments name their target outright: nothing to resolve."""
    return {}


@dataclass(frozen=True, slots=True)
class Guard:
    """``preview`` reads the target and states the change; ``resolve`` gives the same ``binding`` as the
    preview would, cheaply (the token path re-resolves before redeeming); ``execute`` acts on a binding
    the person approved, never resolving the arguments again."""

    preview: Callable[[Any, Any], Awaitable[Preview]]
    execute: Callable[[Any, Any, Binding], Awaitable[Mapping[str, Any]]]
    resolve: Callable[[Any, Any], Awaitable[Binding]] = no_binding


@dataclass(slots=True)
class Confirmations:
    """The server's confirmation state: token signer, single-use store, fallback policy, the lifetime of
    an elicitation round's sealed state, and the tenant of a single-store deployment (a multi-tenant server
    passes each call's own tenant)."""

    tokens: ConfirmationTokens
    fallback: Fallback
    tenant: str = "default"
    round_ttl_seconds: float = REQUEST_STATE_TTL_SECONDS

    @property
    def elicited_record_seconds(self) -> float:
        """How long an executed elicited confirmation is remembered: as long as a resend of its final round
        can still be accepted (the sealed state's lifetime from its sealing, which precedes the execution),
        plus the clock skew between replicas."""
        return self.round_ttl_seconds + CLOCK_SKEW_SECONDS


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
    """Declined, cancelled, or the form submitted with Confirm unticked: each is the person's no."""
    if getattr(answer, "action", None) in ("decline", "cancel"):
        return True
    data = getattr(answer, "data", None)
    return getattr(answer, "action", None) == "accept" and isinstance(data, ConfirmForm) and not data.confirm


# The sealed requestState of the call being handled (its digest). The SDK unseals the state before
# handlers run, and the plaintext is the same for two separate calls with the same arguments and
# question; the sealed form is unique per round and identical only when a round is resent.
SEALED_ROUND: ContextVar[str | None] = ContextVar("uc_mcp_sealed_round", default=None)
# What this call's resolver previewed (and so asked the person about), for the body of the same call: the
# action runs on the binding of exactly that preview. A fresh dict per tools/call (the middleware below).
ASKED: ContextVar[dict[str, Preview] | None] = ContextVar("uc_mcp_asked", default=None)


def remember_asked(preview: Preview) -> None:
    asked = ASKED.get()
    if asked is not None:
        asked["preview"] = preview


def asked_preview() -> Preview | None:
    """The preview this call's resolver asked about, if it asked in this call."""
    asked = ASKED.get()
    return asked.get("preview") if asked is not None else None


class SealedRoundMiddleware:
    """Runs outside the SDK's request-state boundary: remembers the sealed state it unseals, and gives
    each tools/call its own record of what was asked."""

    async def __call__(self, ctx: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        params = ctx.params if ctx.method == "tools/call" else None
        wire = params.get("requestState") if isinstance(params, Mapping) else None
        token = SEALED_ROUND.set(hashlib.sha256(wire.encode()).hexdigest() if isinstance(wire, str) else None)
        asked = ASKED.set({})
        try:
            return await call_next(ctx)
        finally:
            ASKED.reset(asked)
            SEALED_ROUND.reset(token)


def install_round_tracking(server: Any) -> None:
    """Put :class:`SealedRoundMiddleware` just outside the SDK's ``RequestStateBoundary``."""
    from .sdk import insert_before_request_state_boundary

    insert_before_request_state_boundary(server, SealedRoundMiddleware())


def claim_execution(
    confirmations: Confirmations,
    tool: str,
    arguments: Mapping[str, Any],
    ctx: Context[Any, Any],
    tenant: str | None = None,
    binding: Binding | None = None,
) -> bool:
    """True the first time this confirmed call executes; False for a resent final round."""
    state = SEALED_ROUND.get() or getattr(ctx, "request_state", None)
    if not state:
        # Handshake-era elicitation is a live request inside this call: nothing can be resent, and
        # the same action confirmed again later is a new, deliberate action.
        return True
    key = single_use_key(
        tool, canonical_arguments(arguments), str(state), tenant or confirmations.tenant, binding_digest(binding)
    )
    expires = confirmations.tokens.now() + confirmations.elicited_record_seconds
    return confirmations.tokens.used.claim("elicited:" + key, expires)


def redeem(
    confirmations: Confirmations,
    token: str,
    tool: str,
    arguments: Mapping[str, Any],
    tenant: str | None = None,
    binding: Binding | None = None,
) -> str | None:
    """None when the token lets this call execute, else the reason it does not."""
    try:
        confirmations.tokens.redeem(token, tool, arguments, tenant or confirmations.tenant, binding)
    except InvalidToken as refusal:
        return str(refusal)
    return None
