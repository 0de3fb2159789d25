"""Admin of price lists (with their lines), pricing matrices and price adjustments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from catalog.admin.base import DraftOnlyInline, VersionedItemAdmin
from catalog.models import (
    PriceAdjustment,
    PriceList,
    PriceListLine,
    PricingMatrix,
)
from catalog.services import (
    price_list_new_version,
    price_list_publish,
    price_list_retire,
    price_list_update,
)


class PriceListLineInlineForm(forms.ModelForm):
    class Meta:
        model = PriceListLine
        fields = (
            "offering",
            "charge_type",
            "amount",
            "recurring_period",
            "description",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("charge_type") == "recurring" and not cleaned.get(
            "recurring_period"
        ):
            raise ValidationError({"recurring_period": "A recurring charge needs one."})
        if cleaned.get("charge_type") == "one_time" and cleaned.get("recurring_period"):
            raise ValidationError({"recurring_period": "Leave empty for one-time."})
        return cleaned


class PriceListLineInline(DraftOnlyInline):
    model = PriceListLine
    form = PriceListLineInlineForm
    autocomplete_fields = ("offering",)


@admin.register(PriceList)
class PriceListAdmin(VersionedItemAdmin):
    update_service = price_list_update
    publish_service = price_list_publish
    retire_service = price_list_retire
    new_version_service = price_list_new_version
    id_argument = "price_list_id"
    list_display = (
        "code",
        "version",
        "name",
        "currency",
        "segment",
        "valid_from",
        "valid_to",
        "lifecycle_status",
    )
    list_filter = ("lifecycle_status", "currency", "segment")
    search_fields = ("code", "name")
    inlines = (PriceListLineInline,)


@admin.register(PricingMatrix)
class PricingMatrixAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "offering",
        "charge_type",
        "decision_table_key",
        "is_active",
    )
    list_filter = ("charge_type", "is_active")
    search_fields = ("code", "name", "decision_table_key", "offering__code")
    autocomplete_fields = ("offering",)


@admin.register(PriceAdjustment)
class PriceAdjustmentAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "decision_table_key",
        "priority",
        "valid_from",
        "valid_to",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "decision_table_key")
    autocomplete_fields = ("offering",)
