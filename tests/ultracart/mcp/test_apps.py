"""MCP Apps views (issue 9) through the protocol: which tools carry a view, how the views are served, the
confirmation card's path for a host that renders views but cannot elicit, its Cancel, and that a client
without the extension gets exactly what it got before (apart from ``_meta``).

What a person sees in those views is tested in a real browser: ``tests/e2e/browser/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.server.mcpserver import MCPServer

from tests.ultracart.mcp.conftest import ServerFactory
from tests.ultracart.mcp.test_guarded_tools import answering, available, payload
from uc_mcp.core.apps import CALL_META_KEY
from uc_mcp.core.audit import AuditLog
from uc_mcp.server import runtime_of
from uc_mcp.ui import CONFIRM_VIEW, CUSTOMER_VIEW, TABLE_VIEW, VIEWS, html
from uc_mcp.ultracart.tools import TOOLS, TOOLSETS

pytestmark = pytest.mark.anyio
JANE, JANE_DUPLICATE = 100001, 100002
CREDIT = "ultracart_add_customer_store_credit"
DECLINE = "ultracart_decline_confirmation"
EXPECTED_VIEWS = {
    "ultracart_customer_overview": CUSTOMER_VIEW,
    "ultracart_get_customer": CUSTOMER_VIEW,
    "ultracart_get_customer_by_email": CUSTOMER_VIEW,
    "ultracart_get_customers": TABLE_VIEW,
    "ultracart_get_customers_by_query": TABLE_VIEW,
    "ultracart_find_customers": TABLE_VIEW,
    **{tool.name: CONFIRM_VIEW for tool in TOOLS if tool.guarded},
    DECLINE: CONFIRM_VIEW,
}


def apps_client(server: MCPServer, **options: Any) -> Client:
    """A client that declares MCP Apps (the extension and its HTML MIME type), as a rendering host does."""
    return Client(server, extensions=[advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})], **options)


def records(path: Path) -> list[dict[str, Any]]:
    return list(AuditLog(path).read())


async def test_each_view_is_a_field_of_its_tools_table_entry_and_listed_as_meta_ui(
    server_factory: ServerFactory,
) -> None:
    assert {tool.name: tool.view for tool in TOOLS if tool.view} == EXPECTED_VIEWS
    async with apps_client(server_factory(toolsets=list(TOOLSETS))) as client:
        assert EXTENSION_ID in (client.server_capabilities.extensions or {})
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    listed = {name: (tool.meta or {}).get("ui") for name, tool in tools.items() if (tool.meta or {}).get("ui")}
    assert {name: ui["resourceUri"] for name, ui in listed.items()} == EXPECTED_VIEWS
    assert listed[DECLINE]["visibility"] == ["app"]
    assert all("visibility" not in ui for name, ui in listed.items() if name != DECLINE)


async def test_views_are_served_as_apps_html(server_factory: ServerFactory) -> None:
    async with apps_client(server_factory()) as client:
        listed = {str(resource.uri): resource for resource in (await client.list_resources()).resources}
        assert set(listed) == {view.uri for view in VIEWS}
        for view in VIEWS:
            assert listed[view.uri].mime_type == APP_MIME_TYPE
            content = (await client.read_resource(view.uri)).contents
            assert len(content) == 1
            assert content[0].mime_type == APP_MIME_TYPE
            assert content[0].text == html(view.uri)  # type: ignore[union-attr]
            assert content[0].text.startswith("<!doctype html>")  # type: ignore[union-attr]


def test_views_are_self_contained_small_and_never_parse_html() -> None:
    for view in VIEWS:
        document = html(view.uri)
        assert len(document.encode()) < 64 * 1024, view.uri
        # Offline: nothing is fetched — no external script, style, font, image or connection.
        urls = set(re.findall(r"https?://[^\s\"')]+", document))
        assert urls <= {"http://www.w3.org/2000/svg"}, (view.uri, urls)
        assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", document, re.I), view.uri
        for call in ("fetch(", "XMLHttpRequest", "WebSocket", "@import", "@font-face", "url("):
            assert call not in document, (view.uri, call)
        # Untrusted text is inserted as text only.
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in document, (view.uri, sink)
        assert document.count("<script>") == 1 and document.count("</script>") == 1


async def test_a_client_without_apps_gets_what_it_got_before(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory(toolsets=list(TOOLSETS), audit_log=tmp_path / "audit.jsonl")
    async with Client(server) as plain:
        plain_tools = (await plain.list_tools()).tools
        assert (await plain.list_resources()).resources == []
        preview = await plain.call_tool(CREDIT, {"customer_profile_oid": JANE, "amount": 20})
        page = await plain.call_tool("ultracart_get_customers", {"limit": 3})
    async with apps_client(server) as apps:
        apps_tools = (await apps.list_tools()).tools

    def without_ui(tool: Any) -> Any:
        meta = {key: value for key, value in (tool.meta or {}).items() if key != "ui"}
        return tool.model_copy(update={"meta": meta or None})

    # The same tools, definitions and all, apart from _meta.ui; the app-only Cancel is not offered at all.
    assert [without_ui(tool) for tool in plain_tools] == [
        without_ui(tool) for tool in apps_tools if tool.name != DECLINE
    ]
    assert DECLINE not in {tool.name for tool in plain_tools}
    # Results: no call metadata, the token preview with its usual instructions, no card.
    for result in (preview, page):
        assert CALL_META_KEY not in (result.meta or {})
    previewed = payload(preview)
    assert previewed["status"] == "confirmation_required"
    assert previewed["instructions"].startswith("Nothing was done yet. Show this preview to the user")
    assert [record.get("via") for record in records(tmp_path / "audit.jsonl")] == [None]


async def test_results_tell_a_view_which_call_produced_them(server_factory: ServerFactory) -> None:
    async with apps_client(server_factory()) as client:
        page = await client.call_tool("ultracart_get_customers", {"limit": 3, "offset": 3})
        card = await client.call_tool("ultracart_customer_overview", {"customer_profile_oid": JANE})
        count = await client.call_tool("ultracart_count_customers", {})
    assert (page.meta or {})[CALL_META_KEY] == {
        "tool": "ultracart_get_customers",
        "arguments": {"limit": 3, "offset": 3},
    }
    assert page.structured_content["next_offset"] == 6  # type: ignore[index]
    assert (card.meta or {})[CALL_META_KEY]["arguments"] == {"customer_profile_oid": JANE}
    assert CALL_META_KEY not in (count.meta or {})  # no view, no call metadata


async def test_apps_host_that_cannot_elicit_gets_the_card_and_confirm_executes_once(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    server = server_factory(audit_log=audit)
    before = available(server, JANE)
    arguments = {"customer_profile_oid": JANE, "amount": 20, "description": "Late parcel"}
    async with apps_client(server) as client:
        preview = await client.call_tool(CREDIT, arguments)
        body = payload(preview)
        call = (preview.meta or {})[CALL_META_KEY]
        # The same preview as the token path (the card renders it), and only the instructions differ.
        assert body["status"] == "confirmation_required"
        assert body["preview"]["customer"]["name"] == "Jane Doe"
        assert body["preview"]["available_now"] == 57.5
        assert "confirmation card" in body["instructions"]
        assert call["tool"] == CREDIT
        assert call["cancel"].startswith("c2.") and call["cancel"] != body["confirm"]
        assert available(server, JANE) == before
        confirmed = payload(await client.call_tool(CREDIT, {**call["arguments"], "confirm": body["confirm"]}))
        again = await client.call_tool(CREDIT, {**call["arguments"], "confirm": body["confirm"]})
    assert confirmed["status"] == "executed"
    assert available(server, JANE) == before + 20
    assert again.is_error and "already used" in again.content[0].text  # type: ignore[union-attr]
    events = [(record["event"], record.get("via")) for record in records(audit)]
    assert events[:4] == [("previewed", "apps"), ("accepted", "token"), ("intent", None), ("executed", None)]


async def test_cancel_withdraws_the_token_records_the_decline_and_does_nothing_else(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    server = server_factory(audit_log=audit)
    arguments = {"customer_profile_oid": JANE, "merge_customer_profile_oid": JANE_DUPLICATE}
    async with apps_client(server) as client:
        preview = await client.call_tool("ultracart_merge_customer", arguments)
        token = payload(preview)["confirm"]
        call = (preview.meta or {})[CALL_META_KEY]
        cancelled = payload(
            await client.call_tool(
                DECLINE, {"tool": "ultracart_merge_customer", "arguments": call["arguments"], "cancel": call["cancel"]}
            )
        )
        late = await client.call_tool("ultracart_merge_customer", {**arguments, "confirm": token})
        twice = payload(
            await client.call_tool(
                DECLINE, {"tool": "ultracart_merge_customer", "arguments": call["arguments"], "cancel": call["cancel"]}
            )
        )
    assert cancelled["status"] == "declined" and cancelled["confirmation"] == "withdrawn"
    # The model cannot redeem a preview the person cancelled.
    assert late.is_error and "already used" in late.content[0].text  # type: ignore[union-attr]
    # A preview no longer open is not declined again (nothing recorded for it).
    assert twice["status"] == "closed" and twice["confirmation"] == "already used"
    store = runtime_of(server).sandbox.store
    assert store.get_customer(JANE_DUPLICATE, None)  # not merged away
    declined = [record for record in records(audit) if record["event"] == "declined"]
    assert declined[0]["via"] == "apps"
    assert declined[0]["tool"] == "ultracart_merge_customer"
    assert declined[0]["targets"] == {"customer_profile_oid": JANE, "merge_customer_profile_oid": JANE_DUPLICATE}
    assert declined[0]["outcome"] == "token withdrawn"
    assert not [record for record in records(audit) if record["event"] in ("accepted", "intent", "executed")]


async def test_cancel_refuses_a_made_up_key_or_other_arguments(server_factory: ServerFactory, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    async with apps_client(server_factory(audit_log=audit)) as client:
        preview = await client.call_tool(CREDIT, {"customer_profile_oid": JANE, "amount": 5})
        call = (preview.meta or {})[CALL_META_KEY]
        kid, expiry, nonce, bound = call["cancel"].split(".")[1:5]
        forged = await client.call_tool(
            DECLINE,
            {"tool": CREDIT, "arguments": call["arguments"], "cancel": f"c2.{kid}.{expiry}.{nonce}.{bound}.{'A' * 22}"},
        )
        # A real cancel key, handed with another tool or other (valid) arguments: no decline of anything else.
        other_tool = await client.call_tool(
            DECLINE,
            {
                "tool": "ultracart_delete_customer",
                "arguments": {"customer_profile_oid": JANE},
                "cancel": call["cancel"],
            },
        )
        other_arguments = await client.call_tool(
            DECLINE,
            {"tool": CREDIT, "arguments": {**call["arguments"], "amount": 400}, "cancel": call["cancel"]},
        )
        token_sent = await client.call_tool(
            DECLINE, {"tool": CREDIT, "arguments": call["arguments"], "cancel": payload(preview)["confirm"]}
        )
        not_a_preview = await client.call_tool(
            DECLINE, {"tool": CREDIT, "arguments": {"customer_profile_oid": "x"}, "cancel": call["cancel"]}
        )
        still_valid = payload(
            await client.call_tool(
                CREDIT, {"customer_profile_oid": JANE, "amount": 5, "confirm": payload(preview)["confirm"]}
            )
        )
    for refused in (forged, other_tool, other_arguments):
        assert refused.is_error and "not the cancel key" in refused.content[0].text  # type: ignore[union-attr]
    assert token_sent.is_error and "cancel" in token_sent.content[0].text  # type: ignore[union-attr]
    assert not_a_preview.is_error and "arguments" in not_a_preview.content[0].text  # type: ignore[union-attr]
    assert still_valid["status"] == "executed"
    assert not [record for record in records(audit) if record["event"] == "declined"]


async def test_cancel_of_a_preview_no_longer_open_records_nothing(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    """Cancel records ``declined`` only for a preview that is still open: once its token is used (or expired), the
    card is told the preview is closed and the audit log gains no decline."""
    audit = tmp_path / "audit.jsonl"
    server = server_factory(audit_log=audit)
    async with apps_client(server) as client:
        preview = await client.call_tool(CREDIT, {"customer_profile_oid": JANE, "amount": 5})
        call = (preview.meta or {})[CALL_META_KEY]
        payload(await client.call_tool(CREDIT, {**call["arguments"], "confirm": payload(preview)["confirm"]}))
        late = payload(
            await client.call_tool(DECLINE, {"tool": CREDIT, "arguments": call["arguments"], "cancel": call["cancel"]})
        )
    assert late["status"] == "closed" and late["confirmation"] == "already used"
    assert "may have been performed" in late["notice"]
    assert not [record for record in records(audit) if record["event"] == "declined"]


async def test_with_deny_the_card_gets_no_token(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory(confirm_fallback="deny", audit_log=tmp_path / "audit.jsonl")
    before = available(server, JANE)
    async with apps_client(server) as client:
        result = await client.call_tool(CREDIT, {"customer_profile_oid": JANE, "amount": 20})
    assert result.is_error
    assert "UC_MCP_CONFIRM_FALLBACK=deny" in result.content[0].text  # type: ignore[union-attr]
    assert "cancel" not in (result.meta or {}).get(CALL_META_KEY, {})
    assert not re.search(r"v2\.[\w-]{6}\.\d+\.", str(result.model_dump()))
    assert available(server, JANE) == before


async def test_elicitation_comes_before_the_card(server_factory: ServerFactory) -> None:
    server = server_factory()
    before = available(server, JANE)
    asked: list[str] = []
    async with apps_client(server, elicitation_callback=answering("accept", asked)) as client:
        result = payload(await client.call_tool(CREDIT, {"customer_profile_oid": JANE, "amount": 20}))
    assert result["status"] == "executed"
    assert len(asked) == 1
    assert available(server, JANE) == before + 20
