"""The sandbox's request schemas are exactly what the script extracts from the spec copy."""

from __future__ import annotations

import importlib.util
import json

from tests.paths import REPO

ROOT = REPO


def test_request_schemas_match_the_spec() -> None:
    loader = importlib.util.spec_from_file_location("extract", ROOT / "scripts" / "extract_sandbox_schemas.py")
    assert loader is not None
    assert loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    spec = json.loads((ROOT / "tests" / "spec" / "ultracart-customer-openapi.json").read_text(encoding="utf-8"))
    committed = json.loads((ROOT / "uc_mcp" / "ultracart" / "sandbox" / "request_schemas.json").read_text("utf-8"))
    assert module.extract(spec) == committed, "run: python scripts/extract_sandbox_schemas.py"
    # The graphs the sandbox never accepts stay out of the file.
    assert "Order" not in committed["$defs"]
    assert "CustomerActivity" not in committed["$defs"]
