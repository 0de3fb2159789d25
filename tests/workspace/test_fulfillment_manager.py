"""The fulfillment manager's dashboard: orders in progress, tasks by group and state,
and today's throughput, counted from the orders and tasks as they stand."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orchestration.models import OrderTaskState, TaskType
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role
from orders.models import CustomerOrderState
from tests.orchestration.factories import DomainOrderFactory
from tests.orders.factories import CustomerOrderFactory
from tests.workspace.builders import order_task
from workspace.selectors import orders_in_progress, task_load_by_group, throughput_today

pytestmark = pytest.mark.django_db

DASHBOARD = "workspace:fulfillment-manager"


@pytest.fixture
def lead(make_user):
    return make_user("lead", Role.FULFILLMENT_MANAGER)


@pytest.fixture
def board(provisioning):
    """Two orders in progress with tasks in several states, one finished earlier."""
    now = timezone.now()
    first = DomainOrderFactory(in_progress=True)
    second = DomainOrderFactory(in_progress=True)
    order_task(group=provisioning, domain_order=first, due_at=now - timedelta(hours=1))
    order_task(
        group=provisioning,
        domain_order=first,
        code="install_ont",
        name="Install ONT",
        state=OrderTaskState.CLOSED_COMPLETE,
        completed_at=now,
    )
    order_task(
        group=None,
        domain_order=second,
        code="activate",
        name="Activate",
        task_type=TaskType.AUTOMATED,
        state=OrderTaskState.FAILED,
    )
    order_task(
        group=None,
        domain_order=second,
        code="bill",
        name="Bill",
        task_type=TaskType.AUTOMATED,
        state=OrderTaskState.DRAFT,
    )
    order_task(
        group=None,
        domain_order=second,
        code="old",
        name="Old",
        task_type=TaskType.AUTOMATED,
        state=OrderTaskState.CLOSED_COMPLETE,
        completed_at=now - timedelta(days=2),
    )
    CustomerOrderFactory(state=CustomerOrderState.COMPLETED, completed_at=now)
    CustomerOrderFactory(
        state=CustomerOrderState.COMPLETED, completed_at=now - timedelta(days=3)
    )
    return first.order, second.order


def test_orders_in_progress_come_oldest_first_with_their_task_progress(board):
    first, second = board

    result = orders_in_progress()

    assert [order.pk for order in result.orders] == [first.pk, second.pk]
    assert result.count == 2
    by_pk = {order.pk: order for order in result.orders}
    assert (by_pk[first.pk].tasks_total, by_pk[first.pk].tasks_done) == (2, 1)
    assert (by_pk[second.pk].tasks_total, by_pk[second.pk].tasks_done) == (3, 1)


def test_task_load_counts_unfinished_tasks_by_group_and_state(board):
    loads = {load.group: load for load in task_load_by_group(now=timezone.now())}

    provisioning = loads["Provisioning"]
    automated = loads["No group (automated)"]
    # columns: waiting, open, in progress, on hold, awaiting information, failed
    assert provisioning.counts == [0, 1, 0, 0, 0, 0]
    assert provisioning.overdue == 1
    assert provisioning.done_today == 1
    assert automated.counts == [1, 0, 0, 0, 0, 1]
    assert automated.done_today == 0
    assert list(loads) == ["Provisioning", "No group (automated)"]


def test_throughput_counts_what_finished_since_midnight(board):
    throughput = throughput_today(now=timezone.now())

    assert throughput.orders_completed == 1
    assert throughput.tasks_completed == 1
    assert throughput.manual_tasks_completed == 1


def test_dashboard_shows_the_figures(client, lead, board):
    client.force_login(lead)

    response = client.get(reverse(DASHBOARD))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-testid="orders-completed-today">1<', html)
    assert re.search(r'data-testid="tasks-completed-today">1<', html)
    assert re.search(r'data-testid="tasks-overdue">1<', html)
    assert html.count('data-testid="group-load"') == 2
    assert board[0].number in html
    assert 'hx-trigger="every 30s"' in html


def test_dashboard_refresh_answers_with_the_dashboard_only(client, lead, board):
    client.force_login(lead)

    response = client.get(reverse(DASHBOARD), HTTP_HX_REQUEST="true")

    assert response.content.lstrip().startswith(b'<div id="dashboard"')
    assert b"<html" not in response.content


def test_an_empty_dashboard_says_so(client, lead):
    WorkGroup.objects.all().delete()
    client.force_login(lead)

    response = client.get(reverse(DASHBOARD))

    assert b"No orders in progress." in response.content
    assert b"No tasks open and none completed today." in response.content
