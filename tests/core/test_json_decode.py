"""Decoding API answers: ``core.http.decode_json`` gives what ``json.loads`` gives (the same value, or the
same error), and ``ultracart.api.page_decoder`` builds only the keys asked for, each as ``decode_json`` builds
it, or the whole page when the page is not of the expected shape.

Equality here is strict: the same types all the way down (``1`` is not ``1.0`` nor ``True``, a big integer
stays an ``int``), floats compared by their ``repr`` (``-0.0``, ``nan``), the same exception type and message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uc_mcp.core.http import decode_json
from uc_mcp.ultracart.api import page_decoder
from uc_mcp.ultracart.tools.common import COMPACT_VIEW_KEYS
from uc_mcp.ultracart.views import customer_view


def typed(value: Any) -> Any:
    """``value`` with every type written out, so that ``==`` compares types as well as values (not the order of
    an object's keys: nothing reads it)."""
    if isinstance(value, dict):
        return ("dict", sorted((key, typed(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def outcome(decode: Any, content: bytes) -> Any:
    try:
        return ("value", typed(decode(content)))
    except (ValueError, RecursionError) as error:
        return ("error", type(error).__name__, str(error))


CASES = {
    "big integer": b"123456789012345678901234567890",
    "below int64": b"-9223372036854775809",
    "above uint64": b"18446744073709551616",
    "integral float": b"[1.0, 1E2, -0, -0.0]",
    "long mantissa": b"12345678901234567890.5",
    "smallest subnormal": b"5e-324",
    "beyond a double": b"1e400",
    "NaN": b"[NaN]",
    "Infinity": b'{"a": -Infinity}',
    "lone surrogate escape": b'"\\ud800"',
    "reversed surrogate escapes": b'"\\udc00\\ud800"',
    "surrogate in UTF-8": b'"\xed\xa0\x80"',
    "non-ASCII": '{"name":"Zoë 😀 \u200b","city":"Zürich"}'.encode(),
    "duplicate keys": b'{"a": 1, "b": 2, "a": [3]}',
    "UTF-8 BOM": b'\xef\xbb\xbf{"a": 1}',
    "UTF-16": '{"a": "é"}'.encode("utf-16"),
    "UTF-32": "[1]".encode("utf-32"),
    "invalid UTF-8": b'"\xff"',
    "control character": b'"a\x01b"',
    "trailing data": b'{"a": 1} x',
    "trailing comma": b"[1,]",
    "empty": b"",
    "whitespace": b" \r\n\t[ 1 , {} ] \n",
    "NUL escape key": b'{"\\u0000": null}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("content", list(CASES.values()), ids=list(CASES))
def test_decode_json_is_json_loads(content: bytes) -> None:
    assert outcome(decode_json, content) == outcome(json.loads, content)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@given(JSON_VALUES, st.booleans(), st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_decode_json_is_json_loads_for_any_document(value: Any, ascii_only: bool, encoding: str) -> None:
    # allow_nan: NaN and Infinity as json writes them; surrogatepass: lone surrogates as a server may send them.
    text = json.dumps(value, ensure_ascii=ascii_only)
    content = text.encode(encoding, "surrogatepass") if encoding == "utf-8" else text.encode(encoding, "replace")
    assert outcome(decode_json, content) == outcome(json.loads, content)


@given(
    st.binary(max_size=40) | st.text(alphabet='{}[]",:0123456789.eE+-truefalsnNIiy \\u', max_size=40).map(str.encode)
)
def test_decode_json_is_json_loads_for_any_bytes(content: bytes) -> None:
    assert outcome(decode_json, content) == outcome(json.loads, content)


# -- page_decoder ----------------------------------------------------------------------------------------

ONLY = {"oid": None, "email": None, "billing": ("city", "default_billing"), "tags": ()}


def kept(full: Any, only: Mapping[str, tuple[str, ...] | None]) -> Any:
    """What ``page_decoder(only)`` must give for a page that ``decode_json`` reads as ``full``: the kept keys
    of each customer when the page has the expected shape, else the whole page."""
    if not isinstance(full, dict):
        return full
    customers = full.get("customers")
    if customers is not None and not (isinstance(customers, list) and all(isinstance(c, dict) for c in customers)):
        return full
    for customer in customers or []:
        for key, inner in only.items():
            entries = customer.get(key)
            if inner is None or entries is None:
                continue
            if not (isinstance(entries, list) and all(isinstance(entry, dict) for entry in entries)):
                return full
    page = {key: full[key] for key in ("customers", "metadata") if key in full}
    if customers is None:
        return page
    page["customers"] = [
        {
            key: value if only[key] is None or value is None else [_only(entry, only[key]) for entry in value]
            for key, value in customer.items()
            if key in only
        }
        for customer in customers
    ]
    return page


def _only(entry: Mapping[str, Any], names: tuple[str, ...] | None) -> dict[str, Any]:
    return {name: value for name, value in entry.items() if name in (names or ())}


# Values of pages both decoders read (NaN, Infinity and lone surrogates make the page decoder read the whole
# page: test_a_page_of_another_shape_is_read_whole).
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=6)
SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False, allow_infinity=False) | TEXT
)
PAGE_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3)
)
ENTRY = st.dictionaries(st.sampled_from(["city", "default_billing", "first_name", "x"]), SCALARS, max_size=4)
ENTRIES = st.lists(ENTRY, max_size=3) | SCALARS | st.lists(SCALARS, min_size=1, max_size=2)
CUSTOMER = st.dictionaries(
    st.sampled_from(["oid", "email", "billing", "tags", "shipping", "loyalty"]),
    ENTRIES | PAGE_VALUES,
    max_size=6,
)
PAGE = st.dictionaries(
    st.sampled_from(["customers", "metadata", "success", "error"]),
    st.lists(CUSTOMER, max_size=4) | PAGE_VALUES,
    max_size=4,
)


@given(PAGE | PAGE_VALUES)
def test_a_page_decoder_keeps_what_it_is_asked_for_or_reads_the_whole_page(document: Any) -> None:
    content = json.dumps(document).encode()
    full = decode_json(content)
    assert typed(page_decoder(ONLY)(content)) == typed(kept(full, ONLY))


@pytest.mark.parametrize(
    "content",
    [
        b'{"customers": [{"oid": 1, "billing": {"city": "Austin"}}]}',  # an address list that is an object
        b'{"customers": [{"oid": 1, "tags": ["vip"]}]}',  # tags that are not objects
        b'{"customers": [1, 2]}',
        b'{"customers": {"oid": 1}}',
        b"[]",
        b'{"customers": [{"oid": 123456789012345678901234567890, "email": NaN}]}',  # json reads NaN
    ],
)
def test_a_page_of_another_shape_is_read_whole(content: bytes) -> None:
    assert typed(page_decoder(ONLY)(content)) == typed(decode_json(content))


@pytest.mark.parametrize("content", [b"", b"<html>", b'{"customers": [', b'"\xff"'])
def test_a_page_that_is_not_json_fails_as_any_answer_does(content: bytes) -> None:
    assert outcome(page_decoder(ONLY), content) == outcome(decode_json, content)


def test_the_compact_view_reads_only_the_keys_decoded_for_it() -> None:
    """Every key ``customer_view`` reads is in ``COMPACT_VIEW_KEYS``: with a customer whose every field, address
    field and tag holds a value, the view of the page decoded with only those keys is the view of the whole."""
    address = {
        name: ("x" if name not in ("default_billing", "default_shipping") else True)
        for name in ("first_name", "last_name", "company", "city", "state_region", "country_code", "address1")
    } | {"default_billing": True, "default_shipping": True, "postal_code": "1", "day_phone": "2"}
    customer = {
        "customer_profile_oid": 7,
        "email": "a@b.c",
        "signup_dts": "2024-01-02T03:04:05-05:00",
        "last_modified_dts": "2025-01-02T03:04:05-05:00",
        "billing": [address],
        "shipping": [address, {**address, "city": "y"}],
        "tags": [{"tag_value": "vip"}, {"tag_value": "b"}],
        "loyalty": {"current_points": 5},
        "merchant_id": "DEMO",
    }
    content = json.dumps({"customers": [customer, {**customer, "billing": []}, {}]}).encode()
    whole, only = decode_json(content)["customers"], page_decoder(COMPACT_VIEW_KEYS)(content)["customers"]
    assert [customer_view(c) for c in only] == [customer_view(c) for c in whole]
    assert set(only[0]) == set(COMPACT_VIEW_KEYS)
