"""Figure 11 — the cross-provider tools (issue 20) beside what a model does with the provider tools alone, as
same-run ratios (``customer_360`` or ``customers_find`` / the provider tools: below 1 favours the people tools).

One in-process server with the three providers on their embedded sandboxes (the sizes and seeds they default to),
driven through the SDK's in-memory ``Client``. The API requests are counted where they reach each sandbox's app
(behind its fault layer, as tests/support/mcp.py's ``watch`` does), TWC's token requests included.

- 11a-11d "everything about this person", for demo people who are in all three systems, in two, in one:
  ``customer_360 {person: email}`` (one tool call) versus the calls a model makes without it: for each provider its
  find tool with the email, then its overview tool for each record of that email (case-folded, as customer_360
  groups them: Jane has two Voucherify records, so two Voucherify overviews). Both must read the same records
  (checked). MCP tool calls, API requests, result bytes (the JSON text the model receives), and the wall time of
  interleaved rounds (the figure the median of the per-round ratios of all the people's times). The provider tools
  are called one after another, as a host that makes one call at a time does; the model's own turns between them
  (at least two: the finds, then the overviews) are not counted, so the real difference is larger.
- 11e the same wall time with a per-request latency in every sandbox (``LATENCY_MS``, a different one for each
  provider), where customer_360's concurrency shows; the provider tools made in two parallel batches (the three
  finds at once, then every overview at once: a host that runs a turn's calls in parallel) are reported beside.
- 11f/11g ``customers_find`` runs the providers concurrently: with the same latencies, its wall time versus the
  slowest single provider's own find tool for the same query (target <= 1.2), and versus the sum of the three
  (sequential would be about 1), for an email and for a name, interleaved rounds; the figure is the larger of
  the two queries' medians of the per-round ratios. Each provider's find must make the same API requests alone as
  inside customers_find (checked), so "slowest" compares the same work.

The latency is the sandboxes' own (``FaultConfig.latency_ms``, the option behind ``uc-mcp sandbox --latency-ms``):
the server's settings offer none for the embedded sandboxes, so it is set on each embedded sandbox's fault layer,
which reads it on every request.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final

import anyio

from bench.common import Figure, bench_settings, rotated
from bench.harness import Session

PROVIDERS: Final = ("ultracart", "voucherify", "twc")
# The embedded sandboxes' defaults (each provider's settings), so the searches scan what `uc-mcp` serves.
CUSTOMERS: Final = {"ultracart": 250, "voucherify": 120, "twc": 80}
SEEDS: Final = {"ultracart": 2017, "voucherify": 2018, "twc": 2019}
# Per request, a different one for each provider so that "the slowest provider" means one.
LATENCY_MS: Final = {"ultracart": 40.0, "voucherify": 80.0, "twc": 120.0}
FIND_TARGET: Final = 1.2

# (email, the systems that hold a record of it): the providers' demo data plants these (their STORY_LINKS).
PEOPLE: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("jane@example.com", frozenset(PROVIDERS)),  # two Voucherify records
    ("john.smith@example.com", frozenset(PROVIDERS)),  # John.Smith@ in Voucherify
    ("jose.alvarez@example.mx", frozenset({"ultracart", "twc"})),
    ("eve.harlow@example.com", frozenset({"ultracart", "voucherify"})),
    ("priya.raman@example.in", frozenset({"voucherify", "twc"})),
    ("amara.okafor@example.ng", frozenset({"voucherify"})),
    ("chloe.nguyen@example.com.au", frozenset({"twc"})),
)
FIND_QUERIES: Final = (("jane@example.com", "an email"), ("Smith", "a name"))

FIND_TOOL: Final = {name: f"{name}_find_customers" for name in PROVIDERS}
OVERVIEW_TOOL: Final = {name: f"{name}_customer_overview" for name in PROVIDERS}
ID_COLUMN: Final = {"ultracart": "customer_profile_oid", "voucherify": "id", "twc": "id"}


def find_arguments(provider: str, query: str) -> dict[str, Any]:
    """A provider find tool's arguments for one query: TWC's find takes the field (the one customers_find's TWC
    adapter picks for an email or a name); the others take one ``query``."""
    if provider != "twc":
        return {"query": query}
    return {"email": query} if "@" in query else {"name": query}


def overview_arguments(provider: str, record_id: Any) -> dict[str, Any]:
    if provider == "ultracart":
        return {"customer_profile_oid": int(record_id)}
    if provider == "voucherify":
        return {"customer_id": str(record_id)}
    return {"match_by": "id", "customer": str(record_id)}


# -- the server and what reaches the sandboxes ------------------------------------------------------------


def seed_people(folder: Path) -> dict[str, Path]:
    """The three sandbox databases, seeded once in ``folder`` (an existing one is reused)."""
    from uc_mcp.twc.sandbox.runtime import Sandbox as TwcSandbox
    from uc_mcp.twc.sandbox.runtime import SandboxOptions as TwcOptions
    from uc_mcp.ultracart.sandbox.runtime import Sandbox as UltraCartSandbox
    from uc_mcp.ultracart.sandbox.runtime import SandboxOptions as UltraCartOptions
    from uc_mcp.voucherify.sandbox.runtime import Sandbox as VoucherifySandbox
    from uc_mcp.voucherify.sandbox.runtime import SandboxOptions as VoucherifyOptions

    opened: dict[str, Callable[[Path], Any]] = {
        "ultracart": lambda p: UltraCartSandbox(
            UltraCartOptions(db=p, customers=CUSTOMERS["ultracart"], seed=SEEDS["ultracart"])
        ),
        "voucherify": lambda p: VoucherifySandbox(
            VoucherifyOptions(db=p, customers=CUSTOMERS["voucherify"], seed=SEEDS["voucherify"])
        ),
        "twc": lambda p: TwcSandbox(TwcOptions(db=p, customers=CUSTOMERS["twc"], seed=SEEDS["twc"])),
    }
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"people-{name}.sqlite3" for name in PROVIDERS}
    for name, path in paths.items():
        if not path.exists():
            opened[name](path).close()
    return paths


def people_settings(dbs: dict[str, Path]) -> Any:
    return bench_settings(
        dbs["ultracart"],
        CUSTOMERS["ultracart"],
        providers=[f"{name}=sandbox" for name in PROVIDERS],
        sandbox_seed=SEEDS["ultracart"],
        voucherify_sandbox_db=dbs["voucherify"],
        voucherify_sandbox_customers=CUSTOMERS["voucherify"],
        voucherify_sandbox_seed=SEEDS["voucherify"],
        twc_sandbox_db=dbs["twc"],
        twc_sandbox_customers=CUSTOMERS["twc"],
        twc_sandbox_seed=SEEDS["twc"],
    )


@dataclass(slots=True)
class Requests:
    """The HTTP requests that reached each sandbox's app so far, and the sandboxes' fault layers (the latency)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROVIDERS, 0))
    faults: dict[str, Any] = field(default_factory=dict)

    def watch(self, provider: str, sandbox: Any) -> None:
        self.faults[provider] = sandbox.faults
        inner = sandbox.faults.app
        counts = self.counts

        async def counting(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                counts[provider] += 1
            await inner(scope, receive, send)

        sandbox.faults.app = counting

    def snapshot(self) -> dict[str, int]:
        return dict(self.counts)

    def since(self, before: dict[str, int]) -> dict[str, int]:
        return {name: self.counts[name] - before[name] for name in PROVIDERS}

    def set_latency(self, latency_ms: dict[str, float]) -> None:
        """Each sandbox's per-request latency: its fault layer's config, read on every request."""
        for name, fault_layer in self.faults.items():
            fault_layer.config.latency_ms = latency_ms.get(name, 0.0)


@asynccontextmanager
async def people_session(dbs: dict[str, Path]) -> AsyncIterator[tuple[Session, Requests]]:
    """A uc-mcp server with the three providers on their sandboxes, connected in memory; every sandbox opened
    (its opening is part of no measured call) and watched."""
    from mcp.client import Client

    from uc_mcp.server import build_server, runtime_of

    server = build_server(people_settings(dbs))
    runtime = runtime_of(server)
    requests = Requests()
    for name in PROVIDERS:
        provider = runtime.provider(name)
        provider.client()
        requests.watch(name, provider.sandbox)
    try:
        async with Client(server) as client:
            yield Session(client, runtime), requests
    finally:
        for name in PROVIDERS:
            await runtime.provider(name).client().aclose()
        runtime.close()


# -- 11a-11e: one person, everything --------------------------------------------------------------------


@dataclass(slots=True)
class View:
    """One way of gathering everything about one person: its tool calls, requests, bytes, time, records."""

    calls: int = 0
    api: int = 0
    text_bytes: int = 0
    seconds: float = 0.0
    refs: set[str] = field(default_factory=set)


async def measured(s: Session, requests: Requests, gather: Callable[[View], Awaitable[None]]) -> View:
    view = View()
    mark, before = s.mark(), requests.snapshot()
    started = time.perf_counter()
    await gather(view)
    view.seconds = time.perf_counter() - started
    calls = s.since(mark)
    view.calls, view.text_bytes = len(calls), sum(call.text_bytes for call in calls)
    view.api = sum(requests.since(before).values())
    return view


def via_360(s: Session, email: str) -> Callable[[View], Awaitable[None]]:
    async def gather(view: View) -> None:
        result = await s.call("customer_360", {"person": email})
        view.refs = set(result["person"]["records"])

    return gather


def _matching_ids(provider: str, found: dict[str, Any], email: str) -> list[Any]:
    """The ids of the rows a model would open: those whose email is the one asked for (case-folded)."""
    columns = found.get("columns") or []
    rows = [dict(zip(columns, row, strict=False)) for row in found.get("items") or []]
    wanted = email.casefold()
    return [row[ID_COLUMN[provider]] for row in rows if str(row.get("email") or "").casefold() == wanted]


def via_provider_tools(s: Session, email: str, *, parallel: bool = False) -> Callable[[View], Awaitable[None]]:
    """Each provider's find, then its overview of each matching record: one call after another, or (``parallel``)
    the three finds at once and then every overview at once."""

    async def gather(view: View) -> None:
        found: dict[str, dict[str, Any]] = {}

        async def find(provider: str) -> None:
            found[provider] = await s.call(FIND_TOOL[provider], find_arguments(provider, email))

        async def overview(provider: str, record_id: Any) -> None:
            await s.call(OVERVIEW_TOOL[provider], overview_arguments(provider, record_id))

        await _run([partial(find, p) for p in PROVIDERS], parallel)
        opened = [(p, record_id) for p in PROVIDERS for record_id in _matching_ids(p, found[p], email)]
        await _run([partial(overview, p, i) for p, i in opened], parallel)
        view.refs = {f"{p}:{record_id}" for p, record_id in opened}

    return gather


async def _run(steps: list[Callable[[], Coroutine[Any, Any, None]]], parallel: bool) -> None:
    if not parallel:
        for step in steps:
            await step()
        return
    async with anyio.create_task_group() as group:
        for step in steps:
            group.start_soon(step)


PATHS: Final = ("360", "tools", "parallel")


def _path(s: Session, name: str, email: str) -> Callable[[View], Awaitable[None]]:
    if name == "360":
        return via_360(s, email)
    return via_provider_tools(s, email, parallel=name == "parallel")


async def person_rounds(
    s: Session, requests: Requests, rounds: int, paths: tuple[str, ...], *, warm_up: bool
) -> dict[str, Any]:
    """Every person by every path, ``rounds`` times (after an unmeasured round, which also fetches TWC's token,
    when ``warm_up``); the paths in turn, the order rotating with the round and the person."""
    for email, _ in PEOPLE if warm_up else ():
        for name in paths:
            await measured(s, requests, _path(s, name, email))
    totals: dict[str, list[float]] = {name: [] for name in paths}
    views: dict[str, dict[str, View]] = {}
    for index in range(rounds):
        spent = dict.fromkeys(paths, 0.0)
        for number, (email, systems) in enumerate(PEOPLE):
            for name in rotated(paths, index + number):
                view = await measured(s, requests, _path(s, name, email))
                spent[name] += view.seconds
                views.setdefault(email, {})[name] = view
            seen = {ref.split(":", 1)[0] for ref in views[email]["360"].refs}
            assert seen == systems, f"{email}: customer_360 read {sorted(seen)}, the demo data plants {sorted(systems)}"
            for name in paths:
                assert views[email][name].refs == views[email]["360"].refs, (email, name, views[email][name].refs)
        for name in paths:
            totals[name].append(spent[name])
    return {"totals": totals, "views": views, "rounds": rounds}


def _per_round(ours: list[float], theirs: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


# -- 11f/11g: the concurrent find ------------------------------------------------------------------------


async def _timed_call(s: Session, tool: str, arguments: dict[str, Any]) -> float:
    started = time.perf_counter()
    await s.call(tool, arguments)
    return time.perf_counter() - started


async def _same_requests(s: Session, requests: Requests, query: str) -> dict[str, int]:
    """Each provider's requests for ``query``: inside customers_find and alone (its own find tool) the same.
    Also the warm-up of the query."""
    before = requests.snapshot()
    await s.call("customers_find", {"query": query})
    together = requests.since(before)
    for provider in PROVIDERS:
        before = requests.snapshot()
        await s.call(FIND_TOOL[provider], find_arguments(provider, query))
        alone = requests.since(before)[provider]
        assert alone == together[provider], f"{query}: {provider} made {alone} requests alone, {together[provider]}"
    return together


async def find_rounds(s: Session, requests: Requests, rounds: int) -> dict[str, Any]:
    steps = ("people", *PROVIDERS)
    result: dict[str, Any] = {}
    for query, kind in FIND_QUERIES:
        made = await _same_requests(s, requests, query)
        times: dict[str, list[float]] = {step: [] for step in steps}
        for index in range(rounds):
            for step in rotated(steps, index):
                if step == "people":
                    times[step].append(await _timed_call(s, "customers_find", {"query": query}))
                else:
                    times[step].append(await _timed_call(s, FIND_TOOL[step], find_arguments(step, query)))
        slowest = [max(times[p][i] for p in PROVIDERS) for i in range(rounds)]
        summed = [sum(times[p][i] for p in PROVIDERS) for i in range(rounds)]
        result[query] = {
            "kind": kind,
            "requests": made,
            "seconds": {step: statistics.median(values) for step, values in times.items()},
            "slowest_provider": max(PROVIDERS, key=lambda p: statistics.median(times[p])),
            "to_slowest": _per_round(times["people"], slowest),
            "to_sum": _per_round(times["people"], summed),
        }
    return result


# -- the run -----------------------------------------------------------------------------------------------


async def _measure(dbs: dict[str, Path], rounds: int, latency_rounds: int) -> dict[str, Any]:
    async with people_session(dbs) as (s, requests):
        plain = await person_rounds(s, requests, rounds, ("360", "tools"), warm_up=True)
        requests.set_latency(LATENCY_MS)
        # Warm already (the same calls): the slow rounds are the figure's longest part.
        slow = await person_rounds(s, requests, latency_rounds, PATHS, warm_up=False)
        finds = await find_rounds(s, requests, rounds)
    return {"plain": plain, "latency": slow, "finds": finds}


def run(folder: Path, rounds: int, latency_rounds: int) -> dict[str, Any]:
    dbs = seed_people(folder / "people")
    result: dict[str, Any] = anyio.run(_measure, dbs, rounds, latency_rounds)
    return result


def _sum(views: dict[str, dict[str, View]], path: str, what: str) -> int:
    return sum(int(getattr(by_path[path], what)) for by_path in views.values())


def _person_lines(views: dict[str, dict[str, View]]) -> list[str]:
    lines = []
    for email, systems in PEOPLE:
        ours, theirs = views[email]["360"], views[email]["tools"]
        where = "+".join(p for p in PROVIDERS if p in systems)
        lines.append(
            f"{email} ({where}): {ours.calls} vs {theirs.calls} calls, {ours.api} vs {theirs.api} API, "
            f"{ours.text_bytes:,} vs {theirs.text_bytes:,} B ({ours.text_bytes / theirs.text_bytes:.2f}x)"
        )
    return lines


def _extra(part: dict[str, Any]) -> dict[str, Any]:
    views: dict[str, dict[str, View]] = part["views"]
    return {
        "rounds": part["rounds"],
        "seconds": {name: statistics.median(values) for name, values in part["totals"].items()},
        "people": {
            email: {
                name: {
                    "calls": v.calls,
                    "api": v.api,
                    "bytes": v.text_bytes,
                    "seconds": v.seconds,  # the last round's
                    "records": sorted(v.refs),
                }
                for name, v in by_path.items()
            }
            for email, by_path in views.items()
        },
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def figures(folder: Path, rounds: int, latency_rounds: int) -> list[Figure]:
    result = run(folder, rounds, latency_rounds)
    plain, slow, finds = result["plain"], result["latency"], result["finds"]
    views = plain["views"]
    totals = {name: {what: _sum(views, name, what) for what in ("calls", "api", "text_bytes")} for name in PATHS[:2]}
    ours, theirs = totals["360"], totals["tools"]
    people = f"{len(PEOPLE)} demo people"
    plain_s = {name: statistics.median(values) for name, values in plain["totals"].items()}
    slow_s = {name: statistics.median(values) for name, values in slow["totals"].items()}
    latency = ", ".join(f"{name} {ms:g}" for name, ms in LATENCY_MS.items())
    find_lines = [
        f"{kind} ({query!r}): customers_find {_ms(part['seconds']['people'])} vs "
        + ", ".join(f"{p} {_ms(part['seconds'][p])} ({part['requests'][p]} req)" for p in PROVIDERS)
        + f"; /slowest {part['to_slowest']:.3f}x, /sum {part['to_sum']:.3f}x"
        for query, part in finds.items()
        for kind in [part["kind"]]
    ]
    worst_slowest = max(part["to_slowest"] for part in finds.values())
    worst_sum = max(part["to_sum"] for part in finds.values())
    extra = {"plain": _extra(plain), "latency": _extra(slow), "latency_ms": LATENCY_MS}
    return [
        Figure(
            "11a",
            "customer_360 vs provider tools: tool calls",
            ours["calls"] / theirs["calls"],
            None,
            detail=f"{ours['calls']} vs {theirs['calls']} MCP tool calls for {people} (find, then overview, per "
            "provider)\n" + "\n".join(_person_lines(views)),
            extra=extra,
        ),
        Figure(
            "11b",
            "customer_360 vs provider tools: API requests",
            ours["api"] / theirs["api"],
            None,
            detail=f"{ours['api']} vs {theirs['api']} requests that reached the three sandboxes",
        ),
        Figure(
            "11c",
            "customer_360 vs provider tools: result bytes",
            ours["text_bytes"] / theirs["text_bytes"],
            None,
            detail=f"{ours['text_bytes']:,} vs {theirs['text_bytes']:,} B of result text the model receives",
        ),
        Figure(
            "11d",
            "customer_360 vs provider tools: wall time",
            _per_round(plain["totals"]["360"], plain["totals"]["tools"]),
            None,
            detail=f"in process, no latency: {_ms(plain_s['360'])} vs {_ms(plain_s['tools'])} for the {people} "
            f"(medians of {plain['rounds']} interleaved rounds; the figure the median of the per-round ratios)",
        ),
        Figure(
            "11e",
            "the same with per-request latency",
            _per_round(slow["totals"]["360"], slow["totals"]["tools"]),
            None,
            detail=f"latency (ms) {latency}: {_ms(slow_s['360'])} vs {_ms(slow_s['tools'])} one call at a time; "
            f"vs the provider tools in two parallel batches {_ms(slow_s['parallel'])} "
            f"({_per_round(slow['totals']['360'], slow['totals']['parallel']):.3f}x); {slow['rounds']} rounds",
        ),
        Figure(
            "11f",
            "customers_find vs the slowest provider's find",
            worst_slowest,
            FIND_TARGET,
            detail="\n".join(find_lines)
            + f"\nlatency (ms) {latency}; medians of {rounds} interleaved rounds; the figure the larger of the two "
            "queries' medians of the per-round ratios",
            extra={"finds": finds},
        ),
        Figure(
            "11g",
            "customers_find vs the sum of the three finds",
            worst_sum,
            None,
            detail="sequential would be about 1.0x; the larger of the two queries'",
        ),
    ]
