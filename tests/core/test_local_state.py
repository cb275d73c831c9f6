"""core/local_state.py: the single-use store every process on the machine shares when Redis is not configured."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from uc_mcp.core.confirm_token import ConfirmationTokens, InvalidToken, UsedTokenStoreFull
from uc_mcp.core.local_state import PRUNE_EVERY, LocalStateUnavailable, SqliteUsedTokens

SECRET = b"s" * 32
T0 = 1_750_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_claimed_once_until_it_expires(tmp_path: Path) -> None:
    clock = Clock()
    store = SqliteUsedTokens(tmp_path / "state" / "confirmations.sqlite3", clock=clock)
    assert store.claim("k", T0 + 10)
    assert not store.claim("k", T0 + 10)
    assert not SqliteUsedTokens(store.path, clock=clock).claim("k", T0 + 10)  # another opener sees it
    clock.now = T0 + 10
    assert store.claim("k", T0 + 20)  # expired: a new claim of the same key is a first again
    assert (store.path.stat().st_mode & 0o777) == 0o600


def test_two_signers_with_one_secret_and_one_file_redeem_a_token_once(tmp_path: Path) -> None:
    path = tmp_path / "confirmations.sqlite3"
    first, second = (ConfirmationTokens(SECRET, used=SqliteUsedTokens(path)) for _ in range(2))
    token = first.issue("ultracart_add_customer_store_credit", {"amount": "1.00"})
    first.redeem(token, "ultracart_add_customer_store_credit", {"amount": "1.00"})
    with pytest.raises(InvalidToken) as refused:
        second.redeem(token, "ultracart_add_customer_store_credit", {"amount": "1.00"})
    assert refused.value.reason == "used"


def _claim_in_process(path: str, key: str, results: multiprocessing.Queue[bool]) -> None:
    results.put(SqliteUsedTokens(Path(path)).claim(key, 4_000_000_000.0))


def test_concurrent_claims_from_processes_and_threads_succeed_once(tmp_path: Path) -> None:
    path = tmp_path / "confirmations.sqlite3"
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[bool] = context.Queue()
    workers = [context.Process(target=_claim_in_process, args=(str(path), "shared", queue)) for _ in range(6)]
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(outcomes) == [False] * 5 + [True]

    store = SqliteUsedTokens(path)
    threaded: list[bool] = []
    threads = [threading.Thread(target=lambda: threaded.append(store.claim("t", 4_000_000_000.0))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(threaded) == [False] * 7 + [True]


def test_expired_keys_are_pruned(tmp_path: Path) -> None:
    import sqlite3

    clock = Clock()
    store = SqliteUsedTokens(tmp_path / "c.sqlite3", clock=clock)
    for index in range(PRUNE_EVERY - 1):
        store.claim(f"old-{index}", T0 + 1)
    clock.now = T0 + 5
    store.claim("new", T0 + 100)  # the PRUNE_EVERY-th claim sweeps what expired
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT key FROM used").fetchall() == [("new",)]


def test_an_unusable_file_fails_closed_naming_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    store = SqliteUsedTokens(blocker / "confirmations.sqlite3")
    with pytest.raises(LocalStateUnavailable) as refused:
        store.claim("k", T0)
    assert isinstance(refused.value, UsedTokenStoreFull)  # callers execute nothing
    assert str(blocker) in str(refused.value) and "cannot be recorded" in str(refused.value)
