"""The guarded tools: nothing here runs without a person's yes (``core/confirm.py``).

Each tool is a ``Guard``: ``preview`` reads the target as it is now and states the exact change
(its ``question`` is what the person is asked: deterministic, naming the target and amounts, and
naming every id the preview resolved — its ``binding``); ``execute`` performs it on the binding the
person approved, never resolving the arguments again (a merge by email merges the profile the
preview showed, or nothing). Amounts are decimals with two places, capped by ``UC_MCP_MAX_CREDIT``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Annotated, Any, Final

from pydantic import AfterValidator, Field, model_validator

from ...core.budget import MIN_MAX_TOKENS, fit_object
from ...core.changes import collection_changes, figure_changes, merge_changes
from ...core.confirm import Binding, Guard, Preview
from ...core.decline import decline_tool
from ...core.errors import ProviderError
from ...core.guarded import GuardedResult as GuardedBase
from ...core.guarded import Token, guarded_spec
from ...core.toolspec import ToolContext
from ...ui import CONFIRM_VIEW
from .. import models as m
from ..api import tag_description
from ..views import customer_view
from .common import CustomerOid, ItemOid, WriteInput, changes_field, mark

Amount = Annotated[
    Decimal,
    # Not strict (write inputs are): a JSON number is the natural way to send an amount.
    Field(strict=False, max_digits=9, decimal_places=2, description="Amount in the store's currency, e.g. 20.00."),
    # Two places always, so 20, 20.0 and "20.00" sign (and audit) as the same amount.
    AfterValidator(lambda value: value.quantize(CENT)),
]
CENT = Decimal("0.01")
Days = Annotated[int, Field(ge=0, le=3650)]


class GuardedResult(GuardedBase):
    changes: dict[str, Any] | None = changes_field()


def _who(ctx: ToolContext, customer: Any) -> str:
    # Built from the redacted view: a field masked in results is masked in the question too, and an
    # identifying value that hid invisible characters says so (two profiles never read the same).
    view = ctx.redactor.apply(customer_view(customer.model_dump(mode="json", exclude_none=True)))
    name = f"{view['name']} " if view.get("name") else ""
    return f"{name}<{view.get('email')}> (#{view.get('customer_profile_oid')})"


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


# -- what a profile holds: what a merge moves and a delete removes -----------------------------------

# Everything of a profile that a merge moves to the survivor and a delete removes with it, read in one
# call (store credit and the wishlist have endpoints of their own). What moves follows UltraCart's
# description of merge and the sandbox's reading of it (sandbox/store.py, merge_customer).
HOLDINGS_EXPANSION: Final = (
    "billing",
    "shipping",
    "tags",
    "pricing_tiers",
    "properties",
    "cards",
    "cc_emails",
    "attachments",
    "software_entitlements",
    "orders_summary",
    "quotes_summary",
    "loyalty",
)
# A list field of the profile, and what names one entry of it (an id; a tag or tier by its name).
HELD_LISTS: Final = {
    "billing": "customer_billing_oid",
    "shipping": "customer_shipping_oid",
    "tags": "tag_value",
    "pricing_tiers": "name",
    "properties": "name",
    "cards": "customer_profile_credit_card_id",
    "cc_emails": "customer_profile_email_oid",
    "attachments": "customer_profile_attachment_oid",
    "software_entitlements": "customer_software_entitlement_oid",
}
# Summaries a merge adds up, by the API's own names.
HELD_FIGURES: Final = {
    "orders_summary": ("order_count", "total"),
    "quotes_summary": ("quote_count", "total"),
    "loyalty": ("current_points", "pending_points"),
}
LISTED: Final = 50  # ids shown per list in a preview or result; its count says how many there are
EMAIL_LISTS: Final = (
    "all of its email-list subscriptions (UltraCart has no per-customer read of them, so they are not listed)"
)
# Names of store-credit figures: the API's "total" is the lifetime credited amount, not a balance.
AVAILABLE: Final = "store_credit_available"
LIFETIME: Final = "store_credit_lifetime_credited"
VESTING: Final = "store_credit_vesting"


async def _customer(ctx: ToolContext, oid: int, expand: Sequence[str] = ("billing", "tags")) -> Any:
    return (await ctx.api.get_customer(oid, expand=list(expand))).customer


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text).quantize(CENT) if text else None
    except InvalidOperation:
        return None


def holdings(customer: Any) -> dict[str, Any]:
    """What ``customer`` (read with ``HOLDINGS_EXPANSION``) holds besides its own fields: entries of its
    lists by id, the summaries a merge adds up, and its store credit as its loyalty record states it."""
    record: dict[str, Any] = customer.model_dump(mode="json", exclude_none=True)
    held: dict[str, Any] = {}
    for name, key in HELD_LISTS.items():
        ids = [entry.get(key) for entry in record.get(name) or [] if entry.get(key) is not None]
        if ids:
            held[name] = ids[:LISTED]
            if len(ids) > LISTED:
                held[f"{name}_count"] = len(ids)
    for name, figures in HELD_FIGURES.items():
        summary = {key: record[name][key] for key in figures if (record.get(name) or {}).get(key)}
        if summary:
            held[name] = summary
    # The loyalty record's "Loyalty Cashback / Store credit balance" (a string in the API).
    balance = _decimal(customer.loyalty.internal_gift_certificate_balance if customer.loyalty else None)
    if balance:
        held[AVAILABLE] = float(balance)
    return held


def _count(held: Mapping[str, Any], name: str) -> int:
    return int(held.get(f"{name}_count", len(held.get(name) or [])))


def _plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + ('es' if word.endswith('s') else 's')}"


def _summary(held: Mapping[str, Any]) -> str:
    """The holdings in words, for the question the person answers: counts and amounts, no ids."""
    orders = held.get("orders_summary") or {}
    parts = [
        _plural(_count(held, "billing"), "billing address"),
        _plural(_count(held, "shipping"), "shipping address"),
        _plural(_count(held, "tags"), "tag"),
        f"store credit {held.get(AVAILABLE, 0):.2f} available ({held.get(LIFETIME, 0):.2f} credited in all)",
        _plural(int(held.get("wishlist_items", 0)), "wishlist item"),
        f"{_plural(int(orders.get('order_count', 0)), 'order')} ({float(orders.get('total', 0)):.2f})",
        _plural(int((held.get("loyalty") or {}).get("current_points", 0)), "loyalty point"),
        "its email-list subscriptions",
    ]
    return ", ".join(parts)


async def _all_holdings(ctx: ToolContext, customer: Any) -> tuple[dict[str, Any], list[Any]]:
    """``holdings`` plus the store credit and wishlist, read from their own endpoints (two calls); and the
    wishlist's items."""
    oid = customer.customer_profile_oid
    credit = await _store_credit(ctx, oid)
    wishlist = (await ctx.api.get_customer_wish_list(oid)).wishlist_items or []
    item_oids = [item.customer_wishlist_item_oid for item in wishlist if item.customer_wishlist_item_oid]
    held = holdings(customer)
    held[AVAILABLE] = credit[AVAILABLE]  # the store credit's own figure rather than the loyalty record's
    held[LIFETIME] = credit[LIFETIME]
    held["wishlist_items"] = len(item_oids)  # the count (the confirmation card shows it), then the ids
    if item_oids:
        held["wishlist_item_oids"] = item_oids[:LISTED]
    held["email_lists"] = EMAIL_LISTS
    return held, wishlist


