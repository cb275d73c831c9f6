"""The customer filters (issue 16.1, 16.5): one definition shared by list, count, export, rank and find, one
meaning everywhere, through the MCP protocol on both sandbox profiles.

Ground truth is read from the sandbox store itself (every customer document, and store credit from the
store-credit ledger's ``available``), and matched here with the rules the filters document:

- tags compare as written (the values used here are stored lower-case, so both profiles agree); ``any_tags``
  wants one of them, ``all_tags`` every one;
- an address filter matches ANY billing address, not only the default, and count's ``by=state`` counts a
  customer once under every distinct state of its billing addresses — so ``count(billing_state=S).total``,
  the ``by=state`` count of S and the rows ``get_customers(billing_state=S)`` returns are one number;
- date bounds are inclusive; a bare date starts at 00:00 (``_start``) or covers the whole day (``_end``); a
  date or time without offset is in the store's zone (America/New_York in the sandbox);
- ``has_store_credit``: available store credit > 0 (true) or not (false), checked by the tool itself, whose
  ``how`` must say so, and which stops within ``max_calls`` with a partial answer that says so.

Which endpoint answers is part of the contract (the cheapest correct plan): tags go to the query endpoint
(``POST /customer/customers/query``, the only one that takes them), everything else to the plain GET.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from tests.ultracart.mcp.conftest import BIGGER_STORE, CUSTOMERS, ServerFactory
from tests.ultracart.mcp.test_assist_tools import (
    PROFILES,
    QUERY_PATH,
    Harness,
    addresses,
    connect,
    everyone,
    in_billing_state,
    primary,
    rows,
    text_of,
)
from uc_mcp.ultracart.tools import count as count_module

pytestmark = pytest.mark.anyio

LIST = "ultracart_get_customers"
COUNT = "ultracart_count_customers"
EXPORT = "ultracart_export_customers"
RANK = "ultracart_rank_customers"
FIND = "ultracart_find_customers"
NEW_YORK = ZoneInfo("America/New_York")
CHECKED_HERE = "has_store_credit=true: checked here on each customer's loyalty.internal_gift_certificate_balance"
TAGS_BY_QUERY = "sent to POST /customer/customers/query, the only endpoint that filters by tag"


@pytest.fixture(params=PROFILES)
async def h(request: pytest.FixtureRequest, server_factory: ServerFactory, tmp_path: Path) -> AsyncIterator[Harness]:
    async with connect(server_factory, request.param, export_dir=tmp_path / "exports") as harness:
        yield harness


# -- calling the tools -------------------------------------------------------------------------------------


async def call(h: Harness, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A call that must succeed: valid against the tool's outputSchema, reading only, within max_calls."""
    h.requests.clear()
    result = await h.client.call_tool(name, arguments)
    text = h.text = text_of(result)
    assert not result.is_error, text
    structured = result.structured_content
    assert isinstance(structured, dict) and json.loads(text) == structured
    schema = h.tools[name].output_schema
    assert schema is not None
    jsonschema.validate(structured, schema)
    assert all(request.method == "GET" or request.path.endswith(QUERY_PATH) for request in h.requests)
    if "api_calls" in structured:
        assert structured["api_calls"] == len(h.requests)
    if "max_calls" in arguments:
        assert len(h.requests) <= arguments["max_calls"]
    return structured


async def fail(h: Harness, name: str, arguments: dict[str, Any]) -> str:
    h.requests.clear()
    result = await h.client.call_tool(name, arguments)
    assert result.is_error
    assert h.requests == []  # refused before any API call
    return text_of(result)


async def listed(h: Harness, filters: dict[str, Any], *, limit: int = 200) -> list[int]:
    """Every oid get_customers returns for ``filters``, page after page (each must be new)."""
    found: list[int] = []
    offset: int | None = 0
    while offset is not None:
        result = await call(h, LIST, {**filters, "limit": limit, "offset": offset})
        page = [row["customer_profile_oid"] for row in rows(result)]
        assert not set(page) & set(found), (offset, page)
        found += page
        offset = result["next_offset"]
    return found


