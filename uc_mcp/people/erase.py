"""``customers_erase``: erase one person from every enabled system behind one confirmation.

The preview finds the person as ``customer_360`` does (``search.resolve``: by email or any system's id), reads every
record once, and asks one question that lists every record in every system by id. The confirmation is bound
(``core/confirm.py``: ``Preview.binding``) to exactly those records and to a digest of what they hold now: a record
that appears, goes or changes between the preview and the yes changes the binding, and the confirmation is refused
(a token's re-resolution differs; an elicited question differs and is asked again).

Each system's step runs in its own task with its own client; a step that fails, or whose outcome is unknown,
leaves the others done. Every step is audited (intent, then executed / failed / outcome_unknown) under the call's
one request id, with the record's id as its target, and the answer says precisely which system still holds data
and which of its own tools finishes the job.

Nothing is erased when a system could not be searched in full: an erase that cannot list every record would
leave data behind while saying it had not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Final

import anyio
from pydantic import AfterValidator, Field

from ..core.confirm import Binding, Guard, Preview
from ..core.errors import ConfigurationError, NotFound, OutcomeUnknown, ProviderError
from ..core.guarded import GuardedResult, Token, guarded_spec
from ..core.results import StrictInput, mark, not_blank
from ..core.toolspec import ToolContext
from .linking import ref
from .search import Person, resolve
from .sources import ADAPTERS, Reach, Record

__all__ = ["ERASE", "EraseInput", "EraseResult"]

TOOL: Final = "customers_erase"
SOURCES: Final = ADAPTERS  # every provider the people layer reaches, each with how to erase its records
RECORDS: Final = "records"  # the binding: every record erased, "system:id"
SNAPSHOT: Final = "snapshot"  # and a digest of what they held when the preview read them


class EraseInput(StrictInput):
    person: Annotated[str, AfterValidator(not_blank)] = Field(
        min_length=1, max_length=200, description="The person's email, or any system's customer id or reference."
    )
    max_calls: int = Field(
        6,
        ge=1,
        le=30,
        strict=True,  # JSON true is not 1 call
        description="Most API calls per system for finding the person (each record's read and erase come on top).",
    )
    confirm: Token | None = None


class EraseResult(GuardedResult):
    systems: dict[str, Any] | None = Field(
        None,
        description="Per system: status (erased, nothing held, partial, failed, outcome_unknown), the ids erased "
        "and still held, the problem, and the system's own tool that finishes a step left undone.",
    )
    complete: bool | None = Field(None, description="True when every record in every system was erased.")
    still_held: list[str] | None = Field(
        None, description="system:id of every record that still holds (or may still hold) the person's data."
    )


# -- the preview -------------------------------------------------------------------------------------------------


class NotSearched(ValueError):
    """A system that could not be searched in full: nothing is erased (its message names the system)."""


def _refuse_unsure(person: Person) -> None:
    unsure = [
        f"{o.source.title} ({o.problem or 'max_calls ran out before every search was made'})"
        for o in person.outcomes
        if o.found is None or not o.found.complete
    ]
    if unsure:
        raise NotSearched(
            "nothing was erased: not every system could be searched in full, so the erase could not list every "
            f"record of this person: {'; '.join(unsure)}. Try again (a larger max_calls, or when the system "
            "answers), or erase in each system with its own tool."
        )


async def _read_all(reach: Reach, records: list[Record]) -> dict[str, Mapping[str, Any]]:
    """Every record as its system answers it now, concurrently (one call each), by ``system:id``."""
    held: dict[str, Mapping[str, Any]] = {}
    problems: list[str] = []

    async def one(record: Record) -> None:
        source = SOURCES[record.provider]
        try:
            held[ref(record)] = await source.eraser.read(record, reach.contexts[record.provider])
        except (ProviderError, ConfigurationError) as problem:
            problems.append(f"{source.title} {record.id}: {problem}")

    async with anyio.create_task_group() as group:
        for record in records:
            group.start_soon(one, record)
    if problems:
        raise NotSearched(f"nothing was erased: a record could not be read just now: {'; '.join(sorted(problems))}")
    return held


def _digest(held: Mapping[str, Mapping[str, Any]]) -> str:
    canonical = json.dumps(held, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Target:
    """The person as the preview found them: every record, and the binding the confirmation is bound to."""

    person: Person
    binding: dict[str, Any] = field(default_factory=dict)

    @property
    def systems(self) -> list[str]:
        """Every system searched, in registry order."""
        return [outcome.source.name for outcome in self.person.outcomes]


async def _target(request: EraseInput, ctx: ToolContext) -> Target:
    reach: Reach = ctx.api
    person = await resolve(reach, request.person.strip(), request.max_calls)
    _refuse_unsure(person)
    records = [record for record in person.records if record.provider in SOURCES]
    held = await _read_all(reach, records)
    binding = {RECORDS: sorted(held), SNAPSHOT: _digest(held)}
    return Target(person, binding)


async def resolve_target(request: EraseInput, ctx: ToolContext) -> Binding:
    """The binding the preview would give now: the token path compares it with the one its preview showed."""
    return (await _target(request, ctx)).binding


def _question(who: str, target: Target) -> str:
    parts = []
    for system in target.systems:
        source = SOURCES[system]
        ids = [ref.split(":", 1)[1] for ref in target.binding[RECORDS] if ref.split(":", 1)[0] == system]
        if ids:
            parts.append(f"{source.title} customer {', '.join(ids)}: {source.eraser.what}")
        else:
            parts.append(f"{source.title}: nothing found, nothing to erase")
    return (
        f"Erase {who} from every enabled system? {'; '.join(parts)}. This cannot be undone. The records as read "
        f"now (snapshot {target.binding[SNAPSHOT]}): if any of them changes, or another appears, before the yes, "
        "this confirmation is refused."
    )


async def preview_erase(request: EraseInput, ctx: ToolContext) -> Preview:
    target = await _target(request, ctx)
    who = target.person.email or request.person.strip()
    records = [
        {"system": record.provider, "id": record.id, "email": record.email, "name": record.name}
        for record in target.person.records
        if record.provider in SOURCES
    ]
    details = {
        "action": "erase person everywhere",
        "person": who,
        "records": records,
        "erases": {system: SOURCES[system].eraser.what for system in target.systems},
        "snapshot": target.binding[SNAPSHOT],
    }
    return Preview(_question(who, target), details, binding=target.binding)


# -- the erase ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """One system's part: its records, what became of each, and why a record was left."""

    system: str
    ids: list[str]
    erased: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def status(self) -> str:
        if not self.ids:
            return "nothing held"
        if self.erased == self.ids:
            return "erased"
        if self.unknown and not self.failed:
            return "outcome_unknown"
        return "partial" if self.erased else "failed"

    def left(self) -> list[str]:
        return [*self.unknown, *self.failed]

    def summary(self) -> dict[str, Any]:
        source = SOURCES[self.system]
        part: dict[str, Any] = {"status": self.status(), "erased": self.erased}
        if self.left():
            part["still_held"] = self.left()
            part["problem"] = " | ".join(self.problems)
            finish = "; ".join(source.eraser.finish.format(id=record_id) for record_id in self.left())
            part["finish"] = (
                f"first read the record again (not found means it is gone), then if it is there: {finish}"
                if self.unknown
                else f"when {source.title} answers again: {finish}"
            )
        return part


