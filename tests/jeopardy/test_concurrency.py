"""Two overlapping jeopardy scans (two threads, two connections) never take the same
task and never alert twice (PostgreSQL row locks; skipped on SQLite)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from jeopardy.models import JeopardyAlert
from jeopardy.selectors import order_planned_ends
from jeopardy.services import jeopardy_scan
from orchestration.models import JeopardyLevel, OrderTask
from tests.jeopardy.factories import task_opened
from tests.orchestration.factories import WorkGroupFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_overlapping_scans_split_the_tasks_and_alert_once(monkeypatch, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # given: 40 tasks at risk, due a check
    now = timezone.now()
    group = WorkGroupFactory()
    tasks = [task_opened(60, now=now, work_group=group) for _ in range(40)]
    # Both scans hold their first batch's locks at the same time before writing.
    barrier = threading.Barrier(2)
    waited = threading.local()

    def planned_ends_after_both_locked(*, order_ids):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait(timeout=20)
        return order_planned_ends(order_ids=order_ids)

    monkeypatch.setattr(
        "jeopardy.services.scan.order_planned_ends", planned_ends_after_both_locked
    )
    results = []
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            results.append(jeopardy_scan(now=now, batch_size=10))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: every task looked at once, one low alert each, nothing twice
    assert errors == []
    assert sum(result.looked_at for result in results) == len(tasks)
    assert all(result.looked_at > 0 for result in results)
    alerts = Counter(JeopardyAlert.objects.values_list("task_id", "level"))
    assert alerts == {(task.pk, JeopardyLevel.LOW): 1 for task in tasks}
    assert set(
        OrderTask.objects.filter(pk__in=[t.pk for t in tasks]).values_list(
            "jeopardy_level", flat=True
        )
    ) == {JeopardyLevel.LOW}


def test_a_repeated_scan_after_an_overlap_adds_no_alert(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = timezone.now()
    tasks = [task_opened(60, now=now) for _ in range(5)]
    jeopardy_scan(now=now)
    # The levels were lost (cleared, then raised again): the alerts are not repeated.
    OrderTask.objects.update(jeopardy_check_at=now, jeopardy_level=0)

    jeopardy_scan(now=now)

    assert JeopardyAlert.objects.count() == len(tasks)
