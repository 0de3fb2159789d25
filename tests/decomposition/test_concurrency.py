"""Two workers decomposing the same order at once make one set of domain orders: the
order row lock serialises them and the second finds the first one's work."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from decomposition.models import DomainOrder
from decomposition.services import order_decompose
from fixtures.demo.load import demo_load
from ordermgmt.actor import Actor
from tests.decomposition.factories import bundle_order


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_decomposing_one_order_at_once_make_one_set():
    # given
    demo_load()
    order = bundle_order(bundles=2)
    barrier = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            created = order_decompose(order_id=order.pk, actor=Actor.job("worker"))
            results.append(sorted(d.pk for d in created))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert not errors
    assert DomainOrder.objects.filter(order=order).count() == 30
    assert results[0] == results[1]
