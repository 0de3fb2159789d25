"""Enrichment tasks: technical data a fulfillment agent must add before an order is New."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel


class EnrichmentTaskState(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED_COMPLETE = "closed_complete", "Closed complete"
    CANCELED = "canceled", "Canceled"


class EnrichmentTask(ConcurrentTransitionMixin, TimeStampedModel):
    """One line's missing technical characteristics, waiting in a work group's queue."""

    order = models.ForeignKey(
        "orders.CustomerOrder",
        on_delete=models.CASCADE,
        related_name="enrichment_tasks",
    )
    line = models.ForeignKey(
        "orders.CustomerOrderLine",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrichment_tasks",
    )
    work_group = models.ForeignKey(
        "ordermgmt.WorkGroup", on_delete=models.PROTECT, related_name="enrichment_tasks"
    )
    state = FSMField(
        max_length=16,
        choices=EnrichmentTaskState.choices,
        default=EnrichmentTaskState.OPEN,
        protected=True,
    )
    # Characteristic codes the agent must fill in on the line.
    characteristics = models.JSONField(default=list, blank=True)
    instructions = models.TextField(blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrichment_tasks",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # What the agent entered, as {code: value}.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["work_group", "state", "created_at"],
                name="orders_enrich_queue_idx",
            ),
            models.Index(fields=["order", "state"], name="orders_enrich_order_idx"),
        ]

    def __str__(self) -> str:
        return f"Enrichment {self.pk} of {self.order_id}"

    @transition(
        field=state,
        source=EnrichmentTaskState.OPEN,
        target=EnrichmentTaskState.IN_PROGRESS,
    )
    def claim(self, *, user_id: int, at: datetime) -> None:
        self.assignee_id = user_id
        self.claimed_at = at

    @transition(
        field=state,
        source=[EnrichmentTaskState.OPEN, EnrichmentTaskState.IN_PROGRESS],
        target=EnrichmentTaskState.CLOSED_COMPLETE,
    )
    def complete(self, *, data: dict[str, object], at: datetime) -> None:
        self.data = data
        self.completed_at = at

    @transition(
        field=state,
        source=[EnrichmentTaskState.OPEN, EnrichmentTaskState.IN_PROGRESS],
        target=EnrichmentTaskState.CANCELED,
    )
    def cancel(self, *, at: datetime) -> None:
        self.completed_at = at