async def _erase_one(step: Step, record_id: str, ctx: ToolContext) -> None:
    source = SOURCES[step.system]
    auditor = ctx.auditor(TOOL, {"system": step.system, **source.eraser.target(record_id)})
    warning = auditor.try_record("intent")
    if warning:  # no intent record, no erase (as every write)
        step.failed.append(record_id)
        step.problems.append(f"{record_id}: not erased: {warning}")
        return
    try:
        await source.eraser.erase(Record(step.system, record_id), ctx)
    except NotFound:
        # Gone already (erased by someone else since the preview): what the erase was for.
        step.erased.append(record_id)
        auditor.try_record("executed", outcome="executed", result={"already_gone": True})
    except OutcomeUnknown as problem:
        step.unknown.append(record_id)
        step.problems.append(f"{record_id}: {problem}")
        auditor.try_record("outcome_unknown", outcome="unknown", error=str(problem))
    except (ProviderError, ConfigurationError) as problem:
        step.failed.append(record_id)
        step.problems.append(f"{record_id}: {problem}")
        auditor.try_record("failed", outcome="failed", error=str(problem))
    else:
        step.erased.append(record_id)
        auditor.try_record("executed", outcome="executed")


async def _run(step: Step, reach: Reach, request_id: str) -> None:
    ctx = reach.contexts.get(step.system)
    if ctx is None:
        step.failed.extend(step.ids)
        step.problems.append(f"{SOURCES[step.system].title} is not enabled on this server any more")
        return
    ctx = _same_request(ctx, request_id)
    for record_id in step.ids:  # one system's records in turn: its rate limiter paces them anyway
        await _erase_one(step, record_id, ctx)


def _same_request(ctx: ToolContext, request_id: str) -> ToolContext:
    """The system's context under the erase's request id: every step's audit record joins the call's."""
    return replace(ctx, request_id=request_id)


def _notice(steps: list[Step]) -> str:
    done = [SOURCES[s.system].title for s in steps if s.status() == "erased"]
    left = [s for s in steps if s.left()]
    if not left:
        return f"Erased everywhere it was held ({', '.join(done) or 'nowhere'})."
    said = "; ".join(
        f"{SOURCES[s.system].title} still holds {', '.join(s.left())} ({s.status()}): {s.summary()['finish']}"
        for s in left
    )
    return (f"Erased in {', '.join(done)}. " if done else "Nothing was erased. ") + f"Not finished: {said}."


async def execute_erase(request: EraseInput, ctx: ToolContext, binding: Binding) -> dict[str, Any]:
    reach: Reach = ctx.api
    by_system: dict[str, list[str]] = {name: [] for name in reach.contexts if name in SOURCES}
    for record in binding[RECORDS]:  # exactly the records the person approved
        system, record_id = str(record).split(":", 1)
        by_system.setdefault(system, []).append(record_id)
    steps = [Step(system, ids) for system, ids in by_system.items()]
    async with anyio.create_task_group() as group:
        for step in steps:
            if step.ids:
                group.start_soon(_run, step, reach, ctx.request_id)
    still = [f"{step.system}:{record_id}" for step in steps for record_id in step.left()]
    result: dict[str, Any] = {
        "systems": {step.system: step.summary() for step in steps},
        "complete": not still,
        "still_held": still,
        "notice": _notice(steps),
    }
    return mark(ctx, result)


ERASE: Final = guarded_spec(
    TOOL,
    "Erase a person from every system",
    "people",
    "A privacy erasure (right to be forgotten) of one person (by email, or any system's customer id or reference) "
    "in every enabled system at once: UltraCart delete, Voucherify permanent deletion, TWC delete. One "
    "confirmation lists every record in every system by id and is bound to exactly those records as they are now. "
    "A system whose step fails or whose outcome is unknown is named, with the tool that finishes it; the others "
    "stay done. Nothing is erased when a system cannot be searched in full. Export first with "
    "customers_data_request if the person asked for their data.",
    EraseInput,
    Guard(preview_erase, execute_erase, resolve_target),
    output_model=EraseResult,
    view=None,
    idempotent=True,  # erasing an erased person again changes nothing (it finds nobody)
)
