"""Toolset ``customers``: list, read, create (an upsert) and update Voucherify customers. Deleting and erasing
are guarded tools (``guarded.py``), bulk changes their own toolset.

Paging ``voucherify_list_customers``: the API pages by ``page`` (1-99) and by ``starting_after``, a ``created_at``
cursor (reference §5); a result's ``next_cursor`` is opaque to the model and says which, so that a budget that
cuts a page short never skips or repeats a customer:

- newest first (the API's default, ``order=-created_at``): the next page is ``created_at[before]`` the last
  customer shown (``starting_after`` only walks forwards in time; assumption, as the docs say nothing of it with
  a descending order);
- oldest first (``order=created_at``): ``starting_after`` the last customer shown, the documented walk;
- by ``updated_at`` or ``source_id``, or from an explicit ``page``: page numbers, with the rows of the page
  already shown skipped, up to the API's 99 pages.

The cursor carries the first page's ``total``, so every page reports the same count. Customers created in the same
millisecond as the last one shown may be skipped at a page boundary (``core/paging.py``'s ``AfterCursor``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field, field_validator

from ...core.budget import PagePosition
from ...core.changes import collection_changes, record_changes
from ...core.errors import NotFound
from ...core.paging import AfterCursor, Page
from ...core.paths import one_segment
from ...core.toolspec import Hints, ToolContext, ToolSpec
from .. import models as m
from ..views import COMPACT_CUSTOMER_FIELDS, customer_view
from .common import (
    METADATA_KEYS,
    CursorListResult,
    CursorText,
    CustomerId,
    DateTimeText,
    FieldName,
    ObjectResult,
    StrictInput,
    WriteInput,
    changed_object,
    changes_field,
    checked_metadata,
    cursor_list,
    one_object,
)

LIST_TOOL: Final = "voucherify_list_customers"
GET_HINT: Final = "call voucherify_get_customer with its id"
WRITTEN_HINT: Final = "get the customer with voucherify_get_customer"
LIST_ID_FIELDS: Final = ("id", "email")
MAX_PAGE: Final = 99  # the API's page cap (reference §4.6)
_INSTANT: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$")  # a created_at, as the API gives it

CustomerOrder = Literal["created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id"]


# -- inputs ------------------------------------------------------------------------------------------------


class FieldsInput(StrictInput):
    fields: list[FieldName] | None = Field(
        None,
        max_length=30,
        description='Only these fields, e.g. ["email","address.city","metadata"]; dotted paths reach into objects.',
    )


class ListCustomersInput(FieldsInput):
    limit: int = Field(20, ge=1, le=100, description="Customers per page (1-100).")
    cursor: CursorText | None = None
    page: int | None = Field(None, ge=1, le=MAX_PAGE, description="Jump to this page (1-99) of limit customers.")
    email: str | None = Field(None, min_length=1, max_length=255, description="Exactly this email.")
    name: str | None = Field(None, min_length=1, max_length=255, description="Exactly this name.")
    city: str | None = Field(None, min_length=1, max_length=255, description="Exactly this city.")
    segment_id: str | None = Field(None, min_length=1, max_length=100, description="Members of this segment.")
    created_after: DateTimeText | None = None
    created_before: DateTimeText | None = None
    updated_after: DateTimeText | None = None
    updated_before: DateTimeText | None = None
    order: CustomerOrder | None = Field(None, description="Sort; - for descending. Default: newest first.")


class GetCustomerInput(FieldsInput):
    customer_id: CustomerId


# The API documents no length limits; these bound what a model sends (and the schema a host carries).
EmailText = Annotated[str, Field(max_length=255, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
# A source_id is looked up as {customerId} (an upsert's match, a bulk preview's count), and is how the customer is
# read later: "." and ".." could never be (core/paths.py).
SourceId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r"^\S(.*\S)?$",
        description="Your own unique key (CRM id, email, ...); cannot change once set.",
    ),
    AfterValidator(one_segment),
]


class AddressInput(WriteInput):
    line_1: str | None = Field(None, max_length=255)
    line_2: str | None = Field(None, max_length=255)
    city: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=100)
    postal_code: str | None = Field(None, max_length=40)
    country: str | None = Field(None, max_length=100)


class CustomerFields(WriteInput):
    """The fields of a customer a model may write ("" clears a text field on update)."""

    name: str | None = Field(None, max_length=255, description="First and last name.")
    email: EmailText | None = None
    phone: str | None = Field(None, max_length=50)
    birthdate: str | None = Field(None, pattern=r"^$|^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD.")
    description: str | None = Field(None, max_length=1000, description="Free-text note about the customer.")
    address: AddressInput | None = None
    metadata: dict[str, Any] | None = Field(
        None, max_length=METADATA_KEYS, description="Custom attributes, merged by key (null removes a key on update)."
    )

    @field_validator("birthdate")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value:
            date.fromisoformat(value)  # ValueError (a clear message) for 2024-02-30
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata_within_limits(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return checked_metadata(value)


class NewCustomer(CustomerFields):
    """A customer to create or, when its source_id exists, update."""

    source_id: SourceId | None = None


class UpdateCustomerInput(WriteInput):
    customer_id: CustomerId
    changes: CustomerFields = Field(description='Only the fields to change, e.g. {"phone":"+1 555 0100"}.')


# -- results -----------------------------------------------------------------------------------------------


class CustomerResult(ObjectResult):
    # Optional: when fields=[...] matches nothing the record is empty and left out; the notice names them.
    customer: dict[str, Any] | None = Field(None, description="The customer, as Voucherify returns it.")


class CustomerWriteResult(ObjectResult):
    customer: dict[str, Any] = Field(description="The customer as stored after the write.")
    outcome: Literal["created", "updated", "unchanged"] = Field(
        description="created: a new customer; updated: an existing one changed; unchanged: nothing to write."
    )
    changes: dict[str, Any] | None = changes_field()


# -- listing -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListCursor:
    """Where a page of ``voucherify_list_customers`` starts, as ``next_cursor`` carries it (module doc).

    ``mode``: ``before`` (created_at[before] ``value``), ``after`` (starting_after ``value``) or ``page`` (page
    ``page`` of ``limit``, its first ``skip`` rows already shown); ``total`` as the first page reported it."""

    mode: Literal["before", "after", "page"]
    value: str | None = None
    total: int | None = None
    page: int = 1
    limit: int = 0
    skip: int = 0

    def encode(self) -> str:
        total = "" if self.total is None else str(self.total)
        if self.mode == "page":
            return f"p|{total}|{self.page}|{self.limit}|{self.skip}"
        return f"{self.mode[0]}|{total}|{self.value}"

    @classmethod
    def decode(cls, text: str) -> ListCursor:
        parts = text.split("|")
        try:
            total = int(parts[1]) if parts[1] else None
            if parts[0] == "p" and len(parts) == 5:
                page, limit, skip = (int(part) for part in parts[2:])
                if 1 <= page <= MAX_PAGE and 1 <= limit <= 100 and 0 <= skip < limit:
                    return cls("page", total=total, page=page, limit=limit, skip=skip)
            elif parts[0] in ("b", "a") and len(parts) == 3 and _INSTANT.match(parts[2]):
                return cls("before" if parts[0] == "b" else "after", parts[2], total)
        except (IndexError, ValueError):
            pass
        raise ValueError(
            "cursor: not a cursor this tool returned; pass next_cursor from the previous result unchanged, or leave "
            "cursor out for the first page."
        )


def _first_cursor(request: ListCustomersInput) -> ListCursor:
    """How the first page (no cursor given) is read, by the order asked for."""
    if request.page is not None or request.order not in (None, "-created_at", "created_at"):
        return ListCursor("page", page=request.page or 1, limit=request.limit)
    return ListCursor("after" if request.order == "created_at" else "before")


def _given_cursor(request: ListCustomersInput) -> ListCursor | None:
    if request.cursor is None:
        return None
    if request.page is not None:
        raise ValueError("page: give either page or cursor, not both.")
    cursor = ListCursor.decode(request.cursor)
    # Page numbers hold in any order; a date cursor only in the order whose dates it follows.
    if cursor.mode != "page" and cursor.mode != _first_cursor(request).mode:
        raise ValueError(
            "cursor: it belongs to a listing in another order; call again with the order of the result that gave "
            "it, or leave cursor out to start over."
        )
    return cursor


async def _fetch(ctx: ToolContext, request: ListCustomersInput, at: ListCursor, started: bool) -> Page[dict[str, Any]]:
    """The page ``at`` points to, with the request's filters (a ``before`` cursor tightens created_before)."""
    filters: dict[str, Any] = {
        "email": request.email,
        "name": request.name,
        "city": request.city,
        "segment_id": request.segment_id,
        "created_at_after": request.created_after,
        "created_at_before": request.created_before,
        "updated_at_after": request.updated_after,
        "updated_at_before": request.updated_before,
    }
    options: dict[str, Any] = {"order": request.order}
    limit = request.limit
    if at.mode == "page":
        limit, options["page"] = at.limit, at.page
    elif at.mode == "before" and started:
        # Every customer shown so far was created before the user's bound too: the cursor is the tighter one.
        filters["created_at_before"] = at.value
    elif at.mode == "after":
        options = {"order": "created_at", "starting_after": at.value if started else None}
    page: Page[dict[str, Any]] = await ctx.api.customers_page(limit, **options, **filters)
    return page


