"""Fulfillment states of an order and its lines, driven by orchestration.

Acknowledged → In progress (order and lines at once), then each line Completed / Partial /
Failed as its domain orders finish, then the order by its lines' outcomes. Lock order: the
order, then its lines in ascending pk.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django_fsm import can_proceed

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.transactions import service_atomic
from orders.audit import AuditAction
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineState,
)
from orders.selectors import (
    order_get_for_update,
    order_line_get_for_update,
    order_lines_for_update,
)
from orders.services.line_writes import lines_save_transitioned

OUTCOMES = ("completed", "partial", "failed")
_ORDER_FINISH = {
    "completed": ("complete", AuditAction.ORDER_COMPLETED),
    "partial": ("complete_partially", AuditAction.ORDER_COMPLETED_PARTIALLY),
    "failed": ("fail", AuditAction.ORDER_FAILED),
}
_LINE_FINISH = {
    "completed": ("complete", AuditAction.LINE_COMPLETED),
    "partial": ("complete_partially", AuditAction.LINE_COMPLETED_PARTIALLY),
    "failed": ("fail", AuditAction.LINE_FAILED),
}


def _outcome_check(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise ValidationFailed(
            f"Unknown outcome {outcome!r}.", errors={"outcome": list(OUTCOMES)}
        )


def order_fulfillment_start(*, order_id: int, actor: Actor) -> CustomerOrder:
    """Start fulfilling an acknowledged order: it and its acknowledged lines go In progress.

    Idempotent: an order already in progress is returned unchanged.
    """
    with service_atomic():
        order = order_get_for_update(order_id=order_id)
        if order.state == CustomerOrderState.IN_PROGRESS:
            return order
        if not can_proceed(order.start):
            raise InvalidTransition(subject=order, transition="start")
        now = timezone.now()
        lines = [
            line
            for line in order_lines_for_update(order_id=order.pk)
            if line.state in (LineState.ACKNOWLEDGED, LineState.SCHEDULED)
        ]
        from_state = order.state
        order.start(at=now)
        order.save(update_fields=["state", "started_at", "updated_at"])
        audit_record(
            subject=order,
            action=AuditAction.ORDER_FULFILLMENT_STARTED,
            actor=actor,
            from_state=from_state,
            to_state=order.state,
            at=now,
        )
        line_from = [line.state for line in lines]
        for line in lines:
            line.start(at=now)
        lines_save_transitioned(
            lines=lines, from_states=line_from, fields=["state", "started_at"], at=now
        )
        audit_record_many(
            subjects=lines,
            action=AuditAction.LINE_FULFILLMENT_STARTED,
            actor=actor,
            from_states=line_from,
            to_state=LineState.IN_PROGRESS,
            at=now,
        )
    return order


def order_line_finish(
    *, order_id: int, line_id: int, outcome: str, actor: Actor
) -> CustomerOrderLine:
    """Close a line in progress as completed, partial or failed (its domain orders ended)."""
    _outcome_check(outcome)
    with service_atomic():
        order_get_for_update(order_id=order_id)
        line = order_line_get_for_update(order_id=order_id, line_id=line_id)
        method, action = _LINE_FINISH[outcome]
        transition = getattr(line, method)
        if not can_proceed(transition):
            raise InvalidTransition(subject=line, transition=method)
        now = timezone.now()
        from_state = line.state
        transition(at=now)
        line.save(update_fields=["state", "completed_at", "updated_at"])
        audit_record(
            subject=line,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=line.state,
            at=now,
        )
    return line


def order_finish(*, order_id: int, outcome: str, actor: Actor) -> CustomerOrder:
    """Close an order in progress as completed, partial or failed by its lines' outcomes."""
    _outcome_check(outcome)
    with service_atomic():
        order = order_get_for_update(order_id=order_id)
        method, action = _ORDER_FINISH[outcome]
        transition = getattr(order, method)
        if not can_proceed(transition):
            raise InvalidTransition(subject=order, transition=method)
        now = timezone.now()
        from_state = order.state
        transition(at=now)
        order.save(update_fields=["state", "completed_at", "updated_at"])
        audit_record(
            subject=order,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=order.state,
            at=now,
        )
    return order


def order_line_ponr_mark(
    *, order_id: int, line_id: int, actor: Actor, at: datetime | None = None
) -> CustomerOrderLine:
    """Mark a line (and its order) past the point of no return; marking twice is a no-op."""
    with service_atomic():
        order = order_get_for_update(order_id=order_id)
        line = order_line_get_for_update(order_id=order_id, line_id=line_id)
        if line.ponr_at is not None:
            return line
        when = at or timezone.now()
        line.ponr_at = when
        line.save(update_fields=["ponr_at", "updated_at"])
        if order.ponr_at is None:
            order.ponr_at = when
            order.save(update_fields=["ponr_at", "updated_at"])
        audit_record(
            subject=line, action=AuditAction.LINE_PONR_REACHED, actor=actor, at=when
        )
    return line
