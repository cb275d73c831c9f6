"""Pydantic models for the UltraCart REST API v2 ``customer`` resource.

One model per request and response schema used by the 24 customer operations of the official
OpenAPI subset (``tests/spec/ultracart-customer-openapi.json``), with the exact JSON field names.

Conventions:

* Every field is optional (nothing in the spec is required) and unknown fields sent by the server
  are kept (``extra="allow"``), so a newer API never breaks parsing and round-trips through
  ``model_dump``.
* Response models enforce no constraints (a server may return longer values than the spec's
  ``maxLength``) and keep enum-like values as plain ``str``. The request-only models carry the
  spec's ``maxLength`` as ``Field(max_length=...)`` so invalid requests fail before sending.
  ``Customer`` (request and response body) stays unconstrained; its limits are exposed in
  ``CUSTOMER_MAX_LENGTHS`` for request-side validation.
* Monetary ``number`` fields are :data:`Money` (``Decimal`` with 2 places, a JSON number on output).
* Opaque graphs the tools never expose (``Customer.orders``/``quotes``/``activity``/``edi``,
  ``CustomerLoyalty.internal_gift_certificate``) stay untyped JSON.
"""

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

# -- money ----------------------------------------------------------------------------------------

_CENT = Decimal("0.01")
# A private context: the caller's global decimal context never changes how amounts are rounded.
_MONEY_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)


def _parse_money(value: Any) -> Any:
    """JSON number (or numeric string) -> ``Decimal`` rounded half-up to cents.

    Floats go through their shortest ``repr`` so ``0.1 + 0.2`` becomes ``0.30`` and ``12.345``
    becomes ``12.35`` (not the binary expansion's ``12.34``). Other types are passed on for
    pydantic to reject.
    """
    if isinstance(value, bool):
        raise ValueError("a monetary amount must be a number, not a boolean")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int | str):
        try:
            value = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("a monetary amount must be a number") from None
    if not isinstance(value, Decimal):
        return value
    if not value.is_finite():
        raise ValueError("a monetary amount must be finite")
    try:
        return value.quantize(_CENT, context=_MONEY_CONTEXT)
    except InvalidOperation:
        raise ValueError("monetary amount out of range") from None


def _money_to_json(value: Decimal) -> float:
    return float(value)


Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    PlainSerializer(_money_to_json, return_type=float, when_used="json"),
]
"""A monetary amount: ``Decimal`` quantized to 2 places (ROUND_HALF_UP); a JSON number in JSON mode."""


# -- base -----------------------------------------------------------------------------------------


class UCModel(BaseModel):
    """Base of every UltraCart model: all fields optional, unknown fields kept.

    Subclasses carry no docstrings on purpose: a class docstring would become the JSON-schema
    description, and schema text should be only what the spec says.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


def dump_body(model: BaseModel) -> dict[str, Any]:
    """The JSON request body the API gets: aliases, JSON types, no ``None`` values."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- envelope (§3) --------------------------------------------------------------------------------


class Error(UCModel):
    developer_message: str | None = Field(
        default=None, description="A technical message meant to be read by a developer"
    )
    error_code: str | None = Field(default=None, description="HTTP status code")
    more_info: str | None = Field(
        default=None, description="Additional information often a link to additional documentation"
    )
    object_id: str | None = Field(default=None, description="Object id that the error is associated with")
    user_message: str | None = Field(
        default=None, description="An end-user friendly message suitable for display to the customer"
    )


class Warning(UCModel):
    more_info: str | None = Field(
        default=None, description="Additional information often a link to additional documentation"
    )
    warning_code: str | None = Field(
        default=None,
        description="A stable machine-readable code identifying the warning. See API docs for known values.",
    )
    warning_message: str | None = Field(default=None, description="A technical message meant to be read by a developer")


class ResultSet(UCModel):
    count: int | None = Field(default=None, description="Number of results in this set")
    limit: int | None = Field(default=None, description="Maximum number of results that can be returned in a set")
    more: bool | None = Field(default=None, description="True if there are more results to query")
    next_offset: int | None = Field(
        default=None, description="The next offset that you should query to retrieve more results"
    )
    offset: int | None = Field(default=None, description="Offset of this result set (zero based)")
    total_records: int | None = Field(
        default=None,
        description="The total number of records in the result set.  May be null if the number is not known and the client should continue iterating as long as more is true.",
    )


class ResponseMetadata(UCModel):
    payload_name: str | None = Field(default=None, description="Payload name")
    result_set: ResultSet | None = None


