"""uc-mcp: an MCP server giving AI assistants typed, safe access to a store's customers."""

__version__ = "0.1.0"