def oids_in(path: str) -> list[int]:
    """The oids of a JSON Lines export, in file order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["customer_profile_oid"] for line in lines]


async def exported(h: Harness, filters: dict[str, Any]) -> tuple[list[int], dict[str, Any]]:
    result = await call(h, EXPORT, {**filters, "format": "jsonl", "fields": ["customer_profile_oid"]})
    return oids_in(result["path"]), result


def queries(h: Harness) -> list[tuple[str, dict[str, list[str]]]]:
    """The requests of the last call: (path under the API's base, query parameters)."""
    return [(request.path.partition("/rest/v2")[2], parse_qs(request.query)) for request in h.requests]


# -- ground truth ------------------------------------------------------------------------------------------


def credit(h: Harness, oid: int) -> Decimal:
    return Decimal(str(h.store.get_store_credit(oid)["available"]))


def bound(text: str, *, end: bool) -> datetime:
    """A filter's bound as the filters document it: a bare date is 00:00 or the day's last second; no
    offset means New York time."""
    if len(text) == 10:
        day = datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)
        return day + timedelta(days=1, seconds=-1) if end else day
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=NEW_YORK)


def matches(h: Harness, oid: int, customer: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    tags = {tag["tag_value"] for tag in customer.get("tags") or []}
    tiers = customer.get("pricing_tiers") or []
    billing = addresses(customer, ("billing",))
    for name, value in filters.items():
        if name == "any_tags" and not tags & set(value):
            return False
        if name == "all_tags" and not set(value) <= tags:
            return False
        if name == "pricing_tier_name" and not any(tier["name"] == value for tier in tiers):
            return False
        if name == "pricing_tier_oid" and not any(tier["pricing_tier_oid"] == value for tier in tiers):
            return False
        if name == "billing_state" and not any(address.get("state_region") == value for address in billing):
            return False
        if name == "billing_country_code" and not any(address.get("country_code") == value for address in billing):
            return False
        if name.endswith(("_dts_start", "_dts_end")):
            field, end = name.rsplit("_", 1)
            moment = datetime.fromisoformat(customer[field])
            limit = bound(value, end=end == "end")
            if (moment > limit) if end == "end" else (moment < limit):
                return False
        if name == "has_store_credit" and (credit(h, oid) > 0) != value:
            return False
    return True


def matching(h: Harness, filters: Mapping[str, Any]) -> list[int]:
    return [oid for oid, customer in everyone(h).items() if matches(h, oid, customer, filters)]


def a_year_with_signups(h: Harness) -> int:
    years = Counter(int(customer["signup_dts"][:4]) for customer in everyone(h).values())
    return max(year for year, count in years.items() if 3 <= count < CUSTOMERS)


# -- each filter on each tool --------------------------------------------------------------------------------


FILTERS: list[dict[str, Any]] = [
    {"any_tags": ["vip", "b2b"]},
    {"all_tags": ["wholesale", "b2b"]},
    {"any_tags": ["wholesale"], "all_tags": ["b2b", "newsletter"]},
    {"pricing_tier_name": "Wholesale"},
    {"pricing_tier_oid": 4102},  # VIP
    {"signup_dts_start": "2024-01-01", "signup_dts_end": "2025-06-30"},
    {"last_modified_dts_start": "2025-01-01T00:00:00-05:00"},
    {"last_modified_dts_end": "2024-12-31"},
    {"has_store_credit": True},
    {"has_store_credit": False},
    {"has_store_credit": True, "any_tags": ["vip", "gift-giver"], "billing_country_code": "US"},
]
IDS = ["any_tags", "all_tags", "any_and_all", "tier_name", "tier_oid", "signup", "modified_from", "modified_to"]
IDS += ["credit", "no_credit", "credit_tags_country"]


@pytest.mark.parametrize("filters", FILTERS, ids=IDS)
async def test_every_tool_selects_the_same_customers(h: Harness, filters: dict[str, Any]) -> None:
    truth = matching(h, filters)
    assert 0 < len(truth) < CUSTOMERS, truth  # the filter selects: neither nobody nor everyone
    tags = any(name in filters for name in ("any_tags", "all_tags"))
    here = "has_store_credit" in filters

    assert sorted(await listed(h, filters)) == truth
    paths = {path for path, _ in queries(h)}
    assert paths == ({QUERY_PATH} if tags else {"/customer/customers"}), paths  # the cheapest correct endpoint

    counted = await call(h, COUNT, filters)
    assert (counted["total"], counted["complete"]) == (len(truth), True)
    if tags:
        assert any(TAGS_BY_QUERY in line for line in counted["how"])
    if here:
        verdict = "true" if filters["has_store_credit"] else "false"
        assert any(line.startswith(f"has_store_credit={verdict}: checked here") for line in counted["how"])
        assert any(line.startswith("read all ") for line in counted["how"])
    elif not h.strict:  # the API's total answers in one call
        assert counted["api_calls"] == 1

    oids, result = await exported(h, filters)
    assert sorted(oids) == truth and result["rows"] == len(truth) and result["complete"] is True
    if here or not h.strict:
        assert result["total"] == len(truth)
    if here:
        assert any(line.startswith("has_store_credit=") for line in result["how"])

    ranked = await call(h, RANK, {**filters, "by": "signup_date", "limit": 50})
    signed_up = {oid: datetime.fromisoformat(everyone(h)[oid]["signup_dts"]) for oid in truth}
    newest = sorted(truth, key=lambda oid: (signed_up[oid], -oid), reverse=True)[:50]
    assert [row["customer_profile_oid"] for row in rows(ranked)] == newest
    assert ranked["complete"] is True
    ranked = await call(h, RANK, {**filters, "by": "store_credit", "limit": 50})
    richest = sorted(truth, key=lambda oid: (-credit(h, oid), oid))[:50]
    assert [row["customer_profile_oid"] for row in rows(ranked)] == richest
    assert ranked["complete"] is True and ranked["total"] == len(truth)


@pytest.mark.parametrize("profile", PROFILES)
async def test_export_the_wholesale_customers_in_california(
    server_factory: ServerFactory, bigger_db: Path, tmp_path: Path, profile: str
) -> None:
    """The issue's example: impossible before (tags could not filter an export). On a bigger store: the
    60-customer one has no wholesale customer in California."""
    settings = {"sandbox_db": bigger_db, "sandbox_customers": BIGGER_STORE, "export_dir": tmp_path / "exports"}
    async with connect(server_factory, profile, **settings) as h:
        by_tag = {"any_tags": ["wholesale"], "billing_state": "ca"}  # a code as typed: sent as CA
        truth = matching(h, {"any_tags": ["wholesale"], "billing_state": "CA"})
        assert len(truth) >= 2
        oids, result = await exported(h, by_tag)
        assert sorted(oids) == truth and result["complete"] is True
        assert [path for path, _ in queries(h)] == [QUERY_PATH]  # one call, to the endpoint that takes tags
        assert result["how"] == [
            "billing_state: any billing address matches, not only the default",
            f"any_tags: {TAGS_BY_QUERY}",
        ]

        by_tier = {"pricing_tier_name": "Wholesale", "billing_state": "CA"}
        oids, result = await exported(h, by_tier)
        assert sorted(oids) == matching(h, by_tier) and oids
        assert [path for path, _ in queries(h)] == ["/customer/customers"]  # no tags: the plain GET


async def test_how_many_vip_customers(h: Harness) -> None:
    """The issue's example: a count by tag, not a text search over tag values."""
    truth = matching(h, {"any_tags": ["vip"]})
    assert len(truth) > 3
    result = await call(h, COUNT, {"any_tags": ["vip"]})
    assert (result["total"], result["complete"]) == (len(truth), True)
    assert result["how"][0] == f"any_tags: {TAGS_BY_QUERY}"
    assert result["api_calls"] == (2 if h.strict else 1)  # strict gives no total for a filter: one page read
    tier = await call(h, COUNT, {"pricing_tier_name": "VIP"})
    assert tier["total"] == len(matching(h, {"pricing_tier_name": "VIP"}))


async def test_any_tags_is_either_all_tags_is_both(h: Harness) -> None:
    either = await listed(h, {"any_tags": ["vip", "wholesale"]})
    both = await listed(h, {"all_tags": ["vip", "wholesale"]})
    vip, wholesale = set(matching(h, {"any_tags": ["vip"]})), set(matching(h, {"any_tags": ["wholesale"]}))
    assert set(either) == vip | wholesale and set(both) == vip & wholesale
    assert len(either) > len(both)


# -- ranges -------------------------------------------------------------------------------------------------


def late_evening_signup(h: Harness) -> tuple[int, datetime]:
    """A customer who signed up late in the New York evening: already the next day in UTC."""
    for oid, customer in everyone(h).items():
        moment = datetime.fromisoformat(customer["signup_dts"]).astimezone(NEW_YORK)
        if moment.hour >= 20:
            return oid, moment
    raise AssertionError("no late-evening signup in the demo store")


async def test_date_bounds_are_inclusive_whole_days_in_the_store_time_zone(h: Harness) -> None:
    oid, moment = late_evening_signup(h)
    day = moment.date().isoformat()
    assert moment.astimezone(ZoneInfo("UTC")).date() != moment.date()

    async def found(filters: dict[str, Any]) -> bool:
        truth = oid in matching(h, filters)
        assert (oid in await listed(h, filters)) == truth  # the tool agrees with the documented rule
        return truth

    assert await found({"signup_dts_start": day, "signup_dts_end": day})  # that whole New York day
    sent = parse_qs(h.requests[0].query)
    assert sent["signup_dts_end"] == [f"{day}T23:59:59"]  # closed by the tool, not left to the API
    assert sent["signup_dts_start"] == [day]
    exact = moment.isoformat()
    assert await found({"signup_dts_start": exact, "signup_dts_end": exact})  # both bounds inclusive
    second = timedelta(seconds=1)
    assert not await found({"signup_dts_start": (moment + second).isoformat()})
    assert not await found({"signup_dts_end": (moment - second).isoformat()})
    local = moment.replace(tzinfo=None).isoformat()  # no offset: New York time
    assert await found({"signup_dts_start": local, "signup_dts_end": local})
    next_day = (moment.date() + timedelta(days=1)).isoformat()  # its UTC date: not its store date
    assert not await found({"signup_dts_start": next_day})


async def test_a_bare_end_date_covers_the_day_on_every_tool(h: Harness) -> None:
    year = a_year_with_signups(h)
    filters = {"signup_dts_end": f"{year}-12-31", "signup_dts_start": f"{year}-01-01"}
    truth = matching(h, filters)
    assert (await call(h, COUNT, filters))["total"] == len(truth)
    assert sorted((await exported(h, filters))[0]) == truth
    for request in h.requests:
        assert parse_qs(request.query)["signup_dts_end"] == [f"{year}-12-31T23:59:59"]


# -- 16.5: one meaning of billing_state (and country) everywhere ----------------------------------------------


async def test_state_counts_filters_and_lists_agree(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """count(billing_state=S).total == the by=state count of S == the rows get_customers(billing_state=S)
    returns, for every state S in the store (Texas was 40 one way and 39 the other)."""
    key = "state_region"
    monkeypatch.setattr(count_module, "TOP_VALUES", 100)  # every state in the breakdown, none summed up
    breakdown = await call(h, COUNT, {"by": ["state"]})
    by_value = dict(map(tuple, breakdown["by"]["state"]))
    values = {address[key] for c in everyone(h).values() for address in addresses(c, ("billing",)) if address.get(key)}
    assert set(by_value) == values | {"(none)"}
    several = [c for c in everyone(h).values() if len({a.get(key) for a in addresses(c, ("billing",))}) > 1]
    assert several  # customers with billing addresses in several states: where the two meanings differed
    assert sum(by_value.values()) > CUSTOMERS == breakdown["total"]
    assert "may add up to more than total" in breakdown["how"][-1]
    for value in sorted(values):
        total = (await call(h, COUNT, {"billing_state": value}))["total"]
        listed_rows = len(await listed(h, {"billing_state": value}))
        truth = sum(any(a.get(key) == value for a in addresses(c, ("billing",))) for c in everyone(h).values())
        assert total == by_value[value] == listed_rows == truth, value


async def test_countries_agree_too(h: Harness) -> None:
    breakdown = await call(h, COUNT, {"by": ["country"]})
    by_value = dict(map(tuple, breakdown["by"]["country"]))
    for value in [value for value in by_value if not value.startswith("(")]:
        total = (await call(h, COUNT, {"billing_country_code": value}))["total"]
        assert total == by_value[value] == len(await listed(h, {"billing_country_code": value})), value


async def test_find_narrows_by_any_billing_address(h: Harness) -> None:
    """A customer whose default billing address is in one state and another billing address in a second is
    in both, for find as for every other tool (find used to check the default address only)."""
    customer = next(
        c for c in everyone(h).values() if len({a.get("state_region") for a in addresses(c, ("billing",))}) > 1
    )
    home = primary(customer).get("state_region")
    elsewhere = next(a["state_region"] for a in addresses(customer, ("billing",)) if a["state_region"] != home)
    assert in_billing_state(customer, elsewhere)
    result = await call(h, FIND, {"query": customer["email"], "billing_state": elsewhere})
    assert [row["customer_profile_oid"] for row in rows(result)] == [customer["customer_profile_oid"]]
    assert result["how"][0] == "billing_state: any billing address matches, not only the default"


# -- filters checked here: within max_calls, and saying so ---------------------------------------------------


async def test_has_store_credit_pages_resume_after_the_last_row_shown(h: Harness) -> None:
    truth = matching(h, {"has_store_credit": True})
    assert len(truth) > 10
    assert await listed(h, {"has_store_credit": True}, limit=4) == truth  # in order, each once
    first = await call(h, LIST, {"has_store_credit": True, "limit": 4})
    assert first["how"][0].startswith(CHECKED_HERE)
    assert first["how"][1].startswith("read ") and first["how"][1].endswith("to find these 4")
    assert "total" not in first  # only the matches up to the fourth were seen
    assert first["next_offset"] == sorted(everyone(h)).index(truth[3]) + 1  # the API's position after the 4th
    assert parse_qs(h.requests[0].query)["_expand"] == ["billing,loyalty,shipping,tags"]


@pytest.mark.parametrize("profile", PROFILES)
async def test_partial_answers_within_max_calls_say_the_filter_was_checked_here(
    server_factory: ServerFactory, bigger_db: Path, tmp_path: Path, profile: str
) -> None:
    settings = {"sandbox_db": bigger_db, "sandbox_customers": BIGGER_STORE, "export_dir": tmp_path / "exports"}
    async with connect(server_factory, profile, **settings) as h:
        truth = matching(h, {"has_store_credit": True})
        first_two_pages = [oid for oid in truth if oid in sorted(everyone(h))[:400]]
        assert len(first_two_pages) < len(truth)
        filters = {"has_store_credit": True, "max_calls": 2}

        counted = await call(h, COUNT, filters)
        assert counted["complete"] is False and "total" not in counted
        assert counted["at_least"] == len(first_two_pages)
        assert counted["how"][0].startswith(CHECKED_HERE)
        assert counted["how"][-1] == (
            f"read 400 of {BIGGER_STORE} customers the API's filters match (2 calls) before max_calls ran out; "
            f"{len(first_two_pages)} of them passed the checks made here"
        )
        assert "max_calls=2" in counted["notice"]

        oids, exported_result = await exported(h, filters)
        assert oids == first_two_pages and exported_result["complete"] is False
        assert "total" not in exported_result  # the API's 450 are not the matches
        assert exported_result["how"][-1].startswith("read 400 of 450 customers")
        assert f"first {len(first_two_pages)} customers" in exported_result["notice"]

        page = await call(h, LIST, {"has_store_credit": True, "limit": 200, "max_calls": 1})
        assert [row["customer_profile_oid"] for row in rows(page)] == [oid for oid in truth if oid < 100201]
        assert page["next_offset"] == 200 and "Partial: max_calls=1 ran out" in page["notice"]
        assert "before max_calls ran out" in page["how"][-1]

        ranked = await call(h, RANK, {"has_store_credit": True, "by": "store_credit", "limit": 3, "max_calls": 2})
        best = sorted(first_two_pages, key=lambda oid: (-credit(h, oid), oid))[:3]
        assert [row["customer_profile_oid"] for row in rows(ranked)] == best
        assert ranked["complete"] is False and ranked["next_offset"] == 400 and "total" not in ranked
        assert any(line.startswith(CHECKED_HERE) for line in ranked["how"])
        assert any("before max_calls ran out" in line for line in ranked["how"])

        newest = await call(h, RANK, {"has_store_credit": True, "by": "signup_date", "limit": 3, "max_calls": 1})
        assert newest["complete"] is True and newest["returned"] == 3  # sorted pages: the first held enough


@pytest.mark.parametrize("max_tokens", [200, 300])
async def test_results_with_every_kind_of_filter_fit_a_small_budget_and_still_say_so(
    server_factory: ServerFactory, bigger_db: Path, tmp_path: Path, max_tokens: int
) -> None:
    """how grows with the filters given; under a tight budget it is said in fewer words, never dropped."""
    filters = {
        "has_store_credit": True,
        "any_tags": ["vip", "b2b", "gift-giver"],
        "billing_country_code": "US",
        "shipping_state": "TX",
        "signup_dts_end": "2026-01-01",
    }
    settings = {
        "sandbox_db": bigger_db,
        "sandbox_customers": BIGGER_STORE,
        "export_dir": tmp_path / "exports",
        "max_result_tokens": max_tokens,
    }
    calls = [
        (LIST, {"limit": 50, "max_calls": 1}),
        (LIST, {"limit": 200}),
        (COUNT, {"by": ["state", "tag"], "max_calls": 1}),
        (EXPORT, {"max_calls": 1}),
        (RANK, {"by": "order_total", "limit": 20, "max_calls": 1}),
        (RANK, {"by": "signup_date", "limit": 20}),
    ]
    async with connect(server_factory, "default", **settings) as h:
        for name, arguments in calls:
            result = await call(h, name, {**filters, **arguments})
            assert len(h.text.encode()) / 4 <= max_tokens, (name, arguments, len(h.text.encode()) / 4)
            assert any(line.startswith("has_store_credit=true: checked here") for line in result["how"]), name
            assert any(line.startswith("billing_country_code: any billing address") for line in result["how"])


# -- bad filters ---------------------------------------------------------------------------------------------


BAD_FILTERS = [
    # (arguments, the field the message must name, a value it must not repeat)
    ({"any_tags": "vip-canary"}, "any_tags", "vip-canary"),
    ({"all_tags": ["canary" * 50]}, "all_tags", "canary"),
    ({"any_tags": [f"t{n}" for n in range(21)]}, "any_tags", None),
    ({"signup_dts_start": "2024-02-30"}, "signup_dts_start", "2024-02-30"),
    ({"last_modified_dts_end": "yesterday-canary"}, "last_modified_dts_end", "canary"),
    ({"signup_dts_start": "2025-06-01", "signup_dts_end": "2025-01-31"}, "signup_dts_start", "2025-06-01"),
    ({"has_store_credit": "maybe-canary"}, "has_store_credit", "canary"),
    ({"billing_country_code": "USA"}, "billing_country_code", "USA"),
    ({"pricing_tier_oid": True}, "pricing_tier_oid", None),
    ({"email_list": "newsletter-canary"}, "email_list", "canary"),
]


@pytest.mark.parametrize("name", [LIST, COUNT, EXPORT, RANK])
@pytest.mark.parametrize(("arguments", "field", "value"), BAD_FILTERS)
async def test_bad_filters_are_refused_naming_the_field(
    h: Harness, name: str, arguments: dict[str, Any], field: str, value: str | None
) -> None:
    if name == RANK:
        arguments = {**arguments, "by": "order_total"}
    text = await fail(h, name, arguments)
    assert text.startswith(f"Invalid arguments for {name}: ") and field in text, text
    assert value is None or value not in text
    assert "Traceback" not in text
