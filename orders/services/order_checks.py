"""Checks that need the whole order: bundle expansion and quantities, and compatibility.

`order_lines_check` runs every line check of `line_checks` plus these, on lines given as
`LineCandidate`s (from a client, or the saved lines of a draft), and raises one
ValidationFailed with errors keyed `lines.<key>.<field>` and
`lines.<key>.characteristics.<code>`. Reads happen up front in a fixed number of
queries (one more per bundle nesting level), whatever the number of lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from catalog.models import CompatibilityKind, OfferingRelationship, ProductOffering
from catalog.rules import characteristic_values_with_defaults
from ordermgmt.exceptions import ValidationFailed
from orders.models import CustomerOrder, LineAction, OrderChannel
from orders.selectors import account_owned_specification_codes
from orders.services.line_checks import (
    CONFIGURING_ACTIONS,
    LineReferences,
    line_references_load,
    line_target_checked,
)

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class LineCandidate:
    """A line to check: `key` names it in errors (the client's ref or the line number)."""

    key: str
    action: str
    offering_id: int | None
    quantity: int
    characteristics: Mapping[str, Any]
    inventory_item_id: int | None = None
    parent_key: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class CheckedLine:
    """A line that passed its checks, ready to be written; `generated` by bundle expansion."""

    key: str
    parent_key: str
    action: str
    offering_id: int | None
    specification_id: int | None
    inventory_item_id: int | None
    quantity: int
    characteristics: dict[str, Any]
    extra: dict[str, Any]
    generated: bool = False


@dataclass
class _Plan:
    candidates: list[LineCandidate]
    generated: set[str] = field(default_factory=set)
    errors: Errors = field(default_factory=dict)

    def add_error(self, key: str, name: str, message: str) -> None:
        self.errors.setdefault(f"lines.{key}.{name}", []).append(message)


def order_lines_check(
    *,
    order: CustomerOrder,
    candidates: Sequence[LineCandidate],
    at: datetime,
    expand_bundles: bool,
    with_compatibility: bool = True,
) -> tuple[list[CheckedLine], LineReferences]:
    """Check an order's lines together; with `expand_bundles`, add bundles' default children.

    Raises ValidationFailed with every problem found; returns the lines (children right
    after their parents, otherwise in the given order) and the catalog rows it read.
    Without `with_compatibility` (a draft being built line by line) compatibility rules
    are left to submit.
    """
    plan = _Plan(candidates=list(candidates))
    _keys_check(plan)
    references = line_references_load(
        offering_ids=[c.offering_id for c in plan.candidates],
        inventory_item_ids=[c.inventory_item_id for c in plan.candidates],
        with_compatibility=with_compatibility,
    )
    _bundles_check(plan, references=references, expand=expand_bundles)
    checked = _lines_check(plan, order=order, at=at, references=references)
    if not plan.errors:
        _compatibility_check(plan, order=order, lines=checked, references=references)
    if plan.errors:
        raise ValidationFailed(
            f"The order has {len({k.split('.')[1] for k in plan.errors})} invalid "
            f"line(s).",
            errors=plan.errors,
        )
    return checked, references


def _keys_check(plan: _Plan) -> None:
    seen: set[str] = set()
    for candidate in plan.candidates:
        if not candidate.key:
            plan.add_error("?", "ref", "Every line needs its own id.")
        elif candidate.key in seen:
            plan.add_error(candidate.key, "ref", "Two lines have this id.")
        seen.add(candidate.key)
    for candidate in plan.candidates:
        if candidate.parent_key and candidate.parent_key not in seen:
            plan.add_error(
                candidate.key,
                "parent_ref",
                f"No line {candidate.parent_key} in this order to be a child of.",
            )
        elif candidate.parent_key == candidate.key and candidate.key:
            plan.add_error(
                candidate.key, "parent_ref", "A line cannot be its own parent."
            )


# --- bundles -----------------------------------------------------------------------


def _bundles_check(plan: _Plan, *, references: LineReferences, expand: bool) -> None:
    children_of: dict[str, list[LineCandidate]] = defaultdict(list)
    for candidate in plan.candidates:
        if candidate.parent_key:
            children_of[candidate.parent_key].append(candidate)
    added: dict[str, list[LineCandidate]] = {}
    queue = [c for c in plan.candidates if c.action == LineAction.ADD]
    while queue:
        parent = queue.pop(0)
        offering = references.offerings.get(parent.offering_id or 0)
        children = children_of.get(parent.key, [])
        if offering is None or not offering.is_bundle:
            for child in children:
                plan.add_error(
                    child.key,
                    "parent_ref",
                    f"Line {parent.key} is not a bundle; it cannot have child lines.",
                )
            continue
        relationships = references.bundle_children.get(offering.pk, [])
        new_children = _bundle_children_planned(
            plan,
            parent=parent,
            offering=offering,
            relationships=relationships,
            children=children,
            references=references,
            expand=expand,
        )
        if new_children:
            added[parent.key] = new_children
            queue.extend(new_children)
            plan.generated.update(child.key for child in new_children)
    if added:
        plan.candidates = _with_children_after_parents(plan.candidates, added)


def _bundle_children_planned(
    plan: _Plan,
    *,
    parent: LineCandidate,
    offering: ProductOffering,
    relationships: list[OfferingRelationship],
    children: list[LineCandidate],
    references: LineReferences,
    expand: bool,
) -> list[LineCandidate]:
    by_code = {r.child.code: r for r in relationships}
    quantities: dict[int, int] = defaultdict(int)
    for child in children:
        child_offering = references.offerings.get(child.offering_id or 0)
        relationship = by_code.get(child_offering.code) if child_offering else None
        if relationship is None:
            plan.add_error(
                child.key,
                "offering_id",
                f"{child_offering.name if child_offering else 'This offering'} is not "
                f"part of the bundle {offering.name}.",
            )
            continue
        quantities[relationship.pk] += child.quantity
    generated: list[LineCandidate] = []
    for relationship in relationships:
        given = quantities.get(relationship.pk, 0)
        if given == 0 and expand and relationship.default_quantity > 0:
            generated.append(_default_child(parent, relationship, references))
            continue
        _bundle_quantity_check(
            plan, parent=parent, relationship=relationship, quantity=given
        )
    return generated


def _bundle_quantity_check(
    plan: _Plan,
    *,
    parent: LineCandidate,
    relationship: OfferingRelationship,
    quantity: int,
) -> None:
    name = relationship.child.name
    if quantity < relationship.min_quantity:
        plan.add_error(
            parent.key,
            "bundle",
            f"The bundle needs at least {relationship.min_quantity} × {name}; "
            f"it has {quantity}.",
        )
    elif quantity > relationship.max_quantity:
        plan.add_error(
            parent.key,
            "bundle",
            f"The bundle allows at most {relationship.max_quantity} × {name}; "
            f"it has {quantity}.",
        )


def _default_child(
    parent: LineCandidate,
    relationship: OfferingRelationship,
    references: LineReferences,
) -> LineCandidate:
    child = relationship.child
    return LineCandidate(
        key=f"{parent.key}/{child.code}",
        action=LineAction.ADD,
        offering_id=child.pk,
        quantity=relationship.default_quantity,
        characteristics=characteristic_values_with_defaults(
            characteristics=references.definitions(child.product_specification_id),
            values={},
        ),
        parent_key=parent.key,
    )


def _with_children_after_parents(
    candidates: list[LineCandidate], added: dict[str, list[LineCandidate]]
) -> list[LineCandidate]:
    ordered: list[LineCandidate] = []

    def place(candidate: LineCandidate) -> None:
        ordered.append(candidate)
        for child in added.get(candidate.key, []):
            place(child)

    for candidate in candidates:
        place(candidate)
    return ordered


# --- each line -----------------------------------------------------------------------


def _lines_check(
    plan: _Plan,
    *,
    order: CustomerOrder,
    at: datetime,
    references: LineReferences,
) -> list[CheckedLine]:
    checked: list[CheckedLine] = []
    for candidate in plan.candidates:
        try:
            target = line_target_checked(
                order=order,
                action=candidate.action,
                offering_id=candidate.offering_id,
                inventory_item_id=candidate.inventory_item_id,
                quantity=candidate.quantity,
                characteristics=candidate.characteristics,
                at=at,
                references=references,
                in_bundle=bool(candidate.parent_key),
                offering_optional=order.channel == OrderChannel.API,
            )
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                plan.errors.setdefault(f"lines.{candidate.key}.{name}", []).extend(
                    messages
                )
            continue
        checked.append(
            CheckedLine(
                key=candidate.key,
                parent_key=candidate.parent_key,
                action=candidate.action,
                offering_id=target.offering_id,
                specification_id=target.specification_id,
                inventory_item_id=target.inventory_item_id,
                quantity=candidate.quantity,
                characteristics=target.characteristics,
                extra=dict(candidate.extra),
                generated=candidate.key in plan.generated,
            )
        )
    return checked


# --- compatibility -------------------------------------------------------------------


def _present_codes(
    *, lines: list[CheckedLine], references: LineReferences
) -> dict[str, set[str]]:
    """Specification codes the order will hold, with the keys of the lines holding them."""
    present: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if line.action != LineAction.DELETE and line.specification_id is not None:
            present[references.specification_codes[line.specification_id]].add(line.key)
    return present


def _rule_applies(rule: Any, values: Mapping[str, Any], definitions: Any) -> bool:
    if not rule.condition_characteristic:
        return True
    value = characteristic_values_with_defaults(
        characteristics=definitions, values=values
    ).get(rule.condition_characteristic)
    wanted = {str(v).lower() for v in rule.condition_values or []}
    return value is not None and str(value).lower() in wanted


def _compatibility_check(
    plan: _Plan,
    *,
    order: CustomerOrder,
    lines: list[CheckedLine],
    references: LineReferences,
) -> None:
    if not references.compatibility:
        return
    present = _present_codes(lines=lines, references=references)
    owned: set[str] | None = None
    for line in lines:
        if line.action not in CONFIGURING_ACTIONS or line.specification_id is None:
            continue
        code = references.specification_codes[line.specification_id]
        for rule in references.compatibility.get(code, []):
            definitions = references.definitions(line.specification_id)
            if not _rule_applies(rule, line.characteristics, definitions):
                continue
            if owned is None:
                owned = _owned_codes(order=order, lines=lines)
            target = rule.target.code
            in_order = bool(present.get(target, set()) - {line.key})
            if rule.kind == CompatibilityKind.REQUIRES and not (
                in_order or target in owned
            ):
                message = rule.message or (
                    f"{rule.source.name} needs {rule.target.name}; add it to the order."
                )
            elif rule.kind == CompatibilityKind.EXCLUDES and (
                in_order or target in owned
            ):
                message = rule.message or (
                    f"{rule.source.name} cannot be combined with {rule.target.name}."
                )
            else:
                continue
            where = (
                f"characteristics.{rule.condition_characteristic}"
                if rule.condition_characteristic
                else "offering_id"
            )
            plan.add_error(line.key, where, message)


def _owned_codes(*, order: CustomerOrder, lines: list[CheckedLine]) -> set[str]:
    """Codes of what the account owns and keeps (items this order deletes are gone)."""
    owned = account_owned_specification_codes(account_id=order.account_id)
    leaving = {
        line.inventory_item_id for line in lines if line.action == LineAction.DELETE
    }
    return {code for item_id, code in owned.items() if item_id not in leaving and code}
