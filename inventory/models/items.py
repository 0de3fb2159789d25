"""Product, service and resource inventory items: what an account owns, and their states."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel

NUMBER_PREFIX = "INV"


class InventoryItemState(models.TextChoices):
    INSTALLATION_PENDING = "installation_pending", "Installation pending"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    CHANGE_PENDING = "change_pending", "Change pending"
    INACTIVE = "inactive", "Inactive"


class InventoryItemKind(models.TextChoices):
    PRODUCT = "product", "Product"
    SERVICE = "service", "Service"
    RESOURCE = "resource", "Resource"


def inventory_item_number(*, pk: int) -> str:
    """Return the display number of the item with primary key `pk` (INV0001001 for 1)."""
    return f"{NUMBER_PREFIX}{pk + 1000:07d}"


class InventoryItem(ConcurrentTransitionMixin, TimeStampedModel):
    """One product, service or resource a customer account owns (or is about to own)."""

    # Set from the primary key in the creating transaction; NULL only inside it.
    number = models.CharField(max_length=20, unique=True, null=True, editable=False)
    kind = models.CharField(
        max_length=16,
        choices=InventoryItemKind.choices,
        default=InventoryItemKind.PRODUCT,
    )
    # A string reference: inventory sits below orders and never imports its code.
    account = models.ForeignKey(
        "orders.Account", on_delete=models.PROTECT, related_name="inventory_items"
    )
    offering = models.ForeignKey(
        "catalog.ProductOffering",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inventory_items",
    )
    specification = models.ForeignKey(
        "catalog.Specification",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inventory_items",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    state = FSMField(
        max_length=24,
        choices=InventoryItemState.choices,
        default=InventoryItemState.INSTALLATION_PENDING,
        protected=True,
    )
    characteristics = models.JSONField(default=dict, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    activated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    change_pending_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    # Where the item came from. Plain integers, not foreign keys: orders and decomposition
    # sit above inventory, which never imports them (DESIGN.md section 2).
    source_order_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_line_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_domain_order_id = models.PositiveBigIntegerField(null=True, blank=True)
    order_number = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["account", "state"], name="inventory_account_state_idx"
            ),
            models.Index(fields=["source_order_id"], name="inventory_item_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="inventory_item_quantity_positive",
            ),
            # One item per domain order: creating an order's items twice adds nothing.
            models.UniqueConstraint(
                fields=["source_domain_order_id"],
                condition=models.Q(source_domain_order_id__isnull=False),
                name="inventory_item_domain_order_uniq",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="inventory_item_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Inventory item #{self.pk}"

    @transition(
        field=state,
        source=InventoryItemState.INSTALLATION_PENDING,
        target=InventoryItemState.ACTIVE,
    )
    def activate(
        self, *, at: datetime, characteristics: dict[str, object] | None = None
    ) -> None:
        self.activated_at = at
        if characteristics is not None:
            self.characteristics = characteristics

    @transition(
        field=state,
        source=InventoryItemState.ACTIVE,
        target=InventoryItemState.SUSPENDED,
    )
    def suspend(self, *, at: datetime) -> None:
        self.suspended_at = at

    @transition(
        field=state,
        source=InventoryItemState.SUSPENDED,
        target=InventoryItemState.ACTIVE,
    )
    def resume(self) -> None:
        self.suspended_at = None

    @transition(
        field=state,
        source=InventoryItemState.ACTIVE,
        target=InventoryItemState.CHANGE_PENDING,
    )
    def begin_change(self, *, at: datetime) -> None:
        self.change_pending_at = at

    @transition(
        field=state,
        source=InventoryItemState.CHANGE_PENDING,
        target=InventoryItemState.ACTIVE,
    )
    def finish_change(
        self, *, characteristics: dict[str, object], quantity: int
    ) -> None:
        self.characteristics = characteristics
        self.quantity = quantity
        self.change_pending_at = None

    # An installation that never completed is disconnected too (the order was canceled).
    @transition(
        field=state,
        source=[
            InventoryItemState.INSTALLATION_PENDING,
            InventoryItemState.ACTIVE,
            InventoryItemState.SUSPENDED,
        ],
        target=InventoryItemState.INACTIVE,
    )
    def disconnect(self, *, at: datetime) -> None:
        self.terminated_at = at
