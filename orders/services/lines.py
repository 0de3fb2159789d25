"""Lines of a draft order: add, change, remove (bundle children go with their parent).

Lines change only while the order is a draft; each service locks the order first.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import NotFound
from orders.audit import AuditAction
from orders.exceptions import OrderNotEditable
from orders.models import CustomerOrder, CustomerOrderLine, CustomerOrderState
from orders.selectors import (
    order_get_for_update,
    order_line_get_for_update,
    order_lines_for_update,
)
from orders.services.line_checks import line_target


def require_draft(order: CustomerOrder, *, doing: str) -> None:
    """Refuse to edit the lines of an order that is no longer a draft."""
    if order.state != CustomerOrderState.DRAFT:
        raise OrderNotEditable(
            f"Order {order} is {order.get_state_display().lower()}; only a draft "
            f"can {doing}.",
            state=order.state,
        )


def _next_line_number(*, order: CustomerOrder) -> int:
    # The order row is locked, so no other caller numbers a line of it meanwhile.
    numbers = order.lines.values_list("line_number", flat=True).order_by("-line_number")
    return (numbers.first() or 0) + 1


def order_line_add(
    *,
    order_id: int,
    offering_id: int | None,
    quantity: int,
    characteristics: dict[str, Any],
    action: str,
    actor: Actor,
    inventory_item_id: int | None = None,
    parent_line_id: int | None = None,
) -> CustomerOrderLine:
    """Add a line to a draft order after checking offering, item and characteristic values."""
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        require_draft(order, doing="get new lines")
        if parent_line_id is not None:
            order_line_get_for_update(order_id=order.pk, line_id=parent_line_id)
        target = line_target(
            order=order,
            action=action,
            offering_id=offering_id,
            inventory_item_id=inventory_item_id,
            quantity=quantity,
            characteristics=characteristics,
            at=timezone.now(),
        )
        line = CustomerOrderLine.objects.create(
            order=order,
            parent_line_id=parent_line_id,
            line_number=_next_line_number(order=order),
            action=action,
            offering_id=target.offering_id,
            specification_id=target.specification_id,
            inventory_item_id=target.inventory_item_id,
            quantity=quantity,
            characteristics=target.characteristics,
            currency=order.currency,
        )
        audit_record(
            subject=order,
            action=AuditAction.ORDER_LINE_ADDED,
            actor=actor,
            data={
                "line_id": line.pk,
                "line_number": line.line_number,
                "action": action,
                "offering_id": target.offering_id,
                "inventory_item_id": target.inventory_item_id,
                "quantity": quantity,
            },
        )
    return line


def order_line_change(
    *,
    order_id: int,
    line_id: int,
    actor: Actor,
    quantity: int | None = None,
    characteristics: dict[str, Any] | None = None,
) -> CustomerOrderLine:
    """Change the quantity or characteristic values of a draft order's line."""
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        require_draft(order, doing="have its lines changed")
        line = order_line_get_for_update(order_id=order.pk, line_id=line_id)
        before = {"quantity": line.quantity, "characteristics": line.characteristics}
        new_quantity = line.quantity if quantity is None else quantity
        new_values = (
            line.characteristics if characteristics is None else characteristics
        )
        target = line_target(
            order=order,
            action=line.action,
            offering_id=line.offering_id,
            inventory_item_id=line.inventory_item_id,
            quantity=new_quantity,
            characteristics=new_values,
            at=timezone.now(),
        )
        line.quantity = new_quantity
        line.characteristics = target.characteristics
        line.save(update_fields=["quantity", "characteristics", "updated_at"])
        audit_record(
            subject=order,
            action=AuditAction.ORDER_LINE_CHANGED,
            actor=actor,
            data={
                "line_id": line.pk,
                "line_number": line.line_number,
                "before": before,
                "after": {
                    "quantity": line.quantity,
                    "characteristics": line.characteristics,
                },
            },
        )
    return line


def order_line_remove(*, order_id: int, line_id: int, actor: Actor) -> None:
    """Remove a line, and its bundle children, from a draft order."""
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        require_draft(order, doing="have lines removed")
        lines = {line.pk: line for line in order_lines_for_update(order_id=order.pk)}
        if line_id not in lines:
            raise NotFound(f"Order line {line_id} does not exist on order {order}.")
        removed = _with_descendants(line_id=line_id, lines=list(lines.values()))
        removed_numbers = sorted(lines[pk].line_number for pk in removed)
        CustomerOrderLine.objects.filter(pk__in=removed).delete()
        audit_record(
            subject=order,
            action=AuditAction.ORDER_LINE_REMOVED,
            actor=actor,
            data={"line_id": line_id, "line_numbers": removed_numbers},
        )


def _with_descendants(*, line_id: int, lines: list[CustomerOrderLine]) -> set[int]:
    found = {line_id}
    grew = True
    while grew:
        children = {line.pk for line in lines if line.parent_line_id in found}
        grew = not children <= found
        found |= children
    return found
