"""The shared client against the standalone sandbox over a real socket, with wire faults."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx2
import pytest

from tests.servers import sandbox_server
from uc_mcp.core.errors import OutcomeUnknown
from uc_mcp.core.http import RetryPolicy
from uc_mcp.settings import Settings
from uc_mcp.ultracart import models as m
from uc_mcp.ultracart.api import UltraCartApi
from uc_mcp.ultracart.client import ultracart_api

pytestmark = pytest.mark.anyio


def api_for(base: str) -> UltraCartApi:
    settings = Settings(ultracart_api_key="sandbox-key", ultracart_base_url=base)  # type: ignore[call-arg]
    api = ultracart_api(settings)
    api.http.options.retry = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, total_timeout=30)
    api.http._client.timeout = httpx2.Timeout(0.3, connect=2.0)
    return api


async def test_reads_and_credits_over_the_wire_with_faults(tmp_path: Path) -> None:
    # No injected 429s here: they would (rightly) slow the adaptive limiter down; see test_retries.py.
    args = ["--customers", "30", "--fault-rate", "0.25", "--fault-seed", "4", "--fault-timeout-s", "1"]
    args += ["--fault-kinds", "500,503,timeout,reset,garbled"]
    with sandbox_server(tmp_path / "wire.sqlite3", *args) as base:
        api = api_for(base)
        page = await api.get_customers(limit=30)
        assert page.customers is not None
        assert len(page.customers) == 30
        outcomes: Counter[str] = Counter()
        for i in range(20):
            try:
                await api.add_customer_store_credit(
                    100007, m.CustomerStoreCreditAddRequest(amount=Decimal("2.00")), request_id=f"req:{i:06x}"
                )
                outcomes["executed"] += 1
            except OutcomeUnknown:
                outcomes["unknown"] += 1
        await api.aclose()
    # Read the ledger back without faults.
    with sandbox_server(tmp_path / "wire.sqlite3") as base:
        api = api_for(base)
        credit = (await api.get_customer_store_credit(100007)).customer_store_credit
        assert credit is not None
        ledger = credit.past_ledgers or []
        await api.aclose()
    applied = Counter(f"req:{i:06x}" for i in range(20) for e in ledger if f"[req:{i:06x}]" in (e.description or ""))
    print(f"\nover the wire: {dict(outcomes)}, applied {sum(applied.values())}")
    assert not applied or max(applied.values()) == 1
    assert outcomes["executed"] <= sum(applied.values()) <= outcomes["executed"] + outcomes["unknown"]
