"""Customer queries over HTTP: filters, CustomerQuery, sorting, expansion, paging, strict profile,
single-customer lookups, DataTables, profile-value search, editor values and email lists.

Every expected value comes from ``tests/ultracart/sandbox/truth.py``, which recomputes it from the seed data
(``demo_data.generate``) with the matching rules of ``sandbox/filters.py`` re-implemented in plain
Python — never from the sandbox's own answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from tests.conftest import CUSTOMERS, SEED
from tests.ultracart.conformance import check_response
from tests.ultracart.sandbox import truth
from uc_mcp.ultracart.sandbox import demo_data
from uc_mcp.ultracart.sandbox.clock import FixedClock
from uc_mcp.ultracart.sandbox.filters import Profile
from uc_mcp.ultracart.sandbox.runtime import IN_PROCESS_BASE_URL, Sandbox, SandboxOptions

pytestmark = pytest.mark.anyio

LIST = "/customer/customers"
QUERY = "/customer/customers/query"
DATA_TABLES = "/customer/customers/dataTables"
SEARCH = "/customer/search"
API_VERSION = "2017-03-01"

ALL = list(truth.ALL_OIDS)
VALUES = truth.filter_values()


# -- helpers -------------------------------------------------------------------------------------


async def _conformance_hook(response: httpx2.Response) -> None:
    await response.aread()
    check_response(response.request.method, response.request.url.path, response.status_code, response.content)


@pytest.fixture
async def strict_api(clock: FixedClock) -> AsyncIterator[httpx2.AsyncClient]:
    box = Sandbox(SandboxOptions(db=":memory:", customers=CUSTOMERS, seed=SEED, profile=Profile.STRICT, clock=clock))
    try:
        async with box.client(event_hooks={"response": [_conformance_hook]}) as client:
            yield client
    finally:
        box.close()


def ok(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


def error(response: httpx2.Response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["error_code"] == str(status)
    header = response.headers.get("UC-REST-ERROR")
    assert header, "error responses carry a UC-REST-ERROR header"
    message = str(body["error"]["user_message"]) + " " + str(body["error"]["developer_message"])
    for fragment in fragments:
        assert fragment in message, message
        assert fragment in header, header
    return message


def oids(body: dict[str, Any]) -> list[int]:
    return [c["customer_profile_oid"] for c in body["customers"]]


async def fetch(
    client: httpx2.AsyncClient, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None
) -> httpx2.Response:
    """GET /customers with ``params``, or POST /customers/query with ``body`` (and ``params``)."""
    if body is None:
        return await client.get(LIST, params=params or {})
    return await client.post(QUERY, params=params or {}, json=body)


async def walk(
    client: httpx2.AsyncClient,
    *,
    limit: int | None,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[list[int], list[dict[str, Any]]]:
    """Page through a query while ``more`` is true; the oids seen and every page's result_set."""
    seen: list[int] = []
    result_sets: list[dict[str, Any]] = []
    offset = 0
    while True:
        page_params = {**(params or {}), "_offset": offset}
        if limit is not None:
            page_params["_limit"] = limit
        payload = ok(await fetch(client, page_params, body))
        result_set = payload["metadata"]["result_set"]
        seen += oids(payload)
        result_sets.append(result_set)
        assert len(result_sets) <= CUSTOMERS + 1, "paging does not terminate"
        if not result_set["more"]:
            return seen, result_sets
        offset = result_set["next_offset"]


def check_default_result_sets(result_sets: list[dict[str, Any]], limit: int, total: int) -> None:
    """result_set fields page by page for the default profile."""
    offset = 0
    for result_set in result_sets:
        count = min(limit, max(0, total - offset))
        more = offset + count < total
        expected = {"count": count, "limit": limit, "offset": offset, "more": more, "total_records": total}
        if more:
            expected["next_offset"] = offset + count
        assert result_set == expected
        offset += count


# -- the 27 getCustomers filters and their CustomerQuery twins -----------------------------------


def test_every_filter_value_is_non_trivial() -> None:
    assert len(ALL) == CUSTOMERS
    for name, value in VALUES.items():
        hits = truth.expected({name: value})
        assert 0 < len(hits) < CUSTOMERS, (name, value, len(hits))


@pytest.mark.parametrize("name", truth.GET_FILTERS)
async def test_get_customers_filter(api: httpx2.AsyncClient, name: str) -> None:
    value = VALUES[name]
    want = truth.expected({name: value})
    payload = ok(await api.get(LIST, params={name: str(value), "_limit": 200}))
    assert oids(payload) == want
    assert payload["metadata"]["result_set"]["total_records"] == len(want)
    assert payload["metadata"]["result_set"]["count"] == len(want)
    assert payload["metadata"]["result_set"]["more"] is False


@pytest.mark.parametrize("name", truth.GET_FILTERS)
async def test_customer_query_field(api: httpx2.AsyncClient, name: str) -> None:
    value = VALUES[name]
    want = truth.expected({name: value})
    payload = ok(await api.post(QUERY, params={"_limit": 200}, json={name: value}))
    assert oids(payload) == want
    assert payload["metadata"]["result_set"]["total_records"] == len(want)


@pytest.mark.parametrize(
    ("name", "source", "fragment"),
    [
        ("billing_first_name", "first_name", slice(1, 4)),
        ("billing_last_name", "last_name", slice(1, 4)),
        ("billing_city", "city", slice(1, 4)),
        ("billing_postal_code", "postal_code", slice(1, 4)),
    ],
)
async def test_prefix_filters_do_not_match_inside_a_value(
    api: httpx2.AsyncClient, name: str, source: str, fragment: slice
) -> None:
    jane = truth.by_oid(100001)
    value = jane.addresses("billing")[0][source][fragment]
    want = truth.expected({name: value})
    assert jane.oid not in want
    payload = ok(await api.get(LIST, params={name: value, "_limit": 200}))
    assert oids(payload) == want


