"""Read-mostly admin for inventory items and read-only admin for contracts.

State changes go through the services (the contract admin's terminate action).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from inventory.models import Contract, Entitlement, InventoryItem
from inventory.selectors import contracts_for_item, inventory_item_tree
from inventory.services import contract_terminate
from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError


def _item_link(item: InventoryItem) -> SafeString:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:inventory_inventoryitem_change", args=[item.pk]),
        item,
    )


@admin.register(InventoryItem)
class InventoryItemAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "account", "offering", "state", "quantity"]
    list_filter = ["state", "kind"]
    search_fields = ["number", "account__number", "account__name", "order_number"]
    list_select_related = ["account", "offering"]
    raw_id_fields = ["account", "offering", "specification", "parent"]
    readonly_fields = [
        "number",
        "state",
        "activated_at",
        "suspended_at",
        "change_pending_at",
        "terminated_at",
        "order_number",
        "source_order_id",
        "source_line_id",
        "source_domain_order_id",
        "item_tree",
        "item_contracts",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Tree")
    def item_tree(self, obj: InventoryItem) -> SafeString:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li style="margin-left: {}em">{} · {} · {}</li>',
                (
                    (depth * 1.5, _item_link(item), item.get_kind_display(), item.state)
                    for depth, item in inventory_item_tree(item_id=obj.pk).walk()
                ),
            ),
        )

    @admin.display(description="Contracts")
    def item_contracts(self, obj: InventoryItem) -> SafeString | str:
        contracts = contracts_for_item(item_id=obj.pk)
        if not contracts:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:inventory_contract_change", args=[contract.pk]),
                    contract,
                    contract.get_state_display(),
                )
                for contract in contracts
            ),
        )


class EntitlementInline(admin.TabularInline):
    model = Entitlement
    fields = [
        "inventory_item",
        "kind",
        "name",
        "quantity",
        "state",
        "monthly_value",
        "one_time_value",
        "characteristics",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entitlement]:
        return super().get_queryset(request).select_related("inventory_item")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "account",
        "order_number",
        "state",
        "start_date",
        "end_date",
        "monthly_value",
        "currency",
    ]
    list_filter = ["state"]
    search_fields = ["number", "order_number", "account__number", "account__name"]
    list_select_related = ["account"]
    inlines = [EntitlementInline]
    actions = ["terminate_contracts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_terminate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("inventory.change_contract")

    @admin.action(description="Terminate selected contracts", permissions=["terminate"])
    def terminate_contracts(
        self, request: HttpRequest, queryset: QuerySet[Contract]
    ) -> None:
        actor = Actor.for_user(request.user)
        for contract in queryset.order_by("pk"):
            try:
                contract_terminate(
                    contract_id=contract.pk, actor=actor, reason="Terminated in admin"
                )
            except DomainError as error:
                self.message_user(request, error.message, level=messages.ERROR)
            else:
                self.message_user(request, f"{contract} terminated.")
