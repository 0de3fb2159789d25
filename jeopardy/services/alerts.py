"""Acknowledging a jeopardy alert: the group (or its manager) has seen it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from jeopardy.audit import AuditAction
from jeopardy.exceptions import AlertNotYours
from jeopardy.models import JeopardyAlert
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.locking import lock_one
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role
from ordermgmt.transactions import service_atomic


def _may_acknowledge(*, alert: JeopardyAlert, actor: Actor) -> bool:
    if actor.user_id is None:
        return False
    user = get_user_model().objects.filter(pk=actor.user_id, is_active=True).first()
    if user is None:
        return False
    if (
        user.is_superuser
        or user.groups.filter(name=Role.FULFILLMENT_MANAGER.label).exists()
    ):
        return True
    return (
        alert.work_group_id is not None
        and WorkGroup.objects.filter(
            Q(members=user) | Q(manager=user), pk=alert.work_group_id
        ).exists()
    )


def jeopardy_alert_acknowledge(*, alert_id: int, actor: Actor) -> JeopardyAlert:
    """Mark an alert as seen by a member or manager of its group; a second
    acknowledgement changes nothing."""
    with service_atomic():
        alert = lock_one(JeopardyAlert.objects.all(), pk=alert_id, label="Alert")
        if not _may_acknowledge(alert=alert, actor=actor):
            raise AlertNotYours(
                f"{actor} is not in the group alerted by {alert} and cannot "
                "acknowledge it."
            )
        if alert.acknowledged_at is not None:
            return alert
        now = timezone.now()
        alert.acknowledged_at = now
        alert.acknowledged_by_id = actor.user_id
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        audit_record(
            subject=alert,
            action=AuditAction.ALERT_ACKNOWLEDGED,
            actor=actor,
            data={"task_id": alert.task_id, "level": alert.level},
            at=now,
        )
    return alert
