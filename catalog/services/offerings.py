"""Writes on product offerings: create, edit, publish, retire, new version and the child
offerings of a bundle (never a cycle).

Lifecycle: see `catalog.services.versioning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from catalog.audit import AuditAction
from catalog.exceptions import PublishBlocked
from catalog.models import (
    Category,
    LifecycleStatus,
    OfferingRelationship,
    ProductOffering,
    SpecificationKind,
)
from catalog.selectors import (
    OFFERING_GRAPH_LOCK_KEY,
    offering_get_for_update,
    offering_reachable_ids,
    relationship_graph_lock,
)
from catalog.services.versioning import (
    children_editable_check,
    item_clean,
    item_new_version_prepare,
    item_publish,
    item_retire,
    item_update,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import CycleError, NotFound, ValidationFailed

OFFERING_EDITABLE_FIELDS: frozenset[str] = frozenset(
    {
        "code",
        "name",
        "description",
        "is_sellable",
        "is_bundle",
        "category_id",
        "product_specification_id",
        "valid_from",
        "valid_to",
        "eligible_segments",
        "eligible_regions",
    }
)


def offering_create(
    *,
    code: str,
    name: str,
    actor: Actor,
    product_specification_id: int | None = None,
    category_id: int | None = None,
    description: str = "",
    is_sellable: bool = True,
    is_bundle: bool = False,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    eligible_segments: Sequence[str] = (),
    eligible_regions: Sequence[str] = (),
) -> ProductOffering:
    """Create version 1 of a product offering as a draft."""
    with transaction.atomic():
        if ProductOffering.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"An offering with code {code!r} exists; make a new version of it.",
                errors={"code": ["Already used."]},
            )
        offering = ProductOffering(
            code=code,
            name=name,
            description=description,
            product_specification_id=product_specification_id,
            category_id=category_id,
            is_sellable=is_sellable,
            is_bundle=is_bundle,
            valid_from=valid_from,
            valid_to=valid_to,
            eligible_segments=list(eligible_segments),
            eligible_regions=list(eligible_regions),
        )
        item_clean(offering)
        offering.save()
        audit_record(
            subject=offering,
            action=AuditAction.OFFERING_CREATED,
            actor=actor,
            to_state=offering.lifecycle_status,
            data={"code": code},
        )
    return offering


def offering_update(
    *, offering_id: int, actor: Actor, changes: Mapping[str, Any]
) -> ProductOffering:
    """Edit an offering; once published only its display fields may change."""
    with transaction.atomic():
        return item_update(
            model=ProductOffering,
            item_id=offering_id,
            actor=actor,
            changes=changes,
            editable_fields=OFFERING_EDITABLE_FIELDS,
            action=AuditAction.OFFERING_UPDATED,
        )


def _offering_ready_check(offering: ProductOffering) -> None:
    problems: list[str] = []
    spec = offering.product_specification
    if spec is not None:
        if spec.kind != SpecificationKind.PRODUCT:
            problems.append(f"{spec} is not a product specification.")
        if spec.lifecycle_status != LifecycleStatus.PUBLISHED:
            problems.append(f"Specification {spec} is {spec.lifecycle_status}.")
    children = list(
        OfferingRelationship.objects.filter(parent=offering).select_related("child")
    )
    if offering.is_bundle and not children:
        problems.append("A bundle needs at least one child offering.")
    if children and not offering.is_bundle:
        problems.append("Only a bundle offering may have child offerings.")
    problems += [
        f"Child offering {rel.child} is {rel.child.lifecycle_status}; publish it first."
        for rel in children
        if rel.child.lifecycle_status != LifecycleStatus.PUBLISHED
    ]
    if problems:
        raise PublishBlocked(
            f"{offering} cannot be published yet: " + " ".join(problems),
            problems=problems,
        )


def offering_publish(*, offering_id: int, actor: Actor) -> ProductOffering:
    """Publish a draft offering; the previously published version is retired."""
    with transaction.atomic():
        return item_publish(
            model=ProductOffering,
            item_id=offering_id,
            actor=actor,
            published_action=AuditAction.OFFERING_PUBLISHED,
            retired_action=AuditAction.OFFERING_RETIRED,
            ready_check=_offering_ready_check,
        )


def offering_retire(
    *, offering_id: int, actor: Actor, reason: str = ""
) -> ProductOffering:
    """Retire a published offering: it can no longer be ordered."""
    with transaction.atomic():
        return item_retire(
            model=ProductOffering,
            item_id=offering_id,
            actor=actor,
            action=AuditAction.OFFERING_RETIRED,
            reason=reason,
        )


def offering_new_version(*, offering_id: int, actor: Actor) -> ProductOffering:
    """Make a draft copy one version up, with its child offerings.

    Copied children point at the published version of each child's code where one
    exists, else at the same child as before.
    """
    with transaction.atomic():
        source, draft = item_new_version_prepare(
            model=ProductOffering, item_id=offering_id
        )
        draft.save()
        _children_copy(from_id=source.pk, to_id=draft.pk)
        audit_record(
            subject=draft,
            action=AuditAction.OFFERING_VERSION_CREATED,
            actor=actor,
            to_state=draft.lifecycle_status,
            data={"from_id": source.pk, "from_version": source.version},
        )
    return draft


def _children_copy(*, from_id: int, to_id: int) -> None:
    relationships = list(OfferingRelationship.objects.filter(parent_id=from_id))
    codes = dict(
        ProductOffering.objects.filter(
            pk__in={rel.child_id for rel in relationships}
        ).values_list("pk", "code")
    )
    published = dict(
        ProductOffering.objects.filter(
            code__in=codes.values(), lifecycle_status=LifecycleStatus.PUBLISHED
        ).values_list("code", "pk")
    )
    for rel in relationships:
        rel.pk = None
        rel.parent_id = to_id
        rel.child_id = published.get(codes[rel.child_id], rel.child_id)
    OfferingRelationship.objects.bulk_create(relationships)


def offering_relationship_cycle_check(*, parent_id: int, child_id: int) -> None:
    """Refuse a child offering that already contains the parent bundle."""
    if parent_id == child_id:
        raise CycleError("An offering cannot be its own child.")
    if parent_id in offering_reachable_ids(offering_id=child_id):
        raise CycleError(
            "This child would make a cycle: it already contains the bundle, directly "
            "or through other offerings.",
            parent_id=parent_id,
            child_id=child_id,
        )


def offering_relationship_add(
    *,
    parent_id: int,
    child_id: int,
    actor: Actor,
    min_quantity: int = 1,
    default_quantity: int = 1,
    max_quantity: int = 1,
    is_mandatory: bool = True,
    position: int = 0,
) -> OfferingRelationship:
    """Add a child offering to a draft bundle offering; a cycle is refused."""
    with transaction.atomic():
        relationship_graph_lock(key=OFFERING_GRAPH_LOCK_KEY)
        parent = offering_get_for_update(offering_id=parent_id)
        children_editable_check(item=parent, what="child offerings")
        if not ProductOffering.objects.filter(pk=child_id).exists():
            raise NotFound(f"Product offering {child_id} does not exist.")
        offering_relationship_cycle_check(parent_id=parent_id, child_id=child_id)
        relationship = OfferingRelationship(
            parent=parent,
            child_id=child_id,
            min_quantity=min_quantity,
            default_quantity=default_quantity,
            max_quantity=max_quantity,
            is_mandatory=is_mandatory,
            position=position,
        )
        item_clean(relationship)
        relationship.save()
        audit_record(
            subject=parent,
            action=AuditAction.OFFERING_RELATIONSHIP_ADDED,
            actor=actor,
            data={"relationship_id": relationship.pk, "child_id": child_id},
        )
    return relationship


def offering_relationship_remove(*, relationship_id: int, actor: Actor) -> None:
    """Remove a child offering from a draft bundle."""
    with transaction.atomic():
        relationship = OfferingRelationship.objects.filter(pk=relationship_id).first()
        if relationship is None:
            raise NotFound(f"Offering relationship {relationship_id} does not exist.")
        parent = offering_get_for_update(offering_id=relationship.parent_id)
        children_editable_check(item=parent, what="child offerings")
        relationship.delete()
        audit_record(
            subject=parent,
            action=AuditAction.OFFERING_RELATIONSHIP_REMOVED,
            actor=actor,
            data={
                "relationship_id": relationship_id,
                "child_id": relationship.child_id,
            },
        )


def category_create(
    *,
    code: str,
    name: str,
    actor: Actor,
    parent_id: int | None = None,
    description: str = "",
    position: int = 0,
) -> Category:
    """Create a category that groups offerings in the catalog and the order pickers."""
    with transaction.atomic():
        if Category.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"A category {code!r} exists.", errors={"code": ["Already used."]}
            )
        category = Category(
            code=code,
            name=name,
            parent_id=parent_id,
            description=description,
            position=position,
        )
        item_clean(category)
        category.save()
        audit_record(
            subject=category,
            action=AuditAction.CATEGORY_CREATED,
            actor=actor,
            data={"code": code, "parent_id": parent_id},
        )
    return category
