"""The outbound filter (``core/redact.py``) and the log filter (``core/logs.py``) on their own."""

from __future__ import annotations

import json
import logging
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uc_mcp.core.audit import summarise
from uc_mcp.core.budget import _dumps, result_json, text_tokens
from uc_mcp.core.errors import scrub
from uc_mcp.core.logs import RedactingFilter
from uc_mcp.core.redact import (
    HIDDEN_MARKER,
    MASKABLE,
    NO_MASKING,
    SECRET_VALUE,
    Redactor,
    is_secret_name,
    is_visible,
    mask_card_numbers,
    strip_invisible,
)
from uc_mcp.ultracart.tools.overview import identity
from uc_mcp.ultracart.views import customer_view

EVERYTHING = Redactor(frozenset(MASKABLE))
VISA_TEST = "4111 1111 1111 1111"  # Luhn-valid test number


def _stripped_by_definition(char: str) -> bool:
    """What strip_invisible removes, by its definition: control, format, private-use, unassigned and surrogate
    characters and the variation selectors, but newline and tab."""
    code = ord(char)
    hidden = unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn", "Cs")
    return char not in "\n\t" and (hidden or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


def test_the_quick_test_for_text_with_nothing_to_strip_agrees_with_the_definition() -> None:
    # Every code point, beside an accented letter (the non-ASCII path) and alone (the ASCII one, below 128).
    for code in range(0x110000):
        char = chr(code)
        for text in ("é" + char, char):
            kept = "".join(c for c in text if not _stripped_by_definition(c))
            assert strip_invisible(text) == kept, hex(code)
            if is_visible(text):
                assert kept == text, hex(code)
    assert is_visible("José Müller — 山田 🙂") and not is_visible("Zoë\u200b") and not is_visible("a\ufe0f")


@settings(max_examples=300)
@given(
    text=st.lists(st.text(max_size=3) | st.sampled_from(["\u200b", "\ufe0f", "é", VISA_TEST, HIDDEN_MARKER])).map(
        "".join
    ),
    key=st.sampled_from([None, "email", "name", "company", "city", "notes", "card_number", "other"]),
)
def test_a_value_passed_as_it_is_is_what_the_filter_would_make_of_it(text: str, key: str | None) -> None:
    for redactor in (NO_MASKING, EVERYTHING):
        expected = redactor.text(text) if key is None else redactor.field(key, text)
        assert redactor.apply(text, key) == expected


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("Leave at door\u200b\u200b AI", "Leave at door AI"),
        ("a\u202edcba\u202c b\u2066c\u2069", "adcba bc"),
        ("tag\U000e0041\U000e0042 smuggling", "tag smuggling"),
        ("nul\x00 bell\x07 esc\x1b[31m", "nul bell esc[31m"),
        ("keeps\nnewlines\tand tabs", "keeps\nnewlines\tand tabs"),
        ("José Müller — 山田 🙂", "José Müller — 山田 🙂"),
        ("soft\u00adhyphen\ufeff bom", "softhyphen bom"),
        ("variation\ufe0f selector", "variation selector"),
    ],
)
def test_invisible_and_control_characters_are_stripped(dirty: str, clean: str) -> None:
    assert strip_invisible(dirty) == clean


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"card {VISA_TEST} please", "card ****1111 please"),
        ("card 4111-1111-1111-1111", "card ****1111"),
        ("not luhn 4111 1111 1111 1112", "not luhn 4111 1111 1111 1112"),
        ("phone (303) 555-0191, order 1234567", "phone (303) 555-0191, order 1234567"),
        ("oid 100001 and 2026-11-22", "oid 100001 and 2026-11-22"),
    ],
)
def test_card_numbers_in_free_text_are_masked(text: str, expected: str) -> None:
    assert mask_card_numbers(text) == expected


# Luhn-valid test numbers of every common length and grouping, each written with one kind of gap.
CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "4222222222222"]
CARDS += ["3530111333300000", "4012888888881881003"]  # 19 digits (Visa allows them)
GAPS = [".", "\u00a0", "  ", "/", "_", "\t", "\n", " - ", " / ", ". ", "\r\n", ",\n", "\u2014", " \u00b7 ", "-\n   "]


def grouped(card: str, gap: str, size: int = 4) -> str:
    return gap.join(card[start : start + size] for start in range(0, len(card), size))


