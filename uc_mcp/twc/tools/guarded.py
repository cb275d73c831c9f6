"""Guarded TWC tools: ``twc_delete_customer`` (toolset ``customers``), ``twc_delete_customer_address``
(``addresses``) and the deprecated ``twc_upload_customers`` (``bulk``). Nothing here runs without a person's yes
(``core/confirm.py``).

Each is a ``Guard``: the preview reads the target as it is now and asks a deterministic question naming it and
every id it resolved (its binding); the action runs on the binding the person approved, never resolving the
arguments again.

**Deletes.** One tool for TWC's two customer deletes (``DELETE /customers/{id}`` and ``/{customerRef}/ref``), with
``match_by`` as ``twc_get_customer`` and ``twc_update_customer`` take it. Whatever names the customer, the preview
resolves it to TWC's id and the delete goes by that id (``DELETE /customers/{id}``): a customerRef names whichever
customer holds it at the moment it is read, so deleting by the ref after the person said yes could remove a
customer nobody saw (one whose ref was reassigned meanwhile). The by-ref route stays in the API client
(``api.delete_customer_by_ref``) for callers that have no id.

What a delete keeps and removes, as the docs say (reference §5 (12, 13), §6): the customer record goes — profile,
contact details, addresses, consent and opt-ins, attribute groups, loyalty figures — and reading it afterwards is
a 404; its wishlists are **kept, de-identified** (TWC keeps them for reporting, no longer linked to the person).
TWC's getting-started guide says deletes are usually soft, but no API call brings a customer back, so the question
says it cannot be undone here.

**Delete address** (``DELETE /customers/{id}/address/{addressId}``, deprecated by the 2024 doc) names the customer
and the address (its lines, as the outbound filter shows them) and says whether it is the default one and what
remains. The docs do not say whether TWC picks another default when the default address goes; the question says
only what is known (the sandbox leaves none).

**Upload** (``POST /upload-customers``, deprecated in favour of TWC's ImpEx API): TWC matches each customer as
``PUT /customers`` does (by ``customerRef``, then ``email``), updates the ones it finds with the fields sent
(partially) and creates the others, then answers 200/202 and applies them on its side. The preview looks each
customer up within ``max_lookups`` calls (its customerRef, then its email) and counts how many would be created
and updated, naming the customers it found by id; the binding is a digest of exactly what would be sent, a digest
of what each lookup found, and the counts, all printed in the question: a changed input or a changed tenant between
the preview and the confirmation refuses the confirmation. The upload takes no addresses: sent on an update, a
customer's ``addresses`` replace every address it has (the documented partial-update rule for lists), which an
upload should never do by surprise (``twc_add_customer_address`` adds one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Literal

from pydantic import Field, field_validator

from ...core.budget import MIN_MAX_TOKENS, fit_object
from ...core.changes import collection_changes
from ...core.confirm import Binding, Guard, Preview
from ...core.decline import decline_tool
from ...core.errors import NotFound
from ...core.guarded import GuardedResult as GuardedBase
from ...core.guarded import Token
from ...core.guarded import guarded_spec as any_guarded_spec
from ...core.toolspec import ToolContext, ToolSpec
from ...ui import CONFIRM_VIEW
from .. import models as m
from ..views import customer_view, opted_in
from .common import (
    MATCH_BY_DESCRIPTION,
    CustomerKey,
    MatchBy,
    WriteInput,
    changed_object,
    changes_field,
    customer_id_of,
    mark,
    read_customer,
)
from .fields import CustomerFields, EmailText, wanted_changes

BOUND: Final = "customer_id"  # the binding's key: the TWC id the preview resolved
ADDRESS: Final = "address_id"
GET_HINT: Final = "read the customer with twc_customer_overview or twc_get_customer"
MAX_UPLOAD: Final = 25  # customers in one upload: each may take two lookups, and the question names them
DEFAULT_LOOKUPS: Final = 25
MAX_LOOKUPS: Final = 50
SAMPLE_ROWS: Final = 3  # customers a preview shows with what they set
NAMED: Final = 10  # customers an upload's question names by id; the rest are counted
MAX_PROBLEMS: Final = 5


class GuardedResult(GuardedBase):
    changes: dict[str, Any] | None = changes_field()


def fitted(ctx: ToolContext, body: Mapping[str, Any], keep: Sequence[str], hint: str) -> dict[str, Any]:
    """``body`` within half the result budget: the rest is for the question, the instructions and the token."""
    limit = max(MIN_MAX_TOKENS, ctx.max_tokens // 2)
    return dict(fit_object(body, max_tokens=limit, id_fields=keep, detail_hint=hint))


# A guarded, destructive tool: its result is a ``GuardedResult``, its preview the confirmation card.
guarded_spec = partial(any_guarded_spec, output_model=GuardedResult, view=CONFIRM_VIEW)


# -- naming a customer ---------------------------------------------------------------------------------------------


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def _view(ctx: ToolContext, record: Mapping[str, Any]) -> dict[str, Any]:
    # The redacted view: a field masked in results is masked in the question too, and a value that hid invisible
    # characters says so (two customers never read the same).
    view = ctx.redactor.apply(customer_view(record))
    return {key: value for key, value in view.items() if value is not None}


def _who(view: Mapping[str, Any]) -> str:
    name = f"{view['name']} " if view.get("name") else ""
    email = f"<{view['email']}> " if view.get("email") else ""
    ref = f"customerRef {view['customerRef']}, " if view.get("customerRef") else ""
    return f"{name}{email}({ref}id {view.get('id')})"


async def _target(ctx: ToolContext, match_by: MatchBy, customer: str) -> tuple[dict[str, Any], str]:
    """The customer the arguments name now (one call), and its TWC id."""
    record = await read_customer(ctx, match_by, customer)
    return record, customer_id_of(record, match_by, customer)


# -- delete a customer ---------------------------------------------------------------------------------------------


class DeleteCustomerInput(WriteInput):
    match_by: MatchBy = Field("id", description=MATCH_BY_DESCRIPTION)
    customer: CustomerKey
    confirm: Token | None = None


def _holdings(record: Mapping[str, Any]) -> dict[str, Any]:
    """What goes with the record, as the preview counts it from the record itself."""
    groups = record.get("attributeGroups")
    loyalty = {
        name: record[name]
        for name in ("vipStatus", "loyaltyTier", "memberSince", "totalOrders", "totalSpend")
        if record.get(name) is not None
    }
    held: dict[str, Any] = {
        "addresses": len(record.get("addresses") or ()),
        "attribute_groups": len(groups) if isinstance(groups, Mapping) else 0,
        "email_opt_in": opted_in(record, "email"),
        "sms_opt_in": opted_in(record, "sms"),
    }
    if loyalty:
        held["loyalty"] = loyalty
    return held


def _goes_words(held: Mapping[str, Any]) -> str:
    parts = [
        "its profile and contact details",
        _plural(held["addresses"], "address", "addresses"),
        "its marketing consent and email/SMS opt-ins",
    ]
    if held["attribute_groups"]:
        parts.append(_plural(held["attribute_groups"], "attribute group"))
    if held.get("loyalty"):
        parts.append("its loyalty figures")
    return ", ".join(parts)


KEPT_WORDS: Final = (
    "TWC keeps the customer's wishlists, de-identified (no longer linked to the person, kept for reporting)."
)


async def preview_delete(request: DeleteCustomerInput, ctx: ToolContext) -> Preview:
    record, customer_id = await _target(ctx, request.match_by, request.customer)
    view = _view(ctx, record)
    held = _holdings(record)
    return Preview(
        f"Delete TWC customer {_who(view)}? Removed: {_goes_words(held)}; reading the customer afterwards finds "
        f"nothing, and it cannot be undone here. {KEPT_WORDS}",
        fitted(
            ctx,
            {"action": "delete customer", "customer": view, "removes": held, "keeps": "wishlists, de-identified"},
            ("action", "customer"),
            GET_HINT,
        ),
        binding={BOUND: customer_id},
    )


async def resolve_customer(request: DeleteCustomerInput, ctx: ToolContext) -> Binding:
    """The TWC id the arguments name now (one call): a token binds the id its preview showed."""
    return {BOUND: (await _target(ctx, request.match_by, request.customer))[1]}


async def execute_delete(request: DeleteCustomerInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    customer_id = str(binding[BOUND])  # the customer the person approved, whatever the arguments name now
    await ctx.api.delete_customer(customer_id)
    return mark(
        ctx,
        {
            "deleted_customer_id": customer_id,
            "changes": collection_changes(removed={"customers": [customer_id]}),
            "notice": "Deleted. " + KEPT_WORDS,
        },
    )


# -- delete an address ----------------------------------------------------------------------------------------------

AddressId = Field(
    min_length=1,
    max_length=255,
    pattern=r"^\S+$",
    description="The address's id (the id of one of the customer's addresses).",
)


class DeleteAddressInput(WriteInput):
    match_by: MatchBy = Field("id", description=MATCH_BY_DESCRIPTION)
    customer: CustomerKey
    address_id: str = AddressId
    confirm: Token | None = None


LEFT_KEYS: Final = ("id", "customerRef", "email")  # what names the customer in a delete address's result
ADDRESS_LINE: Final = ("address1", "address2", "city", "provinceCode", "postcode", "countryCode")


def address_words(address: Mapping[str, Any]) -> str:
    """One line naming an address (already through the outbound filter): its name, then its lines."""
    lines = ", ".join(str(address[key]) for key in ADDRESS_LINE if address.get(key))
    name = f"{address['addressName']!r} " if address.get("addressName") else ""
    return f"{name}{lines or 'with no address lines'}".strip()


def _addresses(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [item for item in record.get("addresses") or () if isinstance(item, Mapping)]


def _the_address(record: Mapping[str, Any], address_id: str) -> Mapping[str, Any]:
    for address in _addresses(record):
        if address.get("id") == address_id:
            return address
    known = [str(item.get("id")) for item in _addresses(record)]
    has = f"its addresses are {', '.join(known)}" if known else "it has no addresses"
    raise NotFound(
        f"address_id: the customer has no address with this id ({has})", operation="twc_delete_customer_address"
    )


def _remaining_words(ctx: ToolContext, record: Mapping[str, Any], address_id: str, was_default: bool) -> str:
    rest = [item for item in _addresses(record) if item.get("id") != address_id]
    if not rest:
        return "The customer will have no address left."
    default = next((item for item in rest if item.get("defaultAddress") is True), None)
    words = f"The customer keeps {_plural(len(rest), 'other address', 'other addresses')}"
    if default is not None:
        return f"{words}; the default stays {address_words(ctx.redactor.apply(dict(default)))}."
    if was_default:
        return f"{words}, none of them the default (TWC does not say whether it picks one)."
    return f"{words}."


async def preview_delete_address(request: DeleteAddressInput, ctx: ToolContext) -> Preview:
    record, customer_id = await _target(ctx, request.match_by, request.customer)
    address = _the_address(record, request.address_id)
    shown = ctx.redactor.apply(dict(address))
    is_default = address.get("defaultAddress") is True
    view = _view(ctx, record)
    default_words = "It is the customer's default address. " if is_default else ""
    return Preview(
        f"Delete the address {address_words(shown)} (address id {request.address_id}) of TWC customer {_who(view)}? "
        f"{default_words}{_remaining_words(ctx, record, request.address_id, is_default)}",
        fitted(
            ctx,
            {"action": "delete customer address", "customer": view, "address": shown},
            ("action", "customer", "address"),
            GET_HINT,
        ),
        binding={BOUND: customer_id, ADDRESS: request.address_id},
    )


async def resolve_address(request: DeleteAddressInput, ctx: ToolContext) -> Binding:
    """The customer's id now, and the address id once it is still the customer's (one call)."""
    record, customer_id = await _target(ctx, request.match_by, request.customer)
    _the_address(record, request.address_id)
    return {BOUND: customer_id, ADDRESS: request.address_id}


async def execute_delete_address(request: DeleteAddressInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    customer_id, address_id = str(binding[BOUND]), str(binding[ADDRESS])
    written = m.record(await ctx.api.delete_customer_address(customer_id, address_id))
    changes = collection_changes(removed={"addresses": [address_id]})
    # TWC answers the whole customer; what this question is about is the addresses left (the rest is unchanged,
    # twc_get_customer reads it).
    left = {key: written[key] for key in (*LEFT_KEYS, "addresses") if key in written}
    return changed_object(ctx, left, changes, hint=GET_HINT, extra={"deleted_address_id": address_id})


# -- upload (deprecated) ------------------------------------------------------------------------------------------


class UploadCustomer(CustomerFields):
    """One customer of an upload: the fields of ``twc_create_customer`` without an address (see the module doc)."""

    email: EmailText


class UploadInput(WriteInput):
    customers: list[UploadCustomer] = Field(
        min_length=1,
        max_length=MAX_UPLOAD,
        description="The customers: each is matched by customerRef, then email; a match is updated with the fields "
        "given, the others are created.",
    )
    max_lookups: int = Field(
        DEFAULT_LOOKUPS, ge=1, le=MAX_LOOKUPS, description="Most lookups the preview may make to count the updates."
    )
    confirm: Token | None = None

    @field_validator("customers")
    @classmethod
    def _one_entry_per_customer(cls, customers: list[UploadCustomer]) -> list[UploadCustomer]:
        # Two entries for one customer would be applied in an order TWC does not document.
        problems: list[str] = []
        for key in ("email", "customerRef"):
            seen: dict[str, int] = {}
            for index, customer in enumerate(customers):
                value = getattr(customer, key)
                if not value:
                    continue
                folded = value.casefold() if key == "email" else value
                if folded in seen:
                    problems.append(f"customers.{index}.{key}: the same as customers.{seen[folded]}'s")
                else:
                    seen[folded] = index
        if problems:
            more = len(problems) - MAX_PROBLEMS
            raise ValueError("; ".join(problems[:MAX_PROBLEMS]) + (f" (and {more} more)" if more > 0 else ""))
        return customers


Outcome = Literal["create", "update", "unknown"]


@dataclass(frozen=True, slots=True)
class Found:
    """What the preview found for one customer of the upload."""

    outcome: Outcome
    record: Mapping[str, Any] | None = None
    by: str | None = None  # what matched it: customerRef or email

    @property
    def customer_id(self) -> str | None:
        found = self.record.get("id") if self.record is not None else None
        return found if isinstance(found, str) else None


@dataclass(slots=True)
class Lookups:
    """The preview's lookups, within ``limit`` calls."""

    ctx: ToolContext
    limit: int
    calls: int = 0

    def _spend(self) -> bool:
        if self.calls >= self.limit:
            return False
        self.calls += 1
        return True

    async def by_ref(self, ref: str) -> Mapping[str, Any] | Literal["unknown"] | None:
        if not self._spend():
            return "unknown"
        try:
            return m.record(await self.ctx.api.get_customer_by_ref(ref))
        except NotFound:
            return None

    async def by_email(self, email: str) -> Mapping[str, Any] | Literal["unknown"] | None:
        if not self._spend():
            return "unknown"
        wanted = email.casefold()
        found = await self.ctx.api.search_records(email=email)
        # Emails are unique in a tenant; compared without regard to case, as TWC's uniqueness is assumed to.
        return next((item for item in found if str(item.get("email", "")).casefold() == wanted), None)

    async def find(self, customer: UploadCustomer) -> Found:
        """As TWC's matching goes (reference §5, update 4): by customerRef, then by email."""
        if customer.customerRef:
            by_ref = await self.by_ref(customer.customerRef)
            if by_ref == "unknown":
                return Found("unknown")
            if by_ref is not None:
                return Found("update", by_ref, "customerRef")
        by_email = await self.by_email(customer.email)
        if by_email == "unknown":
            return Found("unknown")
        return Found("update", by_email, "email") if by_email is not None else Found("create")


