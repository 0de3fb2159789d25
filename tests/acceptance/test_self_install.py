"""Issue 4 acceptance: a Fiber Broadband Self-Install order placed through TMF622 is
approved by policy and fulfilled by the automated plans with no human action: the order is
Completed, its products are Active and its contract exists."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from decomposition.models import DomainOrder
from fixtures.demo.load import demo_load
from inventory.models import InventoryItemState
from inventory.selectors import contract_for_order, inventory_items_for_order
from orchestration.models import OrderTask
from orders.models import Account, CustomerOrder, CustomerOrderState, LineState

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS_URL = "/tmf-api/productOrderingManagement/v4/productOrder"


def test_self_install_order_completes_without_a_person():
    # given the demo and an integrator with a token
    demo_load()
    token = Token.objects.create(user=User.objects.get(username="integrator"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # when the integrator orders the self-install offering (the worker runs inline)
    response = client.post(
        ORDERS_URL,
        {
            "relatedParty": [
                {
                    "id": Account.objects.get(name="Jane Doe").number,
                    "@referredType": "Customer",
                }
            ],
            "productOrderItem": [
                {
                    "id": "1",
                    "action": "add",
                    "productOffering": {"id": "OFF_FIBER_SELF_INSTALL"},
                    "product": {
                        "productCharacteristic": [{"name": "bandwidth", "value": 500}]
                    },
                }
            ],
        },
        format="json",
    )

    # then the order went all the way through
    assert response.status_code == 201, response.content
    order = CustomerOrder.objects.get(number=response.json()["id"])
    assert order.state == CustomerOrderState.COMPLETED
    assert set(order.lines.values_list("state", flat=True)) == {LineState.COMPLETED}
    assert order.lines.get().ponr_at is not None
    kinds = sorted(
        DomainOrder.objects.filter(order=order).values_list("kind", flat=True)
    )
    assert kinds == ["product", "resource", "service"]
    assert set(
        OrderTask.objects.filter(order_id=order.pk).values_list("state", flat=True)
    ) == {"closed_complete"}
    items = list(inventory_items_for_order(order_id=order.pk))
    assert len(items) == 3
    assert {item.state for item in items} == {InventoryItemState.ACTIVE}
    contract = contract_for_order(order_id=order.pk)
    assert contract is not None
    assert contract.term_months == 12
    assert client.get(f"{ORDERS_URL}/{order.number}").json()["state"] == "completed"
    (product_item,) = [item for item in items if item.kind == "product"]
    products = client.get(
        "/tmf-api/productInventory/v4/product",
        {"status": "active", "id": product_item.number},
    ).json()
    assert [p["productOffering"]["name"] for p in products] == [
        "Fiber Broadband Self-Install"
    ]
    assert products[0]["status"] == "active"
