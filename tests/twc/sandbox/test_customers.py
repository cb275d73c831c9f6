"""The customer service's behaviour, bullet by bullet of issue 19: routing, percent-decoding, create and its
uniqueness (400, never 409), upload, validate, the three update flavours and partial updates, addresses, search,
deletes that keep de-identified wishlists, the field types the reference settles, and tenants that never meet."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from tests.twc.conftest import TWC_OTHER_TENANT, TWC_TENANT
from uc_mcp.twc.sandbox.runtime import SERVICE_PATH, Sandbox

pytestmark = pytest.mark.anyio

CUSTOMERS = SERVICE_PATH + "/customers"


def segment(value: str) -> str:
    return quote(value, safe="")


async def jane(api: httpx2.AsyncClient) -> dict[str, Any]:
    found = (await api.get(CUSTOMERS + "/search", params={"email": "jane@example.com"})).json()
    assert len(found) == 1
    return dict(found[0])


async def create(api: httpx2.AsyncClient, **fields: Any) -> dict[str, Any]:
    answer = await api.post(CUSTOMERS, json={"email": "new.person@example.com", **fields})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def assert_problem(answer: httpx2.Response, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status and body["title"] and body["message"] == f"error.http.{status}"
    for word in words:
        assert word in body["detail"], body["detail"]


# -- routing -----------------------------------------------------------------------------------------------------


async def test_literal_segments_and_the_ref_suffix_route_before_the_catch_all_id(twc_api: httpx2.AsyncClient) -> None:
    assert (await twc_api.get(CUSTOMERS + "/search", params={"lastName": "Doe"})).status_code == 200
    assert (await twc_api.post(CUSTOMERS + "/validate", json={"email": "a@b.c"})).status_code == 200
    assert (await twc_api.get(CUSTOMERS + "/100001/ref")).json()["email"] == "jane@example.com"
    # The literals with another method: the path is known, the method is not (405), never a lookup of id "search".
    assert_problem(await twc_api.post(CUSTOMERS + "/search", json={}), 405)
    assert_problem(await twc_api.put(CUSTOMERS + "/validate", json={}), 405)
    assert_problem(await twc_api.put(CUSTOMERS + "/some-id", json={}), 405)  # PUT needs id=/customerRef=/email=
    assert_problem(await twc_api.get(CUSTOMERS + "/x/unknown-suffix"), 404)


async def test_a_trailing_slash_is_accepted(twc_api: httpx2.AsyncClient) -> None:
    customer = await jane(twc_api)
    assert (await twc_api.get(f"{CUSTOMERS}/{customer['id']}/")).status_code == 200
    assert (await twc_api.post(CUSTOMERS + "/", json={"email": "slash@example.com"})).status_code == 201


@pytest.mark.parametrize("ref", ["ALVAREZ.MX/06", "ACME CORP 01", "50%/off?#frag", "ünïcødé"])
async def test_path_values_are_percent_decoded_and_stay_one_segment(twc_api: httpx2.AsyncClient, ref: str) -> None:
    """The demo's José and Acme have such refs; the others are given to a new customer first."""
    if (await twc_api.get(f"{CUSTOMERS}/{segment(ref)}/ref")).status_code == 404:
        await create(twc_api, customerRef=ref)
    found = await twc_api.get(f"{CUSTOMERS}/{segment(ref)}/ref")
    assert found.status_code == 200 and found.json()["customerRef"] == ref
    updated = await twc_api.put(f"{CUSTOMERS}/customerRef={segment(ref)}", json={"firstName": "Renamed"})
    assert updated.status_code == 200 and updated.json()["customerRef"] == ref
    assert updated.json()["firstName"] == "Renamed"
    by_id = await twc_api.put(f"{CUSTOMERS}/id={segment(found.json()['id'])}", json={"lastName": "Again"})
    assert by_id.status_code == 200 and by_id.json()["customerRef"] == ref


async def test_an_id_with_dots_is_one_value(twc_api: httpx2.AsyncClient) -> None:
    """Spring's ``{id:.*}``: nothing after a dot is taken for a file extension."""
    assert_problem(await twc_api.put(f"{CUSTOMERS}/id=a.b.json", json={"firstName": "X"}), 404)
    customer = await jane(twc_api)
    renamed = await twc_api.put(f"{CUSTOMERS}/id={customer['id']}", json={"firstName": "Janet"})
    assert renamed.json()["firstName"] == "Janet"


# -- create, upload, validate -------------------------------------------------------------------------------------


