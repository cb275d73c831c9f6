"""Figure 3 — context efficiency, measured from real calls through the in-memory MCP ``Client``.

(a) The same customers two ways: the raw API JSON of ``GET /customer/customers?_limit=50&_expand=billing,
shipping`` versus the text of ``ultracart_get_customers`` with its defaults (the compact table of the same
50 customers). Target: at least 10x smaller. Tokens are estimated as UTF-8 bytes / 4 (``core/budget.py``).

(b) Five scripted support questions, each answered twice on the same store: with every tool (the assist
tools first) and with the 24 raw tools only. Each approach's call sequence is written out below, as the
most sensible one a model would use; every call is real, and what is counted is the number of tool calls
and the tokens of the result text the model reads. Both sandbox profiles are run: ``default`` (helpful
partial filters, totals always given) and ``strict`` (exact filters, no total when a filter is set, as the
real API may behave). The API requests behind each answer and the raw bytes the API sent are counted too.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from bench.common import Figure
from bench.harness import Session, session, tokens

TARGET_RAW_RATIO = 10.0
FIRST_OID = 100001
LAST_MONTH = {"signup_dts_start": "2026-10-01T00:00:00-04:00", "signup_dts_end": "2026-10-31T23:59:59-04:00"}
OVERVIEW_EXPANSION = ["billing", "shipping", "tags", "pricing_tiers", "orders_summary", "loyalty"]


# -- (a) raw API JSON versus the compact list ---------------------------------------------------------


async def _raw_versus_compact(s: Session) -> dict[str, Any]:
    async with s.runtime.sandbox.client() as http:
        response = await http.get("/customer/customers", params={"_limit": 50, "_expand": "billing,shipping"})
    raw = response.content
    records = response.json()["customers"]
    result = await s.call("ultracart_get_customers")
    compact = s.calls[-1].text_bytes
    assert result["returned"] == len(records) == 50, "the default list must hold the same 50 customers"
    assert [row[0] for row in result["items"]] == [record["customer_profile_oid"] for record in records]
    return {
        "customers": len(records),
        "raw_bytes": len(raw),
        "compact_bytes": compact,
        "raw_tokens": tokens(len(raw)),
        "compact_tokens": tokens(compact),
        "ratio": len(raw) / compact,
        "columns": result["columns"],
    }


# -- (b) the scripted questions -----------------------------------------------------------------------


@dataclass(slots=True)
class Targets:
    """The customers the questions are about, picked from the store before any measured call."""

    partial_email: str  # a fragment of one customer's email
    state: str  # a US billing state that has customers
    overview_email: str  # a customer with store credit and a wishlist
    credit_email: str  # a customer with more ledger entries than the overview shows


def pick_targets(store: Any, customers: int) -> Targets:
    def customer(oid: int) -> dict[str, Any]:
        return dict(store.get_customer(oid, "billing,shipping"))

    middle = customer(FIRST_OID + customers // 3)
    local = middle["email"].split("@", 1)[0]
    partial = local[: max(4, len(local) - 2)]
    state = overview = credit = None
    for oid in range(FIRST_OID, FIRST_OID + customers):
        record = customer(oid)
        billing = (record.get("billing") or [{}])[0]
        if state is None and billing.get("country_code") == "US" and billing.get("state_region"):
            state = billing["state_region"]
        ledger = store.get_store_credit(oid).get("past_ledgers") or []
        if overview is None and ledger and store.get_wishlist(oid):
            overview = record["email"]
        if credit is None and len(ledger) > 5:
            credit = record["email"]
        if state and overview and credit:
            return Targets(partial, state, overview, credit)
    raise RuntimeError("the store has no customer fit for the scripted questions; seed more customers")


Script = Callable[[Session, Targets], Awaitable[str]]


async def walk(s: Session, tool: str, arguments: dict[str, Any]) -> list[Any]:
    """Page through a list tool until ``next_offset`` is null, as a model would; returns every row."""
    rows: list[Any] = []
    offset = 0
    while True:
        result = await s.call(tool, {**arguments, "offset": offset} if offset else arguments)
        rows.extend(result["items"])
        if result.get("next_offset") is None:
            return rows
        offset = result["next_offset"]


def _emails(rows: list[Any], columns_email_index: int = 0) -> list[str]:
    return [row[columns_email_index] if isinstance(row, list) else row.get("email") for row in rows]


# Q1: "Find the customer whose email starts with <fragment>."
async def q1_assist(s: Session, t: Targets) -> str:
    result = await s.call("ultracart_find_customers", {"query": t.partial_email})
    return f"{result['returned']} match(es)"


async def q1_raw(s: Session, t: Targets) -> str:
    # A partial email filter first; when the API matches only exactly (strict), scan every email.
    result = await s.call("ultracart_get_customers", {"email": t.partial_email})
    if result["returned"]:
        return f"{result['returned']} match(es)"
    rows = await walk(s, "ultracart_get_customers", {"limit": 200, "fields": ["email"]})
    found = [email for email in _emails(rows) if t.partial_email.lower() in str(email).lower()]
    return f"{len(found)} match(es) after scanning {len(rows)}"


# Q2: "How many customers are in <state>?"
async def q2_assist(s: Session, t: Targets) -> str:
    result = await s.call("ultracart_count_customers", {"billing_state": t.state, "max_calls": 100})
    return str(result.get("total"))


async def q2_raw(s: Session, t: Targets) -> str:
    result = await s.call("ultracart_get_customers", {"billing_state": t.state, "limit": 1})
    if result.get("total") is not None:
        return str(result["total"])
    # No total with a filter (strict): count the matches page by page.
    rows = await walk(s, "ultracart_get_customers", {"billing_state": t.state, "limit": 200, "fields": ["email"]})
    return str(len(rows))


# Q3: "Give me an overview of <email>: who they are, orders, loyalty, store credit, wishlist."
async def q3_assist(s: Session, t: Targets) -> str:
    result = await s.call("ultracart_customer_overview", {"email": t.overview_email})
    return str(result["customer"]["customer_profile_oid"])


async def q3_raw(s: Session, t: Targets) -> str:
    found = await s.call("ultracart_get_customer_by_email", {"email": t.overview_email, "expand": OVERVIEW_EXPANSION})
    oid = found["customer"]["customer_profile_oid"]
    await s.call("ultracart_get_customer_store_credit", {"customer_profile_oid": oid})
    await s.call("ultracart_get_customer_wish_list", {"customer_profile_oid": oid})
    return str(oid)


# Q4: "What is the store credit history of <email>?"
async def q4_assist(s: Session, t: Targets) -> str:
    # find answers an exact email with a one-line row (not the whole record), then the full ledger.
    found = await s.call("ultracart_find_customers", {"query": t.credit_email, "limit": 1})
    oid = found["items"][0][found["columns"].index("customer_profile_oid")]
    await s.call("ultracart_get_customer_store_credit", {"customer_profile_oid": oid})
    return str(oid)


async def q4_raw(s: Session, t: Targets) -> str:
    found = await s.call("ultracart_get_customer_by_email", {"email": t.credit_email})
    oid = found["customer"]["customer_profile_oid"]
    await s.call("ultracart_get_customer_store_credit", {"customer_profile_oid": oid})
    return str(oid)


# Q5: "Which customers signed up last month (October 2026)?" — the list itself: no assist tool lists,
# so both approaches page through ultracart_get_customers with the signup range (the same sequence).
async def q5_assist(s: Session, t: Targets) -> str:
    rows = await walk(s, "ultracart_get_customers", {**LAST_MONTH, "limit": 200})
    return f"{len(rows)} customers"


async def q5_raw(s: Session, t: Targets) -> str:
    rows = await walk(s, "ultracart_get_customers", {**LAST_MONTH, "limit": 200})
    return f"{len(rows)} customers"


QUESTIONS: tuple[tuple[str, str, Script, Script], ...] = (
    ("Q1", "find by partial email", q1_assist, q1_raw),
    ("Q2", "count customers in one state", q2_assist, q2_raw),
    ("Q3", "overview of one customer", q3_assist, q3_raw),
    ("Q4", "store credit history", q4_assist, q4_raw),
    ("Q5", "customers signed up last month", q5_assist, q5_raw),
)


@dataclass(slots=True)
class Answer:
    question: str
    approach: str
    answer: str
    calls: int
    result_tokens: int
    api_requests: int
    api_bytes: int
    tools: list[str] = field(default_factory=list)


def _watch(s: Session) -> list[int]:
    """Count the API requests the sandbox serves and the body bytes it sends (appended per request)."""
    faults = s.runtime.sandbox.faults
    inner = faults.app
    sizes: list[int] = []

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        index = len(sizes)
        sizes.append(0)

        async def counting(message: Any) -> None:
            if message["type"] == "http.response.body":
                sizes[index] += len(message.get("body", b""))
            await send(message)

        await inner(scope, receive, counting)

    faults.app = recording
    return sizes


async def _questions(db: Path, customers: int, profile: str) -> list[Answer]:
    answers: list[Answer] = []
    async with session(db, customers, sandbox_profile=profile) as s:
        targets = pick_targets(s.runtime.sandbox.store, customers)
        sizes = _watch(s)
        for number, _, assist, raw in QUESTIONS:
            for approach, script in (("assist", assist), ("raw", raw)):
                mark, seen = s.mark(), len(sizes)
                answer = await script(s, targets)
                calls = s.since(mark)
                answers.append(
                    Answer(
                        number,
                        approach,
                        answer,
                        len(calls),
                        sum(call.tokens for call in calls),
                        len(sizes) - seen,
                        sum(sizes[seen:]),
                        [call.tool.removeprefix("ultracart_") for call in calls],
                    )
                )
    return answers


async def _measure(db: Path, customers: int) -> dict[str, Any]:
    async with session(db, customers) as s:
        listing = await _raw_versus_compact(s)
    profiles = {profile: await _questions(db, customers, profile) for profile in ("default", "strict")}
    return {"listing": listing, "questions": profiles, "customers": customers}


def run(db: Path, customers: int) -> dict[str, Any]:
    return anyio.run(_measure, db, customers)


def _totals(answers: list[Answer], approach: str) -> tuple[int, int]:
    chosen = [answer for answer in answers if answer.approach == approach]
    return sum(answer.calls for answer in chosen), sum(answer.result_tokens for answer in chosen)


def question_table(result: dict[str, Any]) -> str:
    lines = []
    for profile, answers in result["questions"].items():
        lines.append(f"{profile} profile ({result['customers']:,} customers): calls / result tokens / API requests")
        by_question: dict[str, dict[str, Answer]] = {}
        for answer in answers:
            by_question.setdefault(answer.question, {})[answer.approach] = answer
        for number, name, _, _ in QUESTIONS:
            a, r = by_question[number]["assist"], by_question[number]["raw"]
            lines.append(
                f"  {number} {name:<32} assist {a.calls:>3} / {a.result_tokens:>7,} / {a.api_requests:>3}   "
                f"raw {r.calls:>3} / {r.result_tokens:>7,} / {r.api_requests:>3}   "
                f"({', '.join(a.tools)} | {', '.join(sorted(set(r.tools)))})"
            )
        (ac, at), (rc, rt) = _totals(answers, "assist"), _totals(answers, "raw")
        lines.append(f"  all five: assist {ac} calls, {at:,} tokens; raw tools only {rc} calls, {rt:,} tokens")
    return "\n".join(lines)


def figures(db: Path, customers: int) -> tuple[list[Figure], dict[str, Any]]:
    result = run(db, customers)
    listing = result["listing"]
    out = [
        Figure(
            "3a",
            "raw API JSON vs compact list (50 customers)",
            listing["ratio"],
            TARGET_RAW_RATIO,
            higher_is_better=True,
            detail=(
                f"raw _expand=billing,shipping {listing['raw_bytes']:,} B (~{listing['raw_tokens']:,} tokens) vs "
                f"ultracart_get_customers {listing['compact_bytes']:,} B (~{listing['compact_tokens']:,} tokens)"
            ),
            extra=listing,
        )
    ]
    for profile, answers in result["questions"].items():
        (ac, at), (rc, rt) = _totals(answers, "assist"), _totals(answers, "raw")
        out.append(
            Figure(
                "3b" if profile == "default" else "3c",
                f"5 questions, raw-only/assist tokens ({profile})",
                rt / at,
                1.0,
                higher_is_better=True,
                detail=f"tool calls {rc} raw-only vs {ac} assist; result tokens {rt:,} vs {at:,}",
                extra={"answers": [vars_of(answer) for answer in answers]},
            )
        )
    return out, result


def vars_of(answer: Answer) -> dict[str, Any]:
    return {name: getattr(answer, name) for name in Answer.__slots__}


def median_tokens(answers: list[Answer]) -> float:
    return statistics.median(answer.result_tokens for answer in answers)
