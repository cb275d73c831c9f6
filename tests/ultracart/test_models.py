"""The pydantic models against the official spec subset and against every 200 the sandbox gives."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from functools import cache
from typing import Any, Literal

import annotated_types
import httpx2
import pytest
from pydantic import ValidationError

from tests.paths import ULTRACART_SPEC
from uc_mcp.ultracart import models
from uc_mcp.ultracart.models import (
    CUSTOMER_MAX_LENGTHS,
    AdjustInternalCertificateRequest,
    BaseResponse,
    Customer,
    CustomerCard,
    CustomerEmailListChanges,
    CustomerMergeRequest,
    CustomerQuery,
    CustomerStoreCredit,
    CustomerStoreCreditAddRequest,
    CustomerWishListItem,
    DataTablesServerSideResponse,
    EmailVerifyTokenRequest,
    EmailVerifyTokenValidateRequest,
    LookupRequest,
    Money,
    UCModel,
    dump_body,
)
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

SPEC_PATH = ULTRACART_SPEC
ALL_EXPANSIONS = (
    "billing,shipping,tags,loyalty,orders_summary,cards,properties,privacy,reviewer,pricing_tiers,"
    "cc_emails,tax_codes,software_entitlements,attachments,quotes_summary"
)
ENVELOPE = {"success", "error", "warning", "metadata"}

# Fields kept as untyped JSON on purpose, with the annotation they must have.
OPAQUE: dict[tuple[str, str], Any] = {
    ("Customer", "orders"): list[dict[str, Any]] | None,
    ("Customer", "quotes"): list[dict[str, Any]] | None,
    ("Customer", "activity"): dict[str, Any] | None,
    ("Customer", "edi"): dict[str, Any] | None,
    ("CustomerLoyalty", "internal_gift_certificate"): dict[str, Any] | None,
}
MONEY_FIELDS = {
    ("CustomerStoreCredit", "available"),
    ("CustomerStoreCredit", "expiring"),
    ("CustomerStoreCredit", "total"),
    ("CustomerStoreCredit", "vesting"),
    ("CustomerStoreCreditLedgerEntry", "amount"),
    ("CustomerStoreCreditAddRequest", "amount"),
    ("AdjustInternalCertificateRequest", "adjustment_amount"),
    ("AdjustInternalCertificateResponse", "adjustment_amount"),
    ("AdjustInternalCertificateResponse", "balance_amount"),
    ("Customer", "free_shipping_minimum"),
    ("Customer", "minimum_subtotal"),
    ("CustomerOrdersSummary", "total"),
    ("CustomerQuotesSummary", "total"),
    ("CustomerLoyaltyRedemption", "remaining_balance"),
}
# Request-only models: the spec's maxLength is enforced on them.
REQUEST_MODELS = {
    "CustomerQuery",
    "CustomerMergeRequest",
    "CustomerStoreCreditAddRequest",
    "AdjustInternalCertificateRequest",
    "CustomerWishListItem",
    "CustomerEmailListChanges",
    "EmailVerifyTokenRequest",
    "EmailVerifyTokenValidateRequest",
    "LookupRequest",
}
MODELS: dict[str, type[UCModel]] = {
    name: value
    for name, value in vars(models).items()
    if isinstance(value, type) and issubclass(value, UCModel) and value is not UCModel
}


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def schemas() -> dict[str, Any]:
    found: dict[str, Any] = spec()["components"]["schemas"]
    return found


def properties(name: str) -> dict[str, Any]:
    found: dict[str, Any] = schemas()[name].get("properties", {})
    return found


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "delete", "patch"}:
                yield method.upper(), path, operation


def success_schema(operation: dict[str, Any]) -> str | None:
    """The schema name of an operation's 200 body, None when the spec declares no 200."""
    ok = operation["responses"].get("200")
    if ok is None:
        return None
    [media] = ok["content"].values()
    [name] = refs(media["schema"])
    return name


