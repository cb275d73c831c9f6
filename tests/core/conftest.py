"""Provider-neutral tests: the same hermetic environment and seeded sandbox as tests/mcp."""

from tests.ultracart.mcp.conftest import _hermetic_env, sandbox_db, seeded_db  # noqa: F401  (fixtures)
