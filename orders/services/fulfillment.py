"""Fulfillment states of an order and its lines, driven by orchestration.

Acknowledged → In progress (order and lines at once), then each line Completed / Partial /
Failed as its domain orders finish, then the order by its lines' outcomes. Lock order: the
order, then its lines in ascending pk. The finish and point-of-no-return services take a
set of orders or lines (the task engine finishes many orders' tasks in one transaction)
and run a fixed number of statements however many there are; the single-item services
are the same code path with a set of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

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
    order_lines_for_update,
    order_lines_get_for_update,
    orders_get_for_update,
)
from orders.services.line_writes import (
    lines_save_transitioned,
    orders_save_transitioned,
)

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


R = TypeVar("R", CustomerOrder, CustomerOrderLine)


@dataclass(frozen=True)
class LineFinish:
    """One line to close: `outcome` is one of OUTCOMES."""

    order_id: int
    line_id: int
    outcome: str


@dataclass(frozen=True)
class OrderFinish:
    """One order to close: `outcome` is one of OUTCOMES."""

    order_id: int
    outcome: str


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


def _distinct_check(*, ids: Sequence[int], label: str) -> None:
    seen: set[int] = set()
    for pk in ids:
        if pk in seen:
            raise ValidationFailed(
                f"{label} {pk} is finished twice.", errors={"finishes": [str(pk)]}
            )
        seen.add(pk)


def _transitions_check(*, rows: Sequence[R], methods: Sequence[str]) -> None:
    # Every row is checked before any moves, so a refused set leaves nothing half done.
    for row, method in zip(rows, methods, strict=True):
        if not can_proceed(getattr(row, method)):
            raise InvalidTransition(subject=row, transition=method)


def _transitions_apply(
    *, rows: Sequence[R], methods: Sequence[str], at: datetime
) -> list[str]:
    """Run each row's finishing transition; return the states the rows were in."""
    from_states = [row.state for row in rows]
    for row, method in zip(rows, methods, strict=True):
        getattr(row, method)(at=at)
    return from_states


def _finish_audit(
    *,
    rows: Sequence[R],
    from_states: Sequence[str],
    outcomes: Sequence[str],
    actions: dict[str, tuple[str, AuditAction]],
    actor: Actor,
    at: datetime,
) -> None:
    # One insert per outcome: an outcome's rows share the action and the target state.
    for outcome, (_, action) in actions.items():
        picked = [i for i, each in enumerate(outcomes) if each == outcome]
        if not picked:
            continue
        audit_record_many(
            subjects=[rows[i] for i in picked],
            action=action,
            actor=actor,
            from_states=[from_states[i] for i in picked],
            to_state=rows[picked[0]].state,
            at=at,
        )


def order_lines_finish(
    *, finishes: Sequence[LineFinish], actor: Actor, at: datetime | None = None
) -> list[CustomerOrderLine]:
    """Close lines in progress, of one order or many, as completed, partial or failed.

    All or none: a line that cannot finish refuses the whole set. Locks the orders, then
    the lines, each in ascending pk; returns the lines in the order given.
    """
    if not finishes:
        return []
    for finish in finishes:
        _outcome_check(finish.outcome)
    _distinct_check(ids=[finish.line_id for finish in finishes], label="Order line")
    with service_atomic():
        orders_get_for_update(order_ids=[finish.order_id for finish in finishes])
        by_id = order_lines_get_for_update(
            order_line_ids=[(finish.order_id, finish.line_id) for finish in finishes]
        )
        lines = [by_id[finish.line_id] for finish in finishes]
        outcomes = [finish.outcome for finish in finishes]
        methods = [_LINE_FINISH[outcome][0] for outcome in outcomes]
        _transitions_check(rows=lines, methods=methods)
        now = timezone.now()
        when = at or now
        from_states = _transitions_apply(rows=lines, methods=methods, at=when)
        lines_save_transitioned(
            lines=lines,
            from_states=from_states,
            fields=["state", "completed_at"],
            at=now,
        )
        _finish_audit(
            rows=lines,
            from_states=from_states,
            outcomes=outcomes,
            actions=_LINE_FINISH,
            actor=actor,
            at=when,
        )
    return lines


