"""``uc-mcp config HOST``: the configuration block an MCP host needs to start this install.

The command is this interpreter's absolute path with ``-m uc_mcp serve`` — it works from a
virtualenv without activating it, and hosts start servers with an empty ``PATH``-less environment.
Secrets are never inlined unless asked (``--include-secrets``): the block carries a placeholder
the user replaces, so the output can be pasted into a chat or an issue safely.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Final, Literal

Host = Literal["claude-desktop", "cursor", "vscode", "claude-code"]
HOSTS: Final = ("claude-desktop", "cursor", "vscode", "claude-code")
SECRET_VARIABLES: Final = ("ULTRACART_API_KEY", "ULTRACART_OAUTH_TOKEN", "UC_MCP_CONFIRM_SECRET", "UC_MCP_HTTP_TOKEN")
PLACEHOLDER: Final = "<your UltraCart simple key>"
# Settings worth carrying into the host's environment when they are set here.
CARRIED: Final = (
    "ULTRACART_BASE_URL",
    "UC_MCP_READ_ONLY",
    "UC_MCP_TOOLSETS",
    "UC_MCP_REDACT",
    "UC_MCP_MAX_CREDIT",
    "UC_MCP_MAX_RESULT_TOKENS",
    "UC_MCP_AUDIT_LOG",
    "UC_MCP_EXPORT_DIR",
    "UC_MCP_SANDBOX_DB",
)


def server_environment(sandbox: bool, include_secrets: bool, environ: dict[str, str] | None = None) -> dict[str, str]:
    environ = dict(os.environ if environ is None else environ)
    env = {name: environ[name] for name in CARRIED if environ.get(name)}
    if sandbox:
        env["UC_MCP_BACKEND"] = "sandbox"
        return env
    credential = next((name for name in SECRET_VARIABLES[:2] if environ.get(name)), "ULTRACART_API_KEY")
    env[credential] = environ[credential] if include_secrets and environ.get(credential) else PLACEHOLDER
    for name in SECRET_VARIABLES[2:3]:
        if environ.get(name):
            env[name] = environ[name] if include_secrets else f"<your {name}>"
    return env


def host_block(host: Host, sandbox: bool, include_secrets: bool, environ: dict[str, str] | None = None) -> str:
    env = server_environment(sandbox, include_secrets, environ)
    command, args = sys.executable, ["-m", "uc_mcp", "serve"]
    entry: dict[str, Any] = {"command": command, "args": args, "env": env}
    if host == "claude-code":
        flags = " ".join(f"--env {name}={_quote(value)}" for name, value in env.items())
        return f"claude mcp add uc-mcp {flags} -- {_quote(command)} {' '.join(args)}".replace("  ", " ")
    if host == "vscode":  # .vscode/mcp.json
        return json.dumps({"servers": {"uc-mcp": {"type": "stdio", **entry}}}, indent=2)
    # Claude Desktop (claude_desktop_config.json) and Cursor (~/.cursor/mcp.json) share this shape.
    return json.dumps({"mcpServers": {"uc-mcp": entry}}, indent=2)


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)