def _position(at: ListCursor, page: Page[dict[str, Any]], total: int | None, started: bool) -> PagePosition:
    """``next_cursor`` after the first ``n`` rows shown of ``page``."""
    start = at.encode() if started else None
    if at.mode == "page":

        def after_page(shown: int) -> str | None:
            if shown < len(page.items):
                return ListCursor("page", total=total, page=at.page, limit=at.limit, skip=at.skip + shown).encode()
            if not page.more or at.page >= MAX_PAGE:
                return None
            return ListCursor("page", total=total, page=at.page + 1, limit=at.limit).encode()

        return PagePosition(start=start, after=after_page, key="next_cursor", parameter="cursor")

    paging = AfterCursor(lambda record: record.get("created_at"))

    def after_record(shown: int) -> str | None:
        value = paging.after(at.value, page, shown)
        return ListCursor(at.mode, value, total).encode() if value else None

    return PagePosition(start=start, after=after_record, key="next_cursor", parameter="cursor")


async def list_customers(request: ListCustomersInput, ctx: ToolContext) -> dict[str, Any]:
    given = _given_cursor(request)
    at = given or _first_cursor(request)
    page = await _fetch(ctx, request, at, started=given is not None)
    total = at.total if given is not None and at.mode != "page" else page.total
    if at.mode == "page" and at.skip:
        page = Page(page.items[at.skip :], page.more, page.next, page.total)
    position = _position(at, page, total, started=given is not None)
    result = cursor_list(
        ctx,
        page,
        position,
        view=customer_view,
        columns=COMPACT_CUSTOMER_FIELDS,
        fields=request.fields,
        tool=LIST_TOOL,
        detail_hint=GET_HINT,
        id_fields=LIST_ID_FIELDS,
        total=total,
    )
    if at.mode == "page" and at.page >= MAX_PAGE and page.more and result.get("next_cursor") is None:
        capped = (
            f"The API pages no further than page {MAX_PAGE}: narrow the filters (e.g. created_before), or list with "
            "order=created_at or -created_at, which page by date without that cap."
        )
        result["notice"] = " ".join(filter(None, (result.get("notice"), capped)))
    return result


