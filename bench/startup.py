"""Figure 1 — start-up: ``python -m uc_mcp serve`` over stdio from spawn to its ``tools/list`` answer, versus
a minimal one-tool ``MCPServer`` in the same interpreter and environment (target ≤ 1.3x), and the idle RSS
of both once they have listed their tools.

Each spawn writes ``initialize`` as one JSON-RPC line and reads its answer, sends
``notifications/initialized`` and ``tools/list``, and is timed from spawn to the ``tools/list`` answer's line
on stdout (what a host waits for before the model can see a tool). The CPU the server used until then is
read from ``/proc/<pid>/stat``; after a moment idle, its ``VmRSS`` from ``/proc/<pid>/status``.

Each round spawns every variant (interleaved: the two groups below, and the variants within each, lead a
round in turn) with fresh temporary directories for ``XDG_STATE_HOME``/``XDG_DATA_HOME``, ``TMPDIR`` and
``UC_MCP_SANDBOX_DB``; a ratio is the median of the per-round ratios (uc-mcp / its minimal in the same round,
the two spawned within the same group, seconds apart). A first unmeasured round of each warms the page
cache, the bytecode cache and the caches that are kept across rounds. The variants:

- ``uc-mcp``: the tool-schema cache in an ``XDG_CACHE_HOME`` kept across rounds (every start after the
  first, as on a user's machine), against ``minimal``;
- ``uc-mcp providers``: the same with ``UC_MCP_PROVIDERS=ultracart`` set (the same code path while UltraCart
  is the only provider; its tool list must equal the default's);
- ``uc-mcp cold``: the first start, the schema cache empty (a fresh ``XDG_CACHE_HOME`` each round);
- ``uc-mcp read-only``: ``PYTHONDONTWRITEBYTECODE=1`` and ``HOME``/``XDG_*_HOME`` in a read-only directory,
  so the schema cache cannot be written in the user cache directory and falls back to a private folder
  under ``TMPDIR`` (kept across rounds, as ``/tmp`` is);
- ``uc-mcp no cache``: the same, but ``TMPDIR`` fresh each round too, so no start finds a schema cache
  (the time of a start whose cache can be written nowhere: the write happens at exit, after the timing);
- ``minimal read-only``: the minimal server in that same environment, the baseline of the two above.

"Read-only" has to hold for root too (which ignores permission bits): when the benchmark runs as root, the
read-only variants are spawned without ``CAP_DAC_OVERRIDE``/``CAP_DAC_READ_SEARCH`` (dropped from the
capability bounding set before ``exec``), so the directory's mode applies to them as to any user.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import MB, Figure, clean_env, cpu_seconds, median, python, rotated, round_ratio, rss, scratch

TARGET = 1.3
MINIMAL_SERVER = '''\
from mcp.server.mcpserver import MCPServer

server = MCPServer(name="minimal")


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


server.run("stdio")
'''
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "uc-mcp-bench", "version": "1"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
IDLE_S = 0.3  # after tools/list, before reading the idle RSS
DEADLINE_S = 60

MINIMAL, UC_MCP, PROVIDERS, COLD = "minimal", "uc-mcp", "uc-mcp providers", "uc-mcp cold"
MINIMAL_RO, READ_ONLY, NO_CACHE = "minimal read-only", "uc-mcp read-only", "uc-mcp no cache"
# Each ratio's two spawns run in the same group, a few seconds apart at most, so the load drifts little between them.
GROUPS = ((MINIMAL, UC_MCP, PROVIDERS, COLD), (MINIMAL_RO, READ_ONLY, NO_CACHE))
VARIANTS = tuple(name for group in GROUPS for name in group)
RESTRICTED = (MINIMAL_RO, READ_ONLY, NO_CACHE)  # PYTHONDONTWRITEBYTECODE=1, read-only home
BASELINE = {UC_MCP: MINIMAL, PROVIDERS: MINIMAL, COLD: MINIMAL, READ_ONLY: MINIMAL_RO, NO_CACHE: MINIMAL_RO}


def _read_answer(
    process: subprocess.Popen[bytes], request_id: int, deadline: float, pending: bytearray
) -> dict[str, Any]:
    """The first JSON-RPC line on stdout that answers request ``request_id`` (raw reads: no buffering
    surprises). ``pending`` carries what was read past that line to the next call."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    while True:
        while b"\n" in pending:
            end = pending.index(b"\n")
            line = bytes(pending[:end])
            del pending[: end + 1]
            if line.strip():
                message = json.loads(line)
                if message.get("id") == request_id:
                    return dict(message)
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no answer to request {request_id}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            raise RuntimeError(f"server exited before answering request {request_id} (code {process.wait()})")
        pending += chunk


