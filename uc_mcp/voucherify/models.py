"""Lean pydantic models of Voucherify's customer operations, from the OpenAPI subset
(/work/shared/reference/voucherify-customers-openapi.json; its names in the docstrings).

As UltraCart's: responses are open (unknown fields kept, no enums: Voucherify adds fields and values without a
new API version, reference §1), every field optional (the SDK-generation specs mark everything nullable), and
the giant graphs stay out: a redeemable's voucher, an event's data and an async action's result are plain JSON
objects here. Request models carry only what a client may send: no ``id`` on update, nothing server-assigned
(summary, loyalty, referrals, system_metadata, timestamps, assets). They are dumped with the fields that were
set, so an explicit ``None`` (``address: null``) reaches the API and an untouched field does not.

Money is an integer number of cents, dates are the API's ISO 8601 strings: kept as they come.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class Request(BaseModel):
    """A request body: no unknown fields (a typo must not be sent as an unknown key)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


def dump_body(body: BaseModel) -> dict[str, Any]:
    """A request body as JSON: the fields that were set (an explicit null included), nothing else."""
    return body.model_dump(mode="json", exclude_unset=True, by_alias=True)


# -- customers -------------------------------------------------------------------------------------


class Address(Model):
    """``CustomerBase.address``."""

    city: str | None = None
    state: str | None = None
    line_1: str | None = None
    line_2: str | None = None
    country: str | None = None
    postal_code: str | None = None


class GiftSummary(Model):
    redeemed_amount: int | None = None  # cents
    amount_to_go: int | None = None  # cents


class LoyaltyCardSummary(Model):
    redeemed_points: int | None = None
    points_to_go: int | None = None


class RedemptionsSummary(Model):
    """``CustomerSummaryRedemptions``."""

    total_redeemed: int | None = None
    total_failed: int | None = None
    total_succeeded: int | None = None
    total_rolled_back: int | None = None
    total_rollback_failed: int | None = None
    total_rollback_succeeded: int | None = None
    gift: GiftSummary | None = None
    loyalty_card: LoyaltyCardSummary | None = None


class OrdersSummary(Model):
    """``CustomerSummaryOrders``: PAID and FULFILLED orders only; amounts in cents."""

    total_amount: int | None = None
    total_count: int | None = None
    average_amount: int | None = None
    last_order_amount: int | None = None
    last_order_date: str | None = None


class CustomerSummary(Model):
    redemptions: RedemptionsSummary | None = None
    orders: OrdersSummary | None = None


class LoyaltyCampaign(Model):
    points: int | None = None
    loyalty_tier: str | None = None
    referred_customers: int | None = None


class CustomerLoyalty(Model):
    """``CustomerLoyalty``: ``campaigns`` is keyed by campaign name."""

    points: int | None = None
    referred_customers: int | None = None
    campaigns: dict[str, LoyaltyCampaign] | None = None


class ReferralCampaign(Model):
    campaign_id: str | None = None
    referrer_id: str | None = None
    related_object_id: str | None = None
    related_object_type: str | None = None
    date: str | None = None


class CustomerReferrals(Model):
    total: int | None = None
    campaigns: list[ReferralCampaign] | None = None


class CustomerBase(Model):
    """``CustomerBase``: the fields a client writes."""

    name: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    birthday: str | None = None  # deprecated alias of birthdate
    birthdate: str | None = None
    address: Address | None = None
    metadata: dict[str, Any] | None = None


class Customer(CustomerBase):
    """``CustomerWithSummaryLoyaltyReferrals``: a customer as create, get, update and list answer it."""

    id: str | None = None
    source_id: str | None = None
    summary: CustomerSummary | None = None
    loyalty: CustomerLoyalty | None = None
    referrals: CustomerReferrals | None = None
    system_metadata: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    assets: dict[str, Any] | None = None
    object: str | None = None


class CustomersList(Model):
    """``CustomersListResponseBody``."""

    object: str | None = None
    data_ref: str | None = None
    customers: list[Customer] = Field(default_factory=list)
    total: int | None = None
    has_more: bool | None = None


class AddressWrite(Request):
    city: str | None = None
    state: str | None = None
    line_1: str | None = None
    line_2: str | None = None
    country: str | None = None
    postal_code: str | None = None


class CustomerUpdate(Request):
    """``CustomersUpdateRequestBody`` (= ``CustomerBase``): only the fields given change (the PUT is partial)."""

    name: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    birthdate: str | None = None
    address: AddressWrite | None = None
    metadata: dict[str, Any] | None = None


