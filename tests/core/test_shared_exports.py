"""Export links shared by replicas through a real ``redis-server`` (issue 14, finding 10): the Redis store
(:class:`RedisExports`) and the registry the export tool uses on top of it.

Two objects on one Redis URL stand for two processes. Without ``redis-server`` these tests are skipped
(see ``tests/redis_server.py``).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.redis_server import redis_server, unreachable_url
from uc_mcp.core.exports import (
    EXPORT_LIFETIME_SECONDS,
    ExportUnavailable,
    Owner,
    purge_expired_exports,
    read_export,
    register_export,
)
from uc_mcp.core.shared_state import EXPORT_PREFIX
from uc_mcp.settings import Settings

pytestmark = pytest.mark.anyio
OWNER = Owner("token:nightly-sync", "t-0123456789abcdef")
DATABASES = itertools.cycle(range(1, 16))  # database 0 is the store tests' (key prefixes of their own)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def prefix() -> str:
    """A key prefix of one test's own, so tests sharing the module's Redis never see each other's keys."""
    return f"test-export-{uuid.uuid4().hex[:12]}:"


def stores(url: str, count: int = 2) -> list[Any]:
    """``count`` stores on one Redis and prefix: replicas of one deployment."""
    from uc_mcp.core.shared_state import RedisExports

    shared = prefix()
    return [RedisExports(url, prefix=shared) for _ in range(count)]