class BaseResponse(UCModel):
    error: Error | None = None
    metadata: ResponseMetadata | None = None
    success: bool | None = Field(default=None, description="Indicates if API call was successful")
    warning: Warning | None = None


# Body of every declared error status (400, 401, 410, 429, 500): the bare envelope.
class ErrorResponse(BaseResponse):
    pass


# -- Customer and its sub-objects (request and response; unconstrained) ---------------------------


class CustomerAttachment(UCModel):
    customer_profile_attachment_oid: int | None = Field(default=None, description="Attachment identifier")
    description: str | None = Field(default=None, description="Description")
    file_name: str | None = Field(default=None, description="File name")
    mime_type: str | None = Field(default=None, description="Mime type")
    upload_dts: str | None = Field(default=None, description="Upload date/time")


class CustomerBilling(UCModel):
    address1: str | None = Field(default=None, description="Address line 1")
    address2: str | None = Field(default=None, description="Address line 2")
    city: str | None = Field(default=None, description="City")
    company: str | None = Field(default=None, description="Company")
    country_code: str | None = Field(default=None, description="ISO-3166 two letter country code")
    customer_billing_oid: int | None = Field(default=None, description="Customer profile billing object identifier")
    customer_profile_oid: int | None = Field(default=None, description="Customer profile object identifier")
    day_phone: str | None = Field(default=None, description="Day phone")
    day_phone_e164: str | None = Field(default=None, description="Day phone in E.164 format (derived — read only)")
    default_billing: bool | None = Field(default=None, description="Default billing")
    evening_phone: str | None = Field(default=None, description="Evening phone")
    evening_phone_e164: str | None = Field(
        default=None, description="Evening phone in E.164 format (derived — read only)"
    )
    first_name: str | None = Field(default=None, description="First name")
    last_name: str | None = Field(default=None, description="Last name")
    last_used_dts: str | None = Field(default=None, description="Last used date")
    postal_code: str | None = Field(default=None, description="Postal code")
    state_region: str | None = Field(
        default=None, description="State for United States otherwise region or province for other countries"
    )
    tax_county: str | None = Field(default=None, description="Tax County")
    title: str | None = Field(default=None, description="Title")


class CustomerCard(UCModel):
    card_expiration_month: int | None = Field(default=None, description="Card expiration month (1-12)")
    card_expiration_year: int | None = Field(default=None, description="Card expiration year (four digit year)")
    card_number: str | None = Field(default=None, description="Card number (masked to the last 4)")
    card_number_token: str | None = Field(
        default=None, repr=False, description="Hosted field token for the card number"
    )
    card_type: str | None = Field(default=None, description="Card type")
    customer_profile_credit_card_id: int | None = Field(default=None, description="ID of the stored credit card to use")
    customer_profile_oid: int | None = Field(default=None, description="Customer profile object identifier")
    last_used_dts: str | None = Field(default=None, description="Last used date")


class CustomerEmail(UCModel):
    customer_profile_email_oid: int | None = Field(default=None, description="ID of the email")
    email: str | None = Field(default=None, description="Email")
    label: str | None = Field(default=None, description="Label")
    receipt_notification: bool | None = Field(default=None, description="CC this email on receipt notifications")
    refund_notification: bool | None = Field(default=None, description="CC this email on refund notifications")
    shipment_notification: bool | None = Field(default=None, description="CC this email on shipment notifications")


class CustomerLoyaltyLedger(UCModel):
    created_by: str | None = Field(default=None, description="Created By")
    created_dts: str | None = Field(default=None, description="Created date")
    description: str | None = Field(default=None, description="Description")
    email: str | None = Field(default=None, description="Email")
    item_id: str | None = Field(default=None, description="Item Id")
    item_index: int | None = Field(default=None, description="Item Index")
    ledger_dts: str | None = Field(default=None, description="Ledger date")
    loyalty_campaign_oid: int | None = Field(default=None, description="Loyalty campaign oid")
    loyalty_ledger_oid: int | None = Field(default=None, description="Loyalty ledger oid")
    loyalty_points: int | None = Field(default=None, description="Loyalty points")
    modified_by: str | None = Field(default=None, description="Modified By")
    modified_dts: str | None = Field(default=None, description="Modified date")
    order_id: str | None = Field(default=None, description="Order Id")
    quantity: int | None = Field(default=None, description="Quantity")
    vesting_dts: str | None = Field(default=None, description="Vesting date")


