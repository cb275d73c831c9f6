"""Store credit from its movements: what is available, still vesting and about to expire.

UltraCart keeps store credit (and cashback, see ``store.py``) on one internal gift certificate per
customer and reports it as ``CustomerStoreCredit``. How the figures derive from the ledger is not
documented; the sandbox assumes the natural reading of the field descriptions:

- a credit becomes usable when it vests (``vesting_days`` after entry, immediately when 0);
- it expires ``expiration_days`` after entry (never when 0), and whatever is left of it goes;
- a usage (negative movement) consumes the usable credit that expires first (never-expiring last);
- ``available`` = usable now, ``vesting`` = not yet vested, ``expiring`` = usable now but expiring
  within 30 days, ``total`` = lifetime credited amount;
- ``past_ledgers`` are the movements up to now, ``future_ledgers`` the scheduled vesting and
  expiring events (an expiry shows the amount it would remove if nothing more is used).

``gift_certificate_ledger_oid`` is "a primary key for this object", so an expiry, a ledger entry of its
own, cannot carry the id of the credit it expires. The store keeps one row per movement; an expiry's
id is derived from its credit's (``expiry_ledger_oid``), above every id the ledger sequence hands out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXPIRING_WINDOW = 30 * 86400
# Ledger oids come from a sequence starting at 900001 (schema.SEQUENCES); an expiry's id is its credit's
# plus this offset, so the two never meet before a billion ledger movements, and both stay int32.
EXPIRY_OID_OFFSET = 1_000_000_000


def expiry_ledger_oid(credit_ledger_oid: int) -> int:
    """The id of the "Expiring" entry of the credit ``credit_ledger_oid``."""
    return credit_ledger_oid + EXPIRY_OID_OFFSET


@dataclass(frozen=True, slots=True)
class Movement:
    ledger_oid: int
    amount_cents: int
    description: str | None
    entry_epoch: int
    vesting_epoch: int | None
    expiration_epoch: int | None
    reference_order_id: str | None


@dataclass(slots=True)
class _Lot:
    remaining: int
    expires: int | None
    ledger_oid: int


@dataclass(slots=True)
class _Event:
    moment: int
    order: int  # credit before usage before expiry at the same second
    action: str
    movement: Movement
    lot: _Lot | None = None


@dataclass(slots=True)
class Balance:
    available: int = 0
    vesting: int = 0
    expiring: int = 0
    total: int = 0
    overdrawn: int = 0  # usage that the usable credit at its moment could not cover
    past: list[dict[str, Any]] = field(default_factory=list)
    future: list[dict[str, Any]] = field(default_factory=list)


def _events(movements: list[Movement]) -> list[_Event]:
    events: list[_Event] = []
    for movement in movements:
        if movement.amount_cents > 0:
            lot = _Lot(movement.amount_cents, movement.expiration_epoch, movement.ledger_oid)
            if movement.vesting_epoch is None or movement.vesting_epoch <= movement.entry_epoch:
                events.append(_Event(movement.entry_epoch, 0, "Credit", movement, lot))
            else:
                events.append(_Event(movement.vesting_epoch, 0, "Vesting", movement, lot))
            if movement.expiration_epoch is not None:
                events.append(_Event(movement.expiration_epoch, 2, "Expiring", movement, lot))
        else:
            events.append(_Event(movement.entry_epoch, 1, "Used", movement))
    events.sort(key=lambda event: (event.moment, event.order, event.movement.ledger_oid))
    return events


def compute(movements: list[Movement], now: int, render: Any, certificate_oid: int | None) -> Balance:
    """Replay the movements up to ``now`` and project the scheduled events after it.

    ``render`` turns an epoch into UltraCart's date-time string.
    """
    balance = Balance(total=sum(m.amount_cents for m in movements if m.amount_cents > 0))
    lots: list[_Lot] = []

    def entry(event: _Event, amount: int) -> dict[str, Any]:
        row: dict[str, Any] = {
            "action": event.action,
            "amount": amount / 100,
            "entry_dts": render(event.moment),
            "gift_certificate_ledger_oid": (
                expiry_ledger_oid(event.movement.ledger_oid)
                if event.action == "Expiring"
                else event.movement.ledger_oid
            ),
        }
        if certificate_oid is not None:
            row["gift_certificate_oid"] = certificate_oid
        if event.movement.description:
            row["description"] = event.movement.description
        if event.movement.reference_order_id:
            row["reference_order_id"] = event.movement.reference_order_id
        return row

    for event in _events(movements):
        future = event.moment > now
        target = balance.future if future else balance.past
        if event.action in ("Credit", "Vesting"):
            assert event.lot is not None
            lots.append(event.lot)
            if future:
                balance.vesting += event.lot.remaining
            target.append(entry(event, event.lot.remaining))
        elif event.action == "Used":
            need = -event.movement.amount_cents
            for lot in sorted(lots, key=lambda lot: (lot.expires is None, lot.expires or 0, lot.ledger_oid)):
                taken = min(need, lot.remaining)
                lot.remaining -= taken
                need -= taken
                if need == 0:
                    break
            balance.overdrawn += need
            target.append(entry(event, event.movement.amount_cents))
        else:  # Expiring
            assert event.lot is not None
            if event.lot in lots:
                lots.remove(event.lot)
            if event.lot.remaining:
                target.append(entry(event, -event.lot.remaining))
            if future and event.moment <= now + EXPIRING_WINDOW and event.lot.remaining:
                # Only credit usable now counts as "expiring"; a lot that vests later is "vesting".
                vested_now = event.lot.ledger_oid not in {
                    e["gift_certificate_ledger_oid"] for e in balance.future if e["action"] == "Vesting"
                }
                if vested_now:
                    balance.expiring += event.lot.remaining
            event.lot.remaining = 0
        if not future:
            balance.available = sum(lot.remaining for lot in lots)
    return balance
