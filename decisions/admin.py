"""Decision table editor: drafts edited inline through the services, actions, try-it page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from decisions.conditions import output_format
from decisions.evaluator import decision_table_evaluate
from decisions.exceptions import DecisionOutputInvalid
from decisions.forms import (
    DecisionRowForm,
    DecisionTableForm,
    DecisionTryForm,
    cell_field_name,
    decision_row_form_class,
)
from decisions.models import (
    DecisionColumn,
    DecisionColumnDirection,
    DecisionHitPolicy,
    DecisionRow,
    DecisionTable,
)
from decisions.rules import table_problems
from decisions.selectors import decision_table_spec
from decisions.services import (
    decision_column_add,
    decision_column_change,
    decision_column_remove,
    decision_row_add,
    decision_row_change,
    decision_row_remove,
    decision_table_change,
    decision_table_create,
    decision_table_delete,
    decision_table_new_version,
    decision_table_publish,
    decision_table_retire,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError, ValidationFailed


def domain_error_text(exc: DomainError) -> str:
    """One line for the admin: the message, then the per-row or per-field reasons."""
    if not isinstance(exc, ValidationFailed) or not exc.errors:
        return exc.message
    reasons = "; ".join(
        f"{'table' if label == '__all__' else label}: {' '.join(found)}"
        for label, found in exc.errors.items()
    )
    return f"{exc.message} {reasons}"


def _editable(obj: DecisionTable | None) -> bool:
    return obj is None or obj.is_draft


def _columns(table: DecisionTable) -> list[DecisionColumn]:
    # "input" sorts before "output": conditions come first, as in the table
    return list(
        DecisionColumn.objects.filter(table=table).order_by(
            "direction", "position", "id"
        )
    )


def _cell_text(row: DecisionRow, column: DecisionColumn) -> str:
    if column.direction == DecisionColumnDirection.INPUT:
        return row.conditions.get(column.code, "-")
    if column.code not in row.outputs:
        return ""
    try:
        return output_format(row.outputs[column.code], column.data_type)
    except DecisionOutputInvalid:
        return str(row.outputs[column.code])


def decision_table_grid(table: DecisionTable) -> dict[str, Any]:
    """The table as header cells and row cells, for the change form and try-it page."""
    columns = _columns(table)
    rows = DecisionRow.objects.filter(table=table).order_by("position", "id")
    return {
        "columns": columns,
        "show_priority": table.hit_policy == DecisionHitPolicy.PRIORITY,
        "rows": [
            {
                "position": row.position,
                "priority": row.priority,
                "note": row.note,
                "cells": [_cell_text(row, column) for column in columns],
            }
            for row in rows
        ],
    }


class DecisionColumnInline(admin.TabularInline):
    model = DecisionColumn
    fields = ["direction", "code", "label", "data_type", "position"]
    ordering = ["direction", "position", "id"]
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_delete_permission(request, obj)


class DecisionRowInline(admin.TabularInline):
    model = DecisionRow
    form = DecisionRowForm
    ordering = ["position", "id"]
    extra = 1
    readonly_fields = ["rule"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_delete_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None or not self.has_change_permission(request, obj):
            return ["position", "priority", "rule", "note"]
        cells = [cell_field_name(column) for column in _columns(obj)]
        return ["position", "priority", *cells, "note"]

    def get_formset(
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        if obj is not None:
            kwargs["form"] = decision_row_form_class(_columns(obj))
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="Conditions → outputs")
    def rule(self, row: DecisionRow) -> str:
        # sorted: PostgreSQL's jsonb does not keep the keys in the order they were written
        conditions = ", ".join(
            f"{code}: {text}" for code, text in sorted(row.conditions.items())
        )
        outputs = ", ".join(
            f"{code} = {value}" for code, value in sorted(row.outputs.items())
        )
        return f"{conditions or 'always'} → {outputs or '(no outputs)'}"


@admin.register(DecisionTable)
class DecisionTableAdmin(admin.ModelAdmin):
    form = DecisionTableForm
    list_display = [
        "key",
        "version",
        "name",
        "purpose",
        "hit_policy",
        "state",
        "published_at",
        "updated_at",
    ]
    list_display_links = ["key", "version"]
    list_filter = ["state", "purpose", "hit_policy", "key"]
    search_fields = ["key", "name", "description"]
    ordering = ["key", "-version"]
    readonly_fields = [
        "version",
        "state",
        "published_at",
        "retired_at",
        "updated_at",
        "try_it",
        "grid",
    ]
    actions = ["publish", "retire", "new_version"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        main = ["key", "name", "purpose", "hit_policy", "description"]
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main}),
            (
                "Version",
                {
                    "fields": [
                        ("version", "state"),
                        ("published_at", "retired_at"),
                        "updated_at",
                        "try_it",
                    ]
                },
            ),
            ("The table", {"fields": ["grid"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(self.readonly_fields)
        return ["key", *self.readonly_fields]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type]:
        if obj is None:
            return [DecisionColumnInline]
        return [DecisionColumnInline, DecisionRowInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting goes one draft at a time
        return actions

    # --- read-only displays -----------------------------------------------------

    @admin.display(description="Try it")
    def try_it(self, obj: DecisionTable) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:decisions_decisiontable_try", args=[obj.pk])
        return format_html(
            '<a href="{}">Evaluate sample inputs on this version</a>', url
        )

    @admin.display(description="Rows")
    def grid(self, obj: DecisionTable) -> str:
        if obj.pk is None:
            return "-"
        grid = decision_table_grid(obj)
        header = format_html_join(
            "",
            "<th>{} {}<br><small>{}</small></th>",
            (
                (
                    "if" if c.direction == DecisionColumnDirection.INPUT else "then",
                    c.label or c.code,
                    c.data_type,
                )
                for c in grid["columns"]
            ),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td>{}</tr>",
            (
                (
                    row["position"],
                    row["priority"] if grid["show_priority"] else "",
                    format_html_join(
                        "", "<td>{}</td>", ((cell,) for cell in row["cells"])
                    ),
                )
                for row in grid["rows"]
            ),
        )
        return format_html(
            "<table><thead><tr><th>#</th><th>{}</th>{}</tr></thead><tbody>{}</tbody></table>",
            "priority" if grid["show_priority"] else "",
            header,
            body,
        )

    # --- writes go through the services -----------------------------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # the admin's own transaction has rolled back every write of this save
            self.message_user(request, domain_error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(
        self, request: HttpRequest, obj: DecisionTable, form: ModelForm, change: bool
    ) -> None:
        actor = Actor.for_user(request.user)
        data = form.cleaned_data
        if change:
            decision_table_change(
                table_id=obj.pk,
                actor=actor,
                name=data["name"],
                purpose=data["purpose"],
                hit_policy=data["hit_policy"],
                description=data["description"],
            )
            return
        table = decision_table_create(
            key=data["key"],
            name=data["name"],
            purpose=data["purpose"],
            hit_policy=data["hit_policy"],
            description=data["description"],
            actor=actor,
        )
        obj.pk = table.pk
        obj.created_at, obj.updated_at = table.created_at, table.updated_at
        obj._state.adding = False

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: Any, change: bool
    ) -> None:
        actor = Actor.for_user(request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        deleted = [f for f in formset.deleted_forms if f.instance.pk is not None]
        kept = [f for f in formset.forms if f not in formset.deleted_forms]
        for row_form in deleted:
            self._remove(formset.model, row_form.instance, actor)
            formset.deleted_objects.append(row_form.instance)
        for row_form in kept:
            if not row_form.has_changed():
                continue
            if row_form.instance.pk is None:
                formset.new_objects.append(
                    self._add(formset.model, formset.instance, row_form, actor)
                )
            else:
                self._change(formset.model, row_form, actor)
                formset.changed_objects.append(
                    (row_form.instance, row_form.changed_data)
                )

    def _remove(self, model: type, instance: Any, actor: Actor) -> None:
        if model is DecisionColumn:
            decision_column_remove(column_id=instance.pk, actor=actor)
        else:
            decision_row_remove(row_id=instance.pk, actor=actor)

    def _add(
        self, model: type, table: DecisionTable, row_form: Any, actor: Actor
    ) -> Any:
        data = row_form.cleaned_data
        if model is DecisionColumn:
            return decision_column_add(
                table_id=table.pk,
                direction=data["direction"],
                code=data["code"],
                label=data["label"],
                data_type=data["data_type"],
                position=data["position"],
                actor=actor,
            )
        conditions, outputs = row_form.cells()
        return decision_row_add(
            table_id=table.pk,
            conditions=conditions,
            outputs=outputs,
            position=data["position"],
            priority=data["priority"],
            note=data["note"],
            actor=actor,
        )

    def _change(self, model: type, row_form: Any, actor: Actor) -> None:
        data = row_form.cleaned_data
        if model is DecisionColumn:
            decision_column_change(
                column_id=row_form.instance.pk,
                code=data["code"],
                label=data["label"],
                data_type=data["data_type"],
                position=data["position"],
                actor=actor,
            )
            return
        conditions, outputs = row_form.cells()
        decision_row_change(
            row_id=row_form.instance.pk,
            conditions=conditions,
            outputs=outputs,
            position=data["position"],
            priority=data["priority"],
            note=data["note"],
            actor=actor,
        )

    def delete_model(self, request: HttpRequest, obj: DecisionTable) -> None:
        decision_table_delete(table_id=obj.pk, actor=Actor.for_user(request.user))

    # --- actions ----------------------------------------------------------------

    def _run_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[DecisionTable],
        service: Any,
        done: str,
    ) -> None:
        actor = Actor.for_user(request.user)
        for table in queryset.order_by("pk"):
            try:
                result = service(table_id=table.pk, actor=actor)
            except DomainError as exc:
                self.message_user(request, domain_error_text(exc), messages.ERROR)
                continue
            self.message_user(
                request, f"{done}: {result.key} v{result.version}.", messages.SUCCESS
            )

    @admin.action(description="Publish selected drafts", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[DecisionTable]) -> None:
        self._run_each(request, queryset, decision_table_publish, "Published")

    @admin.action(
        description="Retire selected published versions", permissions=["change"]
    )
    def retire(self, request: HttpRequest, queryset: QuerySet[DecisionTable]) -> None:
        self._run_each(request, queryset, decision_table_retire, "Retired")

    @admin.action(description="New draft version of selected", permissions=["change"])
    def new_version(
        self, request: HttpRequest, queryset: QuerySet[DecisionTable]
    ) -> None:
        self._run_each(request, queryset, decision_table_new_version, "New draft")

    # --- the try-it page --------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        try_url = path(
            "<path:object_id>/try/",
            self.admin_site.admin_view(self.try_view),
            name="decisions_decisiontable_try",
        )
        return [try_url, *super().get_urls()]

    def try_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Evaluate sample inputs against one version, draft included."""
        table = self.get_object(request, object_id)
        if table is None:
            raise Http404("No such decision table.")
        if not self.has_view_permission(request, table):
            raise PermissionDenied
        inputs = [
            c for c in _columns(table) if c.direction == DecisionColumnDirection.INPUT
        ]
        form = DecisionTryForm(inputs, request.POST or None)
        result = error = None
        if request.method == "POST" and form.is_valid():
            try:
                result = decision_table_evaluate(table=table, inputs=form.inputs())
            except DomainError as exc:
                error = domain_error_text(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": table,
            "title": f"Try {table}",
            "form": form,
            "result": result,
            "result_rows": _result_rows(table, result),
            "error": error,
            "grid": decision_table_grid(table),
            "problems": (
                table_problems(decision_table_spec(table=table))
                if table.is_draft
                else {}
            ),
        }
        return TemplateResponse(
            request, "admin/decisions/decisiontable/try.html", context
        )


def _result_rows(table: DecisionTable, result: Any) -> list[dict[str, Any]]:
    """Outputs of a result as one dict per matched row, for one template loop."""
    if result is None or not result.matched:
        return []
    outputs = result.outputs if isinstance(result.outputs, list) else [result.outputs]
    return [
        {"position": position, "outputs": sorted(values.items())}
        for position, values in zip(result.matched_rows, outputs, strict=True)
    ]
