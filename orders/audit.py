"""Audit action names the orders services write."""

from django.db import models


class AuditAction(models.TextChoices):
    ACCOUNT_CREATED = "account.created", "Account created"
    ACCOUNT_SUSPENDED = "account.suspended", "Account suspended"
    ACCOUNT_REACTIVATED = "account.reactivated", "Account reactivated"
    CONTACT_ADDED = "account.contact_added", "Contact added"
    PORTAL_USER_ADDED = "account.portal_user_added", "Portal user added"
    ORDER_DRAFT_CREATED = "order.draft_created", "Draft order created"
    ORDER_LINE_ADDED = "order.line_added", "Order line added"
    ORDER_LINE_CHANGED = "order.line_changed", "Order line changed"
    ORDER_LINE_REMOVED = "order.line_removed", "Order line removed"
    ORDER_SUBMITTED = "order.submitted", "Order submitted"
    ORDER_APPROVED = "order.approved", "Order approved"
    ORDER_REJECTED = "order.rejected", "Order rejected"
    ORDER_DRAFT_CANCELED = "order.draft_canceled", "Draft order canceled"
    LINE_SUBMITTED = "order_line.submitted", "Order line submitted"
    LINE_ACKNOWLEDGED = "order_line.acknowledged", "Order line acknowledged"
    LINE_REJECTED = "order_line.rejected", "Order line rejected"
    LINE_CANCELED = "order_line.canceled", "Order line canceled"
