"""What never reaches the model, and what a stricter deployment masks (DESIGN.md: core/redact.py).

Every tool result and error message passes through one :class:`Redactor` on its way out:

- Secrets are removed whatever the configuration: passwords, card tokens, API keys, OAuth and
  verification tokens (by key, at any depth), full card numbers (a ``card_number`` keeps its last
  four digits, and any Luhn-valid 13-19 digit run inside free text is masked the same way — a
  customer may have typed a card number into a note, with any punctuation or spacing between its
  digits). A name/value pair whose name is a secret's (a customer property ``api_key``) keeps its
  name and shows ``[redacted]`` for its value.
- Invisible and control characters are stripped from every string: customer fields are written
  by strangers, and zero-width, bidi-override or Unicode "tag" characters can hide instructions
  from the person reading the same text (newline and tab stay). Where that changes a value that
  tells people apart (an email, a name, a company) the value says so — ``jane@example.com
  [contains hidden characters]`` — so two different customers never look the same.
- ``UC_MCP_REDACT=email,phone,address,notes,name`` masks those fields for stricter deployments
  (``j***@example.com``, the last four digits of a phone, street lines and postal codes, notes,
  ``J***`` for names — a person's name wherever it appears: address names, a list's ``name``
  column, a view's full ``name``).
  Only results are masked: arguments are not, so a lookup by the full email keeps working.

Masks never make a value longer than it was; the two markers can. Results are fitted to the context
budget before they are filtered, so :meth:`Redactor.filtered_json` fits a result again in the rare
case a marker pushes it over. List results arrive as a table (``columns`` + rows); masking follows the
column names.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from .budget import fit_object, result_json, text_tokens

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
    # A person's name in any form: the address names, a view's full ``name`` (also the list table's
    # column), the reviewer's nickname and the QuickBooks name (UltraCart: "QuickBooks name to import
    # this customer as", usually built from the person's name).
    "name": frozenset(
        {
            "first_name",
            "last_name",
            *(f"{kind}_{part}_name" for kind in ("billing", "shipping") for part in ("first", "last")),
            "name",
            "nickname",
            "qb_code",
        }
    ),
}
# Values that tell one customer from another: when hidden characters are stripped from one of them,
# the value says so (two profiles must never look the same to the person deciding between them).
IDENTIFYING_KEYS: Final = (
    FIELD_CLASSES["email"] | FIELD_CLASSES["name"] | {"company", "billing_company", "shipping_company"}
)
# Lists whose entries' ``name`` names a thing, not a person: customer properties, pricing tiers,
# email lists and their users, the editor's countries and EDI partners. Any other ``name`` is taken
# for a person's (the safe side: a new container of things gets its names masked, not leaked).
NAMED_THINGS: Final = frozenset(
    {
        "properties",
        "pricing_tiers",
        "lists",
        "email_lists",
        "used_by",
        "countries",
        "state_optional_countries",
        "edi_channel_partners",
    }
)
# The key a thing's name is filtered under: no class covers it.
_THING_NAME: Final = "name of a thing"

HIDDEN_MARKER: Final = "[contains hidden characters]"
_SPACED_MARKER: Final = " " + HIDDEN_MARKER
SECRET_VALUE: Final = "[redacted]"

_EMAIL = re.compile(r"([A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_WORD = re.compile(r"\S+")
# A card number as people type it: 13-19 digits in groups, each gap between two groups at most
# CARD_GAP_MAX characters that are neither letters nor digits — spaces (double, no-break), dashes,
# dots, slashes, underscores, tabs, newlines, or a mix such as " - " or ",\n". A letter always ends
# a run, so two numbers with a word between them ("order 1234567, phone 5550191") are never one.
# Numbers separated by punctuation alone may be read as one, and are masked if the digits of some
# groups in a row pass the Luhn check (about one in ten): hiding an order number costs less than
# leaking a card. The bound keeps numbers in distant columns of a pasted table apart.
CARD_GAP_MAX: Final = 5
_DIGIT_RUN = re.compile(rf"\d+(?:[\W_]{{1,{CARD_GAP_MAX}}}\d+)*")
_CARD_CANDIDATE = re.compile(rf"\d(?:[\W_]{{0,{CARD_GAP_MAX}}}\d){{12}}")
_DIGIT_GROUP = re.compile(r"\d+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
# Cf (format: zero-width, bidi controls, tag characters), Cc (controls), Co/Cn are dropped; so are
# the variation selectors that can smuggle bytes. Newline and tab are kept.
_KEEP_CONTROLS: Final = frozenset("\n\t")


def strip_invisible(text: str) -> str:
    """``text`` without control, format (zero-width, bidi, tag) and unassigned characters."""
    if text.isascii():
        if text.isprintable():
            return text
        return "".join(ch for ch in text if ch.isprintable() or ch in _KEEP_CONTROLS)
    if is_visible(text):
        return text  # most names and notes in other scripts: two C-level scans, no call per character
    return "".join(ch for ch in text if ch in _KEEP_CONTROLS or _visible(ch))


def is_visible(text: str) -> bool:
    """True when :func:`strip_invisible` leaves ``text`` as it is because it holds nothing to strip (False
    may still mean nothing is stripped: a newline, a tab or a no-break space is kept).

    ``str.isprintable`` is False for every character of the categories stripped (Cc, Cf, Co, Cn, Cs) and
    True for all the others but the separators (Zs other than the space, Zl, Zp, which are kept); the
    variation selectors, printable marks, are the only printable characters stripped.
    """
    return text.isprintable() and (text.isascii() or _VARIATION_SELECTOR.search(text) is None)


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Co", "Cn", "Cs"):
        return False
    code = ord(ch)
    return not (0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


# The variation selectors _visible drops (they can smuggle bytes), as one character class.
_VARIATION_SELECTOR: Final = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def with_hidden_marker(text: str) -> str:
    """``text`` (already stripped) saying that hidden characters were taken out of it."""
    return text + _SPACED_MARKER if text else HIDDEN_MARKER


def mark_hidden(value: Any) -> Any:
    """An identifying value as a person may see it: stripped of hidden characters, and marked when it
    had any. For code that shapes values before they are fitted to the budget (views): the marker is
    then measured with the rest, and the outbound filter leaves the marked value as it is."""
    if type(value) is not str or is_visible(value):
        return value
    cleaned = strip_invisible(value)
    return with_hidden_marker(cleaned) if len(cleaned) != len(value) else value


def _split_marker(text: str) -> tuple[str, bool]:
    """``text`` without a trailing hidden-character marker, and whether it had one (masks keep it)."""
    if text.endswith(_SPACED_MARKER):
        return text[: -len(_SPACED_MARKER)], True
    if text == HIDDEN_MARKER:
        return "", True
    return text, False


def _strip_marking_addresses(text: str) -> str:
    """``text`` stripped of hidden characters, each email address they were taken from (or beside)
    followed by the marker: in prose that is the one identifying value we can recognise. Any word
    holding an ``@`` counts as an address, with what surrounds it (``<jane@example.com>``)."""
    kept: list[str] = []
    removed_at: list[int] = []  # positions in the stripped text where characters were taken out
    for ch in text:
        if ch in _KEEP_CONTROLS or _visible(ch):
            kept.append(ch)
        elif not removed_at or removed_at[-1] != len(kept):
            removed_at.append(len(kept))
    cleaned = "".join(kept)
    ends = []
    for word in _WORD.finditer(cleaned):
        index = bisect_left(removed_at, word.start())
        if "@" in word.group() and index < len(removed_at) and removed_at[index] <= word.end():
            ends.append(word.end())
    for end in reversed(ends):
        cleaned = cleaned[:end] + _SPACED_MARKER + cleaned[end:]
    return cleaned


def is_secret_name(name: str) -> bool:
    """True when ``name`` (a property's, say) names a secret: lower-cased, with every run of
    punctuation or spacing read as ``_``, it is one of :data:`SECRET_KEYS` or ends with ``_`` and
    one (``API Key``, ``stripe-api-key``, ``wifi_password``)."""
    words = _NOT_ALPHANUMERIC.sub("_", name.lower()).strip("_")
    return words in SECRET_KEYS or words.endswith(_SECRET_SUFFIXES)


_SECRET_SUFFIXES: Final = tuple(sorted("_" + key for key in SECRET_KEYS))


def holds_secret_value(entry: Mapping[str, Any], parent: str | None) -> bool:
    """True when ``entry`` is a name/value pair whose value must not be shown: its ``name`` (or
    ``key``) names a secret, or it is a customer property whose name was left out (a projection
    such as ``properties.value``: with no name, nothing tells a password from a shirt size)."""
    if "value" not in entry:
        return False
    label = entry.get("name", entry.get("key"))
    if label is None:
        return parent == "properties"
    return isinstance(label, str) and is_secret_name(label)


def filtered_key(parent: str | None, key: str) -> str:
    """The key the value of ``key`` is filtered under, in an entry of the list ``parent``: a thing's
    ``name`` (a property's, a pricing tier's) is masked as no person's name."""
    return _THING_NAME if key == "name" and parent in NAMED_THINGS else key


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_card_numbers(text: str) -> str:
    """Every Luhn-valid run of 13-19 digits (in groups with short gaps, see CARD_GAP_MAX) becomes
    ``****1234``."""
    # One regex search rules out almost every text; only then is the text rewritten.
    if len(text) < 13 or _CARD_CANDIDATE.search(text) is None:
        return text
    return _DIGIT_RUN.sub(_mask_cards_in_run, text)


def _mask_cards_in_run(match: re.Match[str]) -> str:
    """One run of digit groups, each card number in it masked.

    A card may share a run with other numbers ("ref 12, card 4111 1111 1111 1111"), so every
    stretch of whole groups with 13-19 digits is checked, not only the whole run; stretches that
    overlap are masked as one."""
    run = match.group(0)
    groups = [(group.start(), group.end()) for group in _DIGIT_GROUP.finditer(run)]
    if sum(end - start for start, end in groups) < 13:
        return run
    spans: list[list[int]] = []
    for first, (start, _) in enumerate(groups):
        digits = ""
        for group_start, group_end in groups[first:]:
            digits += run[group_start:group_end]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _luhn_valid(digits):
                if spans and start < spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], group_end)
                else:
                    spans.append([start, group_end])
    if not spans:
        return run
    parts, at = [], 0
    for start, end in spans:
        last_four = "".join(char for char in run[start:end] if char.isdecimal())[-4:]
        parts += [run[at:start], "****", last_four]
        at = end
    parts.append(run[at:])
    return "".join(parts)


