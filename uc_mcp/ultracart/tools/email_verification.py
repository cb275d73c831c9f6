"""Toolset ``email_verification`` (off by default): UltraCart's email-verification tokens.

Both operations are writes under the ``customer_write`` scope: getting a token creates one,
validating a token consumes it. The token is a secret meant for the customer's inbox, so it does
not enter a result: the result says it was created and where it should be delivered. An operator
testing a sign-up flow can set ``UC_MCP_REVEAL_TOKENS=1`` to get it as ``verification_token`` (a
key the result filter lets through, unlike ``token``). The password, like every argument, is never
repeated in an error.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...core.toolspec import ToolContext, ToolSpec
from .. import models as m
from .common import ObjectResult, WriteInput, mark
from .customer_write import EmailText

TOKEN_NOTE = "the token goes to the customer, not into the chat"


class GetTokenInput(WriteInput):
    email: EmailText
    password: str = Field(
        min_length=1,
        max_length=100,
        description="The customer's password for that email, if they have an account.",
        json_schema_extra={"writeOnly": True},
    )


class ValidateTokenInput(WriteInput):
    token: str = Field(min_length=1, max_length=200, description="The token the customer received.")


class TokenCreatedResult(ObjectResult):
    created: bool
    deliver_to: str = Field(description="The email address the token is for.")
    note: str
    verification_token: str | None = Field(None, description="Only when the operator set UC_MCP_REVEAL_TOKENS=1.")


class TokenValidatedResult(ObjectResult):
    valid: bool = Field(description="True: the address is verified (the token is now used up).")
    note: str | None = None


async def get_email_verification_token(request: GetTokenInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.get_email_verification_token(
        m.EmailVerifyTokenRequest(email=request.email, password=request.password)
    )
    result: dict[str, Any] = {"created": True, "deliver_to": request.email, "note": TOKEN_NOTE}
    if ctx.settings.reveal_tokens:
        result |= {"verification_token": response.token, "note": "revealed because UC_MCP_REVEAL_TOKENS=1"}
    # Otherwise the response's token is dropped on purpose: it must reach the customer, not the model.
    return mark(ctx, result)


async def validate_email_verification_token(request: ValidateTokenInput, ctx: ToolContext) -> dict[str, Any]:
    response = await ctx.api.validate_email_verification_token(m.EmailVerifyTokenValidateRequest(token=request.token))
    if response.success:
        return mark(ctx, {"valid": True, "note": "The email address is verified; the token is used up."})
    return mark(
        ctx,
        {
            "valid": False,
            "note": "The token is unknown, already used or expired; the customer should request a new one.",
        },
    )


TOOLS = (
    ToolSpec(
        name="ultracart_get_email_verification_token",
        returns_customer_text=False,
        title="Create an email verification token",
        description=(
            "Create a token that verifies a customer's email address (sign-up or address-change flows), "
            "checked against the customer's password. The token is never shown to you: it is meant for the "
            "customer's inbox. Each call creates a new token. Validate what the customer received with "
            "ultracart_validate_email_verification_token."
        ),
        toolset="email_verification",
        input_model=GetTokenInput,
        output_model=TokenCreatedResult,
        handler=get_email_verification_token,
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolSpec(
        name="ultracart_validate_email_verification_token",
        returns_customer_text=False,
        title="Validate an email verification token",
        description=(
            "Check a verification token the customer received: valid true means the email address is verified. "
            "A token works once (this call uses it up), so do not call twice with the same token. Returns valid "
            "and a note."
        ),
        toolset="email_verification",
        input_model=ValidateTokenInput,
        output_model=TokenValidatedResult,
        handler=validate_email_verification_token,
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
)