def orders_finish(
    *, finishes: Sequence[OrderFinish], actor: Actor, at: datetime | None = None
) -> list[CustomerOrder]:
    """Close orders in progress as completed, partial or failed by their lines' outcomes.

    All or none: an order that cannot finish refuses the whole set. Locks the orders in
    ascending pk; returns them in the order given.
    """
    if not finishes:
        return []
    for finish in finishes:
        _outcome_check(finish.outcome)
    _distinct_check(ids=[finish.order_id for finish in finishes], label="Order")
    with service_atomic():
        by_id = orders_get_for_update(
            order_ids=[finish.order_id for finish in finishes]
        )
        orders = [by_id[finish.order_id] for finish in finishes]
        outcomes = [finish.outcome for finish in finishes]
        methods = [_ORDER_FINISH[outcome][0] for outcome in outcomes]
        _transitions_check(rows=orders, methods=methods)
        now = timezone.now()
        when = at or now
        from_states = _transitions_apply(rows=orders, methods=methods, at=when)
        orders_save_transitioned(
            orders=orders,
            from_states=from_states,
            fields=["state", "completed_at"],
            at=now,
        )
        _finish_audit(
            rows=orders,
            from_states=from_states,
            outcomes=outcomes,
            actions=_ORDER_FINISH,
            actor=actor,
            at=when,
        )
    return orders


def order_lines_ponr_mark(
    *, marks: Sequence[tuple[int, int]], actor: Actor, at: datetime | None = None
) -> list[CustomerOrderLine]:
    """Mark lines, each named as (order id, line id), and their orders past the point of
    no return; a line already marked is left as it is (marking twice is a no-op).

    Locks the orders, then the lines, each in ascending pk; returns the lines in the
    order given.
    """
    if not marks:
        return []
    with service_atomic():
        orders = orders_get_for_update(order_ids=[order_id for order_id, _ in marks])
        by_id = order_lines_get_for_update(order_line_ids=marks)
        newly = [line for line in by_id.values() if line.ponr_at is None]
        if newly:
            now = timezone.now()
            when = at or now
            for line in newly:
                line.ponr_at = when
            # The state guard save() adds: no state changes, the rows keep theirs.
            lines_save_transitioned(
                lines=newly,
                from_states=[line.state for line in newly],
                fields=["ponr_at"],
                at=now,
            )
            unmarked = sorted(
                {
                    line.order_id
                    for line in newly
                    if orders[line.order_id].ponr_at is None
                }
            )
            for order_id in unmarked:
                orders[order_id].ponr_at = when
            orders_save_transitioned(
                orders=[orders[order_id] for order_id in unmarked],
                from_states=[orders[order_id].state for order_id in unmarked],
                fields=["ponr_at"],
                at=now,
            )
            audit_record_many(
                subjects=newly,
                action=AuditAction.LINE_PONR_REACHED,
                actor=actor,
                at=when,
            )
    return [by_id[line_id] for _, line_id in marks]


def order_line_finish(
    *, order_id: int, line_id: int, outcome: str, actor: Actor
) -> CustomerOrderLine:
    """Close a line in progress as completed, partial or failed (its domain orders ended)."""
    (line,) = order_lines_finish(
        finishes=[LineFinish(order_id=order_id, line_id=line_id, outcome=outcome)],
        actor=actor,
    )
    return line


def order_finish(*, order_id: int, outcome: str, actor: Actor) -> CustomerOrder:
    """Close an order in progress as completed, partial or failed by its lines' outcomes."""
    (order,) = orders_finish(
        finishes=[OrderFinish(order_id=order_id, outcome=outcome)], actor=actor
    )
    return order


def order_line_ponr_mark(
    *, order_id: int, line_id: int, actor: Actor, at: datetime | None = None
) -> CustomerOrderLine:
    """Mark a line (and its order) past the point of no return; marking twice is a no-op."""
    (line,) = order_lines_ponr_mark(marks=[(order_id, line_id)], actor=actor, at=at)
    return line
