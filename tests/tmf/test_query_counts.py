"""POST productOrder runs a fixed number of SQL statements, whatever the number of lines.

Measured in a running process's steady state: the demo catalog and policies (validation,
pricing, enrichment and approval all on, as bench/capture_http.py posts them), one POST
first to fill the per-process caches, and the caches' production time-to-live (tests
otherwise set it to 0, so that every call reads the database).
"""

from __future__ import annotations

import copy
import time

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from decisions import evaluator
from decisions.evaluator import decision_cache_clear
from fixtures.demo.load import demo_load
from ordermgmt.models import AuditEvent
from orders.models import Account, CustomerOrder, EnrichmentTask
from orders.pricing.loader import pricing_cache_clear
from orders.services.catalog_cache import catalog_cache_clear
from tests.tmf.conftest import ORDERS_URL

pytestmark = pytest.mark.django_db

# Token with its user; the user's permissions; the customer party; BEGIN (a SAVEPOINT
# here); the account's products (a compatibility rule applies); INSERT order; UPDATE
# its number; INSERT lines; INSERT enrichment tasks; INSERT every audit event;
# COMMIT (RELEASE here).
POST_STATEMENTS = 11
# What issue 3 allows.
POST_STATEMENTS_MAX = 15

ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}
FIBER = {
    "action": "add",
    "quantity": 1,
    "productOffering": {"id": "OFF_FIBER_INTERNET"},
    "product": {
        "productCharacteristic": [
            {"name": "bandwidth", "value": 500},
            {"name": "contract_term", "value": 24},
            {"name": "installation_address", "value": ADDRESS},
        ]
    },
}
VOICE = {
    "action": "add",
    "quantity": 1,
    "productOffering": {"id": "OFF_HOME_VOICE"},
    "product": {"productCharacteristic": [{"name": "number_porting", "value": False}]},
}
ROUTER = {
    "action": "add",
    "quantity": 1,
    "productOffering": {"id": "OFF_WIFI_ROUTER"},
    "product": {
        "productCharacteristic": [{"name": "model", "value": "Nokia Beacon 6"}]
    },
}


def _order(lines: int) -> dict:
    # The demo's first customer, as bench/capture_http.py orders for it (ACC0001001 on
    # a fresh database).
    customer = Account.objects.order_by("pk").first()
    items = [FIBER, VOICE, *[ROUTER] * (lines - 2)]
    return {
        "description": "query count",
        "relatedParty": [{"id": customer.number, "role": "customer"}],
        "productOrderItem": [
            {**copy.deepcopy(item), "id": str(number)}
            for number, item in enumerate(items, start=1)
        ],
    }


@pytest.fixture
def production_caches():
    """The per-process caches with their production time-to-live, empty before and
    after (so that no other test sees rows cached here)."""

    def clear() -> None:
        catalog_cache_clear()
        decision_cache_clear()
        pricing_cache_clear()

    clear()
    with override_settings(
        CATALOG_CACHE_TTL_SECONDS=60,
        DECISIONS_LOOKUP_TTL_SECONDS=60,
        PRICING_CATALOG_TTL_SECONDS=60,
    ):
        yield
    clear()


@pytest.fixture
def demo_integrator() -> APIClient:
    demo_load()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="integrator"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _post_counted(client: APIClient, lines: int) -> tuple[dict, list[str]]:
    payload = _order(lines)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(ORDERS_URL, payload, format="json")
    assert response.status_code == 201, response.content
    return response.json(), [query["sql"] for query in queries.captured_queries]


def test_post_product_order_runs_the_same_statements_for_3_and_10_lines(
    demo_integrator, production_caches
):
    # given a process that has captured one order already (caches filled)
    ContentType.objects.clear_cache()
    _post_counted(demo_integrator, 3)

    # when orders of 3 and 10 lines are posted
    three, three_statements = _post_counted(demo_integrator, 3)
    ten, ten_statements = _post_counted(demo_integrator, 10)

    # then both run the same, few statements, and went all the way through
    assert len(three_statements) == len(ten_statements) == POST_STATEMENTS, (
        three_statements,
        ten_statements,
    )
    assert POST_STATEMENTS <= POST_STATEMENTS_MAX
    for body, lines in ((three, 3), (ten, 10)):
        order = CustomerOrder.objects.get(number=body["id"])
        assert len(body["productOrderItem"]) == lines
        assert order.lines.count() == lines
        assert order.submitted_at is not None
        assert order.total_contract_value > 0
        assert EnrichmentTask.objects.filter(order=order).exists()
        assert AuditEvent.objects.filter(
            subject_id=str(order.pk), action="order.enrichment_started"
        ).exists()


def test_cached_catalog_rows_are_read_again_after_the_time_to_live(
    demo_integrator, production_caches, monkeypatch
):
    # given a warm process
    _post_counted(demo_integrator, 3)
    _, warm = _post_counted(demo_integrator, 3)

    # when the time-to-live is over
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    monkeypatch.setattr(evaluator, "_monotonic", lambda: later)
    _, cold = _post_counted(demo_integrator, 3)

    # then the catalog, the policies and the prices are read again
    assert len(cold) > len(warm)
    assert any("catalog_productoffering" in sql for sql in cold)
    assert not any("catalog_productoffering" in sql for sql in warm)
