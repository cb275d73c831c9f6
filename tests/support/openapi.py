"""Checking a sandbox's answers against a provider's OpenAPI subset: the spec's operations by method and path, its
schemas (OpenAPI 3.0, resolved against the whole document) and the date-time format every provider renders.

A provider's ``conformance`` module names its spec, the formats it checks, what its paths look like and what it
checks beyond the declared responses.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
PARAMETER = "[^/]+"  # a path parameter: one segment
Route = tuple[str, re.Pattern[str], dict[str, Any]]


def is_date_time(value: object) -> bool:
    """ISO-8601 with seconds and a UTC offset or ``Z`` (a value that is no string is the type check's)."""
    if not isinstance(value, str):
        return True
    if not DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def format_checker(checks: Mapping[str, Callable[[object], bool]]) -> Any:
    """OpenAPI 3.0's format checker with ``checks`` (format name -> check) added or replaced."""
    from openapi_schema_validator import oas30_format_checker

    checker = copy.deepcopy(oas30_format_checker)
    for name, check in checks.items():
        checker.checks(name)(check)
    return checker


def validator(document: dict[str, Any], schema: dict[str, Any], checker: Any) -> Any:
    """A validator of ``schema``, whose ``$ref``s name ``spec.json#/components/...`` of ``document``."""
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    registry: Registry[Any] = Registry().with_resource("spec.json", Resource(document, specification=DRAFT4))
    return OAS30Validator(schema, registry=registry, format_checker=checker)


def routes(
    document: dict[str, Any], *, prefix: str = "", segment: Callable[[str], str] = lambda name: PARAMETER
) -> list[Route]:
    """Every operation of ``document`` as (method, path pattern under ``prefix``, operation); ``segment`` is the
    pattern of a path parameter by its name. Literal segments come first (``by_email`` before ``{oid}``)."""
    found = []
    for path, item in document["paths"].items():
        pattern = re.compile("^" + prefix + re.sub(r"\{([^}]+)\}", lambda match: segment(match.group(1)), path) + "$")
        for method, operation in item.items():
            if method != "parameters":
                found.append((method.upper(), pattern, operation))
    found.sort(key=lambda route: route[1].pattern.count(PARAMETER) + route[1].pattern.count(".+"))
    return found


def operation_for(known: list[Route], method: str, path: str) -> dict[str, Any] | None:
    for route_method, pattern, operation in known:
        if route_method == method and pattern.match(path):
            return operation
    return None
