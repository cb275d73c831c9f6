"""Request bodies, read and checked against the spec's shapes (``CustomerBase`` and friends): a wrong type is a
400 ``invalid_payload`` naming the field and what it takes, never echoing the value.

Assumptions where the reference is silent:

* Fields the schema does not name are ignored, not refused (the SDKs send only known fields).
* ``null`` clears a field (``address: null`` is documented; the SDK 6.x models make every field nullable, so a
  client may send ``"phone": null`` to clear a phone). ``metadata: null`` clears it to ``{}``.
* Strings are limited to 10,000 characters and metadata to 100 keys at depth 5 (Voucherify documents no bound;
  the sandbox keeps what it is given in one SQLite row and must stay small).
* ``birthday`` is the deprecated alias of ``birthdate``: given alone, it sets both; the customer carries
  ``birthdate`` and, when one was sent, ``birthday``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .clock import parse_date
from .errors import bad_payload

MAX_TEXT = 10_000
MAX_METADATA_KEYS = 100
MAX_DEPTH = 5
TEXT_FIELDS = ("name", "description", "email", "phone")
DATE_FIELDS = ("birthdate", "birthday")
ADDRESS_FIELDS = ("city", "state", "line_1", "line_2", "country", "postal_code")
BASE_FIELDS = (*TEXT_FIELDS, *DATE_FIELDS, "address", "metadata")


def parse_json(raw: bytes) -> Any:
    """The body as JSON, or a 400: NaN/Infinity, lone surrogates and absurd nesting are no JSON a client meant."""
    if not raw.strip():
        raise bad_payload("body: expected a JSON body")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise bad_payload("body: expected valid JSON") from None
    return value


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise bad_payload(f"{name}: expected a string")
    if len(value) > MAX_TEXT:
        raise bad_payload(f"{name}: expected at most {MAX_TEXT} characters")
    return value


def _address(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise bad_payload(f"{name}: expected an object with city, state, line_1, line_2, country, postal_code")
    address: dict[str, Any] = {}
    for key in ADDRESS_FIELDS:
        if key in value and value[key] is not None:
            address[key] = _text(value[key], f"{name}.{key}")
    return address


def _metadata(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise bad_payload(f"{name}: expected an object of key/value pairs")
    if len(value) > MAX_METADATA_KEYS:
        raise bad_payload(f"{name}: expected at most {MAX_METADATA_KEYS} keys")
    _check_value(value, name, 0)
    return dict(value)


def _check_value(value: Any, name: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise bad_payload(f"{name}: expected at most {MAX_DEPTH} levels of nesting")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise bad_payload(f"{name}: expected strings of at most {MAX_TEXT} characters")
    if isinstance(value, float) and not math.isfinite(value):
        raise bad_payload(f"{name}: expected finite numbers")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if len(key) > 200:
                raise bad_payload(f"{name}: expected keys of at most 200 characters")
            _check_value(item, name, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, name, depth + 1)


def base_fields(body: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The ``CustomerBase`` fields present in ``body``, checked; ``None`` marks a field to clear."""
    fields: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in body:
            fields[key] = None if body[key] is None else _text(body[key], prefix + key)
    for key in DATE_FIELDS:
        if key in body:
            value = body[key]
            if value is None:
                fields[key] = None
                continue
            try:
                fields[key] = parse_date(_text(value, prefix + key))
            except ValueError:
                raise bad_payload(f"{prefix}{key}: expected a date as YYYY-MM-DD") from None
    if "birthday" in fields and "birthdate" not in fields:
        fields["birthdate"] = fields["birthday"]
    if "address" in body:
        fields["address"] = _address(body["address"], prefix + "address")
    if "metadata" in body:
        fields["metadata"] = _metadata(body["metadata"], prefix + "metadata")
    return fields


def _object(body: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise bad_payload(f"{what}: expected a JSON object")
    return body


def _identifier(body: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
    value = body.get(key)
    if value is None:
        return None
    text = _text(value, prefix + key)
    if not text.strip():
        raise bad_payload(f"{prefix}{key}: expected a non-empty string")
    if len(text) > 500:
        raise bad_payload(f"{prefix}{key}: expected at most 500 characters")
    return text


def create_body(body: Any) -> tuple[str | None, str | None, dict[str, Any]]:
    """``CustomersCreateRequestBody``: (id, source_id, base fields)."""
    mapping = _object(body, "body")
    return _identifier(mapping, "id"), _identifier(mapping, "source_id"), base_fields(mapping)


def update_body(body: Any) -> dict[str, Any]:
    """``CustomersUpdateRequestBody``: the base fields only (``id``/``source_id`` are not part of it: ignored)."""
    return base_fields(_object(body, "body"))


MAX_BULK_ITEMS = 10_000  # assumed: the documented 10 MB limit is the only bound; this keeps a job bounded too


def bulk_body(body: Any) -> list[tuple[str, dict[str, Any]]]:
    """``[CustomersUpdateInBulkRequestBody]``: (source_id, base fields) per item; ``source_id`` is required."""
    if not isinstance(body, list):
        raise bad_payload("body: expected a JSON array of customers, each with a source_id")
    if not body:
        raise bad_payload("body: expected at least one customer")
    if len(body) > MAX_BULK_ITEMS:
        raise bad_payload(f"body: expected at most {MAX_BULK_ITEMS} customers")
    items = []
    for index, item in enumerate(body):
        prefix = f"[{index}]."
        mapping = _object(item, f"[{index}]")
        source_id = _identifier(mapping, "source_id", prefix)
        if source_id is None:
            raise bad_payload(f"{prefix}source_id: required")
        items.append((source_id, base_fields(mapping, prefix)))
    return items


def metadata_body(body: Any) -> tuple[list[str], dict[str, Any]]:
    """``CustomersMetadataUpdateInBulkRequestBody``: both ``source_ids`` and ``metadata`` required."""
    mapping = _object(body, "body")
    source_ids = mapping.get("source_ids")
    if not isinstance(source_ids, list) or not source_ids:
        raise bad_payload("source_ids: required, a non-empty array of strings")
    if len(source_ids) > MAX_BULK_ITEMS:
        raise bad_payload(f"source_ids: expected at most {MAX_BULK_ITEMS} source ids")
    checked = []
    for index, source_id in enumerate(source_ids):
        text = _identifier({"source_id": source_id}, "source_id", f"source_ids[{index}].")
        if text is None:
            raise bad_payload(f"source_ids[{index}]: expected a string")
        checked.append(text)
    if "metadata" not in mapping or not isinstance(mapping["metadata"], Mapping):
        raise bad_payload("metadata: required, an object of key/value pairs")
    return checked, _metadata(mapping["metadata"], "metadata")
