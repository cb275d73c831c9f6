"""``completion/complete``: what a host offers as the person types a prompt's argument or a resource template's
variable — customers' emails and ids, an enum's values, toolset and provider names.

Who answers: a prompt belongs to the provider (or cross-provider layer) whose prompt table holds it, a template to
the one whose URI scheme it has (``customers://`` is the people layer's). Each declares its completers as
:class:`Completions`, imported on the first completion request (start-up imports this module only). A prompt or
template this server does not list (``--toolsets``, ``--read-only``, a token's scope) is completed like an unknown
one: with nothing, so a scope that cannot read a customer cannot enumerate them here either.

Bounds: at most ``MAX_VALUES`` values; a customer search is ONE API call per provider (never a walk), starts at
``MIN_SEARCH`` characters and gives up after ``SEARCH_SECONDS`` (a completion waiting on the rate limiter is of no
use to a person typing); answers are kept ``CACHE_SECONDS`` per tenant (``CACHE_ENTRIES`` at most), so a host that
asks again for the same text costs no call.

Redaction: a value is offered only when the outbound filter (core/redact.py) leaves it unchanged under its
field's name: with ``UC_MCP_REDACT=email`` no email is offered, nor an id that holds one (a customer argument offers
the customers' ids instead); a value with hidden characters is never offered.

Never an error: an unknown prompt, template or argument, an export's token (a capability, never completed), a
provider that fails (no credentials, a 500) or is too slow — each answers an empty list (logged at debug).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING, Any, Final, Protocol

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

if TYPE_CHECKING:
    from .redact import Redactor
    from .toolspec import ToolContext

__all__ = [
    "Completed",
    "Completer",
    "Completions",
    "Match",
    "Matches",
    "Search",
    "choices",
    "customer_emails",
    "customers",
    "ids",
    "install_completions",
    "masks_emails",
    "starts",
]

log = logging.getLogger("uc_mcp.completions")

METHOD: Final = "completion/complete"
MAX_VALUES: Final = 20
MIN_SEARCH: Final = 2  # characters before a customer search: one letter matches nearly every customer
MAX_TYPED: Final = 254  # the longest email; anything longer is no prefix of a value worth an API call
SEARCH_SECONDS: Final = 5.0
CACHE_SECONDS: Final = 30.0
CACHE_ENTRIES: Final = 512
# Variables never completed, whoever owns the template: an export's token is a capability of the caller that made
# the export (an hour), never something to enumerate.
NEVER_COMPLETED: Final = frozenset({"token"})
# The argument names the generic completer answers with toolset or provider names.
TOOLSET_ARGUMENTS: Final = frozenset({"toolset", "toolsets"})
PROVIDER_ARGUMENTS: Final = frozenset({"provider", "providers"})
EMPTY: Final = Completion(values=[])
_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class Completed:
    """What a completer found: ``(field, value)`` offers — the field names the value for the outbound filter
    (``email``, ``customer_profile_oid``; "" for plain text) — and whether more values may exist beyond them:
    True (they do or may: an API page said more), False (these are all), None (unknown: nothing was searched)."""

    offers: Sequence[tuple[str, str]]
    more: bool | None = False


Completer = Callable[[str, "ToolContext"], Awaitable[Completed]]


@dataclass(frozen=True, slots=True)
class Match:
    """One customer a search found: its identifiers as ``(field, value)``, the one the provider's tools and URIs
    take first (``customer_profile_oid``; Voucherify's ``id`` then ``source_id``), and its email."""

    ids: tuple[tuple[str, str], ...]
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Matches:
    """A provider's customers whose email (or id) starts with the text typed, found in one API call; ``more`` as
    :class:`Completed` says."""

    found: Sequence[Match]
    more: bool | None


# A provider's one-call customer search: the typed text (stripped, at least MIN_SEARCH characters) and the
# provider's own context.
Search = Callable[[str, "ToolContext"], Awaitable[Matches]]


@dataclass(frozen=True, slots=True)
class Completions:
    """A provider's (or cross-provider layer's) completions: the prompts and the URI scheme it owns, its completers
    by argument or variable name, and its customer search (the people layer combines every provider's)."""

    scheme: str
    prompts: frozenset[str]
    completers: Mapping[str, Completer]
    customers: Search | None = None


class CompletionSource(Protocol):
    """What declares completions: a ``Provider`` or a ``CrossTable`` (its ``completions`` imports them)."""

    @property
    def name(self) -> str: ...

    @property
    def completions(self) -> Callable[[], Completions] | None: ...


ContextFactory = Callable[[Context[Any, Any]], "ToolContext"]


# -- completers a provider builds from its search ------------------------------------------------------------------


def starts(value: str, typed: str) -> bool:
    """Whether ``value`` begins with what was typed, ignoring case (emails are case-insensitive in practice)."""
    return value.casefold().startswith(typed.casefold())


def masks_emails(ctx: ToolContext) -> bool:
    return "email" in ctx.redactor.masked


async def _search(search: Search, typed: str, ctx: ToolContext) -> Matches:
    text = typed.strip()
    if len(text) < MIN_SEARCH:
        return Matches((), None)
    return await search(text, ctx)


def _id_offer(match: Match, typed: str) -> tuple[str, str]:
    """The identifier that starts with what was typed, else the record's first."""
    return next((pair for pair in match.ids if starts(pair[1], typed.strip())), match.ids[0])


def _email_offer(match: Match, typed: str) -> tuple[str, str] | None:
    return ("email", match.email) if match.email and starts(match.email, typed.strip()) else None


def _sorted(offers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(offers, key=lambda offer: (offer[1].casefold(), offer[1]))


def customers(search: Search) -> Completer:
    """A customer argument (an email or an id): the emails found that start with what was typed; a customer matched
    by id, or every customer when emails are masked (``UC_MCP_REDACT=email``), by its id."""

    async def complete(typed: str, ctx: ToolContext) -> Completed:
        matches = await _search(search, typed, ctx)
        hide = masks_emails(ctx)
        offers = [(None if hide else _email_offer(match, typed)) or _id_offer(match, typed) for match in matches.found]
        return Completed(_sorted(offers), matches.more)

    return complete


def customer_emails(matches: Matches, typed: str) -> list[tuple[str, str]]:
    """The ``("email", value)`` offers of ``matches`` that start with what was typed, sorted."""
    return _sorted([offer for match in matches.found if (offer := _email_offer(match, typed)) is not None])


def ids(search: Search) -> Completer:
    """An id variable: each customer found, by the identifier that starts with what was typed (else its first)."""

    async def complete(typed: str, ctx: ToolContext) -> Completed:
        matches = await _search(search, typed, ctx)
        return Completed(_sorted([_id_offer(match, typed) for match in matches.found]), matches.more)

    return complete


def choices(values: Sequence[str]) -> Completer:
    """An enum: the values (in their order) that start with what was typed. No API call."""

    async def complete(typed: str, ctx: ToolContext) -> Completed:
        return Completed([("", value) for value in values if starts(value, typed.strip())], more=False)

    return complete


# -- the handler ---------------------------------------------------------------------------------------------------

# The request a completion answers, captured by the middleware below: the SDK hands the completion handler only
# (ref, argument, context), and a provider's context needs the request (an HTTP caller's store and credentials).
_request: ContextVar[Any] = ContextVar("uc_mcp_completion_request", default=None)


class _Answers:
    """Answers kept briefly, by (owner, argument, tenant, text typed); the oldest go first beyond ``size``."""

    def __init__(self, seconds: float, size: int) -> None:
        self._seconds = seconds
        self._size = size
        self._entries: OrderedDict[tuple[str, ...], tuple[float, Completion]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> Completion | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        kept_at, answer = entry
        if monotonic() - kept_at > self._seconds:
            del self._entries[key]
            return None
        return answer

    def narrowed(self, base: tuple[str, ...], typed: str) -> Completion | None:
        """The answer for ``typed`` from a kept answer for a shorter text it begins with, when that answer held
        every value (no ``hasMore``, its total shown) and each value is what matched (it starts with that text:
        not a masked email's id): what starts with ``typed`` is among them, so typing on costs no API call (a
        Voucherify sandbox project allows 100 an hour). A customer offered by its email for the shorter text but
        matching the longer one only by its id would be missed while the shorter answer is kept (30 s): an email
        and an id that begin alike are rare."""
        for end in range(len(typed) - 1, 0, -1):
            shorter = typed[:end]
            earlier = self.get((*base, shorter))
            if (
                earlier is not None
                and earlier.has_more is False
                and earlier.total == len(earlier.values)
                and all(starts(value, shorter.strip()) for value in earlier.values)
            ):
                values = [value for value in earlier.values if starts(value, typed.strip())]
                return Completion(values=values, total=len(values), has_more=False)
        return None

    def put(self, key: tuple[str, ...], answer: Completion) -> None:
        self._entries[key] = (monotonic(), answer)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


@dataclass(frozen=True, slots=True)
class _Owner:
    completions: Completions
    context: ContextFactory


class ServerCompletions:
    """One server's ``completion/complete``: finds the owner of the prompt or template, runs its completer within
    the bounds and answers through the outbound filter."""

    def __init__(
        self,
        server: MCPServer,
        sources: Sequence[tuple[CompletionSource, ContextFactory]],
        names: Mapping[str, Sequence[str]],
    ) -> None:
        self._server = server
        self._sources = list(sources)
        self._loaded: list[_Owner] | None = None
        generic: dict[str, Completer] = {}
        for argument in TOOLSET_ARGUMENTS:
            generic[argument] = choices(names.get("toolset", ()))
        for argument in PROVIDER_ARGUMENTS:
            generic[argument] = choices(names.get("provider", ()))
        self._generic = generic
        self._answers = _Answers(CACHE_SECONDS, CACHE_ENTRIES)

    async def capture(self, ctx: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        """Server middleware: the request behind a completion, for the provider's context."""
        if getattr(ctx, "method", None) != METHOD:
            return await call_next(ctx)
        token = _request.set(ctx)
        try:
            return await call_next(ctx)
        finally:
            _request.reset(token)

    async def complete(
        self,
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion:
        # ``context`` (the arguments given so far) changes no answer here: no completer depends on another argument.
        try:
            return await self._complete(ref, argument)
        except Exception as error:  # a completion is a convenience: never an error, never a traceback
            log.debug("completion of %r answered nothing: %s", argument.name, type(error).__name__)
            return EMPTY

    async def _complete(
        self, ref: PromptReference | ResourceTemplateReference, argument: CompletionArgument
    ) -> Completion:
        name, typed = argument.name, argument.value
        if name in NEVER_COMPLETED or len(typed) > MAX_TYPED:
            return EMPTY
        owner = await self._owner(ref, name)
        if owner is None:
            return EMPTY
        completer = owner.completions.completers.get(name) or self._generic.get(name)
        if completer is None:
            return EMPTY
        tool_ctx = owner.context(Context(request_context=_request.get(), mcp_server=self._server))
        key = (owner.completions.scheme, name, tool_ctx.tenant, typed)
        kept = self._answers.get(key) or self._answers.narrowed(key[:-1], typed)
        if kept is not None:
            return kept
        found: Completed | None = None
        with anyio.move_on_after(SEARCH_SECONDS):
            found = await completer(typed, tool_ctx)
        if found is None:
            log.debug("completion of %r gave up after %s s", name, SEARCH_SECONDS)
            return EMPTY
        answer = bounded(found, tool_ctx.redactor)
        self._answers.put(key, answer)
        return answer

    async def _owner(self, ref: PromptReference | ResourceTemplateReference, name: str) -> _Owner | None:
        """The owner of a prompt or template this server lists, when ``name`` is one of its arguments/variables."""
        if isinstance(ref, PromptReference):
            prompt = next((p for p in await self._server.list_prompts() if p.name == ref.name), None)
            if prompt is None or name not in {argument.name for argument in prompt.arguments or ()}:
                return None
            return next((owner for owner in self._owners() if ref.name in owner.completions.prompts), None)
        templates = {template.uri_template for template in await self._server.list_resource_templates()}
        if ref.uri not in templates or name not in _VARIABLE.findall(ref.uri):
            return None
        scheme = ref.uri.partition("://")[0]
        return next((owner for owner in self._owners() if owner.completions.scheme == scheme), None)

    def _owners(self) -> list[_Owner]:
        if self._loaded is None:
            self._loaded = [
                _Owner(source.completions(), context) for source, context in self._sources if source.completions
            ]
        return self._loaded


def bounded(found: Completed, redactor: Redactor) -> Completion:
    """At most MAX_VALUES distinct values, each one the outbound filter leaves unchanged; ``total`` only when every
    value is known, ``hasMore`` when values beyond those shown exist or may."""
    offered = (value for field, value in found.offers if value and redactor.field(field, value) == value)
    values = list(dict.fromkeys(offered))  # distinct, in their order
    more = len(values) > MAX_VALUES or found.more is True
    return Completion(
        values=values[:MAX_VALUES],
        total=len(values) if found.more is False else None,
        has_more=True if more else (False if found.more is False else None),
    )


def install_completions(
    server: MCPServer,
    sources: Sequence[tuple[CompletionSource, ContextFactory]],
    names: Mapping[str, Sequence[str]],
) -> ServerCompletions:
    """Declare the ``completions`` capability and answer ``completion/complete`` from ``sources`` (each with the
    context its completers run in); ``names``: the ``toolset`` and ``provider`` names any argument so named takes."""
    completions = ServerCompletions(server, sources, names)
    server.middleware.append(completions.capture)
    server.completion()(completions.complete)  # type: ignore[no-untyped-call]  # the SDK's decorator is untyped
    return completions
