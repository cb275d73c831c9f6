"""``python -m uc_mcp`` — the same as the ``uc-mcp`` command."""

from uc_mcp.start import main

if __name__ == "__main__":
    raise SystemExit(main())