async def test_create_answers_201_with_the_customer(twc_api: httpx2.AsyncClient) -> None:
    created = await create(twc_api, customerRef="NEW-1", firstName="Nova", mobile="0412 555 000")
    assert created["customerRef"] == "NEW-1" and created["mobile"] == "0412 555 000"
    assert created["customer_state"] == "enabled" and created["active"] is True  # the defaults TWC shows
    assert created["createdDate"] == created["lastModifiedDate"]
    assert (await twc_api.get(f"{CUSTOMERS}/{created['id']}")).json() == created


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "JANE@example.com"}, "email"),  # emails compare case-insensitively
        ({"email": "other@example.com", "customerRef": "100001"}, "customerRef"),
        ({"email": "other@example.com", "alternateCustomerRef": "LOYALTY-88120"}, "alternateCustomerRef"),
    ],
)
async def test_a_duplicate_identifier_is_400_never_409(
    twc_api: httpx2.AsyncClient, fields: dict[str, str], field: str
) -> None:
    assert_problem(await twc_api.post(CUSTOMERS, json=fields), 400, field, "unique")


async def test_email_is_the_one_mandatory_field(twc_api: httpx2.AsyncClient) -> None:
    assert_problem(await twc_api.post(CUSTOMERS, json={"firstName": "No Email"}), 400, "email", "required")
    assert_problem(await twc_api.post(CUSTOMERS, json={"email": "  "}), 400, "email")
    assert_problem(await twc_api.post(CUSTOMERS + "/validate", json={"firstName": "x"}), 400, "email")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mobile": True}, "mobile"),  # the seed's table says boolean; it is a string
        ({"phone": 61400000000}, "phone"),
        ({"customer_state": ["enabled"]}, "customer_state"),  # the seed's table says list; it is one string
        ({"customer_state": "active"}, "customer_state"),
        ({"dob": "1985-10-25"}, "dob"),  # DD-MM-YYYY, not ISO
        ({"dob": "31-02-1990"}, "dob"),
        ({"accepts_marketing": "yes"}, "accepts_marketing"),
        ({"addresses": {"city": "x"}}, "addresses"),
        ({"addresses": [{"city": ["Sydney"]}]}, "addresses[0].city"),
        ({"optin_preferences": {"sms": {"opt_in_active": "true"}}}, "optin_preferences.sms.opt_in_active"),
        ({"attributeGroups": {"g": {"attributes": {"k": 1}}}}, "attributeGroups"),
        ({"marketing_preferences_updated_at": "2022-32-09 07:32:51"}, "marketing_preferences_updated_at"),
        ({"taxExemptions": "GST"}, "taxExemptions"),
    ],
)
async def test_a_wrong_type_is_400_naming_the_field_never_the_value(
    twc_api: httpx2.AsyncClient, body: dict[str, Any], field: str
) -> None:
    answer = await twc_api.post(CUSTOMERS, json={"email": "typed@example.com", **body})
    assert_problem(answer, 400, field)
    assert "Sydney" not in answer.text and "GST" not in answer.text and "2022-32-09" not in answer.text
    assert (await twc_api.post(CUSTOMERS + "/validate", json={"email": "typed@example.com", **body})).status_code == 400


@pytest.mark.parametrize("raw", [b"", b"{", b"[" * 100_000, b"null", b'"text"'])
async def test_a_body_that_is_no_customer_is_400(twc_api: httpx2.AsyncClient, raw: bytes) -> None:
    answer = await twc_api.post(CUSTOMERS, content=raw, headers={"Content-Type": "application/json"})
    assert_problem(answer, 400, "body")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"email": "\\ud800@example.com"}',
        b'{"email": "a@example.com", "addresses": [{"city": "\\udfff"}]}',
        b'{"email": "a@example.com", "attributeGroups": {"\\ud800": {"attributes": {}}}}',
        b'[{"email": "a@example.com", "firstName": "x\\udc00y"}]',
    ],
)
async def test_an_unpaired_surrogate_anywhere_in_a_body_is_400(twc_api: httpx2.AsyncClient, raw: bytes) -> None:
    """JSON may escape half a UTF-16 pair (``\\ud800``); no text can hold it, so it is bad input, not a 5xx."""
    path = SERVICE_PATH + "/upload-customers" if raw.startswith(b"[") else CUSTOMERS
    assert_problem(await twc_api.post(path, content=raw), 400, "body")