class CustomerLoyaltyRedemption(UCModel):
    coupon_code: str | None = Field(default=None, description="Coupon code")
    coupon_code_oid: int | None = Field(default=None, description="Coupon code OID")
    coupon_used: bool | None = Field(default=None, description="Coupon used")
    description_for_customer: str | None = Field(default=None, description="Description for customer")
    expiration_dts: str | None = Field(default=None, description="Expiration date")
    gift_certificate_code: str | None = Field(default=None, description="Gift certificate code")
    gift_certificate_oid: int | None = Field(default=None, description="Gift certificate oid")
    loyalty_ledger_oid: int | None = Field(default=None, description="Loyalty ledger OID")
    loyalty_points: int | None = Field(default=None, description="Loyalty points")
    loyalty_redemption_oid: int | None = Field(default=None, description="Loyalty redemption OID")
    order_id: str | None = Field(default=None, description="Order id")
    redemption_dts: str | None = Field(default=None, description="Redemption date")
    remaining_balance: Money | None = Field(default=None, description="Remaining balance")


class CustomerLoyalty(UCModel):
    current_points: int | None = Field(default=None, description="Current points")
    internal_gift_certificate: dict[str, Any] | None = None  # GiftCertificate, opaque on purpose
    # A string in the API, not a number.
    internal_gift_certificate_balance: str | None = Field(
        default=None, description="Loyalty Cashback / Store credit balance (internal gift certificate balance)"
    )
    internal_gift_certificate_oid: int | None = Field(
        default=None, description="Internal gift certificate oid used to tracking loyalty cashback / store credit."
    )
    ledger_entries: list[CustomerLoyaltyLedger] | None = Field(default=None, description="Ledger entries")
    loyalty_tier_expiration_dts: str | None = Field(
        default=None, description="Loyalty tier expiration date (read only because of SDK addition)"
    )
    loyalty_tier_name: str | None = Field(default=None, description="Loyalty tier name")
    loyalty_tier_oid: int | None = Field(default=None, description="Loyalty tier oid (set to zero to remove the tier)")
    pending_points: int | None = Field(default=None, description="Pending Points")
    redemptions: list[CustomerLoyaltyRedemption] | None = Field(default=None, description="Redemptions")


class CustomerOrdersSummary(UCModel):
    first_order_dts: str | None = Field(default=None, description="First order date")
    last_order_dts: str | None = Field(default=None, description="Last order date")
    order_count: int | None = Field(default=None, description="Total number of orders")
    total: Money | None = Field(default=None, description="Total amount associated with the orders")


class CustomerPricingTier(UCModel):
    name: str | None = Field(default=None, description="Name")
    pricing_tier_oid: int | None = Field(default=None, description="Pricing Tier Oid")


class CustomerPrivacy(UCModel):
    last_update_dts: str | None = Field(default=None, description="Last update date")
    marketing: bool | None = Field(default=None, description="The customer has opted in to marketing")
    preference: bool | None = Field(default=None, description="The customer has opted in to preference tracking")
    statistics: bool | None = Field(default=None, description="The customer has opted in to statistics collection")


class CustomerProperty(UCModel):
    customer_profile_property_oid: int | None = Field(default=None, description="Customer profile property oid")
    expiration_dts: str | None = Field(
        default=None, description="The date/time that the property expires and is deleted"
    )
    name: str | None = Field(default=None, description="Name")
    value: str | None = Field(default=None, description="Value")


class CustomerQuotesSummary(UCModel):
    first_quote_dts: str | None = Field(default=None, description="First quote date")
    last_quote_dts: str | None = Field(default=None, description="Last quote date")
    quote_count: int | None = Field(default=None, description="Total number of quote")
    total: Money | None = Field(default=None, description="Total amount associated with the quotes")


class CustomerReviewer(UCModel):
    auto_approve: bool | None = Field(
        default=None, description="True if reviewes from this customer profile should automatically be approved"
    )
    average_overall_rating: float | None = Field(default=None, description="Average overall rating of items reviewed")
    expert: bool | None = Field(default=None, description="True if the customer is an expert")
    first_review: str | None = Field(default=None, description="First review")
    last_review: str | None = Field(default=None, description="Last review")
    location: str | None = Field(default=None, description="Location of the reviewer")
    nickname: str | None = Field(default=None, description="Nickname of the reviewer")
    number_helpful_review_votes: int | None = Field(default=None, description="Number of helpful review votes")
    rank: int | None = Field(default=None, description="Rank of this reviewer")
    reviews_contributed: int | None = Field(default=None, description="Number of reviews contributed")


