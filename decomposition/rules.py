"""Pure decomposition decisions on plain values: domain order kinds, child counts,
attribute mapping, missing mandatory values and change deltas. No ORM, no clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from catalog.models import AttributeMappingKind, SpecificationKind
from catalog.rules import CharacteristicLike
from decomposition.models import DomainOrderKind

_KIND_BY_SPECIFICATION: dict[str, str] = {
    SpecificationKind.PRODUCT: DomainOrderKind.PRODUCT,
    SpecificationKind.CFS: DomainOrderKind.SERVICE,
    SpecificationKind.RFS: DomainOrderKind.SERVICE,
    SpecificationKind.RESOURCE: DomainOrderKind.RESOURCE,
}

# transform(decision table key, source values, target characteristic) -> value or None
Transform = Callable[[str, Mapping[str, Any], str], Any]


@dataclass(frozen=True)
class MappingRule:
    """An attribute-mapping rule as plain values (catalog.AttributeMappingRule)."""

    kind: str
    source_characteristic: str
    target_characteristic: str
    value: Any = None
    decision_table_key: str = ""
    message: str = ""


def domain_order_kind(*, specification_kind: str) -> str:
    """Return the domain order kind for a specification kind (cfs and rfs are services)."""
    return _KIND_BY_SPECIFICATION[specification_kind]


def _as_count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def relationship_child_count(
    *,
    default_quantity: int,
    min_quantity: int,
    max_quantity: int,
    quantity_characteristic: str,
    source_values: Mapping[str, Any],
) -> int:
    """How many targets a relationship makes: the quantity characteristic's value (kept
    within min / max) when the source has one, else the default quantity."""
    if quantity_characteristic:
        count = _as_count(source_values.get(quantity_characteristic))
        if count is not None:
            return max(min_quantity, min(max_quantity, count))
    return default_quantity


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def mapping_apply(
    *,
    rules: Sequence[MappingRule],
    source_values: Mapping[str, Any],
    target_values: Mapping[str, Any],
    transform: Transform,
    defaults: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Apply mapping rules in order to a target's values; return them and the codes a
    validation rule refused (their values are dropped: they count as unknown).

    default sets a value the target lacks; set_value and copy overwrite (copy of an
    absent source value leaves the target alone); transform takes the decision table's
    output. Then the specification's `defaults` fill what is still blank, and last the
    validation rules check that a value is one of the rule's `value` list.
    """
    values = dict(target_values)
    refused: list[str] = []
    for rule in rules:
        if rule.kind == AttributeMappingKind.VALIDATION:
            continue
        code = rule.target_characteristic
        if rule.kind == AttributeMappingKind.DEFAULT:
            if _is_blank(values.get(code)):
                values[code] = rule.value
        elif rule.kind == AttributeMappingKind.SET_VALUE:
            values[code] = rule.value
        elif rule.kind == AttributeMappingKind.COPY:
            copied = source_values.get(rule.source_characteristic)
            if not _is_blank(copied):
                values[code] = copied
        elif rule.kind == AttributeMappingKind.TRANSFORM:
            result = transform(rule.decision_table_key, source_values, code)
            if result is not None:
                values[code] = result
    for code, default in (defaults or {}).items():
        if _is_blank(values.get(code)):
            values[code] = default
    for rule in rules:
        if rule.kind != AttributeMappingKind.VALIDATION:
            continue
        code = rule.target_characteristic
        allowed = rule.value if isinstance(rule.value, list) else [rule.value]
        current = values.get(code)
        if not _is_blank(current) and current not in allowed:
            values.pop(code, None)
            refused.append(code)
    return values, refused


def mandatory_missing(
    *, characteristics: Sequence[CharacteristicLike], values: Mapping[str, Any]
) -> list[str]:
    """Return the codes of mandatory characteristics that have no value, in spec order."""
    return [
        char.code
        for char in characteristics
        if char.is_mandatory and _is_blank(values.get(char.code))
    ]


def characteristics_differ(
    *, planned: Mapping[str, Any], current: Mapping[str, Any]
) -> bool:
    """True when a planned value differs from the item's current one.

    Only the planned codes count: values fulfillment added later (serial numbers,
    assigned addresses) are not part of the plan and are not a change.
    """
    return any(current.get(code) != value for code, value in planned.items())


def exclusion_inputs(
    *,
    input_codes: Sequence[str],
    source_specification: str,
    target_specification: str,
    source_values: Mapping[str, Any],
) -> dict[str, Any]:
    """Inputs of the `decomposition_exclusion` table: the two specification codes, and
    every other input column read from the source's characteristics (None if absent)."""
    fixed = {
        "source_specification": source_specification,
        "target_specification": target_specification,
    }
    return {
        code: fixed[code] if code in fixed else source_values.get(code)
        for code in input_codes
    }
