"""Audit action names the decomposition services write."""

from django.db import models


class AuditAction(models.TextChoices):
    ORDER_DECOMPOSED = "order.decomposed", "Order decomposed"
    DOMAIN_ORDER_CREATED = "domain_order.created", "Domain order created"
    DOMAIN_ORDER_INFORMATION_RECEIVED = (
        "domain_order.information_received",
        "Domain order information received",
    )
    DOMAIN_ORDER_RELEASED = "domain_order.released", "Domain order released"
    DOMAIN_ORDER_SCHEDULED = "domain_order.scheduled", "Domain order scheduled"
    DOMAIN_ORDER_STARTED = "domain_order.started", "Domain order started"
    DOMAIN_ORDER_CLOSED = "domain_order.closed", "Domain order closed"
    DOMAIN_ORDER_HELD = "domain_order.held", "Domain order held"
    DOMAIN_ORDER_RESUMED = "domain_order.resumed", "Domain order resumed"
    DOMAIN_ORDER_CANCELLATION_STARTED = (
        "domain_order.cancellation_started",
        "Domain order cancellation started",
    )
    DOMAIN_ORDER_CANCELED = "domain_order.canceled", "Domain order canceled"
    DOMAIN_ORDER_CHARACTERISTICS_CORRECTED = (
        "domain_order.characteristics_corrected",
        "Domain order characteristics corrected",
    )
    DOMAIN_ORDER_INVENTORY_LINKED = (
        "domain_order.inventory_linked",
        "Inventory item linked",
    )