class CustomerShipping(UCModel):
    address1: str | None = Field(default=None, description="Address line 1")
    address2: str | None = Field(default=None, description="Address line 2")
    city: str | None = Field(default=None, description="City")
    company: str | None = Field(default=None, description="Company")
    country_code: str | None = Field(default=None, description="ISO-3166 two letter country code")
    customer_profile_oid: int | None = Field(default=None, description="Customer profile object identifier")
    customer_shipping_oid: int | None = Field(default=None, description="Customer profile shipping object identifier")
    day_phone: str | None = Field(default=None, description="Day phone")
    day_phone_e164: str | None = Field(default=None, description="Day phone in E.164 format (derived — read only)")
    default_shipping: bool | None = Field(default=None, description="Default shipping")
    evening_phone: str | None = Field(default=None, description="Evening phone")
    evening_phone_e164: str | None = Field(
        default=None, description="Evening phone in E.164 format (derived — read only)"
    )
    first_name: str | None = Field(default=None, description="First name")
    last_name: str | None = Field(default=None, description="Last name")
    last_used_dts: str | None = Field(default=None, description="Last used date")
    postal_code: str | None = Field(default=None, description="Postal code")
    state_region: str | None = Field(
        default=None, description="State for United States otherwise region or province for other countries"
    )
    tax_county: str | None = Field(default=None, description="Tax County")
    title: str | None = Field(default=None, description="Title")


class CustomerSoftwareEntitlement(UCModel):
    activation_code: str | None = Field(default=None, description="Activation Code Associated with the software")
    activation_dts: str | None = Field(default=None, description="Date/time when the activation code was created")
    customer_software_entitlement_oid: int | None = Field(
        default=None, description="Customer profile software entitlement object identifier"
    )
    expiration_dts: str | None = Field(default=None, description="Date/time when the activation code will expire")
    purchased_via_item_description: str | None = Field(
        default=None, description="Item description used to purchase this software."
    )
    purchased_via_item_id: str | None = Field(default=None, description="Item ID used to purchase this software.")
    purchased_via_order_id: str | None = Field(default=None, description="Order ID used to purchase this software.")
    software_sku: str | None = Field(default=None, description="SKU of the software")


class CustomerTag(UCModel):
    tag_value: str | None = Field(default=None, description="Tag Value")


class CustomerTaxCodes(UCModel):
    avalara_customer_code: str | None = Field(default=None, description="Avalara customer code")
    avalara_entity_use_code: str | None = Field(default=None, description="Avalara entity use code")
    sovos_customer_code: str | None = Field(default=None, description="Sovos customer code")
    taxjar_customer_id: str | None = Field(default=None, description="TaxJar customer id")
    taxjar_exemption_type: str | None = Field(default=None, description="TaxJar exemption type")


