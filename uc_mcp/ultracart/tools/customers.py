"""Toolset ``customers``: find, read, insert and update customers (delete and merge are guarded tools,
guarded.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import Field

from ...core.budget import MIN_MAX_TOKENS, estimate_tokens, fit_list
from ...core.changes import collection_changes
from ...core.errors import BadRequest, NotFound
from ...core.filtering import first_matches
from ...core.paging import Page
from ...core.toolspec import Hints, ToolContext, ToolSpec
from ...ui import CUSTOMER_VIEW, TABLE_VIEW
from .. import models as m
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view
from .assist import PAGE
from .common import (
    LIST_ID_FIELDS,
    VIEW_EXPANSION,
    CustomerOid,
    Expansion,
    ListResult,
    ObjectResult,
    PageInput,
    StrictInput,
    changed_object,
    changes_field,
    customer_list,
    decoded_keys,
    fitted_rows,
    mark,
    one_object,
)
from .customer_filters import OUT_OF_CALLS, CustomerFilterInput, DateText, no_default, read_line, selection
from .customer_write import (
    NewCustomer,
    UpdateCustomerInput,
    customer_changes,
    expansions,
    new_customer,
    plan_update,
    same_moment,
    snapshot,
)

EXPANDABLE = set(Expansion.__args__)  # type: ignore[attr-defined]


LIST_MAX_CALLS = 8


class GetCustomersInput(PageInput, CustomerFilterInput):
    # Not given unless needed (a view re-calls the tool with the arguments it was given): None is the default.
    max_calls: int = Field(
        None,  # type: ignore[assignment]  # never validated: the server drops null arguments
        ge=1,
        le=100,
        description=f"Most API calls (200 customers each) for has_store_credit; default {LIST_MAX_CALLS}.",
        json_schema_extra=no_default,
    )


class CustomerQueryInput(PageInput):
    email: Annotated[str, Field(max_length=100)] | None = None
    emails: list[Annotated[str, Field(max_length=100)]] | None = Field(
        None, max_length=100, description="Any of these emails, exactly."
    )
    any_tags: list[Annotated[str, Field(max_length=250)]] | None = Field(
        None, max_length=20, description="Has at least one of these tags."
    )
    all_tags: list[Annotated[str, Field(max_length=250)]] | None = Field(
        None, max_length=20, description="Has every one of these tags."
    )
    billing_first_name: Annotated[str, Field(max_length=30)] | None = None
    billing_last_name: Annotated[str, Field(max_length=30)] | None = None
    billing_company: Annotated[str, Field(max_length=50)] | None = None
    billing_city: Annotated[str, Field(max_length=32)] | None = None
    billing_state: Annotated[str, Field(max_length=32)] | None = None
    billing_postal_code: Annotated[str, Field(max_length=20)] | None = None
    billing_country_code: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    billing_day_phone: Annotated[str, Field(max_length=25, pattern="[0-9]")] | None = None
    shipping_city: Annotated[str, Field(max_length=32)] | None = None
    shipping_state: Annotated[str, Field(max_length=32)] | None = None
    shipping_country_code: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    pricing_tier_name: Annotated[str, Field(max_length=50)] | None = None
    signup_dts_start: DateText | None = None
    signup_dts_end: DateText | None = None
    last_modified_dts_start: DateText | None = None
    last_modified_dts_end: DateText | None = None


class GetCustomerInput(StrictInput):
    customer_profile_oid: CustomerOid
    expand: list[Expansion] | None = Field(
        None, max_length=15, description="Sub-objects to include; default: addresses and tags."
    )
    fields: list[Annotated[str, Field(max_length=80)]] | None = Field(
        None, max_length=30, description="Only these fields."
    )


class GetCustomerByEmailInput(StrictInput):
    email: str = Field(
        min_length=3, max_length=100, pattern=r"^[^@\s/]+@[^@\s/]+$", description="The exact email address."
    )
    expand: list[Expansion] | None = Field(
        None, max_length=15, description="Sub-objects to include; default: addresses and tags."
    )
    fields: list[Annotated[str, Field(max_length=80)]] | None = Field(
        None, max_length=30, description="Only these fields."
    )


class CustomerResult(ObjectResult):
    # Optional: when fields=[...] matches nothing the record is empty, and an empty value is left out
    # of a result (core/budget.py); the notice then names the unknown fields.
    customer: dict[str, Any] | None = Field(None, description="The customer, as UltraCart returns it.")


def _expansions(fields: list[str] | None, expand: Sequence[str] | None = None) -> list[str]:
    wanted = set(expand or VIEW_EXPANSION)
    for name in fields or []:
        root = name.split(".", 1)[0]
        if root in EXPANDABLE:
            wanted.add(root)
    return sorted(wanted)


class FilteredListResult(ListResult):
    how: list[str] | None = Field(None, description="What the filters given mean, and where each was applied.")


LIST_TOOL = "ultracart_get_customers"
Style = tuple[list[str], str | None]  # a list result's how and notice, in one wording


async def get_customers(request: GetCustomersInput, ctx: ToolContext) -> dict[str, Any]:
    chosen = selection(request)
    expand = _expansions(request.fields)
    if not chosen.checked_here:
        fetch = chosen.fetch(ctx.api, sort=request.sort, expand=expand, only=decoded_keys(request))
        if not chosen.meaning():
            return await fitted_rows(
                fetch, request, ctx.max_tokens - 20, lambda page: customer_list(ctx, page, request, LIST_TOOL)
            )
        said: list[Style] = [(chosen.meaning(terse=terse), None) for terse in (False, True)]
        hint = f"call {LIST_TOOL} again with offset={{offset}}"
        return await fitted_rows(
            fetch,
            request,
            ctx.max_tokens - 20,  # the rows' room is less (``how`` takes some of it): a few rows more are asked for
            lambda page: _listed(ctx, request, page.items, said, hint, total=page.total, more=page.more),
        )
    # A filter the API does not have: read its pages from offset on, keep the customers that pass, and
    # resume at the API's offset just after the last one shown.
    max_calls = request.max_calls or LIST_MAX_CALLS
    found = await first_matches(
        chosen.fetch(ctx.api, sort=request.sort, expand=expand),
        chosen.keep,
        want=request.limit,
        start=request.offset,
        limit=PAGE,
        max_pages=max_calls,
    )
    kept, start = len(found.items), request.offset
    stopped = OUT_OF_CALLS if found.stopped == "max_pages" else None
    styles: list[Style] = []
    for terse in (False, True):
        how = chosen.meaning(terse=terse)
        if found.stopped == "max_records":  # enough found before the end
            calls = "1 call" if found.pages == 1 else f"{found.pages} calls"
            origin = "" if terse else f" customers from offset {start}"
            how.append(
                f"read {found.read}{origin} ({calls})" + (f": {kept} passed" if terse else f" to find these {kept}")
            )
        else:
            how.append(read_line(found.read, found.pages, kept, stopped=stopped, start=start, terse=terse))
        styles.append((how, _partial_notice(max_calls, found.read, kept, terse) if stopped else None))
    whole = found.stopped == "end" and start == 0  # every customer the API lists was checked
    hint = f"call {LIST_TOOL} again with offset=next_offset and the same filters"
    return _listed(
        ctx,
        request,
        found.items,
        styles,
        hint,
        total=kept if whole else None,
        more=found.next_offset is not None,
        resume=found.resume_after,
    )


def _partial_notice(max_calls: int, read: int, kept: int, terse: bool) -> str:
    if terse:
        return f"Partial: max_calls={max_calls} ran out; more may follow from next_offset."
    return (
        f"Partial: max_calls={max_calls} ran out after reading {read} customers, {kept} of whom passed "
        f"has_store_credit (checked here). More may follow: call {LIST_TOOL} again with offset=next_offset and the "
        "same filters, or a higher max_calls."
    )


def _listed(
    ctx: ToolContext,
    request: GetCustomersInput,
    records: list[dict[str, Any]],
    styles: list[Style],
    next_hint: str,
    *,
    total: int | None,
    more: bool,
    resume: Callable[[int], int | None] | None = None,
) -> dict[str, Any]:
    """``customer_list`` with ``how`` and a notice of ours in the budget: ``styles`` are (how, notice) pairs,
    fullest first, and the first that leaves the rows half the budget is used (else the last). With
    ``resume`` the next offset is the API's position after the last row shown, not ``offset + returned``."""
    fields = request.fields or None
    for how, notice in styles:
        room = ctx.max_tokens - 20 - estimate_tokens({"how": how, "notice": notice or ""})
        if room >= ctx.max_tokens // 2:
            break
    result = fit_list(
        records,
        view=customer_view,
        fields=fields,
        total=total,
        offset=request.offset,
        more=more,
        max_tokens=max(MIN_MAX_TOKENS, room),
        next_hint=next_hint,
        detail_hint="call ultracart_get_customer with its customer_profile_oid",
        id_fields=LIST_ID_FIELDS,
        columns=None if fields else COMPACT_CUSTOMER_FIELDS,
    )
    if resume is not None:
        result["next_offset"] = resume(result["returned"])
    result["how"] = how
    if notice:
        result["notice"] = " ".join(filter(None, (notice, result.get("notice"))))
    return mark(ctx, result)


