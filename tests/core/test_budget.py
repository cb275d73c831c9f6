"""core/budget.py: results never exceed the budget and never lose ``total``/``next_offset``.

The property tests draw customer-like pages (nested dicts and lists, unicode, long strings, nulls
and empties), page sizes 0..200, field selections (known, dotted, view keys, unknown) and budgets
100..8000 (down to the floor budget.py accepts), and check the list-result contract of DESIGN.md §2
on every one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uc_mcp.core.budget import (
    ELLIPSIS,
    Compact,
    CompactList,
    compact_json,
    count_result,
    estimate_tokens,
    fit_list,
    fit_object,
    project,
    projector,
    prune,
    result_json,
    text_tokens,
    trim,
)
from uc_mcp.ultracart.views import COMPACT_CUSTOMER_FIELDS, customer_view

# -- strategies ------------------------------------------------------------------------------------

keys = st.text(min_size=1, max_size=12)
short_text = st.text(max_size=30)
# Long strings are built by repetition: drawing 1500 random characters is slow and adds nothing.
long_text = st.builds(lambda c, n: c * n, st.text(min_size=1, max_size=3), st.integers(150, 1500))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | short_text
    | long_text
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=25) | st.dictionaries(keys, inner, max_size=6), max_leaves=30
)
dts = st.sampled_from(["2018-04-14T11:22:00-04:00", "2026-01-01T00:00:00.000-05:00", "", None])
address = st.fixed_dictionaries(
    {},
    optional={
        "first_name": st.sampled_from(["Jane", "Zoë", "太郎", "", "  ", None]),
        "last_name": st.sampled_from(["Doe", "Brontë", "山田", "", None]),
        "company": st.none() | short_text,
        "city": st.none() | short_text,
        "state_region": st.none() | short_text,
        "country_code": st.sampled_from(["US", "GB", "JP", None]),
        "address1": st.none() | short_text | long_text,
        "default_billing": st.booleans(),
        "default_shipping": st.booleans(),
    },
)
customer = st.fixed_dictionaries(
    {"customer_profile_oid": st.integers(1, 10**9)},
    optional={
        "email": st.none() | st.emails() | st.just(""),
        "signup_dts": dts,
        "last_modified_dts": dts,
        "billing": st.none() | st.lists(address, max_size=3),
        "shipping": st.none() | st.lists(address, max_size=3),
        "tags": st.lists(st.fixed_dictionaries({"tag_value": short_text}), max_size=30),
        "business_notes": st.none() | st.just("") | short_text | long_text,
        "properties": st.builds(
            lambda p, n: [p] * n, st.fixed_dictionaries({"name": short_text, "value": json_values}), st.integers(0, 40)
        ),
        "extra": st.dictionaries(keys, json_values, max_size=5),
    },
)


@st.composite
def pages(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A page of 0..200 records, cycled from a few drawn templates (so large pages stay cheap)."""
    templates = draw(st.lists(customer, min_size=1, max_size=4))
    size = draw(st.integers(0, 200))
    return [{**templates[i % len(templates)], "customer_profile_oid": i + 1} for i in range(size)]


FIELD_NAMES = [
    "email",
    "customer_profile_oid",
    "billing",
    "billing.city",
    "billing.first_name",
    "shipping.country_code",
    "tags",
    "tags.tag_value",
    "business_notes",
    "properties.value",
    "extra",
    "name",
    "tag_count",
    "nope",
    "billing.nope",
    "email.domain",
    "",
    "a..b",
]
field_selections = st.none() | st.lists(st.sampled_from(FIELD_NAMES) | keys, max_size=6)


def expected_items(records: list[dict[str, Any]], view: Any, fields: list[str] | None) -> list[dict[str, Any]]:
    """What each record should become before the budget trims it, via the public API."""
    if fields:
        return [prune(project({**view(r), **r} if view else r, fields)[0]) for r in records]
    if view is not None:
        return [prune(view(r)) for r in records]
    return [prune(r) for r in records]


