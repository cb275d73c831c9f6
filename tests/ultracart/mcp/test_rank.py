"""``ultracart_rank_customers`` (issue 16): the top or bottom N customers by a number their records carry, through
the MCP protocol on both sandbox profiles.

Every answer is checked against ground truth read from the sandbox store itself — store credit from the
store-credit ledger's ``available`` (not from the loyalty field the tool reads), the other values from the
customer documents — never from the tool's own code. The harness of ``test_assist_tools`` also checks that the
tool's ``api_calls`` are the requests the sandbox saw, within ``max_calls``, all GETs, and that every result
validates against the published ``outputSchema``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.ultracart.mcp.conftest import BIGGER_STORE, CUSTOMERS, ServerFactory
from tests.ultracart.mcp.test_assist_tools import PROFILES, Harness, connect, everyone, in_billing_state, rows
from uc_mcp.ultracart.tools import rank as rank_module

pytestmark = pytest.mark.anyio

RANK = "ultracart_rank_customers"
BY = ("store_credit", "order_total", "order_count", "loyalty_points", "signup_date")
COLUMN = {
    "store_credit": "store_credit_available",
    "order_total": "order_total",
    "order_count": "order_count",
    "loyalty_points": "loyalty_points",
    "signup_date": "signup_dts",
}
FIELD = {
    "store_credit": "loyalty.internal_gift_certificate_balance",
    "order_total": "orders_summary.total",
    "order_count": "orders_summary.order_count",
    "loyalty_points": "loyalty.current_points",
    "signup_date": "signup_dts",
}
TIE_BREAK = "ties: the lower customer_profile_oid ranks first"


@pytest.fixture(params=PROFILES)
async def h(request: pytest.FixtureRequest, server_factory: ServerFactory) -> AsyncIterator[Harness]:
    async with connect(server_factory, request.param) as harness:
        yield harness


# -- ground truth ---------------------------------------------------------------------------------------


def truth(h: Harness, by: str, oids: Iterable[int] | None = None) -> dict[int, Any]:
    """Each customer's value for ``by``, read from the store: store credit from the ledger (``available``),
    the rest from the customer document (0 where the document has none)."""
    store = h.store
    wanted = sorted(everyone(h)) if oids is None else list(oids)
    values: dict[int, Any] = {}
    for oid in wanted:
        if by == "store_credit":
            values[oid] = Decimal(str(store.get_store_credit(oid)["available"]))
            continue
        customer = store.get_customer(oid, "loyalty,orders_summary")
        summary, loyalty = customer.get("orders_summary") or {}, customer.get("loyalty") or {}
        if by == "order_total":
            values[oid] = Decimal(str(summary.get("total", 0)))
        elif by == "order_count":
            values[oid] = summary.get("order_count", 0)
        elif by == "loyalty_points":
            values[oid] = loyalty.get("current_points", 0)
        else:
            values[oid] = datetime.fromisoformat(customer["signup_dts"])
    return values


def top(values: Mapping[int, Any], order: str, limit: int) -> list[int]:
    """The oids of the best ``limit`` by value, ties to the lower oid, in either order."""
    if order == "desc":
        return sorted(values, key=lambda oid: (values[oid], -oid), reverse=True)[:limit]
    return sorted(values, key=lambda oid: (values[oid], oid))[:limit]


def tied_at_the_cut(values: Mapping[int, Any], order: str, limit: int) -> bool:
    ranked = top(values, order, limit + 1)
    return len(ranked) > limit and values[ranked[limit - 1]] == values[ranked[limit]]


def as_truth(by: str, shown: Any) -> Any:
    """A value as the result shows it, in the type of ``truth``."""
    if by == "signup_date":
        return datetime.fromisoformat(shown)
    return Decimal(str(shown)) if by in ("store_credit", "order_total") else shown


def assert_ranking(result: Mapping[str, Any], by: str, values: Mapping[int, Any], order: str, limit: int) -> None:
    """The result's rows are the true top ``limit`` of ``values``, ranked 1..n, each with its true value."""
    table = rows(result)
    assert result["columns"] == ["rank", "customer_profile_oid", "email", "name", COLUMN[by]]
    assert [row["customer_profile_oid"] for row in table] == top(values, order, limit), table
    assert [row["rank"] for row in table] == list(range(1, len(table) + 1))
    for row in table:
        assert as_truth(by, row[COLUMN[by]]) == values[row["customer_profile_oid"]], row
    assert result["returned"] == len(table) == min(limit, len(values))


