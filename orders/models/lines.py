"""Lines of customer orders: an action on an offering or on an owned inventory item."""

from __future__ import annotations

from datetime import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel
from orders.models.common import currency_validator, money_field
from orders.models.orders import CustomerOrder


class LineState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ENRICHMENT_IN_PROGRESS = "enrichment_in_progress", "Enrichment in progress"
    ENRICHMENT_ON_HOLD = "enrichment_on_hold", "Enrichment on hold"
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    PARTIAL = "partial", "Partial"
    FAILED = "failed", "Failed"
    AWAITING_INFORMATION = "awaiting_information", "Awaiting information"
    ON_HOLD = "on_hold", "On hold"
    REVISION_IN_PROGRESS = "revision_in_progress", "Revision in progress"
    ASSESSING_CANCELLATION = "assessing_cancellation", "Assessing cancellation"
    CANCELLATION_IN_PROGRESS = "cancellation_in_progress", "Cancellation in progress"
    CANCELED = "canceled", "Canceled"


class LineAction(models.TextChoices):
    ADD = "add", "Add"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    SUSPEND = "suspend", "Suspend"
    RESUME = "resume", "Resume"
    NO_CHANGE = "no_change", "No change"


# Actions on something the account already owns: the line names its inventory item.
MACD_ACTIONS: frozenset[str] = frozenset(
    {LineAction.CHANGE, LineAction.DELETE, LineAction.SUSPEND, LineAction.RESUME}
)


class RecurringPeriod(models.TextChoices):
    MONTH = "month", "Month"
    YEAR = "year", "Year"


# Short names keep the transition tables readable.
_LS = LineState

# States from which a hold, a revision or a cancellation request returns to where it was.
_LINE_RESUMABLE = [_LS.ACKNOWLEDGED, _LS.SCHEDULED, _LS.IN_PROGRESS]
_LINE_CANCELABLE = [
    _LS.SUBMITTED,
    _LS.ENRICHMENT_IN_PROGRESS,
    _LS.ENRICHMENT_ON_HOLD,
    _LS.NEW,
    _LS.ACKNOWLEDGED,
    _LS.SCHEDULED,
    _LS.IN_PROGRESS,
    _LS.AWAITING_INFORMATION,
    _LS.ON_HOLD,
]