# -- properties ------------------------------------------------------------------------------------


@given(
    records=pages(),
    view=st.sampled_from([None, customer_view]),
    fields=field_selections,
    total=st.none() | st.integers(0, 10**6),
    offset=st.integers(0, 10**6),
    more=st.booleans(),
    max_tokens=st.integers(100, 8000),
    as_table=st.booleans(),
)
def test_fit_list_contract(
    records: list[dict[str, Any]],
    view: Any,
    fields: list[str] | None,
    total: int | None,
    offset: int,
    more: bool,
    max_tokens: int,
    as_table: bool,
) -> None:
    columns = list(COMPACT_CUSTOMER_FIELDS) if as_table and view is not None and not fields else None
    result = fit_list(
        records,
        view=view,
        fields=fields,
        total=total,
        offset=offset,
        more=more,
        max_tokens=max_tokens,
        columns=columns,
    )
    text = result_json(result)

    assert text_tokens(text) <= max_tokens
    assert json.loads(text) == result  # the structured result and its text are the same thing
    assert "next_offset" in result
    assert ("total" in result) == (total is not None)
    if total is not None:
        assert result["total"] == total
    returned = result["returned"]
    assert returned == len(result["items"])
    notice = result.get("notice", "")

    if records:
        assert result["items"] or "do not fit" in notice
    cut = returned < len(records)
    if records and (more or cut):
        assert result["next_offset"] == offset + returned
        if cut:
            assert f"offset={offset + returned}" in notice
    else:
        assert result["next_offset"] is None
    if total is None and result["next_offset"] is not None:
        assert "Total unknown" in notice

    # Anything shortened or left out is announced.
    expected = expected_items(records, view, fields)
    shown = result["items"]
    if columns is not None:
        # A table: the columns once, each row positional with nulls where a record has no value.
        assert result["columns"] == columns
        assert all(len(row) == len(columns) for row in shown)
        shown = [{k: v for k, v in zip(columns, row, strict=True) if v is not None} for row in shown]
    else:
        assert "columns" not in result
    if cut or any(item != want for item, want in zip(shown, expected, strict=False)):
        assert notice
    # Items are the expected records, in order (trimmed values start like the originals).
    for item, want in zip(shown, expected, strict=False):
        assert list(item) == [key for key in want if key in item]


@given(
    record=customer,
    fields=field_selections,
    max_tokens=st.integers(100, 3000),
)
def test_fit_object_fits(record: dict[str, Any], fields: list[str] | None, max_tokens: int) -> None:
    result = fit_object(record, max_tokens=max_tokens, fields=fields, view=customer_view)
    assert estimate_tokens(result) <= max_tokens
    # A fitted record remembers its JSON text; a result holding it says the same as one built afresh.
    if isinstance(result, Compact):
        assert result.text == compact_json(result)
    wrapped = {"customer": result, "sandbox": True, "next_offset": None}
    assert result_json(wrapped) == result_json({**wrapped, "customer": dict(result)})
    expected = prune(project({**customer_view(record), **record}, fields)[0]) if fields else prune(record)
    if result != expected:
        assert "notice" in result


@given(value=json_values, max_string=st.integers(0, 600), max_items=st.integers(0, 30))
def test_trim_bounds_and_notes(value: Any, max_string: int, max_items: int) -> None:
    trimmed, notes = trim(value, max_string=max_string, max_items=max_items)

    def check(v: Any) -> None:
        if isinstance(v, str):
            assert len(v) <= max_string + 1
        elif isinstance(v, list):
            assert len(v) <= max_items
            for x in v:
                check(x)
        elif isinstance(v, dict):
            for x in v.values():
                check(x)

    check(trimmed)
    assert (trimmed != value) == bool(notes)


