"""Stepping into a task's life from outside the engine (fallout handling): hold a task,
resume it for a retry, skip it, complete it by hand, cancel it, and cancel a whole
line's fulfillment.

The contract with fallout (ADR 0015): a task waits On hold while a fallout is open on
it; the engine and the due-task sweep never touch an On hold task. Leaving On hold is
one of resume (Open again, attempts reset, automated tasks re-enqueued, manual ones
back in their group's queue unassigned), skip or complete by hand (then the usual
roll-up runs), or cancel. Every service takes the lock chain order → domain order →
task (selectors.order_task_lock_chain) and writes one audit event per transition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils import timezone
from django_fsm import can_proceed

from decomposition.models import DomainOrder, DomainOrderState
from decomposition.selectors import domain_orders_get_for_update
from decomposition.services import domain_order_cancel, domain_order_cancellation_start
from orchestration import hooks
from orchestration.hooks import LineDone
from orchestration.models import OrderTask, OrderTaskState, TaskType
from orchestration.rules import (
    DOMAIN_ORDER_TERMINAL_STATES,
    LineOutcome,
    line_rollup_decide,
)
from orchestration.selectors import order_task_lock_chain
from orchestration.services.completion import (
    domain_order_ensure_started,
    order_tasks_enqueue,
    orders_rollup,
    tasks_completed_rollup,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.locking import lock_many
from ordermgmt.transactions import service_atomic
from orders.models import CustomerOrderLine, LineState
from orders.selectors import order_get_for_update, order_line_get_for_update

# Task states that end a task; a line cancellation leaves these alone.
TASK_FINAL_STATES: tuple[str, ...] = (
    OrderTaskState.CLOSED_COMPLETE,
    OrderTaskState.SKIPPED,
    OrderTaskState.CANCELED,
)


class InterventionAuditAction(models.TextChoices):
    TASK_HELD = "order_task.held", "Task put on hold"
    TASK_RESUMED = "order_task.resumed", "Task resumed for a retry"
    TASK_SKIPPED = "order_task.skipped", "Task skipped"
    TASK_COMPLETED_BY_HAND = "order_task.completed_by_hand", "Task completed by hand"
    TASK_CANCELED = "order_task.canceled", "Task canceled"
    LINE_FULFILLMENT_CANCELED = (
        "order_line.fulfillment_canceled",
        "Line fulfillment canceled",
    )


def _reason_required(reason: str, *, doing: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            f"Say why the task is {doing}.", errors={"reason": ["Required."]}
        )
    return text


def order_task_hold(*, task_id: int, actor: Actor, reason: str = "") -> OrderTask:
    """Put an open, running or failed task on hold while a fallout is worked."""
    with service_atomic():
        _, _, task = order_task_lock_chain(task_id=task_id)
        if not can_proceed(task.hold):
            raise InvalidTransition(subject=task, transition="hold")
        now = timezone.now()
        from_state = task.state
        task.hold(at=now)
        task.save(update_fields=["state", "next_attempt_at", "data", "updated_at"])
        audit_record(
            subject=task,
            action=InterventionAuditAction.TASK_HELD,
            actor=actor,
            from_state=from_state,
            to_state=task.state,
            reason=reason,
            at=now,
        )
    return task


def order_task_resume(*, task_id: int, actor: Actor, reason: str = "") -> OrderTask:
    """Give a held task another go: Open again with its attempts reset; an automated
    task is queued for the engine, a manual one returns to its group's queue."""
    with service_atomic():
        _, _, task = order_task_lock_chain(task_id=task_id)
        if not can_proceed(task.resume_for_retry):
            raise InvalidTransition(subject=task, transition="resume")
        now = timezone.now()
        task.resume_for_retry(at=now)
        task.save(
            update_fields=[
                "state",
                "attempts",
                "next_attempt_at",
                "opened_at",
                "started_at",
                "assignee",
                "claimed_at",
                "jeopardy_check_at",
                "data",
                "updated_at",
            ]
        )
        audit_record(
            subject=task,
            action=InterventionAuditAction.TASK_RESUMED,
            actor=actor,
            from_state=OrderTaskState.ON_HOLD,
            to_state=task.state,
            reason=reason,
            at=now,
        )
        if task.task_type == TaskType.AUTOMATED:
            order_tasks_enqueue(task_ids=[task.pk])
    return task


def order_task_skip(*, task_id: int, actor: Actor, reason: str) -> OrderTask:
    """Skip a held task: what waited for it opens and its domain order may close."""
    reason = _reason_required(reason, doing="skipped")
    with service_atomic():
        _, domain_order, task = order_task_lock_chain(task_id=task_id)
        if not can_proceed(task.skip):
            raise InvalidTransition(subject=task, transition="skip")
        now = timezone.now()
        domain_order_ensure_started(domain_order=domain_order, actor=actor)
        task.skip(reason=reason, at=now)
        task.save(update_fields=["state", "completed_at", "data", "updated_at"])
        audit_record(
            subject=task,
            action=InterventionAuditAction.TASK_SKIPPED,
            actor=actor,
            from_state=OrderTaskState.ON_HOLD,
            to_state=task.state,
            reason=reason,
            at=now,
        )
        tasks_completed_rollup(tasks=[task], actor=actor, at=now)
    return task


