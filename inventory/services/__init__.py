"""Every write on inventory: items one by one, an order's items as a set, MACD moves of
item sets, contracts and the entitlements that follow their items.

Import services from here; the modules split them by sub-domain.
"""

from inventory.services.contracts import (
    contract_create_for_order,
    contract_terminate,
    contracts_create_for_orders,
)
from inventory.services.entitlements import (
    EntitlementRevision,
    entitlements_end_for_items,
    entitlements_resume_for_items,
    entitlements_revise_for_items,
    entitlements_suspend_for_items,
)
from inventory.services.item_sets import (
    inventory_items_change_begin,
    inventory_items_disconnect,
    inventory_items_resume,
    inventory_items_suspend,
)
from inventory.services.items import (
    inventory_item_activate,
    inventory_item_change_begin,
    inventory_item_change_finish,
    inventory_item_create_pending,
    inventory_item_disconnect,
    inventory_item_resume,
    inventory_item_suspend,
)
from inventory.services.order_items import (
    inventory_items_activate,
    inventory_items_create_for_order,
)

__all__ = [
    "EntitlementRevision",
    "entitlements_end_for_items",
    "entitlements_resume_for_items",
    "entitlements_revise_for_items",
    "entitlements_suspend_for_items",
    "inventory_items_change_begin",
    "inventory_items_disconnect",
    "inventory_items_resume",
    "inventory_items_suspend",
    "contract_create_for_order",
    "contract_terminate",
    "contracts_create_for_orders",
    "inventory_item_activate",
    "inventory_item_change_begin",
    "inventory_item_change_finish",
    "inventory_item_create_pending",
    "inventory_item_disconnect",
    "inventory_item_resume",
    "inventory_item_suspend",
    "inventory_items_activate",
    "inventory_items_create_for_order",
]
