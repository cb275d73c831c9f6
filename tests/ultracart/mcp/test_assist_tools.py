"""The assist tools (issue 6) answering support questions, through the MCP protocol, on both sandbox profiles.

``ultracart_find_customers``, ``ultracart_customer_overview``, ``ultracart_count_customers`` and
``ultracart_rank_customers`` are called through the SDK's in-memory client on the seeded sandbox, once with its generous ``default`` profile and once
with ``strict`` (exact, case-sensitive filters; no ``total_records`` when a filter is set). Every answer is
checked three ways:

- content: against ground truth computed here from the sandbox store itself (every customer read with
  ``store.get_customer``), never from the tools' own matching or counting code;
- cost: the requests the sandbox received are recorded by wrapping its ASGI app, and must equal the tool's
  own ``api_calls``, stay within ``max_calls`` (4 for the overview), and all be reads (GET);
- shape: every successful result validates against the tool's published ``outputSchema``.

Example questions from the issue: "who is the customer with phone ending 4471?" (a phone ending the store
has), "how many customers in Texas signed up this year?", "what does Jane have in store credit and on her
wishlist?", "which three customers hold the most store credit?" (the whole ranking: tests/ultracart/mcp/test_rank.py).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from inline_snapshot import snapshot
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import Tool

from tests.support.mcp import Request, failed, rows, succeeded, text_of, watch
from tests.ultracart.mcp.conftest import CUSTOMERS, ServerFactory
from uc_mcp.server import runtime_of
from uc_mcp.ultracart.sandbox.clock import STORE_TZ
from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions
from uc_mcp.ultracart.sandbox.store import SandboxStore
from uc_mcp.ultracart.tools import count as count_module
from uc_mcp.ultracart.tools.find import PHONE_FILTERS

pytestmark = pytest.mark.anyio

PROFILES = ("default", "strict")
FIND = "ultracart_find_customers"
OVERVIEW = "ultracart_customer_overview"
COUNT = "ultracart_count_customers"
RANK = "ultracart_rank_customers"
DEFAULT_MAX_CALLS = 8  # MaxCalls' default
OVERVIEW_MAX_CALLS = 4
JANE, JANE_DUP, JOHN, JON, JOSE = 100001, 100002, 100003, 100004, 100006
JANE_EMAIL = "jane@example.com"
BIG_STORE = 1000
EXPANSION = "billing,shipping,tags,pricing_tiers"
QUERY_PATH = "/customer/customers/query"
BILLING_STATE_MEANING = "billing_state: any billing address matches, not only the default"


# -- the harness: a connected client and the sandbox's request log ------------------------------------


@dataclass(slots=True)
class Harness:
    """One server on one profile: its client, its store, and every request its sandbox received."""

    client: Client
    store: SandboxStore
    profile: str
    tools: dict[str, Tool]
    requests: list[Request] = field(default_factory=list)
    truth: dict[int, dict[str, Any]] | None = None  # every customer, read once (``everyone``)
    text: str = ""  # the text content of the last successful call

    @property
    def strict(self) -> bool:
        return self.profile == "strict"

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Call a tool that must succeed: valid against its outputSchema, its api_calls what the sandbox saw."""
        self.requests.clear()
        structured, self.text = succeeded(await self.client.call_tool(name, arguments), self.tools[name])
        limit = OVERVIEW_MAX_CALLS if name == OVERVIEW else arguments.get("max_calls", DEFAULT_MAX_CALLS)
        assert structured["api_calls"] == len(self.requests) <= limit, self.requests
        # Read-only tools only read: GETs, and the query endpoint (a POST under the customer_read scope).
        assert all(request.method == "GET" or request.path.endswith(QUERY_PATH) for request in self.requests)
        return structured

    async def fail(self, name: str, arguments: dict[str, Any]) -> str:
        self.requests.clear()
        return failed(await self.client.call_tool(name, arguments))


def everyone(h: Harness) -> dict[int, dict[str, Any]]:
    """Ground truth: every customer in the store, read from the store itself (not through the API or a tool)."""
    if h.truth is None:
        with h.store._lock:  # the store's own connection; reads only
            oids = [int(row[0]) for row in h.store._conn.execute("SELECT oid FROM customer ORDER BY oid")]
        h.truth = {oid: h.store.get_customer(oid, EXPANSION) for oid in oids}
    return h.truth


