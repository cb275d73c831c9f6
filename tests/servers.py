"""Start ``uc-mcp`` sub-commands as real processes on free 127.0.0.1 ports, for end-to-end tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class McpHttpServer:
    """A running ``uc-mcp serve --transport http``: its ``/mcp`` URL, process and log (stdout and stderr)."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def mcp_http_server(
    env: Mapping[str, str], log: Path, *args: str, open_files: int | None = None
) -> Iterator[McpHttpServer]:
    """Run ``uc-mcp serve --transport http`` on a free port with only ``env`` (plus PATH and HOME); its
    output goes to the file ``log`` (a pipe nobody reads could fill and stall it). ``open_files`` lowers
    the process's descriptor limit, as a small container would. Stopped (with any workers) afterwards."""
    import os
    import resource
    import signal

    def limit_files() -> None:
        assert open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    port = free_port()
    command = [sys.executable, "-m", "uc_mcp", "serve", "--transport", "http", "--port", str(port), *args]
    base = {"PATH": os.environ["PATH"], "HOME": env.get("HOME", "/tmp")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env={**base, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers of --workers N go with it
            preexec_fn=limit_files if open_files is not None else None,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"nothing listened on port {port}: {log.read_text()[-2000:]}") from None
                    time.sleep(0.05)
            yield McpHttpServer(f"http://127.0.0.1:{port}/mcp", process, log)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@contextmanager
def two_store_upstream(root: Path, keys: Mapping[str, str]) -> Iterator[str]:
    """An UltraCart stand-in serving several stores on a real socket, chosen by the API key (a store
    ``name`` → its key; its database is ``root/<name>.sqlite3``). Yields the base URL (no ``/rest/v2``)."""
    from starlette.responses import JSONResponse

    from uc_mcp.ultracart.sandbox.runtime import Sandbox, SandboxOptions

    stores = {
        key: Sandbox(SandboxOptions(db=root / f"{name}.sqlite3", customers=20, seed=seed, api_key=key))
        for seed, (name, key) in enumerate(keys.items(), start=1)
    }

    async def route(scope: Any, receive: Any, send: Any) -> None:
        key = dict(scope["headers"]).get(b"x-ultracart-simple-key", b"").decode()
        store = stores.get(key)
        if store is None:
            await JSONResponse({"error": {"user_message": "Invalid credentials"}}, status_code=401)(
                scope, receive, send
            )
            return
        await store.asgi(scope, receive, send)

    try:
        with asgi_server(route) as url:
            yield url
    finally:
        for store in stores.values():
            store.close()
