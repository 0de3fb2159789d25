"""Admin of orchestration plans for process admins (task templates inline, dependencies
by task code, cycles refused) and a read-only view of order tasks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from orchestration.models import (
    FulfillmentRequest,
    OrderTask,
    OrderTaskDependency,
    OrderTaskNote,
    PlanTemplate,
    TaskTemplate,
    TaskType,
)
from orchestration.services import (
    plan_dependencies_check,
    plan_template_dependencies_set,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import CycleError, ValidationFailed


def _codes(text: str) -> list[str]:
    return list(dict.fromkeys(code.strip() for code in text.split(",") if code.strip()))


class TaskTemplateInlineForm(forms.ModelForm):
    depends_on_codes = forms.CharField(
        required=False,
        label="Depends on",
        help_text="Codes of tasks of this plan that must be done first, comma-separated.",
    )

    class Meta:
        model = TaskTemplate
        fields = (
            "position",
            "code",
            "name",
            "task_type",
            "adapter",
            "work_group",
            "sla_minutes",
            "is_ponr",
            "compensation",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["depends_on_codes"].initial = ", ".join(
                dep.depends_on.code
                for dep in self.instance.dependencies.select_related("depends_on")
            )

    def clean_depends_on_codes(self) -> list[str]:
        return _codes(self.cleaned_data.get("depends_on_codes") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        task_type = cleaned.get("task_type")
        adapter = cleaned.get("adapter")
        if task_type == TaskType.AUTOMATED and not adapter:
            self.add_error("adapter", "An automated task needs an adapter.")
        if task_type == TaskType.MANUAL and adapter:
            self.add_error("adapter", "A manual task has no adapter.")
        return cleaned


class TaskTemplateFormSet(forms.BaseInlineFormSet):
    """Checks the plan's whole dependency graph, new and changed tasks included."""

    dependency_codes: dict[str, list[str]]

    def clean(self) -> None:
        super().clean()
        graph: dict[str, list[str]] = {}
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None)
            if not cleaned or cleaned.get("DELETE") or not cleaned.get("code"):
                continue
            graph[cleaned["code"]] = cleaned.get("depends_on_codes") or []
        try:
            plan_dependencies_check(
                plan_code=self.instance.code or "new plan", dependencies=graph
            )
        except (CycleError, ValidationFailed) as exc:
            raise ValidationError(exc.message) from exc
        self.dependency_codes = graph


class TaskTemplateInline(admin.TabularInline):
    model = TaskTemplate
    fk_name = "plan"
    form = TaskTemplateInlineForm
    formset = TaskTemplateFormSet
    extra = 1
    ordering = ("position", "id")

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "compensation":
            # A compensation task belongs to the same plan.
            object_id = request.resolver_match.kwargs.get("object_id")  # type: ignore[union-attr]
            kwargs["queryset"] = TaskTemplate.objects.filter(plan_id=object_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "default_for_kind", "is_active", "task_count")
    list_filter = ("is_active", "default_for_kind")
    search_fields = ("code", "name")
    inlines = (TaskTemplateInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanTemplate]:
        return (
            super().get_queryset(request).annotate(task_total=Count("task_templates"))
        )

    @admin.display(description="Tasks", ordering="task_total")
    def task_count(self, plan: PlanTemplate) -> int:
        return plan.task_total  # type: ignore[attr-defined]

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        if isinstance(formset, TaskTemplateFormSet):
            plan_template_dependencies_set(
                plan_id=form.instance.pk,
                dependencies=formset.dependency_codes,
                actor=Actor.for_user(request.user),
            )


class OrderTaskDependencyInline(admin.TabularInline):
    model = OrderTaskDependency
    fk_name = "task"
    fields = ("depends_on", "kind")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderTaskNoteInline(admin.TabularInline):
    model = OrderTaskNote
    fields = ("created_at", "author_label", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OrderTask)
class OrderTaskAdmin(admin.ModelAdmin):
    """Read-only: tasks change through the engine, the queues and fallout."""

    list_display = (
        "id",
        "code",
        "order",
        "domain_order",
        "task_type",
        "state",
        "work_group",
        "due_at",
        "attempts",
        "last_error_code",
    )
    list_filter = ("state", "task_type", "adapter", "work_group")
    search_fields = ("code", "order__number", "domain_order__number")
    list_select_related = ("order", "domain_order", "work_group")
    inlines = (OrderTaskDependencyInline, OrderTaskNoteInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in OrderTask._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FulfillmentRequest)
class FulfillmentRequestAdmin(admin.ModelAdmin):
    """Read-only: acknowledged orders waiting for the pump, and the ones whose beginning
    was refused (with the error a person must fix; tried again at `retry_at`)."""

    list_display = ("order", "requested_at", "retry_at", "attempts", "last_error")
    search_fields = ("order__number",)
    list_select_related = ("order",)
    ordering = ("-attempts", "retry_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in FulfillmentRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