class CustomerCreate(CustomerUpdate):
    """``CustomersCreateRequestBody`` (= ``Customer``: ``CustomerBase`` plus ``id`` and ``source_id``).

    An upsert: a customer whose ``id`` (or, without ``id``, ``source_id``) matches is updated and returned with
    200, no duplicate error (reference §4.1)."""

    id: str | None = None
    source_id: str | None = None


class PermanentDeletionCounts(Model):
    events: int | None = None
    customer_events: int | None = None
    daily_events: int | None = None
    segments: int | None = None
    orders: int | None = None
    order_events: int | None = None
    customer: int | None = None


class PermanentDeletion(Model):
    """``CustomersPermanentDeletionCreateResponseBody``: ``object`` is ``"pernament_deletion"`` (upstream's
    spelling)."""

    id: str | None = None
    created_at: str | None = None
    related_object_id: str | None = None
    related_object: str | None = None
    status: str | None = None
    data_json: PermanentDeletionCounts | None = None
    object: str | None = None


# -- activity, segments, redeemables ---------------------------------------------------------------


class CustomerActivity(Model):
    """``CustomerActivity``: ``data`` is ``{data: <event-specific>, event_source}`` (kept as JSON)."""

    id: str | None = None
    type: str | None = None
    data: dict[str, Any] | None = None
    created_at: str | None = None
    group_id: str | None = None


class ActivityList(Model):
    """``CustomersActivityListResponseBody``: pass ``more_starting_after`` back as ``starting_after_id``."""

    object: str | None = None
    data_ref: str | None = None
    data: list[CustomerActivity] = Field(default_factory=list)
    has_more: bool | None = None
    more_starting_after: str | None = None


class Segment(Model):
    """``SimpleSegment``."""

    id: str | None = None
    name: str | None = None
    object: str | None = None


class SegmentsList(Model):
    """``CustomerSegmentsList``."""

    object: str | None = None
    data_ref: str | None = None
    data: list[Segment] = Field(default_factory=list)
    total: int | None = None


class RedeemableHolding(Model):
    """``CustomerRedeemable.redeemable``: ``voucher`` is a ``RedeemableVoucher`` (a large graph: kept as JSON)."""

    type: str | None = None
    voucher: dict[str, Any] | None = None
    status: str | None = None


class CustomerRedeemable(Model):
    """``CustomerRedeemable``: one voucher, gift card, loyalty card or referral code the customer holds."""

    id: str | None = None
    created_at: str | None = None
    redeemable_id: str | None = None
    redeemable_object: str | None = None
    customer_id: str | None = None
    holder_role: str | None = None
    campaign_id: str | None = None
    campaign_type: str | None = None
    voucher_type: str | None = None
    redeemable: RedeemableHolding | None = None


class RedeemablesList(Model):
    """``CustomerRedeemablesList``."""

    object: str | None = None
    data_ref: str | None = None
    data: list[CustomerRedeemable] = Field(default_factory=list)
    total: int | None = None
    has_more: bool | None = None
    more_starting_after: str | None = None


# -- async actions ---------------------------------------------------------------------------------


class BulkCustomer(CustomerUpdate):
    """One item of ``CustomersUpdateInBulkRequestBody``: ``source_id`` (required) plus the base fields; an
    unknown ``source_id`` is created."""

    source_id: str


class MetadataBulkUpdate(Request):
    """``CustomersMetadataUpdateInBulkRequestBody``: every listed customer gets ``metadata`` (merged)."""

    source_ids: list[str]
    metadata: dict[str, Any]


class AsyncActionQueued(Model):
    """``AsyncActions``: the answer (202) of the CSV import and both bulk updates."""

    async_action_id: str | None = None


class AsyncAction(Model):
    """``GET /v1/async-actions/{id}`` (the Async Actions API, reference §8): ``status`` ENQUEUED → IN_PROGRESS →
    DONE or FAILED; ``result`` depends on ``type`` (CUSTOMERS.IMPORT_CSV, CUSTOMERS.BULK_UPDATE,
    CUSTOMERS.METADATA_UPDATE) and is kept as JSON."""

    id: str | None = None
    type: str | None = None
    status: str | None = None
    operation_status: str | None = None
    result: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    request_id: str | None = None
    processing_time: int | None = None
    progress: int | None = None
    object: str | None = None
