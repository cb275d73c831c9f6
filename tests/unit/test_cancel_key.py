"""core/confirm_token.py: the cancel key of the MCP Apps confirmation card's Cancel.

A cancel key withdraws one token and can do nothing else: it is not a token, a token is not a cancel key,
neither can be made from the other without the secret, and a made-up key stores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from uc_mcp.core.confirm_token import ConfirmationTokens, InvalidToken, MemoryUsedTokens

SECRET = b"s" * 32
TOOL = "ultracart_add_customer_store_credit"
ARGS: dict[str, Any] = {"customer_profile_oid": 42, "amount": "20.00"}
T0 = 1_750_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def signer(clock: Clock, used: MemoryUsedTokens | None = None) -> ConfirmationTokens:
    return ConfirmationTokens(SECRET, clock=clock, used=used or MemoryUsedTokens(clock=clock))


def test_withdrawing_spends_the_token_without_executing_anything() -> None:
    tokens = signer(Clock())
    token = tokens.issue(TOOL, ARGS)
    key = tokens.cancel_key(token)
    assert key.startswith("c1.") and key.split(".")[1:3] == token.split(".")[1:3] and key != token
    assert tokens.withdraw(key) == "withdrawn"
    with pytest.raises(InvalidToken) as refused:
        tokens.redeem(token, TOOL, ARGS)
    assert refused.value.reason == "used"
    assert tokens.withdraw(key) == "used"


def test_a_redeemed_token_says_used_when_withdrawn_afterwards() -> None:
    tokens = signer(Clock())
    token = tokens.issue(TOOL, ARGS)
    tokens.redeem(token, TOOL, ARGS)
    assert tokens.withdraw(tokens.cancel_key(token)) == "used"


def test_a_cancel_key_is_no_token_and_a_token_no_cancel_key() -> None:
    tokens = signer(Clock())
    token = tokens.issue(TOOL, ARGS)
    key = tokens.cancel_key(token)
    with pytest.raises(InvalidToken):
        tokens.redeem(key, TOOL, ARGS)
    with pytest.raises(InvalidToken):
        tokens.redeem("v1." + key.removeprefix("c1."), TOOL, ARGS)
    with pytest.raises(InvalidToken) as malformed:
        tokens.withdraw(token)
    assert malformed.value.reason == "malformed"
    with pytest.raises(InvalidToken) as mismatch:
        tokens.withdraw("c1." + token.removeprefix("v1."))
    assert mismatch.value.reason == "mismatch"
    tokens.redeem(token, TOOL, ARGS)  # none of that touched the token


def test_made_up_or_foreign_keys_store_nothing() -> None:
    clock = Clock()
    used = MemoryUsedTokens(clock=clock)
    tokens = signer(clock, used)
    token = tokens.issue(TOOL, ARGS)
    _, expiry, nonce, _ = tokens.cancel_key(token).split(".")
    other = ConfirmationTokens(b"o" * 32, clock=clock).cancel_key(token)
    for forged in (f"c1.{expiry}.{nonce}.{'A' * 22}", other, f"c1.99999999999.{nonce}.{'A' * 22}", "c1..x", ""):
        with pytest.raises(InvalidToken):
            tokens.withdraw(forged)
    assert len(used) == 0
    tokens.redeem(token, TOOL, ARGS)


def test_an_expired_token_is_reported_and_nothing_is_stored() -> None:
    clock = Clock()
    used = MemoryUsedTokens(clock=clock)
    tokens = signer(clock, used)
    key = tokens.cancel_key(tokens.issue(TOOL, ARGS))
    clock.now += tokens.ttl_seconds
    assert tokens.withdraw(key) == "expired"
    assert len(used) == 0
