"""Audit action names the orchestration services write."""

from django.db import models


class AuditAction(models.TextChoices):
    PLAN_CREATED = "plan_template.created", "Plan created"
    PLAN_DEPENDENCIES_SET = "plan_template.dependencies_set", "Plan dependencies set"
    ORDER_ORCHESTRATED = "order.orchestrated", "Fulfillment tasks planned"
    FULFILLMENT_REFUSED = "order.fulfillment_refused", "Fulfillment could not begin"
    TASK_OPENED = "order_task.opened", "Task opened"
    TASK_STARTED = "order_task.started", "Task started"
    TASK_CLAIMED = "order_task.claimed", "Task claimed"
    TASK_NOTE_ADDED = "order_task.note_added", "Note added to task"
    TASK_REASSIGNED = "order_task.reassigned", "Task reassigned"
    TASK_PRIORITY_RAISED = "order_task.priority_raised", "Task priority raised"
    TASK_COMPLETED = "order_task.completed", "Task completed"
    TASK_RETRY_SCHEDULED = "order_task.retry_scheduled", "Task call failed, retry due"
    TASK_FAILED = "order_task.failed", "Task failed"
