"""``uc-mcp config [HOST]``: the configuration block an MCP host needs to start this install.

The command is this interpreter's absolute path with ``-m uc_mcp serve`` — it works from a
virtualenv without activating it, and hosts start servers with an empty ``PATH``-less environment.
With no provider's credential configured (environment or ``.env``) the block runs the embedded
sandboxes, which work as printed; with some, the block is for those real stores (each provider names its
credential variables and placeholders: ``Provider.credential_variables``). Secrets are never
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
SERVER_SECRETS: Final = ("UC_MCP_CONFIRM_SECRET",)  # carried as a placeholder unless --include-secrets
# Where each host keeps the block (it reads it at start: restart the host after editing).
WHERE_IT_GOES: Final = {
    "claude-desktop": "Put it in claude_desktop_config.json: ~/Library/Application Support/Claude/ on macOS, "
    "%APPDATA%\\Claude\\ on Windows (Settings > Developer > Edit Config opens it).",
    "cursor": "Put it in ~/.cursor/mcp.json (every project) or .cursor/mcp.json in a project.",
    "vscode": "Put it in .vscode/mcp.json in the workspace.",
    "claude-code": "Run the line in a shell: `claude mcp add` writes Claude Code's configuration.",
}
# The server's own settings worth carrying into the host's environment when they are set here (each provider adds
# its own: Provider.carried_variables).
SERVER_CARRIED: Final = (
    "UC_MCP_PROVIDERS",
    "UC_MCP_READ_ONLY",
    "UC_MCP_TOOLSETS",
    "UC_MCP_DYNAMIC_TOOLSETS",
    "UC_MCP_REDACT",
    "UC_MCP_MAX_CREDIT",
    "UC_MCP_MAX_RESULT_TOKENS",
    "UC_MCP_AUDIT_LOG",
    "UC_MCP_EXPORT_DIR",
)
SERVER_PATHS: Final = ("UC_MCP_AUDIT_LOG", "UC_MCP_EXPORT_DIR")


def _providers() -> tuple[Any, ...]:
    from .providers import all_providers

    return all_providers()


def carried() -> tuple[str, ...]:
    return SERVER_CARRIED + tuple(name for provider in _providers() for name in provider.carried_variables)


def paths() -> tuple[str, ...]:
    return SERVER_PATHS + tuple(name for provider in _providers() for name in provider.path_variables)


def _credentials(provider: Any, environ: dict[str, str]) -> list[str]:
    return [name for name in provider.credential_variables if environ.get(name)]


def _prefixes() -> tuple[str, ...]:
    return tuple(provider.settings.ENV_PREFIX for provider in _providers() if provider.settings.ENV_PREFIX)


def configured_environment(dotenv: Path | None = None) -> dict[str, str]:
    """The settings this install runs with, by variable name: the ``.env`` file of the working
    directory overlaid by the environment, empty values left out — as the settings read them. A
    host starts the server elsewhere, without this directory's ``.env``: the block must carry them."""
    from dotenv import dotenv_values

    dotenv = Path(".env") if dotenv is None else dotenv
    values = {name.upper(): value for name, value in dotenv_values(dotenv).items() if value} if dotenv.is_file() else {}
    values.update({name.upper(): value for name, value in os.environ.items() if value})
    absolute = paths()
    return {name: os.path.abspath(value) if name in absolute else value for name, value in values.items()}


def has_credential(environ: dict[str, str]) -> bool:
    return any(_credentials(provider, environ) for provider in _providers())


def server_environment(sandbox: bool, include_secrets: bool, environ: dict[str, str] | None = None) -> dict[str, str]:
    environ = configured_environment() if environ is None else dict(environ)
    wanted = carried()
    if sandbox:  # a provider's variable would select its real API: the sandbox block carries none of them
        prefixes = _prefixes()
        env = {name: environ[name] for name in wanted if environ.get(name) and not name.startswith(prefixes)}
        env.pop("UC_MCP_PROVIDERS", None)  # every provider on its sandbox
        env["UC_MCP_BACKEND"] = "sandbox"
        return env
    env = {name: environ[name] for name in wanted if environ.get(name)}
    configured = [provider for provider in _providers() if _credentials(provider, environ)] or list(_providers())[:1]
    for provider in configured:
        names = _credentials(provider, environ) or list(provider.credential_variables)[:1]
        for name in names[:1]:  # one credential per provider: its first set (a key, or else a token)
            given = environ.get(name)
            env[name] = given if include_secrets and given else provider.credential_variables[name]
    for name in SERVER_SECRETS:
        if environ.get(name):
            env[name] = environ[name] if include_secrets else f"<your {name}>"
    return env


def setup_notes(host: Host, sandbox: bool, asked_for_sandbox: bool, env: dict[str, str]) -> list[str]:
    """What the person pasting the block needs to know, for stderr (the block alone goes to stdout)."""
    notes = [WHERE_IT_GOES[host]]
    if sandbox and not asked_for_sandbox:
        needs = "; ".join(f"{provider.title}: {provider.credentials_hint}" for provider in _providers())
        notes.append(
            f"No credential is configured here ({needs}, in the environment or .env), so this block runs the "
            "embedded sandbox: demo data, no account needed. For a real store, set one and run this command again "
            "(add --include-secrets to inline it)."
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
