"""core/confirm_token.py: the cancel key of the MCP Apps confirmation card's Cancel.

A cancel key withdraws one token and can do nothing else: it is not a token, a token is not a cancel key,
neither can be made from the other without the secret, a made-up key stores nothing, and a key withdraws only
for the tool, tenant and arguments of the preview it came with.
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
    key = tokens.cancel_key(token, TOOL, ARGS)
    assert key.startswith("c2.") and key.split(".")[1:5] == token.split(".")[1:5] and key != token
    assert tokens.withdraw(key, TOOL, ARGS) == "withdrawn"
    with pytest.raises(InvalidToken) as refused:
        tokens.redeem(token, TOOL, ARGS)
    assert refused.value.reason == "used"
    assert tokens.withdraw(key, TOOL, ARGS) == "used"


def test_a_redeemed_token_says_used_when_withdrawn_afterwards() -> None:
    tokens = signer(Clock())
    token = tokens.issue(TOOL, ARGS)
    tokens.redeem(token, TOOL, ARGS)
    assert tokens.withdraw(tokens.cancel_key(token, TOOL, ARGS), TOOL, ARGS) == "used"


def test_a_cancel_key_is_no_token_and_a_token_no_cancel_key() -> None:
    tokens = signer(Clock())
    token = tokens.issue(TOOL, ARGS)
    key = tokens.cancel_key(token, TOOL, ARGS)
    with pytest.raises(InvalidToken):
        tokens.redeem(key, TOOL, ARGS)
    with pytest.raises(InvalidToken):
        tokens.redeem("v2." + key.removeprefix("c2."), TOOL, ARGS)
    with pytest.raises(InvalidToken) as malformed:
        tokens.withdraw(token, TOOL, ARGS)
    assert malformed.value.reason == "malformed"
    with pytest.raises(InvalidToken) as mismatch:
        tokens.withdraw("c2." + token.removeprefix("v2."), TOOL, ARGS)
    assert mismatch.value.reason == "mismatch"
    tokens.redeem(token, TOOL, ARGS)  # none of that touched the token


def test_a_cancel_key_withdraws_only_its_own_preview() -> None:
    """The card's Cancel records a decline only for the preview it belongs to: the same key presented with
    another tool, other arguments or another tenant is refused and stores nothing."""
    clock = Clock()
    used = MemoryUsedTokens(clock=clock)
    tokens = signer(clock, used)
    token = tokens.issue(TOOL, ARGS, tenant="t-a")
    key = tokens.cancel_key(token, TOOL, ARGS, tenant="t-a")
    for tool, arguments, tenant in (
        ("ultracart_delete_customer", {"customer_profile_oid": 42}, "t-a"),
        (TOOL, {**ARGS, "amount": "500.00"}, "t-a"),
        (TOOL, ARGS, "t-b"),
    ):
        with pytest.raises(InvalidToken) as refused:
            tokens.withdraw(key, tool, arguments, tenant)
        assert refused.value.reason == "mismatch"
    assert len(used) == 0
    with pytest.raises(InvalidToken):  # nor can a key be derived for arguments the token was not issued for
        tokens.cancel_key(token, TOOL, {**ARGS, "amount": "1.00"}, tenant="t-a")
    assert tokens.withdraw(key, TOOL, ARGS, tenant="t-a") == "withdrawn"


def test_made_up_or_foreign_keys_store_nothing() -> None:
    clock = Clock()
    used = MemoryUsedTokens(clock=clock)
    tokens = signer(clock, used)
    token = tokens.issue(TOOL, ARGS)
    _, kid, expiry, nonce, bound, _ = tokens.cancel_key(token, TOOL, ARGS).split(".")
    other_signer = ConfirmationTokens(b"o" * 32, clock=clock)
    other = other_signer.cancel_key(other_signer.issue(TOOL, ARGS), TOOL, ARGS)
    for forged in (
        f"c2.{kid}.{expiry}.{nonce}.{bound}.{'A' * 22}",
        other,
        f"c2.{kid}.99999999999.{nonce}.{bound}.{'A' * 22}",
        "c2..x",
        "",
    ):
        with pytest.raises(InvalidToken):
            tokens.withdraw(forged, TOOL, ARGS)
    assert len(used) == 0
    tokens.redeem(token, TOOL, ARGS)


def test_an_expired_token_is_reported_and_nothing_is_stored() -> None:
    clock = Clock()
    used = MemoryUsedTokens(clock=clock)
    tokens = signer(clock, used)
    key = tokens.cancel_key(tokens.issue(TOOL, ARGS), TOOL, ARGS)
    clock.now += tokens.ttl_seconds
    assert tokens.withdraw(key, TOOL, ARGS) == "expired"
    assert len(used) == 0