@given(value=json_values)
def test_prune_is_idempotent_and_drops_empties(value: Any) -> None:
    once = prune(value)
    assert prune(once) == once

    def no_empty_fields(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                assert x is not None
                assert x != ""
                assert x != []
                assert x != {}
                no_empty_fields(x)
        elif isinstance(v, list):
            for x in v:
                no_empty_fields(x)

    no_empty_fields(once)


# -- examples: fit_list ----------------------------------------------------------------------------


def _records(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "email": f"user{i:04d}@example.com", "note": None, "tags": []} for i in range(n)]


def test_everything_fits_no_notice() -> None:
    result = fit_list(_records(3), total=3, offset=0, more=False, max_tokens=4000)
    assert result == {
        "items": [{"id": i, "email": f"user{i:04d}@example.com"} for i in range(3)],
        "returned": 3,
        "total": 3,
        "next_offset": None,
    }
    assert result_json(result).endswith('"next_offset":null}')


def test_more_gives_next_offset_without_notice_when_total_known() -> None:
    result = fit_list(_records(5), total=250, offset=100, more=True, max_tokens=4000)
    assert result["next_offset"] == 105
    assert "notice" not in result


def test_budget_cut_fits_as_many_as_possible_and_says_how_to_continue() -> None:
    records = _records(200)
    result = fit_list(
        records, total=250, offset=0, more=True, max_tokens=500, next_hint="call list with offset={offset}"
    )
    n = result["returned"]
    assert 0 < n < 200
    assert result["next_offset"] == n
    notice = result["notice"]
    assert f"Showing {n} of 250 from offset 0 (budget ~500 tokens)." in notice
    assert f"Next page: call list with offset={n}." in notice
    assert 'fields=["id","email"]' in notice
    assert text_tokens(result_json(result)) <= 500
    # Maximal: one more record (same size, same notice length give or take a digit) would not fit.
    item_bytes = len(compact_json(records[n]).encode())
    assert len(result_json(result).encode()) + item_bytes + 1 > 500 * 4 - 4


def test_total_unknown_is_said() -> None:
    result = fit_list(_records(5), total=None, offset=0, more=True, max_tokens=4000)
    assert "total" not in result
    assert result["next_offset"] == 5
    assert result["notice"] == "Total unknown: the API did not report it; keep paging while next_offset is not null."


def test_total_unknown_at_the_end_needs_no_notice() -> None:
    result = fit_list(_records(5), total=None, offset=0, more=False, max_tokens=4000)
    assert result["next_offset"] is None
    assert "notice" not in result


def test_empty_page() -> None:
    result = fit_list([], total=0, offset=0, more=False, max_tokens=200)
    assert result == {"items": [], "returned": 0, "total": 0, "next_offset": None}
    assert result_json(result) == '{"items":[],"returned":0,"total":0,"next_offset":null}'


def test_empty_page_with_more_does_not_send_the_model_round_in_circles() -> None:
    result = fit_list([], total=None, offset=40, more=True, max_tokens=200)
    assert result["next_offset"] is None
    assert "returned none" in result["notice"]


def test_long_values_trimmed_with_one_notice() -> None:
    records = [{"id": i, "notes": "x" * 1700, "properties": list(range(27))} for i in range(3)]
    result = fit_list(records, total=3, offset=0, more=False, max_tokens=4000)
    assert result["returned"] == 3
    assert all(item["notes"] == "x" * 500 + ELLIPSIS for item in result["items"])
    assert all(item["properties"] == list(range(20)) for item in result["items"])
    assert result["notice"] == (
        "Long values were shortened (strings to 500 chars, lists to 20 items): "
        "notes in 3 records (3600 chars cut); properties in 3 records (21 items cut). "
        "For full values, fetch that record on its own."
    )


