"""Resolving fallouts: retry, correct characteristics and retry, skip the task, complete
it by hand, cancel the line, cancel the fallout (no fault found), and the bulk retry of
every open fallout of one type after an outage.

Each action resolves and closes the fallout and then frees its task in the same
transaction (ADR 0015): a retried task is Open again (automated ones queued for the
engine), a skipped or hand-completed one rolls its domain order, line and order up.
Lock order: order → domain order → task → fallout.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from decomposition.services import domain_order_characteristics_correct
from fallout.audit import AuditAction
from fallout.models import FalloutRecord, FalloutResolution, FalloutState
from fallout.selectors import (
    fallout_lock_chain,
    fallouts_open_of_line_for_update,
    fallouts_workable_of_type,
)
from fallout.services.access import fallout_staff_check
from orchestration.models import OrderTask, OrderTaskState
from orchestration.services import (
    order_line_fulfillment_cancel,
    order_task_complete_by_hand,
    order_task_resume,
    order_task_skip,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import DomainError, InvalidTransition, ValidationFailed
from ordermgmt.transactions import service_atomic


def _reason_required(reason: str, *, doing: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            f"Say why you {doing}.", errors={"reason": ["Required."]}
        )
    return text


def _resolve_and_close(
    *,
    fallout: FalloutRecord,
    resolution: str,
    reason: str,
    actor: Actor,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    if not can_proceed(fallout.resolve):
        raise InvalidTransition(subject=fallout, transition="resolve")
    from_state = fallout.state
    fallout.resolve(resolution=resolution, reason=reason, at=at)
    audit_record(
        subject=fallout,
        action=AuditAction.FALLOUT_RESOLVED,
        actor=actor,
        from_state=from_state,
        to_state=fallout.state,
        reason=reason,
        data={"resolution": resolution, **(data or {})},
        at=at,
    )
    fallout.close(at=at)
    fallout.save(
        update_fields=[
            "state",
            "resolution",
            "resolution_reason",
            "resolved_at",
            "closed_at",
            "updated_at",
        ]
    )
    audit_record(
        subject=fallout,
        action=AuditAction.FALLOUT_CLOSED,
        actor=actor,
        from_state=FalloutState.RESOLVED,
        to_state=fallout.state,
        at=at,
    )


def _task_resume_if_held(*, fallout: FalloutRecord, actor: Actor, reason: str) -> None:
    # The task may have been moved on outside fallout handling (e.g. canceled).
    held = OrderTask.objects.filter(
        pk=fallout.task_id, state=OrderTaskState.ON_HOLD
    ).exists()
    if held:
        order_task_resume(task_id=fallout.task_id, actor=actor, reason=reason)


def fallout_retry(*, fallout_id: int, actor: Actor, reason: str = "") -> FalloutRecord:
    """Close the fallout and run its task again from the start (attempts reset)."""
    fallout_staff_check(actor=actor, doing="retry a fallout")
    reason = (reason or "").strip() or "Retried."
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        now = timezone.now()
        _resolve_and_close(
            fallout=fallout,
            resolution=FalloutResolution.RETRIED,
            reason=reason,
            actor=actor,
            at=now,
        )
        _task_resume_if_held(
            fallout=fallout, actor=actor, reason=f"{fallout.number}: {reason}"
        )
    return fallout


def fallout_correct_and_retry(
    *,
    fallout_id: int,
    values: Mapping[str, Any],
    actor: Actor,
    reason: str = "",
) -> FalloutRecord:
    """Correct characteristic values on the failed task's domain order, close the
    fallout and run the task again with the corrected values."""
    fallout_staff_check(actor=actor, doing="correct a fallout's data")
    reason = (reason or "").strip() or "Data corrected."
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        if not can_proceed(fallout.resolve):
            raise InvalidTransition(subject=fallout, transition="resolve")
        domain_order = domain_order_characteristics_correct(
            domain_order_id=fallout.task.domain_order_id,
            values=values,
            actor=actor,
            reason=f"{fallout.number}: {reason}",
        )
        now = timezone.now()
        audit_record(
            subject=fallout,
            action=AuditAction.FALLOUT_CHARACTERISTICS_CORRECTED,
            actor=actor,
            reason=reason,
            data={"domain_order_id": domain_order.pk, "values": dict(values)},
            at=now,
        )
        _resolve_and_close(
            fallout=fallout,
            resolution=FalloutResolution.CORRECTED_AND_RETRIED,
            reason=reason,
            actor=actor,
            at=now,
        )
        _task_resume_if_held(
            fallout=fallout, actor=actor, reason=f"{fallout.number}: {reason}"
        )
    return fallout


def fallout_skip_task(*, fallout_id: int, actor: Actor, reason: str) -> FalloutRecord:
    """Close the fallout and skip its task; the order goes on without that step."""
    fallout_staff_check(actor=actor, doing="skip a fallout's task")
    reason = _reason_required(reason, doing="skip the task")
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        _resolve_and_close(
            fallout=fallout,
            resolution=FalloutResolution.SKIPPED,
            reason=reason,
            actor=actor,
            at=timezone.now(),
        )
        order_task_skip(
            task_id=fallout.task_id, actor=actor, reason=f"{fallout.number}: {reason}"
        )
    return fallout


def fallout_complete_task_by_hand(
    *,
    fallout_id: int,
    actor: Actor,
    reason: str,
    data: Mapping[str, Any] | None = None,
) -> FalloutRecord:
    """Close the fallout and its task as done by hand (outside the failed system)."""
    fallout_staff_check(actor=actor, doing="complete a fallout's task by hand")
    reason = _reason_required(reason, doing="complete the task by hand")
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        _resolve_and_close(
            fallout=fallout,
            resolution=FalloutResolution.COMPLETED_BY_HAND,
            reason=reason,
            actor=actor,
            at=timezone.now(),
            data={"data": dict(data or {})},
        )
        order_task_complete_by_hand(
            task_id=fallout.task_id,
            actor=actor,
            reason=f"{fallout.number}: {reason}",
            data=data,
        )
    return fallout


def fallout_cancel_line(*, fallout_id: int, actor: Actor, reason: str) -> FalloutRecord:
    """Give up on the fallout's order line: this fallout closes, the line's other open
    fallouts are canceled, the line's unfinished work is canceled and the order rolls
    up (Partial or Failed)."""
    fallout_staff_check(actor=actor, doing="cancel an order line")
    reason = _reason_required(reason, doing="cancel the line")
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        now = timezone.now()
        _resolve_and_close(
            fallout=fallout,
            resolution=FalloutResolution.LINE_CANCELED,
            reason=reason,
            actor=actor,
            at=now,
        )
        _others_cancel(
            line_id=fallout.line_id,
            reason=f"Line canceled from {fallout.number}: {reason}",
            actor=actor,
            at=now,
        )
        order_line_fulfillment_cancel(
            line_id=fallout.line_id, actor=actor, reason=f"{fallout.number}: {reason}"
        )
    return fallout


def _others_cancel(*, line_id: int, reason: str, actor: Actor, at: datetime) -> None:
    for other in fallouts_open_of_line_for_update(line_id=line_id):
        _cancel(
            fallout=other,
            resolution=FalloutResolution.LINE_CANCELED,
            reason=reason,
            actor=actor,
            at=at,
        )


def _cancel(
    *,
    fallout: FalloutRecord,
    resolution: str,
    reason: str,
    actor: Actor,
    at: datetime,
) -> None:
    if not can_proceed(fallout.cancel):
        raise InvalidTransition(subject=fallout, transition="cancel")
    from_state = fallout.state
    fallout.cancel(resolution=resolution, reason=reason, at=at)
    fallout.save(
        update_fields=[
            "state",
            "resolution",
            "resolution_reason",
            "closed_at",
            "updated_at",
        ]
    )
    audit_record(
        subject=fallout,
        action=AuditAction.FALLOUT_CANCELED,
        actor=actor,
        from_state=from_state,
        to_state=fallout.state,
        reason=reason,
        at=at,
    )


def fallout_cancel(*, fallout_id: int, actor: Actor, reason: str) -> FalloutRecord:
    """Cancel a fallout that was no fault (e.g. reported by mistake); its task resumes."""
    fallout_staff_check(actor=actor, doing="cancel a fallout")
    reason = _reason_required(reason, doing="cancel the fallout")
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        _cancel(
            fallout=fallout,
            resolution=FalloutResolution.NO_FAULT,
            reason=reason,
            actor=actor,
            at=timezone.now(),
        )
        _task_resume_if_held(
            fallout=fallout, actor=actor, reason=f"{fallout.number}: {reason}"
        )
    return fallout


def fallouts_bulk_retry(
    *, fallout_type_id: int, actor: Actor, reason: str
) -> list[int]:
    """Retry every open fallout of one type (after an outage is over); return the ids
    retried. Each fallout is retried in its own short transaction, so one order's
    locks are never held while another's are taken; one that was closed meanwhile or
    cannot be retried is left out."""
    fallout_staff_check(actor=actor, doing="retry fallouts in bulk")
    reason = _reason_required(reason, doing="retry them all")
    retried: list[int] = []
    for fallout_id, _ in fallouts_workable_of_type(fallout_type_id=fallout_type_id):
        try:
            fallout_retry(fallout_id=fallout_id, actor=actor, reason=reason)
        except DomainError:
            continue
        retried.append(fallout_id)
    return retried
