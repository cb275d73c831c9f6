"""The outbound filter (``core/redact.py``) and the log filter (``core/logs.py``) on their own."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uc_mcp.core.budget import _dumps, result_json
from uc_mcp.core.errors import scrub
from uc_mcp.core.logs import RedactingFilter
from uc_mcp.core.redact import MASKABLE, NO_MASKING, Redactor, mask_card_numbers, strip_invisible

EVERYTHING = Redactor(frozenset(MASKABLE))
VISA_TEST = "4111 1111 1111 1111"  # Luhn-valid test number


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


def test_secrets_are_dropped_at_any_depth_and_card_numbers_keep_four_digits() -> None:
    payload = {
        "customer": {
            "email": "jane@example.com",
            "password": "hunter2",
            "cards": [{"card_number": "4111111111111111", "card_number_token": "tok_abc", "card_type": "VISA"}],
            "properties": [{"name": "api_key", "value": "shown: a property name is not a key"}],
        },
        "token": "verification-secret",
        "confirm": "v1.kept.because.it.is.ours",
    }
    assert NO_MASKING.apply(payload) == {
        "customer": {
            "email": "jane@example.com",
            "cards": [{"card_number": "****1111", "card_type": "VISA"}],
            "properties": [{"name": "api_key", "value": "shown: a property name is not a key"}],
        },
        "confirm": "v1.kept.because.it.is.ours",
    }


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
    st.text(max_size=200), st.sampled_from(["email", "day_phone", "address1", "business_notes", "city", "last_name"])
)
def test_masks_never_lengthen_a_value(value: str, key: str) -> None:
    """Results are fitted to the token budget before they are filtered: the filter must not grow them."""
    assert len(EVERYTHING.apply({key: value})[key]) <= len(value) or len(value) < 3


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
# other scripts, quotes, backslashes) with at most one hazard placed inside, as a value or as a key, so
# that each hazard is met in payloads that are otherwise clean.
_ORDINARY = st.lists(st.sampled_from([*'ab Z-09_@.\n\\"', "4111", "1111 ", "山", "é"]), max_size=8).map("".join)
_PLAIN_KEYS = st.sampled_from(["email", "note", "name", "columns", "items", "Email", "billing", "tokens"])
_CLEAN = st.recursive(
    st.none() | st.booleans() | st.integers() | _ORDINARY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_PLAIN_KEYS, inner, max_size=4),
    max_leaves=12,
)
_CARD_IN_OTHER_DIGITS = ["\u0664" + "\u0661" * 15, "\uff14" + "\uff11" * 15]  # Arabic-Indic, fullwidth
_HAZARD_TEXTS = ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", *_CARD_IN_OTHER_DIGITS]
_HAZARD_TEXTS += ["\u200b", "\x00", "\r", "\x08", "\x0c", "\x7f", "\ufe0f", "\U000e0101", "\U000e0041", "\u00ad"]
_HAZARD_KEYS = ["card_number", "Card_Number", "password", "PASSWORD", "token", "to\u212aen", "api_key", "simple_Key"]
_HAZARD_KEYS += ["secret", "client_secret", "oauth_token"]
_HAZARDS = [("note", text) for text in ["", *_HAZARD_TEXTS]] + [(key, "x") for key in _HAZARD_KEYS]


@pytest.mark.parametrize("hazard", _HAZARDS, ids=repr)
@settings(max_examples=50)  # per hazard: 27 of them
@given(
    payload=st.dictionaries(_PLAIN_KEYS, _CLEAN, max_size=4),
    around=st.tuples(_ORDINARY, _ORDINARY),
    nested=st.booleans(),
)
def test_a_text_that_passes_the_check_is_one_the_walk_leaves_alone(
    hazard: tuple[str, str], payload: dict[str, object], around: tuple[str, str], nested: bool
) -> None:
    key, value = hazard[0], around[0] + hazard[1] + around[1]
    payload = {**payload, "customer": {"billing": [{key: value}]}} if nested else {**payload, key: value}
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
