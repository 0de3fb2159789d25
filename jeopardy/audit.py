"""Audit action names the jeopardy services write."""

from django.db import models


class AuditAction(models.TextChoices):
    ALERT_ACKNOWLEDGED = "jeopardy_alert.acknowledged", "Jeopardy alert acknowledged"
