"""Tool schemas kept between runs, the way Python keeps bytecode: a start-up without pydantic's work.

Every start publishes each tool's ``inputSchema`` and ``outputSchema``, and generating them (and
building the models they come from) is about a tenth of the server's start-up. They change only
when the code does, so they are kept in one JSON file in the user cache directory
(``uc-mcp/tool-schemas-<key>.json``), where ``key`` fingerprints everything a schema depends on:
this package's source files (path, size, modification time), the versions of Python, pydantic
and pydantic-core, and the MCP SDK's installed files. Any edit or upgrade gives a new key, so an entry is never
stale; a missing, unreadable or foreign file is simply regenerated.

Where there is no such file (the first start, or a host whose server gets a fresh temporary directory and no
writable home on every launch), the package's own **seed** (``schema_seed.json``, written by ``uc-mcp schemas``)
stands in for it: the same entries, with what they were rendered from — a digest of this package's source
*contents* (modification times differ per checkout and install) and the versions that render them. It is used
only when all of them match the running code; otherwise the schemas are generated as without it.

The file is written once, when the process exits, and only if this run had to generate something or took the
seed; ``UC_MCP_SCHEMA_CACHE=0`` turns the cache and the seed off. It is kept even under ``PYTHONDONTWRITEBYTECODE``
(that variable is about bytecode, and hosts that set it would pay the generation on every launch), and where the
user cache directory cannot be written (a read-only home), in a private directory under the system's temporary
directory. Failing to read or write it is never an error.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent.parent  # uc_mcp/
_SEED_FILE = "core/schema_seed.json"  # relative to the package, as _package_files() names it
SEED = _PACKAGE / _SEED_FILE

_entries: dict[str, str] | None = None  # loaded on first use
_owners: dict[str, int] = {}  # entry -> id() of the model that produced it in this process
_dirty = False
_path: Path | None = None
_collecting = False  # write_seed: every entry is kept, whatever UC_MCP_SCHEMA_CACHE says


def enabled() -> bool:
    return os.environ.get("UC_MCP_SCHEMA_CACHE", "1") != "0"


def _package_files() -> Iterator[tuple[str, str]]:
    """This package's sources (``.py``, ``.json``) as (path relative to the package, POSIX style; full path), in a
    fixed order; never bytecode."""
    for folder, subfolders, files in os.walk(_PACKAGE):
        subfolders[:] = sorted(sub for sub in subfolders if sub != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                path = os.path.join(folder, name)
                yield Path(os.path.relpath(path, _PACKAGE)).as_posix(), path


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
    for relative, path in _package_files():
        stat = os.stat(path)
        digest.update(f"|{relative}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def source_digest() -> str:
    """A digest of this package's source contents, the seed excepted: the same in every checkout and install of
    the same code (~2-3 ms for ~1 MB in ~90 files, which is why only a start without a cache file computes it)."""
    digest = hashlib.sha256()
    for relative, path in _package_files():
        if relative == _SEED_FILE:
            continue
        with open(path, "rb") as handle:
            content = handle.read()
        digest.update(f"{relative}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def _rendering() -> dict[str, str]:
    """What turns the same source into the seed's schema text, besides the source itself.

    pydantic and pydantic-core generate it, so their exact versions. Python's minor version too: the text goes
    through interpreter behaviour (class docstrings as descriptions, enum defaults, typing introspection) that
    minor releases change; patch releases are bug fixes, and requiring the exact patch would leave the seed unused
    on nearly every install. The MCP SDK is not here: the text is pydantic's rendering of this package's models
    (``toolspec._schema_text``), which use no SDK type, and the SDK only receives it.
    """
    import pydantic
    import pydantic_core

    python = f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}"
    return {
        "format": str(FORMAT),
        "python": python,
        "pydantic": pydantic.VERSION,
        "pydantic-core": pydantic_core.__version__,
    }


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


def _entries_in(data: Any) -> dict[str, str] | None:
    if isinstance(data, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return data
    return None


def _read_cache(path: Path) -> dict[str, str] | None:
    try:
        return _entries_in(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _read_seed() -> dict[str, str] | None:
    """The seed's entries when they were rendered from exactly the running code, else None (also when it is
    missing or unreadable). The cheap comparisons first: the source digest reads the whole package."""
    try:
        seed = json.loads(SEED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(seed, dict) or not isinstance(depends := seed.get("depends"), dict):
        return None
    if {key: value for key, value in depends.items() if key != "source"} != _rendering():
        return None
    if depends.get("source") != source_digest():
        return None
    return _entries_in(seed.get("entries"))


def _load() -> dict[str, str]:
    global _entries, _path
    if _entries is None:
        _entries = {}
        if enabled():
            try:
                _path = _cache_file()
            except OSError:
                return _entries
            cached = _read_cache(_path)
            if cached is not None:
                _entries = cached
            elif (seeded := _read_seed()) is not None:
                _entries = seeded
                # Written at exit like a generated entry: the next start reads one file and skips the digest
                # (~2-3 ms). Where nothing is kept between launches the write fails or is lost, after the session.
                _keep()
    return _entries


def _keep() -> None:
    global _dirty
    if not _dirty:
        _dirty = True
        atexit.register(_save)


def schema_text(model: type[Any], mode: str, generate: Callable[[], str]) -> str:
    """The published schema of ``model`` in ``mode`` (JSON text): from the cache, or ``generate()``d."""
    if not model.__module__.startswith("uc_mcp."):  # only what the fingerprint covers (not tests' models)
        return generate()
    key = f"{model.__module__}:{model.__qualname__}:{mode}"
    owner = _owners.setdefault(key, id(model))
    entries = _load()
    if owner == id(model) and key in entries:
        return entries[key]
    text = generate()
    if owner == id(model) and (enabled() or _collecting):  # two models by one name in one process: neither is kept
        entries[key] = text
        if not _collecting:
            _keep()
    else:
        entries.pop(key, None)
    return text


@cache
def published(model: type[BaseModel], mode: Literal["validation", "serialization"]) -> str:
    """A model's published schema, generated once per process (several tools share an output model, and
    pydantic does not cache schemas) and kept between runs (``schema_text``); JSON text, so that every
    caller gets its own copy."""
    return schema_text(
        model, mode, lambda: json.dumps(_clean_schema(model.model_json_schema(by_alias=True, mode=mode)))
    )


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's ``title`` keys on properties: the description says it, in fewer bytes."""

    def walk(node: Any, parent_key: str | None) -> Any:
        if isinstance(node, dict):
            return {
                key: walk(value, key)
                for key, value in node.items()
                if not (key == "title" and parent_key != "properties" and isinstance(value, str))
            }
        if isinstance(node, list):
            return [walk(item, None) for item in node]
        return node

    cleaned: dict[str, Any] = walk(schema, None)
    return cleaned


