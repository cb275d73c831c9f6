"""TWC's assist tools answering support questions, through the MCP protocol, on the embedded sandbox.

``twc_find_customers`` and ``twc_customer_overview`` are called through the SDK's in-memory client. Every answer is
checked three ways:

- content: against ground truth read from the sandbox store itself (every customer of the tenant, read directly),
  never from the tools' own matching or ranking code, and never hard-coded (a query is taken from the data: a
  customer's mobile, a name in lower case);
- cost: the requests the customer service received are recorded by wrapping the sandbox's ASGI app, and must equal
  the tool's own ``api_calls``, stay within ``max_calls`` (1 for the overview), and all be reads (GET);
- shape: every successful result validates against the tool's published ``outputSchema``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from mcp.client import Client
from mcp_types import Tool

from tests.support.mcp import Request, failed, rows, succeeded, watch
from tests.twc.mcp.conftest import CUSTOMERS, JANE_EMAIL, JANE_REF, TENANT, UNKNOWN_ID, ServerFactory
from uc_mcp.server import runtime_of
from uc_mcp.twc.sandbox.app import SERVICE_PATH
from uc_mcp.twc.sandbox.demo_data import DEMO_TENANTS
from uc_mcp.twc.sandbox.store import SandboxStore

pytestmark = pytest.mark.anyio

FIND = "twc_find_customers"
OVERVIEW = "twc_customer_overview"
DEFAULT_MAX_CALLS = 8  # the find's default
LIMITS = {OVERVIEW: 1}
OTHER_TENANT = next(tenant for tenant in DEMO_TENANTS if tenant != TENANT)


# -- the harness: a connected client and the customer service's request log ---------------------------------


@dataclass(slots=True)
class Harness:
    """One server: its client, its store, and every request its customer service received."""

    client: Client
    store: SandboxStore
    tools: dict[str, Tool]
    log: list[Request] = field(default_factory=list)

    @property
    def requests(self) -> list[Request]:
        """The customer service's requests (the token endpoint's are the client's own business)."""
        return [request for request in self.log if request.path.startswith(SERVICE_PATH)]

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Call a tool that must succeed: valid against its outputSchema, its api_calls what the sandbox saw."""
        self.log.clear()
        structured, _ = succeeded(await self.client.call_tool(name, arguments), self.tools[name])
        limit = LIMITS.get(name, arguments.get("max_calls", DEFAULT_MAX_CALLS))
        assert structured["api_calls"] == len(self.requests) <= limit, self.requests
        assert all(request.method == "GET" for request in self.requests)
        return structured

    async def fail(self, name: str, arguments: dict[str, Any]) -> str:
        self.log.clear()
        return failed(await self.client.call_tool(name, arguments))


@asynccontextmanager
async def connect(server_factory: ServerFactory, **settings: Any) -> AsyncIterator[Harness]:
    server = server_factory(**settings)
    runtime_of(server).client()  # open the sandbox now, to watch it from the first call
    sandbox = runtime_of(server).sandbox
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        harness = Harness(client, sandbox.store, tools)
        watch(sandbox, harness.log)
        yield harness


@pytest.fixture
async def h(server_factory: ServerFactory) -> AsyncIterator[Harness]:
    async with connect(server_factory) as harness:
        yield harness


# -- ground truth, read from the store ------------------------------------------------------------------------


def everyone(store: SandboxStore, tenant: str = TENANT) -> list[dict[str, Any]]:
    """Every live customer of the tenant, read from the store itself."""
    with store.reading() as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM customer WHERE tenant = ? AND deleted_ms IS NULL ORDER BY created_ms", (tenant,)
            )
        ]
    customers = [store.get(tenant, "id", customer_id) for customer_id in ids]
    assert len(customers) == CUSTOMERS
    return customers


def jane(store: SandboxStore) -> dict[str, Any]:
    return store.get(TENANT, "customerRef", JANE_REF)


def found_ids(result: Mapping[str, Any]) -> set[str]:
    return {row["id"] for row in rows(result)}


def fold(text: Any) -> str:
    return text.casefold() if isinstance(text, str) else ""


# -- find ----------------------------------------------------------------------------------------------------


async def test_find_by_email_is_one_call_and_only_this_tenants_customer(h: Harness) -> None:
    truth = {c["id"] for c in everyone(h.store) if fold(c.get("email")) == JANE_EMAIL}
    elsewhere = h.store.get(OTHER_TENANT, "email", JANE_EMAIL)["id"]  # Jane shops at the other retailer too
    result = await h.call(FIND, {"email": JANE_EMAIL})
    assert found_ids(result) == truth and len(truth) == 1 and elsewhere not in found_ids(result)
    assert [row["matched"] for row in rows(result)] == ["email (exact)"]
    assert (result["api_calls"], result["complete"]) == (1, True)
    assert h.requests[0].path.endswith("/customers/search") and "email=jane%40example.com" in h.requests[0].query


async def test_an_email_in_capitals_is_found_and_said_to_be_in_another_case(h: Harness) -> None:
    result = await h.call(FIND, {"email": JANE_EMAIL.upper()})
    assert [(row["id"], row["matched"]) for row in rows(result)] == [(jane(h.store)["id"], "email (exact, other case)")]
    # The sandbox compares emails without regard to case: the form as typed found her, the lower case is not tried.
    assert result["how"][0] == "search email: 1 match(es)" and result["api_calls"] == 1


async def test_find_by_a_mobile_as_the_record_writes_it(h: Harness) -> None:
    customers = everyone(h.store)
    john = h.store.get(TENANT, "customerRef", "100003")
    number = john["mobile"]
    truth = {c["id"] for c in customers if number in (c.get("mobile"), c.get("phone"))}
    result = await h.call(FIND, {"phone": number})
    assert found_ids(result) == truth and john["id"] in truth
    assert rows(result)[0]["matched"] == "mobile (exact)"
    assert result["how"] == ["search mobile: 1 match(es)", "search phone: 0 match(es)"]
    assert result["api_calls"] == 2


async def test_find_by_a_landline(h: Harness) -> None:
    zoe = h.store.get(TENANT, "customerRef", "100005")
    result = await h.call(FIND, {"phone": zoe["phone"]})
    assert [(row["id"], row["matched"]) for row in rows(result)] == [(zoe["id"], "phone (exact)")]


async def test_one_word_of_a_name_in_lower_case_finds_first_and_last_names(h: Harness) -> None:
    customers = everyone(h.store)
    truth = {c["id"] for c in customers if "smith" in (fold(c.get("firstName")), fold(c.get("lastName")))}
    assert len(truth) >= 2
    result = await h.call(FIND, {"name": "smith"})
    assert found_ids(result) == truth
    assert {row["matched"] for row in rows(result)} == {"last name (exact)"}
    assert [line.split(":")[0] for line in result["how"]] == [
        "search lastName",
        "search firstName",
        "search lastName (capitalised)",
        "search firstName (capitalised)",
    ]


async def test_a_full_name_ranks_the_exact_name_first(h: Harness) -> None:
    result = await h.call(FIND, {"name": "jane doe"})
    assert [(row["id"], row["matched"]) for row in rows(result)] == [(jane(h.store)["id"], "name (exact)")]
    assert result["how"] == [
        "search firstName+lastName: 0 match(es)",
        "search firstName+lastName (capitalised): 1 match(es)",
    ]


@pytest.mark.parametrize("ref", [JANE_REF, "ALVAREZ.MX/06", "ACME CORP 01"])
async def test_find_by_customer_ref_is_one_call(h: Harness, ref: str) -> None:
    """Refs with a dot and a slash, or spaces, are one path segment (percent-encoded)."""
    customer = h.store.get(TENANT, "customerRef", ref)
    result = await h.call(FIND, {"customerRef": ref})
    assert [(row["id"], row["matched"]) for row in rows(result)] == [(customer["id"], "customerRef (exact)")]
    assert result["api_calls"] == 1 and h.requests[0].path.endswith("/ref")


async def test_a_ref_and_email_of_one_person_stop_the_search(h: Harness) -> None:
    result = await h.call(FIND, {"customerRef": JANE_REF, "email": JANE_EMAIL, "name": "Jane Doe"})
    assert [(row["id"], row["matched"]) for row in rows(result)] == [
        (jane(h.store)["id"], "customerRef (exact), email (exact), name (exact)")
    ]
    assert result["api_calls"] == 1 and result["how"][-1].endswith("no further search")


async def test_customers_matching_every_field_given_rank_first(h: Harness) -> None:
    customers = everyone(h.store)
    john = h.store.get(TENANT, "customerRef", "100003")
    smiths = {c["id"] for c in customers if fold(c.get("lastName")) == "smith"}
    result = await h.call(FIND, {"name": "Smith", "phone": john["mobile"]})
    ranked = rows(result)
    assert ranked[0]["id"] == john["id"] and ranked[0]["matched"] == "last name (exact), mobile (exact)"
    assert found_ids(result) == smiths  # the others matched the name only, and come after
    assert all(row["matched"] == "last name (exact)" for row in ranked[1:])


async def test_nothing_found_says_what_to_try(h: Harness) -> None:
    result = await h.call(FIND, {"email": "nobody@nowhere.example"})
    assert (result["returned"], result["complete"]) == (0, True)
    assert result["notice"].startswith("No customer matched.") and "exactly" in result["notice"]
    missing = await h.call(FIND, {"customerRef": "NO-SUCH-REF"})
    assert missing["how"] == ["customerRef lookup: no such customer"] and missing["api_calls"] == 1


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "give at least one of email, name, phone, customerRef"),
        ({"limit": 5}, "give at least one of email, name, phone, customerRef"),
        ({"email": "not an email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"name": "   "}, "name"),
        ({"query": JANE_EMAIL}, "query: not a parameter"),
    ],
)
async def test_find_needs_at_least_one_valid_field(h: Harness, arguments: dict[str, Any], expected: str) -> None:
    message = await h.fail(FIND, arguments)
    assert expected in message and h.requests == []
    assert "not an email" not in message and "call me" not in message  # fields named, values never


@pytest.mark.parametrize("max_calls", [1, 2])
async def test_find_stops_at_max_calls_with_a_partial_answer(h: Harness, max_calls: int) -> None:
    result = await h.call(FIND, {"name": "smith", "max_calls": max_calls})
    assert (result["api_calls"], result["complete"]) == (max_calls, False)
    assert f"max_calls={max_calls}" in result["notice"] and "higher max_calls" in result["notice"]
    assert result["how"][-1].startswith("stopped before search") and result["how"][-1].endswith("reached")


async def test_a_partial_answer_keeps_what_it_found(h: Harness) -> None:
    """The name search stops after the last-name search (capitalised): the Smiths found so far are shown."""
    smiths = {c["id"] for c in everyone(h.store) if c.get("lastName") == "Smith"}
    result = await h.call(FIND, {"name": "Smith", "max_calls": 1})
    assert found_ids(result) == smiths and result["complete"] is False


async def test_find_results_fit_a_small_budget(server_factory: ServerFactory) -> None:
    async with connect(server_factory, max_result_tokens=250) as small:
        result = await small.call(FIND, {"name": "smith", "limit": 50})
    text = json.dumps(result, separators=(",", ":"), ensure_ascii=False)
    assert len(text.encode()) <= 250 * 4
    assert 0 < result["returned"] < result["total"]
    assert f"Showing the best {result['returned']} of {result['total']} matches" in result["notice"]


# -- overview ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("match_by", ["id", "customerRef", "email"])
async def test_overview_of_jane(h: Harness, match_by: str) -> None:
    truth = jane(h.store)
    key = {"id": truth["id"], "customerRef": JANE_REF, "email": JANE_EMAIL}[match_by]
    result = await h.call(OVERVIEW, {"match_by": match_by, "customer": key})
    assert result["api_calls"] == 1
    person = result["customer"]
    for name in ("id", "customerRef", "email", "mobile", "phone", "dob", "customer_state", "createdDate"):
        assert person[name] == truth[name], name
    assert person["name"] == f"{truth['firstName']} {truth['lastName']}"
    consent = result["consent"]
    assert consent["accepts_marketing"] is truth["accepts_marketing"]
    assert consent["marketing_optin_level"] == truth["marketing_optin_level"]
    for channel in ("email", "sms"):
        stored = truth["optin_preferences"][channel]
        assert consent[channel] == {
            "opted_in": stored["opt_in_active"],
            "since": stored["opted_in_at"],
            "changed": stored["opt_in_updated_at"],
        }
    default = next(a for a in truth["addresses"] if a["defaultAddress"])
    addresses = result["addresses"]
    assert addresses["count"] == len(truth["addresses"]) == 2
    assert addresses["default"]["id"] == default["id"] and addresses["default"]["city"] == default["city"]
    assert [a["id"] for a in addresses["others"]] == [a["id"] for a in truth["addresses"] if a is not default]
    for name in ("vipStatus", "loyaltyTier", "memberSince", "totalOrders", "totalSpend", "lastOrderRef"):
        assert result["loyalty"][name] == truth[name], name
    assert result["attributes"] == {name: group["attributes"] for name, group in truth["attributeGroups"].items()}
    assert result["more"]["full record"] == f"twc_get_customer customer={truth['id']}"


async def test_overview_says_who_opted_out_and_when(h: Harness) -> None:
    john = h.store.get(TENANT, "customerRef", "100003")
    result = await h.call(OVERVIEW, {"match_by": "customerRef", "customer": "100003"})
    email = john["optin_preferences"]["email"]
    assert email["opt_in_active"] is False and email["opted_in_at"] != email["opt_in_updated_at"]
    assert result["consent"]["email"] == {
        "opted_in": False,
        "since": email["opted_in_at"],
        "changed": email["opt_in_updated_at"],
    }
    assert result["consent"]["sms"]["opted_in"] is True
    assert "loyalty" not in result  # John has no loyalty figures: nothing is made up


async def test_overview_of_a_customer_with_nothing_but_an_email(h: Harness) -> None:
    mia = h.store.get(TENANT, "email", "mia.walker@example.com.au")
    result = await h.call(OVERVIEW, {"customer": mia["id"]})
    assert result["customer"]["email"] == mia["email"] and "name" not in result["customer"]
    assert "addresses" not in result and "loyalty" not in result and "attributes" not in result
    assert result["consent"]["email"] == {"opted_in": False} and result["consent"]["sms"] == {"opted_in": False}


async def test_overview_of_an_unknown_customer_is_an_error(h: Harness) -> None:
    message = await h.fail(OVERVIEW, {"customer": UNKNOWN_ID})
    assert "Not found" in message and len(h.requests) == 1
    message = await h.fail(OVERVIEW, {"match_by": "email", "customer": "nobody@nowhere.example"})
    assert "no customer with that email" in message and len(h.requests) == 1


async def test_overview_of_another_tenants_customer_is_not_found(h: Harness) -> None:
    elsewhere = h.store.get(OTHER_TENANT, "customerRef", "HW-0002")
    message = await h.fail(OVERVIEW, {"customer": elsewhere["id"]})
    assert "Not found" in message


async def test_the_overview_fits_a_small_budget(server_factory: ServerFactory) -> None:
    async with connect(server_factory, max_result_tokens=200) as small:
        result = await small.call(OVERVIEW, {"match_by": "customerRef", "customer": JANE_REF})
    assert len(json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode()) <= 200 * 4
    assert result["customer"]["id"] and "notice" in result
