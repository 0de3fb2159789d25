"""Approval: the approval policy on a New order, and approve / reject by a person.

The policy approves at once (the order is acknowledged by the job "approval_policy",
prices frozen) or queues the order for a work group of approvers. Each service locks
the order, then its lines in ascending pk, and writes the lines and their audit events
in one statement each, whatever the number of lines.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import NotAnApprover, SelfApprovalForbidden
from orders.hooks import ORDER_ACKNOWLEDGED
from orders.models import (
    ApprovalStatus,
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    EnrichmentTask,
    EnrichmentTaskState,
    LineState,
)
from orders.selectors import (
    enrichment_tasks_open_for_update,
    order_get_for_update,
    order_lines_for_update,
    user_may_decide_approval,
)
from orders.services.audit_buffer import AuditBuffer
from orders.services.catalog_cache import work_groups_by_code_cached
from orders.services.line_writes import lines_save_transitioned
from orders.services.policies import (
    APPROVAL_APPROVE,
    APPROVAL_POLICY_KEY,
    PolicyTable,
    approval_decision,
    policy_table_load,
)

logger = logging.getLogger(__name__)

APPROVAL_POLICY_ACTOR = Actor.job("approval_policy")
# The order fields the approval steps may set (saved together with the state).
APPROVAL_FIELDS = [
    "approved_at",
    "approved_by",
    "approval_status",
    "approval_reason",
    "approval_group",
    "price_frozen_at",
]


def approval_policy_apply(
    *,
    order: CustomerOrder,
    lines: Sequence[CustomerOrderLine],
    at: datetime,
    audit: AuditBuffer,
    policy: PolicyTable | None = None,
    policy_loaded: bool = False,
) -> None:
    """Run the approval policy on a New order in memory and record what it decided.

    The caller saves the order (state and APPROVAL_FIELDS) and the lines' states, then
    flushes `audit`.
    """
    if not policy_loaded:
        policy = policy_table_load(key=APPROVAL_POLICY_KEY)
    decision = approval_decision(policy=policy, order=order)
    order.approval_reason = decision.reason
    if decision.outcome == APPROVAL_APPROVE:
        order.approval_status = ApprovalStatus.NOT_REQUIRED
        _order_acknowledge(
            order=order,
            lines=lines,
            actor=APPROVAL_POLICY_ACTOR,
            at=at,
            reason=decision.reason,
            audit=audit,
        )
        return
    group = work_groups_by_code_cached(codes=[decision.group_code]).get(
        decision.group_code
    )
    if group is None:
        logger.warning(
            "Approval group %s does not exist; order %s waits for order managers.",
            decision.group_code,
            order,
        )
    order.approval_status = ApprovalStatus.PENDING
    order.approval_group = group
    audit.record(
        subject=order,
        action=AuditAction.ORDER_APPROVAL_QUEUED,
        actor=APPROVAL_POLICY_ACTOR,
        from_state=order.state,
        to_state=order.state,
        reason=decision.reason,
        data={"group": decision.group_code},
        at=at,
    )


def _order_acknowledge(
    *,
    order: CustomerOrder,
    lines: Sequence[CustomerOrderLine],
    actor: Actor,
    at: datetime,
    reason: str,
    audit: AuditBuffer,
) -> None:
    for line in lines:
        if not can_proceed(line.acknowledge):
            raise InvalidTransition(subject=line, transition="acknowledge")
    from_state = order.state
    order.approve(at=at, by_user_id=actor.user_id)
    order.price_frozen_at = at
    audit.record(
        subject=order,
        action=AuditAction.ORDER_APPROVED,
        actor=actor,
        from_state=from_state,
        to_state=order.state,
        reason=reason,
        data={"approval_status": order.approval_status},
        at=at,
    )
    # The order may not have an id yet (capture writes it at the end): read it at commit.
    transaction.on_commit(
        lambda: ORDER_ACKNOWLEDGED.send(order_id=order.pk, actor=actor)
    )
    lines_from = [line.state for line in lines]
    for line in lines:
        line.acknowledge()
    audit.record_many(
        subjects=list(lines),
        action=AuditAction.LINE_ACKNOWLEDGED,
        actor=actor,
        from_states=lines_from,
        to_state=LineState.ACKNOWLEDGED,
        at=at,
    )


def _approver_check(*, order: CustomerOrder, actor: Actor, doing: str) -> None:
    if actor.user_id is None:
        return
    if not user_may_decide_approval(
        user_id=actor.user_id, work_group_id=order.approval_group_id
    ):
        group = order.approval_group.name if order.approval_group else "approvers"
        raise NotAnApprover(
            f"{actor} is not in {group} and so cannot {doing} order {order}."
        )


def order_approve(*, order_id: int, actor: Actor, reason: str = "") -> CustomerOrder:
    """Approve a New order (four eyes, approval group only); it is acknowledged, prices frozen."""
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        if not can_proceed(order.approve):
            raise InvalidTransition(subject=order, transition="approve")
        if actor.user_id is not None and actor.user_id == order.captured_by_id:
            raise SelfApprovalForbidden(
                f"{actor} captured order {order} and so cannot approve it."
            )
        _approver_check(order=order, actor=actor, doing="approve")
        lines = order_lines_for_update(order_id=order.pk)
        now = timezone.now()
        lines_initial = [line.state for line in lines]
        order.approval_status = ApprovalStatus.APPROVED
        audit = AuditBuffer()
        _order_acknowledge(
            order=order, lines=lines, actor=actor, at=now, reason=reason, audit=audit
        )
        order.save(update_fields=["state", *APPROVAL_FIELDS, "updated_at"])
        lines_save_transitioned(
            lines=lines, from_states=lines_initial, fields=["state"], at=now
        )
        audit.flush()
    return order


def order_reject(*, order_id: int, actor: Actor, reason: str) -> CustomerOrder:
    """Reject an order that is not acknowledged yet, saying why; its lines are rejected.

    Open enrichment tasks of the order are canceled.
    """
    if not reason.strip():
        raise ValidationFailed(
            "Say why the order is rejected.",
            errors={"reason": ["A reason is required."]},
        )
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        if not can_proceed(order.reject):
            raise InvalidTransition(subject=order, transition="reject")
        if order.state == CustomerOrderState.NEW:
            _approver_check(order=order, actor=actor, doing="reject")
        lines = order_lines_for_update(order_id=order.pk)
        for line in lines:
            if not can_proceed(line.reject):
                raise InvalidTransition(subject=line, transition="reject")
        now = timezone.now()
        from_state = order.state
        order.reject(at=now, reason=reason)
        order.approval_status = ApprovalStatus.REJECTED
        order.save(
            update_fields=[
                "state",
                "rejected_at",
                "rejection_reason",
                "approval_status",
                "updated_at",
            ]
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
        if from_state in (
            CustomerOrderState.ENRICHMENT_IN_PROGRESS,
            CustomerOrderState.ENRICHMENT_ON_HOLD,
        ):
            _open_tasks_cancel(order=order, actor=actor, at=now, reason=reason)
    return order


def _open_tasks_cancel(
    *, order: CustomerOrder, actor: Actor, at: datetime, reason: str
) -> None:
    tasks = enrichment_tasks_open_for_update(order_id=order.pk)
    if not tasks:
        return
    from_states = [task.state for task in tasks]
    for task in tasks:
        task.cancel(at=at)
        task.updated_at = at
    EnrichmentTask.objects.bulk_update(
        tasks, fields=["state", "completed_at", "updated_at"]
    )
    audit_record_many(
        subjects=tasks,
        action=AuditAction.ENRICHMENT_TASK_CANCELED,
        actor=actor,
        from_states=from_states,
        to_state=EnrichmentTaskState.CANCELED,
        reason=reason,
        at=at,
    )
