"""Customer orders with the state machine of DESIGN.md section 3.

Transitions only set their own fields; the services in `orders.services` lock, check,
transition, save and audit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel
from orders.models.accounts import Account
from orders.models.common import currency_validator, money_field


class CustomerOrderState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ENRICHMENT_IN_PROGRESS = "enrichment_in_progress", "Enrichment in progress"
    ENRICHMENT_ON_HOLD = "enrichment_on_hold", "Enrichment on hold"
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    REJECTED = "rejected", "Rejected"
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


class OrderPriority(models.IntegerChoices):
    # As in TMF622, a lower number is more urgent.
    CRITICAL = 0, "Critical"
    HIGH = 1, "High"
    NORMAL = 2, "Normal"
    LOW = 3, "Low"


class ApprovalStatus(models.TextChoices):
    NOT_EVALUATED = "not_evaluated", "Not evaluated"
    NOT_REQUIRED = "not_required", "Not required"
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class OrderChannel(models.TextChoices):
    AGENT = "agent", "Agent"
    PORTAL = "portal", "Portal"
    API = "api", "API"
    IMPORT = "import", "Import"


# Short names keep the transition tables readable.
_S = CustomerOrderState
# States from which a hold, a revision or a cancellation request returns to where it was.
_ORDER_RESUMABLE = [_S.ACKNOWLEDGED, _S.IN_PROGRESS]
_ORDER_CANCELABLE = [
    _S.SUBMITTED,
    _S.ENRICHMENT_IN_PROGRESS,
    _S.ENRICHMENT_ON_HOLD,
    _S.NEW,
    _S.ACKNOWLEDGED,
    _S.IN_PROGRESS,
    _S.AWAITING_INFORMATION,
    _S.ON_HOLD,
]


class CustomerOrder(ConcurrentTransitionMixin, TimeStampedModel):
    """A customer's order (TMF622 productOrder) from draft to its outcome."""

    # Set from the primary key in the creating transaction; NULL only inside it.
    number = models.CharField(max_length=20, unique=True, null=True, editable=False)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="orders"
    )
    state = FSMField(
        max_length=32,
        choices=CustomerOrderState.choices,
        default=CustomerOrderState.DRAFT,
        protected=True,
    )
    # The state a hold, a revision or a cancellation request returns to.
    interrupted_state = models.CharField(
        max_length=32, choices=CustomerOrderState.choices, blank=True, default=""
    )
    version = models.PositiveIntegerField(default=1)
    priority = models.PositiveSmallIntegerField(
        choices=OrderPriority.choices, default=OrderPriority.NORMAL
    )
    channel = models.CharField(
        max_length=16, choices=OrderChannel.choices, default=OrderChannel.AGENT
    )
    external_id = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    requested_start_date = models.DateTimeField(null=True, blank=True)
    requested_completion_date = models.DateTimeField(null=True, blank=True)
    committed_date = models.DateTimeField(null=True, blank=True)
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="captured_orders",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approved_orders",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancellation_requested_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True, default="")
    currency = models.CharField(
        max_length=3, default="EUR", validators=[currency_validator]
    )
    one_time_total = money_field()
    monthly_recurring_total = money_field()
    annual_total = money_field()
    total_contract_value = money_field()
    discount_percent = models.DecimalField(
        max_digits=7, decimal_places=4, default=Decimal("0")
    )
    discount_reason = models.TextField(blank=True, default="")
    # Pricing: the price list chosen by the price-list policy; frozen at approval.
    price_list_code = models.CharField(max_length=64, blank=True, default="")
    priced_at = models.DateTimeField(null=True, blank=True)
    price_frozen_at = models.DateTimeField(null=True, blank=True)
    # Approval: what the approval policy decided, and for whom the order waits.
    approval_status = models.CharField(
        max_length=16,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.NOT_EVALUATED,
    )
    approval_reason = models.TextField(blank=True, default="")
    approval_group = models.ForeignKey(
        "ordermgmt.WorkGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_orders",
    )
    # TMF extension attributes a client sent that have no column (kept, echoed back).
    extra = models.JSONField(default=dict, blank=True)
    # Set when the first of its lines passed its point of no return.
    ponr_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["state", "submitted_at"], name="orders_order_queue_idx"
            ),
            models.Index(fields=["account", "state"], name="orders_order_account_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~Q(external_id=""),
                name="orders_order_external_id_uniq",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="orders_order_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="orders_order_discount_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="orders_order_currency_iso",
            ),
            models.CheckConstraint(
                condition=Q(requested_start_date__isnull=True)
                | Q(requested_completion_date__isnull=True)
                | Q(requested_completion_date__gte=F("requested_start_date")),
                name="orders_order_requested_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Order #{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.state == CustomerOrderState.DRAFT

    # --- capture and enrichment ---

    @transition(field=state, source=_S.DRAFT, target=_S.SUBMITTED)
    def submit(self, *, at: datetime) -> None:
        self.submitted_at = at

    @transition(field=state, source=_S.DRAFT, target=_S.CANCELED)
    def cancel_draft(self, *, at: datetime, reason: str) -> None:
        self.canceled_at = at
        self.cancellation_reason = reason

    @transition(field=state, source=_S.SUBMITTED, target=_S.ENRICHMENT_IN_PROGRESS)
    def start_enrichment(self) -> None:
        pass

    @transition(
        field=state, source=_S.ENRICHMENT_IN_PROGRESS, target=_S.ENRICHMENT_ON_HOLD
    )
    def hold_enrichment(self) -> None:
        pass

    @transition(
        field=state, source=_S.ENRICHMENT_ON_HOLD, target=_S.ENRICHMENT_IN_PROGRESS
    )
    def resume_enrichment(self) -> None:
        pass

    # A submitted order with nothing to enrich becomes New at once.
    @transition(
        field=state, source=[_S.SUBMITTED, _S.ENRICHMENT_IN_PROGRESS], target=_S.NEW
    )
    def finish_enrichment(self) -> None:
        pass

    # --- approval ---

    @transition(field=state, source=_S.NEW, target=_S.ACKNOWLEDGED)
    def approve(self, *, at: datetime, by_user_id: int | None) -> None:
        self.approved_at = at
        self.approved_by_id = by_user_id

    # An order can be refused at any point before it is acknowledged.
    @transition(
        field=state,
        source=[_S.SUBMITTED, _S.ENRICHMENT_IN_PROGRESS, _S.ENRICHMENT_ON_HOLD, _S.NEW],
        target=_S.REJECTED,
    )
    def reject(self, *, at: datetime, reason: str) -> None:
        self.rejected_at = at
        self.rejection_reason = reason

    # --- fulfillment ---

    @transition(field=state, source=_S.ACKNOWLEDGED, target=_S.IN_PROGRESS)
    def start(self, *, at: datetime) -> None:
        self.started_at = at

    @transition(field=state, source=_S.IN_PROGRESS, target=_S.COMPLETED)
    def complete(self, *, at: datetime) -> None:
        self.completed_at = at

    @transition(field=state, source=_S.IN_PROGRESS, target=_S.PARTIAL)
    def complete_partially(self, *, at: datetime) -> None:
        self.completed_at = at

    @transition(field=state, source=_S.IN_PROGRESS, target=_S.FAILED)
    def fail(self, *, at: datetime) -> None:
        self.completed_at = at

    @transition(field=state, source=_S.IN_PROGRESS, target=_S.AWAITING_INFORMATION)
    def await_information(self) -> None:
        pass

    @transition(field=state, source=_S.AWAITING_INFORMATION, target=_S.IN_PROGRESS)
    def receive_information(self) -> None:
        pass

    @transition(field=state, source=_ORDER_RESUMABLE, target=_S.ON_HOLD)
    def hold(self) -> None:
        self.interrupted_state = self.state

    @transition(field=state, source=_S.ON_HOLD, target=RETURN_VALUE(*_ORDER_RESUMABLE))
    def resume(self) -> str:
        return self._take_interrupted_state(default=_S.IN_PROGRESS)

    # --- revision ---

    @transition(field=state, source=_ORDER_RESUMABLE, target=_S.REVISION_IN_PROGRESS)
    def start_revision(self) -> None:
        self.interrupted_state = self.state
        self.version += 1

    @transition(
        field=state,
        source=_S.REVISION_IN_PROGRESS,
        target=RETURN_VALUE(*_ORDER_RESUMABLE),
    )
    def finish_revision(self) -> str:
        return self._take_interrupted_state(default=_S.IN_PROGRESS)

    # --- cancellation ---

    @transition(field=state, source=_ORDER_CANCELABLE, target=_S.ASSESSING_CANCELLATION)
    def request_cancellation(self, *, at: datetime, reason: str) -> None:
        self.interrupted_state = self.state
        self.cancellation_requested_at = at
        self.cancellation_reason = reason

    # Refused (e.g. past the point of no return): back to where the order was.
    @transition(
        field=state,
        source=_S.ASSESSING_CANCELLATION,
        target=RETURN_VALUE(*_ORDER_CANCELABLE),
    )
    def refuse_cancellation(self) -> str:
        self.cancellation_requested_at = None
        return self._take_interrupted_state(default=_S.IN_PROGRESS)

    @transition(
        field=state,
        source=_S.ASSESSING_CANCELLATION,
        target=_S.CANCELLATION_IN_PROGRESS,
    )
    def accept_cancellation(self) -> None:
        self.interrupted_state = ""

    @transition(field=state, source=_S.CANCELLATION_IN_PROGRESS, target=_S.CANCELED)
    def cancel(self, *, at: datetime) -> None:
        self.canceled_at = at

    def _take_interrupted_state(self, *, default: str) -> str:
        target = self.interrupted_state or default
        self.interrupted_state = ""
        return target
