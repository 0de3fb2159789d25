"""Order capture: a whole order in one call (`order_capture`, all channels), or a draft
to fill line by line; cancel a draft.

Every service locks the order first, then its lines in ascending pk, and writes the lines
and their audit events in one statement each, whatever the number of lines. A captured
order is built, checked, priced and submitted in memory and written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_fsm import can_proceed

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import AccountSuspended, DuplicateExternalId
from orders.models import (
    ORDER_NUMBER_PREFIX,
    Account,
    AccountState,
    CustomerOrder,
    CustomerOrderLine,
    LineState,
    OrderChannel,
    OrderPriority,
    display_number,
)
from orders.selectors import (
    account_get,
    order_get_for_update,
    order_lines_for_update,
    prepared_cursor,
)
from orders.services.audit_buffer import AuditBuffer
from orders.services.capture_input import LineInput
from orders.services.enrichment import enrichment_tasks_insert
from orders.services.line_checks import LineReferences
from orders.services.line_writes import lines_save_transitioned
from orders.services.order_checks import CheckedLine, LineCandidate, order_lines_check
from orders.services.pricing_link import draft_prices_set
from orders.services.row_writes import rows_insert
from orders.services.submission import order_submission_advance


def _requested_dates_check(
    requested_start_date: datetime | None, requested_completion_date: datetime | None
) -> None:
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


def _duplicate_external_id(
    *, account_id: int, external_id: str
) -> DuplicateExternalId | None:
    if (
        external_id
        and CustomerOrder.objects.filter(
            account_id=account_id, external_id=external_id
        ).exists()
    ):
        return DuplicateExternalId(
            f"Account {account_id} already has an order with external id "
            f"{external_id!r}.",
            external_id=external_id,
        )
    return None


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
    _requested_dates_check(requested_start_date, requested_completion_date)
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
        duplicate = _duplicate_external_id(
            account_id=account_id, external_id=external_id
        )
        if duplicate is not None:
            raise duplicate from exc
        raise
    return order


def _capture_input_check(*, channel: str, lines: Sequence[LineInput]) -> None:
    errors: dict[str, list[str]] = {}
    if channel not in OrderChannel.values:
        errors["channel"] = [f"Choose one of: {', '.join(OrderChannel.values)}."]
    if not lines:
        errors["lines"] = ["Add at least one line."]
    if errors:
        raise ValidationFailed("The order is not valid.", errors=errors)


def _lines_build(
    *, order: CustomerOrder, checked: list[CheckedLine], references: LineReferences
) -> list[CustomerOrderLine]:
    """The lines of a new order in memory, numbered, with their parent lines, offerings
    and inventory items set as objects (so nothing is read again to price or show them)."""
    lines: dict[str, CustomerOrderLine] = {}
    for number, line in enumerate(checked, start=1):
        row = CustomerOrderLine(
            order=order,
            line_number=number,
            item_ref=line.key,
            action=line.action,
            specification_id=line.specification_id,
            quantity=line.quantity,
            characteristics=line.characteristics,
            currency=order.currency,
            extra=line.extra,
        )
        if line.offering_id is not None:
            row.offering = references.offerings[line.offering_id]
        if line.inventory_item_id is not None:
            row.inventory_item = references.items[line.inventory_item_id]
        if line.parent_key:
            row.parent_line = lines[line.parent_key]
        lines[line.key] = row
    return list(lines.values())


def _order_insert(*, order: CustomerOrder) -> None:
    """Insert a new order, then give it its number, taken from its primary key (unique
    without a shared counter): two statements."""
    rows_insert([order])
    order._update_initial_state()
    order.number = display_number(prefix=ORDER_NUMBER_PREFIX, pk=order.pk)
    meta = CustomerOrder._meta
    quote = connection.ops.quote_name
    with prepared_cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {quote('number')} = %s "
            f"WHERE {quote(meta.pk.column)} = %s",
            [order.number, order.pk],
        )


def _lines_insert(*, lines: list[CustomerOrderLine]) -> None:
    """Insert new lines level by level, parents first, so children get parent ids: one
    statement per bundle level, whatever the number of lines."""
    done: set[int] = set()
    remaining = list(lines)
    while remaining:
        level = [
            line
            for line in remaining
            if line.parent_line is None or id(line.parent_line) in done
        ]
        rows_insert(level)
        done.update(id(line) for line in level)
        remaining = [line for line in remaining if id(line) not in done]
    for line in lines:
        # As save() does, so that a later transition and save see the inserted state.
        line._update_initial_state()


def order_capture(
    *,
    account_id: int,
    actor: Actor,
    channel: str,
    lines: Sequence[LineInput],
    external_id: str = "",
    description: str = "",
    priority: int = OrderPriority.NORMAL,
    requested_start_date: datetime | None = None,
    requested_completion_date: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
    submit: bool = True,
    account: Account | None = None,
) -> CustomerOrder:
    """Capture a whole order: check every line, expand bundles, price, and submit.

    One transaction and a fixed number of queries whatever the number of lines. Errors
    come keyed `lines.<ref>.<field>` / `lines.<ref>.characteristics.<code>`; nothing is
    written when any line is refused. With `submit`, enrichment and approval run too.
    `account` is the account row when the caller has just read it (one query less).
    """
    order, _ = order_capture_with_lines(
        account_id=account_id,
        actor=actor,
        channel=channel,
        lines=lines,
        external_id=external_id,
        description=description,
        priority=priority,
        requested_start_date=requested_start_date,
        requested_completion_date=requested_completion_date,
        extra=extra,
        submit=submit,
        account=account,
    )
    return order


def order_capture_with_lines(
    *,
    account_id: int,
    actor: Actor,
    channel: str,
    lines: Sequence[LineInput],
    external_id: str = "",
    description: str = "",
    priority: int = OrderPriority.NORMAL,
    requested_start_date: datetime | None = None,
    requested_completion_date: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
    submit: bool = True,
    account: Account | None = None,
    on_captured: Callable[[CustomerOrder, list[CustomerOrderLine]], None] | None = None,
) -> tuple[CustomerOrder, list[CustomerOrderLine]]:
    """`order_capture`, also returning the saved lines in line-number order (offering,
    inventory item and parent line loaded).

    The order is checked, priced, submitted, enriched and approved in memory, then
    written once in its final state: the order (one INSERT and the UPDATE of its number,
    taken from its primary key), its lines (one INSERT per bundle level), the enrichment
    tasks (one INSERT) and every audit event (one INSERT), in the order the steps
    happened. `on_captured(order, lines)` runs last inside the transaction (a channel's
    own write, such as an idempotency record).
    """
    _requested_dates_check(requested_start_date, requested_completion_date)
    _capture_input_check(channel=channel, lines=lines)
    if account is not None and account.pk != account_id:
        raise ValueError("account must be the row of account_id.")
    try:
        with transaction.atomic():
            if account is None:
                account = account_get(account_id=account_id)
            if account.state != AccountState.ACTIVE:
                raise AccountSuspended(f"Account {account} is suspended.")
            now = timezone.now()
            order = CustomerOrder(
                account=account,
                channel=channel,
                priority=priority,
                external_id=external_id,
                description=description,
                requested_start_date=requested_start_date,
                requested_completion_date=requested_completion_date,
                captured_by_id=actor.user_id,
                currency=account.currency,
                extra=dict(extra or {}),
            )
            checked, references = order_lines_check(
                order=order,
                candidates=[
                    LineCandidate(
                        key=line.ref,
                        action=line.action,
                        offering_id=line.offering_id,
                        quantity=line.quantity,
                        characteristics=line.characteristics,
                        inventory_item_id=line.inventory_item_id,
                        parent_key=line.parent_ref,
                        extra=line.extra,
                    )
                    for line in lines
                ],
                at=now,
                expand_bundles=True,
            )
            saved = _lines_build(order=order, checked=checked, references=references)
            draft_prices_set(order=order, lines=saved, at=now)
            audit = AuditBuffer()
            audit.record(
                subject=order,
                action=AuditAction.ORDER_CAPTURED,
                actor=actor,
                to_state=order.state,
                data={
                    "account_id": account.pk,
                    "channel": channel,
                    "lines": len(saved),
                    "external_id": external_id,
                },
                at=now,
            )
            audit.record_many(
                subjects=saved,
                action=AuditAction.LINE_ADDED,
                actor=actor,
                to_state=LineState.DRAFT,
                at=now,
            )
            outcome = None
            if submit:
                outcome = order_submission_advance(
                    order=order,
                    lines=saved,
                    actor=actor,
                    at=now,
                    references=references,
                    audit=audit,
                )
            _order_insert(order=order)
            _lines_insert(lines=saved)
            if outcome is not None:
                enrichment_tasks_insert(outcome=outcome)
            audit.flush()
            if on_captured is not None:
                on_captured(order, saved)
    except IntegrityError as exc:
        duplicate = _duplicate_external_id(
            account_id=account_id, external_id=external_id
        )
        if duplicate is not None:
            raise duplicate from exc
        raise
    return order, saved


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
