"""The sample files in fixtures/samples import cleanly into the demo data."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from ordermgmt.actor import Actor
from orders.imports.service import orders_import
from orders.models import CustomerOrder, CustomerOrderState, EnrichmentTask
from orders.services import enrichment_task_claim, enrichment_task_complete

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "fixtures" / "samples"


def sample_for(demo, name: str) -> bytes:
    """The sample with the demo's account numbers (a test database numbers its own)."""
    text = (SAMPLES / name).read_text(encoding="utf-8")
    for fresh, account in (
        ("ACC0001001", demo.jane),
        ("ACC0001002", demo.northwind),
        ("ACC0001003", demo.acme),
    ):
        text = text.replace(fresh, account.number)
    return text.encode()


@pytest.mark.parametrize("name", ["orders_import.csv", "orders_import.json"])
def test_sample_file_creates_every_order(demo, actor, name):
    # when
    report = orders_import(file_name=name, content=sample_for(demo, name), actor=actor)

    # then
    assert report.problems == []
    assert report.all_created
    orders = {
        o.account_id: o
        for o in CustomerOrder.objects.filter(
            pk__in=[r.order_id for r in report.orders]
        )
    }
    jane = orders[demo.jane.pk]
    # The bundle gets its router by default; explicit internet and voice parts stay.
    assert sorted(jane.lines.values_list("offering__code", flat=True)) == [
        "OFF_FIBER_HOME_BUNDLE",
        "OFF_FIBER_INTERNET",
        "OFF_HOME_VOICE",
        "OFF_WIFI_ROUTER",
    ]
    assert jane.monthly_recurring_total > 0
    assert all(o.state != CustomerOrderState.DRAFT for o in orders.values())


def test_imported_bundle_order_is_acknowledged_after_enrichment(demo, actor):
    # given: the demo fiber bundle, imported and submitted
    name = "orders_import.csv"
    report = orders_import(file_name=name, content=sample_for(demo, name), actor=actor)
    jane = CustomerOrder.objects.get(pk=report.orders[0].order_id, account=demo.jane)
    fulfiller = Actor.for_user(User.objects.get(username="fulfillment_agent"))

    # when: the fulfillment agent fills in the technical data it is asked for
    for task in EnrichmentTask.objects.filter(order=jane):
        enrichment_task_claim(task_id=task.pk, actor=fulfiller)
        enrichment_task_complete(
            task_id=task.pk,
            characteristics=dict.fromkeys(task.characteristics, "AL-0001"),
            actor=fulfiller,
        )

    # then: enrichment done, the approval policy approves it within policy
    jane.refresh_from_db()
    assert jane.state == CustomerOrderState.ACKNOWLEDGED
