"""Writes on specifications: create, edit, publish, retire, new version, characteristics,
relationships (never a cycle) and compatibility / attribute-mapping rules.

Lifecycle: see `catalog.services.versioning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from catalog.audit import AuditAction
from catalog.exceptions import PublishBlocked
from catalog.models import (
    AttributeMappingKind,
    AttributeMappingRule,
    CharacteristicSpec,
    CharacteristicValueType,
    CompatibilityKind,
    CompatibilityRule,
    LifecycleStatus,
    Specification,
    SpecificationRelationship,
)
from catalog.rules import CharacteristicDefinition, characteristic_errors
from catalog.selectors import (
    SPECIFICATION_GRAPH_LOCK_KEY,
    relationship_graph_lock,
    specification_characteristics,
    specification_get_for_update,
    specification_reachable_ids,
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

SPECIFICATION_EDITABLE_FIELDS: frozenset[str] = frozenset(
    {"code", "name", "description", "kind"}
)


def specification_create(
    *, code: str, name: str, kind: str, actor: Actor, description: str = ""
) -> Specification:
    """Create version 1 of a specification as a draft."""
    with transaction.atomic():
        if Specification.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"A specification with code {code!r} exists; make a new version of it.",
                errors={"code": ["Already used."]},
            )
        spec = Specification(code=code, name=name, kind=kind, description=description)
        item_clean(spec)
        spec.save()
        audit_record(
            subject=spec,
            action=AuditAction.SPECIFICATION_CREATED,
            actor=actor,
            to_state=spec.lifecycle_status,
            data={"code": code, "kind": kind},
        )
    return spec


def specification_update(
    *, specification_id: int, actor: Actor, changes: Mapping[str, Any]
) -> Specification:
    """Edit a specification; once published only its display fields may change."""
    with transaction.atomic():
        return item_update(
            model=Specification,
            item_id=specification_id,
            actor=actor,
            changes=changes,
            editable_fields=SPECIFICATION_EDITABLE_FIELDS,
            action=AuditAction.SPECIFICATION_UPDATED,
        )


def _specification_ready_check(spec: Specification) -> None:
    problems: list[str] = []
    draft_targets = SpecificationRelationship.objects.filter(source=spec).exclude(
        target__lifecycle_status=LifecycleStatus.PUBLISHED
    )
    problems += [
        f"Related specification {rel.target} is {rel.target.lifecycle_status}; "
        "publish it first."
        for rel in draft_targets.select_related("target")
    ]
    for char in specification_characteristics(specification_id=spec.pk):
        problems += _characteristic_definition_problems(char)
    if problems:
        raise PublishBlocked(
            f"{spec} cannot be published yet: " + " ".join(problems),
            problems=problems,
        )


def _characteristic_definition_problems(char: Any, prefix: str = "") -> list[str]:
    label = f"Characteristic {prefix}{char.code}"
    problems: list[str] = []
    if char.value_type == CharacteristicValueType.CHOICE and not char.allowed_values:
        problems.append(f"{label} is a choice without allowed values.")
    if char.value_type == CharacteristicValueType.OBJECT:
        if not char.children:
            problems.append(f"{label} is an object without child characteristics.")
        for child in char.children:
            problems += _characteristic_definition_problems(
                child, prefix=f"{prefix}{char.code}."
            )
    return problems


def specification_publish(*, specification_id: int, actor: Actor) -> Specification:
    """Publish a draft specification; the previously published version is retired."""
    with transaction.atomic():
        return item_publish(
            model=Specification,
            item_id=specification_id,
            actor=actor,
            published_action=AuditAction.SPECIFICATION_PUBLISHED,
            retired_action=AuditAction.SPECIFICATION_RETIRED,
            ready_check=_specification_ready_check,
        )


def specification_retire(
    *, specification_id: int, actor: Actor, reason: str = ""
) -> Specification:
    """Retire a published specification; existing orders and inventory keep using it."""
    with transaction.atomic():
        return item_retire(
            model=Specification,
            item_id=specification_id,
            actor=actor,
            action=AuditAction.SPECIFICATION_RETIRED,
            reason=reason,
        )


def specification_new_version(*, specification_id: int, actor: Actor) -> Specification:
    """Make a draft copy one version up, with characteristics, relationships and rules.

    Copied relationships and rules point at the published version of each target's
    code where one exists, else at the same target as before.
    """
    with transaction.atomic():
        source, draft = item_new_version_prepare(
            model=Specification, item_id=specification_id
        )
        draft.save()
        _characteristics_copy(from_spec_id=source.pk, to_spec_id=draft.pk)
        _relationships_copy(from_spec_id=source.pk, to_spec_id=draft.pk)
        audit_record(
            subject=draft,
            action=AuditAction.SPECIFICATION_VERSION_CREATED,
            actor=actor,
            to_state=draft.lifecycle_status,
            data={"from_id": source.pk, "from_version": source.version},
        )
    return draft


def _characteristics_copy(*, from_spec_id: int, to_spec_id: int) -> None:
    remaining = list(CharacteristicSpec.objects.filter(specification_id=from_spec_id))
    new_pk_of: dict[int, int] = {}
    # Parents before children: one insert per nesting level.
    while remaining:
        level = [
            row
            for row in remaining
            if row.parent_id is None or row.parent_id in new_pk_of
        ]
        remaining = [row for row in remaining if row not in level]
        old_pks = [row.pk for row in level]
        for row in level:
            row.pk = None
            row.specification_id = to_spec_id
            row.parent_id = None if row.parent_id is None else new_pk_of[row.parent_id]
        created = CharacteristicSpec.objects.bulk_create(level)
        new_pk_of.update(zip(old_pks, (row.pk for row in created), strict=True))


def _published_version_ids(target_ids: set[int]) -> dict[int, int]:
    """Map each target id to the id of the published version of its code, if any."""
    codes = dict(
        Specification.objects.filter(pk__in=target_ids).values_list("pk", "code")
    )
    published = dict(
        Specification.objects.filter(
            code__in=codes.values(), lifecycle_status=LifecycleStatus.PUBLISHED
        ).values_list("code", "pk")
    )
    return {pk: published.get(code, pk) for pk, code in codes.items()}


def _relationships_copy(*, from_spec_id: int, to_spec_id: int) -> None:
    relationships = list(
        SpecificationRelationship.objects.filter(source_id=from_spec_id)
    )
    compatibility = list(CompatibilityRule.objects.filter(source_id=from_spec_id))
    mappings = list(AttributeMappingRule.objects.filter(source_id=from_spec_id))
    current = _published_version_ids(
        {row.target_id for row in [*relationships, *compatibility, *mappings]}
    )
    for row in [*relationships, *compatibility, *mappings]:
        row.pk = None
        row.source_id = to_spec_id
        row.target_id = current[row.target_id]
    SpecificationRelationship.objects.bulk_create(relationships)
    CompatibilityRule.objects.bulk_create(compatibility)
    AttributeMappingRule.objects.bulk_create(mappings)


def characteristic_spec_add(
    *,
    specification_id: int,
    actor: Actor,
    code: str,
    name: str,
    value_type: str,
    parent_id: int | None = None,
    description: str = "",
    allowed_values: Sequence[Any] = (),
    default_value: Any = None,
    is_mandatory: bool = False,
    is_customer_configurable: bool = True,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    unit: str = "",
    position: int = 0,
) -> CharacteristicSpec:
    """Add a characteristic (or an object characteristic's child) to a draft."""
    with transaction.atomic():
        spec = specification_get_for_update(specification_id=specification_id)
        children_editable_check(item=spec, what="characteristics")
        if parent_id is not None:
            _parent_check(specification_id=spec.pk, parent_id=parent_id)
        char = CharacteristicSpec(
            specification=spec,
            parent_id=parent_id,
            code=code,
            name=name,
            description=description,
            value_type=value_type,
            allowed_values=list(allowed_values),
            default_value=default_value,
            is_mandatory=is_mandatory,
            is_customer_configurable=is_customer_configurable,
            min_value=min_value,
            max_value=max_value,
            unit=unit,
            position=position,
        )
        item_clean(char)
        _default_value_check(char)
        char.save()
        audit_record(
            subject=spec,
            action=AuditAction.SPECIFICATION_CHARACTERISTIC_ADDED,
            actor=actor,
            data={"characteristic_id": char.pk, "code": code, "parent_id": parent_id},
        )
    return char


def _parent_check(*, specification_id: int, parent_id: int) -> None:
    parent = CharacteristicSpec.objects.filter(
        pk=parent_id, specification_id=specification_id
    ).first()
    if parent is None or parent.value_type != CharacteristicValueType.OBJECT:
        raise ValidationFailed(
            "A child characteristic belongs under an object characteristic of the "
            "same specification.",
            errors={
                "parent": ["Choose an object characteristic of this specification."]
            },
        )


def _default_value_check(char: CharacteristicSpec) -> None:
    if char.default_value is None or char.value_type == CharacteristicValueType.OBJECT:
        return
    errors = characteristic_errors(
        characteristics=[_as_leaf(char)], values={char.code: char.default_value}
    )
    if errors:
        raise ValidationFailed(
            "The default value does not fit the characteristic.",
            errors={"default_value": errors[char.code]},
        )


def _as_leaf(char: CharacteristicSpec) -> CharacteristicDefinition:
    return CharacteristicDefinition(
        code=char.code,
        name=char.name,
        value_type=char.value_type,
        allowed_values=tuple(char.allowed_values or ()),
        min_value=char.min_value,
        max_value=char.max_value,
        unit=char.unit,
    )


def specification_relationship_cycle_check(*, source_id: int, target_id: int) -> None:
    """Refuse a relationship source → target when the target already reaches the source."""
    if source_id == target_id:
        raise CycleError("A specification cannot be related to itself.")
    if source_id in specification_reachable_ids(specification_id=target_id):
        raise CycleError(
            "This relationship would make a cycle: the target already contains the "
            "source, directly or through other specifications.",
            source_id=source_id,
            target_id=target_id,
        )


def specification_relationship_add(
    *,
    source_id: int,
    target_id: int,
    relationship_type: str,
    actor: Actor,
    min_quantity: int = 1,
    default_quantity: int = 1,
    max_quantity: int = 1,
    quantity_characteristic: str = "",
    position: int = 0,
) -> SpecificationRelationship:
    """Relate a draft specification to another one; a cycle in the graph is refused."""
    with transaction.atomic():
        relationship_graph_lock(key=SPECIFICATION_GRAPH_LOCK_KEY)
        source = specification_get_for_update(specification_id=source_id)
        children_editable_check(item=source, what="relationships")
        if not Specification.objects.filter(pk=target_id).exists():
            raise NotFound(f"Specification {target_id} does not exist.")
        specification_relationship_cycle_check(source_id=source_id, target_id=target_id)
        relationship = SpecificationRelationship(
            source=source,
            target_id=target_id,
            relationship_type=relationship_type,
            min_quantity=min_quantity,
            default_quantity=default_quantity,
            max_quantity=max_quantity,
            quantity_characteristic=quantity_characteristic,
            position=position,
        )
        item_clean(relationship)
        _quantity_characteristic_check(relationship)
        relationship.save()
        audit_record(
            subject=source,
            action=AuditAction.SPECIFICATION_RELATIONSHIP_ADDED,
            actor=actor,
            data={
                "relationship_id": relationship.pk,
                "target_id": target_id,
                "relationship_type": relationship_type,
            },
        )
    return relationship


def _quantity_characteristic_check(relationship: SpecificationRelationship) -> None:
    code = relationship.quantity_characteristic
    if not code:
        return
    exists = CharacteristicSpec.objects.filter(
        specification_id=relationship.source_id,
        parent__isnull=True,
        code=code,
        value_type=CharacteristicValueType.INTEGER,
    ).exists()
    if not exists:
        raise ValidationFailed(
            f"The quantity characteristic {code!r} must be an integer characteristic "
            "of the source specification.",
            errors={"quantity_characteristic": ["Not an integer characteristic."]},
        )


def specification_relationship_remove(*, relationship_id: int, actor: Actor) -> None:
    """Remove a relationship from a draft specification."""
    with transaction.atomic():
        relationship = SpecificationRelationship.objects.filter(
            pk=relationship_id
        ).first()
        if relationship is None:
            raise NotFound(
                f"Specification relationship {relationship_id} does not exist."
            )
        source = specification_get_for_update(specification_id=relationship.source_id)
        children_editable_check(item=source, what="relationships")
        relationship.delete()
        audit_record(
            subject=source,
            action=AuditAction.SPECIFICATION_RELATIONSHIP_REMOVED,
            actor=actor,
            data={
                "relationship_id": relationship_id,
                "target_id": relationship.target_id,
            },
        )


def compatibility_rule_add(
    *,
    source_id: int,
    target_id: int,
    kind: CompatibilityKind | str,
    actor: Actor,
    condition_characteristic: str = "",
    condition_values: Sequence[Any] = (),
    message: str = "",
) -> CompatibilityRule:
    """Say that a draft specification requires or excludes another one."""
    with transaction.atomic():
        source = specification_get_for_update(specification_id=source_id)
        children_editable_check(item=source, what="compatibility rules")
        rule = CompatibilityRule(
            source=source,
            target_id=target_id,
            kind=kind,
            condition_characteristic=condition_characteristic,
            condition_values=list(condition_values),
            message=message,
        )
        item_clean(rule)
        rule.save()
        audit_record(
            subject=source,
            action=AuditAction.SPECIFICATION_RULE_ADDED,
            actor=actor,
            data={"compatibility_rule_id": rule.pk, "kind": str(kind)},
        )
    return rule


def attribute_mapping_rule_add(
    *,
    source_id: int,
    target_id: int,
    kind: AttributeMappingKind | str,
    target_characteristic: str,
    actor: Actor,
    source_characteristic: str = "",
    value: Any = None,
    decision_table_key: str = "",
    message: str = "",
    position: int = 0,
) -> AttributeMappingRule:
    """Add a rule that gives or checks a target characteristic's value."""
    with transaction.atomic():
        source = specification_get_for_update(specification_id=source_id)
        children_editable_check(item=source, what="attribute-mapping rules")
        rule = AttributeMappingRule(
            source=source,
            target_id=target_id,
            kind=kind,
            source_characteristic=source_characteristic,
            target_characteristic=target_characteristic,
            value=value,
            decision_table_key=decision_table_key,
            message=message,
            position=position,
        )
        item_clean(rule)
        rule.save()
        audit_record(
            subject=source,
            action=AuditAction.SPECIFICATION_RULE_ADDED,
            actor=actor,
            data={"attribute_mapping_rule_id": rule.pk, "kind": str(kind)},
        )
    return rule
