"""The jeopardy scan: levels from the SLA share and the committed date, next checks,
roll-up, clearing, one alert per task and level, one email per group and scan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jeopardy.models import JeopardyAlert
from jeopardy.rules import RECHECK_AT_RISK
from jeopardy.selectors import domain_order_jeopardy_levels, order_jeopardy_levels
from jeopardy.services import jeopardy_scan
from jeopardy.tasks import jeopardy_scan_task
from orchestration.models import JeopardyLevel, OrderTask, OrderTaskState
from ordermgmt.schedules import SCHEDULES
from orders.models import CustomerOrder
from tests.jeopardy.factories import OrderTaskFactory, task_opened, thresholds_publish
from tests.orchestration.factories import WorkGroupFactory, domain_order_child

pytestmark = pytest.mark.django_db

L = JeopardyLevel


def _fresh(task: OrderTask) -> OrderTask:
    return OrderTask.objects.get(pk=task.pk)


def _scan(now, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return jeopardy_scan(now=now, **kwargs)


@pytest.mark.parametrize(
    ("minutes_ago", "level", "next_in"),
    [
        (10, L.NONE, 40),
        (50, L.LOW, 15),  # recheck of a task at risk comes before 75 %
        (80, L.MEDIUM, 15),
        (100, L.HIGH, 15),
    ],
)
def test_scan_sets_level_from_sla_share_and_next_check(
    minutes_ago, level, next_in, django_capture_on_commit_callbacks
):
    now = timezone.now()
    task = task_opened(minutes_ago, now=now)

    result = _scan(now, django_capture_on_commit_callbacks)

    task = _fresh(task)
    assert result.looked_at == 1
    assert task.jeopardy_level == level
    assert task.jeopardy_check_at == now + timedelta(minutes=next_in)


def test_scan_marks_critical_when_projection_misses_committed_date(
    django_capture_on_commit_callbacks,
):
    # given: the task ends in 100 min, the order is committed in 30 min
    now = timezone.now()
    task = task_opened(0, now=now)
    CustomerOrder.objects.filter(pk=task.order_id).update(
        committed_date=now + timedelta(minutes=30)
    )

    # when
    _scan(now, django_capture_on_commit_callbacks)

    # then
    assert _fresh(task).jeopardy_level == L.CRITICAL


def test_critical_path_after_the_task_counts_towards_the_committed_date(
    django_capture_on_commit_callbacks,
):
    # given: the task has 60 min of slack before the committed date, but a later task
    # of the same order is planned to end 90 min after it
    now = timezone.now()
    task = task_opened(0, now=now)
    OrderTaskFactory(
        domain_order=task.domain_order,
        state=OrderTaskState.DRAFT,
        opened_at=None,
        planned_start=task.planned_end,
        planned_end=task.planned_end + timedelta(minutes=90),
        jeopardy_check_at=None,
    )
    CustomerOrder.objects.filter(pk=task.order_id).update(
        committed_date=task.planned_end + timedelta(minutes=60)
    )

    _scan(now, django_capture_on_commit_callbacks)

    assert _fresh(task).jeopardy_level == L.CRITICAL


def test_requested_completion_date_stands_in_for_a_missing_committed_date(
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    task = task_opened(0, now=now)
    CustomerOrder.objects.filter(pk=task.order_id).update(
        requested_completion_date=now + timedelta(minutes=30)
    )

    _scan(now, django_capture_on_commit_callbacks)

    assert _fresh(task).jeopardy_level == L.CRITICAL


def test_published_rules_change_the_thresholds(django_capture_on_commit_callbacks):
    # Demo rules: critical and high priority orders are flagged from 25 % of the SLA.
    thresholds_publish()
    now = timezone.now()
    urgent = task_opened(30, now=now)
    CustomerOrder.objects.filter(pk=urgent.order_id).update(priority=0)
    normal = task_opened(30, now=now)

    _scan(now, django_capture_on_commit_callbacks)

    assert _fresh(urgent).jeopardy_level == L.LOW
    assert _fresh(normal).jeopardy_level == L.NONE


def test_rules_can_make_a_task_critical_by_sla_share(
    django_capture_on_commit_callbacks,
):
    thresholds_publish([(["-", "-", "-", "-"], ["50", "75", "100", "150"])])
    now = timezone.now()
    task = task_opened(151, now=now)

    _scan(now, django_capture_on_commit_callbacks)

    assert _fresh(task).jeopardy_level == L.CRITICAL


def test_scan_reads_only_tasks_due_a_check(django_capture_on_commit_callbacks):
    now = timezone.now()
    due = task_opened(60, now=now)
    later = task_opened(60, now=now, jeopardy_check_at=now + timedelta(minutes=5))
    never = task_opened(60, now=now, jeopardy_check_at=None)

    result = _scan(now, django_capture_on_commit_callbacks)

    assert result.looked_at == 1
    assert _fresh(due).jeopardy_level == L.LOW
    assert _fresh(later).jeopardy_level == L.NONE
    assert _fresh(never).jeopardy_level == L.NONE


def test_levels_roll_up_to_domain_order_and_order_highest_wins(
    django_capture_on_commit_callbacks,
):
    # given: two domain orders of one order; one has a low and a high task
    now = timezone.now()
    low = task_opened(60, now=now)
    task_opened(100, now=now, domain_order=low.domain_order)
    other_do = domain_order_child(low.domain_order, state="in_progress")
    task_opened(80, now=now, domain_order=other_do)
    quiet = task_opened(1, now=now)  # another order, on track

    _scan(now, django_capture_on_commit_callbacks)

    orders = order_jeopardy_levels(order_ids=[low.order_id, quiet.order_id])
    domain_orders = domain_order_jeopardy_levels(order_ids=[low.order_id])
    assert orders == {low.order_id: L.HIGH}
    assert domain_orders == {low.domain_order_id: L.HIGH, other_do.pk: L.MEDIUM}


def test_done_task_is_cleared_and_leaves_the_scan(django_capture_on_commit_callbacks):
    now = timezone.now()
    task = task_opened(100, now=now)
    _scan(now, django_capture_on_commit_callbacks)
    assert _fresh(task).jeopardy_level == L.HIGH

    # when: the task completes, the order no longer counts it at once, and the next
    # check clears it
    OrderTask.objects.filter(pk=task.pk).update(state=OrderTaskState.CLOSED_COMPLETE)
    assert order_jeopardy_levels(order_ids=[task.order_id]) == {}
    _scan(now + RECHECK_AT_RISK, django_capture_on_commit_callbacks)

    task = _fresh(task)
    assert (task.jeopardy_level, task.jeopardy_check_at) == (L.NONE, None)


def test_level_clears_when_back_on_track(django_capture_on_commit_callbacks):
    # given: critical because the committed date is too close
    now = timezone.now()
    task = task_opened(0, now=now)
    CustomerOrder.objects.filter(pk=task.order_id).update(
        committed_date=now + timedelta(minutes=30)
    )
    _scan(now, django_capture_on_commit_callbacks)
    assert _fresh(task).jeopardy_level == L.CRITICAL

    # when: the committed date moves out and the recheck comes
    CustomerOrder.objects.filter(pk=task.order_id).update(
        committed_date=now + timedelta(days=2)
    )
    _scan(now + RECHECK_AT_RISK, django_capture_on_commit_callbacks)

    # then
    assert _fresh(task).jeopardy_level == L.NONE
    assert order_jeopardy_levels(order_ids=[task.order_id]) == {}


def test_one_alert_per_task_and_level_across_repeated_scans(
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    task = task_opened(50, now=now)

    for minute in range(0, 20, 5):
        _scan(now + timedelta(minutes=minute), django_capture_on_commit_callbacks)
    OrderTask.objects.filter(pk=task.pk).update(jeopardy_check_at=now)
    _scan(now, django_capture_on_commit_callbacks)
    assert list(JeopardyAlert.objects.values_list("task_id", "level")) == [
        (task.pk, L.LOW)
    ]

    _scan(now + timedelta(minutes=30), django_capture_on_commit_callbacks)

    assert sorted(JeopardyAlert.objects.values_list("level", flat=True)) == [
        L.LOW,
        L.MEDIUM,
    ]


def test_alert_is_for_the_task_group_and_mailed_once(
    make_user, django_capture_on_commit_callbacks
):
    # given: a group with a member and a manager (both with email) and one without
    manager = make_user("lead", email="lead@example.com")
    member = make_user("worker", email="worker@example.com")
    mute = make_user("mute")
    group = WorkGroupFactory(manager=manager)
    group.members.add(member, mute)
    now = timezone.now()
    first = task_opened(60, now=now, work_group=group)
    task_opened(60, now=now, work_group=group)

    # when: two scans
    _scan(now, django_capture_on_commit_callbacks)
    _scan(now + timedelta(minutes=1), django_capture_on_commit_callbacks)
    OrderTask.objects.filter(work_group=group).update(jeopardy_check_at=now)
    _scan(now + timedelta(minutes=2), django_capture_on_commit_callbacks)

    # then: one message for the two alerts of the group, to member and manager
    alert = JeopardyAlert.objects.get(task=first)
    assert (alert.work_group_id, alert.order_id) == (group.pk, first.order_id)
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["lead@example.com", "worker@example.com"]
    assert "2 task(s) in jeopardy" in mail.outbox[0].subject


def test_mail_waits_for_commit(make_user, django_capture_on_commit_callbacks):
    now = timezone.now()
    group = WorkGroupFactory()
    group.members.add(make_user("m1", email="m1@example.com"))
    task_opened(60, now=now, work_group=group)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jeopardy_scan(now=now)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_scan_queries_do_not_grow_with_the_number_of_tasks(
    django_capture_on_commit_callbacks,
):
    def queries_for(count: int) -> int:
        now = timezone.now()
        group = WorkGroupFactory()
        for index in range(count):
            task_opened(60 + index % 50, now=now, work_group=group)
        with CaptureQueriesContext(connection) as captured:
            _scan(now, django_capture_on_commit_callbacks)
        assert JeopardyAlert.objects.filter(work_group=group).count() == count
        return len(captured)

    assert queries_for(3) == queries_for(30)


def test_scan_goes_through_every_batch(django_capture_on_commit_callbacks):
    now = timezone.now()
    tasks = [task_opened(60, now=now) for _ in range(7)]

    result = _scan(now, django_capture_on_commit_callbacks, batch_size=3)

    assert result.looked_at == 7
    assert {_fresh(t).jeopardy_level for t in tasks} == {L.LOW}


def test_scan_is_scheduled_every_minute():
    job = next(
        job for job in SCHEDULES if job.func == "jeopardy.tasks.jeopardy_scan_task"
    )
    assert job.minutes == 1
    assert jeopardy_scan_task() == 0
