"""Jeopardy threshold math on plain values (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from jeopardy.rules import (
    CRITICAL,
    DEFAULT_THRESHOLDS,
    HIGH,
    LOW,
    MEDIUM,
    NONE,
    RECHECK_AT_RISK,
    TaskClock,
    Thresholds,
    jeopardy_assess,
    thresholds_from_outputs,
)

OPENED = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return OPENED + timedelta(minutes=minutes)


def _assess(minutes: float, **clock: object):
    return jeopardy_assess(
        clock=TaskClock(opened_at=OPENED, sla_minutes=100, **clock),  # type: ignore[arg-type]
        thresholds=DEFAULT_THRESHOLDS,
        now=_at(minutes),
    )


@pytest.mark.parametrize(
    ("elapsed", "level", "next_check"),
    [
        (0, NONE, 50),
        (49, NONE, 50),
        (50, LOW, 75),
        (74, LOW, 75),
        (75, MEDIUM, 100),
        (100, HIGH, None),
        (500, HIGH, None),
    ],
)
def test_sla_share_sets_level_and_next_threshold(elapsed, level, next_check):
    assessment = _assess(elapsed)

    assert assessment.level == level
    recheck = _at(elapsed) + RECHECK_AT_RISK
    if next_check is None:
        assert assessment.next_check_at == recheck
    elif level == NONE:
        assert assessment.next_check_at == _at(next_check)
    else:
        assert assessment.next_check_at == min(_at(next_check), recheck)


def test_a_task_at_risk_is_rechecked_before_a_far_threshold():
    # 50 % of a 10-hour SLA reached; 75 % is 2.5 h away: look again sooner so a
    # finished or rescheduled task clears.
    assessment = jeopardy_assess(
        clock=TaskClock(opened_at=OPENED, sla_minutes=600),
        thresholds=DEFAULT_THRESHOLDS,
        now=_at(300),
    )
    assert assessment.level == LOW
    assert assessment.next_check_at == _at(300) + RECHECK_AT_RISK


def test_critical_when_projected_completion_misses_committed_date():
    # Task due at 100 min, then 60 min of planned work; committed at 150 min.
    assessment = _assess(
        10, committed_at=_at(150), remaining_after=timedelta(minutes=60)
    )

    assert assessment.level == CRITICAL
    assert assessment.projected_completion == _at(160)


def test_committed_date_with_slack_stays_on_track_until_the_slack_is_gone():
    # Projected 160 min, committed 200: critical once now + 60 passes 200.
    before = _assess(10, committed_at=_at(200), remaining_after=timedelta(minutes=60))
    after = _assess(141, committed_at=_at(200), remaining_after=timedelta(minutes=60))

    assert before.level == NONE
    assert before.next_check_at == _at(50)  # the low threshold comes first
    assert after.level == CRITICAL
    assert after.next_check_at == _at(141) + RECHECK_AT_RISK


def test_next_check_is_the_committed_date_threshold_when_it_comes_first():
    assessment = _assess(110, committed_at=_at(200), remaining_after=timedelta(0))

    assert assessment.level == HIGH
    assert assessment.next_check_at == min(
        _at(110) + RECHECK_AT_RISK, _at(200) + timedelta(seconds=1)
    )


def test_critical_share_of_the_sla():
    thresholds = Thresholds(critical_percent=Decimal(150))

    at_149 = jeopardy_assess(
        clock=TaskClock(opened_at=OPENED, sla_minutes=100),
        thresholds=thresholds,
        now=_at(149),
    )
    at_150 = jeopardy_assess(
        clock=TaskClock(opened_at=OPENED, sla_minutes=100),
        thresholds=thresholds,
        now=_at(150),
    )

    assert (at_149.level, at_149.next_check_at) == (HIGH, _at(150))
    assert at_150.level == CRITICAL


def test_no_sla_and_no_committed_date_needs_no_check():
    assessment = jeopardy_assess(
        clock=TaskClock(opened_at=OPENED, sla_minutes=0),
        thresholds=DEFAULT_THRESHOLDS,
        now=_at(1000),
    )
    assert (assessment.level, assessment.next_check_at) == (NONE, None)


def test_thresholds_from_rule_outputs_keep_defaults_for_blank_cells():
    thresholds = thresholds_from_outputs(
        {"low_percent": Decimal(25), "medium_percent": None, "critical_percent": 0}
    )
    assert thresholds == Thresholds(
        low_percent=Decimal(25),
        medium_percent=Decimal(75),
        high_percent=Decimal(100),
        critical_percent=None,
    )
    assert thresholds_from_outputs(None) == DEFAULT_THRESHOLDS
