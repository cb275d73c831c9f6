"""What a person sees in each MCP Apps view, in headless Chromium, fed real tool results from the sandbox
(see ``conftest.py``): the right name and balance on the card, the right rows in the table, paging that asks
for the next offset, a Confirm that makes exactly one tool call carrying the token and a Cancel that makes
none, customer text shown as literal text, the host's theme, narrow widths. Screenshots: ``artifacts/browser``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

try:
    from playwright.async_api import expect
except ImportError:  # conftest.py's autouse fixture skips every test (or, under CI, fails it)
    expect = None

from tests.e2e.browser.conftest import Host
from uc_mcp.core.audit import AuditLog
from uc_mcp.server import runtime_of
from uc_mcp.ui import CONFIRM_VIEW, CUSTOMER_VIEW, TABLE_VIEW

pytestmark = pytest.mark.anyio
JANE, JANE_DUPLICATE = 100001, 100002
CREDIT = "ultracart_add_customer_store_credit"
DECLINE = "ultracart_decline_confirmation"
HOSTILE = {
    "first_name": "<script>alert(1)</script>",
    "last_name": "<img src=x onerror=alert(2)>",
    "company": "<b>Not bold</b> & co",
}
HOSTILE_NOTES = '</p><svg onload="alert(3)"></svg><a href="javascript:alert(4)">click</a>'


def store(host: Host) -> Any:
    return runtime_of(host.server).sandbox.store


def emails(result: dict[str, Any]) -> list[str]:
    data = result["structuredContent"]
    column = data["columns"].index("email")
    return [row[column] for row in data["items"]]


async def test_customer_card_shows_the_customer_and_calls_for_the_full_ledger(host: Host) -> None:
    await host.show(CUSTOMER_VIEW, "ultracart_customer_overview", {"customer_profile_oid": JANE})
    view = host.view
    await expect(view.locator("h1.customer-name")).to_have_text("Jane Doe")
    await expect(view.locator(".customer-email")).to_have_text("jane@example.com")
    await expect(view.locator(".store-credit-available")).to_have_text("57.50")
    await expect(view.locator(".tags .chip")).to_have_text(["vip", "newsletter", "tier: VIP"])
    await expect(view.get_by_text("2207 Pecan Hollow Dr").first).to_be_visible()
    await expect(view.locator("dl.kv dd").filter(has_text="1487.35")).to_be_visible()  # order total
    await expect(view.locator(".wishlist li")).to_have_count(3)
    await expect(view.get_by_text("For Mom's birthday")).to_be_visible()
    await expect(view.get_by_text("no per-customer read of email-list subscriptions")).to_be_visible()
    await expect(view.locator("svg.chart path.line")).to_have_count(1)
    await expect(view.locator("table.ledger tbody tr")).to_have_count(3)
    await host.screenshot("customer-card")

    await view.locator("button.full-ledger").click()
    await expect(view.locator(".chart-axis")).to_contain_text("balance 57.50")
    assert host.calls == [("ultracart_get_customer_store_credit", {"customer_profile_oid": JANE})]
    await expect(view.locator("table.ledger tbody tr").first).to_contain_text("Loyalty reward")
    await view.get_by_role("button", name="Full wishlist").click()
    await expect(view.locator(".wishlist li")).to_have_count(3)
    assert host.calls[-1] == ("ultracart_get_customer_wish_list", {"customer_profile_oid": JANE})
    await host.screenshot("customer-card-full-ledger")


async def test_customer_card_from_a_record_opens_the_overview(host: Host) -> None:
    await host.show(CUSTOMER_VIEW, "ultracart_get_customer", {"customer_profile_oid": JANE})
    view = host.view
    await expect(view.locator("h1.customer-name")).to_have_text("Jane Doe")
    await expect(view.locator(".tags .chip")).to_have_text(["vip", "newsletter"])
    await expect(view.locator(".store-credit-available")).to_have_count(0)  # not in a record
    await view.get_by_role("button", name="Store credit, wishlist and more").click()
    await expect(view.locator(".store-credit-available")).to_have_text("57.50")
    assert host.calls == [("ultracart_customer_overview", {"customer_profile_oid": JANE})]


async def test_result_table_rows_sorting_paging_and_the_row_that_opens_the_card(host: Host) -> None:
    first = await host.show(TABLE_VIEW, "ultracart_get_customers", {"limit": 5})
    view = host.view
    rows = view.locator("table.results tbody tr")
    await expect(rows).to_have_count(5)
    for index, email in enumerate(emails(first)):
        await expect(rows.nth(index)).to_contain_text(email)
    await expect(view.locator(".badge.total")).to_have_text("1–5 of 60")
    await host.screenshot("customer-table")

    header = view.locator("th").filter(has_text="Email")
    await header.get_by_role("button").click()
    await expect(header).to_have_attribute("aria-sort", "ascending")
    await expect(rows.first).to_contain_text(sorted(emails(first))[0])
    await header.get_by_role("button").click()
    await expect(rows.first).to_contain_text(sorted(emails(first))[-1])
    assert host.calls == []  # sorting a page asks nothing

    await view.get_by_role("button", name="Next →").click()
    await expect(view.locator(".badge.total")).to_have_text("6–10 of 60")
    assert host.calls == [("ultracart_get_customers", {"limit": 5, "offset": 5})]
    second = await host.client.call_tool("ultracart_get_customers", {"limit": 5, "offset": 5})
    for index, email in enumerate(emails({"structuredContent": second.structured_content})):
        await expect(rows.nth(index)).to_contain_text(email)
    await view.get_by_role("button", name="← Previous").click()
    await expect(view.locator(".badge.total")).to_have_text("1–5 of 60")
    assert host.calls[-1] == ("ultracart_get_customers", {"limit": 5, "offset": 0})

    await rows.filter(has_text="jane@example.com").click()
    await expect(view.locator("h1.customer-name")).to_have_text("Jane Doe")
    assert host.calls[-1] == ("ultracart_customer_overview", {"customer_profile_oid": JANE})
    await host.screenshot("customer-table-row-opened")
    await view.get_by_role("button", name="← Back to the list").click()
    await expect(rows).to_have_count(5)


async def test_find_results_say_why_each_matched_and_do_not_page(host: Host) -> None:
    await host.show(TABLE_VIEW, "ultracart_find_customers", {"query": "jane"})
    view = host.view
    await expect(view.locator("h1")).to_have_text("Customers found")
    rows = view.locator("table.results tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("jane@example.com")
    await expect(rows.first).to_contain_text("email name (exact)")
    await expect(view.locator("th").filter(has_text="Why it matched")).to_have_count(1)
    await expect(view.get_by_role("button", name="Next →")).to_have_count(0)
    await host.screenshot("find-table")


async def test_confirm_sends_exactly_one_call_carrying_the_token(host: Host) -> None:
    arguments = {"customer_profile_oid": JANE, "amount": 20, "description": "Late parcel"}
    result = await host.show(CONFIRM_VIEW, CREDIT, arguments)
    token = result["structuredContent"]["confirm"]
    view = host.view
    await expect(view.locator("h1")).to_have_text("Confirm: Add store credit")
    await expect(view.locator(".party-name")).to_have_text("Jane Doe")
    await expect(view.locator(".party-email")).to_have_text("jane@example.com")
    await expect(view.locator(".amount")).to_have_text("20.00")
    await expect(view.locator(".available-now")).to_have_text("57.50")
    await expect(view.locator(".available-after")).to_have_text("77.50")
    await expect(view.get_by_text("Description: Late parcel")).to_be_visible()
    await host.screenshot("confirm-card")

    await view.locator("button.confirm-button").click()
    await expect(view.get_by_text("Done.")).to_be_visible()
    await expect(view.locator("button.confirm-button")).to_be_disabled()
    await expect(view.locator("button.cancel-button")).to_be_disabled()
    carrying = [call for call in host.calls if token in json.dumps(call)]
    assert carrying == [
        (CREDIT, {"customer_profile_oid": JANE, "amount": "20.00", "description": "Late parcel", "confirm": token})
    ]
    assert host.calls == carrying
    assert Decimal(str(store(host).get_store_credit(JANE)["available"])) == Decimal("77.50")
    context = await host.page.evaluate("window.ucHost.modelContext")
    assert "pressed Confirm" in context[0]["content"][0]["text"]
    await host.screenshot("confirm-card-done")


async def test_cancel_makes_no_call_carrying_the_token_and_records_the_decline(host: Host, tmp_path: Any) -> None:
    result = await host.show(CONFIRM_VIEW, CREDIT, {"customer_profile_oid": JANE, "amount": 20})
    token = result["structuredContent"]["confirm"]
    view = host.view
    await view.locator("button.cancel-button").click()
    await expect(view.get_by_text("Cancelled: nothing was done")).to_be_visible()
    await expect(view.locator("button.confirm-button")).to_be_disabled()
    assert [call for call in host.calls if token in json.dumps(call)] == []
    assert [name for name, _ in host.calls] == [DECLINE]  # the Cancel tool, with the cancel key only
    assert host.calls[0][1]["cancel"] == result["_meta"]["uc-mcp/call"]["cancel"]
    assert store(host).get_store_credit(JANE)["available"] == 57.5
    declined = [record for record in AuditLog(tmp_path / "audit.jsonl").read() if record["event"] == "declined"]
    assert [(record["tool"], record["via"], record["targets"]) for record in declined] == [
        (CREDIT, "apps", {"customer_profile_oid": JANE})
    ]
    late = await host.client.call_tool(CREDIT, {"customer_profile_oid": JANE, "amount": 20, "confirm": token})
    assert late.is_error  # the model cannot redeem what the person cancelled
    await host.screenshot("confirm-card-cancelled")


async def test_merge_card_says_what_moves_from_which_profile_to_which(host: Host) -> None:
    await host.show(
        CONFIRM_VIEW,
        "ultracart_merge_customer",
        {"customer_profile_oid": JANE, "merge_customer_profile_oid": JANE_DUPLICATE},
    )
    view = host.view
    await expect(view.locator("h1")).to_have_text("Confirm: Merge two customers")
    await expect(view.locator(".merged-away .party-email")).to_have_text("jane.doe@example.com")
    await expect(view.locator(".merged-away .badge")).to_have_text("#100002")
    await expect(view.locator(".surviving .party-email")).to_have_text("jane@example.com")
    await expect(view.locator(".surviving .badge")).to_have_text("#100001")
    await expect(view.get_by_text("Moves from #100002 to #100001:")).to_be_visible()
    await expect(view.locator(".moves li")).to_have_count(3)
    await expect(view.get_by_text("Then #100002 is deleted. This cannot be undone.")).to_be_visible()
    await host.screenshot("confirm-card-merge")
    assert host.calls == []


async def test_customer_text_is_shown_as_literal_text_never_as_html(host: Host) -> None:
    created = await host.client.call_tool(
        "ultracart_insert_customer",
        {
            "email": "hostile@example.com",
            "billing": [{**HOSTILE, "city": "<i>Austin</i>"}],
            "business_notes": HOSTILE_NOTES,
        },
    )
    assert not created.is_error, created.content
    oid = created.structured_content["customer"]["customer_profile_oid"]  # type: ignore[index]
    name = f"{HOSTILE['first_name']} {HOSTILE['last_name']}"

    await host.show(CUSTOMER_VIEW, "ultracart_customer_overview", {"customer_profile_oid": oid})
    view = host.view
    await expect(view.locator("h1.customer-name")).to_have_text(name)
    await expect(view.locator(".notes")).to_have_text(HOSTILE_NOTES)
    await expect(view.get_by_text("<b>Not bold</b> & co").first).to_be_visible()
    markup = "main script, main img, main b, main i, main a, main svg:not(.chart)"
    assert await host.in_view(f"document.querySelectorAll({json.dumps(markup)}).length") == 0
    await host.screenshot("untrusted-text-card")

    await host.show(TABLE_VIEW, "ultracart_find_customers", {"query": "hostile@example.com"})
    await expect(view.locator("table.results tbody tr").first).to_contain_text(name)
    assert await host.in_view(f"document.querySelectorAll({json.dumps(markup)}).length") == 0

    await host.show(CONFIRM_VIEW, "ultracart_delete_customer", {"customer_profile_oid": oid})
    await expect(view.locator(".party-name")).to_have_text(name)
    assert await host.in_view(f"document.querySelectorAll({json.dumps(markup)}).length") == 0
    await host.screenshot("untrusted-text-confirm")
    # No alert ran (a dialog would be in host.errors, checked when the test ends), nothing was fetched.


async def test_views_follow_the_host_theme_and_fit_a_narrow_width(host: Host) -> None:
    background = "getComputedStyle(document.body).backgroundColor"
    await host.show(CUSTOMER_VIEW, "ultracart_customer_overview", {"customer_profile_oid": JANE}, theme="light")
    await expect(host.view.locator("h1.customer-name")).to_have_text("Jane Doe")
    assert await host.in_view(background) == "rgb(255, 255, 255)"
    await host.page.evaluate("changeHostContext({theme: 'dark'})")
    await expect(host.view.locator("html")).to_have_attribute("data-theme", "dark")
    assert await host.in_view(background) == "rgb(27, 28, 31)"
    await host.screenshot("customer-card-dark")

    # The host's own theme variables win over the view's palette.
    await host.show(
        CUSTOMER_VIEW,
        "ultracart_customer_overview",
        {"customer_profile_oid": JANE},
        variables={"--color-background-primary": "rgb(1, 2, 3)", "--color-text-primary": "rgb(250, 250, 250)"},
    )
    await expect(host.view.locator("h1.customer-name")).to_have_text("Jane Doe")
    assert await host.in_view(background) == "rgb(1, 2, 3)"

    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    for uri, tool, arguments, name in (
        (CUSTOMER_VIEW, "ultracart_customer_overview", {"customer_profile_oid": JANE}, "customer-card-narrow"),
        (TABLE_VIEW, "ultracart_get_customers", {"limit": 4}, "customer-table-narrow"),
        (
            CONFIRM_VIEW,
            "ultracart_merge_customer",
            {"customer_profile_oid": JANE, "merge_email": "jane.doe@example.com"},
            "confirm-card-narrow-dark",
        ),
    ):
        await host.show(uri, tool, arguments, width=340, theme="dark" if "dark" in name else "light")
        await expect(host.view.locator("main h1").first).to_be_visible()
        assert await host.in_view(overflow) <= 0, name
        await host.screenshot(name)
