"""Where a provider's embedded sandbox keeps its SQLite database, checked at start-up and opened on first use.

The start-up check creates nothing (no SQLite, no file: ``sqlite3`` is not even imported, a host's launch stays
cheap); a database that cannot be created or opened after all is a ConfigurationError naming the provider's
variable and the path, the operator's copy in the log and every tool call answering with it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import ConfigurationError

log = logging.getLogger("uc_mcp.config")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SandboxDatabase:
    """One provider's sandbox database and how to name it in a message."""

    path: Path
    variable: str  # the setting that names it: "UC_MCP_SANDBOX_DB"
    chosen: bool  # the variable is set (else ``path`` is the default in the user data directory)
    title: str  # "sandbox database": "The default sandbox database <path> (... is not set)"
    holds: str  # "the embedded sandbox's database": "<path> cannot hold <holds>: ..."

    def problem(self) -> str | None:
        """Why the database cannot be at ``path``, found without creating anything: a directory, a parent that is a
        file, a place this user cannot write. None when it may work."""
        path = self.path
        if path.is_dir():
            return "it is a directory; name a file in it instead"
        parent = path.parent
        while not parent.exists() and parent != parent.parent:  # missing directories are created on first use
            parent = parent.parent
        if not parent.is_dir():
            return f"{parent} is a file, not a directory"
        # SQLite writes its -wal and -shm files beside the database: the directory must be writable too.
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"this user cannot create files in {parent}"
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            return f"this user cannot read and write {path}"
        return None

    def check(self) -> None:
        """ConfigurationError when the database cannot be at ``path`` (the provider's start-up check)."""
        problem = self.problem()
        if problem:
            raise ConfigurationError(self.message(problem))

    def message(self, problem: str) -> str:
        path = self.path
        if self.chosen:
            where = "" if path.is_absolute() else f" ({path.resolve()})"  # a host starts the server elsewhere
            named = f"{self.variable}={str(path)!r}{where}"
        else:
            named = f"The default {self.title} {path} ({self.variable} is not set)"
        return (
            f"{named} cannot hold {self.holds}: {problem}. Set {self.variable} to a file path in a directory you can "
            "write (created and seeded on first use), or unset it for the default in the user data directory."
        )

    def open(self, make: Callable[[], T]) -> T:
        """``make()`` (the sandbox on this database, created and seeded on first use); a database that cannot be
        created or opened is a ConfigurationError naming the variable and the path."""
        import sqlite3

        try:
            return make()
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            message = self.message(reason)
            log.error("configuration: %s", message)  # the operator's copy; every tool call answers with it too
            raise ConfigurationError(message) from None
