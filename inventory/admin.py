"""Read-mostly admin for inventory items; state changes go through the services."""

from django.contrib import admin

from inventory.models import InventoryItem


@admin.register(InventoryItem)
class InventoryItemAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "account", "offering", "state", "quantity"]
    list_filter = ["state", "kind"]
    search_fields = ["number", "account__number", "account__name"]
    list_select_related = ["account", "offering"]
    raw_id_fields = ["account", "offering", "specification", "parent"]
    readonly_fields = [
        "number",
        "state",
        "activated_at",
        "suspended_at",
        "change_pending_at",
        "terminated_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False
