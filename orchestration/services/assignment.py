"""A manager steering a task that is at risk: reassign it to another group or person,
raise its priority, add a note.

Fulfillment managers (and the manager of the task's work group) may do this; each
service locks order → domain order → task (`order_task_lock_chain`) and records an
audit event. Neither changes the task's state.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from orchestration.audit import AuditAction
from orchestration.exceptions import (
    AssigneeNotInGroup,
    NotATaskManager,
    PriorityNotRaised,
    TaskFinished,
)
from orchestration.models import OrderTask, OrderTaskNote, OrderTaskState
from orchestration.selectors import order_task_lock_chain
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import NotFound, ValidationFailed
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role
from ordermgmt.transactions import service_atomic
from orders.selectors import user_in_work_group

_FINISHED = (
    OrderTaskState.CLOSED_COMPLETE,
    OrderTaskState.SKIPPED,
    OrderTaskState.CANCELED,
)


def _manager_check(*, task: OrderTask, actor: Actor, doing: str) -> None:
    if actor.user_id is not None:
        users = get_user_model().objects.filter(pk=actor.user_id, is_active=True)
        rights = Q(is_superuser=True) | Q(groups__name=Role.FULFILLMENT_MANAGER.label)
        if task.work_group_id is not None:
            rights |= Q(managed_work_groups__pk=task.work_group_id)
        if users.filter(rights).exists():
            return
    raise NotATaskManager(
        f"{actor} is not a fulfillment manager and so cannot {doing} task {task}."
    )


def _open_check(*, task: OrderTask, doing: str) -> None:
    if task.state in _FINISHED:
        raise TaskFinished(
            f"Task {task} is {task.get_state_display().lower()}; nothing to {doing}."
        )


def order_task_reassign(
    *,
    task_id: int,
    work_group_id: int | None,
    assignee_id: int | None = None,
    reason: str = "",
    actor: Actor,
) -> OrderTask:
    """Move a task to another work group's queue, or to one of its members; a new
    group without a person leaves the task unclaimed in that group's queue."""
    with service_atomic():
        _, _, task = order_task_lock_chain(task_id=task_id)
        _manager_check(task=task, actor=actor, doing="reassign")
        _open_check(task=task, doing="reassign")
        group_id = work_group_id if work_group_id is not None else task.work_group_id
        if group_id is None:
            raise ValidationFailed(
                "Choose a work group.", errors={"work_group": ["Required."]}
            )
        group = WorkGroup.objects.filter(pk=group_id).first()
        if group is None:
            raise NotFound(f"Work group {group_id} does not exist.")
        if assignee_id is not None and not user_in_work_group(
            user_id=assignee_id, work_group_id=group.pk
        ):
            raise AssigneeNotInGroup(
                f"User {assignee_id} is not a member of {group.name}; add them to the "
                "group first or choose a member."
            )
        before = {"work_group_id": task.work_group_id, "assignee_id": task.assignee_id}
        now = timezone.now()
        task.work_group_id = group.pk
        task.assignee_id = assignee_id
        if assignee_id is None:
            task.claimed_at = None
        task.save(update_fields=["work_group", "assignee", "claimed_at", "updated_at"])
        audit_record(
            subject=task,
            action=AuditAction.TASK_REASSIGNED,
            actor=actor,
            reason=reason,
            data={
                "from": before,
                "to": {"work_group_id": group.pk, "assignee_id": assignee_id},
            },
            at=now,
        )
    return task


def order_task_priority_raise(
    *, task_id: int, priority: int, reason: str = "", actor: Actor
) -> OrderTask:
    """Make a task more urgent (lower number, as CustomerOrder.priority) so it moves
    up its group's queue."""
    with service_atomic():
        _, _, task = order_task_lock_chain(task_id=task_id)
        _manager_check(task=task, actor=actor, doing="raise the priority of")
        _open_check(task=task, doing="raise")
        if priority < 0 or priority >= task.priority:
            raise PriorityNotRaised(
                f"Task {task} has priority {task.priority}; a raise needs a lower "
                f"number, not {priority}."
            )
        before = task.priority
        task.priority = priority
        task.save(update_fields=["priority", "updated_at"])
        audit_record(
            subject=task,
            action=AuditAction.TASK_PRIORITY_RAISED,
            actor=actor,
            reason=reason,
            data={"from": before, "to": priority},
        )
    return task


def order_task_manager_note_add(
    *, task_id: int, text: str, actor: Actor
) -> OrderTaskNote:
    """Add a manager's note to a task of any group (agents use order_task_note_add)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write a note first.", errors={"text": ["Required."]})
    with service_atomic():
        _, _, task = order_task_lock_chain(task_id=task_id)
        _manager_check(task=task, actor=actor, doing="add a note to")
        note = OrderTaskNote.objects.create(
            task=task, author_id=actor.user_id, author_label=actor.label, text=text
        )
        audit_record(
            subject=task,
            action=AuditAction.TASK_NOTE_ADDED,
            actor=actor,
            data={"note_id": note.pk, "text": text},
            at=note.created_at,
        )
    return note
