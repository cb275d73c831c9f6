"""One yes, one action (issue 14, "Confirmation"): the holes an outside review found, each as a regression test.

- a resent final elicitation round is refused for as long as the SDK would accept its sealed state (not only for
  the token lifetime), proven on a shortened clock that drives both our single-use store and the SDK's expiry;
- what a preview resolved (the profile behind a merge's email) is what runs, on the token and elicitation paths;
- with a configured secret and no Redis, single use holds across server processes (a machine-wide store);
- an unticked Confirm is a no: declined, audited, no token;
- a single-use store that cannot answer never leaves the model told to retry a spent token.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mcp.client import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ElicitResult, InputRequiredResult

from tests.ultracart.mcp.conftest import CUSTOMERS, ServerFactory, SettingsFactory
from tests.ultracart.mcp.test_guarded_tools import available, exists, store
from uc_mcp.core.confirm import REQUEST_STATE_TTL_SECONDS, Confirmations
from uc_mcp.core.confirm_token import CLOCK_SKEW_SECONDS, DEFAULT_TTL_SECONDS, ConfirmationTokens, MemoryUsedTokens
from uc_mcp.server import build_server, new_runtime, runtime_of

pytestmark = pytest.mark.anyio
JANE, JANE_DUPLICATE, OTHER = 100001, 100002, 100011
CREDIT, CASHBACK, MERGE = (
    "ultracart_add_customer_store_credit",
    "ultracart_adjust_internal_certificate",
    "ultracart_merge_customer",
)
SECRET = "a-shared-confirmation-secret-0123456789"


def events(audit: Path, tool: str) -> list[str]:
    return [json.loads(line)["event"] for line in audit.read_text().splitlines() if json.loads(line)["tool"] == tool]


def structured(result: Any) -> dict[str, Any]:
    assert isinstance(result, CallToolResult) and not result.is_error, result
    return dict(result.structured_content or {})


class Clock:
    """One "now" for our single-use store and for the SDK's request-state expiry."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- 1. a resent final round, between the token lifetime and the request state's -------------------------------------