async def test_company_and_email_match_inside_a_value(api: httpx2.AsyncClient) -> None:
    acme = truth.by_oid(100008)
    company = acme.addresses("billing")[0]["company"]  # "Acme Corporation"
    payload = ok(await api.get(LIST, params={"billing_company": company[3:9].upper(), "_limit": 200}))
    assert acme.oid in oids(payload)
    assert oids(payload) == truth.expected({"billing_company": company[3:9].upper()})
    payload = ok(await api.get(LIST, params={"email": "Corp.EXAMPLE", "_limit": 200}))
    assert acme.oid in oids(payload)
    assert oids(payload) == truth.expected({"email": "Corp.EXAMPLE"})


async def test_phone_filters_compare_digits(api: httpx2.AsyncClient) -> None:
    jane = truth.by_oid(100001)
    phone = jane.addresses("billing")[0]["day_phone"]  # "(512) 555-0143"
    spelled = "512.555.0143"
    assert truth.digits(spelled) == truth.digits(phone)
    payload = ok(await api.get(LIST, params={"billing_day_phone": spelled, "_limit": 200}))
    assert oids(payload) == truth.expected({"billing_day_phone": spelled})
    assert jane.oid in oids(payload)
    # A phone filter without a digit cannot match anything sensible: 400.
    error(await api.get(LIST, params={"billing_day_phone": "call me"}), 400, "digit")


async def test_address_filters_match_any_address_not_only_the_default(api: httpx2.AsyncClient) -> None:
    # Acme's third shipping address (not the default) is in Albuquerque.
    acme = truth.by_oid(100008)
    third = acme.addresses("shipping")[2]
    assert not third.get("default_shipping")
    payload = ok(await api.get(LIST, params={"shipping_city": third["city"], "_limit": 200}))
    assert acme.oid in oids(payload)
    assert oids(payload) == truth.expected({"shipping_city": third["city"]})
    # Generated customers with a second (non-default) billing address are found by it too.
    seconds = [c for c in truth.customers() if len(c.addresses("billing")) > 1]
    assert seconds
    for customer in seconds[:3]:
        postal = customer.addresses("billing")[1]["postal_code"]
        payload = ok(await api.get(LIST, params={"billing_postal_code": postal, "_limit": 200}))
        assert customer.oid in oids(payload)
        assert oids(payload) == truth.expected({"billing_postal_code": postal})


@pytest.mark.parametrize(
    ("name", "value", "oid"),
    [
        ("billing_last_name", "ÁLV", 100006),  # Álvarez
        ("billing_first_name", "josé", 100006),
        ("shipping_first_name", "almacÉn", 100006),
        ("billing_last_name", "山", 100007),  # 山田
        ("billing_first_name", "ZOË", 100005),
        ("billing_last_name", "brontë", 100005),
        ("billing_city", "ciudad de méx", 100006),
    ],
)
async def test_unicode_filters_fold_case(api: httpx2.AsyncClient, name: str, value: str, oid: int) -> None:
    want = truth.expected({name: value})
    assert oid in want
    assert oids(ok(await api.get(LIST, params={name: value, "_limit": 200}))) == want
    assert oids(ok(await api.post(QUERY, params={"_limit": 200}, json={name: value}))) == want


async def test_filters_combine_with_and(api: httpx2.AsyncClient) -> None:
    query = {
        "billing_country_code": VALUES["billing_country_code"],
        "qb_class": VALUES["qb_class"],
        "signup_dts_start": "2019-01-01",
    }
    want = truth.expected(query)
    assert 0 < len(want) < min(len(truth.expected({k: v})) for k, v in query.items())
    assert oids(ok(await api.get(LIST, params={**query, "_limit": 200}))) == want
    assert oids(ok(await api.post(QUERY, params={"_limit": 200}, json=query))) == want


async def test_blank_filters_are_ignored(api: httpx2.AsyncClient) -> None:
    payload = ok(await api.get(LIST, params={"billing_state": "  ", "email": "", "_limit": 200}))
    assert oids(payload) == ALL[:200]
    assert payload["metadata"]["result_set"]["total_records"] == CUSTOMERS


async def test_pricing_tier_oid_must_be_an_int32(api: httpx2.AsyncClient) -> None:
    error(await api.get(LIST, params={"pricing_tier_oid": "wholesale"}), 400, "pricing_tier_oid")
    error(await api.get(LIST, params={"pricing_tier_oid": str(2**31)}), 400, "pricing_tier_oid")
    error(await api.post(QUERY, json={"pricing_tier_oid": "4101"}), 400, "pricing_tier_oid")


# -- dates ---------------------------------------------------------------------------------------


async def test_date_bounds_are_inclusive(api: httpx2.AsyncClient) -> None:
    jane = truth.by_oid(100001)
    signup = jane.doc["signup_dts"]
    query = {"signup_dts_start": signup, "signup_dts_end": signup}
    want = truth.expected(query)
    assert jane.oid in want
    assert oids(ok(await api.get(LIST, params=query))) == want
    assert oids(ok(await api.post(QUERY, json=query))) == want
    one_second_before = (datetime.fromisoformat(signup) - timedelta(seconds=1)).isoformat()
    payload = ok(await api.get(LIST, params={"signup_dts_start": signup, "signup_dts_end": one_second_before}))
    assert payload["customers"] == []
    modified = jane.doc["last_modified_dts"]
    query = {"last_modified_dts_start": modified, "last_modified_dts_end": modified}
    assert jane.oid in oids(ok(await api.post(QUERY, json=query)))


