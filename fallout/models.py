"""Fallout records: an order task that failed after its retries, or that an agent
reported, waiting for a person to fix it; and the fallout types process admins keep.

States (DESIGN.md section 3): Open → In progress → Resolved → Closed complete; side
states On hold, Awaiting information, Canceled. The task of an unclosed fallout waits
On hold (ADR 0015).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from orchestration.models import code_validator
from ordermgmt.models import TimeStampedModel


class FalloutType(TimeStampedModel):
    """A category of fallout (billing issue, data error, ...), kept by process admins."""

    code = models.CharField(max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FalloutState(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    CLOSED_COMPLETE = "closed_complete", "Closed complete"
    ON_HOLD = "on_hold", "On hold"
    AWAITING_INFORMATION = "awaiting_information", "Awaiting information"
    CANCELED = "canceled", "Canceled"


# A fallout in one of these states is over: its task is free to move on.
FALLOUT_ENDED_STATES: tuple[str, ...] = (
    FalloutState.CLOSED_COMPLETE,
    FalloutState.CANCELED,
)
# States in which someone can still act on the fallout.
FALLOUT_WORKABLE_STATES: tuple[str, ...] = (
    FalloutState.OPEN,
    FalloutState.IN_PROGRESS,
    FalloutState.ON_HOLD,
    FalloutState.AWAITING_INFORMATION,
)


class FalloutSource(models.TextChoices):
    AUTOMATED = "automated", "Automated task failed"
    REPORTED = "reported", "Reported by an agent"


class FalloutResolution(models.TextChoices):
    RETRIED = "retried", "Retried"
    CORRECTED_AND_RETRIED = "corrected_and_retried", "Data corrected and retried"
    SKIPPED = "skipped", "Task skipped"
    COMPLETED_BY_HAND = "completed_by_hand", "Task completed by hand"
    LINE_CANCELED = "line_canceled", "Line canceled"
    NO_FAULT = "no_fault", "No fault found"


_F = FalloutState


class FalloutRecord(ConcurrentTransitionMixin, TimeStampedModel):
    """One fallout on one order task, numbered FO0001001 (ADR 0007), with the context
    needed to fix it: the adapter's request and response, the error and the attempts."""

    number = models.CharField(max_length=20, unique=True, null=True, editable=False)
    fallout_type = models.ForeignKey(
        FalloutType, on_delete=models.PROTECT, related_name="fallouts"
    )
    state = FSMField(
        max_length=32, choices=FalloutState.choices, default=_F.OPEN, protected=True
    )
    # As OrderTask.priority: a lower number is more urgent.
    priority = models.PositiveSmallIntegerField(default=2)
    work_group = models.ForeignKey(
        "ordermgmt.WorkGroup", on_delete=models.PROTECT, related_name="fallouts"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fallouts",
    )
    task = models.ForeignKey(
        "orchestration.OrderTask", on_delete=models.CASCADE, related_name="fallouts"
    )
    order = models.ForeignKey(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="fallouts"
    )
    line = models.ForeignKey(
        "orders.CustomerOrderLine", on_delete=models.CASCADE, related_name="fallouts"
    )
    source = models.CharField(max_length=16, choices=FalloutSource.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fallouts_reported",
    )
    adapter = models.CharField(max_length=32, blank=True, default="")
    request = models.JSONField(default=dict, blank=True)
    response = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    # Which rule of the fallout_routing table routed it ("" = the default route).
    routed_by = models.CharField(max_length=64, blank=True, default="")
    resolution = models.CharField(
        max_length=32, choices=FalloutResolution.choices, blank=True, default=""
    )
    resolution_reason = models.TextField(blank=True, default="")
    opened_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "opened_at", "id"]
        permissions = [("assign_falloutrecord", "Can assign fallout to people")]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=~Q(state__in=FALLOUT_ENDED_STATES),
                name="fallout_one_open_per_task",
            ),
            models.CheckConstraint(
                condition=Q(state__in=FalloutState.values),
                name="fallout_state_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["work_group", "state"], name="fallout_group_queue_idx"
            ),
            models.Index(fields=["assignee", "state"], name="fallout_assignee_idx"),
            models.Index(fields=["fallout_type", "state"], name="fallout_type_idx"),
            models.Index(fields=["order", "state"], name="fallout_order_idx"),
            models.Index(fields=["state", "opened_at"], name="fallout_aging_idx"),
            models.Index(fields=["opened_at"], name="fallout_opened_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"Fallout #{self.pk}"

    @property
    def is_ended(self) -> bool:
        return self.state in FALLOUT_ENDED_STATES

    @transition(
        field=state,
        source=[_F.OPEN, _F.IN_PROGRESS, _F.ON_HOLD, _F.AWAITING_INFORMATION],
        target=_F.IN_PROGRESS,
    )
    def assign(self, *, user_id: int, at: datetime) -> None:
        self.assignee_id = user_id
        self.taken_at = at

    @transition(field=state, source=[_F.OPEN, _F.IN_PROGRESS], target=_F.OPEN)
    def route(self, *, work_group_id: int) -> None:
        self.work_group_id = work_group_id
        self.assignee_id = None
        self.taken_at = None

    @transition(field=state, source=[_F.OPEN, _F.IN_PROGRESS], target=_F.ON_HOLD)
    def hold(self) -> None:
        pass

    @transition(field=state, source=_F.IN_PROGRESS, target=_F.AWAITING_INFORMATION)
    def await_information(self) -> None:
        pass

    @transition(
        field=state,
        source=[_F.ON_HOLD, _F.AWAITING_INFORMATION],
        target=_F.IN_PROGRESS,
    )
    def resume(self) -> None:
        pass

    @transition(field=state, source=FALLOUT_WORKABLE_STATES, target=_F.RESOLVED)
    def resolve(self, *, resolution: str, reason: str, at: datetime) -> None:
        self.resolution = resolution
        self.resolution_reason = reason
        self.resolved_at = at

    @transition(field=state, source=_F.RESOLVED, target=_F.CLOSED_COMPLETE)
    def close(self, *, at: datetime) -> None:
        self.closed_at = at

    @transition(field=state, source=FALLOUT_WORKABLE_STATES, target=_F.CANCELED)
    def cancel(self, *, resolution: str, reason: str, at: datetime) -> None:
        self.resolution = resolution
        self.resolution_reason = reason
        self.closed_at = at
