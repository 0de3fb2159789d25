"""Submit: a draft's lines are checked again, then enrichment and approval run at once.

draft → submitted → enrichment in progress (tasks open) | new → acknowledged (policy
approves) | new awaiting an approver. The order and its lines move in memory through
each step, each step is audited, and they are saved once at the end: one UPDATE for the
order and one for its lines, whatever the number of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from ordermgmt.actor import Actor
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from orders.audit import AuditAction
from orders.models import CustomerOrder, CustomerOrderLine, LineState
from orders.selectors import order_get_for_update, order_lines_for_update
from orders.services.approval import APPROVAL_FIELDS, approval_policy_apply
from orders.services.audit_buffer import AuditBuffer
from orders.services.enrichment import (
    EnrichmentOutcome,
    enrichment_finish,
    enrichment_policy_apply,
    enrichment_start,
    enrichment_tasks_insert,
)
from orders.services.line_checks import LineReferences
from orders.services.line_writes import lines_save_transitioned
from orders.services.order_checks import LineCandidate, order_lines_check

# Order fields a submission may set, saved in one UPDATE with the state.
SUBMISSION_ORDER_FIELDS = ["state", "submitted_at", *APPROVAL_FIELDS, "updated_at"]
SUBMISSION_LINE_FIELDS = ["state", "characteristics"]


def line_key(line: CustomerOrderLine) -> str:
    """How errors name a saved line: the client's item id, else its line number."""
    return line.item_ref or str(line.line_number)


def saved_lines_as_candidates(
    lines: Sequence[CustomerOrderLine],
) -> list[LineCandidate]:
    """The saved lines of a draft as candidates for `order_lines_check`."""
    keys = {line.pk: line_key(line) for line in lines}
    return [
        LineCandidate(
            key=keys[line.pk],
            action=line.action,
            offering_id=line.offering_id,
            quantity=line.quantity,
            characteristics=line.characteristics,
            inventory_item_id=line.inventory_item_id,
            parent_key=keys.get(line.parent_line_id or 0, ""),
        )
        for line in lines
    ]


def order_submission_advance(
    *,
    order: CustomerOrder,
    lines: Sequence[CustomerOrderLine],
    actor: Actor,
    at: datetime,
    references: LineReferences,
    audit: AuditBuffer,
) -> EnrichmentOutcome:
    """Submit a checked draft in memory and run enrichment and approval on it.

    Nothing is written here: the events go to `audit`, and the caller saves the order
    (SUBMISSION_ORDER_FIELDS) and the lines (SUBMISSION_LINE_FIELDS), inserts the
    enrichment tasks of the returned outcome (`enrichment_tasks_insert`), then flushes
    `audit`. The order and lines need not be saved yet.
    """
    from_state = order.state
    order.submit(at=at)
    audit.record(
        subject=order,
        action=AuditAction.ORDER_SUBMITTED,
        actor=actor,
        from_state=from_state,
        to_state=order.state,
        at=at,
    )
    lines_from = [line.state for line in lines]
    for line in lines:
        line.submit()
    audit.record_many(
        subjects=list(lines),
        action=AuditAction.LINE_SUBMITTED,
        actor=actor,
        from_states=lines_from,
        to_state=LineState.SUBMITTED,
        at=at,
    )
    outcome = enrichment_policy_apply(
        order=order, lines=lines, at=at, references=references, audit=audit
    )
    if outcome.tasks:
        enrichment_start(
            order=order,
            lines=lines,
            actor=actor,
            at=at,
            outcome=outcome,
            audit=audit,
        )
        return outcome
    enrichment_finish(
        order=order, lines=lines, actor=actor, at=at, audit=audit, outcome=outcome
    )
    approval_policy_apply(order=order, lines=lines, at=at, audit=audit)
    return outcome


def order_submit(*, order_id: int, actor: Actor) -> CustomerOrder:
    """Submit a draft order with valid lines; enrichment and approval run at once."""
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        if not can_proceed(order.submit):
            raise InvalidTransition(subject=order, transition="submit")
        lines = order_lines_for_update(order_id=order.pk)
        if not lines:
            raise ValidationFailed(
                f"Order {order} has no lines.",
                errors={"lines": ["Add at least one line."]},
            )
        for line in lines:
            if not can_proceed(line.submit):
                raise InvalidTransition(subject=line, transition="submit")
        now = timezone.now()
        # The catalog or the inventory may have moved since the lines were added.
        _, references = order_lines_check(
            order=order,
            candidates=saved_lines_as_candidates(lines),
            at=now,
            expand_bundles=False,
        )
        lines_initial = [line.state for line in lines]
        audit = AuditBuffer()
        outcome = order_submission_advance(
            order=order,
            lines=lines,
            actor=actor,
            at=now,
            references=references,
            audit=audit,
        )
        order.save(update_fields=SUBMISSION_ORDER_FIELDS)
        lines_save_transitioned(
            lines=lines,
            from_states=lines_initial,
            fields=SUBMISSION_LINE_FIELDS,
            at=now,
        )
        enrichment_tasks_insert(outcome=outcome)
        audit.flush()
    return order
