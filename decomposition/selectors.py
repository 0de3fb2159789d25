"""Reads of the decomposition app: domain orders, the lock functions services decide on,
and the catalog and inventory reads the decomposer needs, cached where they cannot change.

Specification trees are read through catalog.selectors.specification_tree once per
specification and call; a tree whose specifications are all published (or retired) is
immutable, so it is also kept per process, keyed by the root's (pk, updated_at).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from catalog.models import AttributeMappingRule, LifecycleStatus, Specification
from catalog.selectors import SpecificationTreeNode, specification_tree
from decisions.compiler import CompiledDecision
from decisions.evaluator import decision_table_compiled
from decisions.models import DecisionTable, DecisionTableState
from decomposition.models import FINAL_STATES, DomainOrder, DomainOrderDependency
from decomposition.rules import MappingRule
from inventory.models import InventoryItem
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_many, lock_one
from orders.models import CustomerOrderLine, LineAction, LineState

EXCLUSION_TABLE_KEY = "decomposition_exclusion"

# --- domain orders -----------------------------------------------------------------


def domain_orders_for_order(*, order_id: int) -> list[DomainOrder]:
    """Return an order's domain orders, line by line, parents before children."""
    return list(
        DomainOrder.objects.filter(order_id=order_id)
        .select_related("specification")
        .order_by("line_id", "path")
    )


def domain_orders_for_line(*, line_id: int) -> list[DomainOrder]:
    """Return one line's domain orders, parents before children."""
    return list(
        DomainOrder.objects.filter(line_id=line_id)
        .select_related("specification")
        .order_by("path")
    )


def domain_order_get(*, domain_order_id: int) -> DomainOrder:
    """Return one domain order with its specification; raise NotFound."""
    try:
        return DomainOrder.objects.select_related("specification").get(
            pk=domain_order_id
        )
    except DomainOrder.DoesNotExist as exc:
        raise NotFound(f"Domain order {domain_order_id} does not exist.") from exc


def domain_order_dependencies_for_order(
    *, order_id: int
) -> list[DomainOrderDependency]:
    """Return the horizontal (requires) dependencies between an order's domain orders."""
    return list(
        DomainOrderDependency.objects.filter(domain_order__order_id=order_id).order_by(
            "domain_order_id", "depends_on_id"
        )
    )


def domain_orders_exist(*, order_id: int) -> bool:
    """Return whether an order has been decomposed."""
    return DomainOrder.objects.filter(order_id=order_id).exists()


def domain_orders_open_children_counts(
    *, domain_order_ids: Collection[int]
) -> dict[int, int]:
    """Return, for each of the domain orders with any, how many of its children are
    neither closed nor canceled, leaving out children that are themselves among the
    given ids (they close together with their parent). One grouped query."""
    if not domain_order_ids:
        return {}
    ids = set(domain_order_ids)
    return dict(
        DomainOrder.objects.filter(parent_id__in=ids)
        .exclude(pk__in=ids)
        .exclude(state__in=FINAL_STATES)
        .order_by()
        .values("parent_id")
        .annotate(open_children=Count("pk"))
        .values_list("parent_id", "open_children")
    )


def domain_order_get_for_update(*, domain_order_id: int) -> DomainOrder:
    """Lock and return one domain order (lock its customer order first, if at all)."""
    return lock_one(
        DomainOrder.objects.select_related("specification"),
        pk=domain_order_id,
        label="Domain order",
    )


def domain_orders_get_for_update(
    *, domain_order_ids: Iterable[int]
) -> list[DomainOrder]:
    """Lock several domain orders in ascending pk (the project's rule against deadlocks)."""
    return lock_many(
        DomainOrder.objects.filter(pk__in=set(domain_order_ids)).select_related(
            "specification"
        )
    )


def domain_order_descendants_for_update(
    *, domain_order: DomainOrder
) -> list[DomainOrder]:
    """Lock and return every domain order below one (same line, path below its path)."""
    return lock_many(
        DomainOrder.objects.filter(
            line_id=domain_order.line_id,
            path__startswith=f"{domain_order.path}/",
        ).select_related("specification")
    )


# --- order lines, as the decomposer reads them ----------------------------------------

# Lines in these states are not fulfilled: nothing to decompose.
LINE_STATES_NOT_DECOMPOSED = frozenset(
    {
        LineState.DRAFT,
        LineState.REJECTED,
        LineState.ASSESSING_CANCELLATION,
        LineState.CANCELLATION_IN_PROGRESS,
        LineState.CANCELED,
        LineState.COMPLETED,
        LineState.PARTIAL,
        LineState.FAILED,
    }
)


@dataclass(frozen=True)
class LinePlanInput:
    """What the planner needs of an order line, as plain values."""

    line_id: int
    order_id: int
    line_number: int
    parent_line_id: int | None
    action: str
    quantity: int
    characteristics: Mapping[str, Any]
    specification_id: int | None
    inventory_item_id: int | None


def order_lines_to_decompose(*, order_id: int) -> list[LinePlanInput]:
    """Return the lines of an order that fulfillment acts on, in one query."""
    rows = (
        CustomerOrderLine.objects.filter(order_id=order_id)
        .exclude(state__in=LINE_STATES_NOT_DECOMPOSED)
        .exclude(action=LineAction.NO_CHANGE)
        .order_by("line_number")
        .values_list(
            "pk",
            "line_number",
            "parent_line_id",
            "action",
            "quantity",
            "characteristics",
            "specification_id",
            "inventory_item_id",
        )
    )
    return [
        LinePlanInput(
            line_id=pk,
            order_id=order_id,
            line_number=number,
            parent_line_id=parent_id,
            action=action,
            quantity=quantity,
            characteristics=characteristics or {},
            specification_id=specification_id,
            inventory_item_id=item_id,
        )
        for (
            pk,
            number,
            parent_id,
            action,
            quantity,
            characteristics,
            specification_id,
            item_id,
        ) in rows
    ]


