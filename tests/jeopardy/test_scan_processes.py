"""Two overlapping jeopardy scans in two OS processes (two PostgreSQL sessions) on the
test database: together they look at every due task once, and each task is alerted
(and emailed) once per level, over two rounds of overlapping scans (issue 5).

The scanners are tests/jeopardy/scan_process.py; each waits for a shared advisory lock
the test holds and releases once both are blocked on it, so their batches interleave.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from jeopardy.models import JeopardyAlert
from orchestration.models import JeopardyLevel, OrderTask, TaskTemplate
from ordermgmt.models import WorkGroup
from tests.childprocess import ROOT, child_env
from tests.jeopardy.factories import (
    OrderTaskFactory,
    PlanTemplateFactory,
    TaskTemplateFactory,
)
from tests.orchestration.factories import DomainOrderFactory, WorkGroupFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

L = JeopardyLevel
ORDERS = 24
STEPS_PER_ORDER = 100
BATCH_SIZE = 40  # ~24 batches per scanner and round: the two scans interleave
NOT_DUE = None
# Minutes since each task opened (SLA 100 min, thresholds 50/75/100 %); a fifth of the
# tasks are not due a check at all.
AGES = (20, 60, 80, 110, NOT_DUE)
ROUND_2_AFTER = timedelta(minutes=35)
# The level of a task of each age at the first scan and 35 minutes later.
LEVELS = {
    20: (L.NONE, L.LOW),
    60: (L.LOW, L.MEDIUM),
    80: (L.MEDIUM, L.HIGH),
    110: (L.HIGH, L.HIGH),
}
START_KEYS = (5_014_001, 5_014_002)  # advisory locks: the start of each round
WAIT_SECONDS = 60


def _tasks_build(now) -> tuple[dict[int, int | None], list[WorkGroup]]:
    """ORDERS x STEPS_PER_ORDER open tasks in bulk, spread over three groups whose
    members get the emails; return each task's age (None: not due) and the groups."""
    groups = [WorkGroupFactory() for _ in range(3)]
    for group in groups:
        group.members.add(
            User.objects.create_user(
                username=f"member-{group.code}", email=f"{group.code}@example.com"
            )
        )
    plan = PlanTemplateFactory()
    templates = TaskTemplate.objects.bulk_create(
        [TaskTemplateFactory.build(plan=plan) for _ in range(STEPS_PER_ORDER)]
    )
    tasks, task_ages = [], []
    for n in range(ORDERS):
        domain_order = DomainOrderFactory(in_progress=True)
        for step, template in enumerate(templates):
            age = AGES[step % len(AGES)]
            task_ages.append(age)
            opened = now - timedelta(minutes=age or 60)
            tasks.append(
                OrderTaskFactory.build(
                    domain_order=domain_order,
                    template=template,
                    work_group=groups[(n + step) % len(groups)],
                    opened_at=opened,
                    jeopardy_check_at=opened if age else now + timedelta(days=1),
                )
            )
    OrderTask.objects.bulk_create(tasks, batch_size=1000)
    return {task.pk: age for task, age in zip(tasks, task_ages, strict=True)}, groups


