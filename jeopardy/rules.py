"""Jeopardy threshold math on plain values: the level of one open task now and the
next moment its level can change. No ORM, no clock: the scan passes `now` in.

Levels (orchestration.models.JeopardyLevel): low, medium and high when the time since the
task opened reaches a share of its SLA (defaults 50 / 75 / 100 %); critical when the
projected completion of its order misses the order's committed date, or (when a rule
sets one) when the elapsed time reaches the critical share of the SLA.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

NONE, LOW, MEDIUM, HIGH, CRITICAL = 0, 1, 2, 3, 4

# A task at risk is looked at again after this long even when no threshold is ahead, so
# that its level clears once it is back on track (committed date moved) or done.
RECHECK_AT_RISK = timedelta(minutes=15)
_TICK = timedelta(seconds=1)


@dataclass(frozen=True)
class Thresholds:
    """Shares of the task SLA in percent at which a level is reached; `critical_percent`
    None means only the committed date makes a task critical."""

    low_percent: Decimal = Decimal(50)
    medium_percent: Decimal = Decimal(75)
    high_percent: Decimal = Decimal(100)
    critical_percent: Decimal | None = None

    def shares(self) -> tuple[tuple[int, Decimal], ...]:
        """(level, percent) of the SLA thresholds, lowest level first."""
        shares = [
            (LOW, self.low_percent),
            (MEDIUM, self.medium_percent),
            (HIGH, self.high_percent),
        ]
        if self.critical_percent is not None:
            shares.append((CRITICAL, self.critical_percent))
        return tuple(shares)


DEFAULT_THRESHOLDS = Thresholds()


def _percent(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        percent = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return percent if percent > 0 else None


def thresholds_from_outputs(outputs: Mapping[str, Any] | None) -> Thresholds:
    """Read a jeopardy_thresholds row's outputs; a blank, zero or invalid cell keeps
    the default of its level."""
    if not outputs:
        return DEFAULT_THRESHOLDS
    base = DEFAULT_THRESHOLDS
    return Thresholds(
        low_percent=_percent(outputs.get("low_percent")) or base.low_percent,
        medium_percent=_percent(outputs.get("medium_percent")) or base.medium_percent,
        high_percent=_percent(outputs.get("high_percent")) or base.high_percent,
        critical_percent=_percent(outputs.get("critical_percent")),
    )


@dataclass(frozen=True)
class TaskClock:
    """What the math needs of one open task.

    `remaining_after` is the planned work still to come after this task on its order's
    path (the order's latest planned end minus the task's planned end).
    """

    opened_at: datetime
    sla_minutes: int
    committed_at: datetime | None = None
    remaining_after: timedelta = timedelta(0)


@dataclass(frozen=True)
class JeopardyAssessment:
    level: int
    next_check_at: datetime | None
    projected_completion: datetime | None


def _projected_completion(clock: TaskClock, *, now: datetime) -> datetime:
    task_end = max(now, clock.opened_at + timedelta(minutes=clock.sla_minutes))
    return task_end + max(clock.remaining_after, timedelta(0))


def _commit_missed_at(clock: TaskClock) -> datetime | None:
    """The first moment at which the projection passes the committed date."""
    if clock.committed_at is None:
        return None
    return clock.committed_at - max(clock.remaining_after, timedelta(0)) + _TICK


def jeopardy_assess(
    *, clock: TaskClock, thresholds: Thresholds, now: datetime
) -> JeopardyAssessment:
    """Return the task's level now and when the scan must look at it again."""
    level = NONE
    upcoming: list[datetime] = []
    if clock.sla_minutes > 0:
        sla = timedelta(minutes=clock.sla_minutes)
        for share_level, percent in thresholds.shares():
            reached_at = clock.opened_at + sla * float(percent / 100)
            if reached_at <= now:
                level = max(level, share_level)
            else:
                upcoming.append(reached_at)
    projected = None
    if clock.committed_at is not None:
        projected = _projected_completion(clock, now=now)
        if projected > clock.committed_at:
            level = CRITICAL
        else:
            missed_at = _commit_missed_at(clock)
            if missed_at is not None:
                upcoming.append(max(missed_at, now + _TICK))
    upcoming = [at for at in upcoming if level < CRITICAL]
    if upcoming:
        next_check = min(upcoming)
        if level > NONE:
            next_check = min(next_check, now + RECHECK_AT_RISK)
    elif level > NONE:
        next_check = now + RECHECK_AT_RISK
    else:
        next_check = None
    return JeopardyAssessment(
        level=level, next_check_at=next_check, projected_completion=projected
    )