def _send(process: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message).encode() + b"\n")
    process.stdin.flush()


def _succeeded(answer: dict[str, Any], what: str) -> dict[str, Any]:
    if "result" not in answer:
        raise RuntimeError(f"{what} failed: {answer}")
    return dict(answer["result"])


def spawn_once(
    argv: list[str], env: dict[str, str], cwd: Path, before_exec: Callable[[], None] | None = None
) -> tuple[float, float, int, list[str]]:
    """Seconds from spawn to the ``tools/list`` answer, the CPU seconds the server used until then, the idle
    RSS after it, and the names of the tools listed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        preexec_fn=before_exec,
    )
    assert process.stdin is not None
    pending = bytearray()
    try:
        deadline = time.monotonic() + DEADLINE_S
        _send(process, INITIALIZE)
        _succeeded(_read_answer(process, 1, deadline, pending), "initialize")
        _send(process, INITIALIZED)
        _send(process, LIST_TOOLS)
        listed = _read_answer(process, 2, deadline, pending)
        elapsed = time.perf_counter() - started
        used = cpu_seconds(process.pid)
        time.sleep(IDLE_S)
        idle = rss(process.pid)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    names = [tool["name"] for tool in _succeeded(listed, "tools/list")["tools"]]
    return elapsed, used, idle, names


_PR_CAPBSET_DROP = 24  # <linux/prctl.h>
_DAC_CAPABILITIES = (1, 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


def _dac_override_dropper() -> Callable[[], None] | None:
    """For root: what the child runs before ``exec`` to lose the capabilities that let it write a read-only
    directory (libc is loaded here, in the parent, not between fork and exec). None for any other user."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for capability in _DAC_CAPABILITIES:
            if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed: a read-only home would not hold")

    return drop


def _environment(name: str, home: Path, read_only: Path, folder: Path) -> dict[str, str]:
    """The environment of ``name`` in the round whose own (writable) directory is ``home``."""
    env = clean_env(home, UC_MCP_SANDBOX_DB=str(home / "sandbox.sqlite3"), TMPDIR=str(home / "tmp"))
    (home / "tmp").mkdir()
    if name in (UC_MCP, PROVIDERS):
        env["XDG_CACHE_HOME"] = str(folder / "cache")  # kept across rounds
    if name == PROVIDERS:
        env["UC_MCP_PROVIDERS"] = "ultracart"
    if name in RESTRICTED:
        env.update(
            PYTHONDONTWRITEBYTECODE="1",
            HOME=str(read_only),
            XDG_CACHE_HOME=str(read_only / ".cache"),
            XDG_STATE_HOME=str(read_only / ".local" / "state"),
            XDG_DATA_HOME=str(read_only / ".local" / "share"),
            XDG_CONFIG_HOME=str(read_only / ".config"),
        )
    if name == READ_ONLY:
        env["TMPDIR"] = str(folder / "tmp")  # kept across rounds, as /tmp is
    return env


def _assert_read_only(read_only: Path, before_exec: Callable[[], None] | None) -> None:
    """The read-only variants mean something only if their home really cannot be written."""
    probe = [python(), "-c", f"open({str(read_only / 'probe')!r}, 'w')"]
    if subprocess.run(probe, stderr=subprocess.DEVNULL, preexec_fn=before_exec).returncode == 0:
        raise RuntimeError(f"{read_only} is writable by the server: the read-only variants would measure nothing")


def run(rounds: int) -> dict[str, Any]:
    with scratch() as folder:
        minimal = folder / "minimal_server.py"
        minimal.write_text(MINIMAL_SERVER, encoding="utf-8")
        (folder / "tmp").mkdir()
        read_only = folder / "read-only-home"
        read_only.mkdir()
        read_only.chmod(0o555)
        restricted_exec = _dac_override_dropper()
        try:
            _assert_read_only(read_only, restricted_exec)
            measured = _rounds(rounds, folder, minimal, read_only, restricted_exec)
        finally:
            read_only.chmod(0o700)  # so the scratch folder can be removed
    return _summary(rounds, *measured)


def _order(index: int) -> list[str]:
    """The spawns of round ``index``: the groups, and the variants within each, leading in turn."""
    return [name for group in rotated(GROUPS, index) for name in rotated(group, index)]


