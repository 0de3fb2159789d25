"""Manual tasks in their work group's queue: claim, add notes, complete with data.

Only members of the task's work group (or superusers) work it; a claimed task is
completed by whoever claimed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_fsm import can_proceed

from orchestration.audit import AuditAction
from orchestration.exceptions import NotAGroupMember, TaskClaimedByOther, TaskNotManual
from orchestration.models import OrderTask, OrderTaskNote, TaskType
from orchestration.selectors import order_task_get_for_update, order_task_lock_chain
from orchestration.services.completion import (
    domain_order_ensure_started,
    tasks_completed_rollup,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.transactions import service_atomic
from orders.selectors import user_in_work_group


def _member_check(*, task: OrderTask, actor: Actor, doing: str) -> None:
    if actor.user_id is not None:
        if task.work_group_id is not None:
            if user_in_work_group(
                user_id=actor.user_id, work_group_id=task.work_group_id
            ):
                return
        elif (
            get_user_model()
            .objects.filter(pk=actor.user_id, is_superuser=True, is_active=True)
            .exists()
        ):
            return
    group = task.work_group.name if task.work_group_id else "no work group"
    raise NotAGroupMember(
        f"{actor} is not a member of {group} and so cannot {doing} task {task}."
    )


def _manual_check(*, task: OrderTask) -> None:
    if task.task_type != TaskType.MANUAL:
        raise TaskNotManual(
            f"Task {task} is automated; the task engine runs it through its adapter."
        )


def order_task_claim(*, task_id: int, actor: Actor) -> OrderTask:
    """Take an open manual task from the queue of one of the actor's work groups."""
    with service_atomic():
        _, domain_order, task = order_task_lock_chain(task_id=task_id)
        _manual_check(task=task)
        if not can_proceed(task.claim):
            raise InvalidTransition(subject=task, transition="claim")
        _member_check(task=task, actor=actor, doing="claim")
        now = timezone.now()
        domain_order_ensure_started(domain_order=domain_order, actor=actor)
        from_state = task.state
        task.claim(user_id=actor.user_id, at=now)  # type: ignore[arg-type]
        task.save(
            update_fields=[
                "state",
                "assignee",
                "claimed_at",
                "started_at",
                "updated_at",
            ]
        )
        audit_record(
            subject=task,
            action=AuditAction.TASK_CLAIMED,
            actor=actor,
            from_state=from_state,
            to_state=task.state,
            at=now,
        )
    return task


def order_task_note_add(*, task_id: int, text: str, actor: Actor) -> OrderTaskNote:
    """Add a note to a task of one of the actor's work groups."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write a note first.", errors={"text": ["Required."]})
    with service_atomic():
        task = order_task_get_for_update(task_id=task_id)
        _member_check(task=task, actor=actor, doing="add a note to")
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


def order_task_complete(
    *, task_id: int, data: Mapping[str, Any], actor: Actor
) -> OrderTask:
    """Complete a manual task with the data the agent entered; what waited for it opens
    and its domain order, line and order roll up."""
    if not isinstance(data, Mapping):
        raise ValidationFailed(
            "Give the task data by name.", errors={"data": ["Give a mapping."]}
        )
    with service_atomic():
        _, domain_order, task = order_task_lock_chain(task_id=task_id)
        _manual_check(task=task)
        if not can_proceed(task.complete):
            raise InvalidTransition(subject=task, transition="complete")
        _member_check(task=task, actor=actor, doing="complete")
        if task.assignee_id is not None and task.assignee_id != actor.user_id:
            raise TaskClaimedByOther(
                f"Task {task} is claimed by {task.assignee}; they complete it."
            )
        now = timezone.now()
        domain_order_ensure_started(domain_order=domain_order, actor=actor)
        from_state = task.state
        task.complete(data=dict(data), at=now)
        task.save(
            update_fields=[
                "state",
                "data",
                "completed_at",
                "next_attempt_at",
                "updated_at",
            ]
        )
        audit_record(
            subject=task,
            action=AuditAction.TASK_COMPLETED,
            actor=actor,
            from_state=from_state,
            to_state=task.state,
            data={"data": dict(data)},
            at=now,
        )
        tasks_completed_rollup(tasks=[task], actor=actor, at=now)
    return task