class Customer(UCModel):
    # activity (CustomerActivity), edi (CustomerEDI), orders and quotes (Order[]) are opaque JSON on purpose.
    activity: dict[str, Any] | None = None
    affiliate_oid: int | None = Field(default=None, description="Affiliate oid")
    allow_3rd_party_billing: bool | None = Field(default=None, description="Allow 3rd party billing")
    allow_cod: bool | None = Field(default=None, description="Allow COD")
    allow_drop_shipping: bool | None = Field(default=None, description="Allow Drop Shipping")
    allow_purchase_order: bool | None = Field(default=None, description="Allow purchase orders by this customer")
    allow_quote_request: bool | None = Field(default=None, description="Allow quote request")
    allow_selection_of_address_type: bool | None = Field(
        default=None, description="Allow selection of residential or business address type"
    )
    attachments: list[CustomerAttachment] | None = Field(default=None, description="Attachments")
    auto_approve_cod: bool | None = Field(default=None, description="Auto approve COD")
    auto_approve_purchase_order: bool | None = Field(
        default=None, description="Auto approve purchase orders by this customer"
    )
    automatic_merchant_notes: str | None = Field(
        default=None, description="Automatic merchant notes are added to every order placed"
    )
    billing: list[CustomerBilling] | None = Field(default=None, description="Billing addresses for this customer")
    birth_date: str | None = Field(default=None, description="Customer birthday")
    business_notes: str | None = Field(default=None, description="Business notes (internally visible only)")
    cards: list[CustomerCard] | None = Field(default=None, description="Credit Cards for this customer")
    cc_emails: list[CustomerEmail] | None = Field(default=None, description="Additional emails to CC notification")
    customer_profile_oid: int | None = Field(default=None, description="Customer profile object identifier")
    dhl_account_number: str | None = Field(default=None, description="DHL account number")
    dhl_duty_account_number: str | None = Field(default=None, description="DHL duty account number")
    do_not_send_mail: bool | None = Field(default=None, description="Do not send mail (null will not update)")
    edi: dict[str, Any] | None = None
    email: str | None = Field(default=None, description="Email address of this customer profile")
    exempt_shipping_handling_charge: bool | None = Field(default=None, description="Exempt shipping handling charge")
    fax: str | None = Field(default=None, description="Fax Number")
    fedex_account_number: str | None = Field(default=None, description="FedEx account number")
    free_shipping: bool | None = Field(default=None, description="This customer always receives free shipping")
    free_shipping_minimum: Money | None = Field(
        default=None, description="If free_shipping is true, this is the minimum subtotal required for free shipping"
    )
    last_modified_by: str | None = Field(default=None, description="Last modified by")
    last_modified_dts: str | None = Field(default=None, description="Last modified date")
    loyalty: CustomerLoyalty | None = None
    maximum_item_count: int | None = Field(default=None, description="Maximum item count")
    merchant_id: str | None = Field(default=None, description="Merchant ID")
    minimum_item_count: int | None = Field(default=None, description="Minimum item count")
    minimum_subtotal: Money | None = Field(default=None, description="Minimum subtotal")
    no_coupons: bool | None = Field(default=None, description="No coupons")
    no_free_shipping: bool | None = Field(
        default=None, description="No free shipping regardless of coupons or item level settings"
    )
    no_realtime_charge: bool | None = Field(default=None, description="No realtime charge")
    orders: list[dict[str, Any]] | None = Field(
        default=None, description="Orders associated with this customer profile"
    )
    orders_summary: CustomerOrdersSummary | None = None
    password: str | None = Field(default=None, repr=False, description="Password (may only be set, never read)")
    pricing_tiers: list[CustomerPricingTier] | None = Field(default=None, description="Pricing tiers for this customer")
    privacy: CustomerPrivacy | None = None
    properties: list[CustomerProperty] | None = Field(default=None, description="Properties for this customer")
    qb_class: str | None = Field(default=None, description="QuickBooks class to import this customer as")
    qb_code: str | None = Field(default=None, description="QuickBooks name to import this customer as")
    qb_tax_exemption_reason_code: int | None = Field(default=None, description="QuickBooks tax exemption reason code")
    quickbooks_online_customer_id: str | None = Field(
        default=None, description="QuickBooks Online customer ID used to lock this customer 1:1 with QuickBooks Online"
    )
    quotes: list[dict[str, Any]] | None = Field(
        default=None, description="Quotes associated with this customer profile"
    )
    quotes_summary: CustomerQuotesSummary | None = None
    referral_source: str | None = Field(
        default=None,
        description="Referral Source specified on the wholesale customer signup form.  No other meaning than that signup flow.",
    )
    reviewer: CustomerReviewer | None = None
    sales_rep_code: str | None = Field(default=None, description="Sales rep code")
    send_signup_notification: bool | None = Field(
        default=None,
        description="Send signup notification, if true during customer creation, will send a notification.",
    )
    shipping: list[CustomerShipping] | None = Field(default=None, description="Shipping addresses for this customer")
    signup_dts: str | None = Field(default=None, description="Signup date")
    software_entitlements: list[CustomerSoftwareEntitlement] | None = Field(
        default=None, description="Software entitlements owned by this customer"
    )
    suppress_buysafe: bool | None = Field(default=None, description="Suppress buySAFE (deprecated)")
    tags: list[CustomerTag] | None = Field(default=None, description="Tags for this customer")
    tax_codes: CustomerTaxCodes | None = None
    tax_exempt: bool | None = Field(default=None, description="True if the customer is tax exempt")
    tax_id: str | None = Field(default=None, description="Tax ID")
    terms: str | None = Field(default=None, description="Terms for this customer")
    track_separately: bool | None = Field(
        default=None, description="True if the customer should be tracked separately in QuickBooks"
    )
    unapproved: bool | None = Field(default=None, description="Unapproved")
    ups_account_number: str | None = Field(default=None, description="UPS account number")
    website_url: str | None = Field(default=None, description="Website url")


