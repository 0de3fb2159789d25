"""The decomposer's plan: an order's lines walked through their specification trees into
planned product, service and resource orders, in memory, before anything is written.

- A line of quantity N plans N product orders (sequence 1..N), each with its own subtree.
- realized_as children become child domain orders; composed_of children fold into the
  nearest domain order's characteristics under the child's specification code, as a list
  (a bill of materials), one entry per unit. bundles edges are skipped: a bundle's children
  are order lines of their own (expanded at capture) whose product orders get the bundle's
  product order as parent (round robin when the bundle line's quantity is above 1).
- requires edges make no domain order: the source waits for the target's domain order in
  the same order (a DomainOrderDependency), and the source→target mapping rules flow
  values to it, after which the target's subtree is planned again. One level of flow.
- Child counts: the relationship's quantity characteristic (within min / max) or its
  default quantity. The published decision table `decomposition_exclusion` (first hit,
  output `exclude`) can drop a target: its inputs are `source_specification`,
  `target_specification` and any other column, read from the source's characteristics.
- Change lines keep only the planned orders whose values differ from the inventory item
  (with their ancestors); the inventory children no planned order matches get a delete
  order. Delete / suspend / resume lines keep the product order and the service orders,
  never resource orders (resources follow their service in inventory).
- Staggered: an add or change order whose mandatory characteristics are still unknown (or
  refused by a validation mapping rule) is Awaiting information; the orders below it in
  its line wait in Draft. A bundle's child lines do not wait for the bundle's order.
  Folded composed_of values are not checked for mandatory values.
- Horizontal requires are resolved between add lines only; a MACD line's requirements
  are already met by what the account owns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.models import SpecificationRelationshipType
from catalog.rules import characteristic_defaults, characteristic_values_with_defaults
from catalog.selectors import SpecificationTreeNode
from decisions.compiler import CompiledDecision
from decomposition.models import DomainOrderAction, DomainOrderKind, DomainOrderState
from decomposition.rules import (
    MappingRule,
    characteristics_differ,
    domain_order_kind,
    exclusion_inputs,
    mandatory_missing,
    mapping_apply,
    relationship_child_count,
)
from decomposition.selectors import (
    EXCLUSION_TABLE_KEY,
    DecompositionTree,
    InventoryNode,
    LinePlanInput,
)

_R = SpecificationRelationshipType
_A = DomainOrderAction
# Edges that never make a domain order of their own while walking a tree.
_NOT_WALKED = frozenset({_R.BUNDLES, _R.REQUIRES})
_WIND_DOWN_ACTIONS = frozenset({_A.DELETE, _A.SUSPEND, _A.RESUME})


@dataclass(eq=False)
class PlannedOrder:
    """One domain order to be written; `children` are in the same line or child lines."""

    line_id: int
    order_id: int
    line_number: int
    kind: str
    specification_id: int
    specification_code: str
    action: str
    relationship_type: str
    path: str
    sequence: int
    characteristics: dict[str, Any]
    node: SpecificationTreeNode | None
    tree: DecompositionTree | None
    parent: PlannedOrder | None = None
    children: list[PlannedOrder] = field(default_factory=list)
    inventory_item_id: int | None = None
    refused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    state: str = DomainOrderState.QUALIFIED
    changed: bool = True
    # The DomainOrder row once written (or found, for a staggered release).
    saved: Any = None

    def walk(self) -> list[PlannedOrder]:
        """Return this order and everything below it, parents first."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1


@dataclass
class Dependency:
    source: PlannedOrder
    target: PlannedOrder


@dataclass
class Plan:
    roots: list[PlannedOrder]
    dependencies: list[Dependency]

    def planned_orders(self) -> list[PlannedOrder]:
        """Every planned order, parents before children."""
        found: list[PlannedOrder] = []
        for root in self.roots:
            found.extend(root.walk())
        return found


