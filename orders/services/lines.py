"""Lines of a draft order: add, change, remove (bundle children go with their parent).

Lines change only while the order is a draft; each service locks the order first, and
the draft is priced again after every change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import NotFound, ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import OrderNotEditable
from orders.models import CustomerOrder, CustomerOrderLine, CustomerOrderState
from orders.selectors import (
    order_get_for_update,
    order_line_get_for_update,
    order_lines_for_update,
)
from orders.services.line_checks import line_target
from orders.services.order_checks import CheckedLine, LineCandidate, order_lines_check
from orders.services.pricing_link import draft_reprice


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


def _reprice(*, order: CustomerOrder, at: datetime) -> list[CustomerOrderLine]:
    lines = order_lines_for_update(order_id=order.pk)
    draft_reprice(order=order, lines=lines, at=at)
    return lines


def _new_line_checked(
    *,
    order: CustomerOrder,
    key: str,
    action: str,
    offering_id: int | None,
    quantity: int,
    characteristics: dict[str, Any],
    inventory_item_id: int | None,
    at: datetime,
) -> list[CheckedLine]:
    """Check a new top-level line; a bundle brings its default children along."""
    try:
        checked, _ = order_lines_check(
            order=order,
            candidates=[
                LineCandidate(
                    key=key,
                    action=action,
                    offering_id=offering_id,
                    quantity=quantity,
                    characteristics=characteristics,
                    inventory_item_id=inventory_item_id,
                )
            ],
            at=at,
            expand_bundles=True,
            with_compatibility=False,
        )
    except ValidationFailed as exc:
        # The line itself answers with plain field names, as a form expects.
        prefix = f"lines.{key}."
        raise ValidationFailed(
            "The order line is not valid.",
            errors={
                name.removeprefix(prefix): messages
                for name, messages in exc.errors.items()
            },
        ) from exc
    return checked


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
    """Add a line to a draft order after checking offering, item and characteristic values.

    A bundle offering brings its mandatory and default children as child lines.
    """
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        require_draft(order, doing="get new lines")
        now = timezone.now()
        number = _next_line_number(order=order)
        if parent_line_id is not None:
            order_line_get_for_update(order_id=order.pk, line_id=parent_line_id)
            target = line_target(
                order=order,
                action=action,
                offering_id=offering_id,
                inventory_item_id=inventory_item_id,
                quantity=quantity,
                characteristics=characteristics,
                at=now,
                in_bundle=True,
            )
            checked = [
                CheckedLine(
                    key=str(number),
                    parent_key="",
                    action=action,
                    offering_id=target.offering_id,
                    specification_id=target.specification_id,
                    inventory_item_id=target.inventory_item_id,
                    quantity=quantity,
                    characteristics=target.characteristics,
                    extra={},
                )
            ]
        else:
            checked = _new_line_checked(
                order=order,
                key=str(number),
                action=action,
                offering_id=offering_id,
                quantity=quantity,
                characteristics=characteristics,
                inventory_item_id=inventory_item_id,
                at=now,
            )
        line, children = _lines_create(
            order=order,
            checked=checked,
            first_number=number,
            parent_line_id=parent_line_id,
        )
        audit_record(
            subject=order,
            action=AuditAction.ORDER_LINE_ADDED,
            actor=actor,
            data={
                "line_id": line.pk,
                "line_number": line.line_number,
                "action": action,
                "offering_id": line.offering_id,
                "inventory_item_id": line.inventory_item_id,
                "quantity": quantity,
                "bundle_children": [child.pk for child in children],
            },
            at=now,
        )
        repriced = {row.pk: row for row in _reprice(order=order, at=now)}
    return repriced[line.pk]


def _lines_create(
    *,
    order: CustomerOrder,
    checked: list[CheckedLine],
    first_number: int,
    parent_line_id: int | None,
) -> tuple[CustomerOrderLine, list[CustomerOrderLine]]:
    """Create the line and its bundle children (parents before children)."""
    created: dict[str, CustomerOrderLine] = {}
    for offset, item in enumerate(checked):
        parent = created.get(item.parent_key)
        created[item.key] = CustomerOrderLine.objects.create(
            order=order,
            parent_line_id=parent.pk if parent is not None else parent_line_id,
            line_number=first_number + offset,
            item_ref=item.key if offset == 0 else f"{first_number + offset}",
            action=item.action,
            offering_id=item.offering_id,
            specification_id=item.specification_id,
            inventory_item_id=item.inventory_item_id,
            quantity=item.quantity,
            characteristics=item.characteristics,
            currency=order.currency,
        )
    lines = list(created.values())
    return lines[0], lines[1:]


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
        now = timezone.now()
        target = line_target(
            order=order,
            action=line.action,
            offering_id=line.offering_id,
            inventory_item_id=line.inventory_item_id,
            quantity=new_quantity,
            characteristics=new_values,
            at=now,
            in_bundle=line.parent_line_id is not None,
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
            at=now,
        )
        repriced = {row.pk: row for row in _reprice(order=order, at=now)}
    return repriced[line.pk]


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
        now = timezone.now()
        audit_record(
            subject=order,
            action=AuditAction.ORDER_LINE_REMOVED,
            actor=actor,
            data={"line_id": line_id, "line_numbers": removed_numbers},
            at=now,
        )
        kept = [line for pk, line in lines.items() if pk not in removed]
        draft_reprice(order=order, lines=kept, at=now)


def _with_descendants(*, line_id: int, lines: list[CustomerOrderLine]) -> set[int]:
    found = {line_id}
    grew = True
    while grew:
        children = {line.pk for line in lines if line.parent_line_id in found}
        grew = not children <= found
        found |= children
    return found
