"""Opening fallouts (from a failed automated task, or reported by an agent), routing
them, and working them: take, reassign, hold, await information, resume.

Lock order: order → domain order → task (orchestration.selectors.order_task_lock_chain)
→ fallout. The task of a fallout that has not ended waits On hold (ADR 0015).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from decomposition.models import DomainOrder
from fallout.audit import AuditAction
from fallout.exceptions import FalloutAlreadyOpen, TaskNotReportable
from fallout.models import FalloutRecord, FalloutSource, FalloutType
from fallout.rules import DEFAULT_WORK_GROUP_CODE, RouteDecision
from fallout.selectors import (
    fallout_lock_chain,
    fallout_open_for_task,
    fallout_route_decide,
)
from fallout.services.access import fallout_manager_check, fallout_staff_check
from orchestration.exceptions import NotAGroupMember
from orchestration.models import OrderTask, OrderTaskState
from orchestration.selectors import order_task_lock_chain
from orchestration.services import order_task_hold, order_task_note_add
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.models import WorkGroup
from ordermgmt.services import work_group_create
from ordermgmt.transactions import service_atomic
from orders.models import CustomerOrder
from orders.models.common import display_number
from orders.selectors import user_in_work_group

FALLOUT_NUMBER_PREFIX = "FO"
REPORTABLE_TASK_STATES = (OrderTaskState.OPEN, OrderTaskState.IN_PROGRESS)


def _adapter_request(*, task: OrderTask, domain_order: DomainOrder) -> dict[str, Any]:
    """What the engine sends the adapter for this task (orchestration AdapterRequest)."""
    return {
        "task_id": task.pk,
        "task_code": task.code,
        "domain_order_id": domain_order.pk,
        "domain_order_number": domain_order.number or "",
        "specification_code": domain_order.specification.code,
        "action": domain_order.action,
        "characteristics": dict(domain_order.characteristics or {}),
    }


def _route(
    *,
    order: CustomerOrder,
    domain_order: DomainOrder,
    task: OrderTask,
    error_code: str,
    reported: bool,
) -> RouteDecision:
    return fallout_route_decide(
        error_code=error_code,
        task_code=task.code,
        task_type=task.task_type,
        adapter=task.adapter,
        specification=domain_order.specification.code,
        customer=order.account.number or "",
        reported=reported,
        task_priority=task.priority,
    )


def _work_group_for(*, code: str, actor: Actor) -> WorkGroup:
    # Never nowhere: the default desk is created when a fresh installation lacks it.
    group = WorkGroup.objects.filter(code=code).first()
    if group is None:
        group = WorkGroup.objects.filter(code=DEFAULT_WORK_GROUP_CODE).first()
    if group is None:
        group = work_group_create(
            code=DEFAULT_WORK_GROUP_CODE, name="Fallout desk", actor=actor
        )
    return group


def _fallout_type_for(*, code: str) -> FalloutType:
    fallout_type = FalloutType.objects.filter(code=code).first()
    if fallout_type is None:
        # Seeded by migration; an admin who deleted a default type gets it back.
        fallout_type, _ = FalloutType.objects.get_or_create(
            code=code, defaults={"name": code.replace("_", " ").capitalize()}
        )
    return fallout_type


def _fallout_create(
    *,
    order: CustomerOrder,
    domain_order: DomainOrder,
    task: OrderTask,
    source: str,
    error_code: str,
    error_message: str,
    response: dict[str, Any],
    actor: Actor,
    at: datetime,
) -> FalloutRecord:
    if fallout_open_for_task(task_id=task.pk) is not None:
        raise FalloutAlreadyOpen(
            f"Task {task} already has an open fallout.", task_id=task.pk
        )
    route = _route(
        order=order,
        domain_order=domain_order,
        task=task,
        error_code=error_code,
        reported=source == FalloutSource.REPORTED,
    )
    fallout = FalloutRecord.objects.create(
        fallout_type=_fallout_type_for(code=route.type_code),
        priority=route.priority,
        work_group=_work_group_for(code=route.work_group_code, actor=actor),
        task=task,
        order=order,
        line_id=task.line_id,
        source=source,
        reported_by_id=actor.user_id if source == FalloutSource.REPORTED else None,
        adapter=task.adapter,
        request=(
            _adapter_request(task=task, domain_order=domain_order)
            if task.adapter
            else {}
        ),
        response=response,
        error_code=error_code,
        error_message=error_message,
        attempts=task.attempts,
        routed_by=route.rule,
        opened_at=at,
    )
    fallout.number = display_number(prefix=FALLOUT_NUMBER_PREFIX, pk=fallout.pk)
    fallout.save(update_fields=["number"])
    audit_record(
        subject=fallout,
        action=AuditAction.FALLOUT_OPENED,
        actor=actor,
        to_state=fallout.state,
        reason=error_message,
        data={
            "order_id": order.pk,
            "task_id": task.pk,
            "error_code": error_code,
            "source": source,
            "route": asdict(route),
        },
        at=at,
    )
    return fallout


def fallout_open_for_failed_task(
    *, task_id: int, error_code: str, error: str, actor: Actor, at: datetime
) -> FalloutRecord:
    """Open a fallout on an automated task that used up its retries, routed by the
    fallout rules, and put the task on hold. A second call returns the open one."""
    with service_atomic():
        order, domain_order, task = order_task_lock_chain(task_id=task_id)
        existing = fallout_open_for_task(task_id=task.pk)
        if existing is not None:
            return existing
        fallout = _fallout_create(
            order=order,
            domain_order=domain_order,
            task=task,
            source=FalloutSource.AUTOMATED,
            error_code=error_code,
            error_message=error,
            response={
                "error_code": error_code,
                "message": error,
                "failed_at": (task.data or {}).get("failed_at", at.isoformat()),
            },
            actor=actor,
            at=at,
        )
        order_task_hold(
            task_id=task.pk, actor=actor, reason=f"{fallout.number}: {error_code}"
        )
    return fallout


def fallout_report(
    *, task_id: int, problem: str, text: str, actor: Actor, note: str = ""
) -> FalloutRecord:
    """Report a problem on a task of one of the actor's work groups: a fallout opens,
    routed by the fallout rules, and the task waits on hold until it is resolved.
    `note`, when given, is also kept on the task as a note of the reporter."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Describe the problem.", errors={"text": ["Required."]})
    with service_atomic():
        order, domain_order, task = order_task_lock_chain(task_id=task_id)
        if task.state not in REPORTABLE_TASK_STATES:
            raise TaskNotReportable(
                f"Task {task} is {task.get_state_display().lower()}; problems are "
                "reported on tasks still being worked."
            )
        if actor.user_id is None or (
            task.work_group_id is not None
            and not user_in_work_group(
                user_id=actor.user_id, work_group_id=task.work_group_id
            )
        ):
            raise NotAGroupMember(
                f"{actor} is not a member of the task's work group and so cannot "
                f"report a problem on task {task}."
            )
        now = timezone.now()
        fallout = _fallout_create(
            order=order,
            domain_order=domain_order,
            task=task,
            source=FalloutSource.REPORTED,
            error_code=problem,
            error_message=text,
            response={},
            actor=actor,
            at=now,
        )
        order_task_hold(
            task_id=task.pk, actor=actor, reason=f"{fallout.number}: {text}"
        )
        if note:
            order_task_note_add(
                task_id=task.pk, text=f"{note} ({fallout.number})", actor=actor
            )
    return fallout


