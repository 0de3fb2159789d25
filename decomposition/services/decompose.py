"""order_decompose: an acknowledged order's lines become product, service and resource
orders (see decomposition.planner for the rules), written set-based.

Reads: the order (locked), its lines, each specification tree once, the decision tables,
and for MACD lines the inventory trees one level per query. Writes: one insert per tree
level, one update for the display numbers, one insert for the requires dependencies, and
the audit rows in one insert per initial state. The count does not grow with the lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection, models
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from decomposition.audit import AuditAction
from decomposition.exceptions import LineNotDecomposable, OrderNotDecomposable
from decomposition.models import (
    NUMBER_PREFIXES,
    DomainOrder,
    DomainOrderDependency,
    DomainOrderState,
    domain_order_number,
)
from decomposition.planner import Dependency, Plan, PlannedOrder, Planner
from decomposition.selectors import (
    EXCLUSION_TABLE_KEY,
    DecompositionTree,
    LinePlanInput,
    decision_tables_compiled,
    decomposition_trees,
    domain_orders_exist,
    domain_orders_for_order,
    inventory_trees,
    order_lines_to_decompose,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.transactions import service_atomic
from orders.models import MACD_ACTIONS, CustomerOrderState
from orders.selectors import order_get_for_update

DECOMPOSABLE_ORDER_STATES = frozenset(
    {CustomerOrderState.ACKNOWLEDGED, CustomerOrderState.IN_PROGRESS}
)


def order_decompose(*, order_id: int, actor: Actor) -> list[DomainOrder]:
    """Decompose an acknowledged order into domain orders; parents come before children.

    Idempotent: an order that has domain orders already gets them back unchanged.
    Locks the order row first.
    """
    with service_atomic():
        order = order_get_for_update(order_id=order_id)
        if order.state not in DECOMPOSABLE_ORDER_STATES:
            raise OrderNotDecomposable(
                f"{order} is {order.state}; only an acknowledged or in-progress "
                "order is decomposed.",
                state=order.state,
            )
        if domain_orders_exist(order_id=order.pk):
            return domain_orders_for_order(order_id=order.pk)
        lines = order_lines_to_decompose(order_id=order.pk)
        _lines_check(lines)
        plan = decomposition_plan(lines=lines)
        now = timezone.now()
        created = _plan_write(plan, at=now)
        _dependencies_write(plan.dependencies)
        _audit_created(created, actor=actor, at=now)
        audit_record(
            subject=order,
            action=AuditAction.ORDER_DECOMPOSED,
            actor=actor,
            data=_counts(created),
            at=now,
        )
    return created


def decomposition_plan(*, lines: Sequence[LinePlanInput]) -> Plan:
    """Plan lines into domain orders without writing: trees, tables, inventory, walk."""
    trees = decomposition_trees(
        specification_ids={line.specification_id for line in lines}  # type: ignore[misc]
    )
    decisions = decision_tables_compiled(keys=decision_keys(trees=trees.values()))
    item_ids = [
        line.inventory_item_id
        for line in lines
        if line.action in MACD_ACTIONS and line.inventory_item_id is not None
    ]
    inventory = inventory_trees(item_ids=item_ids) if item_ids else {}
    planner = Planner(trees=trees, decisions=decisions, inventory=inventory)
    return planner.plan_order(lines=lines)


def decision_keys(*, trees: Iterable[DecompositionTree]) -> set[str]:
    """The decision tables a decomposition may evaluate: exclusion and transforms."""
    keys = {EXCLUSION_TABLE_KEY}
    for tree in trees:
        for rules in tree.mapping_rules.values():
            keys.update(rule.decision_table_key for rule in rules)
    keys.discard("")
    return keys


def _lines_check(lines: Sequence[LinePlanInput]) -> None:
    for line in lines:
        if line.specification_id is None:
            raise LineNotDecomposable(
                f"Line {line.line_number} has no specification to decompose.",
                line_id=line.line_id,
            )
        if line.action in MACD_ACTIONS and line.inventory_item_id is None:
            raise LineNotDecomposable(
                f"Line {line.line_number} ({line.action}) names no inventory item.",
                line_id=line.line_id,
            )


def domain_order_from_plan(
    planned: PlannedOrder, *, at: datetime, pk: int | None = None
) -> DomainOrder:
    """The unsaved row for a planned order whose parent (if any) has its id; it carries
    its specification from the tree, so callers read it without a query."""
    row = DomainOrder(
        pk=pk,
        number=domain_order_number(kind=planned.kind, pk=pk) if pk else None,
        kind=planned.kind,
        order_id=planned.order_id,
        line_id=planned.line_id,
        parent_id=planned.parent.saved.pk if planned.parent is not None else None,
        specification_id=planned.specification_id,
        inventory_item_id=planned.inventory_item_id,
        action=planned.action,
        relationship_type=planned.relationship_type,
        path=planned.path,
        sequence=planned.sequence,
        characteristics=planned.characteristics,
        missing_characteristics=planned.missing,
        state=planned.state,
        released_at=at if planned.state == DomainOrderState.QUALIFIED else None,
    )
    if planned.node is not None:
        row.specification = planned.node.specification
    return row


def planned_orders_insert(
    planned: Sequence[PlannedOrder], *, at: datetime
) -> list[DomainOrder]:
    """Insert planned orders (given parents first) and number them; return the rows."""
    new = [item for item in planned if item.saved is None]
    ids = _ids_reserve(count=len(new))
    if ids is not None:
        for item, pk in zip(new, ids, strict=True):
            item.saved = domain_order_from_plan(item, at=at, pk=pk)
        DomainOrder.objects.bulk_create([item.saved for item in new])
    else:
        _insert_level_by_level(new, at=at)
    return [item.saved for item in planned]


def _ids_reserve(*, count: int) -> list[int] | None:
    """PostgreSQL: take `count` ids from the sequence in one query, so that parents,
    children and numbers are known before the one insert. None elsewhere."""
    if connection.vendor != "postgresql" or not count:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
            "FROM generate_series(1, %s)",
            [DomainOrder._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _insert_level_by_level(new: Sequence[PlannedOrder], *, at: datetime) -> None:
    """Elsewhere (SQLite): one insert per tree level, parents first so their ids
    exist, then one update numbers them all."""
    by_depth: dict[int, list[PlannedOrder]] = defaultdict(list)
    for item in new:
        by_depth[item.depth].append(item)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        rows = DomainOrder.objects.bulk_create(
            [domain_order_from_plan(item, at=at) for item in level]
        )
        for item, row in zip(level, rows, strict=True):
            item.saved = row
    if new:
        # Only rows inserted in this transaction have no number yet.
        DomainOrder.objects.filter(
            order_id__in={item.order_id for item in new}, number__isnull=True
        ).update(number=_number_expression())
    for item in new:
        item.saved.number = domain_order_number(kind=item.kind, pk=item.saved.pk)


def _plan_write(plan: Plan, *, at: datetime) -> list[DomainOrder]:
    return planned_orders_insert(plan.planned_orders(), at=at)


def _number_expression() -> models.Func:
    # PO0001001 from pk 1, computed by the database in the same single UPDATE.
    prefix = Case(
        *[
            When(kind=kind, then=Value(prefix))
            for kind, prefix in NUMBER_PREFIXES.items()
        ],
        output_field=CharField(),
    )
    digits = LPad(Cast(F("id") + 1000, output_field=CharField()), 7, Value("0"))
    return Concat(prefix, digits, output_field=CharField())


def _dependencies_write(dependencies: Sequence[Dependency]) -> None:
    if dependencies:
        DomainOrderDependency.objects.bulk_create(
            [
                DomainOrderDependency(
                    domain_order_id=dependency.source.saved.pk,
                    depends_on_id=dependency.target.saved.pk,
                )
                for dependency in dependencies
            ],
            ignore_conflicts=True,
        )


def _audit_created(
    created: Sequence[DomainOrder], *, actor: Actor, at: datetime
) -> None:
    by_state: dict[str, list[DomainOrder]] = defaultdict(list)
    for row in created:
        by_state[row.state].append(row)
    for state, rows in by_state.items():
        audit_record_many(
            subjects=rows,
            action=AuditAction.DOMAIN_ORDER_CREATED,
            actor=actor,
            to_state=state,
            at=at,
        )


def _counts(created: Sequence[DomainOrder]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in created:
        counts[row.kind] += 1
        if row.state == DomainOrderState.AWAITING_INFORMATION:
            counts["awaiting_information"] += 1
    return {"domain_orders": len(created), **counts}