def query_of(h: Harness, index: int = 0) -> dict[str, list[str]]:
    return parse_qs(h.requests[index].query)


# -- the true top N, for every value, both orders ----------------------------------------------------------


@pytest.mark.parametrize("order", ["desc", "asc"])
@pytest.mark.parametrize("by", BY)
async def test_ranks_every_customer_like_the_store(h: Harness, by: str, order: str) -> None:
    result = await h.call(RANK, {"by": by, "order": order, "limit": 7})
    values = truth(h, by)
    assert_ranking(result, by, values, order, 7)
    assert (result["complete"], result["total"], result["examined"]) == (True, CUSTOMERS, CUSTOMERS)
    assert result["api_calls"] == 1  # 60 customers: one page, or one sorted page
    assert result["ranked_by"].startswith(FIELD[by] + ":") and result["order"] == order
    assert result["how"][-1] == TIE_BREAK and result["next_offset"] is None
    tie = f"Rank 7 ties with a customer not shown (same {COLUMN[by]}); raise limit to see the tie."
    assert result.get("notice") == (tie if tied_at_the_cut(values, order, 7) else None)


async def test_signup_date_is_sorted_by_the_api(h: Harness) -> None:
    result = await h.call(RANK, {"by": "signup_date", "limit": 3})
    query = query_of(h)
    assert query["_sort"] == ["-signup_dts,+customer_profile_oid"] and query["_limit"] == ["4"]  # one past the cut
    assert result["how"][0] == (
        f"sorted by the API (_sort=-signup_dts,+customer_profile_oid) over all {CUSTOMERS} matching customers: 1 call"
    )


@pytest.mark.parametrize(("by", "expansion"), [("store_credit", "loyalty"), ("order_count", "orders_summary")])
async def test_other_values_are_read_with_only_their_expansion(h: Harness, by: str, expansion: str) -> None:
    result = await h.call(RANK, {"by": by})
    query = query_of(h)
    assert query["_expand"] == [",".join(sorted(["billing", "shipping", expansion]))] and "_sort" not in query
    assert query["_limit"] == ["200"]
    assert f"compared {CUSTOMERS} of {CUSTOMERS} matching customers in 1 call" in result["how"]
    assumption = "the internal gift certificate's balance is the store-credit endpoint's available"
    assert any(assumption in line for line in result["how"]) == (by == "store_credit")


# -- filters -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["store_credit", "order_total", "signup_date"])
async def test_within_a_filter(h: Harness, by: str) -> None:
    texans = {oid for oid, customer in everyone(h).items() if in_billing_state(customer, "TX")}
    assert 3 < len(texans) < CUSTOMERS
    result = await h.call(RANK, {"by": by, "billing_state": "tx", "limit": 3})  # a code in lower case, as typed
    assert query_of(h)["billing_state"] == ["TX"]
    assert_ranking(result, by, truth(h, by, texans), "desc", 3)
    assert result["complete"] is True and result["api_calls"] == 1
    if h.strict and by == "signup_date":  # no total_records with a filter, and the API compared them itself
        assert "total" not in result and "examined" not in result
        assert result["how"][0] == "billing_state: any billing address matches, not only the default"
        assert result["how"][1].endswith("over all matching customers: 1 call")
    else:  # given by the API, or counted by reading them all
        assert result["total"] == len(texans)


async def test_a_filter_nobody_matches_is_an_empty_complete_ranking(h: Harness) -> None:
    result = await h.call(RANK, {"by": "loyalty_points", "email": "nobody-at-all@nowhere.example"})
    assert (result["items"], result["returned"], result["complete"]) == ([], 0, True)
    assert result["total"] == 0