async def get_customers_by_query(request: CustomerQueryInput, ctx: ToolContext) -> dict[str, Any]:
    query = m.CustomerQuery.model_validate(request.model_dump(exclude=set(PageInput.model_fields), exclude_none=True))
    expand, only = _expansions(request.fields), decoded_keys(request)

    async def fetch(offset: int, limit: int) -> Page[dict[str, Any]]:
        page: Page[dict[str, Any]] = await ctx.api.customer_page(
            offset, limit, query=query, sort=request.sort, expand=expand, only=only
        )
        return page

    tool = "ultracart_get_customers_by_query"
    return await fitted_rows(fetch, request, ctx.max_tokens - 20, lambda page: customer_list(ctx, page, request, tool))


async def get_customer(request: GetCustomerInput, ctx: ToolContext) -> dict[str, Any]:
    record = await ctx.api.customer_record(
        request.customer_profile_oid, expand=_expansions(request.fields, request.expand)
    )
    return one_object(ctx, "customer", record, request.fields)


async def get_customer_by_email(request: GetCustomerByEmailInput, ctx: ToolContext) -> dict[str, Any]:
    record = await ctx.api.customer_record(email=request.email, expand=_expansions(request.fields, request.expand))
    return one_object(ctx, "customer", record, request.fields)