async def _store_credit(ctx: ToolContext, oid: int) -> dict[str, Any]:
    """The store-credit figures of customer ``oid`` by their exact names, and its ledger (one call)."""
    credit = (await ctx.api.get_customer_store_credit(oid)).customer_store_credit or m.CustomerStoreCredit()
    zero = Decimal("0.00")
    return {
        AVAILABLE: float(credit.available or zero),
        VESTING: float(credit.vesting or zero),
        LIFETIME: float(credit.total or zero),
        "ledger": [*(credit.past_ledgers or []), *(credit.future_ledgers or [])],
    }


def _fitted(ctx: ToolContext, body: dict[str, Any], keep: Sequence[str], hint: str) -> dict[str, Any]:
    """``body`` within half the result budget (the rest is for the question, instructions and token): a
    profile's lists can be long (a tag may have 250 characters)."""
    limit = max(MIN_MAX_TOKENS, ctx.max_tokens // 2)
    return dict(fit_object(body, max_tokens=limit, id_fields=keep, detail_hint=hint))


def _see_all(oid: int) -> str:
    return (
        f"read customer {oid} with ultracart_get_customer (expand what you need) and its wishlist with "
        "ultracart_get_customer_wish_list"
    )


def _figures(credit: Mapping[str, Any]) -> dict[str, Any]:
    return {name: credit[name] for name in (AVAILABLE, VESTING, LIFETIME)}


# -- delete_customer ------------------------------------------------------------------------------


class DeleteCustomerInput(WriteInput):
    customer_profile_oid: CustomerOid
    confirm: Token | None = None


async def preview_delete(request: DeleteCustomerInput, ctx: ToolContext) -> Preview:
    customer = await _customer(ctx, request.customer_profile_oid, HOLDINGS_EXPANSION)
    held, _ = await _all_holdings(ctx, customer)
    return Preview(
        # Orders are records of their own in UltraCart: deleting a profile is assumed to leave them in the
        # order history (the profile's summary of them goes with it).
        f"Delete customer {_who(ctx, customer)} and everything attached to it: {_summary(held)}? The orders "
        "themselves stay in the store's order history. This cannot be undone.",
        _fitted(
            ctx,
            {"action": "delete customer", "customer": _compact(ctx, customer), "deletes": held},
            ("action", "customer"),
            _see_all(request.customer_profile_oid),
        ),
    )


# Stated by a merge's or a delete's result without reading them (the read would cost more calls).
NOT_REREAD: Final = (
    "Its wishlist items, store credit ledger and email-list subscriptions {went} as well; the preview listed them "
    "(they are not read again here, to keep this to one extra API call)."
)


async def execute_delete(request: DeleteCustomerInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    oid = request.customer_profile_oid
    # One extra API call: the profile as it is just before it goes, to say what went with it.
    held = holdings(await _customer(ctx, oid, HOLDINGS_EXPANSION))
    await ctx.api.delete_customer(oid)
    result = {
        "deleted_customer_profile_oid": oid,
        "changes": _removed_with(oid, held),
        "notice": NOT_REREAD.format(went="were deleted"),
    }
    return mark(ctx, _fitted(ctx, result, ("deleted_customer_profile_oid", "notice"), "look at the delete's preview"))


def _removed_with(oid: int, held: Mapping[str, Any]) -> dict[str, Any]:
    """A deleted profile's ``changes``: the profile and its lists' entries removed, its figures gone."""
    lists = {name: held[name] for name in HELD_LISTS if name in held}
    figures = {name: value for name, value in held.items() if name not in HELD_LISTS and not name.endswith("_count")}
    return merge_changes(collection_changes(removed={"customers": [oid], **lists}), figure_changes(figures, {}))


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
    item_oid = request.customer_wishlist_item_oid
    await ctx.api.delete_wish_list_item(request.customer_profile_oid, item_oid)
    changes = collection_changes(removed={"wishlist": [item_oid]})
    return mark(ctx, {"deleted_customer_wishlist_item_oid": item_oid, "changes": changes})


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
        return await _customer(ctx, request.merge_customer_profile_oid, HOLDINGS_EXPANSION)
    expand = list(HOLDINGS_EXPANSION)
    return (await ctx.api.get_customer_by_email(request.merge_email or "", expand=expand)).customer


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


async def _duplicate_wishes(ctx: ToolContext, survivor_oid: int, theirs: list[Any]) -> list[int]:
    """The merged-away profile's wishlist items (``theirs``) for store items the survivor already wishes for:
    the merge drops them rather than listing an item twice (assumed, as the sandbox does). One call, when
    there is anything to compare."""
    if not theirs:
        return []
    mine = {
        item.merchant_item_oid for item in (await ctx.api.get_customer_wish_list(survivor_oid)).wishlist_items or []
    }
    return [
        item.customer_wishlist_item_oid
        for item in theirs
        if item.customer_wishlist_item_oid and item.merchant_item_oid is not None and item.merchant_item_oid in mine
    ]


async def preview_merge(request: MergeCustomerInput, ctx: ToolContext) -> Preview:
    survivor = await _customer(ctx, request.customer_profile_oid)
    other = await _merged_away(request, ctx)
    other_oid = other.customer_profile_oid
    _not_itself(request, other_oid)
    held, wishlist = await _all_holdings(ctx, other)
    dropped = await _duplicate_wishes(ctx, request.customer_profile_oid, wishlist)
    drops = (
        f" {_plural(len(dropped), 'wishlist item')} the surviving profile already has would be dropped."
        if dropped
        else ""
    )
    details: dict[str, Any] = {
        "action": "merge customers",
        "surviving": _compact(ctx, survivor),
        "merged_away": _compact(ctx, other),
        "moves": held,
        "deletes": {"customer_profile_oid": other_oid, **({"wishlist_item_oids": dropped} if dropped else {})},
    }
    return Preview(
        f"Merge {_who(ctx, other)} into {_who(ctx, survivor)}? Moving to the surviving profile: {_summary(held)}."
        f"{drops} Profile #{other_oid} is then deleted. This cannot be undone.",
        _fitted(ctx, details, ("action", "surviving", "merged_away", "deletes"), _see_all(other_oid)),
        binding={MERGED: other_oid},
    )


async def execute_merge(request: MergeCustomerInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    merged = int(binding[MERGED])  # the profile the person approved, whatever the email resolves to now
    _not_itself(request, merged)
    # One extra API call: the profile merged away as it is just before the merge, to say what moved.
    moved = holdings(await _customer(ctx, merged, HOLDINGS_EXPANSION))
    await ctx.api.merge_customer(request.customer_profile_oid, m.CustomerMergeRequest(customer_profile_oid=merged))
    result = {
        "surviving_customer_profile_oid": request.customer_profile_oid,
        "merged_away_customer_profile_oid": merged,
        "moved": moved,
        "changes": collection_changes(removed={"customers": [merged]}),
        "notice": NOT_REREAD.format(went="moved"),
    }
    keep = ("surviving_customer_profile_oid", "merged_away_customer_profile_oid", "changes", "notice")
    return mark(ctx, _fitted(ctx, result, keep, _see_all(request.customer_profile_oid)))


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
            "vesting_days": request.vesting_days,
            "expiration_days": request.expiration_days,
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
    oid = request.customer_profile_oid
    # One extra API call: the balances just before the credit (the read after it says what it became).
    before = await _store_credit(ctx, oid)
    # The ledger entry carries this call's request id, the one its audit records carry.
    await ctx.api.add_customer_store_credit(oid, body, request_id=ctx.request_id)
    sent = _sent_entry(
        request.amount, request.description, ctx.request_id, request.vesting_days, request.expiration_days
    )
    try:
        after = await _store_credit(ctx, oid)
    except ProviderError:
        # The credit is in: a failed read afterwards must not look like a failed credit (a retry
        # would credit twice).
        return mark(
            ctx,
            {
                "added": float(request.amount),
                "ledger_entry": sent,
                "notice": "The credit was added; the new balance could not be read. Do not add it again.",
            },
        )
    entry, found = _ledger_entry(after["ledger"], ctx.request_id, sent)
    result = {
        "added": float(request.amount),
        "available_now": after[AVAILABLE],
        "ledger_entry": entry,
        "changes": figure_changes(_figures(before), _figures(after)),
    }
    if not found:
        result["notice"] = (
            f"The credit was added, but the ledger does not show an entry with [{ctx.request_id}] yet; check it "
            f"with ultracart_get_customer_store_credit before doing anything else. Do not add it again."
        )
    return mark(ctx, result)


def _sent_entry(
    amount: Decimal, description: str | None, request_id: str, vesting_days: int | None, expiration_days: int | None
) -> dict[str, Any]:
    """A ledger entry as this call sent it: the description as ``api.py`` tags it with the request id."""
    return {
        "amount": float(amount),
        "description": tag_description(description, request_id),
        "vesting_days": vesting_days,
        "expiration_days": expiration_days,
    }


# A store-credit ledger entry's action (UltraCart: "e.g. Vesting / Expiring"), and the date it gives.
LEDGER_DATES: Final = {"Vesting": "vesting_dts", "Expiring": "expiration_dts"}


def _ledger_entry(ledger: list[Any], request_id: str, sent: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The credit this call added, as the ledger shows it (found by its request id): its oid, amount,
    description, and when it was entered, vests and expires; what was sent where the ledger is silent."""
    mine = [entry for entry in ledger if f"[{request_id}]" in (entry.description or "")]
    found: dict[str, Any] = {"amount": sent["amount"], "description": sent["description"]}
    for entry in mine:
        date = LEDGER_DATES.get(entry.action or "", "entry_dts")
        found[date] = entry.entry_dts
        if date != "expiration_dts":  # an expiry is an entry of its own, with an id of its own
            found["gift_certificate_ledger_oid"] = entry.gift_certificate_ledger_oid
            found["amount"] = float(entry.amount) if entry.amount is not None else sent["amount"]
        found["description"] = entry.description
    for days, date in (("vesting_days", "vesting_dts"), ("expiration_days", "expiration_dts")):
        if sent.get(days) and date not in found:
            found[days] = sent[days]
    return found, bool(mine)


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


# Cashback is store credit: UltraCart's internal gift certificate, whose usable balance the store credit calls
# "available" and the adjustment's answer calls balance_amount (assumed, as the sandbox reads the spec's "the
# balance amount after the adjustment was made": sandbox/store.py, adjust_cashback). One name for one figure.
CASHBACK: Final = AVAILABLE


async def preview_cashback(request: AdjustCashbackInput, ctx: ToolContext) -> Preview:
    if request.adjustment_amount == 0:
        raise ValueError("adjustment_amount must not be zero.")
    _cap(ctx, request.adjustment_amount, "adjustment_amount")
    customer = await _customer(ctx, request.customer_profile_oid)
    balance = await _available(ctx, request.customer_profile_oid)
    verb = "Add" if request.adjustment_amount > 0 else "Remove"
    return Preview(
        # The balance is in the details, not the question: an elicitation's resent final round must meet the
        # same question (and the single-use record) rather than a new one because the balance moved.
        f"{verb} {abs(request.adjustment_amount):.2f} store credit (cashback) for {_who(ctx, customer)}?",
        {
            "action": "adjust cashback",
            "customer": _compact(ctx, customer),
            "adjustment_amount": float(request.adjustment_amount),
            CASHBACK: float(balance),
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
    oid = request.customer_profile_oid
    # One extra API call: the balance just before the adjustment (its answer states the balance after).
    before = await _available(ctx, oid)
    response = await ctx.api.adjust_internal_certificate(oid, body, request_id=ctx.request_id)
    sent = _sent_entry(
        request.adjustment_amount, request.description, ctx.request_id, request.vesting_days, request.expiration_days
    )
    result: dict[str, Any] = {
        "adjustment_amount": float(response.adjustment_amount or 0),
        "balance_amount": float(response.balance_amount or 0),
        "ledger_entry": {**sent, "order_id": request.order_id},
    }
    if response.balance_amount is not None:
        result["changes"] = figure_changes({CASHBACK: float(before)}, {CASHBACK: float(response.balance_amount)})
    if not result.get("changes") and request.vesting_days:
        result["notice"] = f"The adjustment vests in {request.vesting_days} days; the balance changes then."
    return mark(ctx, result)


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


# A guarded, destructive tool (core/guarded.py): its result a GuardedResult, its preview the confirmation card.
_spec = partial(guarded_spec, output_model=GuardedResult, view=CONFIRM_VIEW)


TOOLS = (
    _spec(
        "ultracart_delete_customer",
        "Delete a customer",
        "customers",
        "Delete a customer and everything attached to it; the preview lists what disappears.",
        DeleteCustomerInput,
        Guard(preview_delete, execute_delete),
        idempotent=True,
    ),
    _spec(
        "ultracart_merge_customer",
        "Merge two customers",
        "customers",
        "Merge a duplicate profile (by oid or email) into the surviving one; the duplicate is deleted. The preview "
        "lists everything that moves (addresses, tags, store credit, wishlist, orders, loyalty points).",
        MergeCustomerInput,
        Guard(preview_merge, execute_merge, resolve_merge),
        idempotent=True,
    ),
    _spec(
        "ultracart_add_customer_store_credit",
        "Add store credit",
        "store_credit",
        "Add store credit to a customer, optionally vesting later or expiring. The result echoes the ledger entry "
        "(with its request id) and the balances before and after.",
        AddStoreCreditInput,
        Guard(preview_credit, execute_credit),
    ),
    _spec(
        "ultracart_adjust_internal_certificate",
        "Adjust cashback balance",
        "store_credit",
        "Add to or remove from a customer's store credit as cashback (UltraCart's internal gift certificate: the "
        "same balance as ultracart_get_customer_store_credit's available); the result gives the "
        "balance before and after.",
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
    ),
)


# -- the confirmation card's Cancel (MCP Apps, app-only): core/decline.py, over exactly these guarded tools ------

APP_TOOLS = (decline_tool("ultracart", TOOLS, CONFIRM_VIEW),)
