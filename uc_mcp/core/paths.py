"""A value a model sent, put into a request's path as exactly one segment, for every provider.

Ids and emails become path segments (``/v1/customers/{customerId}``, ``/customer/customers/by_email/{email}``).
Percent-encoding keeps a ``/``, ``?`` or ``#`` inside its segment, but not a segment that is only dots: ``.`` and
``..`` are not encoded by any quoting (they are unreserved characters), and every layer between here and the API
— the HTTP client, a proxy, the server's router — removes them as RFC 3986 says (``/v1/customers/..`` is ``/v1/``,
``/v1/customers/./activity`` is the customer ``activity``). Encoding them as ``%2E`` is no cure either: RFC 3986
lets a normaliser decode a percent-encoded unreserved character, and then the dots are removed all the same. So
such a value is refused by name before anything is sent: no record can be read by it through a URL anyway.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

__all__ = ["DOT_SEGMENT_PROBLEM", "is_dot_segment", "one_segment", "path_segment"]

DOT_SEGMENTS: Final = frozenset({".", ".."})
# Said of the field (a validation message or a provider's refusal prefixes its name); never repeats the value.
DOT_SEGMENT_PROBLEM: Final = 'not an id: "." and ".." are folder steps in a URL, so they can name no record'


def is_dot_segment(value: str) -> bool:
    """Whether ``value`` would be read as a dot segment of a path (and so never reach its own resource)."""
    return value in DOT_SEGMENTS


def one_segment(value: str) -> str:
    """A pydantic ``AfterValidator`` for a text that becomes a path segment: refuses ``.`` and ``..``, so that the
    refusal names the field (its location) before anything is sent."""
    if is_dot_segment(value):
        raise ValueError(DOT_SEGMENT_PROBLEM)
    return value


def path_segment(value: str, field: str, safe: str = "") -> str:
    """``value`` percent-encoded as exactly one path segment (``safe``: characters left as they are, e.g. ``@``);
    ValueError naming ``field`` for an empty value or a dot segment, which would address another resource."""
    if not value:
        raise ValueError(f"{field}: must not be empty")
    if is_dot_segment(value):
        raise ValueError(f"{field}: {DOT_SEGMENT_PROBLEM}")
    return quote(value, safe=safe)
