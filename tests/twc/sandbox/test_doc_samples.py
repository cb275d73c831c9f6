"""Every endpoint exercised by TWC's own request samples (tests/twc/samples/, copied from the docs as JSON): the
seed revision's swagger example values and the 2024 revision's realistic ones, sent as they are."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from tests.twc.conftest import TWC_TENANT, twc_sample
from uc_mcp.twc.sandbox.runtime import SERVICE_PATH, Sandbox

pytestmark = pytest.mark.anyio

CUSTOMERS = SERVICE_PATH + "/customers"


def segment(value: str) -> str:
    return quote(value, safe="")


async def ok(response: httpx2.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.method, response.request.url, response.text[:300])
    return response.json() if response.content else None


async def test_the_seed_samples_against_every_endpoint(twc_api: httpx2.AsyncClient, twc_sandbox: Sandbox) -> None:
    created = await ok(await twc_api.post(CUSTOMERS, json=twc_sample("seed-create")), 201)
    # Server-owned fields of the sample are ignored: a new id, the server's dates, no client "id".
    assert created["id"] != "string" and created["createdDate"].endswith("Z")
    assert created["customer_state"] == "disabled" and created["dob"] == "25-10-1985"
    assert created["addresses"][0]["id"] != "string" and created["addresses"][0]["customerId"] == created["id"]
    assert created["defaultAddress"] == created["addresses"][0]  # the flagged address, copied
    # The sample's opt-in times are not dates (month 32): TWC's own times replace them.
    assert created["optin_preferences"]["email"]["opt_in_active"] is True
    assert created["optin_preferences"]["email"]["opted_in_at"] == created["createdDate"]
    customer_id = created["id"]

    assert (await twc_api.post(CUSTOMERS + "/validate", json=twc_sample("seed-validate"))).status_code == 200
    # PUT /customers: the sample's id is the placeholder "string", so its customerRef finds the customer.
    updated = await ok(await twc_api.put(CUSTOMERS, json=twc_sample("seed-update")))
    assert updated["id"] == customer_id
    by_id = await ok(await twc_api.put(f"{CUSTOMERS}/id={customer_id}", json=twc_sample("seed-update-by-id")))
    assert by_id["id"] == customer_id and by_id["customerRef"] == "string"
    by_ref = await ok(await twc_api.put(f"{CUSTOMERS}/customerRef=string", json=twc_sample("seed-update-by-ref")))
    assert by_ref["id"] == customer_id

    with_address = await ok(
        await twc_api.post(f"{CUSTOMERS}/{customer_id}/address", json=twc_sample("seed-add-address"))
    )
    assert len(with_address["addresses"]) == 2 and with_address["id"] == customer_id
    added = with_address["addresses"][-1]
    assert with_address["defaultAddress"]["id"] == added["id"]  # the sample flags its address as the default
    without = await ok(await twc_api.delete(f"{CUSTOMERS}/{customer_id}/address/{added['id']}"))
    assert [a["id"] for a in without["addresses"]] == [with_address["addresses"][0]["id"]]

    assert (await ok(await twc_api.get(f"{CUSTOMERS}/{customer_id}")))["email"] == "string"
    assert (await ok(await twc_api.get(f"{CUSTOMERS}/string/ref")))["id"] == customer_id
    found = await ok(await twc_api.get(CUSTOMERS + "/search", params={"email": "string", "firstName": "string"}))
    assert [c["id"] for c in found] == [customer_id]

    assert (await twc_api.post(SERVICE_PATH + "/upload-customers", json=twc_sample("seed-upload"))).status_code == 202

    assert (await twc_api.delete(f"{CUSTOMERS}/string/ref")).status_code == 204
    assert (await twc_api.get(f"{CUSTOMERS}/{customer_id}")).status_code == 404
    # Recreated from the same sample, then deleted by id.
    again = await ok(await twc_api.post(CUSTOMERS, json=twc_sample("seed-create")), 201)
    assert (await twc_api.delete(f"{CUSTOMERS}/{again['id']}")).status_code == 204
    assert (await twc_api.get(f"{CUSTOMERS}/{again['id']}")).status_code == 404


async def test_the_2024_samples_against_every_endpoint(twc_api: httpx2.AsyncClient) -> None:
    created = await ok(await twc_api.post(CUSTOMERS, json=twc_sample("v2024-create")), 201)
    expected = {k: v for k, v in twc_sample("v2024-create").items() if k not in ("addresses", "optin_preferences")}
    assert {k: created[k] for k in expected} == expected
    assert created["addresses"][0]["city"] == "Wishlist City" and "defaultAddress" not in created  # none flagged
    # The sample's reply shows the email opt-in false: the reference reads that as a sample error; sent is kept.
    assert created["optin_preferences"]["email"]["opt_in_active"] is True
    customer_id = created["id"]

    assert (await twc_api.post(CUSTOMERS + "/validate", json=twc_sample("v2024-validate"))).status_code == 200
    assert (await twc_api.post(SERVICE_PATH + "/upload-customers", json=twc_sample("v2024-upload"))).status_code == 202
    # The upload matched the same customer by its customerRef: still one.
    found = await ok(await twc_api.get(CUSTOMERS + "/search", params={"email": "test@customer.com"}))
    assert [c["id"] for c in found] == [customer_id]

    by_ref = await ok(await twc_api.put(f"{CUSTOMERS}/customerRef=CUST11959", json=twc_sample("v2024-update-by-ref")))
    assert by_ref["email"] == "updated-email@customerportal.com" and by_ref["phone"] == "623362386250"
    assert by_ref["firstName"] == "FirstName"  # partial: what was not sent stays
    groups = by_ref["attributeGroups"]["retailer_additional_info"]
    assert groups["description"] == "CRM and Triquestra extra attributes updated"
    by_email = await ok(
        await twc_api.put(
            f"{CUSTOMERS}/email={segment('updated-email@customerportal.com')}", json=twc_sample("v2024-update-by-email")
        )
    )
    assert by_email["customerRef"] == "new-customer-ref"
    by_id = await ok(await twc_api.put(f"{CUSTOMERS}/id={customer_id}", json=twc_sample("v2024-update")))
    assert by_id["id"] == customer_id and by_id["customerRef"] == "new-customer-ref"

    with_address = await ok(
        await twc_api.post(f"{CUSTOMERS}/{customer_id}/address", json=twc_sample("v2024-add-address"))
    )
    assert len(with_address["addresses"]) == 2
    second = with_address["addresses"][1]["id"]
    assert len((await ok(await twc_api.delete(f"{CUSTOMERS}/{customer_id}/address/{second}")))["addresses"]) == 1

    assert (await ok(await twc_api.get(f"{CUSTOMERS}/new-customer-ref/ref")))["id"] == customer_id
    assert (await ok(await twc_api.get(f"{CUSTOMERS}/{customer_id}")))["dob"] == "25-10-1900"
    assert (await twc_api.delete(CUSTOMERS, params={"customerRef": "new-customer-ref"})).status_code == 204
    assert (await twc_api.get(f"{CUSTOMERS}/{customer_id}")).status_code == 404


async def test_the_samples_are_tenant_scoped(twc_sandbox: Sandbox, twc_other_api: httpx2.AsyncClient) -> None:
    """The same sample creates one customer per tenant: each tenant's uniqueness is its own."""
    async with twc_sandbox.client(TWC_TENANT) as first:
        one = await ok(await first.post(CUSTOMERS, json=twc_sample("v2024-create")), 201)
    other = await ok(await twc_other_api.post(CUSTOMERS, json=twc_sample("v2024-create")), 201)
    assert one["id"] != other["id"]
    assert (await twc_other_api.get(f"{CUSTOMERS}/{one['id']}")).status_code == 404
