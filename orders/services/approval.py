"""Approval: acknowledge a New order or reject it; lines follow the order.

Each service locks the order, then its lines in ascending pk, and writes the lines and
their audit events in one statement each, whatever the number of lines.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import SelfApprovalForbidden
from orders.models import CustomerOrder, LineState
from orders.selectors import order_get_for_update, order_lines_for_update
from orders.services.line_writes import lines_save_transitioned


def order_approve(*, order_id: int, actor: Actor, reason: str = "") -> CustomerOrder:
    """Approve a New order (four eyes: not by whoever captured it); it is acknowledged."""
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        if not can_proceed(order.approve):
            raise InvalidTransition(subject=order, transition="approve")
        if actor.user_id is not None and actor.user_id == order.captured_by_id:
            raise SelfApprovalForbidden(
                f"{actor} captured order {order} and so cannot approve it."
            )
        lines = order_lines_for_update(order_id=order.pk)
        for line in lines:
            if not can_proceed(line.acknowledge):
                raise InvalidTransition(subject=line, transition="acknowledge")
        now = timezone.now()
        from_state = order.state
        order.approve(at=now, by_user_id=actor.user_id)
        order.save(update_fields=["state", "approved_at", "approved_by", "updated_at"])
        audit_record(
            subject=order,
            action=AuditAction.ORDER_APPROVED,
            actor=actor,
            from_state=from_state,
            to_state=order.state,
            reason=reason,
            at=now,
        )
        lines_from = [line.state for line in lines]
        for line in lines:
            line.acknowledge()
        lines_save_transitioned(
            lines=lines, from_states=lines_from, fields=["state"], at=now
        )
        audit_record_many(
            subjects=lines,
            action=AuditAction.LINE_ACKNOWLEDGED,
            actor=actor,
            from_states=lines_from,
            to_state=LineState.ACKNOWLEDGED,
            at=now,
        )
    return order


def order_reject(*, order_id: int, actor: Actor, reason: str) -> CustomerOrder:
    """Reject an order that is not acknowledged yet, saying why; its lines are rejected."""
    if not reason.strip():
        raise ValidationFailed(
            "Say why the order is rejected.",
            errors={"reason": ["A reason is required."]},
        )
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        if not can_proceed(order.reject):
            raise InvalidTransition(subject=order, transition="reject")
        lines = order_lines_for_update(order_id=order.pk)
        for line in lines:
            if not can_proceed(line.reject):
                raise InvalidTransition(subject=line, transition="reject")
        now = timezone.now()
        from_state = order.state
        order.reject(at=now, reason=reason)
        order.save(
            update_fields=["state", "rejected_at", "rejection_reason", "updated_at"]
        )
        audit_record(
            subject=order,
            action=AuditAction.ORDER_REJECTED,
            actor=actor,
            from_state=from_state,
            to_state=order.state,
            reason=reason,
            at=now,
        )
        lines_from = [line.state for line in lines]
        for line in lines:
            line.reject()
        lines_save_transitioned(
            lines=lines, from_states=lines_from, fields=["state"], at=now
        )
        audit_record_many(
            subjects=lines,
            action=AuditAction.LINE_REJECTED,
            actor=actor,
            from_states=lines_from,
            to_state=LineState.REJECTED,
            reason=reason,
            at=now,
        )
    return order
