"""Read-only admin for domain orders: what an order decomposed into, with filters.

Domain orders are written only by the decomposer and the transition services.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from decomposition.models import DomainOrder, DomainOrderDependency


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DependencyInline(_ReadOnly, admin.TabularInline):
    model = DomainOrderDependency
    fk_name = "domain_order"
    fields = ["depends_on", "relationship_type", "created_at"]
    readonly_fields = fields
    extra = 0
    verbose_name = "waits for"
    verbose_name_plural = "waits for (requires)"


class ChildInline(_ReadOnly, admin.TabularInline):
    model = DomainOrder
    fk_name = "parent"
    fields = ["number", "kind", "specification", "action", "sequence", "state"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = "children"

    def get_queryset(self, request: HttpRequest) -> QuerySet[DomainOrder]:
        return super().get_queryset(request).select_related("specification")


@admin.register(DomainOrder)
class DomainOrderAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "specification",
        "action",
        "sequence",
        "state",
        "order",
        "line",
        "created_at",
    ]
    list_filter = ["kind", "state", "action", "relationship_type"]
    search_fields = ["number", "order__number", "specification__code"]
    list_select_related = ["specification", "order", "line"]
    date_hierarchy = "created_at"
    inlines = [ChildInline, DependencyInline]
    fields = [
        "number",
        "kind",
        "order",
        "line",
        "parent",
        "specification",
        "inventory_item",
        "action",
        "relationship_type",
        "path",
        "sequence",
        "state",
        "interrupted_state",
        "characteristics",
        "missing_characteristics",
        "released_at",
        "scheduled_for",
        "started_at",
        "completed_at",
        "canceled_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("decomposition.view_domainorder")
