"""Admin of fallout types for process admins (new types through the service) and a
read-only view of fallout records: they change through the fallout workspace."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fallout.models import FalloutRecord, FalloutType
from fallout.services import fallout_type_create
from ordermgmt.actor import Actor


@admin.register(FalloutType)
class FalloutTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        # The code is what routing rules name: fixed once the type exists.
        return ("code",) if obj is not None else ()

    def save_model(
        self, request: HttpRequest, obj: FalloutType, form: Any, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = fallout_type_create(
            code=obj.code,
            name=obj.name,
            description=obj.description,
            actor=Actor.for_user(request.user),
        )
        obj.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FalloutRecord)
class FalloutRecordAdmin(admin.ModelAdmin):
    """Read-only: fallouts change through the fallout workspace's services."""

    list_display = (
        "number",
        "fallout_type",
        "state",
        "priority",
        "work_group",
        "assignee",
        "order",
        "error_code",
        "opened_at",
    )
    list_filter = ("state", "fallout_type", "work_group", "source")
    search_fields = ("number", "order__number", "error_code")
    list_select_related = ("fallout_type", "work_group", "assignee", "order")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in FalloutRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
