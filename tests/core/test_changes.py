"""core/changes.py: the one shape every write's ``changes`` has (provider-neutral, pure)."""

from __future__ import annotations

from inline_snapshot import snapshot

from uc_mcp.core.changes import Records, Values, collection_changes, figure_changes, merge_changes, record_changes

LISTS = {"tags": Values("tag_value"), "billing": Records("customer_billing_oid", frozenset({"phone_e164"}))}


def test_only_what_moved_is_reported_under_its_own_name() -> None:
    before = {
        "terms": "Net 30",
        "email": "a@example.com",
        "notes": None,
        "tags": [{"tag_value": "churn-risk"}, {"tag_value": "newsletter"}],
        "billing": [
            {"customer_billing_oid": 5, "city": "Salem", "phone": "1", "phone_e164": "+1"},
            {"customer_billing_oid": 6, "city": "Reno"},
        ],
        "loyalty": {"current_points": 5, "tier": "gold"},
        "modified": "yesterday",
    }
    after = {
        "terms": "Net 30",
        "email": "b@example.com",
        "notes": "",  # null and "" are one value: no change
        "tags": [{"tag_value": "newsletter"}, {"tag_value": "vip"}],
        "billing": [
            {"customer_billing_oid": 5, "city": "Boston", "phone": "1", "phone_e164": "+001"},
            {"customer_billing_oid": 7, "city": "Ely"},
        ],
        "loyalty": {"current_points": 9, "tier": "gold"},
        "modified": "today",
    }
    assert record_changes(before, after, lists=LISTS, ignore=("modified",)) == snapshot(
        {
            "before": {
                "email": "a@example.com",
                "billing": [{"customer_billing_oid": 5, "city": "Salem"}],
                "loyalty": {"current_points": 5},
            },
            "after": {
                "email": "b@example.com",
                "billing": [{"customer_billing_oid": 5, "city": "Boston"}],
                "loyalty": {"current_points": 9},
            },
            "added": {"tags": ["vip"], "billing": [7]},
            "removed": {"tags": ["churn-risk"], "billing": [6]},
        }
    )


def test_no_change_is_an_empty_answer() -> None:
    record = {"tags": [{"tag_value": "a"}, {"tag_value": "b"}], "x": 1, "empty": []}
    reordered = {"tags": [{"tag_value": "b"}, {"tag_value": "a"}], "x": 1, "empty": None}
    assert record_changes(record, reordered, lists=LISTS) == {}
    assert figure_changes({"balance": 5.0}, {"balance": 5.0}) == {}
    assert collection_changes(added={"customers": []}) == {}


def test_entries_without_an_id_compare_as_values() -> None:
    before = {"billing": [{"city": "Salem"}, {"customer_billing_oid": 5, "city": "Reno"}]}
    after = {"billing": [{"city": "Boston"}, {"customer_billing_oid": 5, "city": "Reno"}]}
    assert record_changes(before, after, lists=LISTS) == {
        "added": {"billing": [{"city": "Boston"}]},
        "removed": {"billing": [{"city": "Salem"}]},
    }


def test_parts_of_one_write_combine() -> None:
    combined = merge_changes(
        collection_changes(removed={"customers": [1], "tags": ["vip"]}),
        figure_changes({"store_credit_available": 57.5}, {}),
    )
    assert combined == {"before": {"store_credit_available": 57.5}, "removed": {"customers": [1], "tags": ["vip"]}}
    assert list(combined) == ["before", "removed"]  # always in the order before, after, added, removed
