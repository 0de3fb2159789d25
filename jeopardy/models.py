"""Jeopardy alerts: one per task and level, for the task's work group and its manager.

The levels themselves live on orchestration.OrderTask (`jeopardy_level`,
`jeopardy_check_at`); domain orders and orders take the highest of their open tasks on
read (jeopardy.selectors), see docs/adr/0014.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from orchestration.models import JeopardyLevel
from ordermgmt.models import TimeStampedModel


class JeopardyAlert(TimeStampedModel):
    """An in-app notice that a task reached a jeopardy level (emailed once as well)."""

    task = models.ForeignKey(
        "orchestration.OrderTask", on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField(choices=JeopardyLevel.choices)
    work_group = models.ForeignKey(
        "ordermgmt.WorkGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "level"], name="jeopardy_alert_once_per_task_level"
            ),
            models.CheckConstraint(
                condition=Q(level__gt=0), name="jeopardy_alert_level_at_risk"
            ),
        ]
        indexes = [
            models.Index(
                fields=["work_group", "created_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="jeopardy_alert_open_idx",
            ),
            # The order page's timeline marks the order's alerts.
            models.Index(
                fields=["order", "created_at"], name="jeopardy_alert_order_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} jeopardy on task {self.task_id}"