class Planner:
    """Plans one order (or one subtree, for a staggered release) with the tables given."""

    def __init__(
        self,
        *,
        trees: Mapping[int, DecompositionTree],
        decisions: Mapping[str, CompiledDecision],
        inventory: Mapping[int, InventoryNode] | None = None,
    ) -> None:
        self.trees = trees
        self.decisions = decisions
        self.inventory = inventory or {}
        self._defaults: dict[int, dict[str, Any]] = {}
        self._transformed: dict[tuple[str, str, tuple[Any, ...]], Any] = {}
        self._excluded: dict[tuple[str, str, tuple[Any, ...]], bool] = {}

    # --- decisions, memoised per call: many lines share the same values ---

    def transform(self, key: str, source: Mapping[str, Any], target_code: str) -> Any:
        compiled = self.decisions.get(key)
        if compiled is None:
            return None
        inputs = tuple(_hashable(source.get(code)) for code in compiled.input_codes)
        memo = (key, target_code, inputs)
        if memo not in self._transformed:
            result = compiled.evaluate(
                dict(zip(compiled.input_codes, inputs, strict=False))
            )
            outputs = result.outputs if isinstance(result.outputs, dict) else {}
            value = outputs.get(target_code)
            if value is None and len(outputs) == 1:
                value = next(iter(outputs.values()))
            self._transformed[memo] = value if result.matched else None
        return self._transformed[memo]

    def excluded(
        self, source_code: str, target_code: str, source: Mapping[str, Any]
    ) -> bool:
        compiled = self.decisions.get(EXCLUSION_TABLE_KEY)
        if compiled is None:
            return False
        inputs = exclusion_inputs(
            input_codes=compiled.input_codes,
            source_specification=source_code,
            target_specification=target_code,
            source_values=source,
        )
        memo = (
            source_code,
            target_code,
            tuple(_hashable(inputs[code]) for code in compiled.input_codes),
        )
        if memo not in self._excluded:
            result = compiled.evaluate(inputs)
            outputs = result.outputs if isinstance(result.outputs, dict) else {}
            self._excluded[memo] = bool(result.matched and outputs.get("exclude"))
        return self._excluded[memo]

    def defaults(self, node: SpecificationTreeNode) -> dict[str, Any]:
        spec_id = node.specification.pk
        if spec_id not in self._defaults:
            self._defaults[spec_id] = characteristic_defaults(
                characteristics=node.characteristics
            )
        return self._defaults[spec_id]

    # --- the walk ---

    def plan_order(self, *, lines: Sequence[LinePlanInput]) -> Plan:
        """Plan every line of an order: roots, subtrees, requires flows, states."""
        roots_of_line: dict[int, list[PlannedOrder]] = {}
        roots: list[PlannedOrder] = []
        for line in _parents_first(lines):
            planned = [
                self._line_root(line=line, sequence=sequence)
                for sequence in range(1, line.quantity + 1)
            ]
            roots_of_line[line.line_id] = planned
            parents = roots_of_line.get(line.parent_line_id or 0)
            for index, root in enumerate(planned):
                if parents:
                    root.parent = parents[index % len(parents)]
                    root.relationship_type = _R.BUNDLES
                    root.parent.children.append(root)
                else:
                    roots.append(root)
        dependencies = self._requires_flow(roots)
        for root in roots:
            self.settle(root, waiting=False)
        return Plan(roots=roots, dependencies=dependencies)

    def _line_root(self, *, line: LinePlanInput, sequence: int) -> PlannedOrder:
        tree = self.trees[line.specification_id]
        node = tree.root
        item = self.inventory.get(line.inventory_item_id or 0)
        current = dict(item.characteristics) if item else {}
        values = characteristic_values_with_defaults(
            characteristics=node.characteristics,
            values={**current, **line.characteristics},
        )
        root = PlannedOrder(
            line_id=line.line_id,
            order_id=line.order_id,
            line_number=line.line_number,
            kind=domain_order_kind(specification_kind=node.specification.kind),
            specification_id=node.specification.pk,
            specification_code=node.specification.code,
            action=line.action,
            relationship_type="",
            path=str(sequence),
            sequence=sequence,
            characteristics=values,
            node=node,
            tree=tree,
            inventory_item_id=line.inventory_item_id,
        )
        self.expand(root)
        if line.action != _A.ADD:
            self._macd_delta(root, item=item)
        return root

    def expand(self, owner: PlannedOrder) -> None:
        """Plan the subtree below `owner` from its characteristics (replacing any)."""
        assert owner.node is not None
        assert owner.tree is not None
        owner.children = [c for c in owner.children if c.line_id != owner.line_id]
        for code in _folded_codes(owner.node):
            owner.characteristics.pop(code, None)
        self._walk(
            owner=owner,
            node=owner.node,
            values=owner.characteristics,
            into=owner.characteristics,
            path=owner.path,
        )

    def _walk(
        self,
        *,
        owner: PlannedOrder,
        node: SpecificationTreeNode,
        values: dict[str, Any],
        into: dict[str, Any],
        path: str,
    ) -> None:
        assert owner.tree is not None
        source = node.specification
        for edge in node.relationships:
            relationship = edge.relationship
            if relationship.relationship_type in _NOT_WALKED:
                continue
            target = edge.node
            spec = target.specification
            if self.excluded(source.code, spec.code, values):
                continue
            count = relationship_child_count(
                default_quantity=relationship.default_quantity,
                min_quantity=relationship.min_quantity,
                max_quantity=relationship.max_quantity,
                quantity_characteristic=relationship.quantity_characteristic,
                source_values=values,
            )
            rules = owner.tree.mapping_rules.get((source.pk, spec.pk), ())
            for sequence in range(1, count + 1):
                mapped, refused = mapping_apply(
                    rules=rules,
                    source_values=values,
                    target_values={},
                    transform=self.transform,
                    defaults=self.defaults(target),
                )
                child_path = f"{path}/{spec.code}.{sequence}"
                if relationship.relationship_type == _R.COMPOSED_OF:
                    into.setdefault(spec.code, []).append(mapped)
                    self._walk(
                        owner=owner,
                        node=target,
                        values=mapped,
                        into=mapped,
                        path=child_path,
                    )
                    continue
                child = PlannedOrder(
                    line_id=owner.line_id,
                    order_id=owner.order_id,
                    line_number=owner.line_number,
                    kind=domain_order_kind(specification_kind=spec.kind),
                    specification_id=spec.pk,
                    specification_code=spec.code,
                    action=owner.action,
                    relationship_type=relationship.relationship_type,
                    path=child_path,
                    sequence=sequence,
                    characteristics=mapped,
                    node=target,
                    tree=owner.tree,
                    parent=owner,
                    refused=refused,
                )
                owner.children.append(child)
                self._walk(
                    owner=child,
                    node=target,
                    values=mapped,
                    into=mapped,
                    path=child_path,
                )

    # --- horizontal requires ---

    def _requires_flow(self, roots: list[PlannedOrder]) -> list[Dependency]:
        planned = [p for root in roots for p in root.walk() if p.action == _A.ADD]
        by_code: dict[str, list[PlannedOrder]] = defaultdict(list)
        for p in planned:
            by_code[p.specification_code].append(p)
        dependencies: list[Dependency] = []
        for source in planned:
            assert source.node is not None
            assert source.tree is not None
            for edge in source.node.relationships:
                if edge.relationship.relationship_type != _R.REQUIRES:
                    continue
                target = _required_target(
                    source, by_code.get(edge.node.specification.code, [])
                )
                if target is None:
                    continue
                dependencies.append(Dependency(source=source, target=target))
                rules = source.tree.mapping_rules.get(
                    (source.specification_id, edge.node.specification.pk), ()
                )
                if rules:
                    self._flow_into(target, rules=rules, source=source)
        return dependencies

    def _flow_into(
        self,
        target: PlannedOrder,
        *,
        rules: Sequence[MappingRule],
        source: PlannedOrder,
    ) -> None:
        mapped, refused = mapping_apply(
            rules=rules,
            source_values=source.characteristics,
            target_values=target.characteristics,
            transform=self.transform,
        )
        target.refused.extend(code for code in refused if code not in target.refused)
        if mapped != target.characteristics:
            target.characteristics = mapped
            self.expand(target)

    # --- MACD deltas ---

    def _macd_delta(self, root: PlannedOrder, *, item: InventoryNode | None) -> None:
        _inventory_match(root, item, action=root.action)
        if root.action in _WIND_DOWN_ACTIONS:
            has_children = bool(item and item.children)
            root.children = _pruned(
                root,
                keep=lambda p: (
                    p.kind == DomainOrderKind.SERVICE
                    and (p.inventory_item_id is not None or not has_children)
                ),
            )
        else:
            root.children = _pruned(root, keep=lambda p: p.changed or bool(p.children))

    # --- states ---

    def settle(self, planned: PlannedOrder, *, waiting: bool) -> None:
        """Set missing values and states top-down: Draft below a waiting order."""
        if planned.node is not None and planned.action in (_A.ADD, _A.CHANGE):
            missing = mandatory_missing(
                characteristics=planned.node.characteristics,
                values=planned.characteristics,
            )
            planned.missing = missing + [c for c in planned.refused if c not in missing]
        if waiting:
            planned.state = DomainOrderState.DRAFT
        elif planned.missing:
            planned.state = DomainOrderState.AWAITING_INFORMATION
        else:
            planned.state = DomainOrderState.QUALIFIED
        blocked = planned.state != DomainOrderState.QUALIFIED
        for child in planned.children:
            # A bundle's child lines proceed on their own; a line's subtree waits.
            self.settle(child, waiting=blocked and child.line_id == planned.line_id)


