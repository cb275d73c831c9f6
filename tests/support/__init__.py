"""What the tests of every provider share: MCP fixtures (``mcp.py``), checks of answers against an OpenAPI subset
(``openapi.py``) and the property test that fuzzes a sandbox from its spec (``fuzz.py``)."""
