"""Figure 10 — Voucherify: uc-mcp's Voucherify tools beside the server FastMCP generates from Voucherify's official
OpenAPI subset (the 12 customer operations, ``tests/spec/voucherify-customers-openapi.json``), as ratios
(uc-mcp / FastMCP: below 1 favours uc-mcp). Issue 18 sets no target ("its better in every row"): every row is
reported.

The comparison server is ``bench/fastmcp_voucherify.py``: ``FastMCP.from_openapi``, nothing customised, the key
pair in its HTTP client. Both servers run as their own processes over stdio, driven by the raw JSON-RPC client
``bench/stdio.py``, and both reach the same ``uc-mcp sandbox voucherify`` process on a port (``CUSTOMERS`` demo
customers). uc-mcp runs Voucherify alone (``UC_MCP_PROVIDERS=voucherify``) with that sandbox as its API and its
client's pace raised to ``PACE`` requests/s: the default pace is the real API's published limit (100 a minute),
which would time the limiter; FastMCP's client has none.

- 10a tool definitions: name + title + description + ``inputSchema`` of every tool (what a host puts in the model's
  context), as ``tools/list`` returns them: uc-mcp with ``UC_MCP_PROVIDERS=voucherify=sandbox`` (its default
  toolsets, and every toolset), versus FastMCP's 12 tools. Also: the ``tools/list`` bytes (output schemas and
  annotations included), the output schemas alone, Voucherify's part of the listing when UltraCart runs too, and
  the tools over DESIGN.md's per-tool budgets.
- 10b list 50 customers: the text of ``voucherify_list_customers`` (``limit=50``, then ``cursor=next_cursor``
  while the result budget cut the page short) versus FastMCP's ``list_customers {limit: 50}``; the raw API JSON
  of ``GET /v1/customers?limit=50`` beside them. The same 50 customers (checked, in order).
- 10c one customer's support view, for each of those 50 customers: ``voucherify_customer_overview`` (one tool
  call, at most 4 API calls) versus the calls a model makes with FastMCP's tools for the same view:
  ``get_customer``, ``list_customer_redeemables``, ``list_customer_segments``, ``list_customer_activity``, each with
  the customer's id and nothing else (the API's defaults).
- 10d look up a customer by email: ``voucherify_find_customers {query: email}`` versus FastMCP's
  ``list_customers {email}`` (an exact filter: the way the API finds an email), for a customer whose email is its
  own; both must name the same customer.
- 10e start-up: spawn → the ``tools/list`` answer (after ``initialize``), the two servers in turn each round after
  an unmeasured warm-up round; the figure is the median of the per-round ratios.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Figure, clean_env, python, sandbox_server
from bench.stdio import StdioServer
from bench.versus import NAMES, Servers, startup
from bench.versus import unavailable as versus_unavailable

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "tests" / "spec" / "voucherify-customers-openapi.json"
CUSTOMERS = 1_000
LISTED = 50
PACE = "1000"  # UC_MCP_VOUCHERIFY_RATE_LIMIT: requests/s, so that the limiter never waits in these calls
# The embedded sandbox's key pair (uc_mcp/voucherify/settings.py), sent by both servers and the raw request.
APP_ID, APP_TOKEN = "sandbox-app-id", "sandbox-app-token"
# DESIGN.md's per-tool budgets (uc_mcp/schemas.py); the 64 KB total is for every provider's defaults together.
INPUT_BUDGET, WRITE_INPUT_BUDGET, OUTPUT_BUDGET = 4 * 1024, 10 * 1024, 12 * 1024
# The calls a model makes with FastMCP's tools for one customer's support view (10c).
FASTMCP_VIEW = ("get_customer", "list_customer_redeemables", "list_customer_segments", "list_customer_activity")


def unavailable() -> str | None:
    """Why figure 10 cannot run here (it needs what figure 9 needs: fastmcp 4.x), or None."""
    reason = versus_unavailable()
    return reason.replace("figure 9", "figure 10") if reason else None


def seed_database(path: Path, customers: int = CUSTOMERS) -> Path:
    """Create and seed a Voucherify sandbox database at ``path`` (once; an existing one is reused)."""
    from uc_mcp.voucherify.sandbox.runtime import Sandbox, SandboxOptions

    if not path.exists():
        Sandbox(SandboxOptions(db=path, customers=customers)).close()
    return path


# -- the two servers ---------------------------------------------------------------------------------


@dataclass(slots=True)
class VoucherifyServers(Servers):
    """Figure 9's pair for Voucherify: ``base_url`` is the sandbox's root (its paths start with ``/v1``)."""

    def uc_mcp(self, source: Path | None = None) -> StdioServer:
        home = self._home("uc-mcp")
        env = clean_env(
            home,
            UC_MCP_PROVIDERS="voucherify",
            VOUCHERIFY_BASE_URL=self.base_url,
            VOUCHERIFY_APP_ID=APP_ID,
            VOUCHERIFY_APP_TOKEN=APP_TOKEN,
            UC_MCP_VOUCHERIFY_RATE_LIMIT=PACE,
            UC_MCP_EXPORT_DIR=str(home / "exports"),
            XDG_CACHE_HOME=str(self.folder / "uc-mcp-cache"),  # kept between starts, as an installation keeps it
        )
        if source is not None:
            env["PYTHONPATH"] = str(source)
        return StdioServer([python(), "-m", "uc_mcp", "serve"], env, home)

    def fastmcp(self) -> StdioServer:
        argv = [python(), "-m", "bench.fastmcp_voucherify", str(SPEC), self.base_url, APP_ID, APP_TOKEN]
        return StdioServer(argv, clean_env(self._home("fastmcp")), REPO)

    def embedded(self, **extra: str) -> StdioServer:
        """``uc-mcp serve`` on its embedded Voucherify sandbox (10a: what ``voucherify=sandbox`` lists)."""
        home = self._home("uc-mcp-embedded")
        defaults = {
            "UC_MCP_PROVIDERS": "voucherify=sandbox",
            "UC_MCP_VOUCHERIFY_SANDBOX_DB": str(home / "voucherify.sqlite3"),
            "XDG_CACHE_HOME": str(self.folder / "uc-mcp-cache"),
        }
        env = clean_env(home, **(defaults | extra))
        return StdioServer([python(), "-m", "uc_mcp", "serve"], env, home)


@dataclass(frozen=True, slots=True)
class Sizes:
    name: str
    context: int  # name + title + description + inputSchema
    input: int
    output: int
    listed: int  # the tool's whole entry in tools/list


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def tool_sizes(tool: dict[str, Any]) -> Sizes:
    text = (tool["name"] + (tool.get("title") or "") + (tool.get("description") or "")).encode("utf-8")
    schema = tool.get("inputSchema")
    output = tool.get("outputSchema")
    return Sizes(tool["name"], len(text) + _size(schema), _size(schema), _size(output) if output else 0, _size(tool))


def over_budget(size: Sizes) -> list[str]:
    """DESIGN.md's per-tool budgets a tool exceeds (create/update may take 10 KB of input)."""
    writes = size.name.endswith(("create_customer", "update_customer"))
    found = []
    if size.input > (WRITE_INPUT_BUDGET if writes else INPUT_BUDGET):
        found.append(f"{size.name} input {size.input:,} B")
    if size.output > OUTPUT_BUDGET:
        found.append(f"{size.name} output {size.output:,} B")
    return found


