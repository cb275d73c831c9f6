"""``uc-mcp config [HOST]``: the configuration block an MCP host needs to start this install.

The command is this interpreter's absolute path with ``-m uc_mcp serve`` — it works from a
virtualenv without activating it, and hosts start servers with an empty ``PATH``-less environment.
With no UltraCart credential configured (environment or ``.env``) the block runs the embedded
sandbox, which works as printed; with one, the block is for the real store. Secrets are never
inlined unless asked (``--include-secrets``): the block carries a placeholder the user replaces, so
the output can be pasted into a chat or an issue safely — and a placeholder left in makes every
tool answer with a configuration error naming the variable, never a server that will not start.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Final, Literal

Host = Literal["claude-desktop", "cursor", "vscode", "claude-code"]
HOSTS: Final = ("claude-desktop", "cursor", "vscode", "claude-code")
SECRET_VARIABLES: Final = ("ULTRACART_API_KEY", "ULTRACART_OAUTH_TOKEN", "UC_MCP_CONFIRM_SECRET", "UC_MCP_HTTP_TOKEN")
CREDENTIALS: Final = ("ULTRACART_API_KEY", "ULTRACART_OAUTH_TOKEN")
PLACEHOLDERS: Final = {
    "ULTRACART_API_KEY": "<your UltraCart simple key>",
    "ULTRACART_OAUTH_TOKEN": "<your UltraCart OAuth token>",
}
PLACEHOLDER: Final = PLACEHOLDERS["ULTRACART_API_KEY"]
# Where each host keeps the block (it reads it at start: restart the host after editing).
WHERE_IT_GOES: Final = {
    "claude-desktop": "Put it in claude_desktop_config.json: ~/Library/Application Support/Claude/ on macOS, "
    "%APPDATA%\\Claude\\ on Windows (Settings > Developer > Edit Config opens it).",
    "cursor": "Put it in ~/.cursor/mcp.json (every project) or .cursor/mcp.json in a project.",
    "vscode": "Put it in .vscode/mcp.json in the workspace.",
    "claude-code": "Run the line in a shell: `claude mcp add` writes Claude Code's configuration.",
}
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


# Paths are made absolute: the host starts the server in a directory of its own.
PATHS: Final = ("UC_MCP_AUDIT_LOG", "UC_MCP_EXPORT_DIR", "UC_MCP_SANDBOX_DB")


def configured_environment(dotenv: Path | None = None) -> dict[str, str]:
    """The settings this install runs with, by variable name: the ``.env`` file of the working
    directory overlaid by the environment, empty values left out — as the settings read them. A
    host starts the server elsewhere, without this directory's ``.env``: the block must carry them."""
    from dotenv import dotenv_values

    dotenv = Path(".env") if dotenv is None else dotenv
    values = {name.upper(): value for name, value in dotenv_values(dotenv).items() if value} if dotenv.is_file() else {}
    values.update({name.upper(): value for name, value in os.environ.items() if value})
    return {name: os.path.abspath(value) if name in PATHS else value for name, value in values.items()}


def has_credential(environ: dict[str, str]) -> bool:
    return any(environ.get(name) for name in CREDENTIALS)


def server_environment(sandbox: bool, include_secrets: bool, environ: dict[str, str] | None = None) -> dict[str, str]:
    environ = configured_environment() if environ is None else dict(environ)
    if sandbox:  # an ULTRACART_* variable would select the real API: the sandbox block carries none
        env = {name: environ[name] for name in CARRIED if environ.get(name) and not name.startswith("ULTRACART_")}
        env["UC_MCP_BACKEND"] = "sandbox"
        return env
    env = {name: environ[name] for name in CARRIED if environ.get(name)}
    credential = next((name for name in CREDENTIALS if environ.get(name)), "ULTRACART_API_KEY")
    env[credential] = environ[credential] if include_secrets and environ.get(credential) else PLACEHOLDERS[credential]
    for name in SECRET_VARIABLES[2:3]:
        if environ.get(name):
            env[name] = environ[name] if include_secrets else f"<your {name}>"
    return env


def setup_notes(host: Host, sandbox: bool, asked_for_sandbox: bool, env: dict[str, str]) -> list[str]:
    """What the person pasting the block needs to know, for stderr (the block alone goes to stdout)."""
    notes = [WHERE_IT_GOES[host]]
    if sandbox and not asked_for_sandbox:
        notes.append(
            "No UltraCart credential is configured here (ULTRACART_API_KEY or ULTRACART_OAUTH_TOKEN, in the "
            "environment or .env), so this block runs the embedded sandbox: demo data, no account needed. For a "
            "real store, set one and run this command again (add --include-secrets to inline it)."
        )
    placeholders = [name for name, value in env.items() if value.startswith("<your ")]
    if placeholders:
        notes.append(
            f"Replace the placeholder of {', '.join(placeholders)} with the real value (or run again with "
            "--include-secrets); left in, every tool answers with a configuration error naming it."
        )
    notes.append("Restart the host after editing: it reads its configuration only when it starts.")
    return notes


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
