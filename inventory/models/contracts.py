"""Contracts an order leaves behind, and the entitlements they grant on inventory items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel

CONTRACT_NUMBER_PREFIX = "CT"


def contract_number(*, pk: int) -> str:
    """Return the display number of the contract with primary key `pk` (CT0001001 for 1)."""
    return f"{CONTRACT_NUMBER_PREFIX}{pk + 1000:07d}"


def _money_field() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))


class ContractState(models.TextChoices):
    ACTIVE = "active", "Active"
    TERMINATED = "terminated", "Terminated"


class EntitlementKind(models.TextChoices):
    # The right to use a product or service the customer bought.
    SERVICE = "service", "Service"
    # A metered allowance (minutes, gigabytes, units).
    USAGE = "usage", "Usage"
    # An option switched on for an item (static IP, premium support).
    FEATURE = "feature", "Feature"


class EntitlementState(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"


class Contract(ConcurrentTransitionMixin, TimeStampedModel):
    """The terms an account agreed to with one order: term, dates and values."""

    # Set from the primary key in the creating transaction; NULL only inside it.
    number = models.CharField(max_length=20, unique=True, null=True, editable=False)
    account = models.ForeignKey(
        "orders.Account", on_delete=models.PROTECT, related_name="contracts"
    )
    # The customer order, as a plain integer: inventory never imports orders' code.
    source_order_id = models.PositiveBigIntegerField(unique=True)
    order_number = models.CharField(max_length=20, blank=True, default="")
    start_date = models.DateField()
    # Last day of the term; both NULL for an open-ended (month-to-month) contract.
    end_date = models.DateField(null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(null=True, blank=True)
    state = FSMField(
        max_length=16,
        choices=ContractState.choices,
        default=ContractState.ACTIVE,
        protected=True,
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Enter an ISO 4217 code.")],
    )
    monthly_value = _money_field()
    one_time_value = _money_field()
    terminated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["account", "state"], name="contract_account_state_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_months__isnull=True, end_date__isnull=True)
                | models.Q(
                    term_months__isnull=False,
                    term_months__gt=0,
                    end_date__isnull=False,
                    end_date__gte=models.F("start_date"),
                ),
                name="contract_term_matches_end_date",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_value__gte=0, one_time_value__gte=0),
                name="contract_values_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"),
                name="contract_currency_iso",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Contract #{self.pk}"

    @transition(
        field=state, source=ContractState.ACTIVE, target=ContractState.TERMINATED
    )
    def terminate(self, *, at: datetime) -> None:
        self.terminated_at = at


class Entitlement(ConcurrentTransitionMixin, TimeStampedModel):
    """What a contract entitles its account to on one inventory item."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="entitlements"
    )
    inventory_item = models.ForeignKey(
        "inventory.InventoryItem",
        on_delete=models.PROTECT,
        related_name="entitlements",
    )
    kind = models.CharField(
        max_length=16,
        choices=EntitlementKind.choices,
        default=EntitlementKind.SERVICE,
    )
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
    characteristics = models.JSONField(default=dict, blank=True)
    state = FSMField(
        max_length=16,
        choices=EntitlementState.choices,
        default=EntitlementState.ACTIVE,
        protected=True,
    )
    monthly_value = _money_field()
    one_time_value = _money_field()
    suspended_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "inventory_item", "kind"],
                name="entitlement_contract_item_kind_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="entitlement_quantity_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_value__gte=0, one_time_value__gte=0),
                name="entitlement_values_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @transition(
        field=state, source=EntitlementState.ACTIVE, target=EntitlementState.SUSPENDED
    )
    def suspend(self, *, at: datetime) -> None:
        self.suspended_at = at

    @transition(
        field=state, source=EntitlementState.SUSPENDED, target=EntitlementState.ACTIVE
    )
    def resume(self) -> None:
        self.suspended_at = None

    @transition(
        field=state,
        source=[EntitlementState.ACTIVE, EntitlementState.SUSPENDED],
        target=EntitlementState.TERMINATED,
    )
    def terminate(self, *, at: datetime) -> None:
        self.terminated_at = at
