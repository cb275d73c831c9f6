"""core/confirm_token.py: signed, single-use confirm tokens (DESIGN.md §2, "Confirmation of guarded tools").

Every test runs on an injected clock, so expiry is deterministic. Forged input of any shape must end in
``InvalidToken`` (never another exception), must never be echoed, and must never burn a real token's nonce.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from uc_mcp.core.confirm_token import (
    DEFAULT_TTL_SECONDS,
    ConfirmationTokens,
    InvalidToken,
    MemoryUsedTokens,
    UsedTokenStoreFull,
    canonical_arguments,
    single_use_key,
)

SECRET = b"s" * 32
TOOL = "ultracart_delete_customer"
ARGS: dict[str, Any] = {"customer_profile_oid": 42, "reason": "duplicate", "note": "naïve ☃"}
T0 = 1_750_000_000.0


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(clock: FakeClock) -> ConfirmationTokens:
    return ConfirmationTokens(SECRET, clock=clock)


def reason_of(call: Callable[[], None]) -> InvalidToken:
    with pytest.raises(InvalidToken) as info:
        call()
    return info.value


# --- canonical arguments -------------------------------------------------------------------------------------------


def test_canonical_is_sorted_compact_unicode_and_drops_confirm() -> None:
    text = canonical_arguments({"b": [1, {"z": None, "a": True}], "a": "é☃", "confirm": "v1.x"})
    assert text == '{"a":"é☃","b":[1,{"a":true,"z":null}]}'


def test_canonical_only_drops_top_level_confirm() -> None:
    assert canonical_arguments({"x": {"confirm": 1}}) == '{"x":{"confirm":1}}'


def test_canonical_is_type_exact_so_different_json_never_collides() -> None:
    forms = {canonical_arguments({"amount": v}) for v in (20, 20.0, "20.00", "20", True, 1, 1.0)}
    assert len(forms) == 7


def test_canonical_rejects_values_that_are_not_json() -> None:
    with pytest.raises(TypeError, match="mode='json'"):
        canonical_arguments({"amount": Decimal("20.00")})
    with pytest.raises(TypeError, match="non-string key"):
        canonical_arguments({"x": {1: "a"}})
    with pytest.raises(ValueError, match="non-finite"):
        canonical_arguments({"x": float("nan")})


# --- round trip and binding ----------------------------------------------------------------------------------------


def test_round_trip(tokens: ConfirmationTokens) -> None:
    token = tokens.issue(TOOL, ARGS)
    tokens.redeem(token, TOOL, ARGS)


def test_token_shape_is_compact_and_url_safe(tokens: ConfirmationTokens) -> None:
    token = tokens.issue(TOOL, ARGS)
    assert len(token) <= 90
    assert re.fullmatch(r"v2\.[A-Za-z0-9_-]{6}\.[0-9]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}", token)
    assert token.split(".")[2] == str(int(T0) + DEFAULT_TTL_SECONDS)


def test_key_order_and_confirm_key_do_not_matter(tokens: ConfirmationTokens) -> None:
    token = tokens.issue(TOOL, {"b": 2, "a": {"y": 1, "x": 0}})
    tokens.redeem(token, TOOL, {"a": {"x": 0, "y": 1}, "b": 2, "confirm": token})


@pytest.mark.parametrize(
    ("tool", "arguments", "tenant"),
    [
        (TOOL, {**ARGS, "customer_profile_oid": 43}, "default"),
        (TOOL, {**ARGS, "extra": None}, "default"),
        (TOOL, {k: v for k, v in ARGS.items() if k != "note"}, "default"),
        (TOOL, {**ARGS, "customer_profile_oid": 42.0}, "default"),
        ("ultracart_merge_customer", ARGS, "default"),
        (TOOL, ARGS, "other-tenant"),
    ],
    ids=["other-value", "added-key", "removed-key", "int-vs-float", "other-tool", "other-tenant"],
)
def test_other_arguments_tool_or_tenant_is_a_mismatch(
    tokens: ConfirmationTokens, tool: str, arguments: dict[str, Any], tenant: str
) -> None:
    token = tokens.issue(TOOL, ARGS)
    error = reason_of(lambda: tokens.redeem(token, tool, arguments, tenant))
    assert error.reason == "mismatch"
    assert "other arguments" in str(error)
    tokens.redeem(token, TOOL, ARGS)  # a mismatch does not spend the token


def test_pipe_in_tenant_cannot_shift_fields(tokens: ConfirmationTokens) -> None:
    token = tokens.issue("a|b", ARGS, tenant="c")
    assert reason_of(lambda: tokens.redeem(token, "a", ARGS, tenant="b|c")).reason == "mismatch"
    tenant_token = tokens.issue(TOOL, ARGS, tenant="auth0|123")
    tokens.redeem(tenant_token, TOOL, ARGS, tenant="auth0|123")


# --- expiry and single use -----------------------------------------------------------------------------------------


def test_valid_until_just_before_expiry(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    token = tokens.issue(TOOL, ARGS)
    clock.now += DEFAULT_TTL_SECONDS - 1
    tokens.redeem(token, TOOL, ARGS)


def test_expired(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    token = tokens.issue(TOOL, ARGS)
    clock.now += DEFAULT_TTL_SECONDS + 1
    error = reason_of(lambda: tokens.redeem(token, TOOL, ARGS))
    assert error.reason == "expired"
    assert "expired" in str(error)


def test_custom_ttl(clock: FakeClock) -> None:
    tokens = ConfirmationTokens(SECRET, ttl_seconds=10, clock=clock)
    token = tokens.issue(TOOL, ARGS)
    clock.now += 11
    assert reason_of(lambda: tokens.redeem(token, TOOL, ARGS)).reason == "expired"


def test_reused(tokens: ConfirmationTokens) -> None:
    token = tokens.issue(TOOL, ARGS)
    tokens.redeem(token, TOOL, ARGS)
    error = reason_of(lambda: tokens.redeem(token, TOOL, ARGS))
    assert error.reason == "used"
    assert "already used" in str(error)


def test_two_tokens_for_same_arguments_are_each_valid_once(tokens: ConfirmationTokens) -> None:
    first, second = tokens.issue(TOOL, ARGS), tokens.issue(TOOL, ARGS)
    assert first != second
    tokens.redeem(second, TOOL, ARGS)
    tokens.redeem(first, TOOL, ARGS)
    for token in (first, second):
        assert reason_of(partial(tokens.redeem, token, TOOL, ARGS)).reason == "used"


def test_concurrent_redemptions_of_one_token_succeed_exactly_once(tokens: ConfirmationTokens) -> None:
    token = tokens.issue(TOOL, ARGS)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            tokens.redeem(token, TOOL, ARGS)
            outcome = "ok"
        except InvalidToken as error:
            outcome = error.reason
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["used"] * 19


# --- forgeries -----------------------------------------------------------------------------------------------------


def _flip(char: str) -> str:
    return "A" if char != "A" else "B"


def _forgeries(real: str) -> Iterator[tuple[str, str]]:
    version, kid, expiry, nonce, bound, mac = real.split(".")
    yield "empty", ""
    yield "random", "this is not a token"
    yield "wrong-version", f"v1.{kid}.{expiry}.{nonce}.{bound}.{mac}"
    yield "old-version-shape", f"v1.{expiry}.{nonce}.{mac}"
    yield "cancel-key-version", f"c2.{kid}.{expiry}.{nonce}.{bound}.{mac}"
    yield "no-version", f"{kid}.{expiry}.{nonce}.{bound}.{mac}"
    yield "truncated", real[:-1]
    yield "truncated-half", real[: len(real) // 2]
    yield "extra-part", f"{real}.x"
    yield "padded-mac", f"{real}=="
    yield "whitespace", f" {real} "
    yield "flipped-mac-first", f"{version}.{kid}.{expiry}.{nonce}.{bound}.{_flip(mac[0])}{mac[1:]}"
    yield "flipped-mac-last", f"{version}.{kid}.{expiry}.{nonce}.{bound}.{mac[:-1]}{_flip(mac[-1])}"
    yield "flipped-nonce", f"{version}.{kid}.{expiry}.{_flip(nonce[0])}{nonce[1:]}.{bound}.{mac}"
    yield "flipped-binding", f"{version}.{kid}.{expiry}.{nonce}.{_flip(bound[0])}{bound[1:]}.{mac}"
    yield "later-expiry", f"{version}.{kid}.{int(expiry) + 3600}.{nonce}.{bound}.{mac}"
    yield "leading-zero-expiry", f"{version}.{kid}.0{expiry}.{nonce}.{bound}.{mac}"
    yield "arabic-digits", f"{version}.{kid}.{'١' * len(expiry)}.{nonce}.{bound}.{mac}"
    yield "unicode-junk", "v2.☃☃☃.ñøñçé.\u0000\ud800💥"
    yield "unicode-lookalike", real.replace("v2", "ｖ2")
    yield "ten-kb", "v2." + "A" * 10_240
    yield "ten-kb-dots", ".".join(["v2"] * 3_000)


@pytest.fixture
def real_token(tokens: ConfirmationTokens) -> str:
    return tokens.issue(TOOL, ARGS)


def test_forgeries_are_rejected_without_echo_and_do_not_burn_the_real_token(
    tokens: ConfirmationTokens, real_token: str
) -> None:
    for name, forged in _forgeries(real_token):
        error = reason_of(partial(tokens.redeem, forged, TOOL, ARGS))
        assert error.reason in ("malformed", "mismatch", "foreign"), name
        assert str(error) == InvalidToken(error.reason).message, name
        if len(forged) >= 8:
            assert forged not in str(error) and forged not in repr(error), name
        for part in real_token.split(".")[1:]:
            assert part not in str(error), name
    tokens.redeem(real_token, TOOL, ARGS)  # the real nonce was never claimed by a forgery


def test_malformed_and_non_string_tokens(tokens: ConfirmationTokens) -> None:
    forgeries: list[Any] = ["", "v2", "v2...", "v2.1.2.3", "v2.1.2.3.4.5", None, 12345, b"v2.1.2.3"]
    for forged in forgeries:
        error = reason_of(partial(tokens.redeem, forged, TOOL, ARGS))
        assert error.reason == "malformed"


def test_forged_token_with_a_real_nonce_does_not_burn_it(tokens: ConfirmationTokens, real_token: str) -> None:
    _, kid, expiry, nonce, bound, _ = real_token.split(".")
    forged = f"v2.{kid}.{expiry}.{nonce}.{bound}.{'A' * 22}"
    assert reason_of(lambda: tokens.redeem(forged, TOOL, ARGS)).reason == "mismatch"
    # also with a real token for other arguments re-targeted at the victim's arguments
    other = tokens.issue(TOOL, {"customer_profile_oid": 1})
    assert reason_of(lambda: tokens.redeem(other, TOOL, ARGS)).reason == "mismatch"
    tokens.redeem(real_token, TOOL, ARGS)
    tokens.redeem(other, TOOL, {"customer_profile_oid": 1})


def test_expired_forgery_does_not_burn_but_mismatch_wins(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    token = tokens.issue(TOOL, ARGS)
    clock.now += DEFAULT_TTL_SECONDS * 2
    assert reason_of(lambda: tokens.redeem(token, TOOL, {"x": 1})).reason == "mismatch"
    assert reason_of(lambda: tokens.redeem(token, TOOL, ARGS)).reason == "expired"


def test_error_messages_never_contain_the_token(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    token = tokens.issue(TOOL, ARGS)
    errors = [reason_of(lambda: tokens.redeem(token, TOOL, {"x": 1}))]
    tokens.redeem(token, TOOL, ARGS)
    errors.append(reason_of(lambda: tokens.redeem(token, TOOL, ARGS)))
    clock.now += DEFAULT_TTL_SECONDS + 1
    errors.append(reason_of(lambda: tokens.redeem(token, TOOL, ARGS)))
    errors.append(reason_of(lambda: tokens.redeem(token[:-3], TOOL, ARGS)))
    assert [e.reason for e in errors] == ["mismatch", "used", "expired", "malformed"]
    for error in errors:
        for text in (str(error), repr(error), str(error.args)):
            assert token not in text
            assert not any(part in text for part in token.split(".")[1:])


# --- secrets and shared stores -------------------------------------------------------------------------------------


def test_same_secret_and_shared_store_work_across_instances(clock: FakeClock) -> None:
    store = MemoryUsedTokens(clock=clock)
    a = ConfirmationTokens(SECRET, clock=clock, used=store)
    b = ConfirmationTokens(bytes(SECRET), clock=clock, used=store)
    token = a.issue(TOOL, ARGS, tenant="t1")
    b.redeem(token, TOOL, ARGS, tenant="t1")
    assert reason_of(lambda: a.redeem(token, TOOL, ARGS, tenant="t1")).reason == "used"


def test_different_secret_fails(clock: FakeClock) -> None:
    token = ConfirmationTokens(SECRET, clock=clock).issue(TOOL, ARGS)
    other = ConfirmationTokens(b"t" * 32, clock=clock)
    assert reason_of(lambda: other.redeem(token, TOOL, ARGS)).reason == "foreign"


def test_random_secret_is_per_instance(clock: FakeClock) -> None:
    a, b = ConfirmationTokens(None, clock=clock), ConfirmationTokens(None, clock=clock)
    assert a.secret_is_ephemeral and not ConfirmationTokens(SECRET).secret_is_ephemeral
    token = a.issue(TOOL, ARGS)
    assert reason_of(lambda: b.redeem(token, TOOL, ARGS)).reason == "foreign_process"
    a.redeem(token, TOOL, ARGS)
    assert SECRET.decode() not in repr(ConfirmationTokens(SECRET))


def test_weak_secret_and_bad_ttl_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        ConfirmationTokens(b"short")
    with pytest.raises(ValueError, match="16 bytes"):
        ConfirmationTokens(b"")
    with pytest.raises(ValueError, match="ttl"):
        ConfirmationTokens(SECRET, ttl_seconds=0)


# --- the used-token store and the single-use key -------------------------------------------------------------------


def test_memory_store_claims_once_and_prunes_expired(clock: FakeClock) -> None:
    store = MemoryUsedTokens(clock=clock)
    assert store.claim("k", T0 + 10)
    assert not store.claim("k", T0 + 10)
    assert not store.claim("k", T0 + 99)  # a later expiry does not re-open a live key
    assert len(store) == 1
    clock.now = T0 + 10
    assert len(store) == 0
    assert store.claim("k", T0 + 20)


def test_memory_store_is_bounded_and_fails_closed(clock: FakeClock) -> None:
    store = MemoryUsedTokens(max_entries=3, clock=clock)
    for key in "abc":
        assert store.claim(key, T0 + 5)
    with pytest.raises(UsedTokenStoreFull):
        store.claim("d", T0 + 5)
    assert not store.claim("a", T0 + 5)  # a known key is still answered while full
    clock.now = T0 + 5
    assert store.claim("d", T0 + 6)
    assert len(store) == 1


def test_memory_store_concurrent_claims() -> None:
    store = MemoryUsedTokens()
    barrier = threading.Barrier(16)
    wins: list[bool] = []

    def worker() -> None:
        barrier.wait()
        wins.append(store.claim("same", T0 * 2))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 15 + [True]


def test_redeem_claims_until_expiry_plus_grace(clock: FakeClock) -> None:
    seen: list[tuple[str, float]] = []

    class Recorder:
        def claim(self, key: str, expires_at: float) -> bool:
            seen.append((key, expires_at))
            return True

    tokens = ConfirmationTokens(SECRET, clock=clock, used=Recorder())
    token = tokens.issue(TOOL, ARGS)
    tokens.redeem(token, TOOL, ARGS)
    ((key, expires_at),) = seen
    assert key.endswith(token.split(".")[3])
    assert expires_at >= int(T0) + DEFAULT_TTL_SECONDS


# --- a token from another secret says so; a token binds what its preview resolved ----------------------------------


def test_a_token_of_another_process_says_the_secret_is_per_process(clock: FakeClock) -> None:
    """Without UC_MCP_CONFIRM_SECRET each process signs with its own secret: the refusal names that cause and
    the fixes (``--confirm`` on the command line, or a shared secret), not "other arguments"."""
    issued = ConfirmationTokens(None, clock=clock).issue(TOOL, ARGS)
    error = reason_of(lambda: ConfirmationTokens(None, clock=clock).redeem(issued, TOOL, ARGS))
    assert error.reason == "foreign_process"
    assert "another server process" in str(error) and "--confirm" in str(error)
    assert "UC_MCP_CONFIRM_SECRET" in str(error) and "other arguments" not in str(error)
    configured = reason_of(lambda: ConfirmationTokens(b"y" * 32, clock=clock).redeem(issued, TOOL, ARGS))
    assert configured.reason == "foreign" and "UC_MCP_CONFIRM_SECRET differs" in str(configured)


def test_a_token_binds_what_its_preview_resolved(tokens: ConfirmationTokens) -> None:
    """The profile behind an email is part of what was approved: a redeem whose resolution differs now is refused
    (and does not spend the token); the same resolution executes once."""
    token = tokens.issue(TOOL, ARGS, binding={"merge_customer_profile_oid": 100002})
    for other in ({"merge_customer_profile_oid": 100011}, {}, None, {"merge_customer_profile_oid": "100002"}):
        error = reason_of(partial(tokens.redeem, token, TOOL, ARGS, "default", other))
        assert error.reason == "changed" and "approved something else" in str(error)
    tokens.redeem(token, TOOL, ARGS, "default", {"merge_customer_profile_oid": 100002})
    unbound = tokens.issue(TOOL, ARGS)
    assert reason_of(partial(tokens.redeem, unbound, TOOL, ARGS, "default", {"x_oid": 1})).reason == "changed"
    tokens.redeem(unbound, TOOL, ARGS, "default", {})


def test_single_use_key() -> None:
    canonical = canonical_arguments(ARGS)
    key = single_use_key(TOOL, canonical, "req-1", "default")
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == single_use_key(TOOL, canonical_arguments(dict(reversed(ARGS.items()))), "req-1", "default")
    variants = {
        single_use_key("other", canonical, "req-1", "default"),
        single_use_key(TOOL, canonical_arguments({"x": 1}), "req-1", "default"),
        single_use_key(TOOL, canonical, "req-2", "default"),
        single_use_key(TOOL, canonical, "req-1", "other"),
        single_use_key(TOOL, canonical, "req-1", "default|"),
        single_use_key(TOOL, canonical, "req-1|", "default"),
        single_use_key(TOOL, canonical, "req-1", "default", "other-binding"),
    }
    assert key not in variants and len(variants) == 7


def test_single_use_key_with_store_executes_once() -> None:
    store = MemoryUsedTokens()
    key = single_use_key(TOOL, canonical_arguments(ARGS), "state", "default")
    assert store.claim(key, T0 * 2)
    assert not store.claim(key, T0 * 2)


# --- property: any argument dict round-trips once, and any single-key change fails -----------------------------


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
argument_dicts = st.dictionaries(st.text(max_size=12).filter(lambda k: k != "confirm"), json_values, max_size=6)


@given(arguments=argument_dicts, tenant=st.text(max_size=12), data=st.data())
def test_property_round_trip_once_and_any_single_key_change_fails(
    arguments: dict[str, Any], tenant: str, data: st.DataObject
) -> None:
    clock = FakeClock()
    tokens = ConfirmationTokens(SECRET, clock=clock)
    token = tokens.issue(TOOL, arguments, tenant)

    changed = dict(arguments)
    change = data.draw(st.sampled_from(["replace", "add", "remove"] if arguments else ["add"]))
    if change == "remove":
        del changed[data.draw(st.sampled_from(sorted(arguments)))]
    else:
        key = (
            data.draw(st.sampled_from(sorted(arguments)))
            if change == "replace"
            else data.draw(st.text(max_size=12).filter(lambda k: k != "confirm" and k not in arguments))
        )
        changed[key] = data.draw(json_values)
    assume(canonical_arguments(changed) != canonical_arguments(arguments))

    assert reason_of(lambda: tokens.redeem(token, TOOL, changed, tenant)).reason == "mismatch"
    tokens.redeem(token, TOOL, {**arguments, "confirm": token}, tenant)
    assert reason_of(lambda: tokens.redeem(token, TOOL, arguments, tenant)).reason == "used"


@given(junk=st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_property_junk_tokens_only_raise_invalid_token(junk: str) -> None:
    tokens = ConfirmationTokens(SECRET, clock=FakeClock())
    error = reason_of(lambda: tokens.redeem(junk, TOOL, ARGS))
    assert error.reason in ("malformed", "mismatch", "foreign")
    assert str(error) == InvalidToken(error.reason).message  # a fixed text: nothing of the input is echoed