@pytest.mark.parametrize("gap", GAPS, ids=repr)
@pytest.mark.parametrize("card", CARDS)
def test_a_card_number_is_masked_whatever_separates_its_digits(card: str, gap: str) -> None:
    """Dots, no-break spaces, double spaces, slashes, underscores, tabs, newlines and mixes: in free
    text (Redactor.text), in any field of a result (the walk), and alone (mask_card_numbers)."""
    for written in (grouped(card, gap), grouped(card, gap, size=3), gap.join(card)):
        note = f"Paid with {written} yesterday"
        for shown in (mask_card_numbers(note), NO_MASKING.text(note), NO_MASKING.apply({"notes": note})["notes"]):
            assert card[:12] not in re.sub(r"\D", "", shown), (written, shown)
            assert f"****{card[-4:]}" in shown and shown.startswith("Paid with ") and shown.endswith(" yesterday")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A card sharing its run with other numbers is still found and masked.
        ("ref 12, card 4111 1111 1111 1111, 12 pcs", "ref 12, card ****1111, 12 pcs"),
        ("order 1234 4111.1111.1111.1111", "order 1234 ****1111"),
        ("cards 4111/1111/1111/1111 and 5555-5555-5555-4444", "cards ****1111 and ****4444"),
        ("4111111111111111 5555555555554444", "****1111 ****4444"),
        # A word between two numbers keeps them apart; so does a gap longer than CARD_GAP_MAX.
        ("order 4111 1111 1111 then 1111", "order 4111 1111 1111 then 1111"),
        ("4111 1111 1111      1111", "4111 1111 1111      1111"),
        # Numbers that are no card number stay (Luhn, or too few or too many digits).
        ("phone (303) 555-0191, order 1234567", "phone (303) 555-0191, order 1234567"),
        ("from 2026-11-22 to 2026-11-23", "from 2026-11-22 to 2026-11-23"),
        ("tracking 1Z 999 AA1 0123 4567 84", "tracking 1Z 999 AA1 0123 4567 84"),
        ("one run of 20 digits 41111111111111111111", "one run of 20 digits 41111111111111111111"),
        ("five groups 4111 1111 1111 1111 1111", "five groups ****1111 1111"),
    ],
)
def test_card_runs_are_read_group_by_group(text: str, expected: str) -> None:
    assert mask_card_numbers(text) == expected


def test_secrets_are_dropped_at_any_depth_and_card_numbers_keep_four_digits() -> None:
    payload = {
        "customer": {
            "email": "jane@example.com",
            "password": "hunter2",
            "cards": [{"card_number": "4111111111111111", "card_number_token": "tok_abc", "card_type": "VISA"}],
            "properties": [{"name": "api_key", "value": "sk-live-canary"}, {"name": "grind", "value": "whole bean"}],
        },
        "token": "verification-secret",
        "confirm": "v1.kept.because.it.is.ours",
    }
    assert NO_MASKING.apply(payload) == {
        "customer": {
            "email": "jane@example.com",
            "cards": [{"card_number": "****1111", "card_type": "VISA"}],
            # A property named like a secret stays visible as present; its value does not.
            "properties": [{"name": "api_key", "value": SECRET_VALUE}, {"name": "grind", "value": "whole bean"}],
        },
        "confirm": "v1.kept.because.it.is.ours",
    }


