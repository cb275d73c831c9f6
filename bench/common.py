"""Helpers every benchmark shares: memory readings, timing, clean environments, the results table."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

MB = 1024 * 1024
T = TypeVar("T")


# -- memory ------------------------------------------------------------------------------------------


def _status(pid: int | str = "self") -> dict[str, int]:
    """The kB fields of /proc/<pid>/status (VmRSS, VmHWM, ...), in bytes; empty off Linux."""
    values: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                name, _, rest = line.partition(":")
                parts = rest.split()
                if len(parts) == 2 and parts[1] == "kB":
                    values[name] = int(parts[0]) * 1024
    except OSError:
        pass
    return values


def rss(pid: int | str = "self") -> int:
    """Resident set size in bytes (/proc, else ``resource``'s peak as the best available figure)."""
    found = _status(pid).get("VmRSS")
    if found is not None:
        return found
    if pid == "self":
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    raise RuntimeError("RSS of another process needs /proc")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat), in seconds; NaN off Linux."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_used(before: float, after: float) -> float:
    """CPU seconds between two ``cpu_seconds`` readings, to the clock tick they count in: the readings are whole
    ticks (10 ms), and their float difference is not (0.54 and 0.5399999999999991 are the same 54 ticks, and a
    ratio of the two is not 1)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return round((after - before) * ticks) / ticks


def peak_rss(pid: int | str = "self") -> int:
    """Peak resident set size since the start (or the last ``reset_peak``), in bytes."""
    found = _status(pid).get("VmHWM")
    if found is not None:
        return found
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux >= 4.0); False when it cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


# -- timing ------------------------------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def median(values: list[float]) -> float:
    return statistics.median(values)


def round_ratio(ours: list[float], theirs: list[float]) -> float:
    """The median of the per-round ratios ``ours[i] / theirs[i]``: each round's two measurements ran back
    to back under the same machine load, so the drift between rounds (other work on a shared machine)
    cancels, which a ratio of the two medians does not do."""
    return statistics.median(mine / other for mine, other in zip(ours, theirs, strict=True))


def rotated(names: tuple[T, ...], index: int) -> tuple[T, ...]:
    """``names`` starting at position ``index`` (mod len): each leads a round in turn."""
    shift = index % len(names)
    return names[shift:] + names[:shift]


# -- environments ------------------------------------------------------------------------------------


PROVIDER_PREFIXES = ("ULTRACART_", "VOUCHERIFY_", "TWC_", "UC_MCP_")


def clean_env(folder: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any provider's variables (``ULTRACART_*``, ``VOUCHERIFY_*``, ``TWC_*``) or
    ``UC_MCP_*``, with fresh XDG directories under ``folder``: a server started with it uses the embedded sandboxes
    and touches nothing of the user's."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(PROVIDER_PREFIXES)}
    # Bytecode caches may be written (a warm-up round fills them, as an installation would).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        XDG_STATE_HOME=str(folder / "state"),
        XDG_DATA_HOME=str(folder / "data"),
        XDG_CACHE_HOME=str(folder / "cache"),
    )
    env.update(extra)
    return env


@contextmanager
def scratch(prefix: str = "uc-bench-") -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)


def python() -> str:
    return sys.executable


def bench_settings(db: Path, customers: int, **overrides: Any) -> Any:
    """Settings for an in-process server on the sandbox at ``db``: nothing from ``.env`` or the environment.
    UltraCart alone unless ``providers`` says otherwise (the figures measure UltraCart's tools; with every provider
    enabled a host lists only each provider's shared defaults). Other providers' sandboxes live beside ``db``."""
    from uc_mcp.settings import Settings

    values: dict[str, Any] = {
        "providers": ["ultracart=sandbox"],
        "voucherify_sandbox_db": db.with_name(db.stem + "-voucherify.sqlite3"),
        "backend": "sandbox",
        "sandbox_db": db,
        "sandbox_customers": customers,
        "audit_log": db.with_name("audit.jsonl"),
        "export_dir": db.with_name("exports"),
    }
    return Settings(_env_file=None, **(values | overrides))


# -- the report --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Figure:
    """One line of the results table: a ratio measured in one run, against its target."""

    number: str
    name: str
    measured: float
    target: float | None  # None: reported, no target (the table says "report")
    higher_is_better: bool = False
    unit: str = "x"
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        if self.target is None:
            return True
        return self.measured >= self.target if self.higher_is_better else self.measured <= self.target

    def row(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        value = f"{self.measured:.3f}{self.unit}" if abs(self.measured) < 100 else f"{self.measured:,.0f}{self.unit}"
        if self.target is None:
            return f"{self.number:<4} {self.name:<44} {value:>12} {'-':>12}  report"
        target = f"{sign} {self.target:.3g}{self.unit}"
        return f"{self.number:<4} {self.name:<44} {value:>12} {target:>12}  {'pass' if self.passed else 'FAIL'}"


def print_figure(figure: Figure) -> None:
    print(figure.row(), flush=True)
    if figure.detail:
        for line in figure.detail.splitlines():
            print(f"       {line}", flush=True)


# -- the standalone sandbox (``uc-mcp sandbox`` on a port) -------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sandbox_server(db: Path, *args: str) -> Iterator[str]:
    """Run ``uc-mcp sandbox`` on a free port in its own process; yields its base URL. The database must
    exist (a new one would be seeded first); the process is stopped afterwards."""
    import socket
    import subprocess

    port = free_port()
    command = [python(), "-m", "uc_mcp", "sandbox", "--port", str(port), "--db", str(db), *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=db.parent)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uc-mcp sandbox exited: {process.communicate()[1].decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("uc-mcp sandbox did not listen within 60 s") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/rest/v2"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
