"""The jeopardy scan: look at the tasks whose check time has come, set their level and
their next check time, and alert each task's group once per level.

The scan reads only tasks with `jeopardy_check_at <= now` (a partial index range scan)
in batches, each batch in its own short transaction with its task rows locked
(SKIP LOCKED: an overlapping scan takes other rows, never the same ones). Levels and
check times go back in one set-based UPDATE per batch; alerts are inserted in bulk and
the unique (task, level) constraint ignores a repeat. One email per group and scan is
sent after commit. See docs/adr/0014.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from decisions.selectors import decision_published_compiled
from jeopardy.models import JeopardyAlert
from jeopardy.rules import (
    DEFAULT_THRESHOLDS,
    NONE,
    TaskClock,
    Thresholds,
    jeopardy_assess,
    thresholds_from_outputs,
)
from jeopardy.selectors import (
    TASK_FINISHED_STATES,
    DueTask,
    jeopardy_alert_keys,
    jeopardy_tasks_due_for_update,
    order_planned_ends,
    sql_update_from_values_supported,
)
from jeopardy.services.mail import AlertNotice, jeopardy_alerts_mail
from orchestration.models import OrderTask
from ordermgmt.transactions import service_atomic

logger = logging.getLogger(__name__)

THRESHOLDS_TABLE_KEY = "jeopardy_thresholds"
BATCH_SIZE = 5000


@dataclass
class ScanResult:
    looked_at: int = 0
    raised: int = 0
    cleared: int = 0
    alert_ids: list[int] = field(default_factory=list)
    notices: list[AlertNotice] = field(default_factory=list)


@dataclass(frozen=True)
class _Decision:
    task: DueTask
    level: int
    check_at: datetime | None


class _ThresholdRules:
    """The published jeopardy_thresholds table, evaluated once per distinct input
    within a scan; the defaults when no version is published."""

    def __init__(self) -> None:
        self._compiled = decision_published_compiled(key=THRESHOLDS_TABLE_KEY)
        self._seen: dict[tuple[Any, ...], Thresholds] = {}

    def for_task(self, task: DueTask) -> Thresholds:
        if self._compiled is None:
            return DEFAULT_THRESHOLDS
        key = (task.code, task.specification, task.order_priority, task.account)
        thresholds = self._seen.get(key)
        if thresholds is None:
            result = self._compiled.evaluate(
                {
                    "task_code": task.code,
                    "specification": task.specification,
                    "order_priority": task.order_priority,
                    "customer": task.account,
                }
            )
            outputs = result.outputs if isinstance(result.outputs, dict) else None
            thresholds = thresholds_from_outputs(outputs if result.matched else None)
            self._seen[key] = thresholds
        return thresholds


def _decide(
    task: DueTask,
    *,
    rules: _ThresholdRules,
    order_ends: dict[int, datetime],
    now: datetime,
) -> _Decision:
    if task.state in TASK_FINISHED_STATES or task.opened_at is None:
        return _Decision(task=task, level=NONE, check_at=None)
    order_end = order_ends.get(task.order_id)
    remaining = (
        order_end - task.planned_end
        if order_end is not None and task.planned_end is not None
        else timedelta(0)
    )
    assessment = jeopardy_assess(
        clock=TaskClock(
            opened_at=task.opened_at,
            sla_minutes=task.sla_minutes,
            committed_at=task.committed_at,
            remaining_after=remaining,
        ),
        thresholds=rules.for_task(task),
        now=now,
    )
    return _Decision(
        task=task, level=assessment.level, check_at=assessment.next_check_at
    )


def _write_back(decisions: Sequence[_Decision]) -> None:
    """Set every decided task's level and next check in one statement."""
    if not decisions:
        return
    if sql_update_from_values_supported():
        table = OrderTask._meta.db_table
        rows = [
            {
                "id": d.task.pk,
                "level": d.level,
                "check_at": d.check_at.isoformat() if d.check_at else None,
            }
            for d in decisions
        ]
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET jeopardy_level = v.level, "  # noqa: S608
                "jeopardy_check_at = v.check_at "
                "FROM jsonb_to_recordset(%s::jsonb) "
                "AS v(id bigint, level smallint, check_at timestamptz) "
                "WHERE t.id = v.id",
                [json.dumps(rows)],
            )
        return
    OrderTask.objects.bulk_update(
        [
            OrderTask(
                pk=d.task.pk, jeopardy_level=d.level, jeopardy_check_at=d.check_at
            )
            for d in decisions
        ],
        ["jeopardy_level", "jeopardy_check_at"],
        batch_size=500,
    )


