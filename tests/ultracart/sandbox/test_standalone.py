"""The sandbox as a standalone server over a real socket: ``uc-mcp sandbox``."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.servers import sandbox_server
from tests.ultracart.conformance import check_response

HEADERS = {"X-UltraCart-Api-Version": "2017-03-01", "x-ultracart-simple-key": "sandbox-key"}


def _checked(client: httpx2.Client, method: str, url: str, **kwargs: object) -> httpx2.Response:
    response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    check_response(method, httpx2.URL(url).path, response.status_code, response.content)
    return response


def test_walk_of_1000_customers_over_a_socket(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    with sandbox_server(db, "--customers", "1000") as base, httpx2.Client(headers=HEADERS, timeout=10) as client:
        seen: list[int] = []
        offset, totals = 0, set()
        while True:
            body = _checked(client, "GET", f"{base}/customer/customers?_limit=200&_offset={offset}").json()
            result_set = body["metadata"]["result_set"]
            totals.add(result_set["total_records"])
            seen += [customer["customer_profile_oid"] for customer in body["customers"]]
            if not result_set["more"]:
                break
            offset = result_set["next_offset"]
        assert len(seen) == 1000
        assert len(set(seen)) == 1000
        assert totals == {1000}


def test_reopening_never_reseeds_and_two_processes_share_one_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    with sandbox_server(db, "--customers", "40"):
        pass
    # A different --customers on an existing file changes nothing.
    with (
        sandbox_server(db, "--customers", "5") as first,
        sandbox_server(db) as second,
        httpx2.Client(headers=HEADERS, timeout=10) as client,
    ):
        count = _checked(client, "GET", f"{second}/customer/customers?_limit=1").json()
        assert count["metadata"]["result_set"]["total_records"] == 40
        created = _checked(
            client, "POST", f"{first}/customer/customers", json={"email": "Shared.Process@Example.com"}
        ).json()["customer"]
        # The other process sees the write at once (one SQLite file in WAL mode).
        fetched = _checked(client, "GET", f"{second}/customer/customers/by_email/shared.process@example.com").json()[
            "customer"
        ]
        assert fetched["customer_profile_oid"] == created["customer_profile_oid"]
        count = _checked(client, "GET", f"{first}/customer/customers?_limit=1").json()
        assert count["metadata"]["result_set"]["total_records"] == 41


def test_reopening_leaves_the_data_untouched(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "untouched.sqlite3"
    with sandbox_server(db, "--customers", "30"):
        pass

    def snapshot() -> list[tuple[object, ...]]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT oid, doc FROM customer ORDER BY oid").fetchall()

    before = snapshot()
    with sandbox_server(db, "--customers", "3", "--seed", "9") as base, httpx2.Client(headers=HEADERS) as client:
        listed = _checked(client, "GET", f"{base}/customer/customers?_limit=200").json()
        assert [c["customer_profile_oid"] for c in listed["customers"]] == [oid for oid, _ in before]
    assert snapshot() == before
    assert len(before) == 30


@pytest.mark.parametrize("kind", ["reset", "timeout"])
def test_wire_faults_act_on_the_socket(tmp_path: Path, kind: str) -> None:
    """On the wire a reset drops the connection and a timeout stalls past the client's timeout."""
    db = tmp_path / "faults.sqlite3"
    args = ["--customers", "5", "--fault-rate", "1", "--fault-kinds", kind, "--fault-timeout-s", "3"]
    with sandbox_server(db, *args) as base, httpx2.Client(headers=HEADERS, timeout=0.5) as client:
        expected = httpx2.ReadTimeout if kind == "timeout" else (httpx2.RemoteProtocolError, httpx2.ReadError)
        with pytest.raises(expected):
            client.get(f"{base}/customer/customers/100001")


def test_rate_limit_answers_429_like_ultracart(tmp_path: Path) -> None:
    db = tmp_path / "limited.sqlite3"
    with sandbox_server(db, "--customers", "5", "--rate-limit", "2") as base:
        with httpx2.Client(headers=HEADERS, timeout=5) as client:
            statuses = [client.get(f"{base}/customer/customers/100001") for _ in range(3)]
        assert statuses[0].status_code == 200
        limited = [response for response in statuses if response.status_code == 429]
        assert limited, "a burst above the rate must draw 429"
        assert limited[0].headers["UC-REST-ERROR"] == "rate of 2 per 1 second(s) exceeded."
        assert limited[0].json()["error"]["error_code"] == "429"


def test_request_text_that_no_header_can_carry_gets_an_answer(tmp_path: Path) -> None:
    """Was: an unknown ``_sort`` field was copied into UC-REST-ERROR, and a NUL in it made the server drop
    the connection without an answer."""
    db = tmp_path / "headers.sqlite3"
    with sandbox_server(db, "--customers", "5") as base, httpx2.Client(headers=HEADERS, timeout=10) as client:
        for sort in ("%2Bemail%00", "%00", "%2Ba%0D%0ASet-Cookie:%20x=1"):
            response = _checked(client, "GET", f"{base}/customer/customers?_sort={sort}")
            assert response.status_code == 400
            assert "set-cookie" not in response.headers
            assert response.json()["error"]["user_message"].startswith("Invalid _sort")
