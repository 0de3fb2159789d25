"""Audit action names the jeopardy services write."""

from django.db import models


class AuditAction(models.TextChoices):
    LEVEL_RAISED = "order_task.jeopardy_raised", "Jeopardy level raised"
    LEVEL_LOWERED = "order_task.jeopardy_lowered", "Jeopardy level lowered"
    LEVEL_CLEARED = "order_task.jeopardy_cleared", "Jeopardy cleared"
    ALERT_ACKNOWLEDGED = "jeopardy_alert.acknowledged", "Jeopardy alert acknowledged"
