"""Every periodic job, declared once; `manage.py sync_schedules` makes django-q2 match it.

Later issues add the jeopardy scan, future-dated suspend / resume, staggered release and
event delivery retries here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: str
    minutes: int


SCHEDULES: tuple[ScheduledJob, ...] = ()
