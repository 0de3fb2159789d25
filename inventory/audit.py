"""Audit action names the inventory services write."""

from django.db import models


class AuditAction(models.TextChoices):
    ITEM_CREATED = "inventory_item.created", "Inventory item created"
    ITEM_ACTIVATED = "inventory_item.activated", "Inventory item activated"
    ITEM_SUSPENDED = "inventory_item.suspended", "Inventory item suspended"
    ITEM_RESUMED = "inventory_item.resumed", "Inventory item resumed"
    ITEM_CHANGE_BEGUN = "inventory_item.change_begun", "Inventory item change begun"
    ITEM_CHANGE_FINISHED = "inventory_item.change_finished", "Inventory item changed"
    ITEM_DISCONNECTED = "inventory_item.disconnected", "Inventory item disconnected"
    CONTRACT_CREATED = "contract.created", "Contract created"
    CONTRACT_TERMINATED = "contract.terminated", "Contract terminated"
    ENTITLEMENT_GRANTED = "entitlement.granted", "Entitlement granted"
    CONTRACT_REVISED = "contract.revised", "Contract revised"
    ENTITLEMENT_TERMINATED = "entitlement.terminated", "Entitlement terminated"
    ENTITLEMENT_SUSPENDED = "entitlement.suspended", "Entitlement suspended"
    ENTITLEMENT_RESUMED = "entitlement.resumed", "Entitlement resumed"
    ENTITLEMENT_REVISED = "entitlement.revised", "Entitlement revised"