async def test_date_only_end_means_end_of_day_in_new_york(api: httpx2.AsyncClient) -> None:
    # A customer who signed up in the New York evening: already the next day in UTC.
    evening = next(c for c in truth.customers() if datetime.fromtimestamp(c.signup, truth.NEW_YORK).hour >= 20)
    day = truth.local_day(evening.signup)
    utc_day = datetime.fromtimestamp(evening.signup, truth.NEW_YORK).astimezone(UTC).date()
    assert utc_day != day
    closing = {"signup_dts_end": day.isoformat(), "signup_dts_start": (day - timedelta(days=400)).isoformat()}
    payload = ok(await api.get(LIST, params={**closing, "_limit": 200}))
    assert evening.oid in oids(payload)
    assert oids(payload) == truth.expected(closing)
    opening = {"signup_dts_start": (day + timedelta(days=1)).isoformat()}
    payload = ok(await api.post(QUERY, params={"_limit": 200}, json=opening))
    assert evening.oid not in oids(payload)
    assert oids(payload) == truth.expected(opening)
    # The same day as a start includes the customer (start of the New York day).
    same_day = {"signup_dts_start": day.isoformat(), "signup_dts_end": day.isoformat()}
    payload = ok(await api.get(LIST, params=same_day))
    assert evening.oid in oids(payload)
    assert oids(payload) == truth.expected(same_day)


async def test_customer_query_date_range(api: httpx2.AsyncClient) -> None:
    query = {
        "signup_dts_start": "2020-03-01T00:00:00-05:00",
        "signup_dts_end": "2022-12-31",
        "last_modified_dts_start": "2025-01-01T00:00:00Z",
        "last_modified_dts_end": "2026-10-01T00:00:00.000-04:00",
    }
    want = truth.expected(query)
    assert 0 < len(want) < CUSTOMERS
    assert oids(ok(await api.post(QUERY, params={"_limit": 200}, json=query))) == want


@pytest.mark.parametrize("name", ["signup_dts_start", "signup_dts_end", "last_modified_dts_start", "_since"])
async def test_invalid_dates_are_400(api: httpx2.AsyncClient, name: str) -> None:
    error(await api.get(LIST, params={name: "last tuesday"}), 400, name)
    if name != "_since":
        error(await api.post(QUERY, json={name: "2024-13-45"}), 400, name)


