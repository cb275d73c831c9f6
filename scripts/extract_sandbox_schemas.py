"""Extract the request-body schemas the sandbox validates from UltraCart's OpenAPI subset.

Run from the repository root: ``python scripts/extract_sandbox_schemas.py [SPEC]``. The output,
``uc_mcp/ultracart/sandbox/request_schemas.json``, is committed; a test fails when it drifts from
the spec copy under ``tests/``. Graphs the sandbox never accepts from a client (orders, quotes,
activity, EDI, gift certificates) become unconstrained values so that the file stays small.

A limit the spec states only in a field's description ("50 characters max") becomes
``x-documented-max-length``: the sandbox keeps UltraCart's documented limit and says so in its error,
and invents none the spec does not state.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

REQUEST_SCHEMAS = (
    "Customer",
    "CustomerQuery",
    "CustomerMergeRequest",
    "CustomerStoreCreditAddRequest",
    "AdjustInternalCertificateRequest",
    "CustomerWishListItem",
    "CustomerEmailListChanges",
    "EmailVerifyTokenRequest",
    "EmailVerifyTokenValidateRequest",
    "LookupRequest",
)
OPAQUE = {"Order", "CustomerActivity", "CustomerEDI", "GiftCertificate"}
REF = "#/components/schemas/"
DOCUMENTED_LIMIT = re.compile(r"\b(\d+) characters max\b")
DEFAULT_SPEC = Path(__file__).resolve().parents[1] / "tests" / "spec" / "ultracart-customer-openapi.json"
OUTPUT = Path(__file__).resolve().parents[1] / "uc_mcp" / "ultracart" / "sandbox" / "request_schemas.json"


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    components: dict[str, Any] = spec["components"]["schemas"]
    wanted: dict[str, Any] = {}

    def rewrite(node: Any, *, names: bool = False) -> Any:
        # ``names`` marks a ``properties`` mapping, whose keys are field names (a field may be
        # called "description"), not schema keywords to drop.
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.removeprefix(REF)
                if name in OPAQUE:
                    return {}
                visit(name)
                return {"$ref": f"#/$defs/{name}"}
            if names:
                return {key: rewrite(value) for key, value in node.items()}
            rewritten = {
                key: rewrite(value, names=key == "properties")
                for key, value in node.items()
                if key not in {"description", "example"}
            }
            documented = DOCUMENTED_LIMIT.search(str(node.get("description", "")))
            if documented and node.get("type") == "string" and "maxLength" not in node:
                rewritten["x-documented-max-length"] = int(documented.group(1))
            return rewritten
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    def visit(name: str) -> None:
        if name not in wanted:
            wanted[name] = {}
            wanted[name] = rewrite(components[name])

    for name in REQUEST_SCHEMAS:
        visit(name)
    return {"$defs": dict(sorted(wanted.items()))}


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SPEC
    spec = json.loads(source.read_text(encoding="utf-8"))
    OUTPUT.write_text(json.dumps(extract(spec), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