def test_huge_first_record_is_trimmed_harder_then_reduced_to_identifying_fields() -> None:
    big = {"id": 7, "email": "a@example.com", **{f"k{i}": "v" * 150 for i in range(60)}}
    harder = fit_list([big], total=1, offset=0, more=False, max_tokens=4000)
    assert harder["returned"] == 1
    assert harder["items"][0]["k0"] == "v" * 150
    tight = fit_list([big, big], total=2, offset=0, more=False, max_tokens=1500)
    assert tight["returned"] == 1
    assert tight["items"][0]["k0"] == "v" * 80 + ELLIPSIS
    assert "strings to 80 chars" in tight["notice"]
    assert tight["next_offset"] == 1
    ident = fit_list([big], total=1, offset=0, more=False, max_tokens=200, id_fields=["email", "id"])
    assert ident["items"] == [{"email": "a@example.com", "id": 7}]
    assert "only its identifying fields (email, id) are shown" in ident["notice"]
    assert text_tokens(result_json(ident)) <= 200


def test_nothing_fits_says_so() -> None:
    big = {"k" * 300: 1, "j" * 300: 2, "i" * 300: 3}
    result = fit_list([big], total=1, offset=5, more=False, max_tokens=200)
    assert result["items"] == []
    assert result["next_offset"] == 5
    assert "Even the identifying fields of the record at offset 5 do not fit the budget" in result["notice"]
    assert text_tokens(result_json(result)) <= 200


def test_fields_can_name_view_keys_and_report_unknown_ones() -> None:
    records = [
        {"customer_profile_oid": 1, "email": "a@x.com", "billing": [{"first_name": "Zoë", "city": "Paris"}]},
        {"customer_profile_oid": 2, "email": "b@x.com"},
    ]
    result = fit_list(
        records,
        view=customer_view,
        fields=["name", "billing.city", "emial"],
        total=2,
        offset=0,
        more=False,
        max_tokens=4000,
    )
    assert result["items"] == [{"name": "Zoë", "billing": [{"city": "Paris"}]}, {}]
    assert "No record here has field(s): emial" in result["notice"]


def test_budget_below_minimum_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least"):
        fit_list([], max_tokens=10)


# -- examples: project / trim / prune / json -------------------------------------------------------


def test_project_dotted_paths_through_lists_and_objects() -> None:
    record = {
        "email": "a@x.com",
        "billing": [{"city": "A", "state_region": "B", "zip": "1"}, {"city": "C"}, "junk"],
        "loyalty": {"current_points": 5, "ledger": [{"points": 1}]},
        "tags": [],
        "parent": None,
    }
    projected, missing = project(
        record,
        [
            "billing.state_region",
            "email",
            "billing.city",
            "loyalty.current_points",
            "tags.tag_value",
            "parent.x",
            "nope",
        ],
    )
    assert projected == {
        "billing": [{"state_region": "B", "city": "A"}, {"city": "C"}],
        "email": "a@x.com",
        "loyalty": {"current_points": 5},
        "tags": [],
    }
    assert missing == ["nope"]  # an empty list or null parent cannot prove a field wrong
    whole, _ = project(record, ["billing.city", "billing"])
    assert whole["billing"] == record["billing"]
    _, missing = project(record, ["email.domain", " email ", "", "email"])
    assert missing == ["email.domain", ""]


def test_trim_notes_paths() -> None:
    value = {
        "business_notes": "n" * 1700,
        "properties": [{"v": i} for i in range(27)],
        "billing": [{"address1": "a" * 600}],
    }
    trimmed, notes = trim(value)
    assert trimmed["business_notes"] == "n" * 500 + ELLIPSIS
    assert len(trimmed["properties"]) == 20
    assert notes == [
        {"path": "business_notes", "dropped_chars": 1200},
        {"path": "properties", "dropped_items": 7},
        {"path": "billing[0].address1", "dropped_chars": 100},
    ]
    assert value["business_notes"] == "n" * 1700  # input untouched
    assert trim("short") == ("short", [])


def test_prune_keeps_false_and_zero_and_list_positions() -> None:
    value = {"a": None, "b": "", "c": [], "d": {}, "e": False, "f": 0, "g": {"h": None}, "i": [None, {"j": ""}, 1]}
    assert prune(value) == {"e": False, "f": 0, "i": [None, {}, 1]}


