"""Order capture: open a draft, submit it, or cancel it while it is a draft.

Every service locks the order first, then its lines in ascending pk, and writes the lines
and their audit events in one statement each, whatever the number of lines.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import AccountSuspended, DuplicateExternalId
from orders.models import (
    ORDER_NUMBER_PREFIX,
    AccountState,
    CustomerOrder,
    LineState,
    OrderChannel,
    OrderPriority,
    display_number,
)
from orders.selectors import account_get, order_get_for_update, order_lines_for_update
from orders.services.line_checks import lines_revalidation_errors
from orders.services.line_writes import lines_save_transitioned


def order_draft_create(
    *,
    account_id: int,
    actor: Actor,
    channel: str = OrderChannel.AGENT,
    priority: int = OrderPriority.NORMAL,
    external_id: str = "",
    description: str = "",
    notes: str = "",
    requested_start_date: datetime | None = None,
    requested_completion_date: datetime | None = None,
) -> CustomerOrder:
    """Open a draft order for an active account, numbered ORD0001001 style."""
    if (
        requested_start_date is not None
        and requested_completion_date is not None
        and requested_completion_date < requested_start_date
    ):
        raise ValidationFailed(
            "The requested completion date is before the requested start date.",
            errors={
                "requested_completion_date": ["Must not be before the start date."]
            },
        )
    try:
        with transaction.atomic():
            account = account_get(account_id=account_id)
            if account.state != AccountState.ACTIVE:
                raise AccountSuspended(f"Account {account} is suspended.")
            order = CustomerOrder.objects.create(
                account=account,
                channel=channel,
                priority=priority,
                external_id=external_id,
                description=description,
                notes=notes,
                requested_start_date=requested_start_date,
                requested_completion_date=requested_completion_date,
                captured_by_id=actor.user_id,
                currency=account.currency,
            )
            # Numbered from its own primary key: unique without a shared counter.
            order.number = display_number(prefix=ORDER_NUMBER_PREFIX, pk=order.pk)
            order.save(update_fields=["number"])
            audit_record(
                subject=order,
                action=AuditAction.ORDER_DRAFT_CREATED,
                actor=actor,
                to_state=order.state,
                data={"account_id": account.pk, "channel": channel},
            )
    except IntegrityError as exc:
        if (
            external_id
            and CustomerOrder.objects.filter(
                account_id=account_id, external_id=external_id
            ).exists()
        ):
            raise DuplicateExternalId(
                f"Account {account_id} already has an order with external id "
                f"{external_id!r}.",
                external_id=external_id,
            ) from exc
        raise
    return order


def order_submit(*, order_id: int, actor: Actor) -> CustomerOrder:
    """Submit a draft order with at least one valid line; its lines are submitted too."""
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
        errors = lines_revalidation_errors(order=order, lines=lines, at=now)
        if errors:
            raise ValidationFailed(f"Order {order} has invalid lines.", errors=errors)
        from_state = order.state
        order.submit(at=now)
        order.save(update_fields=["state", "submitted_at", "updated_at"])
        audit_record(
            subject=order,
            action=AuditAction.ORDER_SUBMITTED,
            actor=actor,
            from_state=from_state,
            to_state=order.state,
            at=now,
        )
        lines_from = [line.state for line in lines]
        for line in lines:
            line.submit()
        lines_save_transitioned(
            lines=lines, from_states=lines_from, fields=["state"], at=now
        )
        audit_record_many(
            subjects=lines,
            action=AuditAction.LINE_SUBMITTED,
            actor=actor,
            from_states=lines_from,
            to_state=LineState.SUBMITTED,
            at=now,
        )
    return order


def order_draft_cancel(
    *, order_id: int, actor: Actor, reason: str = ""
) -> CustomerOrder:
    """Cancel a draft order and its lines; nothing was sent anywhere yet."""
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        if not can_proceed(order.cancel_draft):
            raise InvalidTransition(subject=order, transition="cancel_draft")
        lines = order_lines_for_update(order_id=order.pk)
        for line in lines:
            if not can_proceed(line.cancel_draft):
                raise InvalidTransition(subject=line, transition="cancel_draft")
        now = timezone.now()
        from_state = order.state
        order.cancel_draft(at=now, reason=reason)
        order.save(
            update_fields=["state", "canceled_at", "cancellation_reason", "updated_at"]
        )
        audit_record(
            subject=order,
            action=AuditAction.ORDER_DRAFT_CANCELED,
            actor=actor,
            from_state=from_state,
            to_state=order.state,
            reason=reason,
            at=now,
        )
        lines_from = [line.state for line in lines]
        for line in lines:
            line.cancel_draft(at=now)
        lines_save_transitioned(
            lines=lines, from_states=lines_from, fields=["state", "canceled_at"], at=now
        )
        audit_record_many(
            subjects=lines,
            action=AuditAction.LINE_CANCELED,
            actor=actor,
            from_states=lines_from,
            to_state=LineState.CANCELED,
            reason=reason,
            at=now,
        )
    return order
