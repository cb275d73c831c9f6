"""The outbound filter (``core/redact.py``) and the log filter (``core/logs.py``) on their own."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
