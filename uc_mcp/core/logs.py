"""Logging, configured explicitly.

Our logs go to stderr (a stdio server's stdout carries protocol messages only). ``httpx2`` and
``httpcore2`` log full request URLs at INFO, and ours contain emails and names, so they are held
at WARNING whatever the root level; request and response bodies are never logged at any level.
Libraries that configure the root logger themselves (the MCP SDK sets up INFO) are overridden by
calling this after them.
"""

from __future__ import annotations

import logging
import sys

QUIET = ("httpx2", "httpcore2", "httpx", "httpcore", "uvicorn.access", "hpack")


def quiet_http_loggers() -> None:
    """Hold the HTTP libraries at WARNING whatever else configured logging (MCPServer sets INFO)."""
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    quiet_http_loggers()
