"""The names TWC (The Wishlist) is known by: the provider's name (tool and toolset prefix, resource scheme) and its
toolsets.

Their own module, because both the provider (``provider.py``, which states them) and the tool table
(``tools/__init__.py``, grouped by them) need them, and neither may import the other's way back.
"""

from __future__ import annotations

from typing import Final

NAME: Final = "twc"
# assist: find customers and one customer's overview; customers: search, get, create, update (and the guarded delete); addresses: add (and the guarded delete);
# bulk: validate a payload (and the guarded, deprecated upload).
TOOLSETS: Final = ("assist", "customers", "addresses", "bulk")
DEFAULT_TOOLSETS: Final = ("assist", "customers", "addresses", "bulk")
# With other providers enabled too, the host's default listing must still fit the definitions budget (64 KB with
# every provider): TWC lists its assist and customer tools; addresses and bulk are a toolset away.
SHARED_DEFAULT_TOOLSETS: Final = ("assist", "customers")