def summary(tools: list[dict[str, Any]]) -> dict[str, Any]:
    sizes = [tool_sizes(tool) for tool in tools]
    largest = max(sizes, key=lambda size: size.context)
    return {
        "tools": len(sizes),
        "names": [size.name for size in sizes],
        "context": sum(size.context for size in sizes),
        "output": sum(size.output for size in sizes),
        "listed": sum(size.listed for size in sizes),
        "largest": (largest.name, largest.context),
        "over_budget": [problem for size in sizes for problem in over_budget(size)],
    }


def _listed(server: StdioServer) -> list[dict[str, Any]]:
    with server:
        server.initialize()
        return list(server.list_tools().result["tools"])


def definitions(servers: VoucherifyServers) -> dict[str, Any]:
    """10a: one listing each (sizes do not vary between starts)."""
    from uc_mcp.voucherify.provider import PROVIDER

    every = ",".join(PROVIDER.qualified(toolset) for toolset in PROVIDER.toolsets)
    both = _listed(servers.embedded(UC_MCP_PROVIDERS="ultracart=sandbox,voucherify=sandbox"))
    return {
        "uc-mcp": summary(_listed(servers.embedded())),
        "uc-mcp every toolset": summary(_listed(servers.embedded(UC_MCP_TOOLSETS=every))),
        "uc-mcp with ultracart": summary([tool for tool in both if tool["name"].startswith("voucherify_")]),
        "fastmcp": summary(_listed(servers.fastmcp())),
    }


