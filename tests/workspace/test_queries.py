"""The list pages and the order page read in a bounded number of queries (1 vs 20 rows).

About seven queries of each page are the session, the user, its roles and permissions
(for the role check, the navigation and the order visibility); the rest is the page's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from decomposition.models import DomainOrderDependency
from orchestration.models import (
    OrderTaskDependency,
    OrderTaskNote,
    OrderTaskState,
    TaskType,
)
from ordermgmt.roles import Role
from orders.models import CustomerOrder, LineState
from tests.orchestration.factories import DomainOrderFactory, domain_order_child
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory
from tests.workspace.builders import (
    enrichment_task_open,
    order_pending_approval,
    order_task,
)

pytestmark = pytest.mark.django_db

SIZES = [1, 20]
# The fulfillment page: the task filter's choices, the count, the page of tasks with
# their notes, the enrichment queue, and the group's open jeopardy alerts.
QUEUE_QUERIES = 10
# One queue row (htmx): the task with its order, line, group, assignee, and its notes.
ROW_QUERIES = 6
# The order page with its orchestration view: domain orders, their dependencies, the
# tasks and theirs.
# Plus four for fallout and jeopardy: the jeopardy level, open fallouts, fallout events
# and jeopardy alerts (both marked in the history).
ORDER_PAGE_QUERIES = 20
# The orchestration partial polled every 5 s: the order, its lines, and the four above.
PARTIAL_QUERIES = 14
# The dashboard: orders in progress (count, list), tasks by group, throughput (two),
# the open jeopardy alerts.
MANAGER_QUERIES = 10


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

    # One query of them asks whether the order has been decomposed.
    with django_assert_max_num_queries(15):
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

    # The page also lists the group's open jeopardy alerts (one query).
    with django_assert_max_num_queries(9):
        response = client.get(reverse("workspace:fulfillment"))

    assert response.content.count(b'id="task-') == count


# --- fulfillment ---------------------------------------------------------------------


@pytest.mark.parametrize("count", SIZES)
def test_order_task_queue_queries_are_bounded(
    client, fulfiller, provisioning, count, django_assert_max_num_queries
):
    for index in range(count):
        task = order_task(
            group=provisioning,
            state=OrderTaskState.IN_PROGRESS if index % 2 else OrderTaskState.OPEN,
            assignee=fulfiller if index % 2 else None,
            due_at=timezone.now() + timedelta(hours=index - 3),
        )
        OrderTaskNote.objects.create(
            task=task, author=fulfiller, author_label="f", text="n"
        )
    client.force_login(fulfiller)

    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("workspace:fulfillment"))

    assert response.content.count(b'<tbody id="order-task-') == count


@pytest.mark.parametrize("count", SIZES)
def test_order_task_row_actions_read_a_bounded_number_of_queries(
    client, fulfiller, provisioning, count, django_assert_max_num_queries
):
    task = order_task(group=provisioning)
    for _ in range(count):
        OrderTaskNote.objects.create(
            task=task, author=fulfiller, author_label="f", text="n"
        )
    client.force_login(fulfiller)

    with django_assert_max_num_queries(ROW_QUERIES):
        response = client.get(
            reverse("workspace:order-task-work", args=[task.pk]), HTTP_HX_REQUEST="true"
        )

    assert response.content.count(b"<li") == count


def _decomposed_order(*, domain_orders: int, group) -> CustomerOrder:
    """An in-progress order: a product order with `domain_orders - 1` service orders
    under it, each with a task waiting for the one before, one requires edge."""
    root = DomainOrderFactory(in_progress=True)
    previous = order_task(group=group, domain_order=root, code="t0", name="Task 0")
    children = []
    for index in range(1, domain_orders):
        child = domain_order_child(root)
        children.append(child)
        task = order_task(
            group=group, domain_order=child, code=f"t{index}", name=f"Task {index}"
        )
        OrderTaskDependency.objects.create(task=previous, depends_on=task)
        previous = task
    if len(children) > 1:
        DomainOrderDependency.objects.create(
            domain_order=children[-1], depends_on=children[0]
        )
    return root.order


@pytest.mark.parametrize("count", SIZES)
def test_order_page_with_orchestration_queries_are_bounded(
    client, fulfiller, provisioning, count, django_assert_max_num_queries
):
    order = _decomposed_order(domain_orders=count, group=provisioning)
    client.force_login(fulfiller)
    url = reverse("workspace:order-detail", args=[order.pk])
    client.get(url)  # per-process caches warm, whichever test ran first

    with django_assert_max_num_queries(ORDER_PAGE_QUERIES):
        response = client.get(url)

    assert response.content.count(b'data-testid="domain-order"') == count
    assert response.content.count(b'data-testid="task-chip"') == count


@pytest.mark.parametrize("count", SIZES)
def test_orchestration_partial_queries_are_bounded(
    client, fulfiller, provisioning, count, django_assert_max_num_queries
):
    order = _decomposed_order(domain_orders=count, group=provisioning)
    client.force_login(fulfiller)

    with django_assert_max_num_queries(PARTIAL_QUERIES):
        response = client.get(
            reverse("workspace:order-orchestration", args=[order.pk]),
            HTTP_HX_REQUEST="true",
        )

    assert response.content.count(b'data-testid="task-chip"') == count


@pytest.mark.parametrize("count", SIZES)
def test_fulfillment_manager_dashboard_queries_are_bounded(
    client, make_user, provisioning, count, django_assert_max_num_queries
):
    for _ in range(count):
        order_task(group=provisioning, due_at=timezone.now() - timedelta(hours=1))
        order_task(
            group=None,
            code="activate",
            name="Activate",
            task_type=TaskType.AUTOMATED,
            state=OrderTaskState.CLOSED_COMPLETE,
            completed_at=timezone.now(),
        )
    client.force_login(make_user("lead", Role.FULFILLMENT_MANAGER))

    with django_assert_max_num_queries(MANAGER_QUERIES):
        response = client.get(reverse("workspace:fulfillment-manager"))

    assert response.content.count(b"<progress") == 2 * count