SECRET_NAMES = ["password", "API_KEY", "api key", "Api-Key", " password ", "stripe_api_key", "Wifi Password"]
SECRET_NAMES += ["client.secret", "oauth-token", "GitHub Token", "card_number_token", "to\u212aen", 'password"']
SECRET_NAMES += ["secret\n", "access_token:"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_a_property_named_like_a_secret_keeps_its_name_and_loses_its_value(name: str) -> None:
    assert is_secret_name(name)
    record = {"customer_profile_oid": 1, "properties": [{"name": name, "value": "canary-9071", "expiration_dts": "x"}]}
    for redactor in (NO_MASKING, EVERYTHING):
        shown = redactor.apply(record)["properties"][0]
        assert shown == {"name": redactor.apply({"properties": [{"name": name}]})["properties"][0]["name"]} | {
            "value": SECRET_VALUE,
            "expiration_dts": "x",
        }
        assert not redactor.leaves_unchanged(result_json(record))
    # The audit log's summary of a write keeps it out too, at the depth insert_customer sends it.
    summary = summarise({"email": "a@example.com", "properties": [{"name": name, "value": "canary-9071"}]})
    assert "canary-9071" not in json.dumps(summary) and summary["properties"][0]["value"] == SECRET_VALUE


@pytest.mark.parametrize("name", ["shirt_size", "keyboard", "token_count", "passwordless", "secretary", "monkey"])
def test_other_properties_are_shown(name: str) -> None:
    assert not is_secret_name(name)
    record = {"properties": [{"name": name, "value": "L"}]}
    assert NO_MASKING.apply(record) == EVERYTHING.apply(record) == record
    assert summarise(record) == record


def test_a_property_value_without_its_name_is_hidden() -> None:
    """A projection such as fields=["properties.value"] drops the name: nothing tells a password
    from a shirt size, so the value is not shown."""
    record = {"properties": [{"value": "canary-9071"}, {"name": None, "value": "canary-9072"}]}
    assert NO_MASKING.apply(record) == {"properties": [{"value": SECRET_VALUE}, {"name": None, "value": SECRET_VALUE}]}
    assert not NO_MASKING.leaves_unchanged(result_json(record))


def test_configured_classes_mask_fields_and_table_columns() -> None:
    table = {
        "columns": ["customer_profile_oid", "email", "name", "city"],
        "items": [[100001, "jane@example.com", "Jane Doe", "Austin"], [100002, None, "J D", "Austin"]],
        "total": 2,
    }
    assert EVERYTHING.apply(table)["items"] == [
        [100001, "j***@example.com", "J***", "Austin"],
        [100002, None, "***", "Austin"],
    ]
    assert EVERYTHING.apply({"properties": [{"name": "shirt_size", "value": "L"}]}) == {
        "properties": [{"name": "shirt_size", "value": "L"}]
    }
    record = {
        "email": "jane.doe@example.com",
        "billing": [{"address1": "1 Main St", "postal_code": "78701", "day_phone": "(512) 555-0142", "city": "Austin"}],
        "business_notes": "VIP, call before noon",
        "cc_emails": [{"email": "boss@example.org", "label": "boss"}],
    }
    assert EVERYTHING.apply(record) == {
        "email": "j***@example.com",
        "billing": [{"address1": "***", "postal_code": "***", "day_phone": "***0142", "city": "Austin"}],
        "business_notes": "[redacted]",
        "cc_emails": [{"email": "b***@example.org", "label": "boss"}],
    }
    # Emails inside prose (a confirmation question) are masked too when emails are.
    assert EVERYTHING.text("Delete Jane <jane@example.com> (#100001)?") == "Delete Jane <j***@example.com> (#100001)?"
    assert Redactor(frozenset({"phone"})).apply(record)["email"] == "jane.doe@example.com"


JANE = {
    "customer_profile_oid": 100001,
    "email": "jane@example.com",
    "billing": [{"first_name": "Jane", "last_name": "Doe", "company": "Doe Roasters", "city": "Austin"}],
    "shipping": [{"first_name": "Margaret", "last_name": "Doe", "default_shipping": True}],
    "reviewer": {"nickname": "JaneDoeATX"},
    "qb_code": "DOEJ001",
    "pricing_tiers": [{"name": "Doe Wholesale"}],
    "properties": [{"name": "Doe_family_size", "value": "4"}],
    "tags": [{"tag_value": "vip"}],
}


def test_a_masked_name_is_masked_wherever_a_name_appears() -> None:
    """UC_MCP_REDACT=name: address names, the compact view's and the overview's full name (as a key,
    not only as a list column), the reviewer's nickname, the QuickBooks name; a thing's name (a
    property, a pricing tier, an email list) is no person's and stays."""
    names = Redactor(frozenset({"name"}))
    for shown in (
        names.apply(JANE),
        names.apply(customer_view(JANE)),
        names.apply({"customer": identity(JANE)}),
        names.apply({"preview": {"surviving": customer_view(JANE), "merged_away": customer_view(JANE)}}),
        names.apply({"items": [customer_view(JANE)]}),  # fields=[...] rows are records, not a table
    ):
        text = json.dumps(shown)
        assert "Jane" not in text.replace("jane@", "") and "Margaret" not in text and "DOEJ" not in text, text
        assert "jane@example.com" in text or "email" not in text
    assert names.apply(customer_view(JANE))["name"] == "J***"
    kept = names.apply(JANE)
    assert kept["pricing_tiers"] == JANE["pricing_tiers"] and kept["properties"] == JANE["properties"]
    assert names.apply({"lists": [{"name": "Doe newsletter"}]}) == {"lists": [{"name": "Doe newsletter"}]}


def test_an_identifying_value_that_hid_characters_says_so() -> None:
    """Two profiles that differ only by a zero-width character never look the same: in a record,
    in the compact view, in a question, masked or not; the marker outlives every mask."""
    impostor = {
        "customer_profile_oid": 100061,
        "email": "ja\u200bne@example.com",
        "billing": [{"first_name": "Ja\u200bne", "last_name": "Doe", "company": "\u2066Doe Roasters"}],
    }
    marked = f" {HIDDEN_MARKER}"
    assert NO_MASKING.apply(impostor)["email"] == "jane@example.com" + marked
    assert NO_MASKING.apply(impostor)["billing"][0] == {
        "first_name": "Jane" + marked,
        "last_name": "Doe",
        "company": "Doe Roasters" + marked,
    }
    view = customer_view(impostor)  # marked before the budget measures it
    assert (view["email"], view["name"], view["company"]) == (
        "jane@example.com" + marked,
        "Jane Doe" + marked,
        "Doe Roasters" + marked,
    )
    assert customer_view(JANE)["email"] == "jane@example.com" and NO_MASKING.apply(view) == view
    for masked in (EVERYTHING.apply(impostor), EVERYTHING.apply(view), EVERYTHING.apply(identity(impostor))):
        assert masked["email"] == "j***@example.com" + marked
    assert EVERYTHING.apply(view)["name"] == "J***" + marked
    assert EVERYTHING.apply(impostor)["billing"][0]["first_name"] == "J***" + marked
    # In prose the address it was hidden in is marked; the genuine one is not.
    question = "Merge Jane Doe <ja\u200bne@example.com> (#100061) into Jane Doe <jane@example.com> (#100001)?"
    for redactor, shown in ((NO_MASKING, "jane"), (EVERYTHING, "j***")):
        assert redactor.text(question) == (
            f"Merge Jane Doe <{shown}@example.com>{marked} (#100061) into Jane Doe <{shown}@example.com> (#100001)?"
        )
    # A value that is not identifying is cleaned without a marker.
    assert NO_MASKING.apply({"city": "Aus\u200btin", "business_notes": "a\u200bb"}) == {
        "city": "Austin",
        "business_notes": "ab",
    }


def test_a_result_the_marker_would_push_over_the_budget_is_fitted_again() -> None:
    """Results are fitted before they are filtered, and the marker lengthens a value: a result that
    fitted the budget unfiltered is cut again (and says so) rather than sent over it."""
    budget = 200
    addresses = [{"first_name": f"Name{n}\u200b", "last_name": "Doe", "city": "Austin"} for n in range(9)]
    payload = {"customer": {"customer_profile_oid": 7, "email": "a\u200b@b.co", "billing": addresses}}
    unfiltered = result_json(payload, {"customer"})
    assert text_tokens(unfiltered) <= budget < text_tokens(result_json(NO_MASKING.apply(payload)))
    text = NO_MASKING.filtered_json(payload, unfiltered, {"customer"}, max_tokens=budget)
    assert text_tokens(text) <= budget
    shown = json.loads(text)
    assert shown["customer"]["email"] == f"a@b.co {HIDDEN_MARKER}" and "\u200b" not in text
    assert 0 < len(shown["customer"]["billing"]) < len(addresses) and "customer.billing" in shown["notice"]
    # Within the budget nothing is cut: the same payload under a larger one.
    assert NO_MASKING.filtered_json(payload, unfiltered, max_tokens=400) == result_json(NO_MASKING.apply(payload))
    # A page of a list keeps its leading items, and its paging moves back to the first one left out.
    items = [{"email": f"a{n}\u200b@example.com", "name": f"Name\u200b{n}"} for n in range(30)]
    page = {"items": items, "returned": 30, "total": 100, "next_offset": 40}
    unfiltered = result_json(page, {"items"})
    text = NO_MASKING.filtered_json(page, unfiltered, {"items"}, max_tokens=text_tokens(unfiltered) + 10)
    shown = json.loads(text)
    assert text_tokens(text) <= text_tokens(unfiltered) + 10 and 0 < shown["returned"] == len(shown["items"]) < 30
    assert shown["next_offset"] == 10 + shown["returned"] and f"offset={shown['next_offset']}" in shown["notice"]
    assert shown["items"][0] == {"email": f"a0@example.com {HIDDEN_MARKER}", "name": f"Name0 {HIDDEN_MARKER}"}
    # Nothing to filter: the text as it came, without a walk.
    clean = {"customer": {"customer_profile_oid": 7}}
    assert NO_MASKING.filtered_json(clean, result_json(clean), max_tokens=budget) == result_json(clean)


def test_scrub_redacts_credentials_not_prose() -> None:
    secret = "uck-0123456789abcdef"
    assert scrub(f"key {secret} refused", [secret]) == "key [redacted] refused"
    assert scrub("Authorization: Bearer eyJhbGciOi.abc.def", []) == "Authorization: Bearer [redacted]"
    assert scrub("x-ultracart-simple-key: 0123456789abcdef", []) == "x-ultracart-simple-key: [redacted]"
    prose = "send a valid x-ultracart-simple-key or an OAuth bearer token."
    assert scrub(prose, []) == prose


def test_unknown_redact_class_is_a_clear_configuration_error() -> None:
    assert Redactor.from_settings([" Email", "notes"]).masked == {"email", "notes"}
    with pytest.raises(ValueError, match=r"UC_MCP_REDACT.*names.*known: email, phone, address, notes, name"):
        Redactor.from_settings(["names"])


@given(
    st.text(max_size=200),
    st.sampled_from(["email", "day_phone", "address1", "business_notes", "city", "last_name", "name", "company"]),
)
def test_masks_never_lengthen_a_value(value: str, key: str) -> None:
    """Results are fitted to the token budget before they are filtered: masks must not grow them.
    Only the hidden-character marker does (Redactor.result_json fits such a result again)."""
    for redactor in (EVERYTHING, NO_MASKING):
        shown = redactor.apply({key: value})[key]
        if strip_invisible(value) == value:
            assert len(shown) <= len(value) or len(value) < 3
        else:
            assert len(shown) <= max(len(value), 3) + len(" " + HIDDEN_MARKER)


def test_log_filter_removes_secrets_and_emails_from_messages_and_tracebacks() -> None:
    log_filter = RedactingFilter()
    log_filter.secrets.add("sk-canary-123456")
    try:
        raise RuntimeError("lookup of jane@example.com with key sk-canary-123456 failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "GET %s", ("/customers?email=jane@example.com",), exc_info=True
        )
        import sys

        record.exc_info = sys.exc_info()
    assert log_filter.filter(record)
    text = logging.Formatter().format(record)
    assert "jane@example.com" not in text and "sk-canary-123456" not in text
    assert "j***@example.com" in text and "RuntimeError" in text and "[redacted]" in text


# -- the whole-text check that lets most results skip the walk -------------------------------------

# Customer-like payloads (ordinary text: digits and separators that may or may not form a card number,
# other scripts, quotes, backslashes, words that end secret names, name/value pairs) with at most one
# hazard placed inside, as a value, as a key or as the name of a name/value pair, so that each hazard
# is met in payloads that are otherwise clean.
_PIECES = [*'ab Z-09_@.\n\t/,\\"', "4111", "1111 ", "山", "é", "—", "·", "  ", "key", "password", "Token"]
_ORDINARY = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)
_PLAIN_KEYS = st.sampled_from(["email", "note", "name", "columns", "items", "Email", "billing", "tokens", "value"])
_CLEAN = st.recursive(
    st.none() | st.booleans() | st.integers() | _ORDINARY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_PLAIN_KEYS, inner, max_size=4),
    max_leaves=12,
)
_CARD_IN_OTHER_DIGITS = ["\u0664" + "\u0661" * 15, "\uff14" + "\uff11" * 15]  # Arabic-Indic, fullwidth
_HAZARD_TEXTS = ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", *_CARD_IN_OTHER_DIGITS]
# Gaps a card number may have, including the ones JSON escapes (quote, backslash, newline, tab) and
# non-ASCII ones (one character, several bytes): the check counts a gap in characters, as the walk does.
_HAZARD_TEXTS += [grouped("4111111111111111", gap) for gap in [".", "  ", "/", "_", "\t", "\n", " - ", "\\", '"']]
_HAZARD_TEXTS += [
    grouped("4111111111111111", gap) for gap in ["\u2014", "\u2014\u2014", " \u00b7\u00b7 ", '\n\t \\"', "\u3000"]
]
_HAZARD_TEXTS += ["12, 4111 1111 1111 1111, 12", "3782 822463 10005", "4222 2222 2222 2"]
_HAZARD_TEXTS += ["\u200b", "\x00", "\r", "\x08", "\x0c", "\x7f", "\ufe0f", "\U000e0101", "\U000e0041", "\u00ad"]
_HAZARD_KEYS = ["card_number", "Card_Number", "password", "PASSWORD", "token", "to\u212aen", "api_key", "simple_Key"]
_HAZARD_KEYS += ["secret", "client_secret", "oauth_token"]
# Name/value pairs whose value the walk hides: (list key, label key, label), the label inside ordinary text.
_SECRET_LABELS = ["password", "API Key", "api-key", "Wifi Password", "to\u212aen", 'secret"', "key\\", "token\n"]
_HAZARD_ENTRIES = [("properties", "name", label) for label in _SECRET_LABELS]
_HAZARD_ENTRIES += [("values", "key", "Api_Key"), ("lists", "name", "client secret"), ("properties", "", "")]
_HAZARDS = [("note", text) for text in ["", *_HAZARD_TEXTS]] + [(key, "x") for key in _HAZARD_KEYS]
_HAZARDS += [(f"{where}.{label_key}", label) for where, label_key, label in _HAZARD_ENTRIES]