def _bodies(request: UploadInput) -> list[dict[str, Any]]:
    """Exactly what is sent: each customer's body as ``twc_create_customer`` would send it."""
    return [_body(customer) for customer in request.customers]


def _body(customer: UploadCustomer) -> dict[str, Any]:
    # As a create sends it: the fields given under the API's names, the opt-ins as optin_preferences, empty text
    # left out (an upload clears nothing).
    given = {name: value for name, value in wanted_changes(customer).items() if value != ""}
    return m.dump_body(m.CustomerWrite.model_validate(given))


def digest(value: Any) -> str:
    """12 hex characters of SHA-256 over ``value`` as canonical JSON."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:12]


async def _plan(request: UploadInput, ctx: ToolContext) -> tuple[list[Found], Lookups]:
    lookups = Lookups(ctx, request.max_lookups)
    return [await lookups.find(customer) for customer in request.customers], lookups


def _upload_binding(request: UploadInput, found: Sequence[Found]) -> dict[str, Any]:
    """What the person approves besides the arguments: the digest of what is sent, the digest of what each lookup
    found (which customer each entry named), the counts, and the ids the question names."""
    updated = [item.customer_id or "?" for item in found if item.outcome == "update"]
    return {
        "rows_digest": digest(_bodies(request)),
        "lookups_digest": digest([[item.outcome, item.customer_id] for item in found]),
        "creates": sum(item.outcome == "create" for item in found),
        "updates": len(updated),
        "unknown": sum(item.outcome == "unknown" for item in found),
        "updated_ids": _named(updated),
    }


def _named(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")


def _counts_words(binding: Mapping[str, Any], max_lookups: int) -> str:
    words = (
        f"{_plural(binding['creates'], 'new customer')} created and {_plural(binding['updates'], 'existing customer')} "
        "updated"
    )
    if binding["updates"]:
        words += f" (ids {binding['updated_ids']})"
    if binding["unknown"]:
        words += (
            f"; {_plural(binding['unknown'], 'customer')} not looked up (beyond max_lookups={max_lookups}): TWC "
            "creates or updates each"
        )
    return words


def _now_values(record: Mapping[str, Any] | None, sets: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a customer found holds now in the fields the upload would write."""
    if record is None:
        return None
    now: dict[str, Any] = {}
    for name, value in sets.items():
        held = record.get(name)
        if isinstance(value, Mapping) and isinstance(held, Mapping):  # an opt-in: the channels sent only
            held = {key: held[key] for key in value if key in held}
        if held not in (None, "", {}, []):
            now[name] = held
    return now or None


