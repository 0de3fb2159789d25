"""Shared admin pieces: lifecycle actions calling the services, read-only fields once
published (all but `DISPLAY_FIELDS`), and inlines that change only on drafts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from catalog.models import (
    DISPLAY_FIELDS,
    VersionedCatalogItem,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError

LIFECYCLE_READONLY_FIELDS = (
    "lifecycle_status",
    "version",
    "published_at",
    "retired_at",
)


def _form_changes(form: forms.ModelForm) -> dict[str, Any]:
    """The changed form values keyed as the update services expect (FKs by `_id`)."""
    changes: dict[str, Any] = {}
    for name in form.changed_data:
        field = form.instance._meta.get_field(name)
        value = form.cleaned_data[name]
        if field.is_relation:
            changes[field.attname] = value.pk if value is not None else None
        else:
            changes[name] = value
    return changes


def _parent_is_editable(obj: Model | None) -> bool:
    """Inlines of a published or retired item are read-only."""
    return obj is None or not isinstance(obj, VersionedCatalogItem) or obj.is_draft


class VersionedItemAdmin(admin.ModelAdmin):
    """Shared admin of specifications, offerings and price lists."""

    update_service: Any = None
    id_argument = ""
    publish_service: Any = None
    retire_service: Any = None
    new_version_service: Any = None
    actions = ["publish_selected", "retire_selected", "new_version_selected"]
    list_filter: tuple[str, ...] = ("lifecycle_status",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> tuple[str, ...]:
        if obj is not None and not obj.is_draft:  # type: ignore[attr-defined]
            names = [field.name for field in obj._meta.fields if field.editable]
            return tuple(name for name in names if name not in DISPLAY_FIELDS)
        return LIFECYCLE_READONLY_FIELDS

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Edits go through the update service: it refuses non-display changes of a
        # published item and writes the audit row.
        type(self).update_service(
            **{self.id_argument: obj.pk},
            actor=Actor.for_user(request.user),
            changes=_form_changes(form),
        )

    def _lifecycle_action(
        self, request: HttpRequest, queryset: QuerySet[Any], service: Any, verb: str
    ) -> None:
        actor = Actor.for_user(request.user)
        done = 0
        for item in queryset.order_by("pk"):
            try:
                service(**{self.id_argument: item.pk}, actor=actor)
            except DomainError as exc:
                self.message_user(request, f"{item}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} item(s).", messages.SUCCESS)

    @admin.action(description="Publish the selected drafts")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._lifecycle_action(
            request, queryset, type(self).publish_service, "Published"
        )

    @admin.action(description="Retire the selected published items")
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._lifecycle_action(request, queryset, type(self).retire_service, "Retired")

    @admin.action(description="Make a new draft version of the selected items")
    def new_version_selected(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> None:
        self._lifecycle_action(
            request,
            queryset,
            type(self).new_version_service,
            "Made a new version of",
        )


class DraftOnlyInline(admin.TabularInline):
    """An inline that can change only while its parent is a draft."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Model | None) -> bool:
        return _parent_is_editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return _parent_is_editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return _parent_is_editable(obj) and super().has_delete_permission(request, obj)
