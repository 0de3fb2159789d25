"""Audit action names the catalog services write."""

from django.db import models


class AuditAction(models.TextChoices):
    CATEGORY_CREATED = "category.created", "Category created"
    SPECIFICATION_CREATED = "specification.created", "Specification created"
    SPECIFICATION_UPDATED = "specification.updated", "Specification updated"
    SPECIFICATION_PUBLISHED = "specification.published", "Specification published"
    SPECIFICATION_RETIRED = "specification.retired", "Specification retired"
    SPECIFICATION_VERSION_CREATED = (
        "specification.version_created",
        "Specification version created",
    )
    SPECIFICATION_CHARACTERISTIC_ADDED = (
        "specification.characteristic_added",
        "Characteristic added",
    )
    SPECIFICATION_RELATIONSHIP_ADDED = (
        "specification.relationship_added",
        "Specification relationship added",
    )
    SPECIFICATION_RELATIONSHIP_REMOVED = (
        "specification.relationship_removed",
        "Specification relationship removed",
    )
    SPECIFICATION_RULE_ADDED = "specification.rule_added", "Specification rule added"
    OFFERING_CREATED = "offering.created", "Offering created"
    OFFERING_UPDATED = "offering.updated", "Offering updated"
    OFFERING_PUBLISHED = "offering.published", "Offering published"
    OFFERING_RETIRED = "offering.retired", "Offering retired"
    OFFERING_VERSION_CREATED = "offering.version_created", "Offering version created"
    OFFERING_RELATIONSHIP_ADDED = (
        "offering.relationship_added",
        "Offering relationship added",
    )
    OFFERING_RELATIONSHIP_REMOVED = (
        "offering.relationship_removed",
        "Offering relationship removed",
    )
    PRICE_LIST_CREATED = "price_list.created", "Price list created"
    PRICE_LIST_UPDATED = "price_list.updated", "Price list updated"
    PRICE_LIST_PUBLISHED = "price_list.published", "Price list published"
    PRICE_LIST_RETIRED = "price_list.retired", "Price list retired"
    PRICE_LIST_VERSION_CREATED = (
        "price_list.version_created",
        "Price list version created",
    )
    PRICE_LIST_LINE_ADDED = "price_list.line_added", "Price list line added"
    PRICE_LIST_LINE_REMOVED = "price_list.line_removed", "Price list line removed"
    PRICING_MATRIX_CREATED = "pricing_matrix.created", "Pricing matrix created"
    PRICE_ADJUSTMENT_CREATED = "price_adjustment.created", "Price adjustment created"
