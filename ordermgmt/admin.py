from django.contrib import admin

from ordermgmt.models import AuditEvent, WorkGroup


@admin.register(WorkGroup)
class WorkGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "manager"]
    search_fields = ["code", "name"]
    filter_horizontal = ["members"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "action",
        "subject_type",
        "subject_id",
        "actor_label",
    ]
    list_filter = ["action", "subject_type"]
    search_fields = ["subject_id", "actor_label", "reason"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