def order_task_complete_by_hand(
    *,
    task_id: int,
    actor: Actor,
    reason: str,
    data: Mapping[str, Any] | None = None,
) -> OrderTask:
    """Close a held task as done outside the system (with why and any result data);
    the roll-up continues as if the engine or an agent had completed it."""
    reason = _reason_required(reason, doing="completed by hand")
    with service_atomic():
        _, domain_order, task = order_task_lock_chain(task_id=task_id)
        if not can_proceed(task.complete_by_hand):
            raise InvalidTransition(subject=task, transition="complete_by_hand")
        now = timezone.now()
        domain_order_ensure_started(domain_order=domain_order, actor=actor)
        task.complete_by_hand(reason=reason, data=dict(data or {}), at=now)
        task.save(update_fields=["state", "completed_at", "data", "updated_at"])
        audit_record(
            subject=task,
            action=InterventionAuditAction.TASK_COMPLETED_BY_HAND,
            actor=actor,
            from_state=OrderTaskState.ON_HOLD,
            to_state=task.state,
            reason=reason,
            data={"data": dict(data or {})},
            at=now,
        )
        tasks_completed_rollup(tasks=[task], actor=actor, at=now)
    return task


def order_task_cancel(*, task_id: int, actor: Actor, reason: str) -> OrderTask:
    """Cancel one task that has not ended; nothing waiting for it opens."""
    reason = _reason_required(reason, doing="canceled")
    with service_atomic():
        _, _, task = order_task_lock_chain(task_id=task_id)
        if not can_proceed(task.cancel):
            raise InvalidTransition(subject=task, transition="cancel")
        now = timezone.now()
        from_state = task.state
        task.cancel(reason=reason, at=now)
        task.save(update_fields=["state", "next_attempt_at", "data", "updated_at"])
        audit_record(
            subject=task,
            action=InterventionAuditAction.TASK_CANCELED,
            actor=actor,
            from_state=from_state,
            to_state=task.state,
            reason=reason,
            at=now,
        )
    return task


def order_line_fulfillment_cancel(
    *, line_id: int, actor: Actor, reason: str
) -> CustomerOrderLine:
    """Give up on a line in fulfillment: its unfinished tasks and domain orders are
    canceled, the line ends Failed (nothing of it was delivered) or Partial (some of
    its domain orders closed), and the order rolls up by its lines' outcomes.

    Locks order → the line's domain orders (ascending pk) → their unfinished tasks.
    """
    reason = _reason_required(reason, doing="canceled")
    with service_atomic():
        order_id = (
            CustomerOrderLine.objects.filter(pk=line_id)
            .values_list("order_id", flat=True)
            .first()
        )
        if order_id is None:
            raise NotFound(f"Order line {line_id} does not exist.")
        order_get_for_update(order_id=order_id)
        line = order_line_get_for_update(order_id=order_id, line_id=line_id)
        if line.state != LineState.IN_PROGRESS:
            raise InvalidTransition(subject=line, transition="cancel_fulfillment")
        domain_orders = domain_orders_get_for_update(
            domain_order_ids=DomainOrder.objects.filter(line_id=line_id).values_list(
                "pk", flat=True
            )
        )
        now = timezone.now()
        _line_tasks_cancel(line_id=line_id, actor=actor, reason=reason, at=now)
        states = _domain_orders_cancel(
            domain_orders=domain_orders, actor=actor, reason=reason
        )
        audit_record(
            subject=line,
            action=InterventionAuditAction.LINE_FULFILLMENT_CANCELED,
            actor=actor,
            reason=reason,
            data={"domain_orders": len(domain_orders)},
            at=now,
        )
        outcome = (
            LineOutcome.PARTIAL
            if line_rollup_decide(domain_order_states=states) == LineOutcome.PARTIAL
            else LineOutcome.FAILED
        )
        hooks.ORDER_LINES_DONE.send(
            items=[LineDone(order_id=order_id, line_id=line_id, outcome=outcome)],
            actor=actor,
            at=now,
        )
        orders_rollup(order_ids=[order_id], actor=actor, at=now)
        line.refresh_from_db()
    return line


def _line_tasks_cancel(
    *, line_id: int, actor: Actor, reason: str, at: Any
) -> list[OrderTask]:
    tasks = lock_many(
        OrderTask.objects.filter(line_id=line_id).exclude(state__in=TASK_FINAL_STATES)
    )
    if not tasks:
        return []
    from_states = [task.state for task in tasks]
    for task in tasks:
        task.cancel(reason=reason, at=at)
        task.updated_at = at
    OrderTask.objects.bulk_update(
        tasks, fields=["state", "next_attempt_at", "data", "updated_at"]
    )
    audit_record_many(
        subjects=tasks,
        action=InterventionAuditAction.TASK_CANCELED,
        actor=actor,
        from_states=from_states,
        to_state=OrderTaskState.CANCELED,
        reason=reason,
        at=at,
    )
    return tasks


def _domain_orders_cancel(
    *, domain_orders: list[DomainOrder], actor: Actor, reason: str
) -> list[str]:
    """Cancel the line's unfinished domain orders, children before parents (a deeper
    path first); return every domain order's final state."""
    states: list[str] = []
    for domain_order in sorted(domain_orders, key=lambda d: -len(d.path or "")):
        if domain_order.state in DOMAIN_ORDER_TERMINAL_STATES:
            states.append(domain_order.state)
            continue
        if domain_order.state != DomainOrderState.CANCELLATION_IN_PROGRESS and not (
            can_proceed(domain_order.cancel)
        ):
            domain_order_cancellation_start(
                domain_order_id=domain_order.pk, actor=actor, reason=reason
            )
        canceled = domain_order_cancel(
            domain_order_id=domain_order.pk, actor=actor, reason=reason
        )
        states.append(canceled.state)
    return states
