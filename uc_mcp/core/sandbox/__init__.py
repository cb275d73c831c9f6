"""What every provider's embedded sandbox shares: seeded fault injection, pacing and latency in front of its ASGI
app (``faults.py``), and the in-process transport that turns injected faults into real network exceptions
(``transport.py``). A provider's sandbox supplies its API, its store and its error envelope."""