def used_schemas() -> set[str]:
    """Every schema the 24 operations use, transitively, minus what is behind an opaque field."""
    todo = [name for _, _, operation in operations() for name in refs(operation)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for field, prop in properties(name).items():
            if (name, field) not in OPAQUE:
                todo.extend(refs(prop))
    return seen


def json_names(model: type[UCModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def field_by_json_name(model: type[UCModel], json_name: str) -> Any:
    [info] = [info for name, info in model.model_fields.items() if (info.alias or name) == json_name]
    return info


def expected_annotation(schema: str, field: str, prop: dict[str, Any], *, top: bool = True) -> Any:
    if top and (schema, field) in OPAQUE:
        return OPAQUE[(schema, field)]
    if "$ref" in prop:
        inner: Any = MODELS[prop["$ref"].rsplit("/", 1)[-1]]
    elif prop["type"] == "array":
        inner = list[expected_annotation(schema, field, prop["items"], top=False)]  # type: ignore[misc]
    elif prop["type"] == "string" and "enum" in prop and schema in REQUEST_MODELS:
        inner = Literal[tuple(prop["enum"])]
    else:
        inner = {"string": str, "integer": int, "boolean": bool, "number": float}[prop["type"]]
        if (schema, field) in MONEY_FIELDS:
            inner = Money
    return inner | None if top else inner


def max_length_of(info: Any) -> int | None:
    lengths = [item.max_length for item in info.metadata if isinstance(item, annotated_types.MaxLen)]
    return lengths[0] if lengths else None


# -- drift against the spec -----------------------------------------------------------------------


def test_the_models_are_exactly_the_schemas_the_24_operations_use() -> None:
    assert len(list(operations())) == 24
    assert set(MODELS) == used_schemas()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_json_field_names_match_the_spec(name: str) -> None:
    assert json_names(MODELS[name]) == set(properties(name))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_field_types_follow_the_spec(name: str) -> None:
    model = MODELS[name]
    for field, prop in properties(name).items():
        info = field_by_json_name(model, field)
        assert info.annotation == expected_annotation(name, field, prop), f"{name}.{field}"
        assert info.default is None, f"{name}.{field} must be optional"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_descriptions_are_the_spec_descriptions(name: str) -> None:
    model = MODELS[name]
    assert model.__doc__ is None  # a docstring would leak into tool schemas
    for field, prop in properties(name).items():
        assert field_by_json_name(model, field).description == prop.get("description"), f"{name}.{field}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_max_length_only_on_request_models(name: str) -> None:
    model = MODELS[name]
    for field, prop in properties(name).items():
        wanted = prop.get("maxLength") if name in REQUEST_MODELS else None
        assert max_length_of(field_by_json_name(model, field)) == wanted, f"{name}.{field}"


def test_customer_max_lengths_are_extracted_from_the_spec() -> None:
    family = {"Customer"} | {ref for prop in properties("Customer").values() for ref in refs(prop)}
    family -= {"CustomerActivity", "CustomerEDI", "Order"}  # opaque
    assert family <= set(MODELS)
    expected = {
        name: {field: prop["maxLength"] for field, prop in properties(name).items() if "maxLength" in prop}
        for name in family
    }
    assert {name: lengths for name, lengths in expected.items() if lengths} == CUSTOMER_MAX_LENGTHS


def test_enveloped_responses_subclass_base_response() -> None:
    for name, model in MODELS.items():
        enveloped = set(properties(name)) >= ENVELOPE
        assert issubclass(model, BaseResponse) == enveloped, name
        if name.endswith("Response") and name != "DataTablesServerSideResponse":
            assert enveloped, name
    # The one *Response the spec does not envelope.
    assert not ENVELOPE & set(properties("DataTablesServerSideResponse"))


def test_opaque_graphs_stay_plain_json() -> None:
    customer = Customer.model_validate(
        {"orders": [{"order_id": "X-1", "items": [{"qty": 1}]}], "edi": {"store_number": "7"}, "activity": {}}
    )
    assert customer.orders == [{"order_id": "X-1", "items": [{"qty": 1}]}]
    assert customer.edi == {"store_number": "7"}
    assert not any(name.startswith(("Order", "GiftCertificate", "AutoOrder", "Browser")) for name in MODELS)
    assert "CustomerActivity" not in MODELS
    assert "CustomerEDI" not in MODELS


# -- every 200 of the sandbox parses ----------------------------------------------------------------

Call = Callable[[httpx2.AsyncClient], Awaitable[httpx2.Response]]
OID, OTHER = 100001, 100002


async def _wishlist_item(c: httpx2.AsyncClient) -> str:
    body = dump_body(CustomerWishListItem(merchant_item_oid=50040, comments="Gift idea", priority=4))
    created = await c.post(f"/customer/customers/{OID}/wishlist", json=body)
    assert created.status_code == 200, created.text
    return f"/customer/customers/{OID}/wishlist/{created.json()['customer_wishlist_item_oid']}"


async def _validate_token(c: httpx2.AsyncClient) -> httpx2.Response:
    request = EmailVerifyTokenRequest(email="brand.new@example.com", password="anything")
    issued = await c.post("/customer/customers/email_verify/get_token", json=dump_body(request))
    token = EmailVerifyTokenValidateRequest(token=issued.json()["token"])
    return await c.post("/customer/customers/email_verify/validate_token", json=dump_body(token))


async def _email_lists(c: httpx2.AsyncClient) -> httpx2.Response:
    lists = (await c.get("/customer/email_lists")).json()["lists"]
    live = [lst["email_list_uuid"] for lst in lists if not lst["deleted"]]
    body = dump_body(CustomerEmailListChanges(add_to_lists=live[:1], remove_from_lists=live[1:2]))
    return await c.post(f"/customer/customers/{OID}/email_lists", json=body)


async def _wishlist_get(c: httpx2.AsyncClient) -> httpx2.Response:
    return await c.get(await _wishlist_item(c))


async def _wishlist_put(c: httpx2.AsyncClient) -> httpx2.Response:
    return await c.put(await _wishlist_item(c), json=dump_body(CustomerWishListItem(comments="Bought", priority=5)))


async def _wishlist_delete(c: httpx2.AsyncClient) -> httpx2.Response:
    return await c.delete(await _wishlist_item(c))


NEW_CUSTOMER = Customer.model_validate(
    {
        "email": "ada.lovelace@example.org",
        "password": "s3cret-Passw0rd!",
        "minimum_subtotal": 10,
        "billing": [{"first_name": "Ada", "last_name": "Lovelace", "city": "London", "country_code": "GB"}],
        "tags": [{"tag_value": "new"}],
    }
)
EXPAND = {"_expand": ALL_EXPANSIONS}

CALLS: dict[str, Call] = {
    "getCustomers": lambda c: c.get("/customer/customers", params=EXPAND),
    "insertCustomer": lambda c: c.post("/customer/customers", params=EXPAND, json=dump_body(NEW_CUSTOMER)),
    "getCustomerByEmail": lambda c: c.get("/customer/customers/by_email/jane@example.com", params=EXPAND),
    "getCustomersForDataTables": lambda c: c.post("/customer/customers/dataTables", params=EXPAND),
    "getEmailVerificationToken": lambda c: c.post(
        "/customer/customers/email_verify/get_token",
        json=dump_body(EmailVerifyTokenRequest(email="brand.new@example.com", password="anything")),
    ),
    "validateEmailVerificationToken": _validate_token,
    "getCustomersByQuery": lambda c: c.post(
        "/customer/customers/query", params=EXPAND, json=dump_body(CustomerQuery(query_target="origin"))
    ),
    "deleteCustomer": lambda c: c.delete(f"/customer/customers/{OTHER}"),
    "getCustomer": lambda c: c.get(f"/customer/customers/{OID}", params=EXPAND),
    "updateCustomer": lambda c: c.put(
        f"/customer/customers/{OID}", params=EXPAND, json=dump_body(Customer(business_notes="Prefers phone"))
    ),
    "adjustInternalCertificate": lambda c: c.post(
        f"/customer/customers/{OID}/adjust_cashback_balance",
        json=dump_body(AdjustInternalCertificateRequest(adjustment_amount=Decimal("59"), description="Cashback")),
    ),
    "updateCustomerEmailLists": _email_lists,
    "getMagicLink": lambda c: c.put(f"/customer/customers/{OID}/magic_link/shop.example.com"),
    "mergeCustomer": lambda c: c.put(
        f"/customer/customers/{OID}/merge", json=dump_body(CustomerMergeRequest(customer_profile_oid=OTHER))
    ),
    "getCustomerStoreCredit": lambda c: c.get(f"/customer/customers/{OID}/store_credit"),
    "addCustomerStoreCredit": lambda c: c.post(
        f"/customer/customers/{OID}/store_credit",
        json=dump_body(CustomerStoreCreditAddRequest(amount=Decimal("12.25"), description="Apology")),
    ),
    "getCustomerWishList": lambda c: c.get(f"/customer/customers/{OID}/wishlist"),
    "insertWishListItem": lambda c: c.post(
        f"/customer/customers/{OID}/wishlist", json=dump_body(CustomerWishListItem(merchant_item_oid=50001))
    ),
    "deleteWishListItem": _wishlist_delete,
    "getCustomerWishListItem": _wishlist_get,
    "updateWishListItem": _wishlist_put,
    "getCustomerEditorValues": lambda c: c.get("/customer/editor_values"),
    "getCustomerEmailLists": lambda c: c.get("/customer/email_lists"),
    "searchCustomerProfileValues": lambda c: c.post("/customer/search", json=dump_body(LookupRequest(matches="v"))),
}
MARK = "uc_future_field"


def with_unknown_fields(node: Any) -> Any:
    """A copy of a JSON value with an unknown key added to every object in it."""
    if isinstance(node, dict):
        return {**{key: with_unknown_fields(value) for key, value in node.items()}, MARK: {"kept": [1, "two"]}}
    if isinstance(node, list):
        return [with_unknown_fields(value) for value in node]
    return node


def count_models(node: Any) -> int:
    if isinstance(node, UCModel):
        return 1 + sum(count_models(getattr(node, name)) for name in type(node).model_fields)
    if isinstance(node, list):
        return sum(count_models(item) for item in node)
    return 0


def test_every_operation_has_a_call() -> None:
    assert set(CALLS) == {operation["operationId"] for _, _, operation in operations()}


@pytest.fixture
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(customers=30))
    yield sandbox
    sandbox.close()


@pytest.mark.anyio
@pytest.mark.parametrize("operation_id", sorted(CALLS))
async def test_every_sandbox_200_parses_and_keeps_unknown_fields(box: Sandbox, operation_id: str) -> None:
    [operation] = [op for _, _, op in operations() if op["operationId"] == operation_id]
    schema = success_schema(operation)
    async with box.client() as c:
        response = await CALLS[operation_id](c)
    if schema is None:  # deletes and merge: the spec declares no 200 and the answer is an empty 204
        assert response.status_code == 204, response.text
        assert response.content == b""
        return
    assert response.status_code == 200, response.text
    model = MODELS[schema]
    raw = response.json()

    parsed = model.model_validate_json(response.content)
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == raw
    assert count_models(parsed) >= 1

    injected = with_unknown_fields(raw)
    reparsed = model.model_validate_json(json.dumps(injected))
    assert reparsed.model_extra == {MARK: {"kept": [1, "two"]}}
    assert reparsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == injected


@pytest.mark.anyio
async def test_expanded_customers_parse_into_typed_sub_objects(box: Sandbox) -> None:
    async with box.client() as c:
        response = await c.get("/customer/customers", params=EXPAND)
    parsed = models.CustomersResponse.model_validate_json(response.content)
    assert parsed.success is True
    assert parsed.metadata is not None
    assert parsed.metadata.result_set is not None
    assert parsed.metadata.result_set.total_records == 30
    assert parsed.customers
    first = parsed.customers[0]
    assert first.billing
    assert isinstance(first.billing[0], models.CustomerBilling)
    assert first.loyalty is not None
    assert isinstance(first.loyalty.internal_gift_certificate_balance, str)
    assert first.orders_summary is not None
    assert isinstance(first.orders_summary.total, Decimal)
    assert first.orders_summary.total == first.orders_summary.total.quantize(Decimal("0.01"))


# -- money ----------------------------------------------------------------------------------------


def test_money_parses_float_noise_to_cents() -> None:
    credit = CustomerStoreCredit.model_validate({"available": 0.1 + 0.2, "total": 12.345})
    assert credit.available == Decimal("0.30")
    assert str(credit.available) == "0.30"
    assert credit.total == Decimal("12.35")


def test_money_parses_json_numbers_and_numeric_strings() -> None:
    credit = CustomerStoreCredit.model_validate_json(
        '{"available": 0.30000000000000004, "total": 12.345, "expiring": "1.005", "vesting": 3}'
    )
    assert (credit.available, credit.total, credit.expiring, credit.vesting) == (
        Decimal("0.30"),
        Decimal("12.35"),
        Decimal("1.01"),
        Decimal("3.00"),
    )
    assert CustomerStoreCredit(available=Decimal("2.675")).available == Decimal("2.68")
    assert CustomerStoreCredit.model_validate({"available": 2.675}).available == Decimal("2.68")
    assert CustomerStoreCredit.model_validate({"available": -0.005}).available == Decimal("-0.01")


@pytest.mark.parametrize("bad", ["abc", True, float("nan"), float("inf"), "1e40", [1]])
def test_money_rejects_non_amounts(bad: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        CustomerStoreCredit.model_validate({"available": bad})
    assert caught.value.errors()[0]["loc"] == ("available",)


def test_money_dumps_as_a_json_number() -> None:
    credit = CustomerStoreCredit.model_validate({"available": 0.1 + 0.2, "total": 12.345})
    dumped = json.loads(credit.model_dump_json())
    assert dumped["available"] == 0.3
    assert isinstance(dumped["total"], float)
    assert dumped["total"] == 12.35
    assert credit.model_dump()["total"] == Decimal("12.35")  # python mode keeps the Decimal


def test_dump_body_is_the_wire_body() -> None:
    request = CustomerStoreCreditAddRequest(amount=Decimal("12.5"), description="Goodwill")
    assert dump_body(request) == {"amount": 12.5, "description": "Goodwill"}
    assert json.dumps(dump_body(request)) == '{"amount": 12.5, "description": "Goodwill"}'
    assert dump_body(CustomerQuery()) == {}


# -- request validation, aliases, secrets -----------------------------------------------------------


def test_request_max_length_rejects_before_sending() -> None:
    assert CustomerQuery(billing_first_name="x" * 30).billing_first_name == "x" * 30
    with pytest.raises(ValidationError) as caught:
        CustomerQuery(billing_first_name="x" * 31)
    [error] = caught.value.errors()
    assert error["loc"] == ("billing_first_name",)
    assert error["type"] == "string_too_long"
    assert "billing_first_name" in str(caught.value)


def test_request_enum_is_closed_and_response_values_are_open() -> None:
    with pytest.raises(ValidationError):
        CustomerQuery.model_validate({"query_target": "elsewhere"})
    # A customer (also a response) takes longer values than the spec's maxLength.
    assert Customer(tax_id="x" * 40).tax_id == "x" * 40
    assert CUSTOMER_MAX_LENGTHS["Customer"]["tax_id"] == 15


def test_data_tables_counters_use_the_camel_case_names() -> None:
    by_alias = DataTablesServerSideResponse.model_validate({"draw": 1, "recordsTotal": 30, "recordsFiltered": 2})
    by_name = DataTablesServerSideResponse(draw=1, records_total=30, records_filtered=2)
    assert by_alias == by_name
    assert by_alias.records_total == 30
    assert by_name.model_dump(exclude_none=True) == {"draw": 1, "recordsTotal": 30, "recordsFiltered": 2}
    assert dump_body(by_name) == {"draw": 1, "recordsTotal": 30, "recordsFiltered": 2}


def test_secrets_stay_out_of_repr() -> None:
    customer = Customer(email="ada@example.org", password="hunter2-secret")
    card = CustomerCard(card_type="VISA", card_number_token="tok_SECRET_123")
    token_request = EmailVerifyTokenRequest(email="ada@example.org", password="pw-SECRET")
    for model, secret in ((customer, "hunter2-secret"), (card, "tok_SECRET_123"), (token_request, "pw-SECRET")):
        assert secret not in repr(model)
        assert secret not in str(model)
    assert "ada@example.org" in repr(customer)
    # Write-only, not dropped: the API still gets them.
    assert dump_body(customer)["password"] == "hunter2-secret"
    assert dump_body(card)["card_number_token"] == "tok_SECRET_123"


def test_unknown_fields_round_trip_in_nested_models() -> None:
    raw = {
        "email": "a@example.com",
        "brand_new_flag": True,
        "billing": [{"first_name": "A", "billing_extra": {"x": 1}}],
        "loyalty": {"current_points": 5, "loyalty_extra": "y"},
    }
    customer = Customer.model_validate(raw)
    assert customer.model_extra == {"brand_new_flag": True}
    assert customer.billing is not None
    assert customer.billing[0].model_extra == {"billing_extra": {"x": 1}}
    assert customer.model_dump(exclude_unset=True) == raw
    assert dump_body(customer) == raw