# maxLength of the Customer family, schema name -> {JSON field: maxLength}, as in the spec.
# Not enforced on the models (they parse responses too); for validating outgoing customers.
CUSTOMER_MAX_LENGTHS: dict[str, dict[str, int]] = {
    "Customer": {
        "business_notes": 2000,
        "dhl_account_number": 20,
        "dhl_duty_account_number": 20,
        "fax": 32,
        "fedex_account_number": 20,
        "last_modified_by": 100,
        "password": 30,
        "quickbooks_online_customer_id": 50,
        "referral_source": 50,
        "sales_rep_code": 10,
        "tax_id": 15,
        "ups_account_number": 20,
        "website_url": 100,
    },
    "CustomerBilling": {
        "address1": 50,
        "address2": 50,
        "city": 32,
        "company": 50,
        "country_code": 2,
        "day_phone": 25,
        "evening_phone": 25,
        "first_name": 30,
        "last_name": 30,
        "postal_code": 20,
        "state_region": 32,
        "tax_county": 32,
        "title": 50,
    },
    "CustomerEmail": {"email": 100, "label": 100},
    "CustomerPricingTier": {"name": 50},
    "CustomerProperty": {"name": 100, "value": 1500},
    "CustomerShipping": {
        "address1": 50,
        "address2": 50,
        "city": 32,
        "company": 50,
        "country_code": 2,
        "day_phone": 25,
        "evening_phone": 25,
        "first_name": 30,
        "last_name": 30,
        "postal_code": 20,
        "state_region": 32,
        "tax_county": 32,
        "title": 50,
    },
    "CustomerSoftwareEntitlement": {
        "activation_code": 50,
        "purchased_via_item_description": 512,
        "purchased_via_item_id": 20,
        "purchased_via_order_id": 30,
        "software_sku": 30,
    },
    "CustomerTag": {"tag_value": 250},
}


# -- request models (spec maxLength enforced) -----------------------------------------------------


class CustomerQuery(UCModel):
    all_tags: list[str] | None = Field(default=None, description="All tags the customer must have")
    any_tags: list[str] | None = Field(default=None, description="Any of these tags the customer must have")
    billing_city: str | None = Field(default=None, max_length=32, description="Billing city")
    billing_company: str | None = Field(default=None, max_length=50, description="Billing company")
    billing_country_code: str | None = Field(default=None, max_length=2, description="Billing country code")
    billing_day_phone: str | None = Field(default=None, max_length=25, description="Billing day phone")
    billing_evening_phone: str | None = Field(default=None, max_length=25, description="Billing evening phone")
    billing_first_name: str | None = Field(default=None, max_length=30, description="Billing first name")
    billing_last_name: str | None = Field(default=None, max_length=30, description="Billing last name")
    billing_postal_code: str | None = Field(default=None, max_length=20, description="Billing postal code")
    billing_state: str | None = Field(default=None, max_length=32, description="Billing state")
    email: str | None = Field(default=None, description="Email address of this customer profile")
    emails: list[str] | None = Field(
        default=None,
        description="Emails allows for searching on multiple email addresses and work with our without the single email variable.  You may specify a single email address here or use the email property.",
    )
    last_modified_dts_end: str | None = Field(default=None, description="Last modified date end")
    last_modified_dts_start: str | None = Field(default=None, description="Last modified date start")
    pricing_tier_name: str | None = Field(default=None, max_length=50, description="Pricing tier name")
    pricing_tier_oid: int | None = Field(default=None, description="Pricing tier oid")
    qb_class: str | None = Field(default=None, description="QuickBooks class to import this customer as")
    query_target: Literal["origin", "cache"] | None = Field(default=None, description="Query Target")
    quickbooks_code: str | None = Field(default=None, description="QuickBooks name to import this customer as")
    shipping_city: str | None = Field(default=None, max_length=32, description="Billing city")
    shipping_company: str | None = Field(default=None, max_length=50, description="Billing company")
    shipping_country_code: str | None = Field(default=None, max_length=2, description="Billing country code")
    shipping_day_phone: str | None = Field(default=None, max_length=25, description="Billing day phone")
    shipping_evening_phone: str | None = Field(default=None, max_length=25, description="Billing evening phone")
    shipping_first_name: str | None = Field(default=None, max_length=30, description="Billing first name")
    shipping_last_name: str | None = Field(default=None, max_length=30, description="Billing last name")
    shipping_postal_code: str | None = Field(default=None, max_length=20, description="Billing postal code")
    shipping_state: str | None = Field(default=None, max_length=32, description="Billing state")
    signup_dts_end: str | None = Field(default=None, description="Signup date end")
    signup_dts_start: str | None = Field(default=None, description="Signup date start")
    # (The spec's descriptions of the shipping_* filters say "Billing ..."; kept as published.)


class CustomerMergeRequest(UCModel):
    customer_profile_oid: int | None = Field(default=None, description="Customer profile oid to merge")
    email: str | None = Field(default=None, description="Email of the customer profile to merge")


class CustomerStoreCreditAddRequest(UCModel):
    amount: Money | None = Field(default=None, description="Amount of store credit")
    description: str | None = Field(default=None, description="Description or reason for the store credit")
    expiration_days: int | None = Field(
        default=None, description="Optional days for store credit to expire or zero for no expiration"
    )
    vesting_days: int | None = Field(
        default=None, description="Optional days for store credit to vesting or zero for immediately available"
    )


