"""Specification services: lifecycle, immutability, versioning, relationships, cycles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_fsm import ConcurrentTransition

from catalog.audit import AuditAction
from catalog.exceptions import DraftVersionExists, PublishBlocked
from catalog.models import (
    AttributeMappingKind,
    CharacteristicSpec,
    CharacteristicValueType,
    CompatibilityKind,
    LifecycleStatus,
    Specification,
    SpecificationRelationship,
    SpecificationRelationshipType,
)
from catalog.services import (
    attribute_mapping_rule_add,
    characteristic_spec_add,
    compatibility_rule_add,
    specification_create,
    specification_new_version,
    specification_publish,
    specification_relationship_add,
    specification_relationship_remove,
    specification_retire,
    specification_update,
)
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import (
    CycleError,
    ImmutableError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from tests.catalog.factories import (
    CharacteristicSpecFactory,
    SpecificationFactory,
    SpecificationRelationshipFactory,
)

pytestmark = pytest.mark.django_db

BUNDLES = SpecificationRelationshipType.BUNDLES


def actions_of(subject) -> list[str]:
    return list(audit_history(subject=subject).values_list("action", flat=True))


# --- create / update -----------------------------------------------------------------


def test_specification_create_makes_a_draft_version_one_with_audit(actor):
    spec = specification_create(code="fibre", name="Fibre", kind="product", actor=actor)
    assert (spec.version, spec.lifecycle_status) == (1, LifecycleStatus.DRAFT)
    event = audit_history(subject=spec).get()
    assert event.action == AuditAction.SPECIFICATION_CREATED
    assert event.actor_label == actor.label


def test_specification_create_refuses_a_used_code(actor):
    SpecificationFactory(code="fibre")
    with pytest.raises(ValidationFailed) as exc:
        specification_create(code="fibre", name="Fibre", kind="product", actor=actor)
    assert exc.value.errors == {"code": ["Already used."]}


def test_specification_update_changes_any_field_of_a_draft(actor):
    spec = SpecificationFactory()
    specification_update(
        specification_id=spec.pk, actor=actor, changes={"kind": "cfs", "name": "New"}
    )
    spec.refresh_from_db()
    assert (spec.kind, spec.name) == ("cfs", "New")
    assert actions_of(spec) == [AuditAction.SPECIFICATION_UPDATED]


@pytest.mark.parametrize("trait", ["published", "retired"])
def test_specification_update_allows_display_fields_when_not_draft(actor, trait):
    spec = SpecificationFactory(**{trait: True})
    specification_update(
        specification_id=spec.pk,
        actor=actor,
        changes={"name": "Renamed", "description": "Better words"},
    )
    spec.refresh_from_db()
    assert (spec.name, spec.description) == ("Renamed", "Better words")


@pytest.mark.parametrize("trait", ["published", "retired"])
@pytest.mark.parametrize("field_value", [("code", "other"), ("kind", "rfs")])
def test_specification_update_refuses_other_fields_when_not_draft(
    actor, trait, field_value
):
    spec = SpecificationFactory(**{trait: True}, kind="product")
    field, value = field_value
    with pytest.raises(ImmutableError) as exc:
        specification_update(
            specification_id=spec.pk,
            actor=actor,
            changes={"name": "Renamed", field: value},
        )
    assert "Make a new version" in exc.value.message
    spec.refresh_from_db()
    assert spec.name != "Renamed"  # no partial write
    assert actions_of(spec) == []


def test_specification_update_refuses_lifecycle_fields(actor):
    spec = SpecificationFactory()
    with pytest.raises(ValidationFailed):
        specification_update(
            specification_id=spec.pk, actor=actor, changes={"version": 9}
        )


def test_specification_update_of_a_missing_spec_is_not_found(actor):
    with pytest.raises(NotFound):
        specification_update(specification_id=999999, actor=actor, changes={})


# --- publish / retire ----------------------------------------------------------------


def test_specification_publish_records_audit_and_time(actor):
    spec = SpecificationFactory()
    specification_publish(specification_id=spec.pk, actor=actor)
    spec.refresh_from_db()
    assert spec.lifecycle_status == LifecycleStatus.PUBLISHED
    assert spec.published_at is not None
    event = audit_history(subject=spec).get()
    assert (event.action, event.from_state, event.to_state) == (
        AuditAction.SPECIFICATION_PUBLISHED,
        "draft",
        "published",
    )


@pytest.mark.parametrize("trait", ["published", "retired"])
def test_specification_publish_refuses_non_drafts(actor, trait):
    spec = SpecificationFactory(**{trait: True})
    with pytest.raises(InvalidTransition):
        specification_publish(specification_id=spec.pk, actor=actor)
    assert actions_of(spec) == []


def test_specification_publish_retires_the_previous_version(actor):
    old = SpecificationFactory(code="fibre", published=True)
    draft = specification_new_version(specification_id=old.pk, actor=actor)
    specification_publish(specification_id=draft.pk, actor=actor)
    old.refresh_from_db()
    draft.refresh_from_db()
    assert old.lifecycle_status == LifecycleStatus.RETIRED
    assert draft.lifecycle_status == LifecycleStatus.PUBLISHED
    assert actions_of(old) == [AuditAction.SPECIFICATION_RETIRED]


def test_specification_publish_refuses_draft_targets(actor):
    rel = SpecificationRelationshipFactory()
    with pytest.raises(PublishBlocked) as exc:
        specification_publish(specification_id=rel.source_id, actor=actor)
    assert "publish it first" in exc.value.message
    rel.source.refresh_from_db()
    assert rel.source.lifecycle_status == LifecycleStatus.DRAFT


def test_specification_publish_refuses_a_choice_without_values(actor):
    char = CharacteristicSpecFactory(value_type=CharacteristicValueType.CHOICE)
    with pytest.raises(PublishBlocked, match="choice without allowed values"):
        specification_publish(specification_id=char.specification_id, actor=actor)


def test_specification_publish_refuses_an_object_without_children(actor):
    char = CharacteristicSpecFactory(value_type=CharacteristicValueType.OBJECT)
    with pytest.raises(PublishBlocked, match="object without child"):
        specification_publish(specification_id=char.specification_id, actor=actor)


def test_specification_retire_records_audit(actor):
    spec = SpecificationFactory(published=True)
    specification_retire(specification_id=spec.pk, actor=actor, reason="End of sale")
    spec.refresh_from_db()
    assert spec.lifecycle_status == LifecycleStatus.RETIRED
    assert spec.retired_at is not None
    event = audit_history(subject=spec).get()
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        AuditAction.SPECIFICATION_RETIRED,
        "published",
        "retired",
        "End of sale",
    )


@pytest.mark.parametrize("trait", [{}, {"retired": True}])
def test_specification_retire_refuses_drafts_and_retired(actor, trait):
    spec = SpecificationFactory(**trait)
    with pytest.raises(InvalidTransition):
        specification_retire(specification_id=spec.pk, actor=actor)
    assert actions_of(spec) == []


def test_stale_copy_cannot_overwrite_a_transition(actor):
    spec = SpecificationFactory()
    stale = Specification.objects.get(pk=spec.pk)
    specification_publish(specification_id=spec.pk, actor=actor)
    stale.name = "stale"
    with pytest.raises(ConcurrentTransition):
        stale.save()


# --- new version ---------------------------------------------------------------------


def spec_with_children(actor) -> Specification:
    spec = SpecificationFactory(code="internet")
    site = characteristic_spec_add(
        specification_id=spec.pk,
        actor=actor,
        code="site",
        name="Site",
        value_type=CharacteristicValueType.OBJECT,
    )
    characteristic_spec_add(
        specification_id=spec.pk,
        actor=actor,
        code="floor",
        name="Floor",
        value_type=CharacteristicValueType.INTEGER,
        parent_id=site.pk,
    )
    characteristic_spec_add(
        specification_id=spec.pk,
        actor=actor,
        code="speed",
        name="Speed",
        value_type=CharacteristicValueType.INTEGER,
        default_value=100,
    )
    target = SpecificationFactory(kind="cfs", published=True)
    specification_relationship_add(
        source_id=spec.pk,
        target_id=target.pk,
        relationship_type=SpecificationRelationshipType.REALIZED_AS,
        actor=actor,
        max_quantity=2,
    )
    compatibility_rule_add(
        source_id=spec.pk,
        target_id=target.pk,
        kind=CompatibilityKind.REQUIRES,
        actor=actor,
    )
    attribute_mapping_rule_add(
        source_id=spec.pk,
        target_id=target.pk,
        kind=AttributeMappingKind.COPY,
        source_characteristic="speed",
        target_characteristic="bandwidth",
        actor=actor,
    )
    specification_publish(specification_id=spec.pk, actor=actor)
    return spec


def test_specification_new_version_copies_children_and_keeps_the_old(actor):
    # given
    old = spec_with_children(actor)
    # when
    new = specification_new_version(specification_id=old.pk, actor=actor)
    # then
    assert (new.code, new.version, new.lifecycle_status) == ("internet", 2, "draft")
    old.refresh_from_db()
    assert old.lifecycle_status == LifecycleStatus.PUBLISHED
    for spec in (old, new):
        chars = {
            c.code: c for c in CharacteristicSpec.objects.filter(specification=spec)
        }
        assert set(chars) == {"site", "floor", "speed"}
        assert chars["floor"].parent_id == chars["site"].pk
        assert chars["speed"].default_value == 100
        assert spec.outgoing_relationships.get().max_quantity == 2
        assert spec.compatibility_rules.count() == 1
        assert spec.attribute_mapping_rules.get().source_characteristic == "speed"
    assert actions_of(new) == [AuditAction.SPECIFICATION_VERSION_CREATED]


def test_specification_new_version_points_at_the_published_target_version(actor):
    old = spec_with_children(actor)
    target_v1 = old.outgoing_relationships.get().target
    target_v2 = specification_new_version(specification_id=target_v1.pk, actor=actor)
    specification_publish(specification_id=target_v2.pk, actor=actor)
    new = specification_new_version(specification_id=old.pk, actor=actor)
    assert new.outgoing_relationships.get().target_id == target_v2.pk
    assert old.outgoing_relationships.get().target_id == target_v1.pk


def test_specification_new_version_refuses_a_second_draft(actor):
    old = SpecificationFactory(published=True)
    specification_new_version(specification_id=old.pk, actor=actor)
    with pytest.raises(DraftVersionExists):
        specification_new_version(specification_id=old.pk, actor=actor)
    assert Specification.objects.filter(code=old.code).count() == 2


def test_specification_new_version_refuses_a_draft_source(actor):
    with pytest.raises(InvalidTransition):
        specification_new_version(
            specification_id=SpecificationFactory().pk, actor=actor
        )


def test_specification_new_version_of_retired_goes_above_the_latest(actor):
    v1 = SpecificationFactory(code="x", retired=True)
    SpecificationFactory(code="x", version=2, published=True)
    v3 = specification_new_version(specification_id=v1.pk, actor=actor)
    assert v3.version == 3


# --- characteristics -----------------------------------------------------------------


@pytest.mark.parametrize("trait", ["published", "retired"])
def test_characteristic_add_refuses_non_drafts(actor, trait):
    spec = SpecificationFactory(**{trait: True})
    with pytest.raises(ImmutableError):
        characteristic_spec_add(
            specification_id=spec.pk,
            actor=actor,
            code="x",
            name="X",
            value_type="text",
        )
    assert not spec.characteristics.exists()


def test_characteristic_add_refuses_a_default_that_does_not_fit(actor):
    spec = SpecificationFactory()
    with pytest.raises(ValidationFailed) as exc:
        characteristic_spec_add(
            specification_id=spec.pk,
            actor=actor,
            code="speed",
            name="Speed",
            value_type="integer",
            default_value=5,
            min_value=Decimal(10),
        )
    assert exc.value.errors == {"default_value": ["Speed (speed) must be at least 10."]}


def test_characteristic_add_refuses_a_parent_that_is_not_an_object(actor):
    parent = CharacteristicSpecFactory(value_type="text")
    with pytest.raises(ValidationFailed):
        characteristic_spec_add(
            specification_id=parent.specification_id,
            actor=actor,
            code="child",
            name="Child",
            value_type="text",
            parent_id=parent.pk,
        )


def test_characteristic_codes_are_unique_per_level(actor):
    spec = SpecificationFactory()
    characteristic_spec_add(
        specification_id=spec.pk, actor=actor, code="x", name="X", value_type="text"
    )
    with pytest.raises(ValidationFailed):
        characteristic_spec_add(
            specification_id=spec.pk, actor=actor, code="x", name="X", value_type="text"
        )


# --- relationships and cycles ----------------------------------------------------------


def relate(source, target, actor, kind=BUNDLES):
    return specification_relationship_add(
        source_id=source.pk, target_id=target.pk, relationship_type=kind, actor=actor
    )


def test_relationship_add_records_audit_on_the_source(actor):
    a, b = SpecificationFactory(), SpecificationFactory()
    rel = relate(a, b, actor)
    assert rel.relationship_type == BUNDLES
    assert actions_of(a) == [AuditAction.SPECIFICATION_RELATIONSHIP_ADDED]


def test_relationship_to_itself_is_refused(actor):
    a = SpecificationFactory()
    with pytest.raises(CycleError):
        relate(a, a, actor)


def test_direct_cycle_is_refused(actor):
    a, b = SpecificationFactory(), SpecificationFactory()
    relate(a, b, actor)
    with pytest.raises(CycleError):
        relate(b, a, actor, kind=SpecificationRelationshipType.REQUIRES)
    assert not SpecificationRelationship.objects.filter(source=b).exists()


def test_indirect_cycle_across_relationship_types_is_refused(actor):
    a, b, c, d = (SpecificationFactory() for _ in range(4))
    relate(a, b, actor, SpecificationRelationshipType.BUNDLES)
    relate(b, c, actor, SpecificationRelationshipType.REALIZED_AS)
    relate(c, d, actor, SpecificationRelationshipType.COMPOSED_OF)
    with pytest.raises(CycleError, match="cycle"):
        relate(d, a, actor, SpecificationRelationshipType.REQUIRES)
    assert actions_of(d) == []


def test_diamond_is_not_a_cycle(actor):
    a, b, c, d = (SpecificationFactory() for _ in range(4))
    relate(a, b, actor)
    relate(a, c, actor)
    relate(b, d, actor)
    relate(c, d, actor)
    assert SpecificationRelationship.objects.count() == 4


@pytest.mark.parametrize("trait", ["published", "retired"])
def test_relationship_add_refuses_non_draft_source(actor, trait):
    a, b = SpecificationFactory(**{trait: True}), SpecificationFactory()
    with pytest.raises(ImmutableError):
        relate(a, b, actor)


def test_relationship_quantities_must_be_ordered(actor):
    a, b = SpecificationFactory(), SpecificationFactory()
    with pytest.raises(ValidationFailed):
        specification_relationship_add(
            source_id=a.pk,
            target_id=b.pk,
            relationship_type=BUNDLES,
            actor=actor,
            min_quantity=3,
            default_quantity=1,
            max_quantity=2,
        )


def test_relationship_quantity_characteristic_must_be_an_integer_of_the_source(actor):
    a, b = SpecificationFactory(), SpecificationFactory()
    CharacteristicSpecFactory(specification=a, code="lines", value_type="integer")
    CharacteristicSpecFactory(specification=a, code="label", value_type="text")
    rel = specification_relationship_add(
        source_id=a.pk,
        target_id=b.pk,
        relationship_type=BUNDLES,
        actor=actor,
        max_quantity=10,
        quantity_characteristic="lines",
    )
    assert rel.quantity_characteristic == "lines"
    with pytest.raises(ValidationFailed):
        specification_relationship_add(
            source_id=a.pk,
            target_id=b.pk,
            relationship_type=SpecificationRelationshipType.REQUIRES,
            actor=actor,
            quantity_characteristic="label",
        )


def test_relationship_remove_only_from_drafts(actor):
    rel = SpecificationRelationshipFactory(source__published=True)
    with pytest.raises(ImmutableError):
        specification_relationship_remove(relationship_id=rel.pk, actor=actor)
    draft_rel = SpecificationRelationshipFactory()
    specification_relationship_remove(relationship_id=draft_rel.pk, actor=actor)
    assert not SpecificationRelationship.objects.filter(pk=draft_rel.pk).exists()
    assert actions_of(draft_rel.source) == [
        AuditAction.SPECIFICATION_RELATIONSHIP_REMOVED
    ]


def test_rules_refused_on_published_source(actor):
    a, b = SpecificationFactory(published=True), SpecificationFactory()
    with pytest.raises(ImmutableError):
        compatibility_rule_add(
            source_id=a.pk, target_id=b.pk, kind="excludes", actor=actor
        )
    with pytest.raises(ImmutableError):
        attribute_mapping_rule_add(
            source_id=a.pk,
            target_id=b.pk,
            kind="set_value",
            target_characteristic="x",
            value=1,
            actor=actor,
        )


def test_transform_rule_needs_a_decision_table(actor):
    a, b = SpecificationFactory(), SpecificationFactory()
    with pytest.raises(ValidationFailed):
        attribute_mapping_rule_add(
            source_id=a.pk,
            target_id=b.pk,
            kind=AttributeMappingKind.TRANSFORM,
            target_characteristic="profile",
            actor=actor,
        )
