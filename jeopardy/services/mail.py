"""Jeopardy email: one message per work group for the alerts of one scan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail

from jeopardy.selectors import jeopardy_alert_recipients
from orchestration.models import JeopardyLevel
from ordermgmt.models import WorkGroup

# A message lists this many alerts of its group, then says how many more there are.
LISTED_PER_MESSAGE = 50


@dataclass(frozen=True)
class AlertNotice:
    """What an email says about one new alert (gathered by the scan, no query)."""

    work_group_id: int | None
    level: int
    task_id: int
    task_code: str
    task_name: str
    order_number: str


def _message_body(notices: list[AlertNotice]) -> str:
    labels = dict(JeopardyLevel.choices)
    ordered = sorted(notices, key=lambda n: (-n.level, n.task_id))
    listed = [
        f"- {labels[n.level]}: task {n.task_name} ({n.task_code} #{n.task_id}) "
        f"of order {n.order_number}"
        for n in ordered[:LISTED_PER_MESSAGE]
    ]
    more = len(notices) - len(listed)
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


def jeopardy_alerts_mail(*, notices: Iterable[AlertNotice]) -> int:
    """Email each alerted group (members and manager) one message listing its new
    alerts; return the number of messages sent. Runs after the scan committed."""
    by_group: dict[int | None, list[AlertNotice]] = defaultdict(list)
    for notice in notices:
        by_group[notice.work_group_id].append(notice)
    if not by_group:
        return 0
    recipients = jeopardy_alert_recipients(work_group_ids=by_group.keys())
    names = dict(
        WorkGroup.objects.filter(pk__in=[pk for pk in by_group if pk]).values_list(
            "pk", "name"
        )
    )
    messages = []
    for group_id, group_notices in by_group.items():
        to = recipients.get(group_id) or []
        if not to:
            continue
        name = names.get(group_id, "Automated tasks")
        subject = f"[OMS] {len(group_notices)} task(s) in jeopardy — {name}"
        messages.append(
            (subject, _message_body(group_notices), settings.DEFAULT_FROM_EMAIL, to)
        )
    if not messages:
        return 0
    return send_mass_mail(messages, fail_silently=False)
