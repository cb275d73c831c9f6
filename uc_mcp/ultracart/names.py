"""The names UltraCart is known by: the provider's name (tool and toolset prefix, resource scheme) and its toolsets.

Their own module, because both the provider (``provider.py``, which states them) and the tool table
(``tools/__init__.py``, grouped by them) need them, and neither may import the other's way back.
"""

from __future__ import annotations

from typing import Final

NAME: Final = "ultracart"
TOOLSETS: Final = ("assist", "customers", "store_credit", "wishlist", "email_lists", "admin", "email_verification")
DEFAULT_TOOLSETS: Final = ("assist", "customers", "store_credit", "wishlist", "email_lists", "admin")
# With other providers enabled too, the host's default listing must still fit the definitions budget: the
# assist tools answer most support questions; the rest is a toolset away.
SHARED_DEFAULT_TOOLSETS: Final = ("assist", "store_credit")
