"""Records of several providers grouped into people.

Only the same email after case-folding merges records: none of the three providers documents dots or plus rules
for its emails, so ``j.doe@`` and ``jdoe@`` are different people. Weaker evidence between people of different
emails (the same phone; the same name and postcode; the same name alone, the weakest) is reported as "possibly the
same person", never merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from .sources import Record

STRENGTH = {"email": "strong", "phone": "medium", "name+postcode": "medium", "name": "weak"}
PHONE_DIGITS = 7  # fewer digits say too little to link two people


def email_key(email: str | None) -> str | None:
    return email.strip().casefold() if email and email.strip() else None


def _phone_key(phone: str | None) -> str | None:
    wanted = re.sub(r"\D", "", phone or "")
    return wanted[-10:] if len(wanted) >= PHONE_DIGITS else None


def _name_key(name: str | None) -> str | None:
    words = (name or "").casefold().split()
    return " ".join(words) if len(words) >= 2 else None  # a first name alone links nobody


def evidence(one: Record, other: Record) -> list[str]:
    """Why two records may be the same person, strongest first."""
    found: list[str] = []
    if email_key(one.email) is not None and email_key(one.email) == email_key(other.email):
        found.append("email")
    if _phone_key(one.phone) is not None and _phone_key(one.phone) == _phone_key(other.phone):
        found.append("phone")
    if _name_key(one.name) is not None and _name_key(one.name) == _name_key(other.name):
        # The same postcode makes the same name medium evidence; a different one leaves it weak, not gone (people
        # move: the demo's José has an older email at an older address).
        same_place = _postcode_key(one.postcode) is not None and _postcode_key(one.postcode) == _postcode_key(
            other.postcode
        )
        found.append("name+postcode" if same_place else "name")
    return found


def _postcode_key(postcode: str | None) -> str | None:
    folded = "".join((postcode or "").split()).casefold()
    return folded or None


def group(records: Iterable[Record]) -> list[list[Record]]:
    """People: records with the same case-folded email; a record without an email is a person alone."""
    people: dict[str, list[Record]] = {}
    for index, record in enumerate(records):
        key = email_key(record.email) or f"#{index}"
        people.setdefault(key, []).append(record)
    return list(people.values())


def links_within(person: list[Record]) -> list[dict[str, Any]]:
    """The links between a person's records of different providers (or two records in one), with evidence."""
    links: list[dict[str, Any]] = []
    for one, other in combinations(person, 2):
        found = evidence(one, other)
        links.append({"between": [ref(one), ref(other)], "evidence": found, "strength": STRENGTH[found[0]]})
    return links


def possible_links(people: list[list[Record]]) -> list[dict[str, Any]]:
    """Links between different people: weaker evidence, shown, never merged."""
    found: list[dict[str, Any]] = []
    for (left, one_person), (right, other_person) in combinations(enumerate(people), 2):
        reasons = sorted({reason for one in one_person for other in other_person for reason in evidence(one, other)})
        if "name+postcode" in reasons and "name" in reasons:
            reasons.remove("name")  # another pair of their records said the same name without postcodes to compare
        if reasons:
            best = min(reasons, key=list(STRENGTH).index)
            found.append(
                {
                    "people": [left, right],
                    "evidence": reasons,
                    "strength": STRENGTH[best],
                    "verdict": "possibly the same person (not merged: different emails)",
                }
            )
    return found


def ref(record: Record) -> str:
    return f"{record.provider}:{record.id}"