async def test_a_body_over_the_limit_is_413(twc_api: httpx2.AsyncClient) -> None:
    answer = await twc_api.post(CUSTOMERS, content=b" " * (1024 * 1024 + 1))
    assert_problem(answer, 413, "body")


async def test_dob_mobile_and_state_keep_their_text(twc_api: httpx2.AsyncClient) -> None:
    created = await create(
        twc_api, dob="01-02-2003", mobile="+61 400 000 000", phone="02 9999 9999", customer_state="invited"
    )
    assert (created["dob"], created["mobile"], created["phone"]) == ("01-02-2003", "+61 400 000 000", "02 9999 9999")
    assert created["customer_state"] == "invited"


async def test_default_address_is_response_only(twc_api: httpx2.AsyncClient) -> None:
    created = await create(
        twc_api,
        defaultAddress={"address1": "Ignored St", "city": "Nowhere"},
        addresses=[
            {"address1": "1 A St", "city": "Sydney"},
            {"address1": "2 B St", "city": "Perth", "defaultAddress": True},
        ],
    )
    assert (
        created["defaultAddress"]["city"] == "Perth"
        and created["defaultAddress"]["id"] == created["addresses"][1]["id"]
    )
    assert [a["defaultAddress"] for a in created["addresses"]] == [False, True]
    assert "Ignored St" not in str(created)


async def test_upload_applies_every_customer_and_answers_202(twc_api: httpx2.AsyncClient) -> None:
    batch = [{"email": f"upload{i}@example.com", "customerRef": f"UP-{i}"} for i in range(3)]
    batch.append({"email": "jane@example.com", "firstName": "Jane (uploaded)"})  # an existing one is updated
    answer = await twc_api.post(SERVICE_PATH + "/upload-customers", json=batch)
    assert answer.status_code == 202 and answer.content == b""
    assert (await twc_api.get(f"{CUSTOMERS}/UP-2/ref")).status_code == 200
    assert (await jane(twc_api))["firstName"] == "Jane (uploaded)"


async def test_an_upload_with_a_bad_item_applies_nothing(twc_api: httpx2.AsyncClient) -> None:
    # The second item finds John by his ref, then would give him Jane's email.
    batch = [{"email": "fine@example.com"}, {"email": "jane@example.com", "customerRef": "100003"}]
    assert_problem(await twc_api.post(SERVICE_PATH + "/upload-customers", json=batch), 400, "[1]", "email")
    assert (await twc_api.get(CUSTOMERS + "/search", params={"email": "fine@example.com"})).json() == []
    assert_problem(await twc_api.post(SERVICE_PATH + "/upload-customers", json={"email": "x"}), 400, "array")


# -- updates ------------------------------------------------------------------------------------------------------


async def test_the_three_update_flavours_reach_the_same_customer(twc_api: httpx2.AsyncClient) -> None:
    customer = await jane(twc_api)
    by_id = await twc_api.put(f"{CUSTOMERS}/id={customer['id']}", json={"lastName": "A"})
    by_ref = await twc_api.put(f"{CUSTOMERS}/customerRef=100001", json={"lastName": "B"})
    by_email = await twc_api.put(f"{CUSTOMERS}/email=jane%40example.com", json={"lastName": "C"})
    by_body = await twc_api.put(CUSTOMERS, json={"email": "jane@example.com", "lastName": "D"})
    for answer, name in ((by_id, "A"), (by_ref, "B"), (by_email, "C"), (by_body, "D")):
        assert answer.status_code == 200 and answer.json()["id"] == customer["id"] and answer.json()["lastName"] == name


async def test_put_customers_matches_by_id_then_ref_then_email(twc_api: httpx2.AsyncClient) -> None:
    customer = await jane(twc_api)
    john = (await twc_api.get(f"{CUSTOMERS}/100003/ref")).json()
    # The id wins over a ref (John's) in the same body: Jane is found, and John's ref cannot become hers.
    refused = await twc_api.put(CUSTOMERS, json={"id": customer["id"], "customerRef": "100003"})
    assert_problem(refused, 400, "customerRef", "unique")
    by_id = await twc_api.put(CUSTOMERS, json={"id": customer["id"], "email": "jane@example.com", "firstName": "I"})
    assert by_id.json()["id"] == customer["id"]
    by_ref = await twc_api.put(CUSTOMERS, json={"customerRef": "100003", "email": "jane@example.com", "firstName": "R"})
    assert_problem(by_ref, 400, "email", "unique")  # John found by ref; Jane's email cannot become his
    by_ref = await twc_api.put(CUSTOMERS, json={"customerRef": "100003", "firstName": "R"})
    assert by_ref.json()["id"] == john["id"]
    unmatched = await twc_api.put(CUSTOMERS, json={"id": "nobody", "customerRef": "nobody", "email": "no@body.example"})
    assert_problem(unmatched, 404)


