"""The UltraCart tool table: every tool this server offers for UltraCart, as data.

``TOOLS`` is the single source of truth: the server registers from it, ``tool_schemas/`` is
generated from it, and tests iterate it. One module per toolset.
"""

from __future__ import annotations

from ...core.toolspec import ToolSpec
from ..names import DEFAULT_TOOLSETS as DEFAULT_TOOLSETS  # the provider states them
from ..names import TOOLSETS as TOOLSETS
from . import (
    admin,
    count,
    customers,
    email_lists,
    email_verification,
    export,
    find,
    guarded,
    overview,
    rank,
    store_credit,
    wishlist,
)

TOOLS: tuple[ToolSpec, ...] = (
    *find.TOOLS,  # assist: answers support questions in one or two calls
    *overview.TOOLS,
    *count.TOOLS,
    *rank.TOOLS,
    *export.TOOLS,
    *customers.TOOLS,
    *store_credit.TOOLS,
    *wishlist.TOOLS,
    *email_lists.TOOLS,
    *admin.TOOLS,
    *email_verification.TOOLS,
    *guarded.TOOLS,
    *guarded.APP_TOOLS,  # toolset "apps": called by views, enabled with the guarded tools they serve
)
