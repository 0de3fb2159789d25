"""Admin of product offerings (with their bundle children) and categories."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from catalog.admin.base import DraftOnlyInline, VersionedItemAdmin
from catalog.models import (
    Category,
    OfferingRelationship,
    ProductOffering,
)
from catalog.services import (
    offering_new_version,
    offering_publish,
    offering_relationship_cycle_check,
    offering_retire,
    offering_update,
)
from ordermgmt.exceptions import CycleError


class OfferingRelationshipFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.has_changed() or form.cleaned_data.get("DELETE"):
                continue
            child = form.cleaned_data.get("child")
            if child is None or self.instance.pk is None:
                continue
            try:
                offering_relationship_cycle_check(
                    parent_id=self.instance.pk, child_id=child.pk
                )
            except CycleError as exc:
                form.add_error("child", exc.message)


class OfferingRelationshipInline(DraftOnlyInline):
    model = OfferingRelationship
    fk_name = "parent"
    formset = OfferingRelationshipFormSet
    fields = (
        "child",
        "min_quantity",
        "default_quantity",
        "max_quantity",
        "is_mandatory",
        "position",
    )
    autocomplete_fields = ("child",)
    verbose_name = "child offering"
    verbose_name_plural = "child offerings (bundle)"


@admin.register(ProductOffering)
class ProductOfferingAdmin(VersionedItemAdmin):
    update_service = offering_update
    publish_service = offering_publish
    retire_service = offering_retire
    new_version_service = offering_new_version
    id_argument = "offering_id"
    list_display = (
        "code",
        "version",
        "name",
        "category",
        "is_sellable",
        "is_bundle",
        "lifecycle_status",
    )
    list_filter = ("lifecycle_status", "is_sellable", "is_bundle", "category")
    list_select_related = ("category",)
    search_fields = ("code", "name", "description", "product_specification__code")
    autocomplete_fields = ("product_specification", "category")
    inlines = (OfferingRelationshipInline,)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "position")
    search_fields = ("code", "name")
    list_filter = ("parent",)
