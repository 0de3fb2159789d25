"""Reads of inventory items, including the lock function services decide on."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory.models import InventoryItem
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_one


def inventory_item_get_for_update(*, item_id: int) -> InventoryItem:
    """Lock and return one inventory item; raise NotFound when it does not exist."""
    return lock_one(InventoryItem.objects.all(), pk=item_id, label="Inventory item")


def inventory_items_for_account(*, account_id: int) -> QuerySet[InventoryItem]:
    """Return the items one account owns, with their offering and specification."""
    return InventoryItem.objects.filter(account_id=account_id).select_related(
        "offering", "specification"
    )


def inventory_item_get(*, item_id: int) -> InventoryItem:
    """Return one inventory item; raise NotFound when it does not exist."""
    try:
        return InventoryItem.objects.get(pk=item_id)
    except InventoryItem.DoesNotExist as exc:
        raise NotFound(f"Inventory item {item_id} does not exist.") from exc