# -- one customer ------------------------------------------------------------------------------------------


async def get_customer(request: GetCustomerInput, ctx: ToolContext) -> dict[str, Any]:
    record = await ctx.api.customer_record(request.customer_id)
    # fields=[...] may name the list table's columns (loyalty_points, spent_cents, ...) as well as the record's paths.
    return one_object(ctx, "customer", record, request.fields, view=customer_view)


# Fields every write moves, or that a write does not touch: not what the user changed.
SERVER_MAINTAINED: Final = ("updated_at", "summary", "loyalty", "referrals", "system_metadata", "assets", "object")


def customer_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a write changed, field by field (address and metadata by the sub-fields that changed)."""
    return record_changes(before, after, ignore=SERVER_MAINTAINED)


def _dumped(customer: m.Customer) -> dict[str, Any]:
    return customer.model_dump(mode="json", by_alias=True, exclude_none=True)


async def _by_source_id(ctx: ToolContext, source_id: str) -> dict[str, Any] | None:
    """The customer whose source_id this is, or None. ``{customerId}`` also resolves ids: a customer found by its
    id (a source_id that looks like another customer's id) is not the upsert's match."""
    try:
        record: dict[str, Any] = await ctx.api.customer_record(source_id)
    except NotFound:
        return None
    return record if record.get("source_id") == source_id else None


def _create_body(request: NewCustomer) -> m.CustomerCreate:
    """The create body: what was given, without the empty values that mean "clear" on update."""
    body = request.model_dump(exclude_unset=True)
    if isinstance(body.get("address"), dict):
        body["address"] = {key: value for key, value in body["address"].items() if value != ""}
    if isinstance(body.get("metadata"), dict):
        body["metadata"] = {key: value for key, value in body["metadata"].items() if value is not None}
    return m.CustomerCreate.model_validate({key: value for key, value in body.items() if value != ""})


async def _same_email_notice(ctx: ToolContext, email: str | None, own_id: str | None) -> str | None:
    """A courtesy: name the other customers that already have this email (Voucherify allows it, but it is often
    a mistake: the person may already exist under another source_id)."""
    if not email:
        return None
    page = await ctx.api.customers_page(5, email=email)
    others = [str(record.get("id")) for record in page.items if record.get("id") != own_id]
    if not others:
        return None
    named = ", ".join(others[:3]) + (" and others" if len(others) > 3 else "")
    return (
        f"Other customers already have this email ({named}); Voucherify allows that. If this person was one of "
        "them, update that customer instead (voucherify_update_customer) and tell the user about the duplicate."
    )


async def create_customer(request: NewCustomer, ctx: ToolContext) -> dict[str, Any]:
    """An upsert, as the API's create is (reference §4.1): with a source_id that exists, that customer is updated.

    Whether it created or updated is decided by looking the source_id up first; the API itself does not say.
    Race, written down: another client may create the same source_id between the lookup and the write; the API then
    updates that customer and this result still says ``created`` (``changes`` lists it as added). Without a
    source_id every call creates a new customer."""
    if not request.model_fields_set:
        raise ValueError("nothing to create: give at least one field (source_id, email, name, ...).")
    before = await _by_source_id(ctx, request.source_id) if request.source_id else None
    written = _dumped(await ctx.api.create_customer(_create_body(request)))
    if before is None:
        outcome = "created"
        changes = collection_changes(added={"customers": [written.get("id")]})
        notice = await _same_email_notice(ctx, request.email, written.get("id"))
    else:
        outcome = "updated"
        changes = customer_changes(before, written)
        notice = f"source_id {request.source_id!r} already existed: that customer was updated (create is an upsert)."
    result = changed_object(ctx, "customer", written, changes, hint=WRITTEN_HINT, extra={"outcome": outcome})
    if notice:
        result["notice"] = " ".join(filter(None, (notice, result.get("notice"))))
    return result


def _merged(current: Any, given: dict[str, Any]) -> dict[str, Any]:
    """``current`` (an object, or nothing) with ``given`` set over it; None values are kept: they clear."""
    return {**(current if isinstance(current, dict) else {}), **given}


def plan_update(before: dict[str, Any], changes: CustomerFields) -> dict[str, Any]:
    """The body of the PUT: each given field whose value really changes. ``""`` clears a text field (sent as
    null). ``address`` and ``metadata`` are merged with the stored object and sent whole, as the sandbox and the
    reference's "partial PUT" read it: a field is replaced by the value sent (the docs do not say whether nested
    objects are merged). A metadata key set to null is left out; ``removed_keys_kept`` tells if the API kept it."""
    given = changes.model_dump(exclude_unset=True)
    body: dict[str, Any] = {}
    for name, value in given.items():
        if name == "address":
            address = {key: (None if text == "" else text) for key, text in value.items()}
            new: Any = _merged(before.get("address"), address)
            if not any(new.values()):
                new = None  # every part cleared: no address
        elif name == "metadata":
            new = {key: item for key, item in _merged(before.get("metadata"), value).items() if item is not None}
        else:
            new = None if value == "" else value
        if not record_changes({name: before.get(name)}, {name: new}):
            continue
        body[name] = new
    return body


async def update_customer(request: UpdateCustomerInput, ctx: ToolContext) -> dict[str, Any]:
    """A partial update (the API's PUT is partial). The customer is read first, to send only what changes and to
    report each changed field before and after; address and metadata are merged with that read, so a change
    another client makes to them between the read and the write is overwritten (written down: the API has no
    conditional update)."""
    if not request.changes.model_fields_set:
        raise ValueError('changes: nothing to change; give the fields to change, e.g. {"name": "Ann Lee"}.')
    before = await ctx.api.customer_record(request.customer_id)
    body = plan_update(before, request.changes)
    if not body:
        result = one_object(ctx, "customer", before, hint=WRITTEN_HINT)
        result["outcome"] = "unchanged"
        nothing = "Nothing to change: the customer already has these values; nothing was written."
        result["notice"] = f"{nothing} {result['notice']}" if result.get("notice") else nothing
        return result
    customer_id = str(before.get("id") or request.customer_id)  # the id read: exact, whatever was given
    written = _dumped(await ctx.api.update_customer(customer_id, m.CustomerUpdate.model_validate(body)))
    changes = customer_changes(before, written)
    result = changed_object(ctx, "customer", written, changes, hint=WRITTEN_HINT, extra={"outcome": "updated"})
    kept = removed_keys_kept(request.changes, written)
    if kept:
        said = f"Metadata key(s) {', '.join(kept)} are still set: the API kept them (it may merge metadata)."
        result["notice"] = " ".join(filter(None, (said, result.get("notice"))))
    return result


def removed_keys_kept(changes: CustomerFields, written: dict[str, Any]) -> list[str]:
    """The metadata keys the update was asked to remove (null) that the customer still has after the write."""
    asked = [key for key, value in (changes.metadata or {}).items() if value is None]
    stored = written.get("metadata") or {}
    return [key for key in asked if stored.get(key) is not None]


READ: Hints = {"read_only": True, "destructive": False, "idempotent": True, "toolset": "customers"}

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name=LIST_TOOL,
        title="List Voucherify customers",
        description=(
            "List Voucherify customers, newest first by default, filtered by exact email, name, city or segment_id "
            "and created/updated date ranges. Returns a compact table (id, source_id, name, email, city, "
            "redemptions, paid orders and amount spent in cents, loyalty points, signup date) with total and "
            "next_cursor; pass cursor=next_cursor for the next page, or fields=[...] for other fields."
        ),
        input_model=ListCustomersInput,
        output_model=CursorListResult,
        handler=list_customers,
        **READ,
    ),
    ToolSpec(
        name="voucherify_get_customer",
        title="Get a Voucherify customer",
        description=(
            "One Voucherify customer by id (cust_...) or source_id: profile, address, metadata, redemption and "
            "order summary (amounts in cents), loyalty points per campaign and referrals."
        ),
        input_model=GetCustomerInput,
        output_model=CustomerResult,
        handler=get_customer,
        **READ,
    ),
    ToolSpec(
        name="voucherify_create_customer",
        title="Create or update a Voucherify customer",
        description=(
            "Create a Voucherify customer. An upsert: if a customer with this source_id exists, it is updated "
            "instead (outcome says created or updated; changes lists each field before and after). Emails need not "
            "be unique. Without a source_id every call creates another customer, so if the outcome is unknown, "
            "look the customer up before trying again."
        ),
        toolset="customers",
        input_model=NewCustomer,
        output_model=CustomerWriteResult,
        handler=create_customer,
        read_only=False,
        destructive=True,  # an upsert may overwrite an existing customer's fields: unguarded on purpose (provider)
        idempotent=False,
    ),
    ToolSpec(
        name="voucherify_update_customer",
        title="Update a Voucherify customer",
        description=(
            "Change some fields of one Voucherify customer (by id or source_id); everything not named stays as it "
            'is. changes holds only the fields to change ("" clears a text field); address and metadata are merged '
            "key by key (a metadata key set to null is removed). The source_id cannot change. Only change what the "
            "user asked for. Returns the customer and changes: each changed field before and after."
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