def mask_email(text: str) -> str:
    """``jane.doe@example.com`` → ``j***@example.com``, for every address inside ``text``."""
    return _EMAIL.sub(lambda match: f"{match.group(1)}***@{match.group(2)}", text)


def mask_phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "***" + digits[-4:] if len(digits) > 4 else "***"


def _mask_whole(text: str) -> str:
    mask = "[redacted]"
    return mask if len(text) >= len(mask) else "***"


def _mask_email_field(text: str) -> str:
    return mask_email(text) if "@" in text else _mask_whole(text)


def _mask_name(text: str) -> str:
    return text[0] + "***" if len(text) >= 4 else "***"


def mask_card_field(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "****" + digits[-4:] if len(digits) >= 4 else "****"


_MASKS: Final[Mapping[str, Callable[[str], str]]] = {
    "email": _mask_email_field,
    "phone": mask_phone,
    "address": _mask_whole,
    "notes": _mask_whole,
    "name": _mask_name,
}


@dataclass(frozen=True, slots=True)
class Redactor:
    """The outbound filter for results and messages; ``masked`` is the set of UC_MCP_REDACT classes."""

    masked: frozenset[str] = frozenset()
    # A provider's own field names for each class (``Provider.redaction_fields``: Voucherify's ``line_1``), on top
    # of FIELD_CLASSES: one provider's names never mask another's fields (UltraCart's ``description`` is a ledger
    # line, Voucherify's a note about the person).
    extra_fields: tuple[tuple[str, frozenset[str]], ...] = ()

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
        cleaned = strip_invisible(value)
        if len(cleaned) != len(value):
            cleaned = _strip_marking_addresses(value)
        return self._clean_text(cleaned)

    def _clean_text(self, cleaned: str) -> str:
        """What :meth:`text` does to a string without hidden characters."""
        cleaned = mask_card_numbers(cleaned)
        return mask_email(cleaned) if "email" in self.masked else cleaned

    def field(self, key: str, value: str) -> str:
        """The value of field ``key``: masked when its class is configured, marked when it identifies
        a customer and hidden characters were taken out of it (the marker outlives the mask)."""
        if key in CARD_NUMBER_KEYS:
            return mask_card_field(value)
        mask = self._mask_for(key)
        if mask is None and key not in IDENTIFYING_KEYS:
            return self.text(value)
        cleaned = strip_invisible(value)
        base, marked = _split_marker(cleaned)
        marked = marked or (len(cleaned) != len(value) and key in IDENTIFYING_KEYS)
        shown = mask(base) if mask is not None else self._clean_text(base)
        return with_hidden_marker(shown) if marked else shown

    def with_fields(self, fields: Mapping[str, Collection[str]]) -> Redactor:
        """This filter, also knowing a provider's field names for each class (a class it does not know is a
        programming error: ValueError)."""
        unknown = set(fields) - set(MASKABLE)
        if unknown:
            raise ValueError(f"unknown field class(es) {', '.join(sorted(unknown))}; known: {', '.join(MASKABLE)}")
        extra = tuple(sorted((name, frozenset(names)) for name, names in fields.items() if names))
        return replace(self, extra_fields=extra)

    def _mask_for(self, key: str) -> Callable[[str], str] | None:
        for name in self.masked:
            if key in FIELD_CLASSES[name] or any(key in names for of, names in self.extra_fields if of == name):
                return _MASKS[name]
        return None

    def leaves_unchanged(self, json_text: str) -> bool:
        """True when :meth:`apply` would return the value serialised as ``json_text`` (compact JSON,
        non-ASCII kept) unchanged: no masking configured, no secret or card-number key, no name/value
        pair named like a secret, no customer properties, no hidden character and nothing a card
        number could hide in. A few C-level scans of the whole text instead of a Python call per
        value; False only means "walk it" (the check may be over-cautious, never the other way round)."""
        if self.masked or not json_text.isprintable():  # also catches Cf/Co/Cn characters unescaped by JSON
            return False
        data = json_text.encode("utf-8")
        if b"\\" in data and _STRIPPED_ESCAPE.search(data):
            return False  # control characters that JSON escaped
        lowered = data.lower()  # ASCII letters only: the one other letter that lowers to ASCII is below
        if _CARD_NUMBER_KEY in lowered or _PROPERTIES_KEY in lowered:
            return False
        if _names_a_secret(lowered):
            return False
        if not json_text.isascii() and any(lead in data for lead in _NON_ASCII_SUSPECTS):
            return False
        return not _may_hold_card_number(json_text, data)

    def filtered_json(
        self, payload: Mapping[str, Any], text: str, keep: Collection[str] = (), max_tokens: int | None = None
    ) -> str:
        """The text of a tool result on its way out. ``text`` is ``budget.result_json(payload, keep)``:
        returned as it is when nothing in it needs filtering (most results: no walk), else the
        filtered payload's text.

        Results are fitted to the budget before they are filtered. Masks never lengthen a value, but
        the hidden-character and secret-value markers can: when the filtered text exceeds ``max_tokens``
        (UC_MCP_MAX_RESULT_TOKENS) the filtered payload is fitted again (``budget.fit_object``, whose
        notice says what was cut; the keys in ``keep`` and the server's warnings go last), so a result
        never exceeds the budget.
        """
        if self.leaves_unchanged(text):
            return text
        filtered = self.apply(payload)
        text = result_json(filtered, keep)
        if max_tokens is None or text_tokens(text) <= max_tokens:
            return text
        return _fit_list_again(filtered, keep, max_tokens) or _fit_again(filtered, keep, max_tokens)

    def apply(self, payload: Any, key: str | None = None) -> Any:
        """``payload`` with secrets dropped, strings cleaned and configured fields masked. ``key`` is
        the field ``payload`` is the value of (for a list, of each element; for a mapping, the list or
        field holding it)."""
        if type(payload) in _SCALARS:  # most values of a record: nothing to clean, checked first
            return payload
        if isinstance(payload, str):
            if (
                not self.masked
                and is_visible(payload)
                and key not in CARD_NUMBER_KEYS
                and (len(payload) < 13 or _CARD_CANDIDATE.search(payload) is None)
            ):
                return payload  # what field()/text() would return, in a few C calls: the common case
            return self.field(key, payload) if key is not None else self.text(payload)
        if isinstance(payload, Mapping):
            return self._mapping(payload, key)
        if isinstance(payload, list):
            return [self.apply(item, key) for item in payload]
        return payload

    def _mapping(self, payload: Mapping[str, Any], parent: str | None) -> dict[str, Any]:
        columns = payload.get("columns")
        if isinstance(columns, list) and isinstance(payload.get("items"), list):
            return {
                name: self._rows(value, columns) if name == "items" else self.apply(value, name)
                for name, value in payload.items()
            }
        if parent in NAMED_THINGS or "value" in payload:
            return self._entry(payload, parent)
        scalars = _SCALARS
        return {
            name: value if type(value) in scalars else self.apply(value, name)
            for name, value in payload.items()
            if name.lower() not in SECRET_KEYS
        }

    def _entry(self, payload: Mapping[str, Any], parent: str | None) -> dict[str, Any]:
        """An entry of a list of things (a property, a pricing tier, an email list) or a name/value
        pair: its ``name`` is not a person's, and its ``value`` is hidden when it is a secret's."""
        secret = holds_secret_value(payload, parent)
        entry: dict[str, Any] = {}
        for name, value in payload.items():
            if name.lower() in SECRET_KEYS:
                continue
            if name == "value" and secret:
                entry[name] = SECRET_VALUE if value not in (None, "") else value
            elif type(value) in _SCALARS:
                entry[name] = value
            else:
                entry[name] = self.apply(value, filtered_key(parent, name))
        return entry

    def _rows(self, rows: list[Any], columns: list[Any]) -> list[Any]:
        names = [str(column) for column in columns]
        hidden = {index for index, name in enumerate(names) if name.lower() in SECRET_KEYS}
        return [
            [None if index in hidden else self.apply(cell, names[index]) for index, cell in enumerate(row)]
            if isinstance(row, list) and len(row) == len(names)
            else self.apply(row)
            for row in rows
        ]


def _fit_list_again(result: Mapping[str, Any], keep: Collection[str], max_tokens: int) -> str | None:
    """A list result (``items``, ``returned``, ``next_offset``) that the filter's markers took over the
    budget, with as many leading items as fit, its paging moved back accordingly and a notice saying
    why; None when even one item does not fit (or it is no such result)."""
    items, next_offset = result.get("items"), result.get("next_offset")
    if not isinstance(items, list) or len(items) < 2 or result.get("returned") != len(items):
        return None

    def attempt(kept: int) -> str | None:
        cut = len(items) - kept
        why = "the markers of hidden characters and secret values took room"
        if isinstance(next_offset, int):
            paging = {"next_offset": next_offset - cut}
            told = f"{cut} more left out to fit the budget ({why}): call again with offset={next_offset - cut}."
        else:
            paging = {}
            told = f"The last {cut} of these were left out to fit the budget ({why}): ask for fewer fields."
        notice = " ".join(filter(None, (result.get("notice"), told)))
        text = result_json({**result, "items": items[:kept], "returned": kept, **paging, "notice": notice}, keep)
        return text if text_tokens(text) <= max_tokens else None

    best, low, high = None, 1, len(items) - 1
    while low <= high:  # the most items that fit
        middle = (low + high) // 2
        text = attempt(middle)
        if text is None:
            high = middle - 1
        else:
            best, low = text, middle + 1
    return best


def _fit_again(result: Mapping[str, Any], keep: Collection[str], max_tokens: int) -> str:
    """Any other result over the budget, fitted by ``budget.fit_object`` (whose notice says what it cut):
    the keys in ``keep`` and the server's warnings are left out last. fit_object drops nulls; the ones a
    result keeps (``next_offset: null``, "no next page") are put back in their places, room left for them."""
    nulls = {key: None for key, value in result.items() if value is None}
    room = text_tokens(result_json(nulls, keep)) if nulls else 0
    fitted = fit_object(result, max_tokens=max_tokens - room, id_fields=sorted({*keep, *_SERVER_NOTES}), required=keep)
    ordered = {key: fitted.get(key) for key in result if key in fitted or key in nulls}
    return result_json({**ordered, **fitted}, keep)


_SCALARS: Final = frozenset({bool, int, float, type(None)})
# What the server adds to a result to warn the model: left out last when a result is fitted again.
_SERVER_NOTES: Final = ("notice", "warning", "warnings")

# What leaves_unchanged looks for in a JSON text. Keys appear quoted; control characters other than
# newline and tab appear as these escapes (a literal backslash before r, b, f or u also matches: the
# result is walked, which is merely slower).
_STRIPPED_ESCAPE: Final = re.compile(rb"\\[urbf]")
_CARD_NUMBER_KEY: Final = b'card_number"'
_PROPERTIES_KEY: Final = b'"properties":'
# Every secret key name ends in one of these words, so does every name is_secret_name accepts (after
# the word, only characters that are neither letters nor digits). In the JSON text that is the word,
# then such characters (ASCII punctuation, JSON escapes, any non-ASCII byte: over-cautious), then the
# closing quote (_SECRET_NAME_TAIL, matched after each occurrence of a word).
_SECRET_WORDS: Final = (b"password", b"token", b"secret", b"key")
_SECRET_NAME_TAIL: Final = re.compile(rb'(?:[^a-z0-9"\\]|\\.)*"')


def _names_a_secret(lowered: bytes) -> bool:
    """Whether a secret word in the lower-cased JSON text ``lowered`` ends a string (see above): each place a
    word occurs is checked (a C-level find, then a match there), never the whole text by the regex's alternation
    (a "tokens" in a notice would make that scan every byte)."""
    for word in _SECRET_WORDS:
        at = lowered.find(word)
        while at != -1:
            if _SECRET_NAME_TAIL.match(lowered, at + len(word)):
                return True
            at = lowered.find(word, at + 1)
    return False


# Non-ASCII that means "walk it": the Kelvin sign (str.lower() makes it an ASCII "k", so a key may
# become "token" only in the walk's lowercasing), and the UTF-8 lead bytes of the variation selectors
# strip_invisible removes (U+FE00-FE0F lie in U+FE00-FE3F, U+E0100-E01EF in U+E0000-E0FFF; both
# blocks are rare in customer data).
_NON_ASCII_SUSPECTS: Final = ("\u212a".encode(), b"\xef\xb8", b"\xf3\xa0")


def _byte_classes() -> bytes:
    """The translation of a JSON text's bytes to its shape for the card-number check: "0" for a digit,
    "a" for a letter or a quote (an unescaped quote ends a string, and the walk never joins two
    strings), " " for anything else: a character that may sit between the digits of a card number.
    A non-ASCII character's lead byte is a " " too (over-cautious for letters of other scripts)."""
    table = bytearray(b" " * 256)
    for byte in b"0123456789":
        table[byte] = ord("0")
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
        table[byte] = ord("a")
    table[ord('"')] = ord("a")
    return bytes(table)


_BYTE_CLASSES: Final = _byte_classes()
_UTF8_CONTINUATION: Final = bytes(range(0x80, 0xC0))  # deleted: one " " per non-ASCII character
# Every byte that may be (part of) a gap character, for the first, over-cautious pass.
_GAP_BYTES: Final = bytes(byte for byte in range(256) if _BYTE_CLASSES[byte] == ord(" ")) + _UTF8_CONTINUATION
_GAP_TOO_LONG: Final = b" " * (CARD_GAP_MAX + 1)
_THIRTEEN_DIGITS: Final = b"0" * 13
_ASCII_BYTES: Final = bytes(range(128))
_ESCAPE: Final = re.compile(rb"\\.", re.DOTALL)  # \\, \", \n, \t or \/ (the only ones left by then)


def _may_hold_card_number(text: str, data: bytes) -> bool:
    """Whether some string in the JSON text ``data`` (``text`` in UTF-8, with no escapes other than
    \\", \\\\, \\n, \\t and \\/) may hold 13 digits with gaps of at most CARD_GAP_MAX non-letters:
    each character becomes one byte of its class, a gap too long becomes a letter, the remaining
    gaps are closed, and 13 digits in a row remain iff there was such a run."""
    if b"\\" in data:
        # Each escape is one character of the string: a gap character (left to right, so that the
        # backslash of an escaped backslash does not escape what follows it).
        data = _ESCAPE.sub(b"\x01", data)
    # First with every gap closed, however long (one C pass): rules out most texts; then exactly.
    if _THIRTEEN_DIGITS in data.translate(_BYTE_CLASSES, _GAP_BYTES):
        shape = data.translate(_BYTE_CLASSES, _UTF8_CONTINUATION)
        if _THIRTEEN_DIGITS in shape.replace(_GAP_TOO_LONG, b"a").translate(None, b" "):
            return True
    if text.isascii():
        return False
    # The card pattern's \d also matches other scripts' digits: any such digit means "walk it".
    others = data.translate(None, _ASCII_BYTES).decode("utf-8")
    return _DECIMAL_DIGIT.search(others) is not None


_DECIMAL_DIGIT: Final = re.compile(r"\d")  # str.isdecimal's digits: the card pattern's \d


NO_MASKING: Final = Redactor()
