"""Opening ready tasks and the completion roll-up: task → domain order → line → order.

Callers hold the lock chain order → domain order → task (selectors.order_task_lock_chain),
so two workers finishing sibling tasks at the same moment roll up one after the other:
the second sees the first's committed task and closes the domain order exactly once.
Line and order outcomes are decided by `rules` and announced through `hooks`; the orders
app owns those transitions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_q.tasks import async_task

from decomposition.models import DomainOrder, DomainOrderState
from decomposition.services.transitions import domain_order_close, domain_order_start
from orchestration import hooks
from orchestration.audit import AuditAction
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
    order_id: int | None = None,
    domain_order_ids: Iterable[int] | None = None,
) -> list[int]:
    """Open the Draft tasks whose dependencies are all done; return their ids.

    Locks the candidate Draft tasks first (ascending pk) and only then reads their
    dependencies, so a concurrent completion is either seen or waits for us.
    """
    ids = list(domain_order_ids) if domain_order_ids is not None else None
    drafts = order_tasks_draft_for_update(order_id=order_id, domain_order_ids=ids)
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
            order_id=order_id,
            domain_order_ids=domain_order_ids,
        )


def domain_order_ensure_started(
    *, domain_order: DomainOrder, actor: Actor
) -> DomainOrder:
    """Start a qualified or scheduled domain order when its first task starts."""
    if domain_order.state in (DomainOrderState.QUALIFIED, DomainOrderState.SCHEDULED):
        return domain_order_start(domain_order_id=domain_order.pk, actor=actor)
    return domain_order


def task_completed_rollup(
    *, task: OrderTask, domain_order: DomainOrder, actor: Actor, at: datetime
) -> None:
    """After `task` closed: mark PONR, close its domain order when all its tasks are
    done (then its line and order), and open the tasks that became ready."""
    if task.is_ponr:
        _line_ponr_mark(task=task, actor=actor, at=at)
    states = OrderTask.objects.filter(domain_order_id=domain_order.pk).values_list(
        "state", flat=True
    )
    if domain_order_rollup_decide(task_states=states):
        _domain_order_close(domain_order=domain_order, actor=actor, at=at)
    tasks_open_ready_locked(actor=actor, at=at, order_id=task.order_id)


def _line_ponr_mark(*, task: OrderTask, actor: Actor, at: datetime) -> None:
    done_before = (
        OrderTask.objects.filter(
            line_id=task.line_id,
            is_ponr=True,
            state=OrderTaskState.CLOSED_COMPLETE,
        )
        .exclude(pk=task.pk)
        .count()
    )
    if line_ponr_decide(task_is_ponr=True, line_ponr_tasks_done_before=done_before):
        hooks.ORDER_LINE_PONR.send(
            order_id=task.order_id,
            line_id=task.line_id,
            task_id=task.pk,
            actor=actor,
            at=at,
        )


def _domain_order_close(
    *, domain_order: DomainOrder, actor: Actor, at: datetime
) -> None:
    domain_order = domain_order_ensure_started(domain_order=domain_order, actor=actor)
    domain_order_close(domain_order_id=domain_order.pk, actor=actor)
    hooks.DOMAIN_ORDER_CLOSED.send(
        order_id=domain_order.order_id,
        line_id=domain_order.line_id,
        domain_order_id=domain_order.pk,
        actor=actor,
        at=at,
    )
    line_states = DomainOrder.objects.filter(line_id=domain_order.line_id).values_list(
        "state", flat=True
    )
    outcome = line_rollup_decide(domain_order_states=line_states)
    if outcome is None:
        return
    hooks.ORDER_LINE_DONE.send(
        order_id=domain_order.order_id,
        line_id=domain_order.line_id,
        outcome=outcome,
        actor=actor,
        at=at,
    )
    _order_rollup(order_id=domain_order.order_id, actor=actor, at=at)


def order_line_outcomes(*, order_id: int) -> dict[int, str | None]:
    """Return each fulfilled line's outcome: its own final state when it has one (set by
    the orders app or fallout), else the outcome of its domain orders (None while open).
    Lines without domain orders have nothing to fulfil and are left out."""
    states_by_line: dict[int, list[str]] = defaultdict(list)
    for line_id, state in DomainOrder.objects.filter(order_id=order_id).values_list(
        "line_id", "state"
    ):
        states_by_line[line_id].append(state)
    outcomes: dict[int, str | None] = {}
    for line_id, line_state in CustomerOrderLine.objects.filter(
        order_id=order_id
    ).values_list("pk", "state"):
        if line_state in LINE_TERMINAL_STATES:
            outcomes[line_id] = line_state
        elif line_id in states_by_line:
            outcomes[line_id] = line_rollup_decide(
                domain_order_states=states_by_line[line_id]
            )
    return outcomes


def _order_rollup(*, order_id: int, actor: Actor, at: datetime) -> None:
    outcome = order_rollup_decide(
        line_outcomes=order_line_outcomes(order_id=order_id).values()
    )
    if outcome is not None:
        hooks.ORDER_DONE.send(order_id=order_id, outcome=outcome, actor=actor, at=at)
