"""Enrichment: the enrichment policy on submit, and the manual tasks it opens.

A submitted order is enriched: the policy sets derived characteristics and opens a task
per line and work group where technical data is missing. While a task is open the
order (and its lines) are Enrichment in progress (or on hold); when the last task is
completed they are New and the approval policy runs in the same transaction. Lock
order: the order, then its lines in ascending pk, then its tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from catalog.rules import characteristic_errors
from catalog.selectors import specification_characteristics
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import NotAGroupMember, PolicyMisconfigured
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    EnrichmentTask,
    EnrichmentTaskState,
    LineState,
)
from orders.rules import value_is_blank
from orders.selectors import (
    enrichment_task_get,
    enrichment_task_get_for_update,
    enrichment_tasks_open_exist,
    order_get_for_update,
    order_line_get_for_update,
    order_lines_for_update,
    user_in_work_group,
)
from orders.services.approval import APPROVAL_FIELDS, approval_policy_apply
from orders.services.audit_buffer import AuditBuffer
from orders.services.catalog_cache import work_groups_by_code_cached
from orders.services.line_checks import LineReferences
from orders.services.line_writes import lines_save_transitioned
from orders.services.policies import (
    ENRICHMENT_POLICY_KEY,
    EnrichmentNeed,
    enrichment_plan,
    policy_table_load,
)
from orders.services.row_writes import rows_insert

logger = logging.getLogger(__name__)

ENRICHMENT_POLICY_ACTOR = Actor.job("enrichment_policy")


@dataclass
class EnrichmentOutcome:
    """What the policy did on submit: derived values per line, the tasks it opened.

    The tasks are built in memory (their lines may not be saved yet); the caller writes
    them with `enrichment_tasks_insert` once the order and lines have their ids.
    """

    derived: list[tuple[CustomerOrderLine, dict[str, Any]]] = field(
        default_factory=list
    )
    tasks: list[EnrichmentTask] = field(default_factory=list)

    def derived_by_line_id(self) -> dict[str, dict[str, Any]]:
        """Derived values keyed by line id, as the audit data names them (lines saved)."""
        return {str(line.pk): values for line, values in self.derived}


def enrichment_policy_apply(
    *,
    order: CustomerOrder,
    lines: Sequence[CustomerOrderLine],
    at: datetime,
    references: LineReferences,
    audit: AuditBuffer,
) -> EnrichmentOutcome:
    """Set derived values on the lines (in memory) and build the tasks the policy asks for.

    Without a published enrichment policy nothing happens. The tasks' events go to
    `audit`; the caller inserts the tasks (`enrichment_tasks_insert`).
    """
    policy = policy_table_load(key=ENRICHMENT_POLICY_KEY)
    if policy is None:
        logger.info(
            "No %s is published; order %s needs none.", ENRICHMENT_POLICY_KEY, order
        )
        return EnrichmentOutcome()
    plan = enrichment_plan(
        policy=policy,
        lines=lines,
        offering_codes={pk: o.code for pk, o in references.offerings.items()},
        specification_codes=references.specification_codes,
        definitions=references.characteristics,
    )
    outcome = EnrichmentOutcome(derived=plan.derived)
    if plan.needs:
        outcome.tasks = _tasks_build(order=order, needs=plan.needs)
        audit.record_many(
            subjects=outcome.tasks,
            action=AuditAction.ENRICHMENT_TASK_OPENED,
            actor=ENRICHMENT_POLICY_ACTOR,
            to_state=EnrichmentTaskState.OPEN,
            data=lambda: {"order_id": order.pk},
            at=at,
        )
    return outcome


def _tasks_build(
    *, order: CustomerOrder, needs: list[EnrichmentNeed]
) -> list[EnrichmentTask]:
    groups = work_groups_by_code_cached(codes={need.group_code for need in needs})
    unknown = sorted({need.group_code for need in needs} - groups.keys())
    if unknown:
        raise PolicyMisconfigured(
            f"The enrichment policy names work groups that do not exist: "
            f"{', '.join(unknown)}.",
            groups=unknown,
        )
    return [
        EnrichmentTask(
            order=order,
            line=need.line,
            work_group=groups[need.group_code],
            characteristics=need.characteristics,
        )
        for need in needs
    ]


def enrichment_tasks_insert(*, outcome: EnrichmentOutcome) -> None:
    """Insert the tasks of an outcome in one statement (order and lines saved first)."""
    if not outcome.tasks:
        return
    for task in outcome.tasks:
        task.instructions = _instructions(task)
    rows_insert(outcome.tasks)


def _instructions(task: EnrichmentTask) -> str:
    line = task.line
    if task.characteristics:
        return (
            f"Add {', '.join(task.characteristics)} to line {line.line_number} "
            f"of order {task.order}."
        )
    return f"Review line {line.line_number} of order {task.order}."


def enrichment_start(
    *,
    order: CustomerOrder,
    lines: Sequence[CustomerOrderLine],
    actor: Actor,
    at: datetime,
    outcome: EnrichmentOutcome,
    audit: AuditBuffer,
) -> None:
    """Move a submitted order and its lines to Enrichment in progress (in memory), audited."""
    from_state = order.state
    order.start_enrichment()
    audit.record(
        subject=order,
        action=AuditAction.ORDER_ENRICHMENT_STARTED,
        actor=actor,
        from_state=from_state,
        to_state=order.state,
        data=lambda: {
            "tasks": [task.pk for task in outcome.tasks],
            "derived": outcome.derived_by_line_id(),
        },
        at=at,
    )
    lines_from = [line.state for line in lines]
    for line in lines:
        line.start_enrichment()
    audit.record_many(
        subjects=list(lines),
        action=AuditAction.LINE_ENRICHMENT_STARTED,
        actor=actor,
        from_states=lines_from,
        to_state=LineState.ENRICHMENT_IN_PROGRESS,
        at=at,
    )


def enrichment_finish(
    *,
    order: CustomerOrder,
    lines: Sequence[CustomerOrderLine],
    actor: Actor,
    at: datetime,
    audit: AuditBuffer,
    outcome: EnrichmentOutcome | None = None,
) -> None:
    """Move an order with nothing left to enrich, and its lines, to New (in memory)."""
    for line in lines:
        if not can_proceed(line.finish_enrichment):
            raise InvalidTransition(subject=line, transition="finish_enrichment")
    from_state = order.state
    order.finish_enrichment()
    audit.record(
        subject=order,
        action=AuditAction.ORDER_ENRICHMENT_FINISHED,
        actor=actor,
        from_state=from_state,
        to_state=order.state,
        data=lambda: {
            "derived": outcome.derived_by_line_id() if outcome is not None else {}
        },
        at=at,
    )
    lines_from = [line.state for line in lines]
    for line in lines:
        line.finish_enrichment()
    audit.record_many(
        subjects=list(lines),
        action=AuditAction.LINE_ENRICHMENT_FINISHED,
        actor=actor,
        from_states=lines_from,
        to_state=LineState.NEW,
        at=at,
    )


def _member_check(*, task: EnrichmentTask, actor: Actor, doing: str) -> None:
    if actor.user_id is None or not user_in_work_group(
        user_id=actor.user_id, work_group_id=task.work_group_id
    ):
        raise NotAGroupMember(
            f"{actor} is not in {task.work_group} and so cannot {doing} task {task.pk}."
        )


def enrichment_task_claim(*, task_id: int, actor: Actor) -> EnrichmentTask:
    """Take an open enrichment task of one of the actor's work groups."""
    with transaction.atomic():
        task = enrichment_task_get_for_update(task_id=task_id)
        if not can_proceed(task.claim):
            raise InvalidTransition(subject=task, transition="claim")
        _member_check(task=task, actor=actor, doing="claim")
        now = timezone.now()
        from_state = task.state
        task.claim(user_id=actor.user_id, at=now)  # type: ignore[arg-type]
        task.save(update_fields=["state", "assignee", "claimed_at", "updated_at"])
        audit_record(
            subject=task,
            action=AuditAction.ENRICHMENT_TASK_CLAIMED,
            actor=actor,
            from_state=from_state,
            to_state=task.state,
            at=now,
        )
    return task


