"""What each customer owns: inventory items, and the contracts and entitlements it holds."""

from inventory.models.contracts import (
    CONTRACT_NUMBER_PREFIX,
    Contract,
    ContractState,
    Entitlement,
    EntitlementKind,
    EntitlementState,
    contract_number,
)
from inventory.models.items import (
    NUMBER_PREFIX,
    InventoryItem,
    InventoryItemKind,
    InventoryItemState,
    inventory_item_number,
)

__all__ = [
    "CONTRACT_NUMBER_PREFIX",
    "NUMBER_PREFIX",
    "Contract",
    "ContractState",
    "Entitlement",
    "EntitlementKind",
    "EntitlementState",
    "InventoryItem",
    "InventoryItemKind",
    "InventoryItemState",
    "contract_number",
    "inventory_item_number",
]