def _alerts_create(decisions: Sequence[_Decision]) -> list[tuple[int, int, int]]:
    """Insert one alert per task raised to a level it was never alerted at; return
    (id, task id, level) of the alerts inserted now. The unique (task, level) constraint drops a
    repeat, so a level reached again after a clear is not alerted twice."""
    raised = [d for d in decisions if d.level > d.task.level]
    if not raised:
        return []
    if sql_update_from_values_supported():
        return _alerts_insert_returning(raised)
    known = jeopardy_alert_keys(task_ids=[d.task.pk for d in raised])
    fresh = [d for d in raised if (d.task.pk, d.level) not in known]
    JeopardyAlert.objects.bulk_create(
        [
            JeopardyAlert(
                task_id=d.task.pk,
                order_id=d.task.order_id,
                level=d.level,
                work_group_id=d.task.work_group_id,
            )
            for d in fresh
        ],
        ignore_conflicts=True,
    )
    wanted = {(d.task.pk, d.level) for d in fresh}
    rows = JeopardyAlert.objects.filter(
        task_id__in={task_id for task_id, _ in wanted}
    ).values_list("pk", "task_id", "level")
    return sorted(row for row in rows if (row[1], row[2]) in wanted)


def _alerts_insert_returning(
    raised: Sequence[_Decision],
) -> list[tuple[int, int, int]]:
    # bulk_create(ignore_conflicts=True) as one statement that also says which rows
    # were new: ON CONFLICT DO NOTHING ... RETURNING gives only the inserted ids.
    now = timezone.now().isoformat()
    rows = [
        {
            "task_id": d.task.pk,
            "order_id": d.task.order_id,
            "level": d.level,
            "work_group_id": d.task.work_group_id,
        }
        for d in raised
    ]
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {JeopardyAlert._meta.db_table} "  # noqa: S608
            "(created_at, updated_at, task_id, order_id, level, work_group_id) "
            "SELECT %s::timestamptz, %s::timestamptz, task_id, order_id, level, "
            "work_group_id FROM jsonb_to_recordset(%s::jsonb) AS r(task_id bigint, "
            "order_id bigint, level smallint, work_group_id bigint) "
            "ON CONFLICT (task_id, level) DO NOTHING RETURNING id, task_id, level",
            [now, now, json.dumps(rows)],
        )
        return sorted(cursor.fetchall())


def _scan_batch(*, now: datetime, limit: int, rules: _ThresholdRules) -> ScanResult:
    with service_atomic():
        tasks = jeopardy_tasks_due_for_update(now=now, limit=limit)
        if not tasks:
            return ScanResult()
        order_ends = order_planned_ends(order_ids={t.order_id for t in tasks})
        decisions = [
            _decide(task, rules=rules, order_ends=order_ends, now=now) for task in tasks
        ]
        _write_back(decisions)
        alerts = _alerts_create(decisions)
    by_task = {d.task.pk: d.task for d in decisions}
    return ScanResult(
        looked_at=len(tasks),
        raised=sum(1 for d in decisions if d.level > d.task.level),
        cleared=sum(1 for d in decisions if d.level == NONE < d.task.level),
        alert_ids=[pk for pk, _, _ in alerts],
        notices=[
            AlertNotice(
                work_group_id=by_task[task_id].work_group_id,
                level=level,
                task_id=task_id,
                task_code=by_task[task_id].code,
                task_name=by_task[task_id].name,
                order_number=by_task[task_id].order_number or "",
            )
            for _, task_id, level in alerts
        ],
    )


def jeopardy_scan(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> ScanResult:
    """Re-assess every task due a jeopardy check, in batches of `batch_size`; alert
    the groups of tasks that reached a new level and email them once after commit."""
    now = now or timezone.now()
    rules = _ThresholdRules()
    total = ScanResult()
    while True:
        batch = _scan_batch(now=now, limit=batch_size, rules=rules)
        total.looked_at += batch.looked_at
        total.raised += batch.raised
        total.cleared += batch.cleared
        total.alert_ids.extend(batch.alert_ids)
        total.notices.extend(batch.notices)
        if batch.looked_at < batch_size:
            break
    if total.notices:
        notices = list(total.notices)
        transaction.on_commit(lambda: jeopardy_alerts_mail(notices=notices))
    return total