async def test_an_update_is_partial(twc_api: httpx2.AsyncClient) -> None:
    before = await jane(twc_api)
    after = (await twc_api.put(f"{CUSTOMERS}/id={before['id']}", json={"mobile": "+1 512 555 9999"})).json()
    changed = {key for key in before if before[key] != after.get(key)}
    assert changed == {"mobile", "lastModifiedDate"}


async def test_nested_objects_merge_as_documented(twc_api: httpx2.AsyncClient, twc_clock: Any) -> None:
    customer = await jane(twc_api)
    path = f"{CUSTOMERS}/id={customer['id']}"
    groups = {"loyalty": {"attributes": {"tier": "Gold"}, "description": "Loyalty"}}
    updated = (await twc_api.put(path, json={"attributeGroups": groups})).json()
    assert set(updated["attributeGroups"]) == {"retailer_additional_info", "loyalty"}  # other groups kept
    # Addresses sent are the new list; an address the customer has keeps its id.
    kept = customer["addresses"][0]
    updated = (await twc_api.put(path, json={"addresses": [{**kept, "address2": "Unit 2"}]})).json()
    assert [a["id"] for a in updated["addresses"]] == [kept["id"]] and updated["addresses"][0]["address2"] == "Unit 2"


async def test_opt_in_times_are_set_by_the_server_on_a_change(twc_api: httpx2.AsyncClient) -> None:
    created = await create(twc_api)
    assert created["optin_preferences"] == {"email": {"opt_in_active": False}, "sms": {"opt_in_active": False}}
    path = f"{CUSTOMERS}/id={created['id']}"
    sms_in = (await twc_api.put(path, json={"optin_preferences": {"sms": {"opt_in_active": True}}})).json()
    sms = sms_in["optin_preferences"]["sms"]
    assert sms["opt_in_active"] is True and sms["opted_in_at"] == sms["opt_in_updated_at"]
    assert sms_in["optin_preferences"]["email"] == {"opt_in_active": False}  # the channel not sent stays
    same = (await twc_api.put(path, json={"optin_preferences": {"sms": {"opt_in_active": True}}})).json()
    assert same["optin_preferences"]["sms"] == sms  # no change, no new time


async def test_an_update_may_change_an_identifier_unless_it_is_taken(twc_api: httpx2.AsyncClient) -> None:
    customer = await jane(twc_api)
    path = f"{CUSTOMERS}/id={customer['id']}"
    moved = (await twc_api.put(path, json={"email": "jane.new@example.com", "customerRef": "J-NEW"})).json()
    assert (moved["email"], moved["customerRef"]) == ("jane.new@example.com", "J-NEW")
    assert_problem(await twc_api.get(f"{CUSTOMERS}/100001/ref"), 404)
    assert_problem(await twc_api.put(path, json={"email": "John.Smith@example.com"}), 400, "email", "unique")


# -- addresses ------------------------------------------------------------------------------------------------------


async def test_add_and_delete_address_answer_the_whole_customer(twc_api: httpx2.AsyncClient) -> None:
    customer = await jane(twc_api)
    added = (
        await twc_api.post(
            f"{CUSTOMERS}/{customer['id']}/address",
            json={"address1": "5 New Rd", "city": "Hobart", "defaultAddress": True},
        )
    ).json()
    assert added["email"] == "jane@example.com" and len(added["addresses"]) == len(customer["addresses"]) + 1
    assert added["defaultAddress"]["city"] == "Hobart"  # the new default; the old one is unflagged
    assert sum(a["defaultAddress"] for a in added["addresses"]) == 1
    new_id = added["addresses"][-1]["id"]
    removed = await twc_api.delete(f"{CUSTOMERS}/{customer['id']}/address/{new_id}")
    assert removed.status_code == 200 and new_id not in str(removed.json()["addresses"])
    assert "defaultAddress" not in removed.json()  # the default went with it
    assert_problem(await twc_api.delete(f"{CUSTOMERS}/{customer['id']}/address/{new_id}"), 404, "address")
    assert_problem(await twc_api.post(f"{CUSTOMERS}/nobody/address", json={"city": "x"}), 404)


# -- search ---------------------------------------------------------------------------------------------------------