# --- the catalog, as the decomposer reads it ------------------------------------------


@dataclass(frozen=True)
class DecompositionTree:
    """A specification tree with the mapping rules between its specifications."""

    root: SpecificationTreeNode
    # (source spec id, target spec id) -> rules in position order
    mapping_rules: Mapping[tuple[int, int], tuple[MappingRule, ...]]


_tree_cache: dict[tuple[int, datetime], DecompositionTree] = {}
_TREE_CACHE_LIMIT = 256


def decomposition_cache_clear() -> None:
    """Forget every specification tree this process keeps."""
    _tree_cache.clear()


def _tree_spec_ids(root: SpecificationTreeNode) -> set[int]:
    return {node.specification.pk for _, node in root.walk()}


def _is_immutable(root: SpecificationTreeNode) -> bool:
    return all(
        node.specification.lifecycle_status != LifecycleStatus.DRAFT
        for _, node in root.walk()
    )


def _mapping_rules_by_pair(
    *, source_ids: set[int]
) -> dict[tuple[int, int], list[MappingRule]]:
    by_pair: dict[tuple[int, int], list[MappingRule]] = defaultdict(list)
    if not source_ids:
        return by_pair
    rows = AttributeMappingRule.objects.filter(source_id__in=source_ids).order_by(
        "source_id", "position", "id"
    )
    for row in rows:
        by_pair[(row.source_id, row.target_id)].append(
            MappingRule(
                kind=row.kind,
                source_characteristic=row.source_characteristic,
                target_characteristic=row.target_characteristic,
                value=row.value,
                decision_table_key=row.decision_table_key,
                message=row.message,
            )
        )
    return by_pair


def decomposition_trees(
    *, specification_ids: Iterable[int]
) -> dict[int, DecompositionTree]:
    """Return the decomposition tree of each specification, reading each tree once.

    One query for the specifications' versions, then for trees not cached four queries
    each (catalog.selectors.specification_tree) and one for all their mapping rules.
    """
    ids = set(specification_ids)
    versions = dict(
        Specification.objects.filter(pk__in=ids).values_list("pk", "updated_at")
    )
    missing = ids - set(versions)
    if missing:
        raise NotFound(f"Specifications {sorted(missing)} do not exist.")
    trees: dict[int, DecompositionTree] = {}
    built: dict[int, SpecificationTreeNode] = {}
    for spec_id, updated_at in versions.items():
        cached = _tree_cache.get((spec_id, updated_at))
        if cached is not None:
            trees[spec_id] = cached
        else:
            built[spec_id] = specification_tree(specification_id=spec_id)
    if built:
        source_ids = set().union(*(_tree_spec_ids(root) for root in built.values()))
        rules = _mapping_rules_by_pair(source_ids=source_ids)
        for spec_id, root in built.items():
            in_tree = _tree_spec_ids(root)
            tree = DecompositionTree(
                root=root,
                mapping_rules={
                    pair: tuple(pair_rules)
                    for pair, pair_rules in rules.items()
                    if pair[0] in in_tree
                },
            )
            trees[spec_id] = tree
            if _is_immutable(root):
                if len(_tree_cache) >= _TREE_CACHE_LIMIT:
                    _tree_cache.clear()
                _tree_cache[(spec_id, versions[spec_id])] = tree
    return trees


def decision_tables_compiled(*, keys: Iterable[str]) -> dict[str, CompiledDecision]:
    """Return the compiled published version of each key that has one, in one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    tables = DecisionTable.objects.filter(
        key__in=wanted, state=DecisionTableState.PUBLISHED
    )
    return {table.key: decision_table_compiled(table=table) for table in tables}


# --- inventory, for MACD lines ---------------------------------------------------------


@dataclass(frozen=True)
class InventoryNode:
    """An inventory item with its children, as the decomposer compares against it."""

    item_id: int
    specification_id: int
    specification_code: str
    specification_kind: str
    characteristics: Mapping[str, Any]
    children: tuple[InventoryNode, ...]


def inventory_trees(*, item_ids: Iterable[int]) -> dict[int, InventoryNode]:
    """Return each item with everything below it: one query per level of the tree."""
    level = list(
        InventoryItem.objects.filter(pk__in=set(item_ids)).select_related(
            "specification"
        )
    )
    rows: list[InventoryItem] = []
    children_of: dict[int, list[InventoryItem]] = defaultdict(list)
    roots = {item.pk: item for item in level}
    while level:
        rows.extend(level)
        level = list(
            InventoryItem.objects.filter(parent_id__in=[item.pk for item in level])
            .select_related("specification")
            .order_by("pk")
        )
        for item in level:
            children_of[item.parent_id].append(item)  # type: ignore[index]

    def build(item: InventoryItem) -> InventoryNode:
        spec = item.specification
        return InventoryNode(
            item_id=item.pk,
            specification_id=item.specification_id or 0,
            specification_code=spec.code if spec else "",
            specification_kind=spec.kind if spec else "",
            characteristics=dict(item.characteristics or {}),
            children=tuple(build(child) for child in children_of[item.pk]),
        )

    return {pk: build(item) for pk, item in roots.items()}


def domain_orders_queryset() -> QuerySet[DomainOrder]:
    """Return all domain orders with what lists show (the admin, workspaces)."""
    return DomainOrder.objects.select_related("specification", "order", "line")
