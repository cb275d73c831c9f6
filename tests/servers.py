"""Start ``uc-mcp`` sub-commands as real processes on free 127.0.0.1 ports, for end-to-end tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, stderr = process.communicate()
            raise RuntimeError(f"server exited with {process.returncode}: {stderr.decode(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


@contextmanager
def serving(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` until it listens on ``port``; terminate it (kill if it lingers) afterwards."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def sandbox_server(db: Path, *args: str) -> Iterator[str]:
    """Run ``uc-mcp sandbox`` on a free port; yields its base URL (``http://127.0.0.1:P/rest/v2``)."""
    port = free_port()
    command = [sys.executable, "-m", "uc_mcp", "sandbox", "--port", str(port), "--db", str(db), *args]
    with serving(command, port):
        yield f"http://127.0.0.1:{port}/rest/v2"


@contextmanager
def asgi_server(app: Any) -> Iterator[str]:
    """Serve an ASGI app in a thread of this process on a free port; yields ``http://127.0.0.1:P``.

    For stand-ins of the upstream API that a test must reach into (several stores, request times)."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