def _rounds(
    rounds: int, folder: Path, minimal: Path, read_only: Path, restricted_exec: Callable[[], None] | None
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[float]]]:
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    idle: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for index in range(rounds + 1):  # round 0 warms the caches and is not counted
        listings: dict[str, list[str]] = {}
        for name in _order(index):
            home = folder / f"{name.replace(' ', '-')}-{index}"
            home.mkdir()
            env = _environment(name, home, read_only, folder)
            argv = [python(), str(minimal)] if name.startswith(MINIMAL) else [python(), "-m", "uc_mcp", "serve"]
            before_exec = restricted_exec if name in RESTRICTED else None
            elapsed, used, resident, listings[name] = spawn_once(argv, env, home, before_exec)
            if index:
                times[name].append(elapsed)
                cpu[name].append(used)
                idle[name].append(resident / MB)
            if not name.startswith(MINIMAL):
                # The server must not have opened (or seeded) the sandbox before its first tool call.
                # (any provider's: UltraCart's is named in the environment, the others' lie under XDG_DATA_HOME)
                opened = sorted(str(path) for path in home.rglob("*.sqlite3"))
                assert not opened, f"{name} opened a sandbox at start-up: {opened}"
        # Every uc-mcp variant serves the same tools (the cache and the environment change only the time); the
        # one-provider variant serves that provider's whole default listing, a different list by design.
        served = {name: tools for name, tools in listings.items() if not name.startswith(MINIMAL) and name != PROVIDERS}
        assert len({tuple(tools) for tools in served.values()}) == 1, f"the variants listed different tools: {served}"
        assert listings[MINIMAL] == listings[MINIMAL_RO] == ["echo"]
    assert not any(read_only.iterdir()), "the read-only home was written"
    # ... and the read-only variant did use the fallback under TMPDIR (else it measured the no-cache case).
    assert any((folder / "tmp").glob("uc-mcp-*/tool-schemas-*.json")), "no schema cache under TMPDIR"
    return times, cpu, idle


def _summary(
    rounds: int, times: dict[str, list[float]], cpu: dict[str, list[float]], idle: dict[str, list[float]]
) -> dict[str, Any]:
    result: dict[str, Any] = {"rounds": rounds}
    for name in VARIANTS:
        key = name.replace("-", "_").replace(" ", "_")
        result[f"{key}_s"] = median(times[name])
        result[f"{key}_cpu_s"] = median(cpu[name])
        result[f"{key}_idle_mb"] = median(idle[name])
        if name in BASELINE:
            baseline = BASELINE[name]
            result[f"{key}_ratio"] = round_ratio(times[name], times[baseline])
            result[f"{key}_cpu_ratio"] = round_ratio(cpu[name], cpu[baseline])
            result[f"{key}_ratios"] = [ours / theirs for ours, theirs in zip(times[name], times[baseline], strict=True)]
    result["ratio_of_medians"] = median(times[UC_MCP]) / median(times[MINIMAL])
    result["min_ratio"] = min(times[UC_MCP]) / min(times[MINIMAL])
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def figure(rounds: int) -> Figure:
    result = run(rounds)
    # The target holds for every start after the first, with the cache writable or not.
    measured = max(result["uc_mcp_ratio"], result["uc_mcp_read_only_ratio"])
    return Figure(
        "1",
        "spawn → tools/list vs minimal MCPServer",
        measured,
        TARGET,
        detail=(
            f"the larger of: uc-mcp serve {_ms(result['uc_mcp_s'])} vs minimal {_ms(result['minimal_s'])} "
            f"({result['uc_mcp_ratio']:.2f}x, CPU {result['uc_mcp_cpu_ratio']:.2f}x) and read-only home + "
            f"PYTHONDONTWRITEBYTECODE {_ms(result['uc_mcp_read_only_s'])} vs minimal "
            f"{_ms(result['minimal_read_only_s'])} ({result['uc_mcp_read_only_ratio']:.2f}x, "
            f"CPU {result['uc_mcp_read_only_cpu_ratio']:.2f}x)\n"
            f"medians of {result['rounds']} interleaved rounds, each ratio the median of the per-round ratios; "
            f"warm: ratio of the medians {result['ratio_of_medians']:.2f}x, of the fastest rounds "
            f"{result['min_ratio']:.2f}x\n"
            f"UC_MCP_PROVIDERS=ultracart {_ms(result['uc_mcp_providers_s'])} "
            f"({result['uc_mcp_providers_ratio']:.2f}x); first start, schema cache empty "
            f"{_ms(result['uc_mcp_cold_s'])} ({result['uc_mcp_cold_ratio']:.2f}x, "
            f"CPU {result['uc_mcp_cold_cpu_ratio']:.2f}x); read-only, no cache anywhere "
            f"{_ms(result['uc_mcp_no_cache_s'])} ({result['uc_mcp_no_cache_ratio']:.2f}x of the read-only "
            f"minimal, CPU {result['uc_mcp_no_cache_cpu_ratio']:.2f}x)\n"
            f"idle RSS after tools/list: uc-mcp {result['uc_mcp_idle_mb']:.1f} MB, "
            f"minimal {result['minimal_idle_mb']:.1f} MB"
        ),
        extra=result,
    )
