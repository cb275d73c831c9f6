"""A scripted walk over all 12 customer operations and the async-action lookup, through HTTP: every response
(successes and the documented errors) validates against the OpenAPI subset (the ``voucherify_api`` fixture checks
each one), and every operation is seen."""

from __future__ import annotations

from datetime import timedelta

import httpx2
import pytest

from tests.voucherify.sandbox.conformance import CHECKED, spec
from uc_mcp.voucherify.sandbox.clock import FixedClock

pytestmark = pytest.mark.anyio

OPERATIONS = sorted(
    operation["operationId"]
    for item in spec()["paths"].values()
    for method, operation in item.items()
    if method != "parameters"
)


async def test_every_operation_answers_within_the_spec(
    voucherify_api: httpx2.AsyncClient, voucherify_clock: FixedClock
) -> None:
    before = CHECKED.copy()
    api = voucherify_api
    listed = await api.get("/v1/customers", params={"limit": 5, "order": "created_at", "city": "Austin"})
    assert listed.status_code == 200
    assert (await api.get("/v1/customers", params={"limit": 0})).status_code == 400

    created = await api.post(
        "/v1/customers",
        json={
            "source_id": "walk-1",
            "name": "Walker",
            "email": "walker@example.com",
            "birthdate": "1990-01-02",
            "address": {"city": "Austin", "country": "US"},
            "metadata": {"lang": "en"},
        },
    )
    assert created.status_code == 200
    customer_id = created.json()["id"]
    assert (await api.get(f"/v1/customers/{customer_id}")).status_code == 200
    assert (await api.get("/v1/customers/nobody")).status_code == 404
    assert (await api.put("/v1/customers/walk-1", json={"phone": "+1 512 555 0000"})).status_code == 200

    for customer in ("uc-100001", "uc-100004", "shop-priya-raman", "shop-amara-okafor", "uc-100005"):
        activity = await api.get(f"/v1/customers/{customer}/activity", params={"limit": 100})
        assert activity.status_code == 200
        redeemables = await api.get(f"/v1/customers/{customer}/redeemables", params={"limit": 100})
        assert redeemables.status_code == 200
    for customer in listed.json()["customers"]:
        assert (await api.get(f"/v1/customers/{customer['id']}/activity", params={"limit": 100})).status_code == 200
    assert (await api.get("/v1/customers/uc-100001/segments")).status_code == 200
    assert (await api.get("/v1/customers/nobody/segments")).status_code == 200
    assert (await api.get("/v1/customers/nobody/redeemables")).status_code == 404

    bulk = await api.post("/v1/customers/bulk/async", json=[{"source_id": "walk-1", "name": "Walker Two"}])
    assert bulk.status_code == 202
    meta = await api.post("/v1/customers/metadata/async", json={"source_ids": ["walk-1"], "metadata": {"vip": True}})
    assert meta.status_code == 202
    imported = await api.post(
        "/v1/customers/importCSV", files={"file": ("c.csv", b"Name,Source_id,Tier\nCsv Person,walk-csv,gold\n")}
    )
    assert imported.status_code == 202
    for answer in (bulk, meta, imported):
        assert (await api.get(f"/v1/async-actions/{answer.json()['async_action_id']}")).status_code == 200
    voucherify_clock.advance(timedelta(seconds=10))
    for answer in (bulk, meta, imported):
        done = await api.get(f"/v1/async-actions/{answer.json()['async_action_id']}")
        assert done.json()["status"] == "DONE"

    assert (await api.delete("/v1/customers/walk-csv")).status_code == 204
    assert (await api.delete("/v1/customers/walk-csv")).status_code == 404
    deletion = await api.post(f"/v1/customers/{customer_id}/permanent-deletion")
    assert deletion.status_code == 200
    assert (await api.post(f"/v1/customers/{customer_id}/permanent-deletion")).status_code == 404

    seen = CHECKED - before
    assert sorted(name for name in seen if name != "get-async-action") == OPERATIONS
    assert seen["get-async-action"] >= 6
