"""Property test: no request makes the TWC sandbox answer 5xx, and every answer is one a client can read.

There is no OpenAPI for TWC, so hypothesis builds the requests itself, aimed at the 13 endpoints (and the 2024
extras): methods, raw paths made of the service's literal segments, known and random ids and refs (percent-encoded
or not, broken ``%`` escapes, non-UTF-8 bytes, ``id=``/``customerRef=``/``email=`` prefixes), search queries, and
bodies that are customers with fields of every JSON type, addresses, arrays, or no JSON at all; with a valid token,
another tenant's, or none; and the token endpoint with arbitrary forms. Each request goes straight to the ASGI app
(the raw path as sent, not normalised by a client library).

Deterministic and small for CI: ``derandomize`` and a fixed number of cases per test; ``UC_MCP_FUZZ_EXAMPLES=2000``
runs a deeper search locally.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import anyio
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.twc.conftest import TWC_NOW, TWC_OTHER_TENANT, TWC_TENANT
from uc_mcp.twc.sandbox.clock import FixedClock
from uc_mcp.twc.sandbox.runtime import DEMO_TENANTS, Sandbox, SandboxOptions, token_path

EXAMPLES = int(os.environ.get("UC_MCP_FUZZ_EXAMPLES", "500"))
SERVICE = "/services/customerservice/api/v2"
KNOWN_REFS = ("100001", "100003", "ALVAREZ.MX/06", "ACME CORP 01", "HW-0001")

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(SandboxOptions(customers=12, clock=FixedClock(TWC_NOW)))
    yield box
    box.close()


def known(sandbox: Sandbox) -> tuple[list[str], list[str]]:
    """Ids of customers that exist, and of their addresses, so that generated requests reach stored data."""
    people = [*sandbox.store.search(TWC_TENANT, {"lastName": "Smith"})]
    people += sandbox.store.search(TWC_TENANT, {"email": "jane@example.com"})
    return [c["id"] for c in people], [a["id"] for c in people for a in c.get("addresses", [])]


# -- strategies ---------------------------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "25-10-1985", "31-02-2000", "enabled", "2022-32-09 07:32:51", "2023-05-19T03:48:22.075Z"]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FIELDS = (
    "id",
    "email",
    "customerRef",
    "alternateCustomerRef",
    "firstName",
    "lastName",
    "mobile",
    "phone",
    "dob",
    "customer_state",
    "verified_email",
    "active",
    "taxExempt",
    "taxExemptions",
    "accepts_marketing",
    "marketing_preferences_updated_at",
    "addresses",
    "optin_preferences",
    "attributeGroups",
    "defaultAddress",
    "address1",
    "city",
    "countryCode",
    "vipStatus",
)
ADDRESS = st.fixed_dictionaries(
    {},
    optional={
        "address1": st.text(max_size=20),
        "city": scalars,
        "defaultAddress": scalars,
        "id": scalars,
        "countryCode": scalars,
    },
)
OPTIN = st.fixed_dictionaries(
    {},
    optional={
        "email": st.fixed_dictionaries({}, optional={"opt_in_active": scalars, "opted_in_at": scalars}) | scalars,
        "sms": st.fixed_dictionaries({}, optional={"opt_in_active": scalars}) | scalars,
    },
)
GROUPS = st.dictionaries(
    st.text(max_size=8),
    st.fixed_dictionaries(
        {},
        optional={
            "attributes": st.dictionaries(st.text(max_size=8), scalars, max_size=3) | scalars,
            "description": scalars,
        },
    )
    | scalars,
    max_size=3,
)
VALID = {
    "firstName": st.sampled_from(["Jane", "Zoë", "太郎"]),
    "mobile": st.sampled_from(["+61 400 000 000", "0412"]),
    "dob": st.sampled_from(["25-10-1985", "29-02-1992"]),
    "customer_state": st.sampled_from(["enabled", "invited", "disabled", "declined"]),
    "active": st.booleans(),
    "accepts_marketing": st.booleans(),
}
customers = st.fixed_dictionaries(
    {},
    optional={
        **{name: VALID[name] | scalars if name in VALID else scalars for name in FIELDS},
        "email": st.sampled_from(["jane@example.com", "JOHN.SMITH@example.com", "fuzz@example.com"]) | scalars,
        "customerRef": st.sampled_from(KNOWN_REFS) | scalars,
        "addresses": st.lists(ADDRESS | scalars, max_size=3) | scalars,
        "optin_preferences": OPTIN | scalars,
        "attributeGroups": GROUPS | scalars,
        "taxExemptions": st.lists(scalars, max_size=3) | scalars,
    },
)
# Customers the service accepts (mostly): so that writes succeed and later requests meet what they wrote.
VALID_ADDRESS = st.fixed_dictionaries(
    {"address1": st.sampled_from(["1 A St", "Wish Street 3"]), "city": st.sampled_from(["Sydney", "Tokyo"])},
    optional={"defaultAddress": st.booleans(), "countryCode": st.sampled_from(["AU", "NZ"])},
)
valid_customers = st.fixed_dictionaries(
    {"email": st.from_regex(r"[a-z]{1,6}@example\.com", fullmatch=True) | st.sampled_from(["jane@example.com"])},
    optional={
        **VALID,
        "customerRef": st.from_regex(r"[A-Z0-9./ ]{1,6}", fullmatch=True) | st.sampled_from(KNOWN_REFS),
        "addresses": st.lists(VALID_ADDRESS, max_size=2),
        "optin_preferences": st.fixed_dictionaries(
            {},
            optional={
                "email": st.fixed_dictionaries({"opt_in_active": st.booleans()}),
                "sms": st.fixed_dictionaries({"opt_in_active": st.booleans()}),
            },
        ),
        "attributeGroups": st.dictionaries(
            st.sampled_from(["a", "b"]),
            st.fixed_dictionaries(
                {"attributes": st.dictionaries(st.sampled_from(["k", "l"]), st.text(max_size=5), max_size=2)}
            ),
            max_size=2,
        ),
    },
)
valid_body = valid_customers.map(lambda value: json.dumps(value).encode())
# Text with unpaired surrogates: json.dumps escapes them ("\\ud800"), as a careless client would send them.
odd_text = st.text(alphabet=st.characters(categories=["Cs", "Ll"]), max_size=3)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS) | odd_text, odd_text, max_size=3).map(lambda v: json.dumps(v).encode()),
    valid_body,
    valid_body,
    valid_body,
    st.lists(valid_customers, max_size=3).map(lambda value: json.dumps(value).encode()),
    VALID_ADDRESS.map(lambda value: json.dumps(value).encode()),
    customers.map(lambda value: json.dumps(value).encode()),
    st.lists(customers, max_size=3).map(lambda value: json.dumps(value).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=40),
    st.just(b""),
)
raw_values = st.one_of(
    st.sampled_from(KNOWN_REFS).map(lambda ref: quote(ref, safe="")),
    st.text(max_size=20).map(lambda text: quote(text, safe="")),
    st.text(alphabet="abc.%/?#= Zé", max_size=12).map(lambda text: quote(text, safe="%")),  # broken escapes too
    st.sampled_from(["%FF%FE", "%", "%2", "search", "validate", "ref", "address", "id=", "customerRef=", "email="]),
    st.builds(
        lambda prefix, text: prefix + quote(text, safe=""),
        st.sampled_from(["id=", "customerRef=", "email="]),
        st.sampled_from(KNOWN_REFS) | st.text(max_size=10),
    ),
)


# The endpoints as (method, path template): drawn nine times in ten, so that most requests reach a handler.
ENDPOINTS = (
    ("POST", "/customers"),
    ("PUT", "/customers"),
    ("DELETE", "/customers"),
    ("POST", "/upload-customers"),
    ("POST", "/customers/validate"),
    ("GET", "/customers/search"),
    ("PUT", "/customers/id={id}"),
    ("PUT", "/customers/customerRef={ref}"),
    ("PUT", "/customers/email={email}"),
    ("POST", "/customers/{id}/address"),
    ("DELETE", "/customers/{id}/address/{address}"),
    ("GET", "/customers/{id}"),
    ("GET", "/customers/{ref}/ref"),
    ("GET", "/customers/{email}/email"),
    ("GET", "/customers/{ref}/alternateCustomerRef"),
    ("DELETE", "/customers/{id}"),
    ("DELETE", "/customers/{ref}/ref"),
)
SHAPES = ("/customers/{v}/{o}/{v}/{o}", "/{v}", "/customers/{v}/{o}", "/customers/{v}/address/{o}/{v}")


@st.composite
def requests(draw: Any, ids: list[str], addresses: list[str]) -> tuple[str, str]:
    """(method, path): an endpoint with known or odd values, or an odd method or shape."""
    if draw(st.integers(0, 9)):
        method, template = draw(st.sampled_from(ENDPOINTS))
    else:
        method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]))
        template = draw(st.sampled_from(SHAPES + tuple(path for _, path in ENDPOINTS)))
    values = {
        "id": draw(st.sampled_from(ids) | raw_values),
        "ref": draw(st.sampled_from(KNOWN_REFS).map(lambda ref: quote(ref, safe="")) | raw_values),
        "email": draw(st.sampled_from(["jane%40example.com", "JON.SMITH@example.com"]) | raw_values),
        "address": draw(st.sampled_from(addresses) | raw_values),
        "v": draw(raw_values),
        "o": draw(raw_values),
    }
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return method, SERVICE + path


criteria = st.dictionaries(
    st.sampled_from(["email", "firstName", "lastName", "mobile", "phone"]),
    st.sampled_from(["jane@example.com", "JANE@example.com", "Smith", "John", "+1 512 555 0143"]),
    min_size=1,
    max_size=3,
).map(lambda params: "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items()))
queries = st.one_of(
    criteria,
    criteria,
    st.just(""),
    st.dictionaries(
        st.sampled_from(["email", "firstName", "lastName", "mobile", "phone", "id", "customerRef", "x"]),
        st.sampled_from(["jane@example.com", "Smith", "John", "", " ", *KNOWN_REFS]) | st.text(max_size=10),
        max_size=3,
    ).map(lambda params: "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params.items())),
    st.binary(max_size=20).map(lambda raw: raw.decode("latin-1")),
)


# -- driving the app ----------------------------------------------------------------------------------------------


def call(
    sandbox: Sandbox, method: str, raw_path: str | bytes, query: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    raw = raw_path if isinstance(raw_path, bytes) else raw_path.encode("utf-8")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw.decode("latin-1"),
        "raw_path": raw,
        "query_string": query.encode("latin-1", "replace"),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode("latin-1", "replace")) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode())],
        "server": ("sandbox.twc.invalid", 80),
        "client": ("127.0.0.1", 1234),
    }
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(sandbox.asgi, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer_headers = {k.decode().lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], answer_headers, content


def check_readable(status: int, headers: dict[str, str], content: bytes, what: str) -> None:
    assert status < 500, f"{what}: {status} {content[:300]!r}"
    if content:
        assert "json" in headers.get("content-type", ""), what
        payload = json.loads(content)
        if status >= 400 and "problem" in headers["content-type"]:
            assert payload["status"] == status and isinstance(payload["detail"], str), what


def auth_headers(sandbox: Sandbox, who: str) -> dict[str, str]:
    if who == "none":
        return {}
    if who.startswith("garbage:"):  # a token of any Latin-1 text, dots included
        return {"Authorization": "Bearer " + who[8:], "X-TWC-Tenant": TWC_TENANT}
    token = sandbox.tokens.issue(TWC_OTHER_TENANT if who == "other" else TWC_TENANT)
    return {"Authorization": f"Bearer {token}", "X-TWC-Tenant": TWC_TENANT, "Content-Type": "application/json"}


def decodes(path: str) -> bool:
    try:
        for part in path.split("/"):
            unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_no_service_request_gets_a_5xx(sandbox: Sandbox) -> None:
    ids, addresses = known(sandbox)

    @FUZZ
    @given(
        request=requests(ids, addresses),
        query=queries,
        body=bodies,
        who=st.sampled_from(["valid"] * 8 + ["other", "none"])
        | st.text(alphabet=st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=12).map(
            lambda text: "garbage:" + text
        ),
    )
    def run(request: tuple[str, str], query: str, body: bytes, who: str) -> None:
        method, path = request
        what = f"{method} {path}?{query} {body[:120]!r}"
        status, headers, content = call(sandbox, method, path, query, body, auth_headers(sandbox, who))
        check_readable(status, headers, content, what)
        if who != "valid":
            # A path that is not valid percent-encoded UTF-8 is refused before anything else (400), as a servlet
            # container refuses a malformed URI before any filter runs; everything else needs the token first.
            assert status in (401, 404) or (status == 400 and not decodes(path)), what

    run()


def test_no_raw_path_gets_a_5xx(sandbox: Sandbox) -> None:
    """Bytes a client library would never send: non-UTF-8, control characters, empty segments."""

    @FUZZ
    @given(raw=st.binary(max_size=30), method=st.sampled_from(["GET", "PUT", "DELETE", "POST"]))
    def run(raw: bytes, method: str) -> None:
        path = SERVICE.encode() + b"/customers/" + raw.replace(b"?", b"")
        status, headers, content = call(sandbox, method, path, "", b"{}", auth_headers(sandbox, "valid"))
        check_readable(status, headers, content, repr(path))

    run()


def test_no_token_request_gets_a_5xx(sandbox: Sandbox) -> None:
    client_id, secret = DEMO_TENANTS[TWC_TENANT]

    @FUZZ
    @given(
        realm=st.sampled_from([TWC_TENANT, TWC_OTHER_TENANT, "nobody"])
        | st.text(max_size=8).map(lambda t: quote(t, safe="")),
        form=st.dictionaries(
            st.sampled_from(["grant_type", "client_id", "client_secret", "scope"]),
            st.sampled_from(["client_credentials", client_id, secret, "", "password"]) | st.text(max_size=8),
            max_size=4,
        ),
        raw=st.none() | st.binary(max_size=30),
        basic=st.none() | st.text(max_size=20),
    )
    def run(realm: str, form: dict[str, str], raw: bytes | None, basic: str | None) -> None:
        body = raw if raw is not None else "&".join(f"{k}={quote(v, safe='')}" for k, v in form.items()).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if basic is not None:
            headers["Authorization"] = f"Basic {basic}"
        status, _, content = call(sandbox, "POST", token_path(realm), "", body, headers)
        assert status < 500, (realm, form, raw, basic)
        if status == 200:
            assert json.loads(content)["token_type"] == "Bearer"
        elif content:
            assert "error" in json.loads(content)

    run()