def _parents_first(lines: Sequence[LinePlanInput]) -> list[LinePlanInput]:
    """Lines ordered so that a bundle line comes before its child lines."""
    parent_of = {line.line_id: line.parent_line_id for line in lines}

    def depth(line_id: int | None) -> int:
        level = 0
        while line_id is not None and parent_of.get(line_id) is not None:
            line_id = parent_of[line_id]
            level += 1
        return level

    return sorted(lines, key=lambda line: (depth(line.line_id), line.line_number))


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _folded_codes(node: SpecificationTreeNode) -> list[str]:
    return [
        edge.node.specification.code
        for edge in node.relationships
        if edge.relationship.relationship_type == _R.COMPOSED_OF
    ]


def _top(planned: PlannedOrder) -> PlannedOrder:
    while planned.parent is not None:
        planned = planned.parent
    return planned


def _required_target(
    source: PlannedOrder, candidates: list[PlannedOrder]
) -> PlannedOrder | None:
    """The domain order a requires edge points at: under the same bundle if possible."""
    others = [c for c in candidates if c is not source]
    if not others:
        return None
    top = _top(source)
    for candidate in others:
        if _top(candidate) is top:
            return candidate
    return others[0]


def _inventory_match(
    planned: PlannedOrder, item: InventoryNode | None, *, action: str
) -> None:
    """Pair planned orders with inventory items (k-th item of a spec ↔ sequence k)."""
    if item is None:
        planned.inventory_item_id = None
        planned.action = _A.ADD if planned.parent is not None else action
        planned.changed = True
    else:
        planned.inventory_item_id = item.item_id
        planned.action = action
        planned.changed = characteristics_differ(
            planned=planned.characteristics, current=item.characteristics
        )
    available: dict[str, list[InventoryNode]] = defaultdict(list)
    for child in item.children if item else ():
        available[child.specification_code].append(child)
    used: dict[str, int] = defaultdict(int)
    for child in list(planned.children):
        if child.line_id != planned.line_id:
            continue
        pool = available.get(child.specification_code, [])
        index = child.sequence - 1
        _inventory_match(
            child, pool[index] if index < len(pool) else None, action=action
        )
        used[child.specification_code] = max(used[child.specification_code], index + 1)
    for code, pool in available.items():
        for index, leftover in enumerate(pool[used[code] :], start=used[code] + 1):
            planned.children.append(_leftover_delete(planned, leftover, index, action))


