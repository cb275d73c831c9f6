"""The TWC tool table: every tool this server offers for The Wishlist, as data.

``TOOLS`` is the single source of truth: the server registers from it, ``tool_schemas/twc/`` is generated from it,
and tests iterate it. One module per toolset; a new toolset adds its module's line here.
"""

from __future__ import annotations

from ...core.toolspec import ToolSpec
from ..names import DEFAULT_TOOLSETS as DEFAULT_TOOLSETS  # the provider states them
from ..names import TOOLSETS as TOOLSETS
from . import addresses, bulk, customers, find, guarded, overview

TOOLS: tuple[ToolSpec, ...] = (
    *find.TOOLS,  # assist: answers support questions in one or two calls
    *overview.TOOLS,
    *customers.TOOLS,
    *addresses.TOOLS,
    *bulk.TOOLS,
    *guarded.TOOLS,
    *guarded.APP_TOOLS,  # toolset "apps": the confirmation card's Cancel, enabled with the guarded tools
)