def _scanner(rounds: list[tuple[int, str]], log: Path) -> subprocess.Popen[bytes]:
    env = child_env(
        DJANGO_SETTINGS_MODULE="ordermgmt.settings",
        OMS_TESTING="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.jeopardy.scan_process",
                json.dumps(rounds),
                str(BATCH_SIZE),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _output(scanners: list[subprocess.Popen[bytes]], logs: list[Path]) -> str:
    return "\n".join(
        f"--- scanner {i} (exit {scanner.poll()}):\n{log.read_text()[-3000:]}"
        for i, (scanner, log) in enumerate(zip(scanners, logs, strict=True))
    )


def _wait_both_blocked(
    key: int, scanners: list[subprocess.Popen[bytes]], logs: list[Path]
) -> None:
    """Wait until both scanners are blocked on the advisory lock `key`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND NOT granted AND classid = 0 AND objid = %s AND objsubid = 1 "
                "AND database = (SELECT oid FROM pg_database "
                "WHERE datname = current_database())",
                [key],
            )
            if cursor.fetchone()[0] == len(scanners):
                return
        if any(scanner.poll() is not None for scanner in scanners):
            pytest.fail(f"a scanner exited early:\n{_output(scanners, logs)}")
        time.sleep(0.05)
    pytest.fail(f"the scanners did not reach lock {key}:\n{_output(scanners, logs)}")


def _run_scanners(
    rounds: list[tuple[int, str]], tmp_path: Path
) -> list[list[dict[str, Any]]]:
    """Run two scanners through `rounds`, starting both together at each round; return
    each scanner's report (one entry per round)."""
    # The start signals are held on a connection of their own, closed at the end.
    signals = connection.copy()
    logs = [tmp_path / f"scanner-{i}.log" for i in range(2)]
    scanners: list[subprocess.Popen[bytes]] = []
    try:
        with signals.cursor() as cursor:
            for key, _ in rounds:
                cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            scanners = [_scanner(rounds, log) for log in logs]
            for key, _ in rounds:
                _wait_both_blocked(key, scanners, logs)
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        deadline = time.monotonic() + WAIT_SECONDS
        for scanner in scanners:
            try:
                scanner.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pytest.fail(f"a scanner did not finish:\n{_output(scanners, logs)}")
        if any(scanner.returncode for scanner in scanners):
            pytest.fail(f"a scanner failed:\n{_output(scanners, logs)}")
        reports = []
        for log in logs:
            lines = log.read_text().strip().splitlines()
            try:
                reports.append(json.loads(lines[-1]))
            except (IndexError, json.JSONDecodeError):
                pytest.fail(f"no report:\n{_output(scanners, logs)}")
        return reports
    finally:
        for scanner in scanners:
            if scanner.poll() is None:
                scanner.kill()
                scanner.wait()
        signals.close()


def _level_before(age: int, round_no: int) -> int:
    return LEVELS[age][round_no - 1] if round_no else L.NONE


def _overlapped(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether the two scans ran at the same time: each took its first batch before
    the other took its last (wall-clock times of one host)."""
    first_at = [batch["at"] for batch in first["batches"]]
    second_at = [batch["at"] for batch in second["batches"]]
    return min(first_at) < max(second_at) and min(second_at) < max(first_at)


def _summary(scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "looked_at": scan["looked_at"],
            "batches": [(batch["at"], len(batch["ids"])) for batch in scan["batches"]],
        }
        for scan in scans
    ]


def _assert_emails_match_notices(scan: dict[str, Any], groups: list[WorkGroup]) -> None:
    """One email per group the scan alerted, to its member, counting and listing only
    that scan's new alerts of the group."""
    address = {group.pk: f"{group.code}@example.com" for group in groups}
    by_group: dict[int, set[int]] = defaultdict(set)
    for notice in scan["notices"]:
        by_group[notice["work_group_id"]].add(notice["task_id"])
    emails = {tuple(email["to"]): email for email in scan["emails"]}
    assert len(emails) == len(scan["emails"]) == len(by_group)
    for group_id, task_ids in by_group.items():
        email = emails[(address[group_id],)]
        assert email["subject"].startswith(f"[OMS] {len(task_ids)} task(s) in jeopardy")
        listed = [int(pk) for pk in re.findall(r"#(\d+)\)", email["body"])]
        assert listed
        assert set(listed) <= task_ids


def test_two_scanner_processes_look_at_each_task_once_and_alert_once_per_level(
    tmp_path,
):
    # given: 2,400 open tasks, 1,920 due a check (age 20, 60, 80 or 110 min of a
    # 100-min SLA), 480 not due
    now = timezone.now()
    ages, groups = _tasks_build(now)
    due = {pk for pk, age in ages.items() if age is not NOT_DUE}
    assert len(due) == 1920

    # when: two scanner processes scan together, now and again 35 minutes later
    rounds = [
        (START_KEYS[0], now.isoformat()),
        (START_KEYS[1], (now + ROUND_2_AFTER).isoformat()),
    ]
    reports = _run_scanners(rounds, tmp_path)

    # then, in each round:
    expected_alerts: Counter[tuple[int, int]] = Counter()
    for round_no in range(len(rounds)):
        scans = [report[round_no] for report in reports]
        # both scanners took part, at the same time,
        assert all(scan["looked_at"] > 0 for scan in scans), _summary(scans)
        assert _overlapped(*scans), _summary(scans)
        # together they looked at every due task once and at nothing else,
        taken = Counter(
            pk for scan in scans for batch in scan["batches"] for pk in batch["ids"]
        )
        assert taken == Counter(due)
        assert sum(scan["looked_at"] for scan in scans) == len(due)
        # alerted each task that reached a new level once, in one of the two scans,
        new = {
            (pk, LEVELS[ages[pk]][round_no])
            for pk in due
            if LEVELS[ages[pk]][round_no] > _level_before(ages[pk], round_no)
        }
        notices = Counter(
            (notice["task_id"], notice["level"])
            for scan in scans
            for notice in scan["notices"]
        )
        assert notices == Counter(new)
        alert_ids = scans[0]["alert_ids"] + scans[1]["alert_ids"]
        assert len(alert_ids) == len(new)
        assert Counter(
            JeopardyAlert.objects.filter(pk__in=alert_ids).values_list(
                "task_id", "level"
            )
        ) == Counter(new)
        # and emailed each of them once, in its own scan's email to the task's group.
        for scan in scans:
            _assert_emails_match_notices(scan, groups)
        expected_alerts.update(new)

    # Over both rounds: one alert row per task and level reached, none for the rest.
    alerts = Counter(JeopardyAlert.objects.values_list("task_id", "level"))
    assert alerts == expected_alerts
    assert max(alerts.values()) == 1
    levels = dict(OrderTask.objects.values_list("pk", "jeopardy_level"))
    assert {pk: levels[pk] for pk in due} == {pk: LEVELS[ages[pk]][1] for pk in due}
    assert {levels[pk] for pk in ages.keys() - due} == {L.NONE}