def write_seed(publish: Callable[[], object], source: str, path: Path | None = None) -> int:
    """Generate every schema ``publish()`` asks for afresh (neither the cache nor the old seed is read) and write
    them to ``path`` (the package's seed by default) with what they were rendered from; the number of entries.
    ``source`` is the source digest taken before the tool tables were imported: a source edited since
    (``RuntimeError``) would leave a seed that claims code it was not rendered from."""
    global _entries, _path, _collecting
    published.cache_clear()  # its per-process memo would answer without asking the entries
    _entries, _path, _collecting = {}, None, True  # no _path: nothing of this is saved to the cache
    _owners.clear()
    try:
        publish()
    finally:
        _collecting = False
    if source_digest() != source:
        raise RuntimeError("the package's sources changed while the seed was being rendered: run it again")
    seed = {"depends": {**_rendering(), "source": source}, "entries": _entries}
    (path or SEED).write_text(json.dumps(seed, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(_entries)


def seed_problem(source: str, path: Path | None = None) -> str | None:
    """Why the seed at ``path`` is not that of the sources whose digest is ``source`` (None when it is): ``uc-mcp
    schemas --check``. Only the sources count: a seed rendered under other versions is current for the code, and
    simply unused where they differ."""
    path = path or SEED
    try:
        rendered_from = json.loads(path.read_text(encoding="utf-8"))["depends"]["source"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{path.name}: missing or unreadable"
    return None if rendered_from == source else f"{path.name}: rendered from other sources"


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