def test_compact_json_types() -> None:
    value = {
        "amount": Decimal("20.00"),
        "whole": Decimal("5"),
        "precise": Decimal("12345678901234567890.123"),
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "day": date(2026, 1, 2),
        "name": "Zoë 太郎",
        "empty": None,
    }
    text = compact_json(value)
    assert text == (
        '{"amount":20.0,"whole":5,"precise":"12345678901234567890.123",'
        '"when":"2026-01-02T03:04:05+00:00","day":"2026-01-02","name":"Zoë 太郎"}'
    )
    assert json.loads(text)["amount"] == 20.0
    assert estimate_tokens(value) == math.ceil(len(text.encode("utf-8")) / 4)
    assert estimate_tokens("ü") == 1  # '"ü"' is 4 bytes


def test_result_json_keeps_only_the_meaningful_nulls() -> None:
    assert result_json({"items": [], "returned": 0, "total": None, "next_offset": None, "notice": ""}) == (
        '{"items":[],"returned":0,"next_offset":null}'
    )
    assert result_json(count_result(None, what="customers")).startswith('{"count":null,')


def test_count_result() -> None:
    assert count_result(42, what="customers") == {"count": 42, "exact": True}
    assert count_result(0, what="customers") == {"count": 0, "exact": True}
    unknown = count_result(None, what="customers")
    assert unknown["count"] is None
    assert "exact" not in unknown
    assert unknown["notice"].startswith(
        "The API did not report a total for this filter; the count of customers is unknown (not zero)."
    )


# -- examples: fit_object --------------------------------------------------------------------------


def test_fit_object_untouched_when_it_fits() -> None:
    record = {"customer_profile_oid": 1, "email": "a@x.com", "business_notes": "n" * 900, "x": None}
    assert fit_object(record, max_tokens=4000) == {
        "customer_profile_oid": 1,
        "email": "a@x.com",
        "business_notes": "n" * 900,
    }


def test_fit_object_trims_then_leaves_out_largest_fields() -> None:
    record = {"customer_profile_oid": 1, "email": "a@x.com", "business_notes": "n" * 3000}
    trimmed = fit_object(record, max_tokens=300)
    assert trimmed["business_notes"] == "n" * 500 + ELLIPSIS
    assert "business_notes in 1 record (2500 chars cut)" in trimmed["notice"]
    many: dict[str, Any] = {"customer_profile_oid": 1, "email": "a@x.com"}
    many.update({f"field_{i}": "v" * 70 for i in range(40)})
    reduced = fit_object(many, max_tokens=400, id_fields=["customer_profile_oid", "email"])
    assert reduced["customer_profile_oid"] == 1
    assert reduced["email"] == "a@x.com"
    assert "left out" in reduced["notice"]
    assert estimate_tokens(reduced) <= 400


def test_fit_object_notice_key_does_not_clobber_a_record_field() -> None:
    record: Mapping[str, Any] = {"notice": "mine", "blob": "b" * 5000}
    result = fit_object(record, max_tokens=400)
    assert result["notice"] == "mine"
    assert "_budget_notice" in result


def test_result_json_keeps_required_keys_even_when_empty() -> None:
    from uc_mcp.core.budget import result_json

    assert result_json({"lists": [], "notice": None, "other": []}) == "{}"
    assert result_json({"lists": [], "notice": None, "other": []}, keep={"lists"}) == '{"lists":[]}'


def test_a_changed_record_forgets_its_text() -> None:
    changes = [
        lambda r: r.__setitem__("email", "b@example.com"),
        lambda r: r.__delitem__("email"),
        lambda r: r.pop("email"),
        lambda r: r.popitem(),
        lambda r: r.update(email="c@example.com"),
        lambda r: r.setdefault("notes", "new"),
        lambda r: r.clear(),
        lambda r: r.__ior__({"notes": "new"}),
    ]
    for change in changes:
        record = fit_object({"customer_profile_oid": 1, "email": "a@example.com"}, max_tokens=500)
        assert isinstance(record, Compact) and record.text == compact_json(record)
        change(record)
        assert record.text is None
        assert result_json({"customer": record}) == result_json({"customer": dict(record)})


