"""Every periodic job, declared once; `manage.py sync_schedules` makes django-q2 match it.

Later issues add future-dated suspend / resume, staggered release and
event delivery retries here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: str
    minutes: int


SCHEDULES: tuple[ScheduledJob, ...] = (
    # Polls of slow adapters and retries with backoff whose time has come.
    ScheduledJob(
        name="orchestration.order_tasks_due_run",
        func="orchestration.tasks.order_tasks_due_run_task",
        minutes=1,
    ),
    # Acknowledged orders whose fulfillment pump job was lost (docs/adr/0018).
    ScheduledJob(
        name="orchestration.fulfillment_requests_sweep",
        func="orchestration.tasks.fulfillment_requests_sweep_task",
        minutes=1,
    ),
    # Tasks whose next jeopardy threshold has come: levels, alerts (jeopardy, ADR 0014).
    ScheduledJob(
        name="jeopardy.scan",
        func="jeopardy.tasks.jeopardy_scan_task",
        minutes=1,
    ),
)