class CustomerOrderLine(ConcurrentTransitionMixin, TimeStampedModel):
    """One item of an order: an action on an offering or on an owned inventory item."""

    order = models.ForeignKey(
        CustomerOrder, on_delete=models.CASCADE, related_name="lines"
    )
    parent_line = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="child_lines",
    )
    line_number = models.PositiveIntegerField()
    action = models.CharField(
        max_length=16, choices=LineAction.choices, default=LineAction.ADD
    )
    offering = models.ForeignKey(
        "catalog.ProductOffering",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    specification = models.ForeignKey(
        "catalog.Specification",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    inventory_item = models.ForeignKey(
        "inventory.InventoryItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    # The client's own id for the item (TMF productOrderItem.id), unique within the order.
    item_ref = models.CharField(max_length=64, blank=True, default="")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    # {characteristic code: value}, checked against the specification by the services.
    characteristics = models.JSONField(default=dict, blank=True)
    state = FSMField(
        max_length=32,
        choices=LineState.choices,
        default=LineState.DRAFT,
        protected=True,
    )
    interrupted_state = models.CharField(
        max_length=32, choices=LineState.choices, blank=True, default=""
    )
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(
        max_length=3, default="EUR", validators=[currency_validator]
    )
    one_time_list_price = money_field()
    recurring_list_price = money_field()
    one_time_amount = money_field()
    recurring_amount = money_field()
    recurring_period = models.CharField(
        max_length=8, choices=RecurringPeriod.choices, blank=True, default=""
    )
    # [{"code", "name", "kind", "amount", "charge_type"}] as applied by pricing.
    adjustments = models.JSONField(default=list, blank=True)
    one_time_total = money_field()
    recurring_total = money_field()
    # TMF extension attributes a client sent that have no column (kept, echoed back).
    extra = models.JSONField(default=dict, blank=True)
    # Set when the line's first point-of-no-return task completed: no more cancellation.
    ponr_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "line_number"]
        indexes = [
            models.Index(
                fields=["inventory_item", "state"], name="orders_line_item_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "line_number"], name="orders_line_number_uniq"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orders_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(action__in=LineAction.values),
                name="orders_line_action_valid",
            ),
            models.CheckConstraint(
                condition=~Q(action__in=sorted(MACD_ACTIONS))
                | Q(inventory_item__isnull=False),
                name="orders_line_macd_needs_item",
            ),
            models.CheckConstraint(
                condition=~Q(parent_line=F("pk")), name="orders_line_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_number} {self.action}"

    # --- with the order, before acknowledgement ---

    @transition(field=state, source=_LS.DRAFT, target=_LS.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=state, source=_LS.DRAFT, target=_LS.CANCELED)
    def cancel_draft(self, *, at: datetime) -> None:
        self.canceled_at = at

    @transition(field=state, source=_LS.SUBMITTED, target=_LS.ENRICHMENT_IN_PROGRESS)
    def start_enrichment(self) -> None:
        pass

    @transition(
        field=state, source=_LS.ENRICHMENT_IN_PROGRESS, target=_LS.ENRICHMENT_ON_HOLD
    )
    def hold_enrichment(self) -> None:
        pass

    @transition(
        field=state, source=_LS.ENRICHMENT_ON_HOLD, target=_LS.ENRICHMENT_IN_PROGRESS
    )
    def resume_enrichment(self) -> None:
        pass

    @transition(
        field=state, source=[_LS.SUBMITTED, _LS.ENRICHMENT_IN_PROGRESS], target=_LS.NEW
    )
    def finish_enrichment(self) -> None:
        pass

    @transition(field=state, source=_LS.NEW, target=_LS.ACKNOWLEDGED)
    def acknowledge(self) -> None:
        pass

    @transition(
        field=state,
        source=[
            _LS.SUBMITTED,
            _LS.ENRICHMENT_IN_PROGRESS,
            _LS.ENRICHMENT_ON_HOLD,
            _LS.NEW,
        ],
        target=_LS.REJECTED,
    )
    def reject(self) -> None:
        pass

    # --- fulfillment ---

    @transition(field=state, source=_LS.ACKNOWLEDGED, target=_LS.SCHEDULED)
    def schedule(self, *, start_at: datetime) -> None:
        self.scheduled_for = start_at

    @transition(
        field=state, source=[_LS.ACKNOWLEDGED, _LS.SCHEDULED], target=_LS.IN_PROGRESS
    )
    def start(self, *, at: datetime) -> None:
        self.started_at = at

    @transition(field=state, source=_LS.IN_PROGRESS, target=_LS.COMPLETED)
    def complete(self, *, at: datetime) -> None:
        self.completed_at = at

    @transition(field=state, source=_LS.IN_PROGRESS, target=_LS.PARTIAL)
    def complete_partially(self, *, at: datetime) -> None:
        self.completed_at = at

    @transition(field=state, source=_LS.IN_PROGRESS, target=_LS.FAILED)
    def fail(self, *, at: datetime) -> None:
        self.completed_at = at

    @transition(field=state, source=_LS.IN_PROGRESS, target=_LS.AWAITING_INFORMATION)
    def await_information(self) -> None:
        pass

    @transition(field=state, source=_LS.AWAITING_INFORMATION, target=_LS.IN_PROGRESS)
    def receive_information(self) -> None:
        pass

    @transition(field=state, source=_LINE_RESUMABLE, target=_LS.ON_HOLD)
    def hold(self) -> None:
        self.interrupted_state = self.state

    @transition(field=state, source=_LS.ON_HOLD, target=RETURN_VALUE(*_LINE_RESUMABLE))
    def resume(self) -> str:
        return self._take_interrupted_state(default=_LS.IN_PROGRESS)

    # --- revision ---

    @transition(field=state, source=_LINE_RESUMABLE, target=_LS.REVISION_IN_PROGRESS)
    def start_revision(self) -> None:
        self.interrupted_state = self.state

    @transition(
        field=state,
        source=_LS.REVISION_IN_PROGRESS,
        target=RETURN_VALUE(*_LINE_RESUMABLE),
    )
    def finish_revision(self) -> str:
        return self._take_interrupted_state(default=_LS.IN_PROGRESS)

    # --- cancellation ---

    @transition(field=state, source=_LINE_CANCELABLE, target=_LS.ASSESSING_CANCELLATION)
    def request_cancellation(self) -> None:
        self.interrupted_state = self.state

    @transition(
        field=state,
        source=_LS.ASSESSING_CANCELLATION,
        target=RETURN_VALUE(*_LINE_CANCELABLE),
    )
    def refuse_cancellation(self) -> str:
        return self._take_interrupted_state(default=_LS.IN_PROGRESS)

    @transition(
        field=state,
        source=_LS.ASSESSING_CANCELLATION,
        target=_LS.CANCELLATION_IN_PROGRESS,
    )
    def accept_cancellation(self) -> None:
        self.interrupted_state = ""

    @transition(field=state, source=_LS.CANCELLATION_IN_PROGRESS, target=_LS.CANCELED)
    def cancel(self, *, at: datetime) -> None:
        self.canceled_at = at

    def _take_interrupted_state(self, *, default: str) -> str:
        target = self.interrupted_state or default
        self.interrupted_state = ""
        return target
