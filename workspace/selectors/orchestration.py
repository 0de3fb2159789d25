"""Reads of the order page's orchestration view: an order's lines, domain orders and
tasks with their dependencies, laid out for the SVG and listed for the task table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from decomposition.models import DomainOrder
from decomposition.selectors import (
    domain_order_dependencies_for_order,
    domain_orders_for_order,
)
from orchestration.models import TASK_DONE_STATES, OrderTask, OrderTaskState, TaskType
from orchestration.selectors import order_tasks_for_order
from ordermgmt.exceptions import NotFound
from orders.models import CustomerOrder, CustomerOrderLine, CustomerOrderState
from orders.selectors import User, orders_visible_to
from workspace.orchestration_layout import (
    DomainOrderNode,
    LineNode,
    OrchestrationLayout,
    TaskNode,
    orchestration_layout,
)

_S = CustomerOrderState
# While an order is in one of these, its orchestration view refreshes itself.
LIVE_ORDER_STATES: frozenset[str] = frozenset(
    {
        _S.ACKNOWLEDGED,
        _S.IN_PROGRESS,
        _S.AWAITING_INFORMATION,
        _S.ON_HOLD,
        _S.REVISION_IN_PROGRESS,
        _S.ASSESSING_CANCELLATION,
        _S.CANCELLATION_IN_PROGRESS,
    }
)
_OPEN_TASK_STATES = ("open", "in_progress")
# What a task chip says of its state (the colour says it too; the tooltip in full).
_T = OrderTaskState
CHIP_STATE_LABELS: dict[str, str] = {
    _T.DRAFT: "waiting",
    _T.OPEN: "open",
    _T.SCHEDULED: "scheduled",
    _T.IN_PROGRESS: "working",
    _T.CLOSED_COMPLETE: "done",
    _T.ON_HOLD: "on hold",
    _T.AWAITING_INFORMATION: "needs info",
    _T.FAILED: "failed",
    _T.SKIPPED: "skipped",
    _T.CANCELED: "canceled",
}


@dataclass(frozen=True)
class TaskListRow:
    task: OrderTask
    domain_order: DomainOrder
    waits_for: list[str]
    is_overdue: bool


@dataclass(frozen=True)
class OrderOrchestration:
    layout: OrchestrationLayout | None  # None until the order is decomposed
    tasks: list[TaskListRow]
    tasks_done: int
    is_live: bool
    lines_without_domain_orders: list[CustomerOrderLine]


def order_get_for_orchestration(*, user: User, order_id: int) -> CustomerOrder:
    """Return an order the user may read, with its account; raise NotFound."""
    try:
        return orders_visible_to(user=user).get(pk=order_id)
    except CustomerOrder.DoesNotExist as exc:
        raise NotFound(f"Order {order_id} does not exist.") from exc


def order_lines_for_orchestration(*, order_id: int) -> list[CustomerOrderLine]:
    """Return an order's lines with their offerings, by line number."""
    return list(
        CustomerOrderLine.objects.filter(order_id=order_id)
        .select_related("offering")
        .order_by("line_number")
    )


def _line_label(line: CustomerOrderLine) -> str:
    what = line.offering.name if line.offering_id else line.get_action_display()
    return f"Line {line.line_number} · {what}"


def _task_tooltip(task: OrderTask, now: datetime) -> str:
    facts = [f"{task.name} ({task.code}) — {task.get_state_display()}"]
    if task.task_type == TaskType.MANUAL:
        group = task.work_group.name if task.work_group_id else "no group"
        facts.append(f"Manual · {group}")
    else:
        facts.append(f"Automated · {task.adapter}")
    if task.due_at:
        late = (
            " (overdue)"
            if task.due_at < now and task.state in _OPEN_TASK_STATES
            else ""
        )
        facts.append(f"Due {task.due_at:%Y-%m-%d %H:%M}{late}")
    if task.assignee_id:
        person = task.assignee
        facts.append(f"Claimed by {person.get_full_name() or person.get_username()}")
    if task.is_ponr:
        facts.append("Point of no return")
    if task.last_error:
        facts.append(f"Error {task.last_error_code}: {task.last_error}")
    return "\n".join(facts)


def order_orchestration(
    *, order: CustomerOrder, lines: Sequence[CustomerOrderLine], now: datetime
) -> OrderOrchestration:
    """Return the orchestration view of an order: the tree line → domain orders → tasks
    laid out for SVG, and the tasks as a table (one query before decomposition, four
    after, whatever the number of domain orders and tasks)."""
    is_live = order.state in LIVE_ORDER_STATES
    domain_orders = domain_orders_for_order(order_id=order.pk)
    if not domain_orders:
        return OrderOrchestration(
            layout=None,
            tasks=[],
            tasks_done=0,
            is_live=is_live,
            lines_without_domain_orders=list(lines),
        )
    line_rank = {line.pk: line.line_number for line in lines}
    domain_orders.sort(key=lambda d: (line_rank.get(d.line_id, 0), d.path))
    tasks = order_tasks_for_order(order_id=order.pk)
    requires = [
        (dep.domain_order_id, dep.depends_on_id)
        for dep in domain_order_dependencies_for_order(order_id=order.pk)
    ]
    by_id = {task.pk: task for task in tasks}
    numbers = {d.pk: d.number or f"#{d.pk}" for d in domain_orders}
    tasks_of: dict[int, list[TaskNode]] = {d.pk: [] for d in domain_orders}
    rows = []
    for task in tasks:
        depends_on = [dep.depends_on_id for dep in task.dependencies.all()]
        tasks_of.setdefault(task.domain_order_id, []).append(
            TaskNode(
                id=task.pk,
                name=task.name,
                state=task.state,
                state_label=CHIP_STATE_LABELS.get(task.state, task.state),
                is_manual=task.task_type == TaskType.MANUAL,
                is_ponr=task.is_ponr,
                after=tuple(
                    d
                    for d in depends_on
                    if d in by_id and by_id[d].domain_order_id == task.domain_order_id
                ),
                tooltip=_task_tooltip(task, now),
            )
        )
        rows.append(
            TaskListRow(
                task=task,
                domain_order=task.domain_order,
                waits_for=[
                    f"{by_id[d].name} ({numbers.get(by_id[d].domain_order_id, '')})"
                    for d in depends_on
                    if d in by_id
                ],
                is_overdue=bool(
                    task.due_at
                    and task.due_at < now
                    and task.state in _OPEN_TASK_STATES
                ),
            )
        )
    nodes = [
        DomainOrderNode(
            id=d.pk,
            parent_id=d.parent_id,
            line_id=d.line_id,
            number=numbers[d.pk],
            kind=d.kind,
            kind_label=d.get_kind_display(),
            name=d.specification.name,
            state=d.state,
            state_label=d.get_state_display(),
            tasks=tuple(tasks_of.get(d.pk, [])),
        )
        for d in domain_orders
    ]
    line_nodes = [
        LineNode(
            id=line.pk,
            label=_line_label(line),
            state=line.state,
            state_label=line.get_state_display(),
        )
        for line in lines
    ]
    decomposed_lines = {d.line_id for d in domain_orders}
    return OrderOrchestration(
        layout=orchestration_layout(
            lines=line_nodes, domain_orders=nodes, requires=requires
        ),
        tasks=rows,
        tasks_done=sum(1 for task in tasks if task.state in TASK_DONE_STATES),
        is_live=is_live,
        lines_without_domain_orders=[
            line for line in lines if line.pk not in decomposed_lines
        ],
    )
