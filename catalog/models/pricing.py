"""Pricing data: price lists and lines, pricing matrices and price adjustments
(decision tables by key); the pricing engine lives with order capture."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from catalog.models.base import (
    CODE_MAX_LENGTH,
    VersionedCatalogItem,
    lifecycle_constraints,
)
from catalog.models.offerings import ProductOffering
from ordermgmt.models import TimeStampedModel


class ChargeType(models.TextChoices):
    ONE_TIME = "one_time", "One-time"
    RECURRING = "recurring", "Recurring"


class RecurringPeriod(models.TextChoices):
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class PriceAdjustmentKind(models.TextChoices):
    VOLUME = "volume", "Volume discount"
    CHANNEL = "channel", "Channel"
    PROMOTION = "promotion", "Promotion"
    CUSTOMER = "customer", "Customer-specific"
    MANUAL_THRESHOLD = "manual_threshold", "Manual discount threshold"


class PriceList(VersionedCatalogItem):
    """Prices of offerings in one currency, for a validity window and a segment."""

    currency = models.CharField(
        max_length=3,
        validators=[
            RegexValidator(r"^[A-Z]{3}$", "Enter an ISO 4217 code such as EUR.")
        ],
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    segment = models.CharField(
        max_length=64, blank=True, default="", help_text="Blank means every segment."
    )

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            *lifecycle_constraints("catalog_pricelist"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="catalog_pricelist_currency_iso",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=F("valid_from")),
                name="catalog_pricelist_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code} v{self.version}, {self.currency})"


class PriceListLine(TimeStampedModel):
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="lines"
    )
    offering = models.ForeignKey(
        ProductOffering, on_delete=models.PROTECT, related_name="price_lines"
    )
    charge_type = models.CharField(max_length=16, choices=ChargeType.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    recurring_period = models.CharField(
        max_length=8, choices=RecurringPeriod.choices, blank=True, default=""
    )
    description = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["price_list", "offering", "charge_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "offering", "charge_type", "recurring_period"],
                name="catalog_priceline_uniq",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="catalog_priceline_amount_nonneg"
            ),
            models.CheckConstraint(
                condition=(
                    Q(charge_type=ChargeType.RECURRING)
                    & Q(recurring_period__in=RecurringPeriod.values)
                )
                | (Q(charge_type=ChargeType.ONE_TIME) & Q(recurring_period="")),
                name="catalog_priceline_period_matches_charge",
            ),
        ]

    def __str__(self) -> str:
        period = f"/{self.recurring_period}" if self.recurring_period else ""
        return f"{self.offering_id} {self.charge_type} {self.amount}{period}"


class PricingMatrix(TimeStampedModel):
    """Price of an offering's charge looked up in a decision table (by its key)."""

    code = models.CharField(max_length=CODE_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=200)
    offering = models.ForeignKey(
        ProductOffering, on_delete=models.PROTECT, related_name="pricing_matrices"
    )
    charge_type = models.CharField(max_length=16, choices=ChargeType.choices)
    recurring_period = models.CharField(
        max_length=8, choices=RecurringPeriod.choices, blank=True, default=""
    )
    decision_table_key = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "pricing matrices"
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision_table_key=""),
                name="catalog_matrix_table_required",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PriceAdjustment(TimeStampedModel):
    """A discount or surcharge whose amount a decision table (by its key) decides."""

    code = models.CharField(max_length=CODE_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=PriceAdjustmentKind.choices)
    offering = models.ForeignKey(
        ProductOffering,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="price_adjustments",
        help_text="Blank means the adjustment applies to every offering.",
    )
    decision_table_key = models.CharField(max_length=100)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    priority = models.PositiveIntegerField(default=100, help_text="Lower runs first.")
    description = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision_table_key=""),
                name="catalog_adjustment_table_required",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=F("valid_from")),
                name="catalog_adjustment_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name