class CustomerWriteResult(ObjectResult):
    customer: dict[str, Any] = Field(description="The customer as stored after the write.")
    changes: dict[str, Any] | None = changes_field()


WRITTEN_HINT = "get the customer with ultracart_get_customer"


async def insert_customer(request: NewCustomer, ctx: ToolContext) -> dict[str, Any]:
    # A courtesy check that names the existing customer; the API enforces uniqueness itself, so an
    # answer that is not a clear "found" (404, or success=false) lets the insert decide.
    try:
        existing = await ctx.api.get_customer_by_email(request.email)
    except (NotFound, BadRequest):
        existing = None
    if existing is not None and existing.customer is not None:
        raise ValueError(
            f"email: customer {existing.customer.customer_profile_oid} already has this email address; nothing "
            "was created. Use ultracart_update_customer to change that customer."
        )
    response = await ctx.api.insert_customer(new_customer(request), expand=expansions(request))
    created = response.customer or m.Customer()
    # No extra API call: the insert answers with the new customer (and its oid).
    new_oid = created.customer_profile_oid
    changes = collection_changes(added={"customers": [new_oid] if new_oid is not None else []})
    return changed_object(ctx, "customer", created, changes, hint=WRITTEN_HINT)


async def update_customer(request: UpdateCustomerInput, ctx: ToolContext) -> dict[str, Any]:
    oid = request.customer_profile_oid
    if not (request.changes and request.changes.model_fields_set) and not request.add_tags and not request.remove_tags:
        raise ValueError("nothing to change: give changes, add_tags or remove_tags.")
    expand = expansions(request.changes)
    first = (await ctx.api.get_customer(oid, expand=expand)).customer or m.Customer()
    if request.expected_last_modified_dts and not same_moment(
        request.expected_last_modified_dts, first.last_modified_dts
    ):
        raise ValueError(
            f"customer {oid} was changed by someone else since you read it (last_modified_dts is now "
            f"{first.last_modified_dts}); nothing was written. Get the customer again, check that the change "
            "still makes sense, and call again with the new last_modified_dts."
        )
    plan = plan_update(first, request)
    if not plan.changed:
        result = one_object(ctx, "customer", first)
        nothing = "Nothing to change: the customer already has these values; nothing was written."
        result["notice"] = f"{nothing} {result['notice']}" if result.get("notice") else nothing
        return result
    # UltraCart has no conditional PUT: read again right before writing, and refuse if the
    # customer (or any field the plan was computed from) moved in between.
    second = (await ctx.api.get_customer(oid, expand=expand)).customer or m.Customer()
    if second.last_modified_dts != first.last_modified_dts or snapshot(second, plan.changed) != snapshot(
        first, plan.changed
    ):
        raise ValueError(
            f"customer {oid} was changed by someone else in between; nothing was written. Get the customer "
            "again and retry the change if it still makes sense."
        )
    response = await ctx.api.update_customer(oid, plan.body(), expand=expand)
    # No extra API call: the read just before the write and the write's answer (same expansions) are
    # the customer before and after.
    updated = response.customer
    changes = customer_changes(second, updated) if updated is not None else {}
    return changed_object(ctx, "customer", updated, changes, hint=WRITTEN_HINT)


