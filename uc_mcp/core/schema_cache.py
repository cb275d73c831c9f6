"""Tool schemas kept between runs, the way Python keeps bytecode: a start-up without pydantic's work.

Every start publishes each tool's ``inputSchema`` and ``outputSchema``, and generating them (and
building the models they come from) is about a tenth of the server's start-up. They change only
when the code does, so they are kept in one JSON file in the user cache directory
(``uc-mcp/tool-schemas-<key>.json``), where ``key`` fingerprints everything a schema depends on:
this package's source files (path, size, modification time), the versions of Python, pydantic
and pydantic-core, and the MCP SDK's installed files. Any edit or upgrade gives a new key, so an entry is never
stale; a missing, unreadable or foreign file is simply regenerated.

The file is written once, when the process exits, and only if this run had to generate something;
``UC_MCP_SCHEMA_CACHE=0`` turns the cache off. It is kept even under ``PYTHONDONTWRITEBYTECODE`` (that variable is
about bytecode, and hosts that set it would pay the generation on every launch), and where the user cache
directory cannot be written (a read-only home), in a private directory under the system's temporary directory.
Failing to read or write it is never an error.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent.parent  # uc_mcp/

_entries: dict[str, str] | None = None  # loaded on first use
_owners: dict[str, int] = {}  # entry -> id() of the model that produced it in this process
_dirty = False
_path: Path | None = None


def enabled() -> bool:
    return os.environ.get("UC_MCP_SCHEMA_CACHE", "1") != "0"


def fingerprint() -> str:
    """What every cached schema depends on: this package's sources and the libraries that render them
    (pydantic by version; the MCP SDK, which has none at run time, by its installed files' stamps)."""
    import mcp
    import mcp_types
    import pydantic
    import pydantic_core

    digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{pydantic.VERSION}|{pydantic_core.__version__}".encode())
    for module in (mcp, mcp_types):
        stat = os.stat(str(module.__file__))
        digest.update(f"|{module.__name__}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for folder, subfolders, files in os.walk(_PACKAGE):
        subfolders[:] = sorted(sub for sub in subfolders if sub != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                stat = os.stat(os.path.join(folder, name))
                relative = os.path.relpath(os.path.join(folder, name), _PACKAGE)
                digest.update(f"|{relative}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _cache_dirs() -> list[Path]:
    """Where the cache may live, in order: the user cache directory, then a private one under the system's
    temporary directory (for a read-only home)."""
    from platformdirs import user_cache_path

    uid = os.getuid() if hasattr(os, "getuid") else 0
    return [user_cache_path("uc-mcp", appauthor=False), Path(tempfile.gettempdir()) / f"uc-mcp-{uid}"]


def _private(folder: Path) -> bool:
    """Whether ``folder`` can hold the cache: created (mode 0700) or already there as this user's own directory,
    never a link someone else planted in a shared temporary directory."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = folder.lstat()
    except OSError:
        return False
    owned = not hasattr(os, "getuid") or status.st_uid == os.getuid()
    return owned and not folder.is_symlink() and os.access(folder, os.W_OK | os.X_OK)


def _cache_file() -> Path:
    """The existing cache file of this fingerprint, else where to write it: the first usable directory."""
    name = f"tool-schemas-{fingerprint()}.json"
    candidates = [folder / name for folder in _cache_dirs()]
    for path in candidates:
        if path.is_file():
            return path
    return next((path for path in candidates if _private(path.parent)), candidates[0])


def _load() -> dict[str, str]:
    global _entries, _path
    if _entries is None:
        _entries = {}
        if enabled():
            try:
                _path = _cache_file()
                data = json.loads(_path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
                    _entries = data
            except (OSError, ValueError):
                pass
    return _entries


def schema_text(model: type[Any], mode: str, generate: Callable[[], str]) -> str:
    """The published schema of ``model`` in ``mode`` (JSON text): from the cache, or ``generate()``d."""
    global _dirty
    if not model.__module__.startswith("uc_mcp."):  # only what the fingerprint covers (not tests' models)
        return generate()
    key = f"{model.__module__}:{model.__qualname__}:{mode}"
    owner = _owners.setdefault(key, id(model))
    entries = _load()
    if owner == id(model) and key in entries:
        return entries[key]
    text = generate()
    if owner == id(model) and enabled():  # two models by one name in one process: neither is cached
        entries[key] = text
        if not _dirty:
            _dirty = True
            atexit.register(_save)
    else:
        entries.pop(key, None)
    return text


KEEP = 8  # files of other fingerprints kept (other installs sharing the cache directory, recent edits)


def _save() -> None:
    if _entries is None or _path is None:
        return
    temporary: str | None = None
    try:
        _path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=_path.parent, prefix=".tool-schemas-", suffix=".tmp", delete=False
        ) as handle:
            temporary = handle.name
            json.dump(_entries, handle, separators=(",", ":"), sort_keys=True)
        os.replace(temporary, _path)
        temporary = None
        files = sorted(_path.parent.glob("tool-schemas-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
        for stale in files[KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
