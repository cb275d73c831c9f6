"""Identifiers that look like Voucherify's, drawn deterministically from the database's seed and a counter.

Voucherify's ids are a prefix and random-looking characters (``cust_`` + 24, ``rh_``/``evcus_``/``aa_`` + hex). The
sandbox derives them from ``sha256(seed:kind:n)`` so that a seed always gives the same ids (tests and demos can
name them), while the hex ids of holdings, events and async actions start with the counter, so that sorting them
as text sorts them by creation (the redeemables ``order=id`` and the id cursors rely on it).
"""

from __future__ import annotations

import hashlib

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digest(seed: int, kind: str, number: int) -> bytes:
    return hashlib.sha256(f"{seed}:{kind}:{number}".encode()).digest()


def random_looking(prefix: str, seed: int, kind: str, number: int, length: int = 24) -> str:
    """``prefix`` and ``length`` base-62 characters (customers ``cust_``, vouchers ``v_``, deletions ``del_``)."""
    digest = _digest(seed, kind, number)
    return prefix + "".join(_BASE62[byte % 62] for byte in digest[:length])


def sortable(prefix: str, seed: int, kind: str, number: int) -> str:
    """``prefix``, the counter as 8 hex digits, then 10 hex digits of hash: 18 hex characters like Voucherify's."""
    return f"{prefix}{number:08x}{_digest(seed, kind, number).hex()[:10]}"