def _leftover_delete(
    parent: PlannedOrder, item: InventoryNode, sequence: int, action: str
) -> PlannedOrder:
    """An owned item the new plan no longer has: a change removes it, others act on it."""
    return PlannedOrder(
        line_id=parent.line_id,
        order_id=parent.order_id,
        line_number=parent.line_number,
        kind=domain_order_kind(specification_kind=item.specification_kind),
        specification_id=item.specification_id,
        specification_code=item.specification_code,
        action=_A.DELETE if action == _A.CHANGE else action,
        relationship_type="",
        path=f"{parent.path}/{item.specification_code}.{sequence}",
        sequence=sequence,
        characteristics=dict(item.characteristics),
        node=None,
        tree=None,
        parent=parent,
        inventory_item_id=item.item_id,
    )


def _pruned(planned: PlannedOrder, *, keep: Any) -> list[PlannedOrder]:
    """Return `planned`'s children with unwanted orders dropped, their kept children
    moved up to the nearest kept ancestor."""
    kept: list[PlannedOrder] = []
    for child in planned.children:
        if child.line_id != planned.line_id:
            kept.append(child)
            continue
        child.children = _pruned(child, keep=keep)
        if keep(child):
            child.parent = planned
            kept.append(child)
        else:
            for grandchild in child.children:
                grandchild.parent = planned
            kept.extend(child.children)
    return kept
