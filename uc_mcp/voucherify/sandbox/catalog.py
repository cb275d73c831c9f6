"""What the sandbox's project holds besides customers: campaigns, segments, and the customer event names.

Fixed for every seed (a sandbox project is set up once; its customers vary). The ids look like Voucherify's
(``camp_``/``seg_`` and 24 characters) and never change, so tests, demos and a later cross-provider issue may name
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

CampaignType = Literal["LOYALTY_PROGRAM", "GIFT_VOUCHERS", "DISCOUNT_COUPONS", "REFERRAL_PROGRAM", "PROMOTION"]
VoucherType = Literal["GIFT_VOUCHER", "DISCOUNT_VOUCHER", "LOYALTY_CARD"]


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    campaign_type: CampaignType
    voucher_type: VoucherType | None  # None: a promotion (no codes to hold)
    created_at: str


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    name: str


BEAN_POINTS: Final = Campaign(
    "camp_LoyBeanPts7xQ2mZr4Hs9Dk1", "Bean Points", "LOYALTY_PROGRAM", "LOYALTY_CARD", "2017-03-01T09:00:00.000Z"
)
GIFT_CARDS: Final = Campaign(
    "camp_GiftCards2019aP0vN5Lq8Wt", "Gift Cards", "GIFT_VOUCHERS", "GIFT_VOUCHER", "2019-11-04T10:30:00.000Z"
)
WELCOME: Final = Campaign(
    "camp_Welcome10pct3Bd6Jk0Rf2Yc",
    "Welcome 10% off",
    "DISCOUNT_COUPONS",
    "DISCOUNT_VOUCHER",
    "2017-03-01T09:05:00.000Z",
)
WINBACK: Final = Campaign(
    "camp_Winback5off8Cx1Mn4Tg7Pe0",
    "Win-back $5 off",
    "DISCOUNT_COUPONS",
    "DISCOUNT_VOUCHER",
    "2021-02-15T14:00:00.000Z",
)
REFER_A_FRIEND: Final = Campaign(
    "camp_ReferFriend6Hq3Zw9Ls2Vb5",
    "Refer a Friend",
    "REFERRAL_PROGRAM",
    "DISCOUNT_VOUCHER",
    "2020-06-01T08:00:00.000Z",
)
HOLIDAY_PROMO: Final = Campaign(
    "camp_HolidayPromo4Np8Ue1Kx6Dj", "Holiday Free Shipping", "PROMOTION", None, "2023-11-20T00:00:00.000Z"
)
CAMPAIGNS: Final = (BEAN_POINTS, GIFT_CARDS, WELCOME, WINBACK, REFER_A_FRIEND, HOLIDAY_PROMO)
CAMPAIGNS_BY_ID: Final = {campaign.id: campaign for campaign in CAMPAIGNS}

VIP: Final = Segment("seg_VipCustomers1Qa7Ws3Ed9Rf5", "VIP customers")
LOYALTY_MEMBERS: Final = Segment("seg_LoyaltyMembers2Tg8Yh4Uj0", "Loyalty members")
NEWSLETTER: Final = Segment("seg_Newsletter3Ik9Ol5Pz1Xc7Vb", "Newsletter subscribers")
EUROPE: Final = Segment("seg_EuropeCustomers4Nm0Qw6Er2", "Europe")
LAPSED: Final = Segment("seg_LapsedBuyers5Ty1Ui7Op3As9", "Lapsed: no order in 12 months")
WHOLESALE: Final = Segment("seg_WholesaleAccts6Df2Gh8Jk4L", "Wholesale accounts")
SEGMENTS: Final = (VIP, LOYALTY_MEMBERS, NEWSLETTER, EUROPE, LAPSED, WHOLESALE)

# The customer event names, as the spec's CustomerActivity.type enum lists them (67; SDK 6.x checks them).
EVENT_TYPES: Final = (
    "customer.confirmed",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.referred",
    "customer.custom_event",
    "customer.segment.entered",
    "customer.segment.left",
    "customer.sms.sent",
    "customer.sms.recovered",
    "customer.sms.failed",
    "customer.email.sent",
    "customer.email.recovered",
    "customer.email.failed",
    "customer.activecampaign.sent",
    "customer.activecampaign.recovered",
    "customer.activecampaign.failed",
    "customer.braze.sent",
    "customer.braze.recovered",
    "customer.braze.failed",
    "customer.mailchimp.sent",
    "customer.mailchimp.recovered",
    "customer.mailchimp.failed",
    "customer.intercom.sent",
    "customer.intercom.recovered",
    "customer.intercom.failed",
    "customer.shopify.sent",
    "customer.shopify.recovered",
    "customer.shopify.failed",
    "customer.klaviyo.sent",
    "customer.klaviyo.recovered",
    "customer.klaviyo.failed",
    "customer.batch.sent",
    "customer.batch.recovered",
    "customer.batch.failed",
    "customer.rewarded",
    "customer.rewarded.loyalty_points",
    "customer.voucher.gift.balance_added",
    "customer.voucher.loyalty_card.pending_points.activated",
    "customer.voucher.loyalty_card.pending_points.added",
    "customer.voucher.loyalty_card.pending_points.canceled",
    "customer.voucher.loyalty_card.pending_points.updated",
    "customer.voucher.loyalty_card.points_activated",
    "customer.voucher.loyalty_card.points_added",
    "customer.voucher.loyalty_card.points_transferred",
    "customer.voucher.loyalty_card.points_expired",
    "customer.voucher.deleted",
    "customer.publication.succeeded",
    "customer.publication.failed",
    "customer.validation.succeeded",
    "customer.validation.failed",
    "customer.redemption.failed",
    "customer.redemption.succeeded",
    "customer.redemption.rollback.failed",
    "customer.redemption.rollback.succeeded",
    "customer.order.canceled",
    "customer.order.created",
    "customer.order.fulfilled",
    "customer.order.paid",
    "customer.order.processing",
    "customer.order.updated",
    "customer.reward_redemptions.created",
    "customer.reward_redemptions.pending",
    "customer.reward_redemptions.completed",
    "customer.reward_redemptions.rolledback",
    "customer.loyalty.updated",
    "customer.loyalty.tier.upgraded",
    "customer.loyalty.tier.downgraded",
    "customer.loyalty.tier.prolonged",
    "customer.loyalty.tier.expiration.changed",
    "customer.loyalty.tier.joined",
    "customer.loyalty.tier.left",
    "customer.holder.assignment.created",
    "customer.holder.assignment.deleted",
)

# The activity ``category`` filter: ACTION or EFFECT. The docs name the two values and nothing more. Assumed: an
# ACTION is something the customer or an API call did (created, updated, validated, redeemed, ordered, was
# referred, a custom event, a code published to them); an EFFECT is what followed from it (segments entered,
# rewards and points, messages sent, tier changes, holder assignments, balances).
_ACTION_PREFIXES: Final = (
    "customer.confirmed",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.referred",
    "customer.custom_event",
    "customer.publication.",
    "customer.validation.",
    "customer.redemption.",
    "customer.order.",
    "customer.reward_redemptions.",
)


def category_of(event_type: str) -> Literal["ACTION", "EFFECT"]:
    return "ACTION" if event_type.startswith(_ACTION_PREFIXES) else "EFFECT"
