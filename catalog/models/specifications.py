"""Specifications (product, service, resource), their characteristics, relationships
and the compatibility / attribute-mapping rules between them."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from catalog.models.base import (
    CODE_MAX_LENGTH,
    VersionedCatalogItem,
    lifecycle_constraints,
)
from ordermgmt.models import TimeStampedModel


class SpecificationKind(models.TextChoices):
    PRODUCT = "product", "Product"
    CFS = "cfs", "Customer-facing service"
    RFS = "rfs", "Resource-facing service"
    RESOURCE = "resource", "Resource"


class CharacteristicValueType(models.TextChoices):
    TEXT = "text", "Text"
    INTEGER = "integer", "Integer"
    DECIMAL = "decimal", "Decimal"
    BOOLEAN = "boolean", "Boolean"
    CHOICE = "choice", "Choice"
    DATE = "date", "Date"
    ADDRESS = "address", "Address"
    OBJECT = "object", "Object"


class SpecificationRelationshipType(models.TextChoices):
    BUNDLES = "bundles", "Bundles"
    REALIZED_AS = "realized_as", "Realized as"
    REQUIRES = "requires", "Requires"
    COMPOSED_OF = "composed_of", "Composed of"


class CompatibilityKind(models.TextChoices):
    REQUIRES = "requires", "Requires"
    EXCLUDES = "excludes", "Excludes"


class AttributeMappingKind(models.TextChoices):
    DEFAULT = "default", "Default a value"
    SET_VALUE = "set_value", "Set a value"
    COPY = "copy", "Copy from source"
    TRANSFORM = "transform", "Transform through a decision table"
    VALIDATION = "validation", "Validate"


class Specification(VersionedCatalogItem):
    """A product, service (customer- or resource-facing) or resource specification."""

    kind = models.CharField(max_length=16, choices=SpecificationKind.choices)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            *lifecycle_constraints("catalog_spec"),
            models.CheckConstraint(
                condition=Q(kind__in=SpecificationKind.values),
                name="catalog_spec_kind_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind", "lifecycle_status"], name="catalog_spec_kind_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} ({self.get_kind_display()})"


class CharacteristicSpec(TimeStampedModel):
    """A characteristic of a specification; an `object` one has child characteristics."""

    specification = models.ForeignKey(
        Specification, on_delete=models.CASCADE, related_name="characteristics"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        help_text="Only for children of an object characteristic.",
    )
    code = models.CharField(
        max_length=CODE_MAX_LENGTH,
        validators=[
            RegexValidator(
                r"^[A-Za-z][A-Za-z0-9_\-]*$",
                "Start with a letter; use letters, digits, '_' or '-' only.",
            )
        ],
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    value_type = models.CharField(
        max_length=16, choices=CharacteristicValueType.choices
    )
    allowed_values = models.JSONField(
        default=list,
        blank=True,
        help_text="Required for choice; optional for text, integer and decimal.",
    )
    default_value = models.JSONField(null=True, blank=True)
    is_mandatory = models.BooleanField(default=False)
    is_customer_configurable = models.BooleanField(default=True)
    min_value = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    unit = models.CharField(max_length=32, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["specification", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["specification", "code"],
                condition=Q(parent__isnull=True),
                name="catalog_char_top_code_uniq",
            ),
            models.UniqueConstraint(
                fields=["specification", "parent", "code"],
                condition=Q(parent__isnull=False),
                name="catalog_char_child_code_uniq",
            ),
            models.CheckConstraint(
                condition=Q(value_type__in=CharacteristicValueType.values),
                name="catalog_char_value_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="catalog_char_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_value_type_display()})"


class SpecificationRelationship(TimeStampedModel):
    """A directed edge source → target; the graph over all types has no cycles."""

    source = models.ForeignKey(
        Specification,
        on_delete=models.CASCADE,
        related_name="outgoing_relationships",
    )
    target = models.ForeignKey(
        Specification,
        on_delete=models.PROTECT,
        related_name="incoming_relationships",
    )
    relationship_type = models.CharField(
        max_length=16, choices=SpecificationRelationshipType.choices
    )
    min_quantity = models.PositiveIntegerField(default=1)
    default_quantity = models.PositiveIntegerField(default=1)
    max_quantity = models.PositiveIntegerField(default=1)
    quantity_characteristic = models.CharField(
        max_length=CODE_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Code of a source characteristic whose value gives the quantity.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["source", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "relationship_type"],
                name="catalog_specrel_uniq",
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="catalog_specrel_not_self"
            ),
            models.CheckConstraint(
                condition=Q(relationship_type__in=SpecificationRelationshipType.values),
                name="catalog_specrel_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__lte=F("default_quantity"))
                & Q(default_quantity__lte=F("max_quantity"))
                & Q(max_quantity__gte=1),
                name="catalog_specrel_quantities_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["target"], name="catalog_specrel_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relationship_type} {self.target_id}"


class CompatibilityRule(TimeStampedModel):
    """Source requires or excludes target, optionally only when a source value matches."""

    source = models.ForeignKey(
        Specification, on_delete=models.CASCADE, related_name="compatibility_rules"
    )
    target = models.ForeignKey(
        Specification,
        on_delete=models.PROTECT,
        related_name="compatibility_rules_as_target",
    )
    kind = models.CharField(max_length=16, choices=CompatibilityKind.choices)
    condition_characteristic = models.CharField(
        max_length=CODE_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Source characteristic code; blank means the rule always applies.",
    )
    condition_values = models.JSONField(
        default=list,
        blank=True,
        help_text="The rule applies when the source characteristic has one of these.",
    )
    message = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["source", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="catalog_compat_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CompatibilityKind.values),
                name="catalog_compat_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class AttributeMappingRule(TimeStampedModel):
    """How a target specification's characteristic gets or checks its value from a source.

    default: set `target_characteristic` to `value` when it has none; set_value: always
    set it to `value`; copy: copy `source_characteristic`; transform: evaluate the
    decision table `decision_table_key` on the source values and take its output;
    validation: the target value must be one of `value` (a list), else `message`.
    """

    source = models.ForeignKey(
        Specification,
        on_delete=models.CASCADE,
        related_name="attribute_mapping_rules",
    )
    target = models.ForeignKey(
        Specification,
        on_delete=models.PROTECT,
        related_name="attribute_mapping_rules_as_target",
    )
    kind = models.CharField(max_length=16, choices=AttributeMappingKind.choices)
    source_characteristic = models.CharField(
        max_length=CODE_MAX_LENGTH, blank=True, default=""
    )
    target_characteristic = models.CharField(max_length=CODE_MAX_LENGTH)
    value = models.JSONField(null=True, blank=True)
    decision_table_key = models.CharField(max_length=100, blank=True, default="")
    message = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["source", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AttributeMappingKind.values),
                name="catalog_mapping_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AttributeMappingKind.COPY)
                | ~Q(source_characteristic=""),
                name="catalog_mapping_copy_needs_source",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AttributeMappingKind.TRANSFORM)
                | ~Q(decision_table_key=""),
                name="catalog_mapping_transform_needs_table",
            ),
            models.CheckConstraint(
                condition=~Q(target_characteristic=""),
                name="catalog_mapping_target_char_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_characteristic} ({self.source_id} → {self.target_id})"
