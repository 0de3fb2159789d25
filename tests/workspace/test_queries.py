"""The list pages and the order page read in a bounded number of queries (1 vs 20 rows).

About seven queries of each page are the session, the user, its roles and permissions
(for the role check, the navigation and the order visibility); the rest is the page's.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import LineState
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory
from tests.workspace.builders import enrichment_task_open, order_pending_approval

pytestmark = pytest.mark.django_db

SIZES = [1, 20]


@pytest.mark.parametrize("count", SIZES)
def test_order_list_queries_are_bounded(
    client, agent, account, count, django_assert_max_num_queries
):
    for _ in range(count):
        CustomerOrderFactory(account=account, captured_by=agent)
    client.force_login(agent)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("workspace:agent"))

    assert response.content.count(b"<tr>") == count + 1


@pytest.mark.parametrize("count", SIZES)
def test_order_page_queries_are_bounded(
    client, agent, account, catalog, count, django_assert_max_num_queries
):
    order = CustomerOrderFactory(account=account, captured_by=agent, submitted=True)
    parent = CustomerOrderLineFactory(
        order=order,
        offering=catalog.bundle,
        specification=catalog.bundle.product_specification,
        state=LineState.SUBMITTED,
    )
    for _ in range(count):
        CustomerOrderLineFactory(
            order=order,
            parent_line=parent,
            offering=catalog.internet,
            specification=catalog.internet.product_specification,
            characteristics={"bandwidth": 300, "static_ip": True},
            state=LineState.SUBMITTED,
        )
    client.force_login(agent)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("workspace:order-detail", args=[order.pk]))

    assert response.content.count(b"child-line") == count


@pytest.mark.parametrize("count", SIZES)
def test_order_edit_page_queries_are_bounded(
    client, agent, account, catalog, count, django_assert_max_num_queries
):
    order = CustomerOrderFactory(account=account, captured_by=agent)
    for _ in range(count):
        CustomerOrderLineFactory(
            order=order,
            offering=catalog.internet,
            specification=catalog.internet.product_specification,
        )
    client.force_login(agent)

    with django_assert_max_num_queries(13):
        response = client.get(reverse("workspace:order-edit", args=[order.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("count", SIZES)
def test_approval_queue_queries_are_bounded(
    client, approver, account, count, django_assert_max_num_queries
):
    group = approver.work_groups.get()
    for _ in range(count):
        order_pending_approval(account=account, group=group)
    client.force_login(approver)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("workspace:approver"))

    assert response.content.count(b'id="queue-') == count


@pytest.mark.parametrize("count", SIZES)
def test_enrichment_queue_queries_are_bounded(
    client,
    fulfiller,
    provisioning,
    account,
    catalog,
    count,
    django_assert_max_num_queries,
):
    for _ in range(count):
        enrichment_task_open(
            account=account,
            group=provisioning,
            offering=catalog.internet,
            codes=["installation_address"],
        )
    client.force_login(fulfiller)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("workspace:fulfillment"))

    assert response.content.count(b'id="task-') == count