def fallout_assign(
    *, fallout_id: int, actor: Actor, assignee_id: int | None = None
) -> FalloutRecord:
    """Take a fallout (or, for a manager, give it to another fallout agent): it is In
    progress with its assignee."""
    fallout_staff_check(actor=actor, doing="take a fallout")
    user_id = assignee_id if assignee_id is not None else actor.user_id
    if user_id != actor.user_id:
        fallout_manager_check(actor=actor, doing="assign a fallout to someone else")
        fallout_staff_check(
            actor=Actor(user_id=user_id, label=f"user {user_id}"),
            doing="work a fallout",
        )
    if user_id is None:
        raise ValidationFailed(
            "Say who takes the fallout.", errors={"assignee": ["Required."]}
        )
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        if not can_proceed(fallout.assign):
            raise InvalidTransition(subject=fallout, transition="assign")
        now = timezone.now()
        from_state = fallout.state
        fallout.assign(user_id=user_id, at=now)
        fallout.save(update_fields=["state", "assignee", "taken_at", "updated_at"])
        audit_record(
            subject=fallout,
            action=AuditAction.FALLOUT_ASSIGNED,
            actor=actor,
            from_state=from_state,
            to_state=fallout.state,
            data={"assignee_id": user_id},
            at=now,
        )
    return fallout