# -- the bytes the model receives --------------------------------------------------------------------


@dataclass(slots=True)
class Transcript:
    """The calls of one task on one server and the bytes the model received."""

    calls: list[str] = field(default_factory=list)
    text_bytes: int = 0
    api_calls: int = 0  # uc-mcp's own count (its results say); FastMCP makes one per call

    def call(self, server: StdioServer, tool: str, arguments: dict[str, Any]) -> Any:
        reply = server.call(tool, arguments)
        assert not reply.is_error, f"{tool}: {reply.text[:500]}"
        self.calls.append(tool)
        self.text_bytes += reply.text_bytes
        payload = json.loads(reply.text)
        # FastMCP wraps an answer whose schema is not a plain object as {"result": ...}.
        if isinstance(payload, dict) and list(payload) == ["result"]:
            payload = payload["result"]
        # uc-mcp's assist tools say how many API calls they made; any other call is one.
        self.api_calls += int(payload.get("api_calls", 1)) if isinstance(payload, dict) else 1
        return payload


def _ids(result: dict[str, Any]) -> list[str]:
    """The customer ids of a uc-mcp table (``columns`` + ``items``)."""
    column = result["columns"].index("id")
    return [row[column] for row in result["items"]]


def raw_list(base_url: str) -> tuple[int, list[str]]:
    """The raw API JSON of ``GET /v1/customers?limit=50``: its bytes and the customers' ids."""
    import httpx2

    headers = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN}
    response = httpx2.get(f"{base_url}/v1/customers", params={"limit": LISTED}, headers=headers, timeout=60.0)
    response.raise_for_status()
    return len(response.content), [customer["id"] for customer in response.json()["customers"]]


def list_uc(server: StdioServer) -> tuple[Transcript, list[str]]:
    out = Transcript()
    ids: list[str] = []
    arguments: dict[str, Any] = {"limit": LISTED}
    while len(ids) < LISTED:
        page = out.call(server, "voucherify_list_customers", arguments)
        ids += _ids(page)
        if page.get("next_cursor") is None:
            break
        arguments = {"limit": LISTED - len(ids), "cursor": page["next_cursor"]}
    return out, ids


def list_fastmcp(server: StdioServer) -> tuple[Transcript, list[str]]:
    out = Transcript()
    page = out.call(server, "list_customers", {"limit": LISTED})
    return out, [customer["id"] for customer in page["customers"]]


def view_uc(server: StdioServer, customer_id: str) -> Transcript:
    out = Transcript()
    overview = out.call(server, "voucherify_customer_overview", {"customer_id": customer_id})
    assert overview["customer"]["id"] == customer_id, overview["customer"]
    return out


def view_fastmcp(server: StdioServer, customer_id: str) -> Transcript:
    out = Transcript()
    for tool in FASTMCP_VIEW:
        out.call(server, tool, {"customerId": customer_id})
    return out


def find_uc(server: StdioServer, email: str) -> tuple[Transcript, str]:
    out = Transcript()
    found = out.call(server, "voucherify_find_customers", {"query": email})
    return out, _ids(found)[0]


