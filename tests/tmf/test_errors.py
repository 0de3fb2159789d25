"""Every refusal is a TMF Error body; nothing a client can send gives a 500."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from orders.models import CustomerOrder
from tests.tmf.conftest import ORDERS_URL, tmf_error_asserted

pytestmark = pytest.mark.django_db


def _post_raw(client, body: bytes | str, content_type: str = "application/json"):
    return client.generic("POST", ORDERS_URL, body, content_type=content_type)


def test_missing_token_is_401_with_www_authenticate(anonymous):
    response = anonymous.get(ORDERS_URL)
    tmf_error_asserted(response, 401, "40")
    assert response["WWW-Authenticate"] == "Token"


def test_wrong_token_is_401(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    tmf_error_asserted(anonymous.get(ORDERS_URL), 401, "41")


def test_post_without_credentials_is_401(anonymous):
    tmf_error_asserted(anonymous.post(ORDERS_URL, {}, format="json"), 401)


def test_user_without_a_role_is_403(make_user):
    client = APIClient()
    client.force_login(make_user("nobody"))
    tmf_error_asserted(client.get(ORDERS_URL), 403, "50")


def test_approver_may_read_but_not_create_orders(make_user):
    from ordermgmt.roles import Role

    client = APIClient()
    client.force_login(make_user("appr", Role.ORDER_APPROVER))
    assert client.get(ORDERS_URL).status_code == 200
    tmf_error_asserted(client.post(ORDERS_URL, {}, format="json"), 403, "50")


def test_customer_may_not_patch(customer_client):
    response = customer_client.patch(
        f"{ORDERS_URL}/ORD0000001", {"description": "x"}, format="json"
    )
    tmf_error_asserted(response, 403)


@pytest.mark.parametrize(
    "path",
    [
        "/tmf-api/nothingHere",
        "/tmf-api/productOrderingManagement/v4/unknown",
        "/tmf-api/productOrderingManagement/v4/productOrder/ORD1/extra/",
        "/tmf-api/productOrderingManagement/v3/productOrder",
    ],
)
def test_unknown_urls_under_tmf_api_are_404_tmf_errors(api, anonymous, path):
    tmf_error_asserted(api.get(path), 404, "60")
    tmf_error_asserted(anonymous.post(path, {}, format="json"), 404, "60")
    tmf_error_asserted(api.options(path), 404, "60")


def test_unsupported_method_is_405(api):
    response = api.delete(ORDERS_URL)
    tmf_error_asserted(response, 405, "61")
    tmf_error_asserted(api.put(f"{ORDERS_URL}/ORD1", {}, format="json"), 405, "61")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"productOrderItem": [',
        b"\xff\xfe\x00",
        b'{"a": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_json_is_400(api, body):
    tmf_error_asserted(_post_raw(api, body), 400, "22")


def test_empty_body_is_400_missing_body(api):
    tmf_error_asserted(_post_raw(api, b""), 400)


@pytest.mark.parametrize("body", ["[]", "[{}]", '"text"', "42", "null", "true"])
def test_json_other_than_an_object_is_400(api, body):
    tmf_error_asserted(_post_raw(api, body), 400, "22")


def test_oversize_payload_is_400(api):
    big = json.dumps({"description": "x" * (1024 * 1024 + 10)})
    body = tmf_error_asserted(_post_raw(api, big), 400, "22")
    assert "larger" in body["message"]
    assert not CustomerOrder.objects.exists()


def test_unsupported_media_type_is_415_tmf_error(api):
    response = _post_raw(api, "productOrderItem=1", "application/x-www-form-urlencoded")
    body = tmf_error_asserted(response, 415, "26")
    assert body["reason"] == "Unsupported media type"


def test_json_patch_media_type_is_refused(api):
    response = api.generic(
        "PATCH",
        f"{ORDERS_URL}/ORD1",
        "[]",
        content_type="application/json-patch+json",
    )
    tmf_error_asserted(response, 415)


def test_oversize_idempotency_key_is_400(api):
    api.credentials(
        HTTP_AUTHORIZATION=api._credentials["HTTP_AUTHORIZATION"],
        HTTP_IDEMPOTENCY_KEY="k" * 300,
    )
    tmf_error_asserted(_post_raw(api, b"{}"), 400, "26")


def test_unknown_mode_is_400(api, account):
    response = api.post(
        ORDERS_URL + "?mode=later",
        {
            "productOrderItem": [{"id": "1", "action": "add"}],
            "relatedParty": [{"id": account.number, "@referredType": "Customer"}],
        },
        format="json",
    )
    tmf_error_asserted(response, 400, "28")


HUGE = "9" * 30


@pytest.mark.parametrize(
    "path",
    [
        f"{ORDERS_URL}/{HUGE}",
        f"/tmf-api/productCatalogManagement/v4/productOffering/{HUGE}",
        f"/tmf-api/productCatalogManagement/v4/productOffering?id={HUGE}",
        f"/tmf-api/productCatalogManagement/v4/productOfferingPrice?version={HUGE}",
        f"{ORDERS_URL}?priority={HUGE}",
        f"{ORDERS_URL}?offset={HUGE}",
        f"{ORDERS_URL}?orderDate=2026-13-45T99:00:00Z",
        f"{ORDERS_URL}?orderDate.gt=9999-12-31T23:59:59.999Z",
        f"{ORDERS_URL}?state=%00",
    ],
)
def test_odd_query_values_never_give_a_500(api, path):
    response = api.get(path)
    assert response.status_code in {200, 400, 404}
    if response.status_code != 200:
        tmf_error_asserted(response, response.status_code)


@pytest.mark.parametrize(
    "item",
    [
        {"id": "1", "action": "add", "productOffering": {"id": HUGE}},
        {"id": "1", "action": "delete", "product": {"id": HUGE}},
        {"id": "1", "action": "modify", "product": {"id": "not-a-product"}},
        {"id": "", "action": "add"},
        {"id": "1", "action": "add", "quantity": 10**30},
        {
            "id": "1",
            "action": "add",
            "product": {"productCharacteristic": [{"name": "x", "value": {"a": [1]}}]},
        },
        {"id": "1", "action": ["add"]},
        {"id": "1", "action": "add", "productOrderItem": "x"},
    ],
)
def test_odd_items_never_give_a_500(api, account, item):
    payload = {
        "productOrderItem": [item],
        "relatedParty": [{"id": account.number, "@referredType": "Customer"}],
    }
    response = api.post(ORDERS_URL, payload, format="json")
    assert response.status_code in {201, 400, 409}, response.content
    if response.status_code != 201:
        tmf_error_asserted(response, response.status_code)


@pytest.mark.parametrize("party_id", [HUGE, "", None, ["ACC1"], "ACC0000000"])
def test_odd_customer_ids_are_400(api, party_id):
    payload = {
        "productOrderItem": [{"id": "1", "action": "add"}],
        "relatedParty": [{"id": party_id, "@referredType": "Customer"}],
    }
    tmf_error_asserted(api.post(ORDERS_URL, payload, format="json"), 400)
