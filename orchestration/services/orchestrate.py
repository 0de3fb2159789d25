"""Orchestrating an order: every domain order gets the tasks of its plan, all at once,
with their dependencies and planned dates; then the first tasks open.

Dependencies (kind in OrderTaskDependency):
- plan: the plan's task template dependencies, within one domain order;
- child: every first task of a parent domain order (one without plan dependencies)
  waits for every last task of each child domain order (one no plan task depends on).
  Every task leads to a last task and comes after a first one, so all tasks of a child
  finish before any task of its parent starts;
- requires: a domain order waits, in the same way, for the domain orders it requires:
  those of the same customer order whose specification code is the target of a
  catalog `requires` relationship from its own specification code (voice waits for
  internet), and those the decomposer recorded as DomainOrderDependency rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from catalog.models import SpecificationRelationship, SpecificationRelationshipType
from decomposition.models import DomainOrder, DomainOrderState
from decomposition.selectors import (
    domain_order_dependencies_for_order,
    domain_orders_for_order,
)
from orchestration.audit import AuditAction
from orchestration.models import (
    OrderTask,
    OrderTaskDependency,
    OrderTaskDependencyKind,
    OrderTaskState,
    PlanTemplate,
)
from orchestration.rules import (
    PlannedWindow,
    graph_roots,
    graph_sinks,
    tasks_schedule,
)
from orchestration.selectors import plan_selection
from orchestration.services.completion import tasks_open_ready_locked
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition
from ordermgmt.transactions import service_atomic
from orders.models import CustomerOrder, CustomerOrderState
from orders.selectors import order_get_for_update

ORCHESTRATABLE_ORDER_STATES = (
    CustomerOrderState.ACKNOWLEDGED,
    CustomerOrderState.IN_PROGRESS,
)
# Domain orders that get no tasks: over, or on their way out.
_NOT_PLANNED_STATES = (
    DomainOrderState.CLOSED_COMPLETE,
    DomainOrderState.CANCELLATION_IN_PROGRESS,
    DomainOrderState.CANCELED,
)

# A task in the order's graph: (domain order id, task template id).
TaskKey = tuple[int, int]


@dataclass(frozen=True)
class _PlanShape:
    dependencies: dict[int, list[int]]  # template id -> template ids it waits for
    first: list[int]
    last: list[int]


def _plan_shape(plan: PlanTemplate) -> _PlanShape:
    dependencies = {
        template.pk: [dep.depends_on_id for dep in template.dependencies.all()]
        for template in plan.task_templates.all()
    }
    return _PlanShape(
        dependencies=dependencies,
        first=graph_roots(dependencies),
        last=graph_sinks(dependencies),
    )


def order_orchestrate(*, order_id: int, actor: Actor) -> list[OrderTask]:
    """Create the tasks of every domain order of an order that has none yet, with their
    dependencies and planned dates, and open the first ones; return the new tasks.

    Idempotent: a second call creates nothing. Tasks of domain orders awaiting
    information are created but open only once the domain order is released
    (`tasks_open_ready`). The number of queries does not grow with the order's size.
    """
    with service_atomic():
        order = order_get_for_update(order_id=order_id)
        if order.state not in ORCHESTRATABLE_ORDER_STATES:
            raise InvalidTransition(subject=order, transition="orchestrate")
        domain_orders = domain_orders_for_order(order_id=order_id)
        existing = list(
            OrderTask.objects.filter(order_id=order_id).only(
                "pk",
                "order_id",
                "domain_order_id",
                "template_id",
                "state",
                "planned_start",
                "planned_end",
            )
        )
        planned_ids = {task.domain_order_id for task in existing}
        new = [
            do
            for do in domain_orders
            if do.pk not in planned_ids and do.state not in _NOT_PLANNED_STATES
        ]
        if not new:
            return []
        now = timezone.now()
        tasks = _tasks_plan(
            order=order,
            domain_orders=domain_orders,
            new=new,
            existing=existing,
            now=now,
        )
        audit_record(
            subject=order,
            action=AuditAction.ORDER_ORCHESTRATED,
            actor=actor,
            data={"domain_orders": len(new), "tasks": len(tasks)},
            at=now,
        )
        tasks_open_ready_locked(actor=actor, at=now, order_ids=[order_id])
    return tasks


def _tasks_plan(
    *,
    order: CustomerOrder,
    domain_orders: Sequence[DomainOrder],
    new: Sequence[DomainOrder],
    existing: Sequence[OrderTask],
    now: datetime,
) -> list[OrderTask]:
    plans = plan_selection(domain_orders=new)
    shapes = {plan.pk: _plan_shape(plan) for plan in plans.values()}
    shape_of: dict[int, _PlanShape] = {do.pk: shapes[plans[do.pk].pk] for do in new}
    shape_of.update(_existing_shapes(existing=existing))
    edges = _dependencies(order=order, domain_orders=domain_orders, shape_of=shape_of)
    existing_by_key = {(t.domain_order_id, t.template_id): t for t in existing}
    templates = {
        (do.pk, template.pk): template
        for do in new
        for template in plans[do.pk].task_templates.all()
    }
    windows = tasks_schedule(
        durations_minutes={
            **dict.fromkeys(existing_by_key, 0),
            **{key: template.sla_minutes for key, template in templates.items()},
        },
        dependencies={key: [dep for dep, _ in deps] for key, deps in edges.items()},
        start=now,
        fixed={
            key: PlannedWindow(start=task.planned_start, end=task.planned_end)
            for key, task in existing_by_key.items()
            if task.planned_start is not None and task.planned_end is not None
        },
    )
    new_by_id = {do.pk: do for do in new}
    created = OrderTask.objects.bulk_create(
        [
            OrderTask(
                domain_order_id=do_id,
                order_id=order.pk,
                line_id=new_by_id[do_id].line_id,
                template=template,
                code=template.code,
                name=template.name,
                task_type=template.task_type,
                adapter=template.adapter,
                work_group_id=template.work_group_id,
                sla_minutes=template.sla_minutes,
                is_ponr=template.is_ponr,
                priority=order.priority,
                planned_start=windows[(do_id, template.pk)].start,
                planned_end=windows[(do_id, template.pk)].end,
                due_at=windows[(do_id, template.pk)].end,
            )
            for (do_id, _), template in templates.items()
        ]
    )
    pk_of = {key: task.pk for key, task in existing_by_key.items()}
    pk_of.update({(t.domain_order_id, t.template_id): t.pk for t in created})
    OrderTaskDependency.objects.bulk_create(
        [
            OrderTaskDependency(task_id=pk_of[key], depends_on_id=pk_of[dep], kind=kind)
            for key, deps in edges.items()
            if _may_gain_dependencies(key=key, existing_by_key=existing_by_key)
            for dep, kind in deps
            if key in templates or dep in templates
        ],
        ignore_conflicts=True,
    )
    return created


def _existing_shapes(*, existing: Sequence[OrderTask]) -> dict[int, _PlanShape]:
    # Tasks made by an earlier call: their plan shape from the stored dependencies.
    if not existing:
        return {}
    by_do: dict[int, dict[int, list[int]]] = defaultdict(dict)
    task_of = {task.pk: task for task in existing}
    for task in existing:
        by_do[task.domain_order_id][task.template_id] = []
    for task_id, depends_on_id in OrderTaskDependency.objects.filter(
        task__order_id=existing[0].order_id, kind=OrderTaskDependencyKind.PLAN
    ).values_list("task_id", "depends_on_id"):
        task = task_of[task_id]
        by_do[task.domain_order_id][task.template_id].append(
            task_of[depends_on_id].template_id
        )
    return {
        do_id: _PlanShape(
            dependencies=deps, first=graph_roots(deps), last=graph_sinks(deps)
        )
        for do_id, deps in by_do.items()
    }


def _may_gain_dependencies(
    *, key: TaskKey, existing_by_key: dict[TaskKey, OrderTask]
) -> bool:
    # A task planned earlier may still be made to wait, but only while it is a draft.
    task = existing_by_key.get(key)
    return task is None or task.state == OrderTaskState.DRAFT


def _dependencies(
    *,
    order: CustomerOrder,
    domain_orders: Sequence[DomainOrder],
    shape_of: dict[int, _PlanShape],
) -> dict[TaskKey, list[tuple[TaskKey, str]]]:
    """Every task's dependencies as (task key, kind), for the planned domain orders."""
    edges: dict[TaskKey, list[tuple[TaskKey, str]]] = {}
    for do_id, shape in shape_of.items():
        for template_id, deps in shape.dependencies.items():
            edges[(do_id, template_id)] = [
                ((do_id, dep), OrderTaskDependencyKind.PLAN) for dep in deps
            ]

    def wait(waiting: int, for_: int, kind: str) -> None:
        if waiting not in shape_of or for_ not in shape_of or waiting == for_:
            return
        for first in shape_of[waiting].first:
            for last in shape_of[for_].last:
                pair = ((for_, last), kind)
                if pair not in edges[(waiting, first)]:
                    edges[(waiting, first)].append(pair)

    for do in domain_orders:
        if do.parent_id is not None:
            wait(do.parent_id, do.pk, OrderTaskDependencyKind.CHILD)
    for waiting, for_ in _requires_pairs(order=order, domain_orders=domain_orders):
        wait(waiting, for_, OrderTaskDependencyKind.REQUIRES)
    return edges


def _requires_pairs(
    *, order: CustomerOrder, domain_orders: Sequence[DomainOrder]
) -> list[tuple[int, int]]:
    codes = {do.pk: do.specification.code for do in domain_orders}
    required_codes: dict[str, set[str]] = defaultdict(set)
    for source, target in SpecificationRelationship.objects.filter(
        relationship_type=SpecificationRelationshipType.REQUIRES,
        source__code__in=set(codes.values()),
    ).values_list("source__code", "target__code"):
        required_codes[source].add(target)
    by_code: dict[str, list[int]] = defaultdict(list)
    for do_id, code in codes.items():
        by_code[code].append(do_id)
    pairs = {
        (do_id, required)
        for do_id, code in codes.items()
        for target in required_codes.get(code, ())
        for required in by_code.get(target, ())
    }
    pairs.update(
        (dep.domain_order_id, dep.depends_on_id)
        for dep in domain_order_dependencies_for_order(order_id=order.pk)
    )
    return sorted(pairs)
