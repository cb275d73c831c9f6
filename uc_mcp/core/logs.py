"""Logging, configured explicitly.

Our logs go to stderr (a stdio server's stdout carries protocol messages only). ``httpx2`` and
``httpcore2`` log full request URLs at INFO, and ours contain emails and names, so they are held
at WARNING whatever the root level; request and response bodies are never logged at any level.
Libraries that configure the root logger themselves (the MCP SDK sets up INFO) are overridden by
calling this after them.

Every handler on the root logger also gets :class:`RedactingFilter`: whatever a record says —
ours, the SDK's, a traceback's exception text — leaves with known secrets replaced and email
addresses masked. Our own records name customers by id only; the filter is the net under that.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from .errors import scrub
from .redact import mask_email, strip_invisible

QUIET = ("httpx2", "httpcore2", "httpx", "httpcore", "uvicorn.access", "hpack")


class RedactingFilter(logging.Filter):
    """Rewrites each record's final text (message and traceback) without secrets or emails."""

    def __init__(self) -> None:
        super().__init__("uc_mcp.redact")
        self.secrets: set[str] = set()

    def clean(self, text: str) -> str:
        return mask_email(scrub(strip_invisible(text).replace("\t", " "), self.secrets))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its template only
            message = str(record.msg)
        if record.exc_info:
            # Handlers that render exc_info themselves (rich's tracebacks) would show the raw
            # exception text; the filtered traceback becomes part of the message instead.
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = self.clean(message), ()
        return True


_FILTER = RedactingFilter()


def clean_log_text(text: str) -> str:
    """``text`` as every log line leaves: known secrets replaced, emails masked, invisible characters gone."""
    return _FILTER.clean(text)


def protect_logging(secrets: Iterable[str] = ()) -> None:
    """Hold the HTTP libraries at WARNING and put the redacting filter on every root handler.

    Call it after anything that installs handlers (``MCPServer`` sets up root logging at INFO)."""
    _FILTER.secrets.update(secret for secret in secrets if secret and len(secret) >= 4)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    protect_logging()