@pytest.mark.parametrize("by", ["signup_date", "order_total"])
async def test_within_tags_the_query_endpoint_ranks(h: Harness, by: str) -> None:
    """Tags filter only on the query endpoint: a ranking within a tag is one call there, sorted or read."""
    vips = {oid for oid, customer in everyone(h).items() if "vip" in {t["tag_value"] for t in customer["tags"]}}
    assert 3 < len(vips) < CUSTOMERS
    result = await h.call(RANK, {"by": by, "any_tags": ["vip"], "limit": 3})
    assert_ranking(result, by, truth(h, by, vips), "desc", 3)
    assert [request.path.rsplit("/", 1)[-1] for request in h.requests] == ["query"]
    assert result["how"][0].startswith("any_tags: sent to POST /customer/customers/query")


async def test_signup_date_within_a_filter_checked_here_reads_sorted_pages_and_resumes(h: Harness) -> None:
    """has_store_credit is no API filter: the API's sorted pages are read until limit + 1 customers pass, and
    offset (refused otherwise for signup_date) resumes in the API's sorted list."""
    holders = {oid for oid, credit in truth(h, "store_credit").items() if credit > 0}
    result = await h.call(RANK, {"by": "signup_date", "has_store_credit": True, "limit": 3})
    assert_ranking(result, "signup_date", truth(h, "signup_date", holders), "desc", 3)
    query = query_of(h)
    assert query["_sort"] == ["-signup_dts,+customer_profile_oid"] and query["_limit"] == ["200"]
    assert "loyalty" in query["_expand"][0].split(",")
    assert result["how"][0].startswith("has_store_credit=true: checked here")
    assert result["complete"] is True

    signups = truth(h, "signup_date")
    newest_first = sorted(signups, key=lambda oid: (signups[oid], -oid), reverse=True)
    later = {oid for oid in newest_first[10:] if oid in holders}
    rest = await h.call(RANK, {"by": "signup_date", "has_store_credit": True, "limit": 3, "offset": 10})
    assert_ranking(rest, "signup_date", truth(h, "signup_date", later), "desc", 3)
    assert query_of(h)["_offset"] == ["10"]


# -- ties ------------------------------------------------------------------------------------------------------


async def test_ties_go_to_the_lower_oid_and_a_tie_at_the_cut_is_said(h: Harness) -> None:
    credit = truth(h, "store_credit")
    most = max(credit.values())
    low, high = 100044, 100012  # given the same balance, above everyone else's
    for oid in (high, low):
        h.store.add_store_credit(oid, {"amount": float(most + 100 - credit[oid])})
    credit = truth(h, "store_credit")
    assert credit[low] == credit[high] == most + 100

    result = await h.call(RANK, {"by": "store_credit", "limit": 1})
    assert [row["customer_profile_oid"] for row in rows(result)] == [min(low, high)]
    assert result["notice"] == (
        "Rank 1 ties with a customer not shown (same store_credit_available); raise limit to see the tie."
    )
    result = await h.call(RANK, {"by": "store_credit", "limit": 2})
    assert [row["customer_profile_oid"] for row in rows(result)] == sorted((low, high))
    assert "notice" not in result  # rank 3 holds less

    # Most customers hold no store credit: the least are a long tie at 0, ranked by oid.
    result = await h.call(RANK, {"by": "store_credit", "order": "asc", "limit": 5})
    assert_ranking(result, "store_credit", credit, "asc", 5)
    assert {row["store_credit_available"] for row in rows(result)} == {0}
    assert "Rank 5 ties" in result["notice"]


async def test_store_credit_is_the_available_balance_not_the_lifetime_total(h: Harness) -> None:
    # The most credited customer ever, but none of it usable yet (vesting), and one who spent most of theirs.
    vesting, spent = 100050, 100057
    h.store.add_store_credit(vesting, {"amount": 5000, "vesting_days": 30})
    before = h.store.get_store_credit(spent)["available"]
    h.store.adjust_cashback(spent, {"adjustment_amount": round(1 - before, 2)})
    ledger = {oid: h.store.get_store_credit(oid) for oid in (vesting, spent)}
    assert ledger[vesting]["total"] >= 5000 and ledger[spent]["available"] == 1

    result = await h.call(RANK, {"by": "store_credit", "limit": 10})
    assert_ranking(result, "store_credit", truth(h, "store_credit"), "desc", 10)
    assert not {vesting, spent} & {row["customer_profile_oid"] for row in rows(result)}


