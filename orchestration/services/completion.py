"""Opening ready tasks and the completion roll-up: tasks → domain orders → lines → orders.

Callers hold the lock chain orders → domain orders → tasks (selectors.order_task_lock_chain
and its set form order_tasks_lock_chain), so two workers finishing sibling tasks at the
same moment roll up one after the other: the second sees the first's committed task and
closes the domain order exactly once. The roll-up is set-based: however many tasks (of
however many orders) closed in the transaction, each level is read and written in a
constant number of statements, and each hook is sent once with every item it decided
(docs/adr/0018). Line and order outcomes are decided by `rules` and announced through
`hooks`; the orders app owns those transitions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from contextvars import ContextVar
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_q.tasks import async_task

from decomposition.models import DomainOrder, DomainOrderState
from decomposition.services.transitions import domain_order_start, domain_orders_close
from orchestration import hooks
from orchestration.audit import AuditAction
from orchestration.hooks import DomainOrderClosed, LineDone, LinePonr, OrderDone
from orchestration.models import (
    TASK_DONE_STATES,
    OrderTask,
    OrderTaskDependency,
    OrderTaskState,
    TaskType,
)
from orchestration.rules import (
    LINE_TERMINAL_STATES,
    domain_order_rollup_decide,
    line_ponr_decide,
    line_rollup_decide,
    order_rollup_decide,
)
from orchestration.selectors import order_tasks_draft_for_update
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record_many
from ordermgmt.transactions import service_atomic
from orders.models import CustomerOrderLine

# Domain orders whose tasks may open: released and neither held nor being canceled.
DOMAIN_ORDER_WORKABLE_STATES: tuple[str, ...] = (
    DomainOrderState.QUALIFIED,
    DomainOrderState.SCHEDULED,
    DomainOrderState.IN_PROGRESS,
)
RUN_TASK = "orchestration.tasks.order_task_run_task"

# Set by engine.order_work_run_on while a worker job runs: tasks that become ready during
# the job are collected here and run by the same job after its work, instead of being queued
# as one new job each. Outside such a job (a web request) they are queued.
TASKS_RUN_ON: ContextVar[list[int] | None] = ContextVar(
    "orchestration_tasks_run_on", default=None
)


def order_tasks_enqueue(*, task_ids: Iterable[int]) -> None:
    """Hand automated tasks to the worker once the current transaction commits: to the
    running job's run-on list when there is one, else to the queue."""
    ids = list(task_ids)
    if not ids:
        return
    run_on = TASKS_RUN_ON.get()
    if run_on is not None:
        # Run once the job's work has returned (and so committed). Should it roll back
        # instead, the run finds the task not open and does nothing.
        run_on.extend(ids)
    else:
        transaction.on_commit(
            lambda: [async_task(RUN_TASK, task_id) for task_id in ids]
        )


def tasks_open_ready_locked(
    *,
    actor: Actor,
    at: datetime,
    order_ids: Iterable[int] | None = None,
    domain_order_ids: Iterable[int] | None = None,
) -> list[int]:
    """Open the Draft tasks whose dependencies are all done; return their ids.

    Locks the candidate Draft tasks first (ascending pk) and only then reads their
    dependencies, so a concurrent completion is either seen or waits for us.
    """
    drafts = order_tasks_draft_for_update(
        order_ids=order_ids, domain_order_ids=domain_order_ids
    )
    if not drafts:
        return []
    undone = OrderTaskDependency.objects.filter(task_id=OuterRef("pk")).exclude(
        depends_on__state__in=TASK_DONE_STATES
    )
    ready = [
        (pk, task_type)
        for pk, task_type in OrderTask.objects.filter(
            pk__in=[task.pk for task in drafts],
            state=OrderTaskState.DRAFT,
            domain_order__state__in=DOMAIN_ORDER_WORKABLE_STATES,
        )
        .exclude(Exists(undone))
        .values_list("pk", "task_type")
    ]
    if not ready:
        return []
    ready_ids = {pk for pk, _ in ready}
    OrderTask.objects.filter(pk__in=ready_ids).update(
        state=OrderTaskState.OPEN, opened_at=at, jeopardy_check_at=at, updated_at=at
    )
    audit_record_many(
        subjects=[task for task in drafts if task.pk in ready_ids],
        action=AuditAction.TASK_OPENED,
        actor=actor,
        from_states=[OrderTaskState.DRAFT] * len(ready_ids),
        to_state=OrderTaskState.OPEN,
        at=at,
    )
    order_tasks_enqueue(
        task_ids=sorted(pk for pk, kind in ready if kind == TaskType.AUTOMATED)
    )
    return sorted(ready_ids)


def tasks_open_ready(
    *,
    actor: Actor,
    order_id: int | None = None,
    domain_order_ids: Iterable[int] | None = None,
) -> list[int]:
    """Open the tasks of an order (or of some domain orders) whose dependencies are
    done, e.g. after a domain order was released or resumed; return their ids."""
    if order_id is None and domain_order_ids is None:
        raise ValueError("Give order_id or domain_order_ids.")
    with service_atomic():
        return tasks_open_ready_locked(
            actor=actor,
            at=timezone.now(),
            order_ids=None if order_id is None else [order_id],
            domain_order_ids=domain_order_ids,
        )


