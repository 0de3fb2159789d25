"""Admin of specifications, their characteristics, relationships and rules, and the
read-only tree view of a specification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from catalog.admin.base import DraftOnlyInline, VersionedItemAdmin
from catalog.models import (
    AttributeMappingRule,
    CharacteristicSpec,
    CharacteristicValueType,
    CompatibilityRule,
    Specification,
    SpecificationRelationship,
)
from catalog.rules import CharacteristicDefinition
from catalog.selectors import SpecificationTreeNode, specification_tree
from catalog.services import (
    specification_new_version,
    specification_publish,
    specification_relationship_cycle_check,
    specification_retire,
    specification_update,
)
from ordermgmt.exceptions import CycleError


class CharacteristicInline(DraftOnlyInline):
    model = CharacteristicSpec
    fk_name = "specification"
    fields = (
        "code",
        "name",
        "value_type",
        "parent",
        "allowed_values",
        "default_value",
        "is_mandatory",
        "is_customer_configurable",
        "min_value",
        "max_value",
        "unit",
        "position",
    )
    show_change_link = True

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "parent":
            # A child belongs under an object characteristic of the same specification.
            object_id = request.resolver_match.kwargs.get("object_id")  # type: ignore[union-attr]
            kwargs["queryset"] = CharacteristicSpec.objects.filter(
                specification_id=object_id,
                value_type=CharacteristicValueType.OBJECT,
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SpecificationRelationshipFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.has_changed() or form.cleaned_data.get("DELETE"):
                continue
            target = form.cleaned_data.get("target")
            if target is None or self.instance.pk is None:
                continue
            try:
                specification_relationship_cycle_check(
                    source_id=self.instance.pk, target_id=target.pk
                )
            except CycleError as exc:
                form.add_error("target", exc.message)


class SpecificationRelationshipInline(DraftOnlyInline):
    model = SpecificationRelationship
    fk_name = "source"
    formset = SpecificationRelationshipFormSet
    fields = (
        "relationship_type",
        "target",
        "min_quantity",
        "default_quantity",
        "max_quantity",
        "quantity_characteristic",
        "position",
    )
    autocomplete_fields = ("target",)
    verbose_name = "relationship to another specification"


class CompatibilityRuleInline(DraftOnlyInline):
    model = CompatibilityRule
    fk_name = "source"
    fields = (
        "kind",
        "target",
        "condition_characteristic",
        "condition_values",
        "message",
    )
    autocomplete_fields = ("target",)


class AttributeMappingRuleInline(DraftOnlyInline):
    model = AttributeMappingRule
    fk_name = "source"
    fields = (
        "kind",
        "target",
        "source_characteristic",
        "target_characteristic",
        "value",
        "decision_table_key",
        "message",
        "position",
    )
    autocomplete_fields = ("target",)


@admin.register(Specification)
class SpecificationAdmin(VersionedItemAdmin):
    update_service = specification_update
    publish_service = specification_publish
    retire_service = specification_retire
    new_version_service = specification_new_version
    id_argument = "specification_id"
    list_display = ("code", "version", "name", "kind", "lifecycle_status", "tree_link")
    list_filter = ("kind", "lifecycle_status")
    search_fields = ("code", "name", "description")
    fields = (
        "code",
        "name",
        "description",
        "kind",
        "version",
        "lifecycle_status",
        "published_at",
        "retired_at",
    )
    inlines = (
        CharacteristicInline,
        SpecificationRelationshipInline,
        CompatibilityRuleInline,
        AttributeMappingRuleInline,
    )

    @admin.display(description="Tree")
    def tree_link(self, obj: Specification) -> str:
        url = reverse("admin:catalog_specification_tree", args=[obj.pk])
        return format_html('<a href="{}">tree</a>', url)

    def get_urls(self) -> list[URLPattern]:
        tree = path(
            "<path:object_id>/tree/",
            self.admin_site.admin_view(self.tree_view),
            name="catalog_specification_tree",
        )
        return [tree, *super().get_urls()]

    def tree_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Show the specification with everything under it, read-only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        tree = specification_tree(specification_id=int(object_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": tree.specification,
            "title": f"Tree of {tree.specification}",
            "rows": specification_tree_rows(tree),
        }
        return TemplateResponse(
            request, "admin/catalog/specification/tree.html", context
        )


@dataclass(frozen=True)
class TreeRow:
    depth: int
    specification: Specification | None = None
    relationship: SpecificationRelationship | None = None
    characteristic: CharacteristicDefinition | None = None

    @property
    def indent_em(self) -> float:
        return self.depth * 1.5


def specification_tree_rows(
    node: SpecificationTreeNode,
    *,
    depth: int = 0,
    relationship: SpecificationRelationship | None = None,
) -> list[TreeRow]:
    """Flatten the tree into indented rows: the specification, its characteristics,
    then its related specifications."""
    rows = [
        TreeRow(
            depth=depth, specification=node.specification, relationship=relationship
        )
    ]
    rows += _characteristic_rows(node.characteristics, depth=depth + 1)
    for edge in node.relationships:
        rows += specification_tree_rows(
            edge.node, depth=depth + 1, relationship=edge.relationship
        )
    return rows


def _characteristic_rows(
    characteristics: tuple[CharacteristicDefinition, ...], *, depth: int
) -> list[TreeRow]:
    rows: list[TreeRow] = []
    for char in characteristics:
        rows.append(TreeRow(depth=depth, characteristic=char))
        rows += _characteristic_rows(char.children, depth=depth + 1)
    return rows


class ChildCharacteristicInline(DraftOnlyInline):
    model = CharacteristicSpec
    fk_name = "parent"
    fields = (
        "code",
        "name",
        "value_type",
        "allowed_values",
        "default_value",
        "is_mandatory",
        "is_customer_configurable",
        "min_value",
        "max_value",
        "unit",
        "position",
    )
    verbose_name = "child characteristic"
    verbose_name_plural = "child characteristics"

    def _parent_spec_editable(self, obj: CharacteristicSpec | None) -> bool:
        return obj is None or obj.specification.is_draft

    def has_add_permission(self, request: HttpRequest, obj: Any) -> bool:
        return self._parent_spec_editable(obj) and super().has_add_permission(
            request, obj
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_spec_editable(obj) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_spec_editable(obj) and super().has_delete_permission(
            request, obj
        )


@admin.register(CharacteristicSpec)
class CharacteristicSpecAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "value_type", "specification", "parent")
    list_filter = ("value_type", "is_mandatory", "is_customer_configurable")
    search_fields = ("code", "name", "specification__code")
    list_select_related = ("specification", "parent")
    autocomplete_fields = ("specification",)
    inlines = (ChildCharacteristicInline,)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editable = obj is None or obj.specification.is_draft
        return editable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editable = obj is None or obj.specification.is_draft
        return editable and super().has_delete_permission(request, obj)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        children = formset.save(commit=False)
        for child in children:
            child.specification_id = form.instance.specification_id
            child.save()
        for child in formset.deleted_objects:
            child.delete()


@admin.register(CompatibilityRule)
class CompatibilityRuleAdmin(admin.ModelAdmin):
    list_display = ("source", "kind", "target", "condition_characteristic")
    list_filter = ("kind",)
    search_fields = ("source__code", "target__code", "message")
    list_select_related = ("source", "target")
    autocomplete_fields = ("source", "target")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editable = obj is None or obj.source.is_draft
        return editable and super().has_change_permission(request, obj)


@admin.register(AttributeMappingRule)
class AttributeMappingRuleAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "kind",
        "target",
        "source_characteristic",
        "target_characteristic",
        "decision_table_key",
    )
    list_filter = ("kind",)
    search_fields = ("source__code", "target__code", "target_characteristic")
    list_select_related = ("source", "target")
    autocomplete_fields = ("source", "target")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editable = obj is None or obj.source.is_draft
        return editable and super().has_change_permission(request, obj)
