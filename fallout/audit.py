"""Audit action names the fallout services write."""

from django.db import models


class AuditAction(models.TextChoices):
    FALLOUT_OPENED = "fallout.opened", "Fallout opened"
    FALLOUT_ASSIGNED = "fallout.assigned", "Fallout taken"
    FALLOUT_ROUTED = "fallout.routed", "Fallout reassigned to a group"
    FALLOUT_HELD = "fallout.held", "Fallout on hold"
    FALLOUT_AWAITING_INFORMATION = (
        "fallout.awaiting_information",
        "Fallout awaits information",
    )
    FALLOUT_RESUMED = "fallout.resumed", "Fallout resumed"
    FALLOUT_CHARACTERISTICS_CORRECTED = (
        "fallout.characteristics_corrected",
        "Fallout: characteristics corrected",
    )
    FALLOUT_RESOLVED = "fallout.resolved", "Fallout resolved"
    FALLOUT_CLOSED = "fallout.closed", "Fallout closed"
    FALLOUT_CANCELED = "fallout.canceled", "Fallout canceled"
    FALLOUT_TYPE_CREATED = "fallout_type.created", "Fallout type created"
