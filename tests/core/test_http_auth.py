"""http_auth.py: named bearer tokens."""

from __future__ import annotations

import json

import pytest

from tests.ultracart.mcp.conftest import make_settings
from uc_mcp.http_auth import TokenConfigError, load_tokens


def test_a_named_token_cannot_take_the_name_of_the_single_token() -> None:
    """The name is the audit actor and owns exports: two tokens sharing it would share both."""
    settings = make_settings(
        http_token="single-token-0123456789",
        http_tokens=json.dumps({"default": {"token": "named-token-0123456789", "scope": "read-only"}}),
    )
    with pytest.raises(TokenConfigError, match='"default" is taken by UC_MCP_HTTP_TOKEN'):
        load_tokens(settings)
    alone = make_settings(http_tokens=json.dumps({"default": {"token": "named-token-0123456789"}}))
    assert [principal.name for principal in load_tokens(alone).values()] == ["default"]
