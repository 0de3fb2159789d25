"""The TMF622 sample payloads (../shared/tmf/samples) against the demo catalog."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import LifecycleStatus, ProductOffering
from fixtures.demo.load import demo_load
from orders.models import Account, CustomerOrder, CustomerOrderState
from tests.tmf.conftest import ORDERS_URL, tmf_error_asserted

pytestmark = pytest.mark.django_db

SAMPLES = Path("/work/shared/tmf/samples")


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
def demo_api() -> APIClient:
    """The demo integrator with a token, as `manage.py drf_create_token integrator`."""
    demo_load()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="integrator"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _offering_id(code: str) -> str:
    return str(
        ProductOffering.objects.get(
            code=code, lifecycle_status=LifecycleStatus.PUBLISHED
        ).pk
    )


def sample_with_ordered_dates() -> dict:
    """The ProductOrder sample; its completion date (May 2) is before its start (May 3),
    which an order may not be, so the completion moves to a week after the start."""
    payload = copy.deepcopy(sample("TMF622-ProductOrder.example.json"))
    payload["requestedCompletionDate"] = "2019-05-10T08:13:59.506Z"
    return payload


def adapted_product_order() -> dict:
    """The ProductOrder sample with the demo's customer, offerings and characteristics."""
    payload = sample_with_ordered_dates()
    items = {item["id"]: item for item in payload["productOrderItem"]}
    items["100"]["productOffering"]["id"] = _offering_id("OFF_FIBER_HOME_BUNDLE")
    items["110"]["productOffering"]["id"] = _offering_id("OFF_FIBER_INTERNET")
    items["110"]["product"]["productCharacteristic"] = [
        {"name": "bandwidth", "valueType": "integer", "value": 1000},
        {"name": "contract_term", "valueType": "integer", "value": 24},
    ]
    items["120"]["productOffering"]["id"] = _offering_id("OFF_WIFI_ROUTER")
    items["130"]["productOffering"]["id"] = _offering_id("OFF_HOME_VOICE")
    items["130"]["product"]["productCharacteristic"] = [
        {"name": "directory_listing", "value": True}
    ]
    customer = next(
        p for p in payload["relatedParty"] if p["@referredType"] == "Customer"
    )
    customer["id"] = Account.objects.get(name="Jane Doe").number
    return payload


def test_product_order_sample_is_captured_for_the_demo_customer(demo_api):
    payload = adapted_product_order()

    response = demo_api.post(ORDERS_URL, payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["href"]
    assert body["id"] != "30001"
    assert body["state"] == "acknowledged"
    order = CustomerOrder.objects.get(number=body["id"])
    assert order.state != CustomerOrderState.DRAFT
    assert order.account.name == "Jane Doe"
    assert order.external_id == "PO-456"
    assert order.priority == 1
    by_id = {item["id"]: item for item in body["productOrderItem"]}
    assert {"100", "110", "120", "130"} <= by_id.keys()
    bundled = {
        r["id"]
        for r in by_id["100"]["productOrderItemRelationship"]
        if r["relationshipType"] == "bundles"
    }
    assert {"110", "120", "130"} <= bundled
    assert {"name": "bandwidth", "value": 1000} in by_id["110"]["product"][
        "productCharacteristic"
    ]
    assert by_id["120"]["productOrderItemRelationship"] == [
        {"id": "110", "relationshipType": "reliesOn"}
    ]
    assert by_id["120"]["itemTerm"] == payload["productOrderItem"][2]["itemTerm"]
    assert body["note"] == payload["note"]
    assert body["channel"] == payload["channel"]
    assert body["category"] == "B2C product order"
    assert [p.get("role") for p in body["relatedParty"]] == ["customer", "Seller"]
    monthly = next(p for p in body["orderTotalPrice"] if p["priceType"] == "recurring")
    assert monthly["price"]["taxIncludedAmount"]["value"] > 0


def test_product_order_sample_reads_back_by_external_id_and_date(demo_api):
    created = demo_api.post(ORDERS_URL, adapted_product_order(), format="json").json()

    by_external_id = demo_api.get(ORDERS_URL, {"externalId": "PO-456"}).json()
    by_date = demo_api.get(ORDERS_URL, {"orderDate": created["orderDate"]}).json()

    assert [o["id"] for o in by_external_id] == [created["id"]]
    assert created["id"] in [o["id"] for o in by_date]


def test_product_order_sample_dates_out_of_order_are_400(demo_api):
    payload = sample("TMF622-ProductOrder.example.json")

    body = tmf_error_asserted(demo_api.post(ORDERS_URL, payload, format="json"), 400)

    assert "requestedCompletionDate" in body["details"]["errors"]


def test_product_order_sample_ids_unknown_here_are_named(demo_api):
    payload = sample_with_ordered_dates()

    body = tmf_error_asserted(demo_api.post(ORDERS_URL, payload, format="json"), 400)

    assert "relatedParty" in body["details"]["errors"]
    assert "productOrderItem[id=100].productOffering.id" in body["details"]["errors"]
    assert not CustomerOrder.objects.filter(external_id="PO-456").exists()


def test_cancel_product_order_sample_is_refused_as_a_product_order(demo_api):
    payload = sample("TMF622-CancelProductOrder.example.json")

    body = tmf_error_asserted(
        demo_api.post(ORDERS_URL, payload, format="json"), 400, "23"
    )

    assert "productOrderItem" in body["details"]["errors"]


def test_cancel_product_order_resource_is_not_offered_yet(demo_api):
    payload = sample("TMF622-CancelProductOrder.example.json")
    response = demo_api.post(
        "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
        payload,
        format="json",
    )
    tmf_error_asserted(response, 404, "60")
