"""``python -m bench.fastmcp_server SPEC BASE_URL [API_KEY]``: the comparison server of figure 9 — what
FastMCP (``pip install fastmcp``, 4.x) generates from the official OpenAPI subset with
``FastMCP.from_openapi``, pointed at the sandbox at ``BASE_URL``, on stdio. Nothing is customised: every
operation becomes a tool under its ``operationId`` with FastMCP's default route maps, and the HTTP client
carries only what the API requires of every request (the version header and the simple key), the way
FastMCP's documentation configures authentication.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

API_VERSION = "2017-03-01"  # X-UltraCart-Api-Version; the spec's servers entry has no header for it


def main() -> None:
    os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")  # no network but the sandbox's
    os.environ.setdefault("FASTMCP_SHOW_SERVER_BANNER", "false")
    os.environ.setdefault("FASTMCP_LOG_LEVEL", "WARNING")
    import httpx2
    from fastmcp import FastMCP  # type: ignore[import-not-found, unused-ignore]  # the bench extra

    spec_path, base_url = Path(sys.argv[1]), sys.argv[2]
    api_key = sys.argv[3] if len(sys.argv) > 3 else "sandbox-key"
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    client = httpx2.AsyncClient(
        base_url=base_url,
        headers={"X-UltraCart-Api-Version": API_VERSION, "x-ultracart-simple-key": api_key},
        timeout=60.0,
    )
    server = FastMCP.from_openapi(openapi_spec=spec, client=client, name="ultracart-openapi")
    server.run("stdio", show_banner=False)


if __name__ == "__main__":
    main()