async def test_search_ands_its_criteria_and_answers_a_bare_array(twc_api: httpx2.AsyncClient) -> None:
    smiths = (await twc_api.get(CUSTOMERS + "/search", params={"lastName": "Smith"})).json()
    assert isinstance(smiths, list) and {"john.smith@example.com", "jon.smith@example.com"} <= {
        c["email"] for c in smiths
    }
    john = (await twc_api.get(CUSTOMERS + "/search", params={"lastName": "Smith", "firstName": "John"})).json()
    assert [c["email"] for c in john] == ["john.smith@example.com"]
    nobody = await twc_api.get(CUSTOMERS + "/search", params={"lastName": "Smith", "firstName": "Jane"})
    assert nobody.status_code == 200 and nobody.json() == []
    by_mobile = (await twc_api.get(CUSTOMERS + "/search", params={"mobile": "+1 512 555 0143"})).json()
    assert [c["email"] for c in by_mobile] == ["jane@example.com"]
    assert (await twc_api.get(CUSTOMERS + "/search", params={"email": "JANE@EXAMPLE.COM"})).json()[0][
        "customerRef"
    ] == "100001"
    assert (await twc_api.get(CUSTOMERS + "/search", params={"lastName": "smith"})).json() == []  # names: exact


async def test_search_without_a_criterion_is_400(twc_api: httpx2.AsyncClient) -> None:
    assert_problem(await twc_api.get(CUSTOMERS + "/search"), 400, "email")
    assert_problem(await twc_api.get(CUSTOMERS + "/search", params={"email": " ", "city": "Austin"}), 400)


# -- deletes --------------------------------------------------------------------------------------------------------


async def test_a_delete_answers_204_then_gets_404_and_wishlists_stay_de_identified(
    twc_api: httpx2.AsyncClient, twc_sandbox: Sandbox
) -> None:
    customer = await jane(twc_api)
    lists = twc_sandbox.store.wishlists(TWC_TENANT, customer["id"])
    assert lists
    answer = await twc_api.delete(f"{CUSTOMERS}/{customer['id']}")
    assert answer.status_code == 204 and answer.content == b""
    assert_problem(await twc_api.get(f"{CUSTOMERS}/{customer['id']}"), 404)
    assert_problem(await twc_api.get(f"{CUSTOMERS}/100001/ref"), 404)
    assert (await twc_api.get(CUSTOMERS + "/search", params={"email": "jane@example.com"})).json() == []
    assert_problem(await twc_api.delete(f"{CUSTOMERS}/{customer['id']}"), 404)
    kept = {w["id"]: w for w in twc_sandbox.store.wishlists(TWC_TENANT)}
    assert all(kept[w["id"]]["customerId"] is None and kept[w["id"]]["items"] == w["items"] for w in lists)
    # Erased, so the email and the ref are free for a new customer.
    assert (
        await twc_api.post(CUSTOMERS, json={"email": "jane@example.com", "customerRef": "100001"})
    ).status_code == 201


async def test_delete_by_ref(twc_api: httpx2.AsyncClient) -> None:
    assert (await twc_api.delete(f"{CUSTOMERS}/{segment('ALVAREZ.MX/06')}/ref")).status_code == 204
    assert_problem(await twc_api.get(f"{CUSTOMERS}/{segment('ALVAREZ.MX/06')}/ref"), 404)
    assert_problem(await twc_api.delete(CUSTOMERS), 400, "id")  # the 2024 form needs ?id= or ?customerRef=


# -- tenants --------------------------------------------------------------------------------------------------------


async def test_tenants_never_see_each_others_customers(
    twc_api: httpx2.AsyncClient, twc_other_api: httpx2.AsyncClient
) -> None:
    here = await jane(twc_api)
    there = await jane(twc_other_api)  # Jane shops at both retailers: two customers
    assert here["id"] != there["id"] and there["customerRef"] == "HW-0001"
    assert_problem(await twc_other_api.get(f"{CUSTOMERS}/{here['id']}"), 404)
    assert_problem(await twc_other_api.put(f"{CUSTOMERS}/id={here['id']}", json={"firstName": "x"}), 404)
    assert_problem(await twc_other_api.delete(f"{CUSTOMERS}/{here['id']}"), 404)
    assert (await twc_other_api.get(CUSTOMERS + "/search", params={"email": "john.smith@example.com"})).json() == []
    assert (await jane(twc_api))["firstName"] == "Jane"
    assert TWC_OTHER_TENANT != TWC_TENANT
