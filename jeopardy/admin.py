"""Read-only admin of jeopardy alerts (the rules are the jeopardy_thresholds decision
table, maintained in the decisions admin)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from jeopardy.models import JeopardyAlert


@admin.register(JeopardyAlert)
class JeopardyAlertAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "task",
        "order",
        "level",
        "work_group",
        "created_at",
        "acknowledged_by",
        "acknowledged_at",
    )
    list_filter = ("level", "work_group")
    list_select_related = ("task", "order", "work_group", "acknowledged_by")
    search_fields = ("order__number", "task__code")
    raw_id_fields = ("task", "order")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
