"""Offering services: lifecycle, immutability, versioning, bundle children and cycles."""

from __future__ import annotations

import pytest

from catalog.audit import AuditAction
from catalog.exceptions import PublishBlocked
from catalog.models import LifecycleStatus, OfferingRelationship, ProductOffering
from catalog.services import (
    offering_create,
    offering_new_version,
    offering_publish,
    offering_relationship_add,
    offering_relationship_remove,
    offering_retire,
    offering_update,
)
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import CycleError, ImmutableError, InvalidTransition
from tests.catalog.factories import (
    CategoryFactory,
    ProductOfferingFactory,
    SpecificationFactory,
)

pytestmark = pytest.mark.django_db


def actions_of(subject) -> list[str]:
    return list(audit_history(subject=subject).values_list("action", flat=True))


def test_offering_create_and_publish(actor):
    spec = SpecificationFactory(published=True)
    offering = offering_create(
        code="fibre-100",
        name="Fibre 100",
        actor=actor,
        product_specification_id=spec.pk,
        category_id=CategoryFactory().pk,
        eligible_segments=["residential"],
    )
    offering_publish(offering_id=offering.pk, actor=actor)
    offering.refresh_from_db()
    assert offering.lifecycle_status == LifecycleStatus.PUBLISHED
    assert actions_of(offering) == [
        AuditAction.OFFERING_CREATED,
        AuditAction.OFFERING_PUBLISHED,
    ]


def test_offering_publish_refuses_a_draft_specification(actor):
    offering = ProductOfferingFactory(product_specification=SpecificationFactory())
    with pytest.raises(PublishBlocked, match="is draft"):
        offering_publish(offering_id=offering.pk, actor=actor)


def test_offering_publish_refuses_a_non_product_specification(actor):
    spec = SpecificationFactory(kind="cfs", published=True)
    offering = ProductOfferingFactory(product_specification=spec)
    with pytest.raises(PublishBlocked, match="not a product specification"):
        offering_publish(offering_id=offering.pk, actor=actor)


def test_bundle_publish_needs_published_children(actor):
    bundle = ProductOfferingFactory(is_bundle=True)
    with pytest.raises(PublishBlocked, match="at least one child"):
        offering_publish(offering_id=bundle.pk, actor=actor)
    child = ProductOfferingFactory()
    offering_relationship_add(parent_id=bundle.pk, child_id=child.pk, actor=actor)
    with pytest.raises(PublishBlocked, match="publish it first"):
        offering_publish(offering_id=bundle.pk, actor=actor)
    offering_publish(offering_id=child.pk, actor=actor)
    offering_publish(offering_id=bundle.pk, actor=actor)


@pytest.mark.parametrize("trait", ["published", "retired"])
def test_offering_publish_refuses_non_drafts(actor, trait):
    offering = ProductOfferingFactory(**{trait: True})
    with pytest.raises(InvalidTransition):
        offering_publish(offering_id=offering.pk, actor=actor)


def test_offering_retire_and_forbidden_sources(actor):
    offering = ProductOfferingFactory(published=True)
    offering_retire(offering_id=offering.pk, actor=actor)
    offering.refresh_from_db()
    assert offering.lifecycle_status == LifecycleStatus.RETIRED
    event = audit_history(subject=offering).get()
    assert (event.from_state, event.to_state) == ("published", "retired")
    for source in (ProductOfferingFactory(), offering):
        with pytest.raises(InvalidTransition):
            offering_retire(offering_id=source.pk, actor=actor)


def test_published_offering_is_immutable_except_display_fields(actor):
    offering = ProductOfferingFactory(published=True, is_sellable=True)
    offering_update(offering_id=offering.pk, actor=actor, changes={"name": "Nicer"})
    with pytest.raises(ImmutableError):
        offering_update(
            offering_id=offering.pk, actor=actor, changes={"is_sellable": False}
        )
    with pytest.raises(ImmutableError):
        offering_update(
            offering_id=offering.pk,
            actor=actor,
            changes={"category_id": CategoryFactory().pk},
        )
    offering.refresh_from_db()
    assert (offering.name, offering.is_sellable, offering.category_id) == (
        "Nicer",
        True,
        None,
    )


def test_draft_offering_fk_fields_can_change(actor):
    offering = ProductOfferingFactory()
    category = CategoryFactory()
    offering_update(
        offering_id=offering.pk, actor=actor, changes={"category_id": category.pk}
    )
    offering.refresh_from_db()
    assert offering.category_id == category.pk


def test_offering_new_version_copies_children_and_keeps_the_old(actor):
    child = ProductOfferingFactory(published=True)
    bundle = ProductOfferingFactory(is_bundle=True, eligible_regions=["north"])
    offering_relationship_add(
        parent_id=bundle.pk, child_id=child.pk, actor=actor, max_quantity=3
    )
    offering_publish(offering_id=bundle.pk, actor=actor)
    new = offering_new_version(offering_id=bundle.pk, actor=actor)
    assert (new.version, new.lifecycle_status, new.eligible_regions) == (
        2,
        LifecycleStatus.DRAFT,
        ["north"],
    )
    assert new.child_relationships.get().max_quantity == 3
    assert bundle.child_relationships.get().child_id == child.pk
    bundle.refresh_from_db()
    assert bundle.lifecycle_status == LifecycleStatus.PUBLISHED


def test_offering_cycles_are_refused(actor):
    a, b, c = (ProductOfferingFactory(is_bundle=True) for _ in range(3))
    offering_relationship_add(parent_id=a.pk, child_id=b.pk, actor=actor)
    offering_relationship_add(parent_id=b.pk, child_id=c.pk, actor=actor)
    with pytest.raises(CycleError):
        offering_relationship_add(parent_id=c.pk, child_id=a.pk, actor=actor)
    with pytest.raises(CycleError):
        offering_relationship_add(parent_id=b.pk, child_id=a.pk, actor=actor)
    with pytest.raises(CycleError):
        offering_relationship_add(parent_id=a.pk, child_id=a.pk, actor=actor)
    assert OfferingRelationship.objects.count() == 2


def test_offering_children_of_published_bundle_are_immutable(actor):
    bundle = ProductOfferingFactory(is_bundle=True, published=True)
    with pytest.raises(ImmutableError):
        offering_relationship_add(
            parent_id=bundle.pk, child_id=ProductOfferingFactory().pk, actor=actor
        )


def test_offering_relationship_remove(actor):
    bundle = ProductOfferingFactory(is_bundle=True)
    rel = offering_relationship_add(
        parent_id=bundle.pk, child_id=ProductOfferingFactory().pk, actor=actor
    )
    offering_relationship_remove(relationship_id=rel.pk, actor=actor)
    assert not OfferingRelationship.objects.exists()
    assert ProductOffering.objects.count() == 2


def test_category_create_is_audited_and_refuses_a_taken_code(job_actor):
    from catalog.services import category_create
    from ordermgmt.audit import audit_history
    from ordermgmt.exceptions import ValidationFailed

    category = category_create(code="equipment", name="Equipment", actor=job_actor)
    assert [e.action for e in audit_history(subject=category)] == ["category.created"]
    with pytest.raises(ValidationFailed):
        category_create(code="equipment", name="Again", actor=job_actor)