@pytest.mark.parametrize("hazard", _HAZARDS, ids=repr)
@settings(max_examples=50)  # per hazard: 55 of them
@given(
    payload=st.dictionaries(_PLAIN_KEYS, _CLEAN, max_size=4),
    around=st.tuples(_ORDINARY, _ORDINARY),
    nested=st.booleans(),
)
def test_a_text_that_passes_the_check_is_one_the_walk_leaves_alone(
    hazard: tuple[str, str], payload: dict[str, object], around: tuple[str, str], nested: bool
) -> None:
    key, value = hazard[0], around[0] + hazard[1] + around[1]
    placed: object = value
    if "." in key:  # a name/value pair: the label (with what is around it) names the pair, in a list
        key, label_key = key.split(".")
        placed = [{label_key: value, "value": "x"} if label_key else {"value": "x"}]
    payload = {**payload, "customer": {"billing": [{key: placed}]}} if nested else {**payload, key: placed}
    # Sound in one direction only: whenever the check says "unchanged", the walk agrees.
    if NO_MASKING.leaves_unchanged(_dumps(payload)):
        assert NO_MASKING.apply(payload) == payload
    # What success_result relies on: the check on the pruned result text.
    if NO_MASKING.leaves_unchanged(result_json(payload)):
        assert result_json(NO_MASKING.apply(payload)) == result_json(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {"note": f"paid with {VISA_TEST}"},
        {"note": "4111-1111-1111-1111"},
        *({"note": card} for card in _CARD_IN_OTHER_DIGITS),  # the card pattern's \d matches them
        {"customer": {"Password": "x"}},
        {"to\u212aen": "x"},
        {"columns": ["card_number"], "items": [["4111"]]},
        {"note": "zero\u200bwidth"},
        {"note": "bell\x07"},
        {"note": "carriage\rreturn"},
        {"note": "emoji\ufe0f"},
        *({"note": f"paid with {grouped(VISA_TEST.replace(' ', ''), gap)}"} for gap in GAPS),
        {"properties": [{"name": "API Key", "value": "x"}]},
        {"properties": [{"value": "x"}]},
        {"values": [{"key": "wifi password", "value": "x"}]},
    ],
)
def test_the_check_sends_what_needs_redacting_to_the_walk(payload: dict[str, object]) -> None:
    assert not NO_MASKING.leaves_unchanged(result_json(payload))
    assert not EVERYTHING.leaves_unchanged(result_json({"email": "jane@example.com"}))


def test_ordinary_records_pass_the_check_without_a_walk() -> None:
    record = {
        "customer": {
            "customer_profile_oid": 100007,
            "email": "taro.yamada@example.jp",
            "billing": [{"first_name": "太郎", "day_phone": "+81 3-5555-0123", "postal_code": "100-0005"}],
            "notes": "Leave at door\nring twice — merci, José",
            "last_modified_dts": "2026-07-06T23:40:00-04:00",
        },
        "sandbox": True,
    }
    assert NO_MASKING.leaves_unchanged(result_json(record))
    # Numbers in neighbouring values are never one number: the walk cleans each string on its own.
    table = {
        "columns": ["customer_profile_oid", "signup_date", "last_modified_date", "phone", "postal_code"],
        "items": [[100001, "2026-07-06", "2026-07-07", "(512) 555-0143", "78704-1234"]],
        "next_offset": None,
    }
    assert NO_MASKING.leaves_unchanged(result_json(table))
