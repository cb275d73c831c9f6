"""Request validation from UltraCart's own schemas.

Bodies are checked against the request schemas extracted from the official OpenAPI subset
(``request_schemas.json``, see ``scripts/extract_sandbox_schemas.py``): types, ``maxLength``,
enums, int32 ranges and date-times (``format: dateTime``, see ``clock.stored_dts``). Messages name the
field and what was expected and never repeat the value, the way an API should answer a bad request.
Unknown fields are ignored (assumed: the real service deserialises with unknown properties ignored;
the spec does not say). Every typed field is checked, computed ones too: a Java service deserialises
the whole body before it ignores what it computes itself (assumed), so a bad date in
``orders_summary`` is a 400 although the summary is never stored.

The spec states one limit only in a field's description (``AdjustInternalCertificateRequest.description``:
"50 characters max"); the extraction script keeps it as ``x-documented-max-length`` and the error says
that the limit is UltraCart's documented one. No other limit is invented.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from .clock import stored_dts
from .errors import bad_request

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
}


DOCUMENTED_MAX_LENGTH = "x-documented-max-length"


def _is_int32(value: object) -> bool:
    return not isinstance(value, int) or INT32_MIN <= value <= INT32_MAX


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type keyword speaks for non-strings
    try:
        stored_dts(value)
    except ValueError:
        return False
    return True


def _documented_max_length(validator: Any, limit: int, instance: Any, schema: Any) -> Any:
    if isinstance(instance, str) and len(instance) > limit:
        import jsonschema

        yield jsonschema.ValidationError(f"longer than the documented {limit} characters")


@cache
def _validator_class() -> Any:
    # jsonschema is imported on first validation only: the embedded sandbox is on the server's
    # start-up path and most sessions never write.
    import jsonschema

    checker = jsonschema.FormatChecker()
    checker.checks("int32")(_is_int32)
    checker.checks("dateTime")(_is_date_time)
    keywords = {**jsonschema.Draft202012Validator.VALIDATORS, DOCUMENTED_MAX_LENGTH: _documented_max_length}
    return jsonschema.validators.extend(jsonschema.Draft202012Validator, keywords), checker


@cache
def _schemas() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("request_schemas.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


@cache
def _validator(schema_name: str) -> Any:
    cls, checker = _validator_class()
    schemas = _schemas()
    schema = {"$ref": f"#/$defs/{schema_name}", "$defs": schemas["$defs"]}
    return cls(schema, format_checker=checker)


def field_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _expectation(error: Any) -> str:
    keyword, schema = error.validator, error.schema
    if keyword == "type":
        return f"expected {_TYPE_WORDS.get(schema.get('type'), schema.get('type'))}"
    if keyword == "maxLength":
        return f"expected at most {schema['maxLength']} characters"
    if keyword == "enum":
        return "expected one of " + ", ".join(str(option) for option in schema["enum"])
    if keyword == "format" and schema.get("format") == "int32":
        return f"expected an integer between {INT32_MIN} and {INT32_MAX}"
    if keyword == "format" and schema.get("format") == "dateTime":
        return "expected an ISO-8601 date-time such as 2024-01-31T09:30:00-05:00 (years 1900 to 9998)"
    if keyword == DOCUMENTED_MAX_LENGTH:
        return f"expected at most {schema[keyword]} characters (the limit UltraCart documents for this field)"
    return f"failed the '{keyword}' rule"


def validate_body(schema_name: str, body: Any, *, store_dates: bool = False) -> dict[str, Any]:
    """Return ``body`` if it is a JSON object matching ``schema_name``, else raise a 400.

    With ``store_dates`` (a body the sandbox keeps), every date-time comes back in UltraCart's rendering.
    """
    if not isinstance(body, dict):
        raise bad_request(f"The request body must be a JSON object ({schema_name}).")
    errors = sorted(
        (e for e in _validator(schema_name).iter_errors(body) if not _null_property(e)),
        key=lambda e: list(e.absolute_path),
    )
    # JSON booleans are not integers, but Python's bool is an int: jsonschema already rejects
    # them for "integer"; nothing extra is needed here.
    if errors:
        first = errors[0]
        more = f" ({len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise bad_request(f"Invalid {field_path(first.absolute_path)}: {_expectation(first)}{more}.")
    return dict(_known({"$ref": f"#/$defs/{schema_name}"}, body, store_dates))


def _null_property(error: Any) -> bool:
    """A null object property means "absent" (UltraCart: null leaves a field unchanged)."""
    path = list(error.absolute_path)
    return error.instance is None and bool(path) and isinstance(path[-1], str)


def _known(schema: dict[str, Any], value: Any, store_dates: bool) -> Any:
    """``value`` without unknown and null object properties: ignored, so never stored or echoed."""
    while "$ref" in schema:
        schema = _schemas()["$defs"].get(schema["$ref"].rsplit("/", 1)[-1], {})
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        return {k: _known(properties[k], v, store_dates) for k, v in value.items() if k in properties and v is not None}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_known(schema["items"], item, store_dates) for item in value]
    if store_dates and isinstance(value, str) and schema.get("format") == "dateTime":
        return stored_dts(value)  # valid: checked above
    return value
