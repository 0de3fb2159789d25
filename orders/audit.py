"""Audit action names the orders services write."""

from django.db import models


class AuditAction(models.TextChoices):
    ACCOUNT_CREATED = "account.created", "Account created"
    ACCOUNT_SUSPENDED = "account.suspended", "Account suspended"
    ACCOUNT_REACTIVATED = "account.reactivated", "Account reactivated"
    CONTACT_ADDED = "account.contact_added", "Contact added"
    PORTAL_USER_ADDED = "account.portal_user_added", "Portal user added"
    ORDER_DRAFT_CREATED = "order.draft_created", "Draft order created"
    ORDER_CAPTURED = "order.captured", "Order captured"
    ORDER_UPDATED = "order.updated", "Order updated"
    ORDER_DISCOUNT_SET = "order.discount_set", "Discount set"
    ORDER_LINE_ADDED = "order.line_added", "Order line added"
    ORDER_LINE_CHANGED = "order.line_changed", "Order line changed"
    ORDER_LINE_REMOVED = "order.line_removed", "Order line removed"
    ORDER_SUBMITTED = "order.submitted", "Order submitted"
    ORDER_ENRICHMENT_STARTED = "order.enrichment_started", "Enrichment started"
    ORDER_ENRICHMENT_HELD = "order.enrichment_held", "Enrichment put on hold"
    ORDER_ENRICHMENT_RESUMED = "order.enrichment_resumed", "Enrichment resumed"
    ORDER_ENRICHMENT_FINISHED = "order.enrichment_finished", "Enrichment finished"
    ORDER_APPROVAL_QUEUED = "order.approval_queued", "Queued for approval"
    ORDER_APPROVED = "order.approved", "Order approved"
    ORDER_REJECTED = "order.rejected", "Order rejected"
    ORDER_DRAFT_CANCELED = "order.draft_canceled", "Draft order canceled"
    ORDER_FULFILLMENT_STARTED = "order.fulfillment_started", "Fulfillment started"
    ORDER_COMPLETED = "order.completed", "Order completed"
    ORDER_COMPLETED_PARTIALLY = "order.completed_partially", "Order partially completed"
    ORDER_FAILED = "order.failed", "Order failed"
    LINE_ADDED = "order_line.added", "Order line added"
    LINE_SUBMITTED = "order_line.submitted", "Order line submitted"
    LINE_ENRICHMENT_STARTED = "order_line.enrichment_started", "Enrichment started"
    LINE_ENRICHMENT_HELD = "order_line.enrichment_held", "Enrichment put on hold"
    LINE_ENRICHMENT_RESUMED = "order_line.enrichment_resumed", "Enrichment resumed"
    LINE_ENRICHMENT_FINISHED = "order_line.enrichment_finished", "Enrichment finished"
    LINE_ENRICHED = "order_line.enriched", "Technical data added"
    LINE_ACKNOWLEDGED = "order_line.acknowledged", "Order line acknowledged"
    LINE_REJECTED = "order_line.rejected", "Order line rejected"
    LINE_CANCELED = "order_line.canceled", "Order line canceled"
    LINE_FULFILLMENT_STARTED = (
        "order_line.fulfillment_started",
        "Line fulfillment started",
    )
    LINE_COMPLETED = "order_line.completed", "Order line completed"
    LINE_COMPLETED_PARTIALLY = (
        "order_line.completed_partially",
        "Line partially completed",
    )
    LINE_FAILED = "order_line.failed", "Order line failed"
    LINE_PONR_REACHED = "order_line.ponr_reached", "Point of no return reached"
    ENRICHMENT_TASK_OPENED = "enrichment_task.opened", "Enrichment task opened"
    ENRICHMENT_TASK_CLAIMED = "enrichment_task.claimed", "Enrichment task claimed"
    ENRICHMENT_TASK_COMPLETED = "enrichment_task.completed", "Enrichment task completed"
    ENRICHMENT_TASK_CANCELED = "enrichment_task.canceled", "Enrichment task canceled"
