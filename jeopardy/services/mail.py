"""Jeopardy email: one message per work group for the alerts of one scan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail

from jeopardy.models import JeopardyAlert
from jeopardy.selectors import jeopardy_alert_recipients
from orchestration.models import JeopardyLevel
from ordermgmt.models import WorkGroup

# A message lists this many alerts of its group, then says how many more there are.
LISTED_PER_MESSAGE = 50

_AlertRow = tuple[int | None, str, int, int, str, str]


def _message_body(rows: list[_AlertRow]) -> str:
    labels = dict(JeopardyLevel.choices)
    listed = [
        f"- {labels[level]}: task {name} ({code} #{task_id}) of order {number}"
        for _, name, level, task_id, code, number in rows[:LISTED_PER_MESSAGE]
    ]
    more = len(rows) - len(listed)
    return "\n".join(
        [
            "These order tasks reached a new jeopardy level:",
            "",
            *listed,
            *([f"... and {more} more."] if more > 0 else []),
            "",
            "See the jeopardy board in the workspace.",
        ]
    )


def jeopardy_alerts_mail(*, alert_ids: Iterable[int]) -> int:
    """Email each alerted group (members and manager) one message listing its new
    alerts; return the number of messages sent. Runs after the scan committed."""
    rows = (
        JeopardyAlert.objects.filter(pk__in=list(alert_ids))
        .order_by("work_group_id", "-level", "id")
        .values_list(
            "work_group_id",
            "task__name",
            "level",
            "task_id",
            "task__code",
            "order__number",
        )
    )
    by_group: dict[int | None, list[_AlertRow]] = defaultdict(list)
    for row in rows:
        by_group[row[0]].append(row)
    recipients = jeopardy_alert_recipients(work_group_ids=by_group.keys())
    names = dict(
        WorkGroup.objects.filter(pk__in=[pk for pk in by_group if pk]).values_list(
            "pk", "name"
        )
    )
    messages = []
    for group_id, group_rows in by_group.items():
        to = recipients.get(group_id) or []
        if not to:
            continue
        name = names.get(group_id, "Automated tasks")
        subject = f"[OMS] {len(group_rows)} task(s) in jeopardy — {name}"
        messages.append(
            (subject, _message_body(group_rows), settings.DEFAULT_FROM_EMAIL, to)
        )
    if not messages:
        return 0
    return send_mass_mail(messages, fail_silently=False)
