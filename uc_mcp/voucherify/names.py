"""The names Voucherify is known by: the provider's name (tool and toolset prefix, resource scheme) and its
toolsets.

Their own module, because both the provider (``provider.py``, which states them) and the tool table
(``tools/__init__.py``, grouped by them) need them, and neither may import the other's way back.
"""

from __future__ import annotations

from typing import Final

NAME: Final = "voucherify"
TOOLSETS: Final = ("assist", "customers", "activity", "privacy", "bulk")
DEFAULT_TOOLSETS: Final = ("assist", "customers", "activity", "privacy", "bulk")
# With other providers enabled too, the host's default listing must still fit the definitions budget.
SHARED_DEFAULT_TOOLSETS: Final = ("assist", "customers")
