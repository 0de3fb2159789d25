"""Read-mostly admin for accounts and orders; state changes go through the services."""

from django.contrib import admin

from orders.models import (
    Account,
    AccountUser,
    Contact,
    CustomerOrder,
    CustomerOrderLine,
    EnrichmentTask,
)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "email", "phone", "role"]


class AccountUserInline(admin.TabularInline):
    model = AccountUser
    extra = 0
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]
    can_delete = False

    # Portal users are added by account_portal_user_add, which also grants permissions.
    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kind", "segment", "region", "state"]
    list_filter = ["kind", "segment", "state"]
    search_fields = ["number", "name"]
    readonly_fields = ["number", "state", "suspended_at", "created_at", "updated_at"]
    inlines = [ContactInline, AccountUserInline]


class CustomerOrderLineInline(admin.TabularInline):
    model = CustomerOrderLine
    extra = 0
    can_delete = False
    fields = [
        "line_number",
        "parent_line",
        "action",
        "offering",
        "inventory_item",
        "quantity",
        "characteristics",
        "state",
        "one_time_total",
        "recurring_total",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CustomerOrder)
class CustomerOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "account",
        "state",
        "channel",
        "priority",
        "submitted_at",
        "total_contract_value",
    ]
    list_filter = ["state", "channel", "priority"]
    search_fields = ["number", "external_id", "account__number", "account__name"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    inlines = [CustomerOrderLineInline]
    fields = [
        "number",
        "account",
        "state",
        "version",
        "priority",
        "channel",
        "external_id",
        "description",
        "notes",
        "requested_start_date",
        "requested_completion_date",
        "committed_date",
        "captured_by",
        "approved_by",
        "submitted_at",
        "approved_at",
        "rejected_at",
        "rejection_reason",
        "canceled_at",
        "cancellation_reason",
        "currency",
        "one_time_total",
        "monthly_recurring_total",
        "annual_total",
        "total_contract_value",
        "discount_percent",
        "discount_reason",
        "price_list_code",
        "priced_at",
        "price_frozen_at",
        "approval_status",
        "approval_reason",
        "approval_group",
        "extra",
    ]
    # Only free-text notes and the promised dates are edited here; the rest is workflow.
    readonly_fields = [
        name
        for name in fields
        if name not in {"description", "notes", "committed_date", "priority"}
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EnrichmentTask)
class EnrichmentTaskAdmin(admin.ModelAdmin):
    """Read-only: tasks are claimed and completed in the fulfillment workspace."""

    list_display = [
        "pk",
        "order",
        "line",
        "work_group",
        "state",
        "assignee",
        "created_at",
    ]
    list_filter = ["state", "work_group"]
    search_fields = ["order__number", "order__account__name"]
    list_select_related = ["order", "line", "work_group", "assignee"]
    readonly_fields = [
        "order",
        "line",
        "work_group",
        "state",
        "characteristics",
        "instructions",
        "assignee",
        "claimed_at",
        "completed_at",
        "data",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