READ: Hints = {"read_only": True, "destructive": False, "idempotent": True, "toolset": "customers"}

TOOLS = (
    ToolSpec(
        name="ultracart_get_customers",
        title="List customers by filter",
        description=(
            "List customers matching filters (email, as the API matches it: undocumented, for any part of one use "
            "ultracart_find_customers; name, company, city, state, postal code, country or phone "
            "of any billing/shipping address; pricing tier; tags; signup/modified dates; has_store_credit), paged. "
            "Returns a compact table (oid, email, name, company, place, signup and last-modified dates, tag "
            "count) with total and next_offset; pass fields=[...] for other fields. how says what the filters "
            "mean and where each was applied. Use ultracart_get_customers_by_query for several exact emails at "
            "once, and ultracart_get_customer_by_email when you know the exact email."
        ),
        input_model=GetCustomersInput,
        output_model=FilteredListResult,
        handler=get_customers,
        **READ,
        view=TABLE_VIEW,
    ),
    ToolSpec(
        name="ultracart_get_customers_by_query",
        title="Search customers by query",
        description=(
            "Search customers with a query: several exact emails at once (emails), tags (any_tags / all_tags), "
            "names, places, pricing tier and date ranges. Same compact, paged result as ultracart_get_customers."
        ),
        input_model=CustomerQueryInput,
        output_model=ListResult,
        handler=get_customers_by_query,
        **READ,
        view=TABLE_VIEW,
    ),
    ToolSpec(
        name="ultracart_get_customer",
        title="Get a customer",
        description=(
            "One customer by customer_profile_oid, with addresses and tags by default; expand=[...] adds "
            "sub-objects (loyalty, orders_summary, properties, cards (masked), ...)."
        ),
        input_model=GetCustomerInput,
        output_model=CustomerResult,
        handler=get_customer,
        **READ,
        view=CUSTOMER_VIEW,
    ),
    ToolSpec(
        name="ultracart_get_customer_by_email",
        title="Get a customer by email",
        description=(
            "One customer by exact email address (case-insensitive). For part of an address, use "
            "ultracart_find_customers (matches any part of it)."
        ),
        input_model=GetCustomerByEmailInput,
        output_model=CustomerResult,
        handler=get_customer_by_email,
        **READ,
        view=CUSTOMER_VIEW,
    ),
    ToolSpec(
        name="ultracart_insert_customer",
        title="Create a customer",
        description=(
            "Create a new customer profile: email (required, unique in the store), billing/shipping addresses, "
            "tags, properties, pricing tiers, notes, terms, tax and permission flags. Refused if the email is "
            "already used (change that customer with ultracart_update_customer). Not idempotent: if the outcome "
            "is unknown, look the customer up by email before trying again. Returns the created customer with "
            "its customer_profile_oid."
        ),
        toolset="customers",
        input_model=NewCustomer,
        output_model=CustomerWriteResult,
        handler=insert_customer,
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolSpec(
        name="ultracart_update_customer",
        title="Update a customer",
        description=(
            "Change some fields of one customer; everything not named stays as it is. changes holds only the "
            'fields to change ("" clears a text field). Tags: add_tags / remove_tags for some, changes.tags '
            "replaces all. Addresses: an entry with oid (customer_billing_oid / customer_shipping_oid from "
            "ultracart_get_customer) edits or removes that address, one without oid adds one; others are kept. "
            "Pass expected_last_modified_dts from your last read to make sure nobody changed the customer since; "
            "the tool also refuses if it changes while being updated. Only change what the user asked for. "
            "Returns the updated customer and changes: each changed field before and after, tags and addresses "
            "added/removed."
        ),
        toolset="customers",
        input_model=UpdateCustomerInput,
        output_model=CustomerWriteResult,
        handler=update_customer,
        read_only=False,
        destructive=True,  # unguarded on purpose: a targeted field update the user asked for
        idempotent=True,
    ),
)
