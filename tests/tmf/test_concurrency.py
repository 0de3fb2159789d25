"""Two concurrent POSTs with the same Idempotency-Key make one order (PostgreSQL)."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.db import connection

from ordermgmt.actor import Actor
from orders.models import CustomerOrder
from orders.services.capture import order_capture_with_lines
from orders.services.capture_input import LineInput
from tests.catalog.factories import PriceListFactory
from tests.orders.factories import AccountFactory
from tmf import services
from tmf.capture import CaptureArgs
from tmf.exceptions import IdempotencyKeyInFlight


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_one_key_capture_once(make_user):
    # given: two callers that both captured an order, and neither has committed nor
    # written its idempotency record yet
    PriceListFactory(published=True)
    account = AccountFactory()
    actor = Actor.for_user(make_user("int1"))
    capture = CaptureArgs(
        account_id=account.pk,
        lines=[LineInput(ref="1")],
        external_id="",
        description="",
        priority=2,
        requested_start_date=None,
        requested_completion_date=None,
        extra={},
    )
    both_captured = threading.Barrier(2, timeout=10)

    def capture_then_wait(*, on_captured, **kwargs):
        def wait_then_record(order, lines):
            both_captured.wait()
            on_captured(order, lines)

        return order_capture_with_lines(on_captured=wait_then_record, **kwargs)

    outcomes: list[object] = []

    def caller():
        try:
            outcomes.append(
                services.product_order_create(
                    capture=capture, actor=actor, idempotency_key="k", request_hash="h"
                )
            )
        except IdempotencyKeyInFlight as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    # when
    with mock.patch.object(services, "order_capture_with_lines", capture_then_wait):
        threads = [threading.Thread(target=caller) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then: one order; the other caller is told to repeat and read the result
    assert CustomerOrder.objects.count() == 1
    assert sorted(type(o).__name__ for o in outcomes) == [
        "CapturedProductOrder",
        "IdempotencyKeyInFlight",
    ]