def _sample(ctx: ToolContext, request: UploadInput, found: Sequence[Found]) -> list[dict[str, Any]]:
    rows = []
    for index, (body, item) in enumerate(zip(_bodies(request), found, strict=True)):
        if index >= SAMPLE_ROWS:
            break
        row: dict[str, Any] = {"entry": index, "outcome": item.outcome, "sets": body}
        if item.customer_id:
            row["id"] = item.customer_id
            row["matched_by"] = item.by
        now = _now_values(item.record, body)
        if now:
            row["now"] = now
        rows.append(row)
    applied: list[dict[str, Any]] = ctx.redactor.apply(rows)
    return applied


UPLOAD_LINE: Final = (
    "Matched customers get only the fields sent; TWC applies the upload on its side after accepting it, and it cannot "
    "be undone here. The endpoint is deprecated (TWC's ImpEx API replaces it)."
)


async def preview_upload(request: UploadInput, ctx: ToolContext) -> Preview:
    found, lookups = await _plan(request, ctx)
    binding = _upload_binding(request, found)
    question = (
        f"Upload {_plural(len(request.customers), 'customer')} to TWC: {_counts_words(binding, request.max_lookups)}? "
        f"{UPLOAD_LINE} Fingerprint {binding['rows_digest']}/{binding['lookups_digest']}."
    )
    counts = {key: binding[key] for key in ("creates", "updates", "unknown") if binding[key]}
    details = {
        "action": "upload customers (deprecated)",
        "customers": len(request.customers),
        **counts,
        "lookups": lookups.calls,
        "sample": _sample(ctx, request, found),
        "fingerprint": f"{binding['rows_digest']}/{binding['lookups_digest']}",
    }
    keep = ("action", "customers", *counts)
    return Preview(question, fitted(ctx, details, keep, "look customers up with twc_search_customers"), binding)


