"""What the TMF edge must remember: idempotency keys and asynchronous order requests."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel


class ProductOrderRequestState(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ProductOrderRequest(ConcurrentTransitionMixin, TimeStampedModel):
    """A productOrder POSTed with `?mode=async`: validated, queued, captured by the worker.

    The client follows it at `productOrderRequest/<public_id>` until it names the order.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tmf_order_requests",
    )
    account = models.ForeignKey(
        "orders.Account", on_delete=models.PROTECT, related_name="tmf_order_requests"
    )
    external_id = models.CharField(max_length=100, blank=True, default="")
    # The TMF productOrder as the client sent it (a JSON object).
    payload = models.JSONField()
    state = FSMField(
        max_length=16,
        choices=ProductOrderRequestState.choices,
        default=ProductOrderRequestState.ACCEPTED,
        protected=True,
    )
    order = models.ForeignKey(
        "orders.CustomerOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tmf_requests",
    )
    # The TMF Error body a refused capture produced.
    error = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # At most one request in flight per customer and externalId.
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~Q(external_id="") & Q(state="accepted"),
                name="tmf_request_external_id_in_flight_uniq",
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(order__isnull=False),
                name="tmf_request_done_has_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Product order request {self.public_id}"

    @transition(
        field=state,
        source=ProductOrderRequestState.ACCEPTED,
        target=ProductOrderRequestState.DONE,
    )
    def complete(self, *, order_id: int, at: datetime) -> None:
        self.order_id = order_id
        self.finished_at = at

    @transition(
        field=state,
        source=ProductOrderRequestState.ACCEPTED,
        target=ProductOrderRequestState.FAILED,
    )
    def fail(self, *, error: dict[str, object], at: datetime) -> None:
        self.error = error
        self.finished_at = at


class IdempotencyRecord(TimeStampedModel):
    """The first result of a POST sent with an Idempotency-Key, replayed on a repeat."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tmf_idempotency_records",
    )
    key = models.CharField(max_length=255)
    # SHA-256 of the request method, path and canonical JSON body.
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(
        "orders.CustomerOrder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tmf_idempotency_records",
    )
    order_request = models.ForeignKey(
        ProductOrderRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="idempotency_records",
    )
    status_code = models.PositiveSmallIntegerField()
    # The response body as first sent; empty until the first response is rendered.
    response_body = models.JSONField(default=dict, blank=True)
    location = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="tmf_idempotency_user_key_uniq"
            ),
            models.CheckConstraint(
                condition=Q(order__isnull=False) | Q(order_request__isnull=False),
                name="tmf_idempotency_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"Idempotency key {self.key} of user {self.user_id}"