def test_a_changed_list_forgets_its_text() -> None:
    changes = [
        lambda items: items.__setitem__(0, [9]),
        lambda items: items.__delitem__(0),
        lambda items: items.__iadd__([[3]]),
        lambda items: items.__imul__(2),
        lambda items: items.append([3]),
        lambda items: items.extend([[3]]),
        lambda items: items.insert(0, [3]),
        lambda items: items.pop(),
        lambda items: items.remove([1, "a"]),
        lambda items: items.clear(),
        lambda items: items.sort(key=repr),
        lambda items: items.reverse(),
    ]
    records = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    for change in changes:
        result = fit_list(records, columns=["id", "name"])
        items = result["items"]
        assert isinstance(items, CompactList) and items.text == compact_json(list(items))
        change(items)
        assert items.text is None
        assert result_json(result) == result_json({**result, "items": list(items)})


# A table's rows are its records' items, column by column, with the same notes (the rows are made in one pass over
# each record, and encoded once each: the result's text is written from those texts).
@given(records=pages(), view=st.sampled_from([None, customer_view]), max_tokens=st.integers(100, 8000))
def test_a_table_holds_the_records_as_a_list_would(records: list[dict[str, Any]], view: Any, max_tokens: int) -> None:
    columns = [*COMPACT_CUSTOMER_FIELDS, "business_notes", "extra", "tags"]
    whole_table = fit_list(records, view=view, columns=columns, max_tokens=10**7)
    whole_list = fit_list(records, view=view, max_tokens=10**7)
    assert whole_table["items"] == [[item.get(column) for column in columns] for item in whole_list["items"]]
    assert whole_table.get("notice") == whole_list.get("notice")  # the same values shortened, said the same way

    table = fit_list(records, view=view, columns=columns, max_tokens=max_tokens)
    shown = table["items"]
    if len(shown) > 1:  # (a single row may be the first record trimmed harder, to fit at all)
        assert shown == whole_table["items"][: len(shown)]
    assert result_json(table) == result_json({**table, "items": [list(row) for row in shown]})


@given(record=customer, fields=st.lists(st.sampled_from(FIELD_NAMES) | keys, max_size=6))
def test_a_projector_projects_as_project_does(record: dict[str, Any], fields: list[str]) -> None:
    assert projector(fields)(record) == project(record, fields)[0]


@pytest.mark.parametrize("max_tokens", [100, 120, 250, 500, 1000, 2000])
def test_required_keys_are_never_left_out_whatever_the_budget(max_tokens: int) -> None:
    """A result's output schema requires some keys: fitting may shorten them, empty them, never drop them."""
    systems = {f"system{n}": {"name": "x" * 400, "notes": ["y" * 300] * 5, "n": n} for n in range(4)}
    record = {"systems": systems, "people": [{"email": "z" * 200}] * 10, "partial": False, "extra": "w" * 3000}
    fitted = fit_object(record, max_tokens=max_tokens, id_fields=("people",), required=("systems", "partial"))
    assert isinstance(fitted["systems"], dict) and fitted["partial"] is False
    assert set(fitted["systems"]) <= set(systems)
    assert "notice" in fitted  # the whole record is ~3,500 tokens: something was cut, and said


@pytest.mark.parametrize("text", ["\u200b\u200b", "\ufeff", "\u200d\u2060", "\u00ad\u200c", " \u200b\t", "\u2028"])
def test_invisible_characters_alone_are_blank(text: str) -> None:
    from uc_mcp.core.results import not_blank

    with pytest.raises(ValueError, match="more than spaces"):
        not_blank(text)


@pytest.mark.parametrize("text", ["a", " Jane ", "\u200bjane", "José", "李"])
def test_anything_visible_is_not_blank(text: str) -> None:
    from uc_mcp.core.results import not_blank

    assert not_blank(text) == text