async def resolve_upload(request: UploadInput, ctx: ToolContext) -> Binding:
    found, _ = await _plan(request, ctx)
    return _upload_binding(request, found)


async def execute_upload(request: UploadInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    bodies = _bodies(request)
    # The arguments are signed with the confirmation, so this holds; checked all the same against the digest the
    # question named.
    if digest(bodies) != binding.get("rows_digest"):
        raise ValueError("customers: not what the preview showed; nothing was sent. Ask for a new preview.")
    await ctx.api.upload_customers(bodies)
    emails = ", ".join(str(body.get("email")) for body in bodies[:3])
    return mark(
        ctx,
        {
            "accepted": len(bodies),
            "creates": binding.get("creates"),
            "updates": binding.get("updates"),
            "notice": (
                f"TWC accepted the upload of {_plural(len(bodies), 'customer')} and applies it on its side. Check "
                f"with twc_search_customers by email (e.g. {emails}) before uploading again."
            ),
        },
    )


# -- the table ---------------------------------------------------------------------------------------------------

TOOLS: tuple[ToolSpec, ...] = (
    guarded_spec(
        "twc_delete_customer",
        "Delete a TWC customer",
        "customers",
        "Delete a TWC customer (by id or customerRef, as match_by says; TWC's two delete routes in one tool). The "
        "record goes (profile, addresses, consent, attributes); its wishlists are kept, de-identified. The preview "
        "names the customer and what goes.",
        DeleteCustomerInput,
        Guard(preview_delete, execute_delete, resolve_customer),
        idempotent=True,
    ),
    guarded_spec(
        "twc_delete_customer_address",
        "Delete a TWC customer's address",
        "addresses",
        "Delete one address of a TWC customer (customer by id or customerRef; address_id from its addresses). "
        "Returns the addresses left.",
        DeleteAddressInput,
        Guard(preview_delete_address, execute_delete_address, resolve_address),
        idempotent=True,
    ),
    guarded_spec(
        "twc_upload_customers",
        "Upload TWC customers (deprecated)",
        "bulk",
        f"Create or update up to {MAX_UPLOAD} TWC customers in one call (TWC's deprecated upload): each is matched "
        "by customerRef, then email, and a match gets only the fields given. The preview counts the creates and "
        "updates. Prefer twc_create_customer or twc_update_customer for one customer.",
        UploadInput,
        Guard(preview_upload, execute_upload, resolve_upload),
    ),
)


# -- the confirmation card's Cancel (MCP Apps, app-only): core/decline.py, over every guarded TWC tool -------------

APP_TOOLS: tuple[ToolSpec, ...] = (decline_tool("twc", TOOLS, CONFIRM_VIEW),)