def find_fastmcp(server: StdioServer, email: str) -> tuple[Transcript, str]:
    out = Transcript()
    page = out.call(server, "list_customers", {"email": email})
    assert len(page["customers"]) == 1, f"{email} is not one customer's"
    return out, str(page["customers"][0]["id"])


def _pair(ours: Transcript, theirs: Transcript) -> dict[str, Any]:
    return {
        "uc-mcp": {"calls": len(ours.calls), "bytes": ours.text_bytes, "api_calls": ours.api_calls},
        "fastmcp": {"calls": len(theirs.calls), "bytes": theirs.text_bytes, "api_calls": theirs.api_calls},
        "ratio": ours.text_bytes / theirs.text_bytes,
    }


def _own_email(running: dict[str, StdioServer], ids: list[str]) -> str:
    """The email of a customer of the list that no other customer shares (Voucherify allows duplicates), taken
    from the middle of the list, before anything is measured."""
    probe = Transcript()
    for customer_id in ids[len(ids) // 2 :] + ids[: len(ids) // 2]:
        email = probe.call(running["fastmcp"], "get_customer", {"customerId": customer_id}).get("email")
        if email and len(probe.call(running["fastmcp"], "list_customers", {"email": email})["customers"]) == 1:
            return str(email)
    raise RuntimeError("no customer of the list has an email of its own")


def results(running: dict[str, StdioServer], base_url: str) -> dict[str, Any]:
    """10b-10d: the same customers through both servers."""
    raw_bytes, raw_ids = raw_list(base_url)
    (ours, our_ids), (theirs, their_ids) = list_uc(running["uc-mcp"]), list_fastmcp(running["fastmcp"])
    assert our_ids == their_ids == raw_ids, "the three lists must hold the same customers in the same order"
    listed = {**_pair(ours, theirs), "raw_bytes": raw_bytes, "customers": len(our_ids)}
    views = [_pair(view_uc(running["uc-mcp"], cid), view_fastmcp(running["fastmcp"], cid)) for cid in our_ids]
    viewed = {
        side: {key: sum(view[side][key] for view in views) for key in ("calls", "bytes", "api_calls")} for side in NAMES
    }
    ratios = [view["ratio"] for view in views]
    support = {
        **viewed,
        "customers": len(views),
        "ratio": viewed["uc-mcp"]["bytes"] / viewed["fastmcp"]["bytes"],
        "per_customer": {"min": min(ratios), "median": statistics.median(ratios), "max": max(ratios)},
    }
    email = _own_email(running, our_ids)
    (ours, our_match), (theirs, their_match) = (
        find_uc(running["uc-mcp"], email),
        find_fastmcp(running["fastmcp"], email),
    )
    assert our_match == their_match, (email, our_match, their_match)
    return {"list": listed, "support": support, "find": {**_pair(ours, theirs), "email": email}}


# -- the run -----------------------------------------------------------------------------------------


def _started(servers: VoucherifyServers) -> dict[str, StdioServer]:
    running = {name: servers.start(name) for name in NAMES}
    for server in running.values():
        server.initialize()
        server.list_tools()
    return running


def run(folder: Path, rounds: int, customers: int = CUSTOMERS) -> dict[str, Any]:
    db = seed_database(folder / f"voucherify-{customers}.sqlite3", customers)
    result: dict[str, Any] = {"customers": customers}
    # common.sandbox_server names UltraCart's root; Voucherify's sandbox serves its /v1 paths from the root.
    with sandbox_server(db, "voucherify") as url:
        base_url = url.removesuffix("/rest/v2")
        servers = VoucherifyServers(folder, base_url)
        result["definitions"] = definitions(servers)
        result["startup"] = startup(servers, rounds)
        running = _started(servers)
        try:
            result.update(results(running, base_url))
        finally:
            for server in running.values():
                server.close()
    ours, embedded = result["startup"]["tools"]["uc-mcp"], result["definitions"]["uc-mcp"]["tools"]
    assert ours == embedded, f"uc-mcp on the socket listed {ours} tools, on its embedded sandbox {embedded}"
    return result


def _x(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.3f}x"


def _task_line(task: dict[str, Any]) -> str:
    ours, theirs = task["uc-mcp"], task["fastmcp"]
    return (
        f"{ours['bytes']:,} B in {ours['calls']} call(s) ({ours['api_calls']} API) vs {theirs['bytes']:,} B in "
        f"{theirs['calls']} call(s) ({theirs['api_calls']} API)"
    )


def _definitions_figure(found: dict[str, Any]) -> Figure:
    ours, every, shared, theirs = (
        found[key] for key in ("uc-mcp", "uc-mcp every toolset", "uc-mcp with ultracart", "fastmcp")
    )
    return Figure(
        "10a",
        "Voucherify tool definitions vs FastMCP",
        ours["context"] / theirs["context"],
        None,
        detail=(
            f"in the model's context (name, title, description, inputSchema) {ours['context']:,} B for "
            f"{ours['tools']} tools (voucherify=sandbox, default toolsets; every toolset {every['tools']} tools "
            f"{every['context']:,} B, {_x(every['context'], theirs['context'])}) vs {theirs['context']:,} B for "
            f"{theirs['tools']}\n"
            f"tools/list entries (output schemas and annotations too) {ours['listed']:,} vs {theirs['listed']:,} B "
            f"({_x(ours['listed'], theirs['listed'])}); output schemas {ours['output']:,} vs {theirs['output']:,} B; "
            f"with UltraCart too, Voucherify's {shared['tools']} tools {shared['context']:,} B\n"
            f"largest {ours['largest'][0]} {ours['largest'][1]:,} B vs {theirs['largest'][0]} "
            f"{theirs['largest'][1]:,} B; over DESIGN.md's per-tool budgets: uc-mcp "
            f"{', '.join(every['over_budget']) or 'none'}; FastMCP {', '.join(theirs['over_budget']) or 'none'}"
        ),
        extra=found,
    )


def figures(folder: Path, rounds: int, customers: int = CUSTOMERS) -> list[Figure]:
    result = run(folder, rounds, customers)
    listed, support, find, start = result["list"], result["support"], result["find"], result["startup"]
    seconds, cpu = start["seconds"], start["cpu"]
    spread = support["per_customer"]
    return [
        _definitions_figure(result["definitions"]),
        Figure(
            "10b",
            "list 50 customers: bytes vs FastMCP",
            listed["ratio"],
            None,
            detail=(
                f"voucherify_list_customers vs list_customers: {_task_line(listed)}; raw API JSON "
                f"{listed['raw_bytes']:,} B (uc-mcp {_x(listed['uc-mcp']['bytes'], listed['raw_bytes'])} of it)"
            ),
            extra=listed,
        ),
        Figure(
            "10c",
            f"support view of {support['customers']} customers vs FastMCP",
            support["ratio"],
            None,
            detail=(
                f"voucherify_customer_overview vs {' + '.join(FASTMCP_VIEW)} for each: {_task_line(support)}\n"
                f"per customer {spread['min']:.3f}x to {spread['max']:.3f}x (median {spread['median']:.3f}x)"
            ),
            extra=support,
        ),
        Figure(
            "10d",
            "find a customer by email: bytes vs FastMCP",
            find["ratio"],
            None,
            detail=f"voucherify_find_customers vs list_customers {{email}}: {_task_line(find)}",
            extra=find,
        ),
        Figure(
            "10e",
            "Voucherify start-up to tools/list vs FastMCP",
            start["ratio"],
            None,
            detail=(
                f"{seconds['uc-mcp'] * 1000:,.0f} vs {seconds['fastmcp'] * 1000:,.0f} ms, CPU "
                f"{cpu['uc-mcp'] * 1000:,.0f} vs {cpu['fastmcp'] * 1000:,.0f} ms ({start['cpu_ratio']:.2f}x); "
                f"UC_MCP_PROVIDERS=voucherify; medians of {start['rounds']} interleaved rounds, the figure the median "
                f"of the per-round ratios; tools/list {start['list_bytes']['uc-mcp']:,} vs "
                f"{start['list_bytes']['fastmcp']:,} B"
            ),
            extra=start,
        ),
    ]
