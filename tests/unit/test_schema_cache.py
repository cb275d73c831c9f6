"""Tool schemas kept between runs (``core/schema_cache.py``): used only under the same fingerprint, only for
this package's models, kept under PYTHONDONTWRITEBYTECODE and beside a read-only home (issue 17.7), and never an
error when the file is bad."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from uc_mcp.core import schema_cache
from uc_mcp.ultracart.tools.customers import GetCustomerInput


class Outsider(BaseModel):  # defined in tests: the fingerprint does not cover it
    name: str


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("UC_MCP_SCHEMA_CACHE", raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(schema_cache.atexit, "register", lambda function: None)  # saved explicitly below
    fresh_process()
    yield tmp_path / "uc-mcp"
    fresh_process()


def fresh_process() -> None:
    schema_cache._entries = None
    schema_cache._owners.clear()
    schema_cache._dirty = False
    schema_cache._path = None


def generator(calls: list[str], text: str = '{"type":"object"}') -> Callable[[], str]:
    def generate() -> str:
        calls.append(text)
        return text

    return generate


def test_a_schema_generated_once_is_read_back_by_the_next_run(cache: Path) -> None:
    calls: list[str] = []
    assert schema_cache.schema_text(GetCustomerInput, "validation", generator(calls)) == '{"type":"object"}'
    schema_cache._save()
    [saved] = cache.glob("tool-schemas-*.json")
    assert json.loads(saved.read_text()) == {
        "uc_mcp.ultracart.tools.customers:GetCustomerInput:validation": '{"type":"object"}'
    }
    fresh_process()
    assert schema_cache.schema_text(GetCustomerInput, "validation", generator(calls, "other")) == '{"type":"object"}'
    assert len(calls) == 1


def test_another_fingerprint_never_reads_an_old_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    schema_cache.schema_text(GetCustomerInput, "validation", generator(calls))
    schema_cache._save()
    fresh_process()
    monkeypatch.setattr(schema_cache, "fingerprint", lambda: "edited")
    assert schema_cache.schema_text(GetCustomerInput, "validation", generator(calls, "new")) == "new"


def test_models_outside_the_package_and_a_disabled_cache_are_never_kept(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    schema_cache.schema_text(Outsider, "validation", generator(calls))
    schema_cache.schema_text(Outsider, "validation", generator(calls))
    assert len(calls) == 2
    monkeypatch.setenv("UC_MCP_SCHEMA_CACHE", "0")
    fresh_process()
    schema_cache.schema_text(GetCustomerInput, "validation", generator(calls))
    schema_cache._save()
    assert not cache.exists() or not list(cache.glob("tool-schemas-*.json"))


def test_the_cache_is_kept_when_bytecode_is_not(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hosts that set PYTHONDONTWRITEBYTECODE start the server on every launch: they keep the schema cache (its
    own switch is UC_MCP_SCHEMA_CACHE=0)."""
    registered: list[object] = []
    monkeypatch.setattr(schema_cache.atexit, "register", registered.append)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    schema_cache.schema_text(GetCustomerInput, "validation", generator([]))
    assert registered == [schema_cache._save]


def test_a_read_only_cache_directory_falls_back_to_a_private_temporary_one(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.write_text("a file where the cache directory should be")  # it cannot be created (as root, chmod cannot)
    monkeypatch.setattr(schema_cache.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    calls: list[str] = []
    schema_cache.schema_text(GetCustomerInput, "validation", generator(calls))
    schema_cache._save()
    [saved] = (tmp_path / "tmp").glob("uc-mcp-*/tool-schemas-*.json")
    assert saved.parent.stat().st_mode & 0o777 == 0o700
    fresh_process()
    schema_cache.schema_text(GetCustomerInput, "validation", generator(calls, "other"))
    assert len(calls) == 1  # read back from the temporary directory


def test_a_temporary_directory_planted_by_someone_else_is_not_used(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    planted = tmp_path / "uc-mcp-link"
    planted.symlink_to(target)
    assert not schema_cache._private(planted)


def test_an_unreadable_file_is_regenerated(cache: Path) -> None:
    cache.mkdir(parents=True)
    (cache / f"tool-schemas-{schema_cache.fingerprint()}.json").write_text("{not json")
    calls: list[str] = []
    assert schema_cache.schema_text(GetCustomerInput, "validation", generator(calls)) == '{"type":"object"}'
    assert calls
