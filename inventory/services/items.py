"""Writes on one inventory item: create pending, activate, suspend, resume, change, disconnect.

Lifecycle (DESIGN.md section 3): installation_pending -> active <-> suspended;
active -> change_pending -> active; installation_pending / active / suspended -> inactive.
Orchestration calls these services when it fulfils order lines; each one locks the item,
checks the transition, saves and writes one AuditEvent in its own transaction.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from inventory.audit import AuditAction
from inventory.models import InventoryItem, InventoryItemKind, inventory_item_number
from inventory.selectors import account_exists, inventory_item_get_for_update
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.transactions import service_atomic


def inventory_item_create_pending(
    *,
    account_id: int,
    actor: Actor,
    kind: str = InventoryItemKind.PRODUCT,
    offering_id: int | None = None,
    specification_id: int | None = None,
    parent_id: int | None = None,
    characteristics: dict[str, Any] | None = None,
    quantity: int = 1,
) -> InventoryItem:
    """Record an item an account is about to own, waiting for its installation."""
    if quantity < 1:
        raise ValidationFailed(
            "Quantity must be at least 1.", errors={"quantity": ["Must be at least 1."]}
        )
    with service_atomic():
        if not account_exists(account_id=account_id):
            raise NotFound(f"Account {account_id} does not exist.")
        if parent_id is not None:
            parent = inventory_item_get_for_update(item_id=parent_id)
            if parent.account_id != account_id:
                raise ValidationFailed(
                    "The parent item belongs to another account.",
                    errors={"parent_id": ["Belongs to another account."]},
                )
        item = InventoryItem(
            kind=kind,
            account_id=account_id,
            offering_id=offering_id,
            specification_id=specification_id,
            parent_id=parent_id,
            characteristics=characteristics or {},
            quantity=quantity,
        )
        item.save()
        item.number = inventory_item_number(pk=item.pk)
        item.save(update_fields=["number"])
        audit_record(
            subject=item,
            action=AuditAction.ITEM_CREATED,
            actor=actor,
            to_state=item.state,
            data={"account_id": account_id, "kind": kind},
        )
    return item


def _item_transition(
    *,
    item_id: int,
    transition: str,
    fields: tuple[str, ...],
    action: str,
    actor: Actor,
    reason: str = "",
    timed: bool = True,
) -> InventoryItem:
    """Lock one item, refuse a transition its state forbids, apply it (with the time,
    when `timed`), save and audit."""
    with service_atomic():
        item = inventory_item_get_for_update(item_id=item_id)
        bound = getattr(item, transition)
        if not can_proceed(bound):
            raise InvalidTransition(subject=item, transition=transition)
        from_state = item.state
        if timed:
            bound(at=timezone.now())
        else:
            bound()
        item.save(update_fields=["state", *fields, "updated_at"])
        audit_record(
            subject=item,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=item.state,
            reason=reason,
        )
    return item


def inventory_item_activate(*, item_id: int, actor: Actor) -> InventoryItem:
    """Make an installed item active: the customer now owns it."""
    return _item_transition(
        item_id=item_id,
        transition="activate",
        fields=("activated_at",),
        action=AuditAction.ITEM_ACTIVATED,
        actor=actor,
    )


def inventory_item_suspend(
    *, item_id: int, actor: Actor, reason: str = ""
) -> InventoryItem:
    """Suspend an active item (barring the service, keeping the item)."""
    return _item_transition(
        item_id=item_id,
        transition="suspend",
        fields=("suspended_at",),
        action=AuditAction.ITEM_SUSPENDED,
        actor=actor,
        reason=reason,
    )


def inventory_item_resume(
    *, item_id: int, actor: Actor, reason: str = ""
) -> InventoryItem:
    """Resume a suspended item."""
    return _item_transition(
        item_id=item_id,
        transition="resume",
        fields=("suspended_at",),
        action=AuditAction.ITEM_RESUMED,
        actor=actor,
        reason=reason,
        timed=False,
    )


def inventory_item_change_begin(*, item_id: int, actor: Actor) -> InventoryItem:
    """Mark an active item as being changed by an order in flight."""
    return _item_transition(
        item_id=item_id,
        transition="begin_change",
        fields=("change_pending_at",),
        action=AuditAction.ITEM_CHANGE_BEGUN,
        actor=actor,
    )


def inventory_item_change_finish(
    *,
    item_id: int,
    actor: Actor,
    characteristics: dict[str, Any] | None = None,
    quantity: int | None = None,
) -> InventoryItem:
    """Apply a finished change to an item (new values, quantity) and make it active again."""
    if quantity is not None and quantity < 1:
        raise ValidationFailed(
            "Quantity must be at least 1.", errors={"quantity": ["Must be at least 1."]}
        )
    with service_atomic():
        item = inventory_item_get_for_update(item_id=item_id)
        if not can_proceed(item.finish_change):
            raise InvalidTransition(subject=item, transition="finish_change")
        from_state = item.state
        before = {"characteristics": item.characteristics, "quantity": item.quantity}
        item.finish_change(
            characteristics=(
                item.characteristics if characteristics is None else characteristics
            ),
            quantity=item.quantity if quantity is None else quantity,
        )
        item.save(
            update_fields=[
                "state",
                "characteristics",
                "quantity",
                "change_pending_at",
                "updated_at",
            ]
        )
        audit_record(
            subject=item,
            action=AuditAction.ITEM_CHANGE_FINISHED,
            actor=actor,
            from_state=from_state,
            to_state=item.state,
            data={
                "before": before,
                "after": {
                    "characteristics": item.characteristics,
                    "quantity": item.quantity,
                },
            },
        )
    return item


def inventory_item_disconnect(
    *, item_id: int, actor: Actor, reason: str = ""
) -> InventoryItem:
    """Disconnect an item: the account no longer owns it (kept for history)."""
    return _item_transition(
        item_id=item_id,
        transition="disconnect",
        fields=("terminated_at",),
        action=AuditAction.ITEM_DISCONNECTED,
        actor=actor,
        reason=reason,
    )
