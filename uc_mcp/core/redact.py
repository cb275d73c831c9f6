"""What never reaches the model, and what a stricter deployment masks (DESIGN.md: core/redact.py).

Every tool result and error message passes through one :class:`Redactor` on its way out:

- Secrets are removed whatever the configuration: passwords, card tokens, API keys, OAuth and
  verification tokens (by key, at any depth), full card numbers (a ``card_number`` keeps its last
  four digits, and any Luhn-valid 13-19 digit run inside free text is masked the same way — a
  customer may have typed a card number into a note).
- Invisible and control characters are stripped from every string: customer fields are written
  by strangers, and zero-width, bidi-override or Unicode "tag" characters can hide instructions
  from the person reading the same text (newline and tab stay).
- ``UC_MCP_REDACT=email,phone,address,notes,name`` masks those fields for stricter deployments
  (``j***@example.com``, the last four digits of a phone, street lines and postal codes, notes,
  ``J***`` for names).
  Only results are masked: arguments are not, so a lookup by the full email keeps working.

Masks never make a value longer than it was, so a result fitted to the context budget stays
within it. List results arrive as a table (``columns`` + rows); masking follows the column names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

MASKABLE: Final = ("email", "phone", "address", "notes", "name")

# Keys whose values are credentials: dropped from results, never masked (a mask still leaks length).
SECRET_KEYS: Final = frozenset(
    {
        "password",
        "card_number_token",
        "card_verification_number_token",
        "api_key",
        "simple_key",
        "oauth_token",
        "access_token",
        "refresh_token",
        "token",
        "client_secret",
        "secret",
    }
)
CARD_NUMBER_KEYS: Final = frozenset({"card_number"})
# The fields each UC_MCP_REDACT class covers (UltraCart's names, at any depth and as table columns).
FIELD_CLASSES: Final[Mapping[str, frozenset[str]]] = {
    "email": frozenset({"email", "emails", "merge_email", "deliver_to", "cc_email", "cc_emails", "email_address"}),
    "phone": frozenset(
        {
            *(f"{prefix}{kind}" for prefix in ("", "billing_", "shipping_") for kind in ("day_phone", "evening_phone")),
            *("day_phone_e164", "evening_phone_e164", "phone", "fax"),
        }
    ),
    "address": frozenset({"address1", "address2", "postal_code", "billing_postal_code", "shipping_postal_code"}),
    "notes": frozenset({"notes", "comments", "business_notes", "automatic_merchant_notes", "merchant_notes"}),
    "name": frozenset(
        {
            "first_name",
            "last_name",
            *(f"{kind}_{part}_name" for kind in ("billing", "shipping") for part in ("first", "last")),
        }
    ),
}

# Columns of the compact list table that hold a field under another name. (A ``name`` key elsewhere
# is a property's or a list's name, not a person's.)
_COLUMN_FIELDS: Final = {"name": "first_name"}

_EMAIL = re.compile(r"([A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_CARD_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Cf (format: zero-width, bidi controls, tag characters), Cc (controls), Co/Cn are dropped; so are
# the variation selectors that can smuggle bytes. Newline and tab are kept.
_KEEP_CONTROLS: Final = frozenset("\n\t")


def strip_invisible(text: str) -> str:
    """``text`` without control, format (zero-width, bidi, tag) and unassigned characters."""
    if text.isascii():
        if text.isprintable():
            return text
        return "".join(ch for ch in text if ch.isprintable() or ch in _KEEP_CONTROLS)
    return "".join(ch for ch in text if ch in _KEEP_CONTROLS or _visible(ch))


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Co", "Cn", "Cs"):
        return False
    code = ord(ch)
    return not (0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_card_numbers(text: str) -> str:
    """Any Luhn-valid 13-19 digit run (spaces or dashes allowed) becomes ``****1234``."""

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "****" + digits[-4:] if 13 <= len(digits) <= 19 and _luhn_valid(digits) else match.group(0)

    # One regex search finds the (rare) candidate runs; only then is the text rewritten.
    return _CARD_RUN.sub(replace, text) if len(text) >= 13 and _CARD_RUN.search(text) else text


def mask_email(text: str) -> str:
    """``jane.doe@example.com`` → ``j***@example.com``, for every address inside ``text``."""
    return _EMAIL.sub(lambda match: f"{match.group(1)}***@{match.group(2)}", text)


def mask_phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "***" + digits[-4:] if len(digits) > 4 else "***"


def _mask_whole(text: str) -> str:
    mask = "[redacted]"
    return mask if len(text) >= len(mask) else "***"


def mask_card_field(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "****" + digits[-4:] if len(digits) >= 4 else "****"


@dataclass(frozen=True, slots=True)
class Redactor:
    """The outbound filter for results and messages; ``masked`` is the set of UC_MCP_REDACT classes."""

    masked: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, classes: Iterable[str]) -> Redactor:
        wanted = {name.strip().lower() for name in classes if name.strip()}
        unknown = wanted - set(MASKABLE)
        if unknown:
            raise ValueError(
                f"UC_MCP_REDACT: unknown field class(es) {', '.join(sorted(unknown))}; known: {', '.join(MASKABLE)}."
            )
        return cls(frozenset(wanted))

    def text(self, value: str) -> str:
        """A free-text string on its way out (a field value, a question, an error message)."""
        value = mask_card_numbers(strip_invisible(value))
        return mask_email(value) if "email" in self.masked else value

    def field(self, key: str, value: str) -> str:
        """The value of field ``key``, masked when its class is configured."""
        if key in CARD_NUMBER_KEYS:
            return mask_card_field(value)
        for name in self.masked:
            if key in FIELD_CLASSES[name]:
                if name == "email":
                    return mask_email(value) if "@" in value else _mask_whole(value)
                if name == "phone":
                    return mask_phone(value)
                if name == "name":
                    return value[0] + "***" if len(value) >= 4 else "***"
                return _mask_whole(value)
        return self.text(value)

    def leaves_unchanged(self, json_text: str) -> bool:
        """True when :meth:`apply` would return the value serialised as ``json_text`` (compact JSON,
        non-ASCII kept) unchanged: no masking configured, no secret or card-number key, no hidden
        character and no run of 13 digits anywhere in the text. A few C-level scans of the whole text
        instead of a Python call per value; False only means "walk it" (the check may be over-cautious,
        never the other way round)."""
        if self.masked or not json_text.isprintable():  # also catches Cf/Co/Cn characters unescaped by JSON
            return False
        data = json_text.encode("utf-8")
        if b"\\" in data and any(escape in data for escape in _STRIPPED_ESCAPES):
            return False  # control characters that JSON escaped
        lowered = data.lower()  # ASCII letters only: the one other letter that lowers to ASCII is below
        if any(ending in lowered for ending in _SECRET_KEY_ENDINGS):
            return False
        if not json_text.isascii() and any(lead in data for lead in _NON_ASCII_SUSPECTS):
            return False
        return not _may_hold_card_number(json_text, data)

    def apply(self, payload: Any, key: str | None = None) -> Any:
        """``payload`` with secrets dropped, strings cleaned and configured fields masked."""
        if type(payload) in _SCALARS:  # most values of a record: nothing to clean, checked first
            return payload
        if isinstance(payload, str):
            if (
                not self.masked
                and payload.isascii()
                and payload.isprintable()
                and key not in CARD_NUMBER_KEYS
                and (len(payload) < 13 or _CARD_RUN.search(payload) is None)
            ):
                return payload  # what field()/text() would return, in a few C calls: the common case
            return self.field(key, payload) if key is not None else self.text(payload)
        if isinstance(payload, Mapping):
            return self._mapping(payload)
        if isinstance(payload, list):
            return [self.apply(item, key) for item in payload]
        return payload

    def _mapping(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        columns = payload.get("columns")
        if isinstance(columns, list) and isinstance(payload.get("items"), list):
            return {
                name: self._rows(value, columns) if name == "items" else self.apply(value, name)
                for name, value in payload.items()
            }
        scalars = _SCALARS
        return {
            name: value if type(value) in scalars else self.apply(value, name)
            for name, value in payload.items()
            if name.lower() not in SECRET_KEYS
        }

    def _rows(self, rows: list[Any], columns: list[Any]) -> list[Any]:
        names = [str(column) for column in columns]
        hidden = {index for index, name in enumerate(names) if name.lower() in SECRET_KEYS}
        return [
            [
                None if index in hidden else self.apply(cell, _COLUMN_FIELDS.get(names[index], names[index]))
                for index, cell in enumerate(row)
            ]
            if isinstance(row, list) and len(row) == len(names)
            else self.apply(row)
            for row in rows
        ]


_SCALARS: Final = frozenset({bool, int, float, type(None)})

# What leaves_unchanged looks for in a JSON text. Keys appear quoted; control characters other than
# newline and tab appear as these escapes (a literal backslash before r, b, f or u also matches: the
# result is walked, which is merely slower).
# Every secret or card-number key ends in one of these, closing quote included (so "ftoken" is walked too).
_SECRET_KEY_ENDINGS: Final = (b'token"', b'password"', b'_key"', b'secret"', b'card_number"')
_STRIPPED_ESCAPES: Final = (b"\\u", b"\\r", b"\\b", b"\\f")
# Non-ASCII that means "walk it": the Kelvin sign (str.lower() makes it an ASCII "k", so a key may
# become "token" only in the walk's lowercasing), and the UTF-8 lead bytes of the variation selectors
# strip_invisible removes (U+FE00-FE0F lie in U+FE00-FE3F, U+E0100-E01EF in U+E0000-E0FFF; both
# blocks are rare in customer data).
_NON_ASCII_SUSPECTS: Final = ("\u212a".encode(), b"\xef\xb8", b"\xf3\xa0")
# Digits become "0" and the separators a card number may contain disappear, so any card-number
# candidate (13-19 digits, single spaces or dashes between) becomes a run of 13 zeros.
_DIGITS_TO_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")
_CARD_SEPARATORS: Final = b" -"
_ASCII_BYTES: Final = bytes(range(128))
_THIRTEEN_ZEROS: Final = b"0" * 13


def _may_hold_card_number(text: str, data: bytes) -> bool:
    """``data`` is ``text`` in UTF-8."""
    if _THIRTEEN_ZEROS in data.translate(_DIGITS_TO_ZERO, _CARD_SEPARATORS):
        return True
    if text.isascii():
        return False
    # The card pattern's \d also matches other scripts' digits: any such digit means "walk it".
    others = data.translate(None, _ASCII_BYTES).decode("utf-8")
    return any(char.isdecimal() for char in others)


NO_MASKING: Final = Redactor()
