"""One service per domain order transition: lock, check, transition, save, audit.

Lifecycle (DESIGN.md section 3): Draft → Qualified → Scheduled → In progress → Closed
complete; side states Awaiting information (released by
`domain_order_information_receive`), On hold (⇄ the state it was in), Cancellation in
progress → Canceled. Children close before their parent: `domain_orders_close` refuses
while a child domain order is neither closed nor canceled.

Start and close also come set-based (`domain_orders_start`, `domain_orders_close`) for the
task engine, which completes many orders' tasks in one transaction: a constant number of
statements however many domain orders. The single `domain_order_start` and
`domain_order_close` are those with one id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from decomposition.audit import AuditAction
from decomposition.exceptions import DomainOrderChildrenOpen
from decomposition.models import DomainOrder, DomainOrderState
from decomposition.selectors import (
    domain_order_get_for_update,
    domain_orders_get_for_update,
    domain_orders_open_children_counts,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, NotFound
from ordermgmt.transactions import service_atomic
from ordermgmt.writes import rows_save_transitioned


def _transition_apply(
    *,
    domain_order_id: int,
    actor: Actor,
    name: str,
    bound: Callable[[DomainOrder], Callable[..., Any]],
    arguments: dict[str, Any],
    fields: list[str],
    action: str,
    reason: str = "",
    check: Callable[[DomainOrder], None] | None = None,
    at: datetime,
) -> DomainOrder:
    """Lock the domain order, refuse a transition its state forbids, apply it, audit."""
    with service_atomic():
        domain_order = domain_order_get_for_update(domain_order_id=domain_order_id)
        if not can_proceed(bound(domain_order)):
            raise InvalidTransition(subject=domain_order, transition=name)
        if check is not None:
            check(domain_order)
        from_state = domain_order.state
        bound(domain_order)(**arguments)
        domain_order.save(update_fields=["state", *fields, "updated_at"])
        audit_record(
            subject=domain_order,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=domain_order.state,
            reason=reason,
            at=at,
        )
    return domain_order


def domain_order_schedule(
    *, domain_order_id: int, start_at: datetime, actor: Actor
) -> DomainOrder:
    """Schedule a qualified domain order to start at `start_at`."""
    return _transition_apply(
        domain_order_id=domain_order_id,
        actor=actor,
        name="schedule",
        bound=lambda d: d.schedule,
        arguments={"start_at": start_at},
        fields=["scheduled_for"],
        action=AuditAction.DOMAIN_ORDER_SCHEDULED,
        at=timezone.now(),
    )


def _domain_orders_lock(*, domain_order_ids: set[int]) -> list[DomainOrder]:
    """Lock the domain orders in ascending pk in one statement; raise NotFound for any
    missing."""
    domain_orders = domain_orders_get_for_update(domain_order_ids=domain_order_ids)
    missing = domain_order_ids - {domain_order.pk for domain_order in domain_orders}
    if missing:
        label = "Domain order" if len(missing) == 1 else "Domain orders"
        raise NotFound(
            f"{label} {', '.join(map(str, sorted(missing)))} "
            f"{'does' if len(missing) == 1 else 'do'} not exist."
        )
    return domain_orders


def _refuse_unless(
    domain_orders: list[DomainOrder],
    *,
    name: str,
    bound: Callable[[DomainOrder], Callable[..., Any]],
) -> None:
    for domain_order in domain_orders:
        if not can_proceed(bound(domain_order)):
            raise InvalidTransition(subject=domain_order, transition=name)


def _children_closed_check(domain_orders: list[DomainOrder]) -> None:
    """Refuse the set while a domain order has a child that is neither closed nor
    canceled and not closing with it (children in the set count as closing)."""
    open_children = domain_orders_open_children_counts(
        domain_order_ids=[domain_order.pk for domain_order in domain_orders]
    )
    if not open_children:
        return
    refused = [d for d in domain_orders if open_children.get(d.pk)]
    total = sum(open_children.values())
    subject = (
        f"{refused[0]} has"
        if len(refused) == 1
        else f"{len(refused)} domain orders ({', '.join(map(str, refused))}) have"
    )
    raise DomainOrderChildrenOpen(
        f"{subject} {total} open child domain order(s); "
        "children close before their parent.",
        open_children=total,
        domain_order_ids=[domain_order.pk for domain_order in refused],
    )


def domain_orders_start(
    *,
    domain_order_ids: Collection[int],
    actor: Actor,
    at: datetime | None = None,
) -> list[DomainOrder]:
    """Start fulfilling qualified or scheduled domain orders, all or none.

    Locks them in ascending pk, refuses the whole set when one cannot start, and saves
    and audits them in one statement each; returns them in ascending pk.
    """
    ids = set(domain_order_ids)
    if not ids:
        return []
    now = at or timezone.now()
    with service_atomic():
        domain_orders = _domain_orders_lock(domain_order_ids=ids)
        _refuse_unless(domain_orders, name="start", bound=lambda d: d.start)
        from_states = [domain_order.state for domain_order in domain_orders]
        for domain_order in domain_orders:
            domain_order.start(at=now)
        rows_save_transitioned(
            rows=domain_orders,
            from_states=from_states,
            fields=["state", "started_at"],
            at=now,
        )
        audit_record_many(
            subjects=domain_orders,
            action=AuditAction.DOMAIN_ORDER_STARTED,
            actor=actor,
            from_states=from_states,
            to_state=DomainOrderState.IN_PROGRESS,
            at=now,
        )
    return domain_orders


def domain_order_start(*, domain_order_id: int, actor: Actor) -> DomainOrder:
    """Start fulfilling a qualified or scheduled domain order."""
    (domain_order,) = domain_orders_start(
        domain_order_ids=[domain_order_id], actor=actor
    )
    return domain_order


def domain_orders_close(
    *,
    domain_order_ids: Collection[int],
    actor: Actor,
    at: datetime | None = None,
    start_unstarted: bool = True,
) -> list[DomainOrder]:
    """Close in-progress domain orders whose children are all closed or canceled, all or
    none; a parent and its child may close together.

    With `start_unstarted` (the task engine closes a domain order whose tasks are all
    done, which may never have been started), qualified or scheduled ones are started
    first and both events are recorded. Locks them in ascending pk, counts open children
    for the whole set in one query, saves them in one UPDATE and audits each event in one
    insert; returns them in ascending pk.
    """
    ids = set(domain_order_ids)
    if not ids:
        return []
    now = at or timezone.now()
    with service_atomic():
        domain_orders = _domain_orders_lock(domain_order_ids=ids)
        to_start = [
            domain_order
            for domain_order in domain_orders
            if start_unstarted and can_proceed(domain_order.start)
        ]
        starting = {domain_order.pk for domain_order in to_start}
        _refuse_unless(
            [d for d in domain_orders if d.pk not in starting],
            name="close",
            bound=lambda d: d.close,
        )
        _children_closed_check(domain_orders)
        read_states = [domain_order.state for domain_order in domain_orders]
        start_from_states = [domain_order.state for domain_order in to_start]
        for domain_order in to_start:
            domain_order.start(at=now)
        close_from_states = [domain_order.state for domain_order in domain_orders]
        for domain_order in domain_orders:
            domain_order.close(at=now)
        rows_save_transitioned(
            rows=domain_orders,
            from_states=read_states,
            fields=["state", "completed_at", *(["started_at"] if to_start else [])],
            at=now,
        )
        audit_record_many(
            subjects=to_start,
            action=AuditAction.DOMAIN_ORDER_STARTED,
            actor=actor,
            from_states=start_from_states,
            to_state=DomainOrderState.IN_PROGRESS,
            at=now,
        )
        audit_record_many(
            subjects=domain_orders,
            action=AuditAction.DOMAIN_ORDER_CLOSED,
            actor=actor,
            from_states=close_from_states,
            to_state=DomainOrderState.CLOSED_COMPLETE,
            at=now,
        )
    return domain_orders


def domain_order_close(*, domain_order_id: int, actor: Actor) -> DomainOrder:
    """Close an in-progress domain order whose children are all closed or canceled
    (one that was never started is refused)."""
    (domain_order,) = domain_orders_close(
        domain_order_ids=[domain_order_id], actor=actor, start_unstarted=False
    )
    return domain_order


def domain_order_hold(
    *, domain_order_id: int, actor: Actor, reason: str = ""
) -> DomainOrder:
    """Put a domain order on hold; resuming returns it to the state it was in."""
    return _transition_apply(
        domain_order_id=domain_order_id,
        actor=actor,
        name="hold",
        bound=lambda d: d.hold,
        arguments={},
        fields=["interrupted_state"],
        action=AuditAction.DOMAIN_ORDER_HELD,
        reason=reason,
        at=timezone.now(),
    )


def domain_order_resume(
    *, domain_order_id: int, actor: Actor, reason: str = ""
) -> DomainOrder:
    """Resume a held domain order in the state it was held in."""
    return _transition_apply(
        domain_order_id=domain_order_id,
        actor=actor,
        name="resume",
        bound=lambda d: d.resume,
        arguments={},
        fields=["interrupted_state"],
        action=AuditAction.DOMAIN_ORDER_RESUMED,
        reason=reason,
        at=timezone.now(),
    )


def domain_order_cancellation_start(
    *, domain_order_id: int, actor: Actor, reason: str = ""
) -> DomainOrder:
    """Begin canceling a domain order whose work must be undone first."""
    return _transition_apply(
        domain_order_id=domain_order_id,
        actor=actor,
        name="start_cancellation",
        bound=lambda d: d.start_cancellation,
        arguments={},
        fields=["interrupted_state"],
        action=AuditAction.DOMAIN_ORDER_CANCELLATION_STARTED,
        reason=reason,
        at=timezone.now(),
    )


def domain_order_cancel(
    *, domain_order_id: int, actor: Actor, reason: str = ""
) -> DomainOrder:
    """Cancel a domain order not yet started, or one whose cancellation is in progress."""
    now = timezone.now()
    return _transition_apply(
        domain_order_id=domain_order_id,
        actor=actor,
        name="cancel",
        bound=lambda d: d.cancel,
        arguments={"at": now},
        fields=["canceled_at", "interrupted_state"],
        action=AuditAction.DOMAIN_ORDER_CANCELED,
        reason=reason,
        at=now,
    )