@asynccontextmanager
async def connect(server_factory: ServerFactory, profile: str, **settings: Any) -> AsyncIterator[Harness]:
    server: MCPServer = server_factory(sandbox_profile=profile, **settings)
    runtime = runtime_of(server)
    runtime.client()  # open the sandbox now, so that its requests can be watched from the first call
    sandbox: Sandbox = runtime.sandbox
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        harness = Harness(client, sandbox.store, profile, tools)
        watch(sandbox, harness.requests)
        yield harness


@pytest.fixture(params=PROFILES)
async def h(request: pytest.FixtureRequest, server_factory: ServerFactory) -> AsyncIterator[Harness]:
    async with connect(server_factory, request.param) as harness:
        yield harness


@pytest.fixture(scope="module")
def big_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.sqlite3"
    Sandbox(SandboxOptions(db=path, customers=BIG_STORE)).close()
    return path


@pytest.fixture
def big_db(big_seed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "big.sqlite3"
    shutil.copyfile(big_seed, copy)
    return copy


# -- ground truth helpers -------------------------------------------------------------------------------


def addresses(customer: Mapping[str, Any], kinds: Iterable[str] = ("billing", "shipping")) -> list[dict[str, Any]]:
    return [address for kind in kinds for address in customer.get(kind) or []]


def primary(customer: Mapping[str, Any]) -> Mapping[str, Any]:
    """Default billing, else first billing, else default shipping, else first shipping (the list view's rule)."""
    for kind, flag in (("billing", "default_billing"), ("shipping", "default_shipping")):
        entries = customer.get(kind) or []
        for entry in entries:
            if entry.get(flag) is True:
                return entry  # type: ignore[no-any-return]
        if entries:
            return entries[0]  # type: ignore[no-any-return]
    return {}


def phone_digits(customer: Mapping[str, Any]) -> list[str]:
    return [
        re.sub(r"\D", "", address.get(kind) or "")
        for address in addresses(customer)
        for kind in ("day_phone", "evening_phone")
        if address.get(kind)
    ]


def with_phone_ending(customers: Mapping[int, Mapping[str, Any]], ending: str) -> set[int]:
    return {oid for oid, c in customers.items() if any(d.endswith(ending) for d in phone_digits(c))}


def in_billing_state(customer: Mapping[str, Any], state: str) -> bool:
    return any(address.get("state_region") == state for address in addresses(customer, ("billing",)))


def breakdown(customers: Iterable[Mapping[str, Any]], dimension: str) -> Counter[str]:
    """The counts by dimension; by state (country): once under every distinct state (country) of the customer's
    billing addresses, the billing_state (billing_country_code) filter's meaning."""
    counter: Counter[str] = Counter()
    for c in customers:
        if dimension in ("state", "country"):
            key = "state_region" if dimension == "state" else "country_code"
            counter.update({a[key] for a in addresses(c, ("billing",)) if a.get(key)} or {"(none)"})
        elif dimension == "signup_year":
            counter[c["signup_dts"][:4]] += 1
        else:
            key, inner = ("tags", "tag_value") if dimension == "tag" else ("pricing_tiers", "name")
            counter.update([entry[inner] for entry in c.get(key) or []] or ["(none)"])
    return counter


def assert_breakdown(pairs: list[Any], truth: Counter[str], *, top: int = 25) -> None:
    """``pairs`` are the ``top`` largest values of ``truth`` (ties in any order), the rest summed in one pair."""
    shown = {value: count for value, count in pairs if not value.startswith("(") or value == "(none)"}
    rest = [count for value, count in pairs if value not in shown]
    assert all(truth[value] == count for value, count in shown.items()), (shown, truth)
    assert len(shown) == min(top, len(truth))
    hidden = {value: count for value, count in truth.items() if value not in shown}
    assert all(count <= min(shown.values()) for count in hidden.values())
    assert rest == ([sum(hidden.values())] if hidden else [])
    assert sum(count for _, count in pairs) == sum(truth.values())


# -- find: "who is this customer?" ----------------------------------------------------------------------


async def test_find_by_exact_email_is_one_call(h: Harness) -> None:
    result = await h.call(FIND, {"query": JANE_EMAIL})
    assert result["columns"] == snapshot(
        [
            "customer_profile_oid",
            "email",
            "name",
            "company",
            "city",
            "state",
            "country",
            "signup_date",
            "last_modified_date",
            "tag_count",
            "matched",
        ]
    )
    first = rows(result)[0]
    assert (first["customer_profile_oid"], first["email"], first["matched"]) == (JANE, JANE_EMAIL, "email (exact)")
    assert result["interpreted_as"] == "email"
    assert result["how"] == snapshot(["exact email lookup: found"])
    assert (result["api_calls"], result["complete"]) == (1, True)
    assert [request.path.rsplit("/", 2)[-2:] for request in h.requests] == [["by_email", JANE_EMAIL]]


async def test_find_by_an_email_in_another_case(h: Harness) -> None:
    result = await h.call(FIND, {"query": "Jane@Example.COM"})
    assert [(row["customer_profile_oid"], row["matched"]) for row in rows(result)] == [(JANE, "email (exact)")]
    assert result["api_calls"] == 1


@pytest.mark.parametrize("query", ["example.co.uk", "jane.doe@", "SMITH@EXAMPLE"])
async def test_find_by_partial_email_finds_every_such_address(h: Harness, query: str) -> None:
    truth = {oid for oid, c in everyone(h).items() if query.casefold() in c["email"].casefold()}
    assert truth  # the store has such customers
    result = await h.call(FIND, {"query": query})
    assert result["interpreted_as"] == "partial email"
    by_email = {row["customer_profile_oid"] for row in rows(result) if row["matched"].startswith("email")}
    assert by_email == truth
    assert result["complete"] is True
    if h.strict:  # an exact email filter cannot match part of an address: the pages were scanned
        assert any(step.startswith("scanned all") for step in result["how"]), result["how"]


async def test_find_by_full_name_ranks_the_exact_name_first(h: Harness) -> None:
    for query in ("Jon Smith", "jon smith"):  # strict must find the lower-case one too (capitalised filter)
        result = await h.call(FIND, {"query": query})
        found = rows(result)
        assert (found[0]["customer_profile_oid"], found[0]["matched"]) == (JON, "name (exact)"), found
        assert all(row["customer_profile_oid"] != JOHN or row["matched"] != "name (exact)" for row in found)
        assert result["interpreted_as"] == "name" and result["complete"] is True


async def test_find_by_last_name_in_lower_case_finds_every_smith(h: Harness) -> None:
    truth = {
        oid
        for oid, c in everyone(h).items()
        if any((a.get("last_name") or "").casefold() == "smith" for a in addresses(c))
    }
    assert {JOHN, JON} <= truth
    result = await h.call(FIND, {"query": "smith"})
    exact = {row["customer_profile_oid"] for row in rows(result) if row["matched"] == "last name (exact)"}
    assert exact == truth
    assert rows(result)[0]["matched"] == "last name (exact)"  # exact last names rank above "email (contains)"
    assert result["complete"] is True


def pick_phone_ending(customers: Mapping[int, Mapping[str, Any]]) -> tuple[str, set[int]]:
    """A 4-digit ending shared by several customers, at least one of whom has it only on an evening or shipping
    phone (so one billing_day_phone filter cannot be the whole answer)."""
    endings = sorted({digits[-4:] for c in customers.values() for digits in phone_digits(c) if len(digits) >= 4})
    for ending in endings:
        truth = with_phone_ending(customers, ending)
        billing_day = {
            oid
            for oid in truth
            if any(
                re.sub(r"\D", "", a.get("day_phone") or "").endswith(ending)
                for a in addresses(customers[oid], ("billing",))
            )
        }
        if 2 <= len(truth) <= 10 and billing_day != truth:
            return ending, truth
    raise AssertionError("the seeded store has no suitable phone ending")


async def test_find_by_phone_ending_finds_every_phone_field(h: Harness) -> None:
    ending, truth = pick_phone_ending(everyone(h))
    result = await h.call(FIND, {"query": ending, "max_calls": 10})
    by_phone = {
        row["customer_profile_oid"]
        for row in rows(result)
        if row["matched"] == "phone (exact)" or row["matched"].startswith("phone (ends with")
    }
    assert by_phone == truth
    assert result["interpreted_as"] in ("phone", "oid") and result["complete"] is True
    if h.strict:  # exact phone filters cannot match an ending: the answer came from the scan
        assert result["how"][-1] == f"scanned all {CUSTOMERS} customers (1 page(s)): {len(truth)} match(es)"


async def test_find_by_a_formatted_phone_number(h: Harness) -> None:
    result = await h.call(FIND, {"query": "(303) 555-0191"})  # Mallory's billing day phone
    assert (rows(result)[0]["email"], rows(result)[0]["matched"]) == ("mallory.injector@example.net", "phone (exact)")
    assert result["interpreted_as"] == "phone"


async def test_find_by_oid_also_tries_the_number_as_a_phone_ending(h: Harness) -> None:
    result = await h.call(FIND, {"query": str(JON)})
    assert [(row["customer_profile_oid"], row["matched"]) for row in rows(result)] == [(JON, "customer_profile_oid")]
    assert (result["interpreted_as"], result["api_calls"], result["complete"]) == ("oid", 5, True)
    assert h.requests[0].path.endswith(f"/customer/customers/{JON}")  # the oid first, then the four phone filters
    assert [line.split(":")[0] for line in result["how"][1:5]] == [f"{name} filter" for name in PHONE_FILTERS]
    assert result["how"][-1] == f"not scanned for phone endings (customer {JON} exists); to search phones only, " + (
        f"call again with query='-{JON}'"
    )


async def test_a_number_that_is_an_oid_and_a_phone_ending_finds_both(h: Harness) -> None:
    other = next(oid for oid in everyone(h) if oid != JON)
    phone = f"+1 303 55{JON}"  # ends with JON's oid
    updated = await h.client.call_tool(
        "ultracart_update_customer", {"customer_profile_oid": other, "changes": {"billing": [{"day_phone": phone}]}}
    )
    assert not updated.is_error, text_of(updated)
    result = await h.call(FIND, {"query": str(JON)})
    found = [(row["customer_profile_oid"], row["matched"]) for row in rows(result)]
    assert found[0] == (JON, "customer_profile_oid")
    if h.strict:  # the phone filters match whole numbers only, and an oid hit is not followed by a scan
        assert len(found) == 1 and "query='-" in result["how"][-1]
        result = await h.call(FIND, {"query": f"-{JON}"})  # the way the result suggests
        assert result["interpreted_as"] == "phone"
        found = [(row["customer_profile_oid"], row["matched"]) for row in rows(result)]
    assert any(oid == other and reason.startswith("phone") for oid, reason in found), found


async def test_find_nothing_says_so_and_is_complete(h: Harness) -> None:
    result = await h.call(FIND, {"query": "Qwxzy"})
    assert result["items"] == [] and result["returned"] == 0
    assert result["complete"] is True
    assert "No customer matched" in result["notice"]
    # Four capitalised filters, then the whole store scanned: nothing was left untried.
    assert result["how"][-1] == f"scanned all {CUSTOMERS} customers (1 page(s)): 0 match(es)"
    assert result["api_calls"] == 5


async def test_find_with_scan_off_does_not_scan(h: Harness) -> None:
    result = await h.call(FIND, {"query": "Qwxzy", "scan": False})
    assert result["api_calls"] == 4 and not any(step.startswith("scanned") for step in result["how"])


@pytest.mark.parametrize("max_calls", [1, 2])
async def test_find_stops_at_max_calls_with_a_partial_answer(h: Harness, max_calls: int) -> None:
    result = await h.call(FIND, {"query": "Qwxzy", "max_calls": max_calls})
    assert result["complete"] is False
    assert result["api_calls"] == max_calls
    assert f"max_calls={max_calls}" in result["notice"] and "higher max_calls" in result["notice"]
    assert result["how"][-1].startswith("stopped before") and result["how"][-1].endswith(
        f"max_calls={max_calls} reached"
    )


async def test_find_partial_answer_keeps_what_was_found(h: Harness) -> None:
    result = await h.call(FIND, {"query": "smith", "max_calls": 1})  # the last-name filter, then out of calls
    assert result["complete"] is False
    assert {JOHN, JON} <= {row["customer_profile_oid"] for row in rows(result)}


async def test_find_narrowed_by_billing_state(h: Harness) -> None:
    result = await h.call(FIND, {"query": "smith", "billing_state": "OR"})
    truth = {
        oid
        for oid, c in everyone(h).items()
        if in_billing_state(c, "OR") and any((a.get("last_name") or "").casefold() == "smith" for a in addresses(c))
    }
    assert {row["customer_profile_oid"] for row in rows(result)} == truth == {JON}
    assert result["how"][0] == BILLING_STATE_MEANING
    assert all("billing_state=OR" in request.query for request in h.requests)


@pytest.mark.parametrize("state", ["or", "Or"])
async def test_a_state_code_in_lower_case_narrows_like_the_code(h: Harness, state: str) -> None:
    # The strict profile matches filters exactly: "or" finds nobody unless the tool sends the code as "OR".
    result = await h.call(FIND, {"query": "smith", "billing_state": state})
    assert {row["customer_profile_oid"] for row in rows(result)} == {JON}
    assert all("billing_state=OR" in request.query for request in h.requests)
    counted = await h.call(COUNT, {"billing_state": state.lower()})
    assert counted["total"] == sum(in_billing_state(c, "OR") for c in everyone(h).values())


async def test_find_exact_email_outside_the_state_is_not_shown(h: Harness) -> None:
    result = await h.call(FIND, {"query": JANE_EMAIL, "billing_state": "WA"})  # Jane is in Texas
    assert result["items"] == [] and result["complete"] is True
    assert "No customer matched" in result["notice"]


# -- overview: "what does Jane have in store credit and on her wishlist?" -----------------------------


@pytest.mark.parametrize("key", ["email", "customer_profile_oid"])
async def test_overview_of_jane(h: Harness, key: str) -> None:
    arguments: dict[str, Any] = {"email": JANE_EMAIL} if key == "email" else {"customer_profile_oid": JANE}
    result = await h.call(OVERVIEW, arguments)
    assert result["api_calls"] == len(h.requests) == 3
    jane = h.store.get_customer(JANE, "billing,shipping,tags,pricing_tiers,orders_summary,loyalty")
    credit = h.store.get_store_credit(JANE)
    wishes = h.store.get_wishlist(JANE)

    person = result["customer"]
    assert (person["customer_profile_oid"], person["email"], person["name"]) == (JANE, JANE_EMAIL, "Jane Doe")
    assert person["tags"] == [tag["tag_value"] for tag in jane["tags"]]
    assert person["pricing_tiers"] == [tier["name"] for tier in jane["pricing_tiers"]]
    home = primary(jane)
    assert {k: person["billing"][k] for k in ("city", "state_region", "postal_code")} == {
        k: home[k] for k in ("city", "state_region", "postal_code")
    }
    assert result["orders"] == jane["orders_summary"]
    assert result["loyalty"]["current_points"] == jane["loyalty"]["current_points"]

    store_credit = result["store_credit"]
    assert {k: store_credit[k] for k in ("available", "vesting", "expiring", "lifetime_credited")} == {
        k: credit["total" if k == "lifetime_credited" else k]
        for k in ("available", "vesting", "expiring", "lifetime_credited")
    }
    past = sorted(credit.get("past_ledgers") or [], key=lambda entry: entry["entry_dts"])
    assert store_credit["ledger_entries"] == len(past) > 0
    assert store_credit["scheduled"] == len(credit.get("future_ledgers") or [])
    assert [entry["amount"] for entry in store_credit["recent"]] == [entry["amount"] for entry in past[::-1][:5]]

    wishlist = result["wishlist"]
    assert wishlist["count"] == len(wishes) == 3
    # UltraCart: "3 being low priority and 5 is high priority" — the most wanted item first.
    assert [item["priority"] for item in wishlist["top"]] == sorted((w["priority"] for w in wishes), reverse=True)
    assert wishlist["top"][0]["comments"] == "For Mom's birthday"

    assert "email_lists" in result and set(result["more"]) == {"full record", "store credit ledger", "wishlist"}
    paths = sorted(request.path.split("/customer/customers/", 1)[1] for request in h.requests)
    first = f"by_email/{JANE_EMAIL}" if key == "email" else str(JANE)
    assert paths == sorted([first, f"{JANE}/store_credit", f"{JANE}/wishlist"])


async def test_overview_of_a_customer_without_credit_or_wishes(h: Harness) -> None:
    result = await h.call(OVERVIEW, {"customer_profile_oid": JOSE})
    assert h.store.get_wishlist(JOSE) == [] and h.store.get_store_credit(JOSE)["total"] == 0
    assert result["wishlist"] == {"count": 0}
    assert result["store_credit"]["lifetime_credited"] == 0 and result["store_credit"]["ledger_entries"] == 0
    assert result["customer"]["pricing_tiers"] == ["Wholesale"]


async def test_overview_of_an_unknown_customer_is_an_error(h: Harness) -> None:
    message = await h.fail(OVERVIEW, {"customer_profile_oid": 999_999})
    assert "not found" in message.lower() and "999999" in message
    assert len(h.requests) == 1  # nothing else is read for a customer who does not exist
    message = await h.fail(OVERVIEW, {"email": "nobody@example.com"})
    assert "not found" in message.lower()


async def test_overview_wants_exactly_one_key(h: Harness) -> None:
    for arguments in ({"customer_profile_oid": JANE, "email": JANE_EMAIL}, {}):
        message = await h.fail(OVERVIEW, arguments)
        assert "customer_profile_oid" in message and "email" in message
    assert h.requests == []


# -- count: "how many customers in Texas signed up this year?" ------------------------------------------


async def test_count_everyone_is_one_call(h: Harness) -> None:
    result = await h.call(COUNT, {})
    assert result["total"] == len(everyone(h)) == h.store.count_customers() == CUSTOMERS
    assert result["how"] == snapshot(["total: the API's total_records for the filter (1 call)"])
    assert (result["api_calls"], result["complete"]) == (1, True)


async def test_count_in_texas(h: Harness) -> None:
    truth = sum(in_billing_state(c, "TX") for c in everyone(h).values())
    result = await h.call(COUNT, {"billing_state": "TX"})
    assert result["total"] == truth > 0 and result["complete"] is True
    if h.strict:  # no total_records for a filter: the matching customers were read and counted
        assert result["api_calls"] == 2
        assert result["how"] == [
            BILLING_STATE_MEANING,
            f"total: counted by reading all {truth} matching customers (1 call; the API gave no total)",
        ]
    else:
        assert result["api_calls"] == 1
        assert result["how"] == [BILLING_STATE_MEANING, "total: the API's total_records for the filter (1 call)"]
    assert all("billing_state=TX" in request.query for request in h.requests)


async def test_count_in_texas_who_signed_up_this_year(h: Harness) -> None:
    year = datetime.now(STORE_TZ).year
    truth = sum(in_billing_state(c, "TX") and int(c["signup_dts"][:4]) >= year for c in everyone(h).values())
    result = await h.call(COUNT, {"billing_state": "TX", "signup_dts_start": f"{year}-01-01"})
    assert result["total"] == truth and result["complete"] is True
    assert result["api_calls"] == (2 if h.strict else 1)


async def test_count_by_state_and_signup_year(h: Harness) -> None:
    result = await h.call(COUNT, {"by": ["state", "signup_year"]})
    customers = everyone(h).values()
    assert result["total"] == CUSTOMERS and result["complete"] is True
    assert_breakdown(result["by"]["state"], breakdown(customers, "state"))
    assert result["by"]["signup_year"] == sorted([year, n] for year, n in breakdown(customers, "signup_year").items())
    assert result["api_calls"] == 1  # one page of every customer, for the total and both dimensions
    assert result["how"][-2:] == [
        f"by state, signup_year: counted from all {CUSTOMERS} matching customers (1 call)",
        "by state: each customer under every distinct state of its billing addresses, as billing_state matches "
        "(the counts may add up to more than total)",
    ]


async def test_count_by_country_within_a_filter(h: Harness) -> None:
    texans = [c for c in everyone(h).values() if in_billing_state(c, "TX")]
    result = await h.call(COUNT, {"billing_state": "TX", "by": ["country"]})
    assert result["total"] == len(texans)
    assert_breakdown(result["by"]["country"], breakdown(texans, "country"))


async def test_count_by_tag_and_pricing_tier(h: Harness) -> None:
    result = await h.call(COUNT, {"by": ["tag", "pricing_tier"]})
    customers = everyone(h).values()
    assert_breakdown(result["by"]["tag"], breakdown(customers, "tag"))
    assert_breakdown(result["by"]["pricing_tier"], breakdown(customers, "pricing_tier"))
    assert dict(map(tuple, result["by"]["tag"]))["(none)"] == sum(not c.get("tags") for c in customers)


async def test_count_by_signup_year_from_per_year_totals(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    # Per-year totals are used when walking would cost more calls than asking once per year; a 1-customer
    # page makes the 60-customer store that large. Strict gives no totals for a date range: it walks instead.
    monkeypatch.setattr(count_module, "PAGE", 1)
    result = await h.call(COUNT, {"by": ["signup_year"], "max_calls": 100})
    truth = breakdown(everyone(h).values(), "signup_year")
    assert result["by"]["signup_year"] == sorted([year, n] for year, n in truth.items())
    assert result["complete"] is True and result["total"] == CUSTOMERS
    years = datetime.now(STORE_TZ).year - int(min(truth)) + 1
    if h.strict:
        assert "the API gave no total for a date range" in " ".join(result["how"])
        assert result["api_calls"] == 1 + 2 + CUSTOMERS  # total, oldest, one refused year, then the walk
    else:
        assert result["api_calls"] == 1 + 1 + years  # total, oldest signup, one call per year
        assert result["how"][-1].startswith("by signup_year: one total_records call per year")


# Default profile only: strict gives no totals for a date range (the years are counted by reading, above).
@pytest.mark.parametrize("h", ["default"], indirect=True)
async def test_count_by_signup_year_keeps_the_years_counted_when_calls_run_out(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(count_module, "PAGE", 1)  # per-year totals are cheaper than reading 60 one-customer pages
    truth = breakdown(everyone(h).values(), "signup_year")
    first = int(min(truth))
    result = await h.call(COUNT, {"by": ["signup_year"], "max_calls": 5})  # total, oldest signup, three years
    counted = [str(year) for year in range(first, first + 3)]
    assert result["complete"] is False and result["total"] == CUSTOMERS
    assert result["by"]["signup_year"] == sorted([year, truth[year]] for year in counted if truth.get(year))
    assert (
        result["how"][-1]
        == f"by signup_year: years {first}-{first + 2} counted from total_records before max_calls ran out"
    )


async def test_find_says_when_a_filter_matched_more_than_it_ranked(server_factory: ServerFactory, big_db: Path) -> None:
    async with connect(server_factory, "default", sandbox_db=big_db, sandbox_customers=BIG_STORE) as h:
        # Over a quarter of the demo customers use gmail.com: the email filter (a substring match on this
        # profile) matches more than the one page of 200 the tool ranks.
        assert sum(str(c.get("email", "")).endswith("@gmail.com") for c in everyone(h).values()) > 200
        result = await h.call(FIND, {"query": "gmail.com"})
        assert result["interpreted_as"] == "partial email"
        assert result["complete"] is False, result["how"]
        assert "email filter: " in " ".join(result["how"]) and "more exist" in " ".join(result["how"])
        assert "matched more than 200 customers" in result["notice"]
        assert "No customer matched" not in result["notice"]


async def test_count_partial_on_a_bigger_store(server_factory: ServerFactory, big_db: Path) -> None:
    for profile in PROFILES:
        async with connect(server_factory, profile, sandbox_db=big_db, sandbox_customers=BIG_STORE) as h:
            customers = everyone(h)
            assert len(customers) == BIG_STORE
            americans = sum(
                any(a.get("country_code") == "US" for a in c.get("billing") or []) for c in customers.values()
            )
            assert americans > 400  # more than the two pages the tool may read

            result = await h.call(COUNT, {"billing_country_code": "US", "max_calls": 3})
            if h.strict:  # no total from the API, and not enough calls to count them all: 2 pages read
                assert result["complete"] is False and "max_calls=3" in result["notice"]
                assert "total" not in result and result["at_least"] == 400
                assert result["how"][-1] == "read 400 matching customers before max_calls ran out"
            else:
                assert (result["total"], result["api_calls"], result["complete"]) == (americans, 1, True)

            result = await h.call(COUNT, {"by": ["state"], "max_calls": 3})
            assert result["total"] == BIG_STORE and result["complete"] is False  # the total from the first page
            first_pages = [customers[oid] for oid in sorted(customers)[:600]]  # three pages of 200, in oid order
            assert_breakdown(result["by"]["state"], breakdown(first_pages, "state"))
            assert "higher max_calls" in result["notice"]

            result = await h.call(COUNT, {"by": ["state"], "max_calls": 5})  # 5 pages of 200: the whole store
            assert result["complete"] is True and result["api_calls"] == 5
            assert_breakdown(result["by"]["state"], breakdown(customers.values(), "state"))


# -- rank: "which three customers hold the most store credit?" ------------------------------------------


async def test_the_three_customers_holding_the_most_store_credit_in_one_call(h: Harness) -> None:
    """Issue 16: this took a model six calls, 42 KB of results and an undocumented field path. Now it is one
    tool call, one API request, under 1 KB — and the balance is what they can spend (``available``)."""
    credit = {oid: Decimal(str(h.store.get_store_credit(oid)["available"])) for oid in everyone(h)}
    richest = sorted(credit, key=lambda oid: (-credit[oid], oid))[:3]
    result = await h.call(RANK, {"by": "store_credit", "limit": 3})
    table = rows(result)
    assert [row["customer_profile_oid"] for row in table] == richest
    assert [Decimal(str(row["store_credit_available"])) for row in table] == [credit[oid] for oid in richest]
    assert [row["rank"] for row in table] == [1, 2, 3]
    assert (result["api_calls"], result["complete"], result["examined"]) == (1, True, CUSTOMERS)
    assert len(h.text.encode()) < 1024


# -- budget: small results stay small and say what they left out -------------------------------------


@pytest.mark.parametrize("max_tokens", [200, 300])
async def test_results_fit_a_small_budget(server_factory: ServerFactory, big_db: Path, max_tokens: int) -> None:
    calls: list[tuple[str, dict[str, Any], bool]] = [  # (tool, arguments, is something cut?)
        (FIND, {"query": "example", "limit": 50}, True),
        (FIND, {"query": "smith", "limit": 50}, False),
        (FIND, {"query": "Qwxzy", "max_calls": 3}, False),
        (FIND, {"query": "0123", "max_calls": 3}, False),
        (OVERVIEW, {"customer_profile_oid": JANE}, True),
        (OVERVIEW, {"customer_profile_oid": 100008}, True),  # Acme: the largest story customer
        (COUNT, {"by": ["state", "tag"]}, max_tokens < 300),
        (COUNT, {"billing_country_code": "US", "by": ["state", "signup_year"], "max_calls": 3}, True),
        (RANK, {"by": "store_credit", "limit": 50}, True),
        (RANK, {"by": "order_total", "limit": 3, "max_calls": 2}, True),  # partial: 400 of 1000 compared
    ]
    for profile in PROFILES:
        async with connect(
            server_factory, profile, sandbox_db=big_db, sandbox_customers=BIG_STORE, max_result_tokens=max_tokens
        ) as h:
            for name, arguments, cut in calls:
                structured = await h.call(name, arguments)
                assert len(h.text.encode()) / 4 <= max_tokens, (name, arguments, len(h.text.encode()) / 4)
                if cut:
                    assert structured.get("notice"), (name, arguments, structured)
                if name == FIND and structured["returned"] < structured.get("total", 0):
                    assert "Showing the best" in structured["notice"]
                    assert "offset" not in structured["notice"]  # find takes no offset
                if name == OVERVIEW and "store_credit" not in structured:
                    assert "left out" in structured["notice"] and "store_credit" in structured["notice"]
                    assert structured["customer"]["customer_profile_oid"] == arguments["customer_profile_oid"]