@pytest.mark.parametrize("tool", [CASHBACK, CREDIT])
async def test_a_resent_final_round_never_executes_again_while_the_sdk_accepts_it(
    settings_factory: SettingsFactory, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    import mcp.server.request_state as request_state

    clock = Clock(request_state.time.time())
    monkeypatch.setattr(request_state, "time", SimpleNamespace(time=clock))  # the SDK's expiry check
    settings = settings_factory()
    runtime = new_runtime(settings, "stdio")
    runtime.confirmations = Confirmations(
        tokens=ConfirmationTokens(None, clock=clock, used=MemoryUsedTokens(clock=clock)), fallback="token"
    )
    server = build_server(settings, runtime=runtime)
    arguments = (
        {"customer_profile_oid": JANE, "adjustment_amount": 5}
        if tool == CASHBACK
        else {"customer_profile_oid": JANE, "amount": 5}
    )
    try:
        async with Client(server, elicitation_callback=lambda *_: None) as client:  # type: ignore[arg-type,return-value]
            asked = await client.session.call_tool(tool, arguments, allow_input_required=True)
            assert isinstance(asked, InputRequiredResult)
            ((key, _),) = asked.input_requests.items()
            final_round: dict[str, Any] = {
                "input_responses": {key: ElicitResult(action="accept", content={"confirm": True})},
                "request_state": asked.request_state,
            }
            done = structured(await client.session.call_tool(tool, arguments, **final_round))
            assert done["status"] == "executed"
            before, sealed_at = available(server, JANE), clock.now
            # Past the token lifetime (all the record used to live for), up to the end of the state's lifetime.
            for elapsed in (DEFAULT_TTL_SECONDS + 1, REQUEST_STATE_TTL_SECONDS - 1):
                clock.now = sealed_at + elapsed
                resent = await client.session.call_tool(tool, arguments, **final_round, allow_input_required=True)
                if tool == CREDIT:  # its question shows the balance, which changed: asked again, never executed
                    assert isinstance(resent, InputRequiredResult), resent
                else:
                    assert structured(resent)["notice"].startswith("This confirmation was already used"), resent
            assert available(server, JANE) == before  # nothing ran twice
    finally:
        if runtime.sandbox is not None:
            runtime.sandbox.close()


def test_the_single_use_record_outlives_the_sealed_round() -> None:
    """The relation in code: the record lives as long as the SDK is told to accept the round, plus skew."""
    confirmations = Confirmations(tokens=ConfirmationTokens(None), fallback="token", round_ttl_seconds=42)
    assert confirmations.elicited_record_seconds == 42 + CLOCK_SKEW_SECONDS
    assert Confirmations(tokens=ConfirmationTokens(None), fallback="token").round_ttl_seconds == 600


async def test_the_server_gives_the_sdk_the_round_lifetime_it_derives_from(server_factory: ServerFactory) -> None:
    server = server_factory()
    boundary = next(
        item for item in server._lowlevel_server.middleware if type(item).__name__ == "RequestStateBoundary"
    )
    confirmations = runtime_of(server).confirmations
    assert boundary._security.ttl == confirmations.round_ttl_seconds  # type: ignore[attr-defined]
    assert boundary._security.bind_principal is not None  # type: ignore[attr-defined]  # rounds bound to the caller


# -- 2. what the preview resolved is what runs ------------------------------------------------------------------------


def move_email(server: MCPServer, email: str, from_oid: int, to_oid: int) -> None:
    """Someone else edits the store: ``email`` now belongs to ``to_oid``."""
    sandbox_store = store(server)
    sandbox_store.update_customer(from_oid, {"email": f"moved.{from_oid}@example.com"}, None)
    sandbox_store.update_customer(to_oid, {"email": email}, None)


async def test_a_token_for_a_merge_by_email_never_merges_a_profile_nobody_saw(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    server = server_factory(audit_log=audit)
    email = store(server).get_customer(JANE_DUPLICATE, None)["email"]
    arguments = {"customer_profile_oid": JANE, "merge_email": email}
    async with Client(server) as client:
        preview = structured(await client.call_tool(MERGE, arguments))
        assert f"#{JANE_DUPLICATE}" in preview["question"]
        move_email(server, email, JANE_DUPLICATE, OTHER)
        refused = await client.call_tool(MERGE, {**arguments, "confirm": preview["confirm"]})
        assert refused.is_error and "approved something else" in refused.content[0].text  # type: ignore[union-attr]
        assert exists(server, OTHER) and exists(server, JANE_DUPLICATE)
        # A fresh preview names the profile the email resolves to now, and its token merges exactly that one.
        fresh = structured(await client.call_tool(MERGE, arguments))
        assert f"#{OTHER}" in fresh["question"]
        done = structured(await client.call_tool(MERGE, {**arguments, "confirm": fresh["confirm"]}))
    assert done["merged_away_customer_profile_oid"] == OTHER
    assert not exists(server, OTHER) and exists(server, JANE_DUPLICATE)
    # The audit names the deleted profile even though the arguments only had its (masked) email.
    executed = [json.loads(line) for line in audit.read_text().splitlines() if '"executed"' in line]
    assert executed[-1]["targets"]["merge_customer_profile_oid"] == OTHER


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_an_elicited_merge_by_email_acts_on_the_profile_in_the_question(
    server_factory: ServerFactory, mode: str
) -> None:
    """The email moves while the person reads the question. Handshake era: the yes runs on the profile the
    question named. Input-required rounds: the final round's question names the other profile, so the person is
    asked again — never a silent merge of a profile they did not see."""
    server = server_factory()
    email = store(server).get_customer(JANE_DUPLICATE, None)["email"]
    asked: list[str] = []

    async def answer(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        if len(asked) == 1:
            move_email(server, email, JANE_DUPLICATE, OTHER)
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(server, mode=mode, elicitation_callback=answer) as client:  # type: ignore[arg-type]
        done = structured(await client.call_tool(MERGE, {"customer_profile_oid": JANE, "merge_email": email}))
    assert f"#{JANE_DUPLICATE}" in asked[0]
    if mode == "legacy":
        assert len(asked) == 1 and done["merged_away_customer_profile_oid"] == JANE_DUPLICATE
        assert not exists(server, JANE_DUPLICATE) and exists(server, OTHER)
    else:
        assert len(asked) == 2 and f"#{OTHER}" in asked[1]  # asked about what will actually happen
        assert done["merged_away_customer_profile_oid"] == OTHER
        assert exists(server, JANE_DUPLICATE) and not exists(server, OTHER)


def test_every_guarded_question_names_what_its_preview_resolved() -> None:
    """The SDK re-asks when a final round's question differs from the one answered: that protects a binding only
    if the question names it. Every guard's binding is keyed by an id the question prints as ``#<id>``."""
    from uc_mcp.ultracart.tools.guarded import MERGED, TOOLS

    resolving = [spec for spec in TOOLS if spec.guard is not None and spec.guard.resolve.__name__ != "no_binding"]
    assert [spec.name for spec in resolving] == [MERGE] and MERGED.endswith("_oid")


# -- 3. single use across processes ---------------------------------------------------------------------------------


async def test_with_a_configured_secret_a_token_is_single_use_across_server_processes(
    settings_factory: SettingsFactory,
) -> None:
    """Two runtimes = two processes' state (memory, signer); only the machine-wide store is shared."""
    settings = settings_factory(confirm_secret=SECRET)
    first, second = (build_server(settings) for _ in range(2))
    arguments = {"customer_profile_oid": JANE, "amount": 7}
    try:
        before = available(first, JANE)
        async with Client(first) as one:
            token = structured(await one.call_tool(CREDIT, arguments))["confirm"]
            assert structured(await one.call_tool(CREDIT, {**arguments, "confirm": token}))["status"] == "executed"
        async with Client(second) as other:
            replay = await other.call_tool(CREDIT, {**arguments, "confirm": token})
        assert replay.is_error and "already used" in replay.content[0].text  # type: ignore[union-attr]
        assert available(first, JANE) == before + 7
    finally:
        for server in (first, second):
            if runtime_of(server).sandbox is not None:
                runtime_of(server).sandbox.close()


def call_env(home: Path, sandbox_db: Path, **extra: str) -> dict[str, str]:
    """A `uc-mcp call` process of its own: private home and state, this test's sandbox copy."""
    import os

    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "UC_MCP_BACKEND": "sandbox",
        "UC_MCP_SANDBOX_DB": str(sandbox_db),
        "UC_MCP_SANDBOX_CUSTOMERS": str(CUSTOMERS),
        **extra,
    }


def uc_mcp_call(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any] | str]:
    done = subprocess.run(
        [sys.executable, "-m", "uc_mcp", "call", *args], env=env, capture_output=True, text=True, timeout=120
    )
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        return done.returncode, done.stdout + done.stderr


def test_uc_mcp_call_processes_share_single_use(tmp_path: Path, sandbox_db: Path) -> None:
    """The reviewer's case: store credit added twice by two `uc-mcp call` processes redeeming one token."""
    env = call_env(tmp_path, sandbox_db, UC_MCP_CONFIRM_SECRET=SECRET)
    arguments = {"customer_profile_oid": JANE, "amount": 3, "description": "shared-secret"}
    code, preview = uc_mcp_call(env, CREDIT, json.dumps(arguments))
    assert code == 0 and isinstance(preview, dict) and preview["status"] == "confirmation_required", preview
    confirmed = json.dumps({**arguments, "confirm": preview["confirm"]})
    code, first = uc_mcp_call(env, CREDIT, confirmed)
    assert code == 0 and isinstance(first, dict) and first["status"] == "executed", first
    code, second = uc_mcp_call(env, CREDIT, confirmed)
    assert code == 1 and "already used" in str(second), second
    assert (tmp_path / "state" / "uc-mcp" / "confirmations.sqlite3").stat().st_mode & 0o777 == 0o600


def test_without_a_secret_a_token_of_another_process_says_why(tmp_path: Path, sandbox_db: Path) -> None:
    env = call_env(tmp_path, sandbox_db)
    arguments = {"customer_profile_oid": JANE, "amount": 3}
    code, preview = uc_mcp_call(env, CREDIT, json.dumps(arguments))
    assert code == 0 and isinstance(preview, dict), preview
    code, refused = uc_mcp_call(env, CREDIT, json.dumps({**arguments, "confirm": preview["confirm"]}))
    assert code == 1 and "another server process" in str(refused) and "--confirm" in str(refused), refused
    assert "other arguments" not in str(refused)
    assert not (tmp_path / "state" / "uc-mcp" / "confirmations.sqlite3").exists()  # memory is right here


# -- 4. an unticked Confirm is a no ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unticked_confirm_is_a_decline(server_factory: ServerFactory, tmp_path: Path, mode: str) -> None:
    audit = tmp_path / "audit.jsonl"
    server = server_factory(audit_log=audit)
    before = available(server, JANE)

    async def unticked(context: Any, params: Any) -> ElicitResult:
        return ElicitResult(action="accept", content={"confirm": False})

    async with Client(server, mode=mode, elicitation_callback=unticked) as client:  # type: ignore[arg-type]
        result = structured(await client.call_tool(CREDIT, {"customer_profile_oid": JANE, "amount": 9}))
    assert result["status"] == "declined" and "confirm" not in result and "preview" not in result
    assert "declined" in result["notice"]
    assert available(server, JANE) == before
    assert events(audit, CREDIT) == ["elicited", "declined"]


# -- 6. a store that does not answer --------------------------------------------------------------------------------


class Unreachable:
    """A single-use store whose every claim fails as Redis does when frozen (the claim may have been applied)."""

    def claim(self, key: str, expires_at: float) -> bool:
        from uc_mcp.core.shared_state import SharedStateUnavailable

        raise SharedStateUnavailable("the shared confirmation store (Redis) cannot be reached")


async def test_a_store_that_does_not_answer_never_invites_a_retry_of_the_token(
    settings_factory: SettingsFactory,
) -> None:
    settings = settings_factory()
    runtime = new_runtime(settings, "stdio")
    assert runtime.confirmations is not None
    signer = runtime.confirmations.tokens
    server = build_server(settings, runtime=runtime)
    arguments = {"customer_profile_oid": JANE, "amount": 4}
    try:
        before = available(server, JANE)
        async with Client(server) as client:
            token = structured(await client.call_tool(CREDIT, arguments))["confirm"]
            signer.used = Unreachable()
            failed = await client.call_tool(CREDIT, {**arguments, "confirm": token})
        text = failed.content[0].text  # type: ignore[union-attr]
        assert failed.is_error and "nothing was done" in text
        assert "cannot be used again" in text and "without confirm for a fresh preview" in text
        assert "try again once it is back" not in text.lower()
        assert available(server, JANE) == before
    finally:
        if runtime.sandbox is not None:
            runtime.sandbox.close()


async def test_frozen_redis_during_a_redeem_is_reported_as_a_spent_token(settings_factory: SettingsFactory) -> None:
    """The reviewer's case on a real redis-server, frozen (SIGSTOP) while a token is redeemed: the claim times
    out and nothing runs. Whether the frozen server applied the claim is unknowable, so the model is never told
    to retry that token: it is told to fetch a fresh preview (and ask again), which then works once."""
    import os
    import signal

    import redis

    from tests.redis_server import redis_server

    with redis_server() as url:
        pid = int(redis.Redis.from_url(url).info("server")["process_id"])
        server = build_server(settings_factory(redis_url=url, confirm_secret=SECRET))
        arguments = {"customer_profile_oid": JANE, "amount": 6}
        try:
            before = available(server, JANE)
            async with Client(server) as client:
                token = structured(await client.call_tool(CREDIT, arguments))["confirm"]
                os.kill(pid, signal.SIGSTOP)
                try:
                    frozen = await client.call_tool(CREDIT, {**arguments, "confirm": token})
                finally:
                    os.kill(pid, signal.SIGCONT)
                fresh = structured(await client.call_tool(CREDIT, arguments))["confirm"]
                done = structured(await client.call_tool(CREDIT, {**arguments, "confirm": fresh}))
            text = frozen.content[0].text  # type: ignore[union-attr]
            assert frozen.is_error and "nothing was done" in text
            assert "cannot be used again" in text and "fresh preview" in text
            assert done["status"] == "executed"
            assert available(server, JANE) == before + 6  # the frozen redeem did nothing; the fresh yes once
        finally:
            if runtime_of(server).sandbox is not None:
                runtime_of(server).sandbox.close()


async def test_under_deny_a_failed_preview_is_reported_not_called_impossible(server_factory: ServerFactory) -> None:
    """A host that can elicit, an unknown customer: the answer is the store's "not found", not "cannot ask"."""
    server = server_factory(confirm_fallback="deny")

    async def never(context: Any, params: Any) -> ElicitResult:
        raise AssertionError("nothing to ask about an unknown customer")

    async with Client(server, elicitation_callback=never) as client:
        result = await client.call_tool(CREDIT, {"customer_profile_oid": 999999, "amount": 1})
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "999999" in text and "cannot ask" not in text
