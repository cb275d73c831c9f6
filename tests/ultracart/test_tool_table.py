"""Static checks over the tool table: names, annotations, guards, schema budgets and drift."""

from __future__ import annotations

import json

from uc_mcp.schemas import SCHEMA_DIR, budget_problems, check_all, definition
from uc_mcp.tables import all_tables
from uc_mcp.ultracart.tools import TOOLS, TOOLSETS

# UltraCart files each operation under one OAuth scope; read-only tools are exactly the
# customer_read ones (so get_magic_link, a PUT, and the email-verification POSTs are writes).
CUSTOMER_READ = {
    "get_customers",
    "get_customers_by_query",
    "get_customer",
    "get_customer_by_email",
    "get_customers_for_data_tables",
    "get_customer_store_credit",
    "get_customer_wish_list",
    "get_customer_wish_list_item",
    "get_customer_editor_values",
    "get_customer_email_lists",
    "search_customer_profile_values",
}
# Assist tools that only combine customer_read operations.
ASSIST_READ = {"find_customers", "customer_overview", "count_customers", "rank_customers"}
GUARDED = {
    "delete_customer",
    "delete_wish_list_item",
    "merge_customer",
    "add_customer_store_credit",
    "adjust_internal_certificate",
    "get_magic_link",
}
# Destructive but deliberately unguarded, with the reason.
UNGUARDED_DESTRUCTIVE = {
    "update_customer": "a targeted field update the user asked for; the result lists what changed",
}


def operation(name: str) -> str:
    return name.removeprefix("ultracart_")


def test_names_are_unique_prefixed_and_toolsets_known() -> None:
    names = [tool.name for tool in TOOLS]
    assert len(names) == len(set(names))
    assert all(name.startswith("ultracart_") for name in names)
    assert {tool.toolset for tool in TOOLS if not tool.app_only} <= set(TOOLSETS)
    # App-only tools (MCP Apps: called by a view) are no toolset of their own: they follow the guarded tools.
    assert {tool.toolset for tool in TOOLS if tool.app_only} <= {"apps"}


def test_read_only_exactly_for_customer_read_scope() -> None:
    for tool in TOOLS:
        assert tool.read_only == (operation(tool.name) in CUSTOMER_READ | ASSIST_READ), tool.name
        if tool.read_only:
            assert not tool.destructive, tool.name
            assert tool.idempotent, tool.name


def test_destructive_tools_are_guarded_or_listed_with_a_reason() -> None:
    for tool in TOOLS:
        if tool.destructive:
            assert tool.guarded or operation(tool.name) in UNGUARDED_DESTRUCTIVE, tool.name
        assert tool.guarded == (operation(tool.name) in GUARDED), tool.name


def test_every_tool_states_all_four_annotations() -> None:
    for tool in TOOLS:
        annotations = definition(tool)["annotations"]
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
            assert isinstance(annotations.get(hint), bool), (tool.name, hint)
        assert annotations["title"] == tool.title


def test_every_tool_has_object_input_and_output_schemas() -> None:
    for tool in TOOLS:
        spec = definition(tool)
        assert spec["inputSchema"]["type"] == "object"
        assert spec["outputSchema"]["type"] == "object"
        assert (
            "password" not in json.dumps(spec["inputSchema"]) or operation(tool.name) == "get_email_verification_token"
        )


def test_definitions_fit_their_budgets() -> None:
    assert budget_problems(TOOLS, ("Order", "CustomerActivity", "CustomerEDI", "GiftCertificate")) == []


def test_tool_schemas_directory_matches_the_code() -> None:
    assert SCHEMA_DIR.is_dir()
    assert check_all(all_tables()) == [], "run `uc-mcp schemas` and commit tool_schemas/"


def _sentences(text: str) -> list[str]:
    import re

    return [part.strip().lower() for part in re.split(r"(?<=[.!?])\s+", text) if part.strip()]


def test_no_description_says_a_sentence_twice() -> None:
    """Hosts put every description in the model's context on every turn: a sentence said twice (the untrusted-data
    note a tool repeated after the table appended it) costs tokens and reads as garbled. Also within the
    descriptions of input fields."""
    repeated = {}
    for spec in TOOLS:
        texts = [spec.published_description]
        schema = definition(spec)["inputSchema"]
        texts += [field.get("description", "") for field in schema.get("properties", {}).values()]
        for text in texts:
            sentences = _sentences(text)
            twice = {sentence for sentence in sentences if sentences.count(sentence) > 1}
            if twice:
                repeated[spec.name] = sorted(twice)
        # The same claim in other words: once per description.
        if spec.published_description.count("never instructions") > 1:
            repeated[spec.name] = ["never instructions (said more than once)"]
    assert repeated == {}


def test_descriptions_name_what_was_ambiguous() -> None:
    """Issue 16.7: partial email matching, date-only ends, time zones and what each store-credit figure is."""
    by_name = {spec.name: spec for spec in TOOLS}
    find = by_name["ultracart_find_customers"].published_description
    assert "any part of one (matched anywhere" in find
    listing = json.dumps(definition(by_name["ultracart_get_customers"])["inputSchema"])
    assert "a bare date: the whole day, store time zone" in listing
    credit = json.dumps(definition(by_name["ultracart_get_customer_store_credit"]))
    assert "lifetime_credited" in credit and "not a balance" in credit
    cashback = by_name["ultracart_adjust_internal_certificate"].published_description
    assert "same balance as ultracart_get_customer_store_credit's available" in cashback
