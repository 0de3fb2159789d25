"""Domain orders: the product, service and resource orders an order line decomposes into,
linked to their line and parent, with the state machine of DESIGN.md section 3."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import F, Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel


class DomainOrderKind(models.TextChoices):
    PRODUCT = "product", "Product order"
    SERVICE = "service", "Service order"
    RESOURCE = "resource", "Resource order"


# Display number prefixes: PO0001001, SO0001002, RO0001003 (from the primary key).
NUMBER_PREFIXES: dict[str, str] = {
    DomainOrderKind.PRODUCT: "PO",
    DomainOrderKind.SERVICE: "SO",
    DomainOrderKind.RESOURCE: "RO",
}


class DomainOrderAction(models.TextChoices):
    ADD = "add", "Add"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    SUSPEND = "suspend", "Suspend"
    RESUME = "resume", "Resume"


class DomainOrderState(models.TextChoices):
    DRAFT = "draft", "Draft"
    QUALIFIED = "qualified", "Qualified"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED_COMPLETE = "closed_complete", "Closed complete"
    AWAITING_INFORMATION = "awaiting_information", "Awaiting information"
    ON_HOLD = "on_hold", "On hold"
    CANCELLATION_IN_PROGRESS = "cancellation_in_progress", "Cancellation in progress"
    CANCELED = "canceled", "Canceled"


_S = DomainOrderState

# States that a hold returns to.
_RESUMABLE = [_S.QUALIFIED, _S.SCHEDULED, _S.IN_PROGRESS, _S.AWAITING_INFORMATION]
# States in which no fulfillment work has started: cancel goes straight to Canceled.
_NOT_STARTED = [
    _S.DRAFT,
    _S.QUALIFIED,
    _S.SCHEDULED,
    _S.AWAITING_INFORMATION,
    _S.ON_HOLD,
]
# States that are over: nothing moves them any more.
FINAL_STATES: frozenset[str] = frozenset({_S.CLOSED_COMPLETE, _S.CANCELED})


def domain_order_number(*, kind: str, pk: int) -> str:
    """Return the display number of a domain order: PO0001001 for a product order of pk 1."""
    return f"{NUMBER_PREFIXES[kind]}{pk + 1000:07d}"


class DomainOrder(ConcurrentTransitionMixin, TimeStampedModel):
    """A product, service or resource order for one node of a line's specification tree."""

    # Set from the primary key in the creating transaction; NULL only inside it.
    number = models.CharField(max_length=20, unique=True, null=True, editable=False)
    kind = models.CharField(max_length=16, choices=DomainOrderKind.choices)
    order = models.ForeignKey(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="domain_orders"
    )
    line = models.ForeignKey(
        "orders.CustomerOrderLine",
        on_delete=models.CASCADE,
        related_name="domain_orders",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    specification = models.ForeignKey(
        "catalog.Specification", on_delete=models.PROTECT, related_name="domain_orders"
    )
    inventory_item = models.ForeignKey(
        "inventory.InventoryItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="domain_orders",
    )
    action = models.CharField(
        max_length=16, choices=DomainOrderAction.choices, default=DomainOrderAction.ADD
    )
    # The relationship from the parent's specification that made this order: bundles,
    # realized_as; blank for a line's own product order.
    relationship_type = models.CharField(max_length=16, blank=True, default="")
    # Where in the line's tree this order sits, e.g. "1/CFS_INTERNET.1/RFS_ACCESS_LINE.1":
    # stable across runs, so decomposing twice finds what exists.
    path = models.CharField(max_length=500)
    # The n-th of a quantity (line quantity or relationship quantity), from 1.
    sequence = models.PositiveIntegerField(default=1)
    # {characteristic code: value}; composed-of children are folded in under their code.
    characteristics = models.JSONField(default=dict, blank=True)
    # Codes of mandatory characteristics still unknown (Awaiting information).
    missing_characteristics = models.JSONField(default=list, blank=True)
    state = FSMField(
        max_length=32,
        choices=DomainOrderState.choices,
        default=DomainOrderState.QUALIFIED,
        protected=True,
    )
    interrupted_state = models.CharField(
        max_length=32, choices=DomainOrderState.choices, blank=True, default=""
    )
    released_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "line_id", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "path"], name="decomposition_domain_order_path_uniq"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DomainOrderKind.values),
                name="decomposition_domain_order_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(action__in=DomainOrderAction.values),
                name="decomposition_domain_order_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1),
                name="decomposition_domain_order_sequence_positive",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="decomposition_domain_order_not_own_parent",
            ),
        ]
        indexes = [
            models.Index(fields=["order", "state"], name="decomp_order_state_idx"),
            models.Index(fields=["state", "kind"], name="decomp_state_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"Domain order #{self.pk}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    # --- release ---

    @transition(field=state, source=_S.DRAFT, target=_S.QUALIFIED)
    def qualify(self, *, at: datetime) -> None:
        self.released_at = at

    @transition(field=state, source=_S.DRAFT, target=_S.AWAITING_INFORMATION)
    def await_information(self, *, missing: list[str]) -> None:
        self.missing_characteristics = missing

    @transition(field=state, source=_S.AWAITING_INFORMATION, target=_S.QUALIFIED)
    def receive_information(
        self, *, characteristics: dict[str, Any], at: datetime
    ) -> None:
        self.characteristics = characteristics
        self.missing_characteristics = []
        self.released_at = at

    # --- fulfillment ---

    @transition(field=state, source=_S.QUALIFIED, target=_S.SCHEDULED)
    def schedule(self, *, start_at: datetime) -> None:
        self.scheduled_for = start_at

    @transition(field=state, source=[_S.QUALIFIED, _S.SCHEDULED], target=_S.IN_PROGRESS)
    def start(self, *, at: datetime) -> None:
        self.started_at = at

    @transition(field=state, source=_S.IN_PROGRESS, target=_S.CLOSED_COMPLETE)
    def close(self, *, at: datetime) -> None:
        self.completed_at = at

    @transition(field=state, source=_RESUMABLE, target=_S.ON_HOLD)
    def hold(self) -> None:
        self.interrupted_state = self.state

    @transition(field=state, source=_S.ON_HOLD, target=RETURN_VALUE(*_RESUMABLE))
    def resume(self) -> str:
        target = self.interrupted_state or _S.QUALIFIED
        self.interrupted_state = ""
        return target

    # --- cancellation ---

    @transition(
        field=state,
        source=[*_NOT_STARTED, _S.IN_PROGRESS],
        target=_S.CANCELLATION_IN_PROGRESS,
    )
    def start_cancellation(self) -> None:
        self.interrupted_state = ""

    @transition(
        field=state,
        source=[*_NOT_STARTED, _S.CANCELLATION_IN_PROGRESS],
        target=_S.CANCELED,
    )
    def cancel(self, *, at: datetime) -> None:
        self.canceled_at = at
        self.interrupted_state = ""


class DomainOrderDependency(TimeStampedModel):
    """A horizontal requires relationship: `domain_order` waits for `depends_on`.

    Voice requires Internet: the voice product order depends on the internet product
    order of the same customer order. Parent / child waits follow from `parent`.
    """

    domain_order = models.ForeignKey(
        DomainOrder, on_delete=models.CASCADE, related_name="dependencies"
    )
    depends_on = models.ForeignKey(
        DomainOrder, on_delete=models.CASCADE, related_name="dependents"
    )
    relationship_type = models.CharField(max_length=16, default="requires")

    class Meta:
        ordering = ["domain_order_id", "depends_on_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain_order", "depends_on"],
                name="decomposition_dependency_uniq",
            ),
            models.CheckConstraint(
                condition=~Q(domain_order=F("depends_on")),
                name="decomposition_dependency_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain_order_id} requires {self.depends_on_id}"