async def test_since(api: httpx2.AsyncClient) -> None:
    modifieds = sorted(c.modified for c in truth.customers())
    since = datetime.fromtimestamp(modifieds[len(modifieds) * 3 // 4], truth.NEW_YORK).isoformat()
    want = truth.expected({"_since": since})
    assert 0 < len(want) < CUSTOMERS
    payload = ok(await api.get(LIST, params={"_since": since, "_limit": 200}))
    assert oids(payload) == want
    assert payload["metadata"]["result_set"]["total_records"] == len(want)
    # _since combines with a CustomerQuery body.
    body = {"billing_country_code": "US"}
    combined = truth.expected({"_since": since, **body})
    assert 0 < len(combined) < len(want)
    assert oids(ok(await api.post(QUERY, params={"_since": since, "_limit": 200}, json=body))) == combined
    # A bare date is the start of that New York day.
    day = truth.local_day(modifieds[len(modifieds) // 2]).isoformat()
    assert oids(ok(await api.get(LIST, params={"_since": day, "_limit": 200}))) == truth.expected({"_since": day})


# -- CustomerQuery-only fields -------------------------------------------------------------------


async def test_query_emails(api: httpx2.AsyncClient) -> None:
    rows = truth.customers()
    picked = [rows[0].email.upper(), rows[40].email, " " + rows[99].email.title() + " ", "nobody@nowhere.example"]
    want = truth.expected({"emails": picked})
    assert want == sorted([rows[0].oid, rows[40].oid, rows[99].oid])
    assert oids(ok(await api.post(QUERY, json={"emails": picked}))) == want
    # Combined with `email` (a substring): both must hold.
    combined = {"emails": picked, "email": rows[40].email[:4].upper()}
    want = truth.expected(combined)
    assert rows[40].oid in want
    assert len(want) < 3
    assert oids(ok(await api.post(QUERY, json=combined))) == want


async def test_query_emails_is_an_exact_lookup(api: httpx2.AsyncClient) -> None:
    rows = truth.customers()
    partial = rows[0].email[:4]
    assert truth.expected({"emails": [partial]}) == []
    payload = ok(await api.post(QUERY, json={"emails": [partial]}))
    assert payload["customers"] == []


@pytest.mark.parametrize(
    ("field", "tags"),
    [
        ("any_tags", ["VIP", "Wholesale"]),
        ("any_tags", ["churn-risk"]),
        ("all_tags", ["b2b", "WHOLESALE"]),
        ("all_tags", ["newsletter", "gift-giver"]),
    ],
)
async def test_query_tags(api: httpx2.AsyncClient, field: str, tags: list[str]) -> None:
    want = truth.expected({field: tags})
    assert 0 < len(want) < CUSTOMERS
    walked, _ = await walk(api, limit=50, body={field: tags})
    assert walked == want


async def test_query_any_and_all_tags_together(api: httpx2.AsyncClient) -> None:
    body = {"any_tags": ["vip", "repeat-buyer"], "all_tags": ["newsletter"]}
    want = truth.expected(body)
    assert 0 < len(want) < len(truth.expected({"all_tags": ["newsletter"]}))
    assert oids(ok(await api.post(QUERY, params={"_limit": 200}, json=body))) == want
    # A tag nobody has: nothing.
    assert ok(await api.post(QUERY, json={"all_tags": ["vip", "no-such-tag"]}))["customers"] == []


@pytest.mark.parametrize("target", ["origin", "cache"])
async def test_query_target_valid(api: httpx2.AsyncClient, target: str) -> None:
    body = {"query_target": target, "billing_state": VALUES["billing_state"]}
    payload = ok(await api.post(QUERY, params={"_limit": 200}, json=body))
    assert oids(payload) == truth.expected(body)


@pytest.mark.parametrize("target", ["live", "ORIGIN", ""])
async def test_query_target_invalid(api: httpx2.AsyncClient, target: str) -> None:
    error(await api.post(QUERY, json={"query_target": target}), 400, "query_target")


async def test_customer_query_body_validation(api: httpx2.AsyncClient) -> None:
    error(await api.post(QUERY, json={"billing_state": 5}), 400, "billing_state")
    error(await api.post(QUERY, json={"billing_country_code": "USA"}), 400, "billing_country_code")
    error(await api.post(QUERY, json={"any_tags": "vip"}), 400, "any_tags")
    error(await api.post(QUERY, content=b"{not json", headers={"content-type": "application/json"}), 400)
    error(await api.post(QUERY, json=["billing_state"]), 400)


async def test_empty_customer_query_returns_everyone(api: httpx2.AsyncClient) -> None:
    walked, result_sets = await walk(api, limit=None, body={})
    assert walked == ALL
    check_default_result_sets(result_sets, 100, CUSTOMERS)


# -- _sort ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort",
    [
        "+email",
        "-email",
        "-signup_dts",
        "+last_modified_dts",
        "-customer_profile_oid",
        "+billing.last_name",
        "+billing.last_name,-signup_dts",
        "-billing.first_name,+billing.last_name",
        "+shipping.city",
        "-shipping.city",
        "+billing.company,-qb_class",
        "+qb_class,-email",
        "-billing.state_region,+billing.postal_code",
        "+shipping.country_code,-billing.city",
        "+qb_code",
    ],
)
async def test_sort(api: httpx2.AsyncClient, sort: str) -> None:
    terms = [(part[1:], part[0] == "-") for part in sort.split(",")]
    want = truth.sorted_oids(ALL, terms)
    assert want != ALL or sort.startswith("+customer")  # the order is not the default one
    walked, _ = await walk(api, limit=200, params={"_sort": sort})
    assert walked == want


async def test_sort_missing_address_sorts_first_ascending(api: httpx2.AsyncClient) -> None:
    without = [c.oid for c in truth.customers() if not c.addresses("shipping")]
    assert without
    ascending = oids(ok(await api.get(LIST, params={"_sort": "+shipping.last_name", "_limit": len(without)})))
    assert ascending == without  # oid order among equals
    descending, _ = await walk(api, limit=200, params={"_sort": "-shipping.last_name"})
    assert descending[-len(without) :] == without


async def test_sort_with_filter_and_paging(api: httpx2.AsyncClient) -> None:
    query = {"billing_country_code": VALUES["billing_country_code"]}
    sort = "-last_modified_dts,+email"
    want = truth.sorted_oids(truth.expected(query), [("last_modified_dts", True), ("email", False)])
    walked, result_sets = await walk(api, limit=9, params={**query, "_sort": sort})
    assert walked == want
    check_default_result_sets(result_sets, 9, len(want))
    walked, _ = await walk(api, limit=9, params={"_sort": sort}, body=query)
    assert walked == want


async def test_unencoded_plus_in_sort_is_400(api: httpx2.AsyncClient) -> None:
    # Sent raw: the '+' arrives as a space.
    response = await api.get(LIST + "?_sort=+billing.last_name")
    assert "_sort=+billing" in str(response.request.url)
    error(response, 400, "%2B")
    response = await api.get(LIST + "?_sort=-signup_dts,+email")
    error(response, 400, "%2B")
    # Encoded it works.
    response = await api.get(LIST + "?_sort=%2Bemail&_limit=5")
    assert oids(ok(response)) == truth.sorted_oids(ALL, [("email", False)])[:5]


@pytest.mark.parametrize("sort", ["+favourite_colour", "-billing.address1", "+password", "+email,-nope"])
async def test_unknown_sort_field_is_400(api: httpx2.AsyncClient, sort: str) -> None:
    error(await api.get(LIST, params={"_sort": sort}), 400, "_sort")


# -- _expand -------------------------------------------------------------------------------------


async def _all_customers(api: httpx2.AsyncClient, expand: str | None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"_limit": 200}
    if expand is not None:
        params["_expand"] = expand
    first = ok(await api.get(LIST, params=params))
    second = ok(await api.get(LIST, params={**params, "_offset": 200}))
    found: list[dict[str, Any]] = first["customers"] + second["customers"]
    assert [c["customer_profile_oid"] for c in found] == ALL
    return found


async def test_without_expand_only_scalars(api: httpx2.AsyncClient) -> None:
    for customer in await _all_customers(api, None):
        seeded = truth.by_oid(customer["customer_profile_oid"])
        assert set(customer) == truth.scalar_keys(seeded)
        assert not [key for key, value in customer.items() if isinstance(value, (list, dict))]
        for key in truth.scalar_keys(seeded) - set(truth.SERVER_SCALARS):
            assert customer[key] == seeded.doc[key], key
        assert customer["merchant_id"] == demo_data.MERCHANT_ID
        assert "password" not in customer


@pytest.mark.parametrize("value", truth.DOCUMENTED_EXPANSIONS)
async def test_each_expansion_adds_exactly_its_key(api: httpx2.AsyncClient, value: str) -> None:
    found = await _all_customers(api, value)
    with_data = 0
    for customer in found:
        seeded = truth.by_oid(customer["customer_profile_oid"])
        with_data += truth.has_expansion(seeded, value)
        assert set(customer) == truth.scalar_keys(seeded) | ({value} if truth.in_answer(seeded, value) else set())
        if value in truth.ARRAY_EXPANSIONS and not truth.has_expansion(seeded, value):
            assert customer[value] == []  # expanded and empty: present, so the SDK can read it
    assert with_data > 0, f"no seeded customer has {value}"


async def test_expanded_addresses_and_tags_carry_the_seed_data(api: httpx2.AsyncClient) -> None:
    found = await _all_customers(api, "billing,shipping,tags,pricing_tiers")
    for customer in found:
        seeded = truth.by_oid(customer["customer_profile_oid"])
        for kind in ("billing", "shipping"):
            returned = customer.get(kind, [])
            assert len(returned) == len(seeded.addresses(kind))
            for got, seed in zip(returned, seeded.addresses(kind), strict=True):
                assert {k: got.get(k) for k in seed} == seed
                assert got["customer_profile_oid"] == seeded.oid
        assert [t["tag_value"] for t in customer.get("tags", [])] == seeded.tags()
        assert customer.get("pricing_tiers", []) == seeded.tiers()


async def test_expanded_properties_leave_out_expired_ones(api: httpx2.AsyncClient, clock: FixedClock) -> None:
    jane = truth.by_oid(100001)
    expiring = [p for p in jane.doc["properties"] if p.get("expiration_dts")]
    assert expiring
    for now in (clock.now(), datetime.fromisoformat(expiring[0]["expiration_dts"]) + timedelta(seconds=1)):
        clock.advance(now - clock.now())
        found = await _all_customers(api, "properties")
        for customer in found:
            seeded = truth.by_oid(customer["customer_profile_oid"])
            live = truth.live_properties(seeded, now)
            assert [(p["name"], p["value"]) for p in customer.get("properties", [])] == [
                (p["name"], p["value"]) for p in live
            ]
        names = [p["name"] for p in found[0].get("properties", [])]
        assert (expiring[0]["name"] in names) is (now < datetime.fromisoformat(expiring[0]["expiration_dts"]))


async def test_expand_on_customer_query(api: httpx2.AsyncClient) -> None:
    body = {"billing_state": VALUES["billing_state"]}
    payload = ok(await api.post(QUERY, params={"_expand": "shipping,tags", "_limit": 200}, json=body))
    assert oids(payload) == truth.expected(body)
    for customer in payload["customers"]:
        seeded = truth.by_oid(customer["customer_profile_oid"])
        extra = {value for value in ("shipping", "tags") if truth.in_answer(seeded, value)}
        assert set(customer) == truth.scalar_keys(seeded) | extra


async def test_unknown_expansions_are_ignored(api: httpx2.AsyncClient) -> None:
    plain = ok(await api.get(LIST, params={"_limit": 20, "_expand": "billing"}))["customers"]
    noisy = ok(await api.get(LIST, params={"_limit": 20, "_expand": "bogus, billing ,orders,activity,,"}))
    assert noisy["customers"] == plain
    unknown_only = ok(await api.get(LIST, params={"_limit": 20, "_expand": "orders,edi,quotes,nonsense"}))
    for customer in unknown_only["customers"]:
        assert set(customer) == truth.scalar_keys(truth.by_oid(customer["customer_profile_oid"]))


async def test_expand_on_single_customer_endpoints(api: httpx2.AsyncClient) -> None:
    jane = truth.by_oid(100001)
    plain = ok(await api.get(f"{LIST}/{jane.oid}"))["customer"]
    assert set(plain) == truth.scalar_keys(jane)
    expanded = ok(await api.get(f"{LIST}/{jane.oid}", params={"_expand": "billing,shipping,tags,loyalty"}))["customer"]
    assert set(expanded) == truth.scalar_keys(jane) | {"billing", "shipping", "tags", "loyalty"}
    by_email = ok(await api.get(f"{LIST}/by_email/{quote(jane.email, safe='')}", params={"_expand": "tags,cards"}))[
        "customer"
    ]
    assert set(by_email) == truth.scalar_keys(jane) | {"tags", "cards"}


# -- paging --------------------------------------------------------------------------------------


async def test_default_limit_is_100(api: httpx2.AsyncClient) -> None:
    payload = ok(await api.get(LIST))
    assert oids(payload) == ALL[:100]
    assert payload["metadata"]["result_set"] == {
        "count": 100,
        "limit": 100,
        "offset": 0,
        "next_offset": 100,
        "more": True,
        "total_records": CUSTOMERS,
    }
    payload = ok(await api.post(QUERY, json={}))
    assert payload["metadata"]["result_set"]["limit"] == 100
    assert oids(payload) == ALL[:100]


async def test_limit_200_is_the_maximum(api: httpx2.AsyncClient) -> None:
    payload = ok(await api.get(LIST, params={"_limit": 200}))
    assert oids(payload) == ALL[:200]
    assert payload["metadata"]["result_set"]["count"] == 200


@pytest.mark.parametrize("limit", ["201", "0", "-5", "ten", "1.5", str(2**31)])
async def test_bad_limit_is_400(api: httpx2.AsyncClient, limit: str) -> None:
    error(await api.get(LIST, params={"_limit": limit}), 400, "_limit")
    error(await api.post(QUERY, params={"_limit": limit}, json={}), 400, "_limit")


@pytest.mark.parametrize("offset", ["-1", "x"])
async def test_bad_offset_is_400(api: httpx2.AsyncClient, offset: str) -> None:
    error(await api.get(LIST, params={"_offset": offset}), 400, "_offset")
    error(await api.post(QUERY, params={"_offset": offset}, json={}), 400, "_offset")


@pytest.mark.parametrize("limit", [7, 50, 64, 125, 200, None])
async def test_walk_all_pages(api: httpx2.AsyncClient, limit: int | None) -> None:
    walked, result_sets = await walk(api, limit=limit)
    assert walked == ALL
    assert len(set(walked)) == len(walked)
    size = limit or 100
    assert len(result_sets) == -(-CUSTOMERS // size)
    check_default_result_sets(result_sets, size, CUSTOMERS)


def _divisible_filter() -> tuple[dict[str, str], int]:
    """A filter whose result count N is composite, and a limit dividing N into several pages."""
    states = {
        str(a["state_region"]) for c in truth.customers() for a in c.addresses("billing") if a.get("state_region")
    }
    for state in sorted(states):
        total = len(truth.expected({"billing_state": state}))
        divisor = next((d for d in range(2, total) if total % d == 0), None)
        if total >= 6 and divisor is not None and divisor <= 4:
            return {"billing_state": state}, total // divisor
    raise AssertionError("no composite-sized filter in the seed")


async def test_walk_pages_when_limit_divides_the_result_count(api: httpx2.AsyncClient) -> None:
    query, limit = _divisible_filter()
    want = truth.expected(query)
    assert len(want) % limit == 0
    assert len(want) > limit
    walked, result_sets = await walk(api, limit=limit, params=query)
    assert walked == want
    assert len(result_sets) == len(want) // limit
    check_default_result_sets(result_sets, limit, len(want))
    # The last full page says there is no more, without a next_offset.
    assert result_sets[-1]["count"] == limit
    assert result_sets[-1]["more"] is False
    assert "next_offset" not in result_sets[-1]
    # limit == N: one page, nothing more.
    payload = ok(await api.post(QUERY, params={"_limit": len(want)}, json=query))
    assert oids(payload) == want
    assert payload["metadata"]["result_set"] == {
        "count": len(want),
        "limit": len(want),
        "offset": 0,
        "more": False,
        "total_records": len(want),
    }
    # limit == N - 1: two pages, the second with one customer.
    walked, result_sets = await walk(api, limit=len(want) - 1, body=query)
    assert walked == want
    assert [r["count"] for r in result_sets] == [len(want) - 1, 1]


async def test_walk_filtered_pages(api: httpx2.AsyncClient) -> None:
    query = {"billing_country_code": VALUES["billing_country_code"]}
    want = truth.expected(query)
    for limit in (1 if len(want) < 20 else 13, 40):
        walked, result_sets = await walk(api, limit=limit, params=query)
        assert walked == want
        check_default_result_sets(result_sets, limit, len(want))


async def test_offset_past_the_end(api: httpx2.AsyncClient) -> None:
    payload = ok(await api.get(LIST, params={"_offset": 1000, "_limit": 10}))
    assert payload["customers"] == []
    assert payload["metadata"]["result_set"] == {
        "count": 0,
        "limit": 10,
        "offset": 1000,
        "more": False,
        "total_records": CUSTOMERS,
    }
    payload = ok(await api.get(LIST, params={"_offset": CUSTOMERS, "_limit": 10}))
    assert payload["customers"] == []
    assert payload["metadata"]["result_set"]["more"] is False
    payload = ok(await api.get(LIST, params={"_offset": CUSTOMERS - 1, "_limit": 10}))
    assert oids(payload) == ALL[-1:]
    assert payload["metadata"]["result_set"]["more"] is False


async def test_empty_result_set(api: httpx2.AsyncClient) -> None:
    assert truth.expected({"billing_last_name": "Zzyzx"}) == []
    payload = ok(await api.get(LIST, params={"billing_last_name": "Zzyzx"}))
    assert payload["success"] is True
    assert payload["customers"] == []
    assert payload["metadata"]["result_set"] == {
        "count": 0,
        "limit": 100,
        "offset": 0,
        "more": False,
        "total_records": 0,
    }
    payload = ok(await api.post(QUERY, json={"emails": ["nobody@nowhere.example"]}))
    assert payload["customers"] == []
    assert payload["metadata"]["result_set"]["total_records"] == 0


# -- strict profile ------------------------------------------------------------------------------


async def test_strict_prefix_finds_nothing_exact_value_finds_the_set(strict_api: httpx2.AsyncClient) -> None:
    name = truth.most_common(
        a.get("last_name") for c in truth.customers() for a in c.addresses("billing") if len(a["last_name"]) >= 5
    )
    for fragment in (name[:3], name.lower(), name.upper(), " " + name):
        assert truth.expected({"billing_last_name": fragment}, strict=True) == []
        payload = ok(await strict_api.get(LIST, params={"billing_last_name": fragment}))
        assert payload["customers"] == []
        assert "total_records" not in payload["metadata"]["result_set"]
    want = truth.expected({"billing_last_name": name}, strict=True)
    assert len(want) > 1
    payload = ok(await strict_api.get(LIST, params={"billing_last_name": name}))
    assert oids(payload) == want
    assert "total_records" not in payload["metadata"]["result_set"]


@pytest.mark.parametrize(
    ("name", "exact", "loose"),
    [
        ("billing_city", "Seattle", "seattle"),
        ("shipping_state", "TX", "tx"),
        ("billing_country_code", "GB", "gb"),
        ("qb_class", "Wholesale", "wholesale"),
        ("quickbooks_code", "ACME001", "acme001"),
        ("billing_company", "Acme Corporation", "Acme"),
        ("billing_day_phone", "(512) 555-0143", "5125550143"),
        ("pricing_tier_name", "VIP", "vip"),
        ("billing_postal_code", "78704", "787"),
    ],
)
async def test_strict_text_filters_are_exact(strict_api: httpx2.AsyncClient, name: str, exact: str, loose: str) -> None:
    want = truth.expected({name: exact}, strict=True)
    assert 0 < len(want) < CUSTOMERS
    assert oids(ok(await strict_api.post(QUERY, params={"_limit": 200}, json={name: exact}))) == want
    assert truth.expected({name: loose}, strict=True) == []
    assert truth.expected({name: loose}) != []  # the default profile would find it
    assert ok(await strict_api.get(LIST, params={name: loose}))["customers"] == []


async def test_strict_email_is_exact_but_case_insensitive(strict_api: httpx2.AsyncClient) -> None:
    jane = truth.by_oid(100001)
    payload = ok(await strict_api.get(LIST, params={"email": jane.email.upper()}))
    assert oids(payload) == [jane.oid]
    assert ok(await strict_api.get(LIST, params={"email": jane.email[:5]}))["customers"] == []
    payload = ok(await strict_api.post(QUERY, json={"emails": [jane.email.upper(), truth.by_oid(100003).email]}))
    assert oids(payload) == [100001, 100003]


async def test_strict_tags_are_case_sensitive(strict_api: httpx2.AsyncClient) -> None:
    assert ok(await strict_api.post(QUERY, json={"any_tags": ["VIP"]}))["customers"] == []
    want = truth.expected({"any_tags": ["vip"]}, strict=True)
    assert want
    walked, result_sets = await walk(strict_api, limit=200, body={"any_tags": ["vip"]})
    assert walked == want
    assert all("total_records" not in r for r in result_sets)


async def test_strict_total_records_only_when_unfiltered(strict_api: httpx2.AsyncClient) -> None:
    payload = ok(await strict_api.get(LIST, params={"_limit": 10}))
    assert payload["metadata"]["result_set"]["total_records"] == CUSTOMERS
    payload = ok(await strict_api.post(QUERY, params={"_limit": 10}, json={}))
    assert payload["metadata"]["result_set"]["total_records"] == CUSTOMERS
    for params in ({"billing_state": "TX"}, {"_since": "2026-01-01"}, {"signup_dts_start": "2020-01-01"}):
        payload = ok(await strict_api.get(LIST, params={**params, "_limit": 10}))
        assert "total_records" not in payload["metadata"]["result_set"], params
        assert payload["customers"]


async def test_strict_next_offset_on_the_last_page(strict_api: httpx2.AsyncClient) -> None:
    payload = ok(await strict_api.get(LIST, params={"_offset": 240, "_limit": 100}))
    assert oids(payload) == ALL[240:]
    assert payload["metadata"]["result_set"] == {
        "count": 10,
        "limit": 100,
        "offset": 240,
        "next_offset": 250,
        "more": False,
        "total_records": CUSTOMERS,
    }
    payload = ok(await strict_api.get(LIST, params={"billing_state": "XX"}))
    assert payload["metadata"]["result_set"] == {"count": 0, "limit": 100, "offset": 0, "next_offset": 0, "more": False}


@pytest.mark.parametrize("limit", [30, 37, 200])
async def test_strict_walk_with_more_returns_everything(strict_api: httpx2.AsyncClient, limit: int) -> None:
    query = {"billing_country_code": "US"}
    want = truth.expected(query, strict=True)
    assert 0 < len(want) < CUSTOMERS
    walked, result_sets = await walk(strict_api, limit=limit, params=query)
    assert walked == want
    offset = 0
    for result_set in result_sets:
        assert result_set["offset"] == offset
        assert result_set["next_offset"] == offset + result_set["count"]
        assert "total_records" not in result_set
        offset += result_set["count"]
    assert result_sets[-1]["more"] is False
    walked, _ = await walk(strict_api, limit=limit)
    assert walked == ALL


# -- single customers ----------------------------------------------------------------------------


async def test_get_customer_by_email_is_case_insensitive(api: httpx2.AsyncClient) -> None:
    for seeded in (truth.by_oid(100001), truth.by_oid(100005), truth.customers()[120]):
        for spelling in (seeded.email, seeded.email.upper(), seeded.email.swapcase()):
            payload = ok(await api.get(f"{LIST}/by_email/{quote(spelling, safe='@')}"))
            assert payload["customer"]["customer_profile_oid"] == seeded.oid
            assert payload["customer"]["email"] == seeded.email


async def test_get_customer_by_email_with_a_plus(api: httpx2.AsyncClient) -> None:
    plus = [c for c in truth.customers() if "+" in c.email]
    assert plus
    for seeded in plus:
        encoded = quote(seeded.email, safe="")
        assert "%2B" in encoded
        payload = ok(await api.get(f"{LIST}/by_email/{encoded}"))
        assert payload["customer"]["customer_profile_oid"] == seeded.oid
        # The mailbox without the +tag is another address (or nobody).
        local, _, domain = seeded.email.partition("@")
        base = local.split("+")[0] + "@" + domain
        response = await api.get(f"{LIST}/by_email/{quote(base, safe='')}")
        if any(c.email.casefold() == base.casefold() for c in truth.customers()):
            assert ok(response)["customer"]["customer_profile_oid"] != seeded.oid
        else:
            error(response, 404)


async def test_get_customer_by_unknown_email_is_404(api: httpx2.AsyncClient) -> None:
    response = await api.get(f"{LIST}/by_email/{quote('nobody@nowhere.example', safe='')}")
    error(response, 404)
    body = response.json()
    assert set(body) <= {"success", "error", "warning", "metadata"}
    # A prefix of a real address is not a match (lookup by key, not a search).
    response = await api.get(f"{LIST}/by_email/jane@example.co")
    error(response, 404)


async def test_get_customer(api: httpx2.AsyncClient) -> None:
    for oid in (ALL[0], ALL[77], ALL[-1]):
        payload = ok(await api.get(f"{LIST}/{oid}"))
        assert payload["customer"]["customer_profile_oid"] == oid
        assert payload["customer"]["email"] == truth.by_oid(oid).email


@pytest.mark.parametrize("oid", [str(ALL[-1] + 1), "1", "-5", "0"])
async def test_get_unknown_customer_is_404(api: httpx2.AsyncClient, oid: str) -> None:
    error(await api.get(f"{LIST}/{oid}"), 404, "not found")


@pytest.mark.parametrize("oid", ["abc", "1.5", str(2**31), str(-(2**31) - 1), "100001x"])
async def test_get_customer_bad_oid_is_400(api: httpx2.AsyncClient, oid: str) -> None:
    error(await api.get(f"{LIST}/{oid}"), 400, "customer_profile_oid")


# -- DataTables ----------------------------------------------------------------------------------


async def test_data_tables_without_body(api: httpx2.AsyncClient) -> None:
    response = await api.post(DATA_TABLES)
    body = ok(response)
    assert set(body) == {"draw", "recordsTotal", "recordsFiltered", "data"}
    assert body["draw"] == 0
    assert body["recordsTotal"] == CUSTOMERS
    assert body["recordsFiltered"] == CUSTOMERS
    assert [c["customer_profile_oid"] for c in body["data"]] == ALL[:10]


async def test_data_tables_json_body(api: httpx2.AsyncClient) -> None:
    search = "SMITH"
    matching = [c.oid for c in truth.customers() if truth.data_tables_matches(c, search)]
    assert 2 < len(matching) < CUSTOMERS
    body = ok(await api.post(DATA_TABLES, json={"draw": 3, "start": 1, "length": 2, "search": {"value": search}}))
    assert body["draw"] == 3
    assert body["recordsTotal"] == CUSTOMERS
    assert body["recordsFiltered"] == len(matching)
    assert [c["customer_profile_oid"] for c in body["data"]] == matching[1:3]


async def test_data_tables_form_body(api: httpx2.AsyncClient) -> None:
    company = truth.most_common(a.get("company") for c in truth.customers() for a in c.addresses("billing"))
    search = max(company.split(), key=len).upper()  # a word of the most common company
    matching = [c.oid for c in truth.customers() if truth.data_tables_matches(c, search)]
    assert 0 < len(matching) < CUSTOMERS
    form = {"draw": "7", "start": "5", "length": "25", "search[value]": search, "search[regex]": "false"}
    body = ok(await api.post(DATA_TABLES, data=form))
    assert body["draw"] == 7
    assert body["recordsTotal"] == CUSTOMERS
    assert body["recordsFiltered"] == len(matching)
    assert [c["customer_profile_oid"] for c in body["data"]] == matching[5:30]
    # No search: every customer, paged by start/length.
    body = ok(await api.post(DATA_TABLES, data={"draw": "1", "start": "240", "length": "25", "search[value]": ""}))
    assert body["recordsFiltered"] == CUSTOMERS
    assert [c["customer_profile_oid"] for c in body["data"]] == ALL[240:]


async def test_data_tables_expand_and_bad_body(api: httpx2.AsyncClient) -> None:
    body = ok(await api.post(DATA_TABLES, params={"_expand": "billing"}, json={"length": 3}))
    for customer in body["data"]:
        seeded = truth.by_oid(customer["customer_profile_oid"])
        assert set(customer) == truth.scalar_keys(seeded) | {"billing"}
    error(await api.post(DATA_TABLES, content=b"{oops", headers={"content-type": "application/json"}), 400)
    error(await api.post(DATA_TABLES, json={"draw": "seven"}), 400, "draw")


# -- profile-value search (LookupRequest) -------------------------------------------------------


def _lookup(values: list[dict[str, Any]]) -> list[tuple[str, int]]:
    result = []
    for value in values:
        assert value["key"] == value["value"]
        count = int(value["description"].split(" ")[0])
        result.append((value["value"], count))
    return result


@pytest.mark.parametrize(
    ("text", "max_hits"), [("", None), ("e", None), ("R", 3), ("-", 100), ("VIP", 1), ("zzz", None)]
)
async def test_search_profile_values(api: httpx2.AsyncClient, text: str, max_hits: int | None) -> None:
    body: dict[str, Any] = {"matches": text, "category": "customer"}
    if max_hits is not None:
        body["max_hits"] = max_hits
    want = truth.tag_lookup(text, max_hits or 10)
    payload = ok(await api.post(SEARCH, json=body))
    assert _lookup(payload["values"]) == want
    if text == "":
        assert len(want) == 10  # every tag matches; capped by the default max_hits
    if text == "zzz":
        assert want == []


async def test_search_bad_max_hits_is_400(api: httpx2.AsyncClient) -> None:
    for bad in (-1, 0):
        error(await api.post(SEARCH, json={"matches": "v", "max_hits": bad}), 400, "max_hits")
    error(await api.post(SEARCH, json={"matches": 5}), 400, "matches")


async def test_search_accepts_the_browser_key(sandbox: Sandbox) -> None:
    headers = {"X-UltraCart-Api-Version": API_VERSION, "x-ultracart-browser-key": sandbox.options.api_key}
    async with httpx2.AsyncClient(
        base_url=IN_PROCESS_BASE_URL,
        transport=sandbox.transport(),
        headers=headers,
        event_hooks={"response": [_conformance_hook]},
    ) as browser:
        assert "x-ultracart-simple-key" not in browser.headers
        payload = ok(await browser.post(SEARCH, json={"matches": "gift"}))
        assert _lookup(payload["values"]) == truth.tag_lookup("gift")
        # The browser key is good for that operation only.
        error(await browser.get(LIST), 401)
        error(await browser.post(QUERY, json={}), 401)
    async with httpx2.AsyncClient(
        base_url=IN_PROCESS_BASE_URL,
        transport=sandbox.transport(),
        headers={**headers, "x-ultracart-browser-key": "wrong"},
        event_hooks={"response": [_conformance_hook]},
    ) as wrong:
        error(await wrong.post(SEARCH, json={"matches": "gift"}), 401)


# -- editor values and email lists ---------------------------------------------------------------


async def test_editor_values_is_a_bare_object(api: httpx2.AsyncClient) -> None:
    body = ok(await api.get("/customer/editor_values"))
    assert not {"success", "metadata", "error"} & set(body)
    assert body == json.loads(json.dumps(demo_data.EDITOR_VALUES))
    assert "US" in {country["iso_2_code"] for country in body["countries"]}


async def test_email_lists_member_counts(api: httpx2.AsyncClient) -> None:
    payload = ok(await api.get("/customer/email_lists"))
    lists = payload["lists"]
    members = truth.list_members()
    live = [entry for entry in demo_data.EMAIL_LISTS if not entry.get("deleted")]
    deleted = {entry["email_list_uuid"] for entry in demo_data.EMAIL_LISTS if entry.get("deleted")}
    assert deleted
    assert {entry["email_list_uuid"] for entry in lists} == {entry["email_list_uuid"] for entry in live}
    assert not deleted & {entry["email_list_uuid"] for entry in lists}
    for entry in lists:
        assert entry["member_count"] == members[entry["email_list_uuid"]], entry["name"]
        assert entry["deleted"] is False
    assert sum(entry["member_count"] for entry in lists) > 0