def domain_order_ensure_started(
    *, domain_order: DomainOrder, actor: Actor
) -> DomainOrder:
    """Start a qualified or scheduled domain order when its first task starts."""
    if domain_order.state in (DomainOrderState.QUALIFIED, DomainOrderState.SCHEDULED):
        return domain_order_start(domain_order_id=domain_order.pk, actor=actor)
    return domain_order


def tasks_completed_rollup(
    *, tasks: Sequence[OrderTask], actor: Actor, at: datetime
) -> None:
    """After `tasks` closed: mark PONR, close their domain orders whose tasks are all
    done (then their lines and orders), and open the tasks that became ready.

    The caller holds the lock chain of every task (their orders first)."""
    if not tasks:
        return
    _lines_ponr_mark(tasks=[task for task in tasks if task.is_ponr], actor=actor, at=at)
    states: dict[int, list[str]] = defaultdict(list)
    for domain_order_id, state in OrderTask.objects.filter(
        domain_order_id__in={task.domain_order_id for task in tasks}
    ).values_list("domain_order_id", "state"):
        states[domain_order_id].append(state)
    closing = sorted(
        pk
        for pk, task_states in states.items()
        if domain_order_rollup_decide(task_states=task_states)
    )
    if closing:
        _domain_orders_close(domain_order_ids=closing, actor=actor, at=at)
    tasks_open_ready_locked(
        actor=actor, at=at, order_ids={task.order_id for task in tasks}
    )


def _lines_ponr_mark(*, tasks: Sequence[OrderTask], actor: Actor, at: datetime) -> None:
    if not tasks:
        return
    passed_before = set(
        OrderTask.objects.filter(
            line_id__in={task.line_id for task in tasks},
            is_ponr=True,
            state=OrderTaskState.CLOSED_COMPLETE,
        )
        .exclude(pk__in=[task.pk for task in tasks])
        .values_list("line_id", flat=True)
    )
    first: dict[int, OrderTask] = {}
    for task in sorted(tasks, key=lambda t: t.pk):
        if line_ponr_decide(
            task_is_ponr=True,
            line_ponr_tasks_done_before=int(task.line_id in passed_before),
        ):
            first.setdefault(task.line_id, task)
    if first:
        hooks.ORDER_LINES_PONR.send(
            items=[
                LinePonr(order_id=task.order_id, line_id=line_id, task_id=task.pk)
                for line_id, task in sorted(first.items())
            ],
            actor=actor,
            at=at,
        )


def _domain_orders_close(
    *, domain_order_ids: Sequence[int], actor: Actor, at: datetime
) -> None:
    closed = domain_orders_close(domain_order_ids=domain_order_ids, actor=actor, at=at)
    hooks.DOMAIN_ORDERS_CLOSED.send(
        items=[
            DomainOrderClosed(
                order_id=d.order_id, line_id=d.line_id, domain_order_id=d.pk
            )
            for d in closed
        ],
        actor=actor,
        at=at,
    )
    order_of_line = {d.line_id: d.order_id for d in closed}
    states: dict[int, list[str]] = defaultdict(list)
    for line_id, state in DomainOrder.objects.filter(
        line_id__in=order_of_line
    ).values_list("line_id", "state"):
        states[line_id].append(state)
    done = [
        LineDone(order_id=order_of_line[line_id], line_id=line_id, outcome=outcome)
        for line_id in sorted(order_of_line)
        if (outcome := line_rollup_decide(domain_order_states=states[line_id]))
        is not None
    ]
    if not done:
        return
    hooks.ORDER_LINES_DONE.send(items=done, actor=actor, at=at)
    orders_rollup(order_ids={item.order_id for item in done}, actor=actor, at=at)


def order_line_outcomes(*, order_id: int) -> dict[int, str | None]:
    """Return each fulfilled line's outcome: its own final state when it has one (set by
    the orders app or fallout), else the outcome of its domain orders (None while open).
    Lines without domain orders have nothing to fulfil and are left out."""
    return orders_line_outcomes(order_ids=[order_id]).get(order_id, {})


def orders_line_outcomes(
    *, order_ids: Collection[int]
) -> dict[int, dict[int, str | None]]:
    """`order_line_outcomes` of many orders in two queries: order id → line id →
    outcome."""
    states_by_line: dict[int, list[str]] = defaultdict(list)
    for line_id, state in DomainOrder.objects.filter(
        order_id__in=order_ids
    ).values_list("line_id", "state"):
        states_by_line[line_id].append(state)
    outcomes: dict[int, dict[int, str | None]] = defaultdict(dict)
    for order_id, line_id, line_state in (
        CustomerOrderLine.objects.filter(order_id__in=order_ids)
        .order_by("pk")
        .values_list("order_id", "pk", "state")
    ):
        if line_state in LINE_TERMINAL_STATES:
            outcomes[order_id][line_id] = line_state
        elif line_id in states_by_line:
            outcomes[order_id][line_id] = line_rollup_decide(
                domain_order_states=states_by_line[line_id]
            )
    return dict(outcomes)


def orders_rollup(*, order_ids: Collection[int], actor: Actor, at: datetime) -> None:
    """Finish the orders whose lines have all ended (ORDERS_DONE, once for the set)."""
    outcomes = orders_line_outcomes(order_ids=order_ids)
    done = [
        OrderDone(order_id=order_id, outcome=outcome)
        for order_id in sorted(outcomes)
        if (outcome := order_rollup_decide(line_outcomes=outcomes[order_id].values()))
        is not None
    ]
    if done:
        hooks.ORDERS_DONE.send(items=done, actor=actor, at=at)
