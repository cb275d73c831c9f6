"""Where the tests' files are, named once: the tests move between folders, the repository does not."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ULTRACART_SPEC = REPO / "tests" / "spec" / "ultracart-customer-openapi.json"
