"""Read-only admin of what the TMF edge keeps: queued order requests, idempotency keys."""

from django.contrib import admin

from tmf.models import IdempotencyRecord, ProductOrderRequest


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProductOrderRequest)
class ProductOrderRequestAdmin(_ReadOnlyAdmin):
    list_display = [
        "public_id",
        "state",
        "account",
        "external_id",
        "order",
        "created_at",
    ]
    list_filter = ["state"]
    search_fields = ["public_id", "external_id", "account__number"]
    list_select_related = ["account", "order"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(_ReadOnlyAdmin):
    list_display = [
        "key",
        "user",
        "status_code",
        "order",
        "order_request",
        "created_at",
    ]
    search_fields = ["key", "user__username"]
    list_select_related = ["user", "order", "order_request"]