def _task_values_checked(
    *,
    task: EnrichmentTask,
    line: CustomerOrderLine,
    characteristics: Mapping[str, Any],
) -> dict[str, Any]:
    if not isinstance(characteristics, Mapping):
        raise ValidationFailed(
            "Give the values by characteristic code.",
            errors={"characteristics": ["Give the values by characteristic code."]},
        )
    values = {**(line.characteristics or {}), **characteristics}
    definitions = (
        specification_characteristics(specification_id=line.specification_id)
        if line.specification_id is not None
        else []
    )
    errors = {
        f"characteristics.{code}": messages
        for code, messages in characteristic_errors(
            characteristics=definitions, values=values
        ).items()
    }
    for code in task.characteristics or []:
        if value_is_blank(values.get(code)) and f"characteristics.{code}" not in errors:
            errors[f"characteristics.{code}"] = [f"{code} is what this task asks for."]
    if errors:
        raise ValidationFailed(
            f"The values for line {line.line_number} are not valid.", errors=errors
        )
    return values


def enrichment_task_complete(
    *, task_id: int, characteristics: Mapping[str, Any], actor: Actor
) -> EnrichmentTask:
    """Write the missing technical values onto the line and close the task.

    When it was the order's last open task, the order and its lines become New and the
    approval policy runs, in the same transaction.
    """
    with transaction.atomic():
        order = order_get_for_update(
            order_id=enrichment_task_get(task_id=task_id).order_id
        )
        task = enrichment_task_get_for_update(task_id=task_id)
        if not can_proceed(task.complete):
            raise InvalidTransition(subject=task, transition="complete")
        if order.state != CustomerOrderState.ENRICHMENT_IN_PROGRESS:
            raise InvalidTransition(
                subject=order, transition="complete_enrichment_task"
            )
        _member_check(task=task, actor=actor, doing="complete")
        now = timezone.now()
        if task.line_id is not None:
            line = order_line_get_for_update(order_id=order.pk, line_id=task.line_id)
            line.characteristics = _task_values_checked(
                task=task, line=line, characteristics=characteristics
            )
            line.save(update_fields=["characteristics", "updated_at"])
            audit_record(
                subject=line,
                action=AuditAction.LINE_ENRICHED,
                actor=actor,
                data={"task_id": task.pk, "values": dict(characteristics)},
                at=now,
            )
        from_state = task.state
        task.complete(data=dict(characteristics), at=now)
        task.save(update_fields=["state", "data", "completed_at", "updated_at"])
        audit_record(
            subject=task,
            action=AuditAction.ENRICHMENT_TASK_COMPLETED,
            actor=actor,
            from_state=from_state,
            to_state=task.state,
            at=now,
        )
        if not enrichment_tasks_open_exist(order_id=order.pk, excluding_id=task.pk):
            _order_enriched(order=order, actor=actor, at=now)
    return task


