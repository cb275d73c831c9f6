"""``python -m bench.fastmcp_voucherify SPEC BASE_URL [APP_ID APP_TOKEN]``: the comparison server of figure 10 —
what FastMCP (``pip install fastmcp``, 4.x) generates from Voucherify's official OpenAPI subset (the 12 customer
operations) with ``FastMCP.from_openapi``, pointed at the Voucherify sandbox at ``BASE_URL`` (``http://HOST:PORT``:
the spec's paths start with ``/v1``), on stdio. Nothing is customised: every operation becomes a tool under its
``operationId`` with FastMCP's default route maps, and the HTTP client carries only what the API requires of
every request (the ``X-App-Id`` / ``X-App-Token`` pair), the way FastMCP's documentation configures
authentication — as ``bench/fastmcp_server.py`` does for UltraCart.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# The embedded sandbox's key pair (uc_mcp/voucherify/settings.py: SANDBOX_APP_ID / SANDBOX_APP_TOKEN).
SANDBOX_APP_ID = "sandbox-app-id"
SANDBOX_APP_TOKEN = "sandbox-app-token"


def main() -> None:
    os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")  # no network but the sandbox's
    os.environ.setdefault("FASTMCP_SHOW_SERVER_BANNER", "false")
    os.environ.setdefault("FASTMCP_LOG_LEVEL", "WARNING")
    import httpx2
    from fastmcp import FastMCP  # type: ignore[import-not-found, unused-ignore]  # the bench extra

    spec_path, base_url = Path(sys.argv[1]), sys.argv[2]
    app_id = sys.argv[3] if len(sys.argv) > 3 else SANDBOX_APP_ID
    app_token = sys.argv[4] if len(sys.argv) > 4 else SANDBOX_APP_TOKEN
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    client = httpx2.AsyncClient(base_url=base_url, headers={"X-App-Id": app_id, "X-App-Token": app_token}, timeout=60.0)
    server = FastMCP.from_openapi(openapi_spec=spec, client=client, name="voucherify-openapi")
    server.run("stdio", show_banner=False)


if __name__ == "__main__":
    main()
