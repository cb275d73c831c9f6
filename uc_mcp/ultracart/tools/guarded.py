"""The guarded tools: nothing here runs without a person's yes (``core/confirm.py``).

Each tool is a ``Guard``: ``preview`` reads the target as it is now and states the exact change
(its ``question`` is what the person is asked: deterministic, naming the target and amounts, and
naming every id the preview resolved — its ``binding``); ``execute`` performs it on the binding the
person approved, never resolving the arguments again (a merge by email merges the profile the
preview showed, or nothing). Amounts are decimals with two places, capped by ``UC_MCP_MAX_CREDIT``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, model_validator

from ...core.confirm import Binding, Guard, Preview
from ...core.confirm_token import InvalidToken
from ...core.errors import ProviderError
from ...core.toolspec import ToolContext, ToolSpec
from ...ui import CONFIRM_VIEW
from .. import models as m
from ..views import customer_view
from .common import CustomerOid, ItemOid, ObjectResult, StrictInput, WriteInput, mark

Token = Annotated[
    str, Field(max_length=128, description="The confirm token from the preview, after the user said yes.")
]
Amount = Annotated[
    Decimal,
    # Not strict (write inputs are): a JSON number is the natural way to send an amount.
    Field(strict=False, max_digits=9, decimal_places=2, description="Amount in the store's currency, e.g. 20.00."),
    # Two places always, so 20, 20.0 and "20.00" sign (and audit) as the same amount.
    AfterValidator(lambda value: value.quantize(CENT)),
]
CENT = Decimal("0.01")
Days = Annotated[int, Field(ge=0, le=3650)]


class GuardedResult(ObjectResult):
    status: str = Field(description="executed | confirmation_required | declined")
    question: str | None = None
    preview: dict[str, Any] | None = Field(None, description="The target as it is now and the exact change.")
    confirm: str | None = Field(
        None, description="Single-use token: call again with confirm=<it> after the user's yes."
    )
    instructions: str | None = None


def _who(ctx: ToolContext, customer: Any) -> str:
    # Built from the redacted view: a field masked in results is masked in the question too, and an
    # identifying value that hid invisible characters says so (two profiles never read the same).
    view = ctx.redactor.apply(customer_view(customer.model_dump(mode="json", exclude_none=True)))
    name = f"{view['name']} " if view.get("name") else ""
    return f"{name}<{view.get('email')}> (#{view.get('customer_profile_oid')})"


async def _customer(ctx: ToolContext, oid: int) -> Any:
    return (await ctx.api.get_customer(oid, expand=["billing", "tags"])).customer


def _compact(ctx: ToolContext, customer: Any) -> dict[str, Any]:
    view = ctx.redactor.apply(customer_view(customer.model_dump(mode="json", exclude_none=True)))
    return {k: v for k, v in view.items() if v is not None}


async def _available(ctx: ToolContext, oid: int) -> Decimal:
    credit = (await ctx.api.get_customer_store_credit(oid)).customer_store_credit
    return credit.available if credit is not None and credit.available is not None else Decimal("0.00")


def _cap(ctx: ToolContext, amount: Decimal, field: str) -> None:
    limit: Decimal = ctx.settings.max_credit
    if abs(amount) > limit:
        raise ValueError(f"{field} is above the limit of {limit} per call (UC_MCP_MAX_CREDIT); nothing was done.")


# -- delete_customer ------------------------------------------------------------------------------


class DeleteCustomerInput(WriteInput):
    customer_profile_oid: CustomerOid
    confirm: Token | None = None


async def preview_delete(request: DeleteCustomerInput, ctx: ToolContext) -> Preview:
    customer = await _customer(ctx, request.customer_profile_oid)
    return Preview(
        f"Delete customer {_who(ctx, customer)} and everything attached to it (addresses, store credit, wishlist, "
        "email-list memberships)? This cannot be undone.",
        {"action": "delete customer", "customer": _compact(ctx, customer)},
    )


async def execute_delete(request: DeleteCustomerInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    await ctx.api.delete_customer(request.customer_profile_oid)
    return mark(ctx, {"deleted_customer_profile_oid": request.customer_profile_oid})


# -- delete_wish_list_item -------------------------------------------------------------------------


class DeleteWishListItemInput(WriteInput):
    customer_profile_oid: CustomerOid
    customer_wishlist_item_oid: ItemOid
    confirm: Token | None = None


async def preview_delete_item(request: DeleteWishListItemInput, ctx: ToolContext) -> Preview:
    customer = await _customer(ctx, request.customer_profile_oid)
    item = (
        await ctx.api.get_customer_wish_list_item(request.customer_profile_oid, request.customer_wishlist_item_oid)
    ).wishlist_item
    assert item is not None
    return Preview(
        f"Remove item {item.merchant_item_oid} (wishlist entry #{item.customer_wishlist_item_oid}) from the "
        f"wishlist of {_who(ctx, customer)}?",
        {
            "action": "delete wishlist item",
            "customer": _compact(ctx, customer),
            "item": item.model_dump(mode="json", exclude_none=True),
        },
    )


async def execute_delete_item(request: DeleteWishListItemInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    await ctx.api.delete_wish_list_item(request.customer_profile_oid, request.customer_wishlist_item_oid)
    return mark(ctx, {"deleted_customer_wishlist_item_oid": request.customer_wishlist_item_oid})


# -- merge_customer --------------------------------------------------------------------------------


class MergeCustomerInput(WriteInput):
    customer_profile_oid: CustomerOid = Field(description="The profile that survives.")
    merge_customer_profile_oid: int | None = Field(
        None, ge=1, le=2_147_483_647, description="The profile merged away (or give its email)."
    )
    merge_email: str | None = Field(None, min_length=3, max_length=100, description="Email of the profile merged away.")
    confirm: Token | None = None

    @model_validator(mode="after")
    def _one_source(self) -> MergeCustomerInput:
        if (self.merge_customer_profile_oid is None) == (self.merge_email is None):
            raise ValueError("give exactly one of merge_customer_profile_oid or merge_email")
        return self


MERGED: str = "merge_customer_profile_oid"  # the binding's key: the profile the person saw merged away


async def _merged_away(request: MergeCustomerInput, ctx: ToolContext) -> Any:
    if request.merge_customer_profile_oid is not None:
        return await _customer(ctx, request.merge_customer_profile_oid)
    return (await ctx.api.get_customer_by_email(request.merge_email or "", expand=["billing", "tags"])).customer


def _not_itself(request: MergeCustomerInput, merged_oid: int | None) -> None:
    if merged_oid == request.customer_profile_oid:
        raise ValueError("a customer cannot be merged into itself; nothing was done.")


async def resolve_merge(request: MergeCustomerInput, ctx: ToolContext) -> Binding:
    """The profile merged away, as the arguments resolve now (an email may have moved since the preview)."""
    oid = request.merge_customer_profile_oid
    if oid is None:
        oid = (await ctx.api.get_customer_by_email(request.merge_email or "")).customer.customer_profile_oid
    _not_itself(request, oid)
    return {MERGED: oid}


async def preview_merge(request: MergeCustomerInput, ctx: ToolContext) -> Preview:
    survivor = await _customer(ctx, request.customer_profile_oid)
    other = await _merged_away(request, ctx)
    _not_itself(request, other.customer_profile_oid)
    credit = await _available(ctx, other.customer_profile_oid)
    wishlist = len((await ctx.api.get_customer_wish_list(other.customer_profile_oid)).wishlist_items or [])
    moves = f"Its addresses, tags, store credit ({credit:.2f} available), wishlist ({wishlist} items) and email lists"
    return Preview(
        f"Merge {_who(ctx, other)} into {_who(ctx, survivor)}? {moves} move to the surviving profile, and "
        f"#{other.customer_profile_oid} is deleted. This cannot be undone.",
        {
            "action": "merge customers",
            "surviving": _compact(ctx, survivor),
            "merged_away": _compact(ctx, other),
            "moves": {"store_credit_available": float(credit), "wishlist_items": wishlist},
        },
        binding={MERGED: other.customer_profile_oid},
    )


async def execute_merge(request: MergeCustomerInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    merged = int(binding[MERGED])  # the profile the person approved, whatever the email resolves to now
    _not_itself(request, merged)
    await ctx.api.merge_customer(request.customer_profile_oid, m.CustomerMergeRequest(customer_profile_oid=merged))
    return mark(
        ctx,
        {
            "surviving_customer_profile_oid": request.customer_profile_oid,
            "merged_away_customer_profile_oid": merged,
        },
    )


# -- store credit and cashback -------------------------------------------------------------------


def _check_days(vesting_days: int | None, expiration_days: int | None) -> None:
    # The API refuses a ledger entry that expires before (or when) it vests.
    if expiration_days and expiration_days <= (vesting_days or 0):
        raise ValueError("expiration_days must be more than vesting_days (or 0: never expires)")


class AddStoreCreditInput(WriteInput):
    customer_profile_oid: CustomerOid
    amount: Amount = Field(gt=0)
    description: str | None = Field(
        None, max_length=37, description="Why, e.g. 'Late parcel' (a request id is appended)."
    )
    vesting_days: Days | None = Field(None, description="Days before it can be used (0: now).")
    expiration_days: Days | None = Field(None, description="Days until it expires (0: never).")
    confirm: Token | None = None

    @model_validator(mode="after")
    def _expires_after_vesting(self) -> AddStoreCreditInput:
        _check_days(self.vesting_days, self.expiration_days)
        return self


async def preview_credit(request: AddStoreCreditInput, ctx: ToolContext) -> Preview:
    _cap(ctx, request.amount, "amount")
    customer = await _customer(ctx, request.customer_profile_oid)
    available = await _available(ctx, request.customer_profile_oid)
    return Preview(
        f"Add {request.amount:.2f} store credit to {_who(ctx, customer)}? Available now: {available:.2f}.",
        {
            "action": "add store credit",
            "customer": _compact(ctx, customer),
            "amount": float(request.amount),
            "available_now": float(available),
            "description": request.description,
        },
    )


async def execute_credit(request: AddStoreCreditInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    _cap(ctx, request.amount, "amount")
    body = m.CustomerStoreCreditAddRequest(
        amount=request.amount,
        description=request.description,
        vesting_days=request.vesting_days,
        expiration_days=request.expiration_days,
    )
    # The ledger entry carries this call's request id, the one its audit records carry.
    await ctx.api.add_customer_store_credit(request.customer_profile_oid, body, request_id=ctx.request_id)
    try:
        available = await _available(ctx, request.customer_profile_oid)
    except ProviderError:
        # The credit is in: a failed read afterwards must not look like a failed credit (a retry
        # would credit twice).
        return mark(
            ctx,
            {
                "added": float(request.amount),
                "notice": "The credit was added; the new balance could not be read. Do not add it again.",
            },
        )
    return mark(ctx, {"added": float(request.amount), "available_now": float(available)})


class AdjustCashbackInput(WriteInput):
    customer_profile_oid: CustomerOid
    adjustment_amount: Amount = Field(description="Positive adds, negative removes.")
    description: str | None = Field(None, max_length=37)
    order_id: str | None = Field(None, max_length=30)
    vesting_days: Days | None = None
    expiration_days: Days | None = None
    confirm: Token | None = None

    @model_validator(mode="after")
    def _expires_after_vesting(self) -> AdjustCashbackInput:
        _check_days(self.vesting_days, self.expiration_days)
        return self


async def preview_cashback(request: AdjustCashbackInput, ctx: ToolContext) -> Preview:
    if request.adjustment_amount == 0:
        raise ValueError("adjustment_amount must not be zero.")
    _cap(ctx, request.adjustment_amount, "adjustment_amount")
    customer = await _customer(ctx, request.customer_profile_oid)
    verb = "Add" if request.adjustment_amount > 0 else "Remove"
    return Preview(
        f"{verb} {abs(request.adjustment_amount):.2f} cashback for {_who(ctx, customer)}?",
        {
            "action": "adjust cashback",
            "customer": _compact(ctx, customer),
            "adjustment_amount": float(request.adjustment_amount),
        },
    )


async def execute_cashback(request: AdjustCashbackInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    _cap(ctx, request.adjustment_amount, "adjustment_amount")
    body = m.AdjustInternalCertificateRequest(
        adjustment_amount=request.adjustment_amount,
        description=request.description,
        order_id=request.order_id,
        vesting_days=request.vesting_days,
        expiration_days=request.expiration_days,
    )
    response = await ctx.api.adjust_internal_certificate(request.customer_profile_oid, body, request_id=ctx.request_id)
    return mark(
        ctx,
        {
            "adjustment_amount": float(response.adjustment_amount or 0),
            "balance_amount": float(response.balance_amount or 0),
        },
    )


# -- magic link ----------------------------------------------------------------------------------


class MagicLinkInput(WriteInput):
    customer_profile_oid: CustomerOid
    storefront_host_name: str = Field(
        min_length=4,
        max_length=253,
        # Dot-separated labels of letters, digits and inner hyphens (the API refuses "..x.com", "-a.com").
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
        description="e.g. shop.example.com",
    )
    confirm: Token | None = None


async def preview_link(request: MagicLinkInput, ctx: ToolContext) -> Preview:
    customer = await _customer(ctx, request.customer_profile_oid)
    return Preview(
        f"Create a login link that signs in as {_who(ctx, customer)} on {request.storefront_host_name}? Anyone "
        "holding the link can act as this customer.",
        {
            "action": "create magic link",
            "customer": _compact(ctx, customer),
            "storefront": request.storefront_host_name,
        },
    )


async def execute_link(request: MagicLinkInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    url = (await ctx.api.get_magic_link(request.customer_profile_oid, request.storefront_host_name)).url
    if ctx.settings.reveal_magic_links:
        return mark(ctx, {"created": True, "url": url})
    # A login link is a credential: it is not put into the chat unless the operator allows it.
    return mark(
        ctx,
        {
            "created": True,
            "notice": "The link was created but is not shown here (a login link is a credential). The operator can "
            "get one on the command line: `uc-mcp call ultracart_get_magic_link '<arguments>' --confirm`.",
        },
    )


WRITE = {"read_only": False, "destructive": True, "idempotent": False}


async def _only_through_the_guard(request: Any, ctx: ToolContext) -> dict[str, Any]:
    # A guarded spec runs through its Guard (core/toolspec.py), which executes on the binding the person
    # approved; there is no path that executes without one.
    raise RuntimeError("a guarded tool runs only through its confirmation")


def _spec(
    name: str, title: str, toolset: str, description: str, model: type[WriteInput], guard: Guard, **hints: bool
) -> ToolSpec:
    flags = {**WRITE, **hints}
    return ToolSpec(
        name=name,
        title=title,
        description=description
        + " Needs the user's explicit confirmation: the host asks them, or the result is a preview with a "
        "confirm token to use only after they say yes.",
        toolset=toolset,
        input_model=model,
        output_model=GuardedResult,
        handler=_only_through_the_guard,
        guard=guard,
        view=CONFIRM_VIEW,
        **flags,  # type: ignore[arg-type]
    )


TOOLS = (
    _spec(
        "ultracart_delete_customer",
        "Delete a customer",
        "customers",
        "Delete a customer and everything attached to it.",
        DeleteCustomerInput,
        Guard(preview_delete, execute_delete),
        idempotent=True,
    ),
    _spec(
        "ultracart_merge_customer",
        "Merge two customers",
        "customers",
        "Merge a duplicate profile (by oid or email) into the surviving one; the duplicate is deleted.",
        MergeCustomerInput,
        Guard(preview_merge, execute_merge, resolve_merge),
        idempotent=True,
    ),
    _spec(
        "ultracart_add_customer_store_credit",
        "Add store credit",
        "store_credit",
        "Add store credit to a customer, optionally vesting later or expiring.",
        AddStoreCreditInput,
        Guard(preview_credit, execute_credit),
    ),
    _spec(
        "ultracart_adjust_internal_certificate",
        "Adjust cashback balance",
        "store_credit",
        "Add to or remove from a customer's cashback balance (internal gift certificate).",
        AdjustCashbackInput,
        Guard(preview_cashback, execute_cashback),
    ),
    _spec(
        "ultracart_delete_wish_list_item",
        "Delete a wishlist item",
        "wishlist",
        "Remove one item from a customer's wishlist.",
        DeleteWishListItemInput,
        Guard(preview_delete_item, execute_delete_item),
        idempotent=True,
    ),
    _spec(
        "ultracart_get_magic_link",
        "Create a customer login link",
        "admin",
        "Create a magic link that logs into a storefront as the customer (a credential).",
        MagicLinkInput,
        Guard(preview_link, execute_link),
        destructive=True,
    ),
)


# -- the confirmation card's Cancel (MCP Apps, app-only) -------------------------------------------

GUARDED_TOOLS = {spec.name: spec for spec in TOOLS}
GuardedName = Literal[
    "ultracart_delete_customer",
    "ultracart_merge_customer",
    "ultracart_add_customer_store_credit",
    "ultracart_adjust_internal_certificate",
    "ultracart_delete_wish_list_item",
    "ultracart_get_magic_link",
]


class DeclineInput(StrictInput):
    tool: GuardedName = Field(description="The guarded tool whose preview the person cancelled.")
    arguments: dict[str, Any] = Field(max_length=20, description="The preview's arguments.")
    cancel: str = Field(
        min_length=20, max_length=128, pattern=r"^c2\.", description="The preview's cancel key (not its token)."
    )


class DeclineResult(ObjectResult):
    status: str = Field(description="declined | closed (the preview was no longer open: nothing recorded)")
    # Not "token": a key of that name is a secret to the outbound filter (core/redact.py) and is dropped.
    confirmation: str = Field(description="withdrawn | already used | expired: what became of the preview's token.")


async def decline_confirmation(request: DeclineInput, ctx: ToolContext) -> dict[str, Any]:
    """Withdraw the preview's token and record the person's Cancel; nothing else happens.

    Only a preview this server issued for exactly this tool, tenant and arguments, and still open, is
    declined: the cancel key is bound to them like the token, and a used or expired one records nothing."""
    spec = GUARDED_TOOLS[request.tool]
    try:
        target = spec.input_model.model_validate(
            {key: value for key, value in request.arguments.items() if value is not None and key != "confirm"}
        )
    except ValidationError:
        raise ValueError(f"arguments: not the arguments of a {request.tool} preview; nothing was recorded.") from None
    assert ctx.confirmations is not None
    arguments = target.model_dump(mode="json", exclude={"confirm"}, exclude_none=True)
    try:
        outcome = ctx.confirmations.tokens.withdraw(request.cancel, request.tool, arguments, ctx.tenant)
    except InvalidToken:
        raise ValueError(
            "cancel: not the cancel key of a preview this server issued for this tool and these arguments; "
            "nothing was recorded."
        ) from None
    if outcome != "withdrawn":
        notice = {
            "used": "The confirmation had already been used: the action may have been performed. Check before "
            "retrying.",
            "expired": "Nothing to cancel: the confirmation had expired, and nothing was done with it.",
        }[outcome]
        confirmation = "already used" if outcome == "used" else "expired"
        return mark(ctx, {"status": "closed", "confirmation": confirmation, "notice": notice})
    warning = ctx.auditor(request.tool, arguments).try_record("declined", via="apps", outcome="token withdrawn")
    result: dict[str, Any] = {
        "status": "declined",
        "confirmation": "withdrawn",
        "notice": "Cancelled: nothing was done, and the confirmation can no longer be used.",
    }
    if warning:
        result["warning"] = warning
    return mark(ctx, result)


APP_TOOLS = (
    ToolSpec(
        name="ultracart_decline_confirmation",
        title="Cancel a confirmation",
        description=(
            "Called by the confirmation card when the person presses Cancel: withdraws the preview's confirm "
            "token and records the decline in the audit log. Changes nothing in the store."
        ),
        toolset="apps",
        input_model=DeclineInput,
        output_model=DeclineResult,
        handler=decline_confirmation,  # type: ignore[arg-type]
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=False,
        returns_customer_text=False,
        view=CONFIRM_VIEW,
        app_only=True,
    ),
)
