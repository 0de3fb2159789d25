"""Jeopardy email: one message per work group for the alerts of one scan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail

from jeopardy.models import JeopardyAlert
from jeopardy.selectors import jeopardy_alert_recipients


def _message_body(alerts: list[JeopardyAlert]) -> str:
    lines = [
        "These order tasks reached a new jeopardy level:",
        "",
        *(
            f"- {alert.get_level_display()}: task {alert.task.name} "
            f"({alert.task.code} #{alert.task_id}) of order {alert.order.number}"
            for alert in alerts
        ),
        "",
        "See the jeopardy board in the workspace.",
    ]
    return "\n".join(lines)


def jeopardy_alerts_mail(*, alert_ids: Iterable[int]) -> int:
    """Email each alerted group (members and manager) one message listing its new
    alerts; return the number of messages sent. Runs after the scan committed."""
    alerts = list(
        JeopardyAlert.objects.filter(pk__in=list(alert_ids))
        .select_related("task", "order", "work_group")
        .order_by("work_group_id", "-level", "id")
    )
    by_group: dict[int | None, list[JeopardyAlert]] = defaultdict(list)
    for alert in alerts:
        by_group[alert.work_group_id].append(alert)
    recipients = jeopardy_alert_recipients(work_group_ids=by_group.keys())
    messages = []
    for group_id, group_alerts in by_group.items():
        to = recipients.get(group_id) or []
        if not to:
            continue
        group = group_alerts[0].work_group
        name = group.name if group is not None else "Automated tasks"
        subject = f"[OMS] {len(group_alerts)} task(s) in jeopardy — {name}"
        messages.append(
            (subject, _message_body(group_alerts), settings.DEFAULT_FROM_EMAIL, to)
        )
    if not messages:
        return 0
    return send_mass_mail(messages, fail_silently=False)
