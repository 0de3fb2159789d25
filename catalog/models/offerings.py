"""Product offerings, bundle children and categories."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from catalog.models.base import (
    CODE_MAX_LENGTH,
    VersionedCatalogItem,
    lifecycle_constraints,
)
from catalog.models.specifications import Specification, SpecificationKind
from ordermgmt.models import TimeStampedModel


class Category(TimeStampedModel):
    code = models.CharField(max_length=CODE_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="catalog_category_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductOffering(VersionedCatalogItem):
    """What is sold: a product specification with a price, a category and eligibility."""

    is_sellable = models.BooleanField(default=True)
    is_bundle = models.BooleanField(default=False)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offerings",
    )
    product_specification = models.ForeignKey(
        Specification,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offerings",
        limit_choices_to={"kind": SpecificationKind.PRODUCT},
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    eligible_segments = models.JSONField(
        default=list, blank=True, help_text="Empty means every segment."
    )
    eligible_regions = models.JSONField(
        default=list, blank=True, help_text="Empty means every region."
    )

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            *lifecycle_constraints("catalog_offering"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=F("valid_from")),
                name="catalog_offering_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["lifecycle_status", "is_sellable"],
                name="catalog_offering_sellable_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code} v{self.version})"


class OfferingRelationship(TimeStampedModel):
    """A child offering of a bundle offering, with its quantities."""

    parent = models.ForeignKey(
        ProductOffering,
        on_delete=models.CASCADE,
        related_name="child_relationships",
    )
    child = models.ForeignKey(
        ProductOffering,
        on_delete=models.PROTECT,
        related_name="parent_relationships",
    )
    min_quantity = models.PositiveIntegerField(default=1)
    default_quantity = models.PositiveIntegerField(default=1)
    max_quantity = models.PositiveIntegerField(default=1)
    is_mandatory = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["parent", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "child"], name="catalog_offerrel_uniq"
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("child")), name="catalog_offerrel_not_self"
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__lte=F("default_quantity"))
                & Q(default_quantity__lte=F("max_quantity"))
                & Q(max_quantity__gte=1),
                name="catalog_offerrel_quantities_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["child"], name="catalog_offerrel_child_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.child_id}"
