"""``uc-mcp`` starts without the cyclic garbage collector (uc_mcp/start.py) and resumes it before serving: a
server that never collected would grow without bound on a long session's cycles; other commands run with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Runs the command's real entry point with the command's handler replaced by a probe of the collector's state.
PROBE = """
import gc, json, sys
import uc_mcp.cli as cli
seen = {}
def probe(args):
    seen["before serving"] = gc.isenabled()
    if args.command == "serve":
        cli._freeze_start_up_objects()  # what the real handler does once the server is built
        seen["serving"] = gc.isenabled()
    return 0
cli._run_serve = cli._run_tools = probe
from uc_mcp.start import main
sys.argv = ["uc-mcp", sys.argv[1]]
main()
seen["after"] = gc.isenabled()
print(json.dumps(seen))
"""


def _collector_states(tmp_path: Path, command: str) -> dict[str, bool]:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, command], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    states: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return states


def test_the_server_starts_without_the_collector_and_serves_with_it(tmp_path: Path) -> None:
    assert _collector_states(tmp_path, "serve") == {"before serving": False, "serving": True, "after": True}


def test_other_commands_run_with_the_collector(tmp_path: Path) -> None:
    assert _collector_states(tmp_path, "tools") == {"before serving": True, "after": True}
