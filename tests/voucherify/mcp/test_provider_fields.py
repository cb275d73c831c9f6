"""The provider's own field names reach the machinery: ``Provider.redaction_fields`` masks Voucherify's address
lines and notes when UC_MCP_REDACT asks (and never UltraCart's fields of the same name), and
``Provider.audit_id_keys`` names the records a write touched in the audit trail. Long free text (a CSV import)
is kept in the trail as its length only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from uc_mcp.core.audit import summarise, targets
from uc_mcp.core.redact import Redactor

from .conftest import JANE, ServerFactory


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.anyio
async def test_redact_address_masks_voucherify_address_lines(server_factory: ServerFactory) -> None:
    plain, masked = server_factory(), server_factory(redact=["address", "notes"])
    async with Client(plain) as client:
        shown = (await client.call_tool("voucherify_get_customer", {"customer_id": JANE})).structured_content
    async with Client(masked) as client:
        hidden = (await client.call_tool("voucherify_get_customer", {"customer_id": JANE})).structured_content
    assert shown is not None and hidden is not None
    line = shown["customer"]["address"]["line_1"]
    assert line and hidden["customer"]["address"]["line_1"] != line
    assert line not in json.dumps(hidden)
    assert hidden["customer"]["address"]["city"] == shown["customer"]["address"]["city"]  # not a masked field


def test_a_providers_field_names_mask_only_through_its_own_filter() -> None:
    everyone = Redactor(frozenset({"address", "notes"}))
    voucherify = everyone.with_fields({"address": frozenset({"line_1"}), "notes": frozenset({"description"})})
    assert voucherify.field("line_1", "1 Main Street") != "1 Main Street"
    assert voucherify.field("description", "Prefers phone calls") != "Prefers phone calls"
    # UltraCart's filter (no provider names) leaves a field of the same name alone.
    assert everyone.field("description", "Store credit for a late parcel") == "Store credit for a late parcel"


def test_an_unknown_field_class_is_refused() -> None:
    try:
        Redactor().with_fields({"addresses": frozenset({"line_1"})})
    except ValueError as error:
        assert "addresses" in str(error)
    else:
        raise AssertionError("an unknown class was accepted")


def test_targets_take_the_providers_id_keys_and_mask_text_ids() -> None:
    found = targets(
        {"customer_id": "cust_abc", "source_id": "jane@example.com", "limit": 5, "customer_profile_oid": 7},
        frozenset({"customer_id", "source_id"}),
    )
    assert found["customer_id"] == "cust_abc" and found["customer_profile_oid"] == 7 and "limit" not in found
    assert "jane@example.com" not in found["source_id"]


def test_long_free_text_is_kept_as_its_length() -> None:
    csv = "name,phone\nJane Doe,+1 555 0100\n" * 10
    summary = summarise({"csv": csv, "reason": "late parcel"})
    assert summary["reason"] == "late parcel"
    assert "Jane" not in summary["csv"] and str(len(csv)) in summary["csv"]


@pytest.mark.anyio
async def test_a_voucherify_write_names_its_customer_in_the_audit(client: Client, tmp_path: Path) -> None:
    result = await client.call_tool(
        "voucherify_update_customer", {"customer_id": JANE, "changes": {"name": "Jane Q. Doe"}}
    )
    assert not result.is_error
    records = [
        record for record in _records(tmp_path / "audit.jsonl") if record["tool"] == "voucherify_update_customer"
    ]
    assert {record["event"] for record in records} >= {"intent", "executed"}
    assert all(record["targets"].get("customer_id") == JANE for record in records)
    # The name is a personal field: masked in the trail's arguments.
    assert all("Jane Q. Doe" not in json.dumps(record) for record in records)