# -- partial answers ---------------------------------------------------------------------------------------------


async def test_partial_when_max_calls_runs_out_and_how_to_finish(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rank_module, "PAGE", 7)  # 60 customers: 9 pages
    values = truth(h, "order_total")
    first = await h.call(RANK, {"by": "order_total", "limit": 4, "max_calls": 3})
    assert (first["complete"], first["examined"], first["total"], first["next_offset"]) == (False, 21, CUSTOMERS, 21)
    assert first["api_calls"] == 3
    seen = sorted(values)[:21]  # the API's default order is by oid
    assert_ranking(first, "order_total", {oid: values[oid] for oid in seen}, "desc", 4)
    assert f"compared 21 of {CUSTOMERS} matching customers in 3 calls, then max_calls ran out" in first["how"]
    assert first["notice"] == (
        f"Partial: max_calls=3 ran out after 21 of {CUSTOMERS} matching customers, so this ranks only those. To rank "
        "them all, call again with max_calls=9, or call again with offset=21 and merge (the best 4 of both answers "
        "together are the best 4 of all). Or narrow the filter."
    )

    rest = await h.call(RANK, {"by": "order_total", "limit": 4, "max_calls": 9, "offset": first["next_offset"]})
    assert (rest["complete"], rest["examined"], rest["next_offset"]) == (False, CUSTOMERS - 21, None)
    assert "from offset 21 on" in rest["notice"] and "merge" in rest["notice"]
    assert_ranking(rest, "order_total", {oid: values[oid] for oid in sorted(values)[21:]}, "desc", 4)
    merged = sorted(
        rows(first) + rows(rest),
        key=lambda row: (-as_truth("order_total", row["order_total"]), row["customer_profile_oid"]),
    )
    assert [row["customer_profile_oid"] for row in merged[:4]] == top(values, "desc", 4)

    whole = await h.call(RANK, {"by": "order_total", "limit": 4, "max_calls": 9})
    assert whole["complete"] is True and whole["api_calls"] == 9
    assert_ranking(whole, "order_total", values, "desc", 4)


async def test_partial_without_a_total_says_so(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rank_module, "PAGE", 7)
    americans = {
        oid for oid, c in everyone(h).items() if any(a.get("country_code") == "US" for a in c.get("billing") or [])
    }
    assert len(americans) > 7
    result = await h.call(RANK, {"by": "loyalty_points", "billing_country_code": "US", "max_calls": 1})
    assert (result["complete"], result["examined"], result["next_offset"]) == (False, 7, 7)
    if h.strict:  # no total_records with a filter: how many are left is unknown
        assert "total" not in result
        assert result["notice"].startswith("Partial: max_calls=1 ran out after 7 matching customers")
        assert "max_calls=" not in result["notice"].split("ran out", 1)[1]  # no number of calls to suggest
        assert "offset=7" in result["notice"]
    else:
        assert result["total"] == len(americans)


async def test_partial_on_a_bigger_store(server_factory: ServerFactory, bigger_db: Path) -> None:
    for profile in PROFILES:
        async with connect(server_factory, profile, sandbox_db=bigger_db, sandbox_customers=BIGGER_STORE) as h:
            values = truth(h, "store_credit")
            assert len(values) == BIGGER_STORE
            result = await h.call(RANK, {"by": "store_credit", "limit": 3, "max_calls": 1})
            assert (result["complete"], result["examined"], result["total"]) == (False, 200, BIGGER_STORE)
            assert_ranking(result, "store_credit", {oid: values[oid] for oid in sorted(values)[:200]}, "desc", 3)
            assert "max_calls=3, or call again with offset=200" in result["notice"]

            result = await h.call(RANK, {"by": "store_credit", "limit": 3, "max_calls": 3})
            assert (result["complete"], result["examined"], result["api_calls"]) == (True, BIGGER_STORE, 3)
            assert_ranking(result, "store_credit", values, "desc", 3)

            result = await h.call(RANK, {"by": "signup_date", "limit": 3, "max_calls": 1})  # sorted by the API
            assert (result["complete"], result["examined"]) == (True, BIGGER_STORE)
            assert_ranking(result, "signup_date", truth(h, "signup_date"), "desc", 3)


