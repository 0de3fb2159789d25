"""One service per domain order transition: lock, check, transition, save, audit.

Lifecycle (DESIGN.md section 3): Draft → Qualified → Scheduled → In progress → Closed
complete; side states Awaiting information (released by
`domain_order_information_receive`), On hold (⇄ the state it was in), Cancellation in
progress → Canceled. Children close before their parent: `domain_order_close` refuses
while a child domain order is neither closed nor canceled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from decomposition.audit import AuditAction
from decomposition.exceptions import DomainOrderChildrenOpen
from decomposition.models import DomainOrder
from decomposition.selectors import (
    domain_order_get_for_update,
    domain_order_open_children_count,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition
from ordermgmt.transactions import service_atomic


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


def domain_order_start(*, domain_order_id: int, actor: Actor) -> DomainOrder:
    """Start fulfilling a qualified or scheduled domain order."""
    now = timezone.now()
    return _transition_apply(
        domain_order_id=domain_order_id,
        actor=actor,
        name="start",
        bound=lambda d: d.start,
        arguments={"at": now},
        fields=["started_at"],
        action=AuditAction.DOMAIN_ORDER_STARTED,
        at=now,
    )


def _children_closed_check(domain_order: DomainOrder) -> None:
    open_children = domain_order_open_children_count(domain_order_id=domain_order.pk)
    if open_children:
        raise DomainOrderChildrenOpen(
            f"{domain_order} has {open_children} open child domain order(s); "
            "children close before their parent.",
            open_children=open_children,
        )


def domain_order_close(*, domain_order_id: int, actor: Actor) -> DomainOrder:
    """Close an in-progress domain order whose children are all closed or canceled."""
    now = timezone.now()
    return _transition_apply(
        domain_order_id=domain_order_id,
        actor=actor,
        name="close",
        bound=lambda d: d.close,
        arguments={"at": now},
        fields=["completed_at"],
        action=AuditAction.DOMAIN_ORDER_CLOSED,
        check=_children_closed_check,
        at=now,
    )


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