def fallout_route_to_group(
    *, fallout_id: int, work_group_id: int, actor: Actor, reason: str = ""
) -> FalloutRecord:
    """Move a fallout to another group's queue, unassigned (fallout managers)."""
    fallout_manager_check(actor=actor, doing="reassign a fallout")
    if not WorkGroup.objects.filter(pk=work_group_id).exists():
        raise ValidationFailed(
            "Choose an existing work group.", errors={"work_group": ["Unknown."]}
        )
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        if not can_proceed(fallout.route):
            raise InvalidTransition(subject=fallout, transition="route")
        from_state = fallout.state
        from_group = fallout.work_group_id
        fallout.route(work_group_id=work_group_id)
        fallout.save(
            update_fields=["state", "work_group", "assignee", "taken_at", "updated_at"]
        )
        audit_record(
            subject=fallout,
            action=AuditAction.FALLOUT_ROUTED,
            actor=actor,
            from_state=from_state,
            to_state=fallout.state,
            reason=reason,
            data={"from_group_id": from_group, "to_group_id": work_group_id},
        )
    return fallout


def _side_state_apply(
    *, fallout_id: int, actor: Actor, name: str, action: str, reason: str
) -> FalloutRecord:
    fallout_staff_check(actor=actor, doing=f"{name.replace('_', ' ')} a fallout")
    with service_atomic():
        fallout = fallout_lock_chain(fallout_id=fallout_id)
        transition = {
            "hold": fallout.hold,
            "await_information": fallout.await_information,
            "resume": fallout.resume,
        }[name]
        if not can_proceed(transition):
            raise InvalidTransition(subject=fallout, transition=name)
        from_state = fallout.state
        transition()
        fallout.save(update_fields=["state", "updated_at"])
        audit_record(
            subject=fallout,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=fallout.state,
            reason=reason,
        )
    return fallout


def fallout_hold(*, fallout_id: int, actor: Actor, reason: str) -> FalloutRecord:
    """Park a fallout (e.g. until an outage is over); its task stays on hold."""
    return _side_state_apply(
        fallout_id=fallout_id,
        actor=actor,
        name="hold",
        action=AuditAction.FALLOUT_HELD,
        reason=reason,
    )


def fallout_await_information(
    *, fallout_id: int, actor: Actor, reason: str
) -> FalloutRecord:
    """Wait for information from outside (customer, supplier) to fix a fallout."""
    return _side_state_apply(
        fallout_id=fallout_id,
        actor=actor,
        name="await_information",
        action=AuditAction.FALLOUT_AWAITING_INFORMATION,
        reason=reason,
    )


def fallout_resume(*, fallout_id: int, actor: Actor, reason: str = "") -> FalloutRecord:
    """Take a parked or waiting fallout up again (In progress)."""
    return _side_state_apply(
        fallout_id=fallout_id,
        actor=actor,
        name="resume",
        action=AuditAction.FALLOUT_RESUMED,
        reason=reason,
    )


def fallout_type_create(
    *, code: str, name: str, actor: Actor, description: str = ""
) -> FalloutType:
    """Add a fallout type (process admins; the admin site calls this)."""
    with service_atomic():
        if FalloutType.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"A fallout type {code!r} exists.", errors={"code": ["Already used."]}
            )
        fallout_type = FalloutType.objects.create(
            code=code, name=name, description=description
        )
        audit_record(
            subject=fallout_type,
            action=AuditAction.FALLOUT_TYPE_CREATED,
            actor=actor,
            data={"code": code, "name": name},
        )
    return fallout_type