def raw(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


def export_file(directory: Path, fmt: str = "csv", content: str = "customer_profile_oid\n100001\n") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"customers-20260101T000000Z-{uuid.uuid4().hex[:8]}.{fmt}"
    path.write_text(content, encoding="utf-8")
    return path


# -- the Redis store ---------------------------------------------------------------------------------------


async def test_a_record_put_by_one_replica_is_read_by_another(redis_url: str) -> None:
    writer, reader = stores(redis_url)
    record = {"file": "f.csv", "actor": "token:a", "tenant": "default", "expires": time.time() + 60}
    await writer.put("id-1.csv", record, "f.csv", record["expires"])
    assert await reader.get("id-1.csv") == record
    assert await reader.get("id-2.csv") is None


async def test_redis_forgets_a_record_when_it_expires(redis_url: str) -> None:
    writer, reader = stores(redis_url)
    await writer.put("gone.csv", {"file": "g.csv"}, "g.csv", time.time() - 1)
    await writer.put("kept.csv", {"file": "k.csv"}, "k.csv", time.time() + 60)
    assert await reader.get("gone.csv") is None
    assert await reader.get("kept.csv") == {"file": "k.csv"}
    ttl = raw(redis_url).pttl(writer.prefix + "id:kept.csv")
    assert 0 < ttl <= 60_000  # Redis itself drops it on time, whichever replica is up


async def test_each_expired_file_is_given_to_exactly_one_replica(redis_url: str) -> None:
    first, second = stores(redis_url)
    now = time.time()
    for name, expires in (("old-1", now - 10), ("old-2", now - 5), ("new", now + 60)):
        await first.put(f"{name}.csv", {"file": f"{name}-file.csv"}, f"{name}-file.csv", expires)
    taken = [await first.take_expired_files(now), await second.take_expired_files(now)]
    assert sorted(taken[0] + taken[1]) == ["old-1-file.csv", "old-2-file.csv"]
    assert taken[1] == []  # the first took them all; no file is deleted twice
    assert await second.get("new.csv") is not None
    # A replica whose clock runs ahead deletes the file, and the link with it: never a link to no file.
    assert await second.take_expired_files(now + 61) == ["new-file.csv"]
    assert await first.get("new.csv") is None


async def test_a_stored_value_that_is_not_a_json_object_is_unknown(redis_url: str) -> None:
    store, _ = stores(redis_url)
    raw(redis_url).set(store.prefix + "id:bad.csv", b"not json")
    raw(redis_url).set(store.prefix + "id:list.csv", b"[1, 2]")
    assert await store.get("bad.csv") is None
    assert await store.get("list.csv") is None


async def test_unreachable_redis_fails_closed_and_never_shows_the_password(caplog: pytest.LogCaptureFixture) -> None:
    from uc_mcp.core.shared_state import RedisExports, SharedExportsUnavailable

    store = RedisExports(unreachable_url())
    started = time.monotonic()
    for operation in (
        lambda: store.put("x.csv", {}, "x.csv", time.time() + 60),
        lambda: store.get("x.csv"),
        lambda: store.take_expired_files(time.time()),
    ):
        with pytest.raises(SharedExportsUnavailable) as failed:
            await operation()
        assert "UC_MCP_REDIS_URL" in str(failed.value)
    assert time.monotonic() - started < 10  # short timeouts, one retry: never a long hang
    assert "never-shown-secret" not in caplog.text + repr(store)


# -- the registry the export tool uses --------------------------------------------------------------------


def replica_settings(url: str, directory: Path) -> Settings:
    """One replica's settings: the shared Redis, the shared export directory."""
    return Settings(_env_file=None, redis_url=url, export_dir=directory)


@pytest.fixture
def own_db(redis_url: str) -> Iterator[str]:
    """A Redis database of this test's own (the registry uses the deployment's key names), emptied after."""
    url = redis_url.rsplit("/", 1)[0] + f"/{next(DATABASES)}"
    yield url
    raw(url).flushdb()


async def test_an_export_registered_on_one_replica_reads_on_another_only_for_its_maker(
    own_db: str, tmp_path: Path
) -> None:
    directory = tmp_path / "shared-exports"
    writer = replica_settings(own_db, directory)
    path = export_file(directory)
    export_id, expires = await register_export(writer, path, OWNER, "csv")
    assert abs(expires - time.time() - EXPORT_LIFETIME_SECONDS) < 5
    reader = replica_settings(own_db, directory)
    assert await read_export(reader, export_id, OWNER) == ("text/csv", path.read_bytes())
    for other in (Owner("token:support-seat", OWNER.tenant), Owner(OWNER.actor, "t-fedcba9876543210")):
        assert await read_export(reader, export_id, other) is None
    assert await read_export(reader, export_id, OWNER, now=expires) is None  # expired, even before Redis drops it
    assert not path.exists()  # and its file deleted by the replica that noticed
    assert await read_export(reader, export_id, OWNER) is None


async def test_a_replica_without_the_file_says_the_directory_is_not_shared(own_db: str, tmp_path: Path) -> None:
    path = export_file(tmp_path / "host-a")
    export_id, _ = await register_export(replica_settings(own_db, tmp_path / "host-a"), path, OWNER, "csv")
    with pytest.raises(ExportUnavailable, match="UC_MCP_EXPORT_DIR"):
        await read_export(replica_settings(own_db, tmp_path / "host-b"), export_id, OWNER)
    # Only its maker learns that much; anyone else gets the unknown-id answer.
    assert (
        await read_export(replica_settings(own_db, tmp_path / "host-b"), export_id, Owner("token:x", "default")) is None
    )


async def test_a_tampered_record_never_reads_or_deletes_another_file(own_db: str, tmp_path: Path) -> None:
    """The registry names files, never paths: a record pointing outside the export directory is unknown, and
    the purge deletes only names the export tool makes."""
    directory = tmp_path / "exports"
    directory.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    settings = replica_settings(own_db, directory)
    client = raw(own_db)
    token = "A" * 22
    record = {"file": "../victim.txt", "format": "csv", "actor": OWNER.actor, "tenant": OWNER.tenant}
    client.set(f"{EXPORT_PREFIX}id:{token}.csv", json.dumps({**record, "expires": time.time() + 60}))
    assert await read_export(settings, f"{token}.csv", OWNER) is None
    client.zadd(f"{EXPORT_PREFIX}files", {json.dumps(["B" * 22 + ".csv", "../victim.txt"]): time.time() - 1})
    assert await purge_expired_exports(settings) == 1
    assert victim.read_text() == "keep me"
