"""Audit action names the TMF edge writes (its own records; orders audit themselves)."""

from django.db import models


class AuditAction(models.TextChoices):
    ORDER_REQUEST_ACCEPTED = "tmf.order_request.accepted", "Order request accepted"
    ORDER_REQUEST_DONE = "tmf.order_request.done", "Order request captured"
    ORDER_REQUEST_FAILED = "tmf.order_request.failed", "Order request failed"
