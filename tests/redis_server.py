"""A real, throw-away ``redis-server`` for the tests of state shared by replicas.

Each use starts its own server on a free 127.0.0.1 port, without persistence, and stops it afterwards, so
the tests need nothing running beforehand. Without the ``redis-server`` program (Debian package
``redis-server``; ``.ci/run`` installs it) the tests that need one are skipped with a message saying so,
except under CI (``CI`` set), where a missing server is a failure: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.servers import free_port, serving

MISSING = (
    "redis-server not installed: the replica tests (shared used tokens, shared pace, several workers) need it; "
    "install it with `apt-get install redis-server` (.ci/run does)"
)


def redis_server_program() -> str:
    """The path of ``redis-server``, or skip (fail under CI) the calling test."""
    path = shutil.which("redis-server")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING + "; under CI this is an error, not a skip")
        pytest.skip(MISSING)
    pytest.importorskip("redis", reason="the redis package is not installed: pip install -e '.[test]'")
    return path


@contextmanager
def redis_server() -> Iterator[str]:
    """Run a fresh ``redis-server``; yields its URL (``redis://127.0.0.1:P/0``)."""
    program = redis_server_program()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="uc-mcp-redis-") as workdir:
        command = [
            program,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", workdir,
            "--loglevel", "warning",
        ]  # fmt: skip
        with serving(command, port):
            yield f"redis://127.0.0.1:{port}/0"


def unreachable_url() -> str:
    """A Redis URL nothing listens on (a free port, just closed), with a password that must never leak."""
    return f"redis://:never-shown-secret@127.0.0.1:{free_port()}/0"