class AdjustInternalCertificateRequest(UCModel):
    # "50 characters max" is only in the description; the spec has no maxLength, so none is enforced.
    adjustment_amount: Money | None = Field(default=None, description="The adjustment amount")
    description: str | None = Field(default=None, description="Description of this adjustment, 50 characters max")
    entry_dts: str | None = Field(
        default=None, description="Optional timestamp for the adjustment, defaults to current time"
    )
    expiration_days: int | None = Field(
        default=None, description="Optional expiration days from the entry_dts when these adjustment becomes worthless"
    )
    order_id: str | None = Field(
        default=None, description="Optional order id if this adjustment is related to a particular order"
    )
    vesting_days: int | None = Field(default=None, description="Optional days required for this adjustment to vest")


class CustomerWishListItem(UCModel):
    # Request body of insert/update, and also their bare 200 body and the payload of the wishlist responses.
    add_dts: str | None = Field(default=None, description="Add date")
    comments: str | None = Field(default=None, max_length=1024, description="Comments")
    customer_profile_oid: int | None = Field(default=None, description="Customer profile object identifier")
    customer_wishlist_item_oid: int | None = Field(default=None, description="Customer wishlist item object identifier")
    merchant_item_oid: int | None = Field(default=None, description="Merchant item object identifier")
    position: int | None = Field(default=None, description="Position in wishlist")
    priority: int | None = Field(
        default=None, description="Priority of wishlist item, 3 being low priority and 5 is high priority."
    )


class CustomerEmailListChanges(UCModel):
    add_to_lists: list[str] | None = Field(default=None, description="Add this customer to these email lists")
    remove_from_lists: list[str] | None = Field(default=None, description="Remove this customer from these email lists")


class EmailVerifyTokenRequest(UCModel):
    email: str | None = Field(default=None, description="email")
    password: str | None = Field(default=None, repr=False, description="password")


class EmailVerifyTokenValidateRequest(UCModel):
    token: str | None = Field(default=None, description="token")


class LookupRequest(UCModel):
    category: str | None = None
    matches: str | None = None
    max_hits: int | None = None
    storefront_host_name: str | None = None
    storefront_oid: int | None = None
    subcategory: str | None = None


# -- response models ------------------------------------------------------------------------------


class CustomerResponse(BaseResponse):
    customer: Customer | None = None


class CustomersResponse(BaseResponse):
    customers: list[Customer] | None = None


class CustomerStoreCreditLedgerEntry(UCModel):
    action: str | None = Field(
        default=None, description="Identifies the state of this ledger entry whether the entry is Vesting or Expiring"
    )
    amount: Money | None = Field(default=None, description="The amount of the activity.")
    description: str | None = Field(default=None, description="Description of what this ledger entry is used.")
    entry_dts: str | None = Field(default=None, description="Date time of this ledger activity.")
    gift_certificate_ledger_oid: int | None = Field(
        default=None, description="Gift certificate ledger oid is a primary key for this object, used internally."
    )
    gift_certificate_oid: int | None = Field(default=None, description="Gift certificate oid.")
    reference_order_id: str | None = Field(
        default=None, description="The order id if this gift certificate was used as part of the payment."
    )


class CustomerStoreCredit(UCModel):
    available: Money | None = Field(
        default=None, description="Available store credit which is defined as unused and vested"
    )
    expiring: Money | None = Field(default=None, description="Amount of store credit expiring within 30 days")
    future_ledgers: list[CustomerStoreCreditLedgerEntry] | None = Field(
        default=None, description="Array of future ledger entries including expiring entries"
    )
    past_ledgers: list[CustomerStoreCreditLedgerEntry] | None = Field(
        default=None, description="Array of past ledger entries including accrual, usage, and expiring entries"
    )
    total: Money | None = Field(default=None, description="Total lifetime store credit for this customer.")
    vesting: Money | None = Field(default=None, description="Amount of store credit vesting")


class CustomerStoreCreditResponse(BaseResponse):
    customer_store_credit: CustomerStoreCredit | None = None


class AdjustInternalCertificateResponse(BaseResponse):
    adjustment_amount: Money | None = Field(default=None, description="The adjustment amount")
    balance_amount: Money | None = Field(default=None, description="The balance amount after the adjustment was made")


class CustomerWishListItemResponse(BaseResponse):
    wishlist_item: CustomerWishListItem | None = None


class CustomerWishListItemsResponse(BaseResponse):
    wishlist_items: list[CustomerWishListItem] | None = None


