"""The product catalog: specifications, offerings, their relationships, rules and price data.

Published items are immutable except their display fields (`DISPLAY_FIELDS`); a change
makes a new version (same code, version + 1) through `catalog.services`.
"""

from catalog.models.base import (
    CODE_MAX_LENGTH,
    DISPLAY_FIELDS,
    LifecycleStatus,
    VersionedCatalogItem,
)
from catalog.models.offerings import Category, OfferingRelationship, ProductOffering
from catalog.models.pricing import (
    ChargeType,
    PriceAdjustment,
    PriceAdjustmentKind,
    PriceList,
    PriceListLine,
    PricingMatrix,
    RecurringPeriod,
)
from catalog.models.specifications import (
    AttributeMappingKind,
    AttributeMappingRule,
    CharacteristicSpec,
    CharacteristicValueType,
    CompatibilityKind,
    CompatibilityRule,
    Specification,
    SpecificationKind,
    SpecificationRelationship,
    SpecificationRelationshipType,
)

__all__ = [
    "CODE_MAX_LENGTH",
    "DISPLAY_FIELDS",
    "AttributeMappingKind",
    "AttributeMappingRule",
    "Category",
    "CharacteristicSpec",
    "CharacteristicValueType",
    "ChargeType",
    "CompatibilityKind",
    "CompatibilityRule",
    "LifecycleStatus",
    "OfferingRelationship",
    "PriceAdjustment",
    "PriceAdjustmentKind",
    "PriceList",
    "PriceListLine",
    "PricingMatrix",
    "ProductOffering",
    "RecurringPeriod",
    "Specification",
    "SpecificationKind",
    "SpecificationRelationship",
    "SpecificationRelationshipType",
    "VersionedCatalogItem",
]
