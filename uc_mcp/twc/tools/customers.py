"""Toolset ``customers``: search, read, create and update TWC customers. Deleting is guarded (``guarded.py``).

``twc_update_customer`` is the doc's three ``updateCustomer`` routes in one tool, chosen by ``match_by``: ``id``
(``PUT /customers/id={id}``), ``customerRef`` (``PUT /customers/customerRef={ref}``) or ``email``
(``PUT /customers``, which matches the customer named in its body; the tool finds the customer by the search first
and names it in the body by the id it read, the body-matched route's first priority, so the update lands on
exactly that customer).

Search answers a bare array (reference §5: no paging): the tool shows it in budget-sized slices with offsets into
that array, fetching it again for the next slice.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field

from ...core.budget import fit_list
from ...core.changes import collection_changes, record_changes
from ...core.errors import BadRequest, NotFound
from ...core.toolspec import Hints, ToolContext, ToolSpec
from .. import models as m
from ..api import SEARCH_FIELDS
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view, opted_in
from .common import (
    GET_HINT,
    CustomerKey,
    CustomerLookup,
    CustomerResult,
    CustomerWriteResult,
    FieldsInput,
    ListResult,
    MatchByOrEmail,
    WriteInput,
    changed_object,
    customer_changes,
    customer_id_of,
    mark,
    one_object,
    read_customer,
)
from .fields import CustomerFields, EmailText, NameText, NewCustomer, PhoneText, create_body, wanted_changes

SEARCH_TOOL: Final = "twc_search_customers"
WRITTEN_HINT: Final = "get the customer with twc_get_customer"
LIST_ID_FIELDS: Final = ("id", "email")


# -- inputs ------------------------------------------------------------------------------------------------


class SearchCustomersInput(FieldsInput):
    email: EmailText | None = None
    firstName: NameText | None = Field(None, min_length=1)
    lastName: NameText | None = Field(None, min_length=1)
    mobile: PhoneText | None = Field(None, min_length=3)
    phone: PhoneText | None = Field(None, min_length=3)
    limit: int = Field(20, ge=1, le=100, description="Customers per result (1-100).")
    offset: int = Field(0, ge=0, le=10_000, description="next_offset of the previous result (same search).")


class GetCustomerInput(CustomerLookup, FieldsInput):
    pass


class UpdateCustomerInput(WriteInput):
    match_by: MatchByOrEmail = Field(
        "id", description="What customer is: id (TWC's UUID, default), customerRef (your own reference) or email."
    )
    customer: CustomerKey = Field(description="The customer's id, customerRef or email, as match_by says.")
    changes: CustomerFields = Field(description='Only the fields to change, e.g. {"mobile":"0412 345 678"}.')


# -- search ------------------------------------------------------------------------------------------------


async def search_customers(request: SearchCustomersInput, ctx: ToolContext) -> dict[str, Any]:
    criteria = {name: value for name in SEARCH_FIELDS if (value := getattr(request, name))}
    if not criteria:
        raise ValueError(
            "email, firstName, lastName, mobile, phone: give at least one to search by (TWC matches every one given, "
            "exactly)."
        )
    page = await ctx.api.search_page(**criteria)
    total = len(page.items)
    start, end = request.offset, request.offset + request.limit
    result = fit_list(
        page.items[start:end],
        view=customer_view,
        fields=request.fields or None,
        total=total,
        offset=start,
        more=end < total,
        max_tokens=ctx.max_tokens - 20,
        next_hint=f"call {SEARCH_TOOL} again with offset={{offset}} and the same other arguments",
        detail_hint=GET_HINT,
        id_fields=LIST_ID_FIELDS,
        columns=None if request.fields else COMPACT_CUSTOMER_FIELDS,
    )
    if total == 0:
        result["notice"] = (
            "No customer matches every field given (TWC matches exactly, all fields together): check the spelling, "
            "search by fewer fields, or by email alone."
        )
    return mark(ctx, result)


# -- one customer ------------------------------------------------------------------------------------------


async def get_customer(request: GetCustomerInput, ctx: ToolContext) -> dict[str, Any]:
    record = await read_customer(ctx, request.match_by, request.customer)
    return one_object(ctx, "customer", record, request.fields)


async def _duplicate_of(ctx: ToolContext, request: NewCustomer) -> str | None:
    """Why a refused create was a duplicate, naming the customer that already has the email or customerRef (by its
    id; the values are the user's own and not repeated); None when neither is taken (another refusal)."""
    wanted = request.email.casefold()
    same_email = [
        r for r in await ctx.api.search_records(email=request.email) if str(r.get("email", "")).casefold() == wanted
    ]
    if same_email:
        return f"email: another customer of this tenant already has it (id {same_email[0].get('id')})"
    if request.customerRef:
        try:
            taken: m.Customer = await ctx.api.get_customer_by_ref(request.customerRef)
        except NotFound:
            return None
        return f"customerRef: another customer of this tenant already has it (id {taken.id})"
    return None


async def create_customer(request: NewCustomer, ctx: ToolContext) -> dict[str, Any]:
    """``POST /customers``. TWC refuses a taken email or customerRef with a 400 whose words it does not document;
    on a 400 the tool looks for the customer holding them and says which (one or two reads, after the refusal)."""
    try:
        written = m.record(await ctx.api.create_customer(create_body(request)))
    except BadRequest:
        duplicate = await _duplicate_of(ctx, request)
        if duplicate is None:
            raise
        raise ValueError(
            f"nothing was created: {duplicate}; emails and customerRefs are unique in a TWC tenant. Update that "
            "customer with twc_update_customer instead, or use another value."
        ) from None
    changes = collection_changes(added={"customers": [written.get("id")]})
    return changed_object(ctx, written, changes, hint=WRITTEN_HINT, extra={"outcome": "created"})


def plan_update(before: dict[str, Any], changes: CustomerFields) -> dict[str, Any]:
    """The body of the update: each given field whose value really changes ("" clears a text field; TWC reads a
    null as "not given"). An opt-in is sent for its channel alone; the other channel and the times stay TWC's."""
    body: dict[str, Any] = {}
    for name, value in wanted_changes(changes).items():
        if name == "optin_preferences":
            moved = {ch: pref for ch, pref in value.items() if opted_in(before, ch) != pref["opt_in_active"]}
            if moved:
                body[name] = moved
        elif record_changes({name: before.get(name)}, {name: value}):
            body[name] = value
    return body


async def _write_update(
    ctx: ToolContext, request: UpdateCustomerInput, before: dict[str, Any], body: dict[str, Any]
) -> m.Customer:
    """The update through the route ``match_by`` names (module doc)."""
    customer_id = customer_id_of(before, request.match_by, request.customer)
    write = m.CustomerWrite.model_validate(body)
    if request.match_by == "id":
        return await ctx.api.update_customer_by_id(customer_id, write)  # type: ignore[no-any-return]
    if request.match_by == "customerRef":
        return await ctx.api.update_customer_by_ref(request.customer, write)  # type: ignore[no-any-return]
    matched = m.CustomerMatch.model_validate({**body, "id": customer_id})
    return await ctx.api.update_customer(matched)  # type: ignore[no-any-return]


def _kept(body: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    """The fields sent that TWC left as they were (the write's answer shows no change for them)."""
    moved = {*changes.get("before", {}), *changes.get("after", {})}
    return [name for name in body if name not in moved]


async def update_customer(request: UpdateCustomerInput, ctx: ToolContext) -> dict[str, Any]:
    """A partial update (TWC's updates are). The customer is read first, to send only what changes and to report
    each changed field before and after; a change another client makes between the read and the write to a field
    sent is overwritten (written down: TWC has no conditional update)."""
    if not request.changes.model_fields_set:
        raise ValueError('changes: nothing to change; give the fields to change, e.g. {"mobile": "0412 345 678"}.')
    before = await read_customer(ctx, request.match_by, request.customer)
    body = plan_update(before, request.changes)
    if not body:
        result = one_object(ctx, "customer", before, hint=WRITTEN_HINT)
        result["outcome"] = "unchanged"
        nothing = "Nothing to change: the customer already has these values; nothing was written."
        result["notice"] = f"{nothing} {result['notice']}" if result.get("notice") else nothing
        return result
    written = m.record(await _write_update(ctx, request, before, body))
    changes = customer_changes(before, written)
    result = changed_object(ctx, written, changes, hint=WRITTEN_HINT, extra={"outcome": "updated"})
    kept = _kept(body, changes)
    if kept:
        said = f"TWC kept {', '.join(kept)} as it was, though the update sent a new value; check with the user."
        result["notice"] = " ".join(filter(None, (said, result.get("notice"))))
    return result


READ: Hints = {"read_only": True, "destructive": False, "idempotent": True, "toolset": "customers"}

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name=SEARCH_TOOL,
        title="Search TWC customers",
        description=(
            "Find The Wishlist (TWC) customers by exact email, firstName, lastName, mobile or phone (at least one; "
            "all given must match). Returns a compact table (id, customerRef, name, email, mobile, state, email and "
            "SMS opt-in, city, loyalty tier, created) with total; offset=next_offset for more, fields=[...] for "
            "other fields."
        ),
        input_model=SearchCustomersInput,
        output_model=ListResult,
        handler=search_customers,
        **READ,
    ),
    ToolSpec(
        name="twc_get_customer",
        title="Get a TWC customer",
        description=(
            "One TWC customer by id or customerRef (match_by): profile, dob (DD-MM-YYYY), state, marketing consent "
            "and email/SMS opt-ins, addresses (defaultAddress is the default one), attribute groups, loyalty "
            "and spend figures when TWC has them."
        ),
        input_model=GetCustomerInput,
        output_model=CustomerResult,
        handler=get_customer,
        **READ,
    ),
    ToolSpec(
        name="twc_create_customer",
        title="Create a TWC customer",
        description=(
            "Create a TWC customer. email is required; email and customerRef must be unique in the tenant (a taken "
            "one is refused, naming the customer that has it). dob is DD-MM-YYYY. If the outcome is unknown, search "
            "by the email before trying again."
        ),
        toolset="customers",
        input_model=NewCustomer,
        output_model=CustomerWriteResult,
        handler=create_customer,
        read_only=False,
        destructive=False,  # a new record; a taken email or ref is refused, so nothing existing is overwritten
        idempotent=False,
    ),
    ToolSpec(
        name="twc_update_customer",
        title="Update a TWC customer",
        description=(
            "Change some fields of one TWC customer; everything not named stays. One tool for TWC's three update "
            "routes: match_by id, customerRef or email says how customer names them. changes holds only the fields "
            'to change ("" clears a name or phone; email_opt_in/sms_opt_in set the opt-ins). Only change what the '
            "user asked for. Addresses: twc_add_customer_address. Returns the customer and each changed field "
            "before and after."
        ),
        toolset="customers",
        input_model=UpdateCustomerInput,
        output_model=CustomerWriteResult,
        handler=update_customer,
        read_only=False,
        destructive=True,  # unguarded on purpose: a targeted field update the user asked for (provider.py)
        idempotent=True,
    ),
)
