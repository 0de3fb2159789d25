"""The jeopardy board (fulfillment managers only): at-risk tasks and orders with
filters, and the reassign / raise priority / note / acknowledge actions; the alert
lists on the fulfillment pages; the order manager's orders in flight."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jeopardy.models import JeopardyAlert
from jeopardy.services import jeopardy_scan
from orchestration.models import JeopardyLevel, OrderTask, OrderTaskNote
from ordermgmt.navigation import places_for
from ordermgmt.roles import Role
from orders.models import CustomerOrder
from tests.jeopardy.factories import OrderTaskFactory, task_opened
from tests.orchestration.factories import WorkGroupFactory, group_member

pytestmark = pytest.mark.django_db

BOARD = "workspace:jeopardy-board"


@pytest.fixture
def lead(make_user):
    return make_user("lead", Role.FULFILLMENT_MANAGER)


@pytest.fixture
def group():
    return WorkGroupFactory(name="Field team")


@pytest.fixture
def at_risk(group, django_capture_on_commit_callbacks):
    """A high task of the field team, a low one of another group, one on track."""
    now = timezone.now()
    high = task_opened(100, now=now, work_group=group, name="Splice fibre")
    low = task_opened(60, now=now, work_group=WorkGroupFactory(), name="Survey")
    task_opened(1, now=now, work_group=group, name="Quiet")
    with django_capture_on_commit_callbacks(execute=True):
        jeopardy_scan(now=now)
    return {"high": high, "low": low}


@pytest.mark.parametrize(
    "role", [None, Role.FULFILLMENT_AGENT, Role.ORDER_MANAGER, Role.FALLOUT_MANAGER]
)
def test_only_fulfillment_managers_open_the_board(client, make_user, role, at_risk):
    client.force_login(make_user("someone", *([role] if role else [])))

    assert client.get(reverse(BOARD)).status_code == 403
    response = client.post(
        reverse("workspace:jeopardy-task-priority", args=[at_risk["high"].pk]),
        {"priority": 0},
    )
    assert response.status_code == 403
    assert OrderTask.objects.get(pk=at_risk["high"].pk).priority == 2


def test_board_lists_tasks_and_orders_at_risk_highest_first(client, lead, at_risk):
    client.force_login(lead)

    page = client.get(reverse(BOARD)).content.decode()

    assert page.index("Splice fibre") < page.index("Survey")
    assert "Quiet" not in page
    assert at_risk["high"].order.number in page
    assert 'data-testid="jeopardy-alerts"' in page


def test_board_filters_by_level_group_and_age(client, lead, at_risk, group):
    client.force_login(lead)

    high_only = client.get(reverse(BOARD), {"level": JeopardyLevel.HIGH})
    low_group = client.get(reverse(BOARD), {"group": at_risk["low"].work_group_id})
    old = client.get(reverse(BOARD), {"age": 4})

    assert [t.pk for t in high_only.context["page"].object_list] == [at_risk["high"].pk]
    assert [t.pk for t in low_group.context["page"].object_list] == [at_risk["low"].pk]
    assert list(old.context["page"].object_list) == []


def test_board_reassigns_raises_priority_and_notes(client, lead, at_risk, make_user):
    client.force_login(lead)
    task = at_risk["high"]
    night = WorkGroupFactory(name="Night")
    person = group_member(make_user, night, "night-owl")

    client.post(
        reverse("workspace:jeopardy-task-reassign", args=[task.pk]),
        {"work_group": night.pk, "assignee": person.pk, "reason": "free hands"},
    )
    client.post(
        reverse("workspace:jeopardy-task-priority", args=[task.pk]), {"priority": 0}
    )
    response = client.post(
        reverse("workspace:jeopardy-task-note", args=[task.pk]), {"text": "Go now"}
    )

    fresh = OrderTask.objects.get(pk=task.pk)
    assert (fresh.work_group_id, fresh.assignee_id, fresh.priority) == (
        night.pk,
        person.pk,
        0,
    )
    assert OrderTaskNote.objects.filter(task=task, text="Go now").exists()
    assert response.status_code == 302
    assert response["Location"] == reverse(BOARD)


def test_board_action_refusal_is_shown_not_raised(client, lead, at_risk):
    client.force_login(lead)

    response = client.post(
        reverse("workspace:jeopardy-task-priority", args=[at_risk["high"].pk]),
        {"priority": 3},
        follow=True,
    )

    assert response.status_code == 200
    assert "a raise needs a lower number" in response.content.decode()


def test_group_member_sees_and_acknowledges_its_alerts(
    client, make_user, group, at_risk
):
    member = make_user("fielder", Role.FULFILLMENT_AGENT)
    group.members.add(member)
    client.force_login(member)

    response = client.get(reverse("workspace:fulfillment"))
    alert = JeopardyAlert.objects.get(task=at_risk["high"])
    other = JeopardyAlert.objects.get(task=at_risk["low"])
    assert response.context["alerts"] == [alert]

    client.post(reverse("workspace:jeopardy-alert-ack", args=[alert.pk]))
    client.post(reverse("workspace:jeopardy-alert-ack", args=[other.pk]))

    alert.refresh_from_db()
    other.refresh_from_db()
    assert alert.acknowledged_by_id == member.pk
    assert other.acknowledged_at is None
    after = client.get(reverse("workspace:fulfillment"))
    assert after.context["alerts"] == []
    assert 'data-testid="jeopardy-alerts"' not in after.content.decode()


def test_fulfillment_manager_page_shows_alerts_and_board_link(client, lead, at_risk):
    client.force_login(lead)

    page = client.get(reverse("workspace:fulfillment-manager")).content.decode()

    assert 'data-testid="jeopardy-board-link"' in page
    assert "Splice fibre" in page
    assert "Survey" in page


def test_board_is_in_the_fulfillment_manager_navigation(lead):
    assert "workspace:jeopardy-board" in [p.url_name for p in places_for(lead)]


def test_board_queries_do_not_grow_with_tasks(
    client,
    lead,
    group,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    for minutes in range(60, 120, 2):
        task_opened(minutes, now=now, work_group=group)
    with django_capture_on_commit_callbacks(execute=True):
        jeopardy_scan(now=now)
    client.force_login(lead)

    with django_assert_max_num_queries(14):
        assert client.get(reverse(BOARD)).status_code == 200


# --- the order manager -----------------------------------------------------------------


@pytest.fixture
def order_manager(make_user):
    return make_user("olga", Role.ORDER_MANAGER)


def test_order_manager_sees_orders_in_flight_with_jeopardy(
    client, order_manager, at_risk, django_assert_max_num_queries
):
    committed = timezone.now() + timedelta(days=3)
    CustomerOrder.objects.filter(pk=at_risk["high"].order_id).update(
        committed_date=committed
    )
    OrderTaskFactory(domain_order=at_risk["high"].domain_order)
    client.force_login(order_manager)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("workspace:order-manager"))

    rows = {order.pk: order for order in response.context["page"].object_list}
    high = rows[at_risk["high"].order_id]
    assert (high.jeopardy, high.open_tasks, high.committed) == (
        JeopardyLevel.HIGH,
        2,
        committed,
    )
    assert rows[at_risk["low"].order_id].jeopardy == JeopardyLevel.LOW


def test_order_manager_filters_at_risk_orders(client, order_manager, at_risk):
    client.force_login(order_manager)

    response = client.get(
        reverse("workspace:order-manager"), {"at_risk": JeopardyLevel.HIGH}
    )

    assert [o.pk for o in response.context["page"].object_list] == [
        at_risk["high"].order_id
    ]


def test_order_manager_page_is_for_order_managers(client, lead):
    client.force_login(lead)

    assert client.get(reverse("workspace:order-manager")).status_code == 403
