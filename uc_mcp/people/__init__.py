"""Cross-provider tools about a *person*: find one in every enabled provider, and a 360 view.

Uses the providers' public tool functions only (``<provider>/tools/find.py``, ``overview.py``), each through its
own ``ToolContext`` (its client, rate limiter, redaction fields). Depends on providers; no provider imports it.
"""
