"""Hosts start the server on every launch: nothing slow or networked may happen before the
``initialize`` answer. Checked in a fresh interpreter, where ``sys.modules`` tells the truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, socket, sys
opened = []
real = socket.socket.connect
def spy(self, address):
    opened.append(str(address))
    return real(self, address)
socket.socket.connect = spy
from uc_mcp.settings import Settings
from uc_mcp.server import build_server
build_server(Settings(_env_file=None, backend=sys.argv[1], sandbox_db=sys.argv[2], ultracart_api_key="k" * 20))
lazy = ["sqlite3", "redis", "uc_mcp.ultracart.sandbox.store", "uc_mcp.ultracart.sandbox.app", "uc_mcp.http_app",
        "hypothesis", "jsonschema"]
print(json.dumps({"loaded": [name for name in lazy if name in sys.modules], "connections": opened}))
"""


def test_building_the_server_touches_no_network_database_or_optional_module(tmp_path: Path) -> None:
    for backend in ("sandbox", "ultracart"):
        db = tmp_path / f"{backend}.sqlite3"
        done = subprocess.run(
            [sys.executable, "-c", PROBE, backend, str(db)], capture_output=True, text=True, timeout=60, check=True
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report == {"loaded": [], "connections": []}, backend
        assert not db.exists()  # the sandbox database is opened (and seeded) on the first tool call
