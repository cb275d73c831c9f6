"""A value put into a request's path stays exactly one segment, or is refused by name before anything is sent
(core/paths.py; the outside check's D1: a customer_id of "." read the customer list, ".." the API's root).

The class of bug is every API method that puts a caller's text into a path, in every provider: each is listed here
(and a test holds the list to the clients' signatures), and each refuses the dot segments without a request.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from uc_mcp.core.paths import DOT_SEGMENT_PROBLEM, one_segment, path_segment
from uc_mcp.ultracart.api import UltraCartApi
from uc_mcp.voucherify import models as vm
from uc_mcp.voucherify.api import VoucherifyApi

pytestmark = pytest.mark.anyio

DOT_SEGMENTS = (".", "..")
TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40)  # no lone surrogates: JSON's


@given(value=TEXT.filter(lambda text: text not in DOT_SEGMENTS))
def test_any_other_text_is_one_segment_as_the_http_client_sends_it(value: str) -> None:
    url = httpx2.URL(f"https://api.example.com/v1/customers/{path_segment(value, 'customer_id', safe='@')}/activity")
    segments = url.raw_path.decode("ascii").split("?", 1)[0].split("/")
    assert [unquote(segment) for segment in segments] == ["", "v1", "customers", value, "activity"]


@pytest.mark.parametrize("value", [*DOT_SEGMENTS, ""])
def test_dot_segments_and_nothing_are_refused_by_the_fields_name(value: str) -> None:
    with pytest.raises(ValueError, match=r"^email: ") as refused:
        path_segment(value, "email", safe="@+")
    assert value == "" or str(refused.value) == f"email: {DOT_SEGMENT_PROBLEM}"


def test_the_input_validator_refuses_only_the_dot_segments() -> None:
    for value in DOT_SEGMENTS:
        with pytest.raises(ValueError, match="folder steps"):
            one_segment(value)
    assert [one_segment(value) for value in ("...", ".a", "a.", "./", "%2e")] == ["...", ".a", "a.", "./", "%2e"]


# -- every provider's API methods that take a path segment ----------------------------------------------------------


class Recorder:
    """Stands in for the HTTP core: records each request and answers an empty list."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.stats = SimpleNamespace(retries=0)  # read by the deleting operations (core/api.py)

    async def request(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        self.paths.append(path)
        return {"data": []}


Call = Callable[[Any, str], Awaitable[Any]]
# (client class, method, the parameter that becomes a path segment) -> a call with the rest of its arguments.
PATH_PARAMETERS: Mapping[tuple[type[Any], str, str], Call] = {
    (VoucherifyApi, "get_customer", "customer_id"): lambda api, text: api.get_customer(text),
    (VoucherifyApi, "customer_record", "customer_id"): lambda api, text: api.customer_record(text),
    (VoucherifyApi, "update_customer", "customer_id"): lambda api, text: api.update_customer(
        text, vm.CustomerUpdate(name="A")
    ),
    (VoucherifyApi, "delete_customer", "customer_id"): lambda api, text: api.delete_customer(text),
    (VoucherifyApi, "customer_permanently_deletion", "customer_id"): lambda api, text: (
        api.customer_permanently_deletion(text)
    ),
    (VoucherifyApi, "list_customer_activity", "customer_id"): lambda api, text: api.list_customer_activity(text),
    (VoucherifyApi, "activity_page", "customer_id"): lambda api, text: api.activity_page(text, 1),
    (VoucherifyApi, "list_customer_segments", "customer_id"): lambda api, text: api.list_customer_segments(text),
    (VoucherifyApi, "list_customer_redeemables", "customer_id"): lambda api, text: api.list_customer_redeemables(text),
    (VoucherifyApi, "redeemables_page", "customer_id"): lambda api, text: api.redeemables_page(text, 1),
    (VoucherifyApi, "get_async_action", "async_action_id"): lambda api, text: api.get_async_action(text),
    (UltraCartApi, "customer_record", "email"): lambda api, text: api.customer_record(email=text),
    (UltraCartApi, "get_customer_by_email", "email"): lambda api, text: api.get_customer_by_email(text),
    (UltraCartApi, "get_magic_link", "storefront_host_name"): lambda api, text: api.get_magic_link(1, text),
}
# The parameters of the clients' operations that hold a caller's text for the path (the rest go in the query or the
# body, or are integers).
PATH_TEXT = frozenset({"customer_id", "async_action_id", "email", "storefront_host_name"})


def test_every_method_that_puts_text_into_a_path_is_listed() -> None:
    found = {
        (client, name, parameter)
        for client in (VoucherifyApi, UltraCartApi)
        for name, method in inspect.getmembers(client, inspect.iscoroutinefunction)
        for parameter in inspect.signature(method).parameters
        if parameter in PATH_TEXT
    }
    assert found == set(PATH_PARAMETERS)


@pytest.mark.parametrize("value", DOT_SEGMENTS)
@pytest.mark.parametrize(
    ("client", "call", "parameter"),
    [(client, call, parameter) for (client, _, parameter), call in PATH_PARAMETERS.items()],
    ids=[f"{client.__name__}.{name}" for client, name, _ in PATH_PARAMETERS],
)
async def test_a_dot_segment_is_refused_before_any_request(
    client: type[Any], call: Call, parameter: str, value: str
) -> None:
    http = Recorder()
    with pytest.raises(ValueError, match=rf"^{parameter}: not an id"):
        await call(client(http), value)
    assert http.paths == []
    await call(client(http), "a/b")  # the stand-in sees an ordinary id: the refusal above was the path's
    assert "/a%2Fb" in http.paths[0]