def _order_enriched(*, order: CustomerOrder, actor: Actor, at: datetime) -> None:
    lines = order_lines_for_update(order_id=order.pk)
    lines_initial = [line.state for line in lines]
    audit = AuditBuffer()
    enrichment_finish(order=order, lines=lines, actor=actor, at=at, audit=audit)
    approval_policy_apply(order=order, lines=lines, at=at, audit=audit)
    order.save(update_fields=["state", *APPROVAL_FIELDS, "updated_at"])
    lines_save_transitioned(
        lines=lines, from_states=lines_initial, fields=["state"], at=at
    )
    audit.flush()


def _enrichment_pause_or_resume(
    *, order_id: int, actor: Actor, reason: str, hold: bool
) -> CustomerOrder:
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        transition = order.hold_enrichment if hold else order.resume_enrichment
        name = "hold_enrichment" if hold else "resume_enrichment"
        if not can_proceed(transition):
            raise InvalidTransition(subject=order, transition=name)
        lines = order_lines_for_update(order_id=order.pk)
        moving = [
            line
            for line in lines
            if can_proceed(line.hold_enrichment if hold else line.resume_enrichment)
        ]
        now = timezone.now()
        from_state = order.state
        transition()
        order.save(update_fields=["state", "updated_at"])
        audit_record(
            subject=order,
            action=(
                AuditAction.ORDER_ENRICHMENT_HELD
                if hold
                else AuditAction.ORDER_ENRICHMENT_RESUMED
            ),
            actor=actor,
            from_state=from_state,
            to_state=order.state,
            reason=reason,
            at=now,
        )
        lines_from = [line.state for line in moving]
        for line in moving:
            if hold:
                line.hold_enrichment()
            else:
                line.resume_enrichment()
        lines_save_transitioned(
            lines=moving, from_states=lines_from, fields=["state"], at=now
        )
        audit_record_many(
            subjects=moving,
            action=(
                AuditAction.LINE_ENRICHMENT_HELD
                if hold
                else AuditAction.LINE_ENRICHMENT_RESUMED
            ),
            actor=actor,
            from_states=lines_from,
            to_state=(
                LineState.ENRICHMENT_ON_HOLD
                if hold
                else LineState.ENRICHMENT_IN_PROGRESS
            ),
            reason=reason,
            at=now,
        )
    return order


def order_enrichment_hold(
    *, order_id: int, actor: Actor, reason: str = ""
) -> CustomerOrder:
    """Put an order's enrichment on hold (e.g. waiting for the customer); tasks wait."""
    return _enrichment_pause_or_resume(
        order_id=order_id, actor=actor, reason=reason, hold=True
    )


def order_enrichment_resume(
    *, order_id: int, actor: Actor, reason: str = ""
) -> CustomerOrder:
    """Resume an order's enrichment after a hold."""
    return _enrichment_pause_or_resume(
        order_id=order_id, actor=actor, reason=reason, hold=False
    )