def test_the_heap_never_holds_more_than_it_keeps() -> None:
    best = rank_module.Best(keep=3, descending=True, column="order_count", whole=True)
    for oid in range(1, 1001):
        best.offer({"customer_profile_oid": oid, "email": f"c{oid}@example.com"}, Decimal(oid % 97))
        assert len(best.heap) <= 3
    assert [(row["customer_profile_oid"], row["order_count"]) for row in best.ranked()] == [
        (96, 96),
        (193, 96),
        (290, 96),
    ]


# -- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "by"),
        ({"by": "shoe_size-canary"}, "by"),
        ({"by": "store_credit", "order": "sideways-canary"}, "order"),
        ({"by": "store_credit", "limit": 0}, "limit"),
        ({"by": "store_credit", "limit": 51}, "limit"),
        ({"by": "store_credit", "limit": True}, "limit"),
        ({"by": "store_credit", "max_calls": 0}, "max_calls"),
        ({"by": "store_credit", "offset": -1}, "offset"),
        ({"by": "store_credit", "signup_dts_start": "last week-canary"}, "signup_dts_start"),
        ({"by": "store_credit", "sort": ["-email"]}, "sort"),
        ({"by": "signup_date", "offset": 200}, "offset"),  # sorted by the API: never partial, nothing to resume
    ],
)
async def test_bad_input_names_the_field_and_calls_nothing(h: Harness, arguments: dict[str, Any], field: str) -> None:
    message = await h.fail(RANK, arguments)
    assert message.startswith(f"Invalid arguments for {RANK}: {field}") or message.startswith(f"{RANK}: {field}:")
    assert "canary" not in message and "Traceback" not in message
    assert h.requests == []


# -- the result budget ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_tokens", [200, 300])
async def test_results_fit_a_small_budget(
    server_factory: ServerFactory, max_tokens: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rank_module, "PAGE", 7)
    calls = [
        {"by": "store_credit", "limit": 50, "max_calls": 9},  # complete, 50 rows: cut to fit
        {"by": "order_total", "limit": 50, "max_calls": 2},  # partial and cut
        {"by": "loyalty_points", "order": "asc", "limit": 50, "max_calls": 1},  # partial, 7 ranked
        {"by": "signup_date", "limit": 50},
    ]
    for profile in PROFILES:
        async with connect(server_factory, profile, max_result_tokens=max_tokens) as h:
            for arguments in calls:
                result = await h.call(RANK, arguments)
                assert len(h.text.encode()) / 4 <= max_tokens, (arguments, len(h.text.encode()))
                shown = result["returned"]
                assert shown >= 1, result  # the answer first: how and the notices are shortened before rows go
                ranked = min(50, result["examined"])
                cut = f"Showing ranks 1-{shown} of {ranked}: the rest did not fit the result budget."
                assert (cut in result.get("notice", "")) == (shown < ranked), result
                if ranked == 50:  # 50 rows never fit these budgets
                    assert shown < ranked
                assert_ranking(
                    result,
                    arguments["by"],
                    truth(h, arguments["by"], _examined(h, result)),
                    arguments.get("order", "desc"),
                    shown,
                )
                if not result["complete"]:
                    assert result["notice"].startswith("Partial: ")


def _examined(h: Harness, result: Mapping[str, Any]) -> list[int]:
    """The oids a (possibly partial) ranking from offset 0 compared: the first ``examined`` by oid."""
    return sorted(everyone(h))[: result.get("examined", CUSTOMERS)]


async def test_fifty_rows_fit_the_default_budget(h: Harness) -> None:
    result = await h.call(RANK, {"by": "order_total", "limit": 50})
    assert result["returned"] == 50 and "notice" not in result
    assert_ranking(result, "order_total", truth(h, "order_total"), "desc", 50)
