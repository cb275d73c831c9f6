"""Figure 1 — start-up: ``python -m uc_mcp serve`` over stdio until its ``initialize`` answer, versus a
minimal one-tool ``MCPServer`` in the same interpreter and environment (target ≤ 1.3x), and the idle RSS
of both once initialised.

Each round spawns both servers (interleaved, the order alternating) with fresh temporary directories for
``XDG_STATE_HOME``/``XDG_DATA_HOME`` and ``UC_MCP_SANDBOX_DB``, writes the ``initialize`` request as one
JSON-RPC line, and times spawn → the answer's line on stdout. Then ``notifications/initialized`` is sent,
the server is left idle for a moment and its ``VmRSS`` is read from ``/proc/<pid>/status``. The figure is
the median of the per-round ratios (uc-mcp / minimal in the same round). A first unmeasured round of each
warms the page cache and the bytecode cache.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.common import MB, Figure, clean_env, cpu_seconds, median, python, round_ratio, rss, scratch

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
IDLE_S = 0.3  # after initialize, before reading the idle RSS


def _read_answer(process: subprocess.Popen[bytes], deadline: float) -> dict[str, Any]:
    """The first JSON-RPC line on stdout that answers request 1 (raw reads: no buffering surprises)."""
    assert process.stdout is not None
    buffered = b""
    fd = process.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no initialize answer")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            raise RuntimeError(f"server exited before answering (code {process.wait()})")
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            if line.strip():
                message = json.loads(line)
                if message.get("id") == 1:
                    return dict(message)


def spawn_once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int, dict[str, Any]]:
    """Seconds from spawn to the initialize answer, the CPU seconds the server used until then, the idle
    RSS after it, and the answer."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps(INITIALIZE).encode() + b"\n")
        process.stdin.flush()
        answer = _read_answer(process, time.monotonic() + 60)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(process.pid)
        process.stdin.write(json.dumps(INITIALIZED).encode() + b"\n")
        process.stdin.flush()
        time.sleep(IDLE_S)
        idle = rss(process.pid)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if "result" not in answer:
        raise RuntimeError(f"initialize failed: {answer}")
    return elapsed, cpu, idle, answer


VARIANTS = ("minimal", "uc-mcp", "uc-mcp cold")


def run(rounds: int) -> dict[str, Any]:
    with scratch() as folder:
        minimal = folder / "minimal_server.py"
        minimal.write_text(MINIMAL_SERVER, encoding="utf-8")
        shared_cache = folder / "cache"  # kept across rounds, like the bytecode caches
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
        idle: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for index in range(rounds + 1):  # round 0 warms the caches and is not counted
            order = VARIANTS[index % 3 :] + VARIANTS[: index % 3]  # each variant leads in turn
            for name in order:
                home = folder / f"{name.replace(' ', '-')}-{index}"
                home.mkdir()
                env = clean_env(home, UC_MCP_SANDBOX_DB=str(home / "sandbox.sqlite3"))
                if name == "uc-mcp":
                    env["XDG_CACHE_HOME"] = str(shared_cache)
                argv = [python(), str(minimal)] if name == "minimal" else [python(), "-m", "uc_mcp", "serve"]
                elapsed, used, resident, _ = spawn_once(argv, env, home)
                if index:
                    times[name].append(elapsed)
                    cpu[name].append(used)
                    idle[name].append(resident / MB)
                if name != "minimal":
                    # The server must not have opened (or seeded) the sandbox before its first tool call.
                    assert not (home / "sandbox.sqlite3").exists()
    theirs, theirs_cpu = median(times["minimal"]), median(cpu["minimal"])
    return {
        "rounds": rounds,
        "minimal_s": theirs,
        "uc_mcp_s": median(times["uc-mcp"]),
        "cold_s": median(times["uc-mcp cold"]),
        "ratio": round_ratio(times["uc-mcp"], times["minimal"]),
        "ratio_of_medians": median(times["uc-mcp"]) / theirs,
        "cold_ratio": round_ratio(times["uc-mcp cold"], times["minimal"]),
        "min_ratio": min(times["uc-mcp"]) / min(times["minimal"]),
        "minimal_cpu_s": theirs_cpu,
        "uc_mcp_cpu_s": median(cpu["uc-mcp"]),
        "cpu_ratio": round_ratio(cpu["uc-mcp"], cpu["minimal"]),
        "cold_cpu_ratio": round_ratio(cpu["uc-mcp cold"], cpu["minimal"]),
        "uc_mcp_idle_mb": median(idle["uc-mcp"]),
        "minimal_idle_mb": median(idle["minimal"]),
    }


def figure(rounds: int) -> Figure:
    result = run(rounds)
    return Figure(
        "1",
        "start-up to initialize vs minimal MCPServer",
        result["ratio"],
        TARGET,
        detail=(
            f"uc-mcp serve {result['uc_mcp_s'] * 1000:.0f} ms vs minimal {result['minimal_s'] * 1000:.0f} ms "
            f"(medians of {result['rounds']} interleaved rounds; the figure is the median of the per-round ratios; "
            f"ratio of the medians {result['ratio_of_medians']:.2f}x, of the fastest rounds {result['min_ratio']:.2f}x); "
            f"CPU {result['uc_mcp_cpu_s'] * 1000:.0f} vs {result['minimal_cpu_s'] * 1000:.0f} ms "
            f"({result['cpu_ratio']:.2f}x)\nfirst start (no tool-schema cache yet) {result['cold_s'] * 1000:.0f} ms "
            f"({result['cold_ratio']:.2f}x, CPU {result['cold_cpu_ratio']:.2f}x); idle RSS uc-mcp "
            f"{result['uc_mcp_idle_mb']:.1f} MB, minimal {result['minimal_idle_mb']:.1f} MB"
        ),
        extra=result,
    )