class EmailListSegmentUsedBy(UCModel):
    email_campaign_uuid: str | None = Field(default=None, description="Email campaign UUID")
    email_flow_uuid: str | None = Field(default=None, description="Email flow UUID")
    name: str | None = Field(default=None, description="Name of the list or segment.")


class EmailList(UCModel):
    allow_csv_download: bool | None = Field(
        default=None, description="True if the current user has the rights to download this list."
    )
    created_dts: str | None = Field(default=None, description="Created date")
    deleted: bool | None = Field(default=None, description="True if this campaign was deleted")
    email_list_uuid: str | None = Field(default=None, description="Email list UUID")
    esp_list_segment_folder_uuid: str | None = Field(default=None, description="List/Segment folder UUID")
    member_count: int | None = Field(default=None, description="Count of members in this list")
    merchant_id: str | None = Field(default=None, description="Merchant ID")
    name: str | None = Field(default=None, description="Name of email list")
    public_description: str | None = Field(default=None, description="Description of list shown to customer.")
    public_list: bool | None = Field(default=None, description="True if this list is public")
    storefront_oid: int | None = Field(default=None, description="Storefront oid")
    used_by: list[EmailListSegmentUsedBy] | None = Field(
        default=None, description="Details on the flows or campaigns that use this list."
    )


class EmailListsResponse(BaseResponse):
    lists: list[EmailList] | None = None


class EmailVerifyTokenResponse(BaseResponse):
    token: str | None = Field(default=None, description="token")


class EmailVerifyTokenValidateResponse(BaseResponse):
    pass


class KeyValue(UCModel):
    description: str | None = Field(default=None, description="Optional description of the lookup value")
    key: str | None = Field(default=None, description="The key or id of this lookup value")
    value: str | None = Field(default=None, description="The value of this lookup value")


class LookupResponse(BaseResponse):
    values: list[KeyValue] | None = None


class CustomerMagicLinkResponse(BaseResponse):
    url: str | None = Field(default=None, description="URL")


class CustomerAffiliate(UCModel):
    affiliate_oid: int | None = Field(default=None, description="Affiliate object identifier")
    email: str | None = Field(default=None, description="email")
    first_name: str | None = Field(default=None, description="First name")
    last_name: str | None = Field(default=None, description="Last name")


class Country(UCModel):
    iso_2_code: str | None = Field(default=None, description="iso_2_code")
    name: str | None = Field(default=None, description="name")


class ChannelPartner(UCModel):
    channel_partner_oid: int | None = Field(default=None, description="Channel partner object id")
    code: str | None = Field(default=None, description="Code associated with the channel partner")
    communication_method: str | None = Field(default=None, description="Communication method of the channel partner")
    dont_hold_shipment: bool | None = Field(
        default=None, description="True if shipments should immediately process for this channel partner."
    )
    inactive: bool | None = Field(default=None, description="True if the channel partner is inactive")
    merchant_id: str | None = Field(default=None, description="Merchant ID of the channel partner")
    name: str | None = Field(default=None, description="Name of the channel partner")
    skip_customer_emails: bool | None = Field(
        default=None, description="True if emails to the customer are skipped for this channel partner."
    )


class CustomerEditorValues(UCModel):
    affiliates: list[CustomerAffiliate] | None = Field(default=None, description="affiliates")
    card_exp_months: list[str] | None = Field(default=None, description="card_exp_months")
    card_exp_years: list[str] | None = Field(default=None, description="card_exp_years")
    card_types: list[str] | None = Field(default=None, description="card_types")
    countries: list[Country] | None = Field(default=None, description="countries")
    edi_channel_partners: list[ChannelPartner] | None = Field(default=None, description="EDI channel partners")
    loyalty_ledger_descriptions: list[str] | None = Field(default=None, description="loyalty_ledger_descriptions")
    loyalty_program_type: str | None = Field(default=None, description="loyalty_program_type")
    qb_classes: list[str] | None = Field(default=None, description="qb_classes")
    sales_rep_codes: list[str] | None = Field(default=None, description="sales_rep_codes")
    state_optional_countries: list[Country] | None = Field(default=None, description="state_optional_countries")
    terms: list[str] | None = Field(default=None, description="terms")


# Not enveloped (no success/error/warning/metadata in the spec), so not a BaseResponse; camelCase counters.
class DataTablesServerSideResponse(UCModel):
    model_config = ConfigDict(serialize_by_alias=True)

    data: list[Customer] | None = Field(default=None, description="Associated array of property values")
    draw: int | None = None
    records_filtered: int | None = Field(default=None, alias="recordsFiltered")
    records_total: int | None = Field(default=None, alias="recordsTotal")
