"""Set-based writes on an order's inventory items: create them pending, activate them.

Orchestration calls `inventory_items_create_for_order` when an order's domain orders exist
(one product item per product order, with its service and resource items beneath it) and
`inventory_items_activate` when those domain orders close. Both cost a fixed number of
queries whatever the number of items (one INSERT per tree level), and both are idempotent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django_fsm import can_proceed

from inventory.audit import AuditAction
from inventory.inputs import ItemInput, ItemKey
from inventory.models import (
    NUMBER_PREFIX,
    InventoryItem,
    InventoryItemState,
    inventory_item_number,
)
from inventory.rules import item_input_levels
from inventory.selectors import account_exists
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record_many
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.locking import lock_many
from ordermgmt.transactions import service_atomic
from ordermgmt.writes import rows_save_transitioned

# The SQL twin of `inventory_item_number`, so a whole level is numbered in one UPDATE.
_NUMBER_FROM_PK = Concat(
    Value(NUMBER_PREFIX),
    LPad(Cast(F("pk") + 1000, output_field=CharField()), 7, Value("0")),
    output_field=CharField(),
)


def _existing_items_by_domain_order(
    *, items: Sequence[ItemInput]
) -> dict[int, InventoryItem]:
    domain_order_ids = [
        item.source_domain_order_id
        for item in items
        if item.source_domain_order_id is not None
    ]
    if not domain_order_ids:
        return {}
    return {
        existing.source_domain_order_id: existing
        for existing in InventoryItem.objects.filter(
            source_domain_order_id__in=domain_order_ids
        )
    }


def _check_parent_items(*, items: Sequence[ItemInput], account_id: int) -> None:
    parent_ids = {item.parent_item_id for item in items if item.parent_item_id}
    if not parent_ids:
        return
    parents = InventoryItem.objects.in_bulk(parent_ids)
    errors = [
        f"Parent item {pk} does not exist." for pk in parent_ids if pk not in parents
    ] + [
        f"Parent item {parent.number} belongs to another account."
        for parent in parents.values()
        if parent.account_id != account_id
    ]
    if errors:
        raise ValidationFailed(
            "The inventory items cannot be created.", errors={"parent_item_id": errors}
        )


def _new_item(
    *,
    item: ItemInput,
    account_id: int,
    order_id: int,
    order_number: str,
    parent_id: int | None,
) -> InventoryItem:
    return InventoryItem(
        kind=item.kind,
        account_id=account_id,
        offering_id=item.offering_id,
        specification_id=item.specification_id,
        parent_id=parent_id,
        characteristics=dict(item.characteristics),
        quantity=item.quantity,
        source_order_id=order_id,
        source_line_id=item.source_line_id,
        source_domain_order_id=item.source_domain_order_id,
        order_number=order_number,
    )


def inventory_items_create_for_order(
    *,
    account_id: int,
    order_id: int,
    items: Sequence[ItemInput],
    actor: Actor,
    order_number: str = "",
) -> list[InventoryItem]:
    """Record the items an order will give its account, pending installation, as a tree.

    Returns one item per input, in input order. An input whose domain order already has
    an item gets that item back unchanged, so calling twice creates nothing new. Callers
    serialise calls for one order (they hold its lock); the unique domain order constraint
    is the backstop.
    """
    levels = item_input_levels(items)
    with service_atomic():
        if not account_exists(account_id=account_id):
            raise NotFound(f"Account {account_id} does not exist.")
        existing = _existing_items_by_domain_order(items=items)
        _check_parent_items(items=items, account_id=account_id)
        by_key: dict[ItemKey, InventoryItem] = {}
        created: list[InventoryItem] = []
        for level in levels:
            new_items: list[tuple[ItemKey, InventoryItem]] = []
            for position in level:
                item = items[position]
                if item.source_domain_order_id in existing:
                    by_key[item.key] = existing[item.source_domain_order_id]
                    continue
                if item.parent_key is not None:
                    parent_id: int | None = by_key[item.parent_key].pk
                else:
                    parent_id = item.parent_item_id
                new_items.append(
                    (
                        item.key,
                        _new_item(
                            item=item,
                            account_id=account_id,
                            order_id=order_id,
                            order_number=order_number,
                            parent_id=parent_id,
                        ),
                    )
                )
            InventoryItem.objects.bulk_create([new for _key, new in new_items])
            for key, new in new_items:
                by_key[key] = new
                created.append(new)
        _number_items(items=created)
        audit_record_many(
            subjects=created,
            action=AuditAction.ITEM_CREATED,
            actor=actor,
            to_state=InventoryItemState.INSTALLATION_PENDING,
            data={"order_id": order_id, "order_number": order_number},
        )
    return [by_key[item.key] for item in items]


def _number_items(*, items: Sequence[InventoryItem]) -> None:
    if not items:
        return
    InventoryItem.objects.filter(pk__in=[item.pk for item in items]).update(
        number=_NUMBER_FROM_PK
    )
    for item in items:
        item.number = inventory_item_number(pk=item.pk)


def _refuse_unless_activatable(*, items: Sequence[InventoryItem]) -> None:
    for item in items:
        if item.state == InventoryItemState.ACTIVE:
            continue
        if not (can_proceed(item.activate) or can_proceed(item.finish_change)):
            raise InvalidTransition(subject=item, transition="activate")


def inventory_items_activate(
    *,
    item_ids: Collection[int],
    actor: Actor,
    characteristics_by_item: Mapping[int, Mapping[str, Any]] | None = None,
    at: datetime | None = None,
) -> list[InventoryItem]:
    """Make items active with their final values: their installation or change is done.

    Items pending installation become active; items pending a change become active again
    with the change applied. `characteristics_by_item` replaces the values of the items it
    names. Items already active are left as they are, so a repeated call changes nothing;
    any other state refuses the whole set. Locks the items in ascending pk order.
    """
    at = at or timezone.now()
    final_values = characteristics_by_item or {}
    with service_atomic():
        items = lock_many(InventoryItem.objects.filter(pk__in=item_ids))
        missing = set(item_ids) - {item.pk for item in items}
        if missing:
            raise NotFound(f"Inventory items {sorted(missing)} do not exist.")
        _refuse_unless_activatable(items=items)
        installed = [item for item in items if can_proceed(item.activate)]
        changed = [item for item in items if can_proceed(item.finish_change)]
        from_states = [item.state for item in installed + changed]
        for item in installed:
            values = final_values.get(item.pk)
            item.activate(
                at=at, characteristics=None if values is None else dict(values)
            )
        for item in changed:
            values = final_values.get(item.pk, item.characteristics)
            item.finish_change(characteristics=dict(values), quantity=item.quantity)
        rows_save_transitioned(
            rows=installed + changed,
            from_states=from_states,
            fields=["state", "activated_at", "change_pending_at", "characteristics"],
            at=at,
        )
        audit_record_many(
            subjects=installed,
            action=AuditAction.ITEM_ACTIVATED,
            actor=actor,
            from_states=[InventoryItemState.INSTALLATION_PENDING] * len(installed),
            to_state=InventoryItemState.ACTIVE,
            at=at,
        )
        audit_record_many(
            subjects=changed,
            action=AuditAction.ITEM_CHANGE_FINISHED,
            actor=actor,
            from_states=[InventoryItemState.CHANGE_PENDING] * len(changed),
            to_state=InventoryItemState.ACTIVE,
            at=at,
        )
    return items
