"""Issue 3 acceptance: a demo fiber bundle order captured through TMF622 and by import ends
Acknowledged after enrichment and approval, with the demo's prices.

(The agent workspace path is the browser test tests/browser/test_capture.py.)
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fixtures.demo.load import demo_load
from ordermgmt.actor import Actor
from orders.imports.service import orders_import
from orders.models import (
    Account,
    CustomerOrder,
    CustomerOrderState,
    EnrichmentTaskState,
)
from orders.services import enrichment_task_claim, enrichment_task_complete

pytestmark = pytest.mark.django_db

ORDERS_URL = "/tmf-api/productOrderingManagement/v4/productOrder"
ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}


@pytest.fixture
def demo():
    demo_load()
    return {user.username: user for user in User.objects.all()}


def _jane_number() -> str:
    # Numbers follow primary keys, which PostgreSQL does not reset between tests.
    return Account.objects.get(name="Jane Doe").number


def _enrich_everything(order: CustomerOrder, fulfiller: User) -> CustomerOrder:
    """The fulfillment agent claims and completes each open enrichment task of the order."""
    actor = Actor.for_user(fulfiller)
    for task in order.enrichment_tasks.filter(state=EnrichmentTaskState.OPEN):
        enrichment_task_claim(task_id=task.pk, actor=actor)
        values = {
            code: ADDRESS if code == "installation_address" else f"AL-{task.pk:05d}"
            for code in task.characteristics
        }
        enrichment_task_complete(task_id=task.pk, characteristics=values, actor=actor)
    order.refresh_from_db()
    return order


def _assert_bundle_priced(order: CustomerOrder) -> None:
    lines = {
        line.offering.code: line for line in order.lines.select_related("offering")
    }
    assert set(lines) >= {
        "OFF_FIBER_HOME_BUNDLE",
        "OFF_FIBER_INTERNET",
        "OFF_WIFI_ROUTER",
    }
    internet = lines["OFF_FIBER_INTERNET"]
    # 300 Mbps for 24 months from the bandwidth-by-term matrix; activation from the list.
    assert internet.recurring_list_price == Decimal("39.90")
    assert internet.one_time_list_price == Decimal("49.00")
    assert lines["OFF_WIFI_ROUTER"].recurring_list_price == Decimal("3.00")
    assert order.currency == "EUR"
    assert order.price_list_code == "PL_CONSUMER_EUR"
    roots = [line for line in lines.values() if line.parent_line_id is None]
    assert order.monthly_recurring_total == sum(line.recurring_total for line in roots)
    assert order.one_time_total == sum(line.one_time_total for line in roots)
    assert order.monthly_recurring_total > 0
    assert order.price_frozen_at is not None


def test_fiber_bundle_through_tmf622_ends_acknowledged_with_prices(demo):
    token = Token.objects.create(user=demo["integrator"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    payload = {
        "externalId": "ACCEPT-TMF-1",
        "relatedParty": [
            {"id": _jane_number(), "@referredType": "Customer", "role": "customer"}
        ],
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "quantity": 1,
                "productOffering": {"id": "OFF_FIBER_HOME_BUNDLE"},
            }
        ],
    }

    response = client.post(ORDERS_URL, payload, format="json")

    assert response.status_code == 201, response.content
    order = CustomerOrder.objects.get(number=response.json()["id"])
    assert order.state == CustomerOrderState.ENRICHMENT_IN_PROGRESS
    order = _enrich_everything(order, demo["fulfillment_agent"])
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    _assert_bundle_priced(order)
    assert client.get(f"{ORDERS_URL}/{order.number}").json()["state"] == "acknowledged"


def test_fiber_bundle_by_import_ends_acknowledged_with_prices(demo):
    content = (
        b"order_ref,account,external_id,line_ref,offering,quantity,"
        b"char.installation_address.line1,char.installation_address.city,"
        b"char.installation_address.postcode,char.installation_address.country\n"
    ) + f"A,{_jane_number()},ACCEPT-IMPORT-1,1,OFF_FIBER_HOME_BUNDLE,1,,,,\n".encode()

    report = orders_import(
        file_name="bundle.csv", content=content, actor=Actor.for_user(demo["agent"])
    )

    assert not report.problems, report.problems
    order = CustomerOrder.objects.get(external_id="ACCEPT-IMPORT-1")
    order = _enrich_everything(order, demo["fulfillment_agent"])
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    _assert_bundle_priced(order)
