"""Pieces every TWC toolset shares: how a tool names a customer (``match_by`` + ``customer``), reading that
customer, what a write changed, and the one-record and write results.

A customer is named by TWC's id (a UUID the service assigns) or by the retailer's ``customerRef``, both unique in
the tenant (reference §3); ``twc_update_customer`` may also match by ``email`` (unique too), the third of TWC's
update routes. Every tool that acts on one customer takes the same two arguments, ``match_by`` and ``customer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal

from pydantic import Field

from ...core import results
from ...core.changes import Records, record_changes
from ...core.errors import NotFound
from ...core.results import ListResult as ListResult  # the bases live in core/results.py (every provider's)
from ...core.results import ObjectResult as ObjectResult
from ...core.results import Result as Result
from ...core.results import StrictInput as StrictInput
from ...core.results import WriteInput as WriteInput
from ...core.results import mark as mark
from ...core.results import one_object as one_object
from ...core.toolspec import ToolContext
from .. import models as m

MatchBy = Literal["id", "customerRef"]
MatchByOrEmail = Literal["id", "customerRef", "email"]
# An id, a customerRef or an email: the retailer's ref is any text (a loyalty number, a CRM key); surrounding
# whitespace and line breaks are refused (never part of a real key).
CustomerKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r"^\S(.*\S)?$",
        description="The customer's TWC id (a UUID) or customerRef, as match_by says.",
    ),
]
MATCH_BY_DESCRIPTION: Final = "What customer is: id (TWC's UUID, default) or customerRef (your own reference)."
FieldName = Annotated[str, Field(min_length=1, max_length=80)]
GET_HINT: Final = "call twc_get_customer with its id"
RECORD_IDS: Final = ("id", "customerRef", "email")


class FieldsInput(StrictInput):
    fields: list[FieldName] | None = Field(
        None,
        max_length=30,
        description='Only these fields, e.g. ["email","optin_preferences","addresses.city"]; dotted paths reach '
        "into objects.",
    )


class CustomerLookup(StrictInput):
    """One customer, by id or customerRef (the read tools; the guarded tools confirm the same two arguments)."""

    match_by: MatchBy = Field("id", description=MATCH_BY_DESCRIPTION)
    customer: CustomerKey


# -- reading the customer a tool acts on ---------------------------------------------------------------------


async def read_customer(ctx: ToolContext, match_by: MatchByOrEmail, customer: str) -> dict[str, Any]:
    """The customer as TWC answers it now (plain JSON, unknown fields kept): by id (``GET /customers/{id}``), by
    customerRef (``GET /customers/{ref}/ref``) or by email (the search, exact; emails are unique in a tenant and
    compared without regard to case, as TWC's uniqueness is assumed to). ``NotFound`` when there is none."""
    if match_by == "email":
        wanted = customer.casefold()
        found: list[dict[str, Any]] = [
            r for r in await ctx.api.search_records(email=customer) if str(r.get("email", "")).casefold() == wanted
        ]
        if not found:
            raise NotFound("no customer with that email in this tenant", operation="search_customers")
        return found[0]
    model: m.Customer = await ctx.api.get_customer_by(match_by, customer)
    return m.record(model)


def customer_id_of(record: Mapping[str, Any], match_by: MatchByOrEmail, customer: str) -> str:
    """The TWC id of a customer read by ``read_customer`` (the value given, when the answer lacks one)."""
    found = record.get("id")
    if isinstance(found, str) and found:
        return found
    if match_by == "id":
        return customer
    raise NotFound("the customer was found, but TWC's answer carries no id to act on", operation="get_customer")


# -- results -------------------------------------------------------------------------------------------------


class CustomerResult(ObjectResult):
    # Optional: when fields=[...] matches nothing the record is empty and left out; the notice names them.
    customer: dict[str, Any] | None = Field(None, description="The customer, as TWC returns it.")


CHANGES_DESCRIPTION: Final = (
    "What this write changed. before/after: the old and new value of each changed field (objects by the sub-fields "
    "that changed; a field missing on one side was empty there). added/removed: addresses by id, or a customer "
    "this call created."
)


def changes_field() -> Any:
    """The ``changes`` field of a write's result model (``core/changes.py``)."""
    return Field(None, description=CHANGES_DESCRIPTION)


class CustomerWriteResult(ObjectResult):
    customer: dict[str, Any] = Field(description="The customer as stored after the write.")
    outcome: Literal["created", "updated", "unchanged"] = Field(
        description="created: a new customer; updated: an existing one changed; unchanged: nothing to write."
    )
    changes: dict[str, Any] | None = changes_field()


# Fields TWC maintains itself, moved by every write, or a copy of another (defaultAddress copies an address).
SERVER_MAINTAINED: Final = ("lastModifiedDate", "defaultAddress")


def customer_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What a write changed, field by field: addresses by their id, opt-ins by channel."""
    return record_changes(before, after, lists={"addresses": Records("id")}, ignore=SERVER_MAINTAINED)


def changed_object(
    ctx: ToolContext,
    value: Any,
    changes: Mapping[str, Any],
    *,
    hint: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A write's result: the customer as stored, its ``changes`` and ``extra`` (the outcome), fitted to the budget
    together (core/results.py); when the customer cannot fit, its ``RECORD_IDS`` say which it is."""
    return results.changed_object(ctx, "customer", value, changes, record_ids=RECORD_IDS, hint=hint, extra=extra)
