"""The lifecycle every versioned catalog item shares: edit, publish, retire, new version.

Lifecycle: draft -> published -> retired. Publishing a version retires the previously
published version of the same code in the same transaction. A published or retired
item is immutable except its display fields (`catalog.models.DISPLAY_FIELDS`); a change
makes a new draft version that copies the item's children.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django_fsm import can_proceed

from catalog.exceptions import DraftVersionExists
from catalog.models import DISPLAY_FIELDS, LifecycleStatus, VersionedCatalogItem
from catalog.selectors import versions_get_for_update
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import (
    ImmutableError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from ordermgmt.locking import lock_one

V = TypeVar("V", bound=VersionedCatalogItem)

# Fields the services themselves own: never changed through an edit.
LIFECYCLE_FIELDS: frozenset[str] = frozenset(
    {"lifecycle_status", "version", "published_at", "retired_at"}
)


def validation_failed_from(error: ValidationError) -> ValidationFailed:
    """Turn Django's model validation error into the domain's ValidationFailed."""
    errors = {
        field: [str(message) for message in messages]
        for field, messages in error.message_dict.items()
    }
    return ValidationFailed("Please correct the highlighted values.", errors=errors)


def item_clean(item: models.Model) -> None:
    """Run model validation; the FSM field is protected and validated by transitions."""
    try:
        item.full_clean(exclude=["lifecycle_status"])
    except ValidationError as exc:
        raise validation_failed_from(exc) from exc


def immutable_check(*, item: VersionedCatalogItem, fields: Collection[str]) -> None:
    """Refuse to change non-display fields of an item that is no longer a draft."""
    if item.is_draft:
        return
    locked = sorted(set(fields) - DISPLAY_FIELDS)
    if locked:
        raise ImmutableError(
            f"{item} is {item.lifecycle_status}: only "
            f"{', '.join(sorted(DISPLAY_FIELDS))} may change. Make a new version to "
            f"change {', '.join(locked)}.",
            fields=locked,
        )


def children_editable_check(*, item: VersionedCatalogItem, what: str) -> None:
    """Refuse to add, change or remove the children of a published or retired item."""
    if not item.is_draft:
        raise ImmutableError(
            f"{item} is {item.lifecycle_status}; its {what} cannot change. "
            "Make a new version first."
        )


def changes_apply(
    *, item: V, changes: Mapping[str, Any], editable_fields: frozenset[str]
) -> list[str]:
    """Set the changed fields on `item` after the immutability check; return their names."""
    unknown = sorted(set(changes) - editable_fields)
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be edited here: {', '.join(unknown)}.",
            errors={name: ["Cannot be edited here."] for name in unknown},
        )
    changed = [name for name, value in changes.items() if getattr(item, name) != value]
    immutable_check(item=item, fields=changed)
    for name in changed:
        setattr(item, name, changes[name])
    item_clean(item)
    return changed


def item_update(
    *,
    model: type[V],
    item_id: int,
    actor: Actor,
    changes: Mapping[str, Any],
    editable_fields: frozenset[str],
    action: str,
) -> V:
    """Lock, check immutability, apply, save and audit an edit of one item."""
    item = lock_one(model._default_manager.all(), pk=item_id, label=model.__name__)
    changed = changes_apply(item=item, changes=changes, editable_fields=editable_fields)
    if changed:
        item.save(update_fields=[*_attnames(model, changed), "updated_at"])
        audit_record(
            subject=item,
            action=action,
            actor=actor,
            data={"fields": changed},
        )
    return item


def _attnames(model: type[models.Model], names: list[str]) -> list[str]:
    return [model._meta.get_field(name).name for name in names]


def item_publish(
    *,
    model: type[V],
    item_id: int,
    actor: Actor,
    published_action: str,
    retired_action: str,
    ready_check: Callable[[V], None],
) -> V:
    """Publish a draft and retire the version of its code that was published before.

    Locks the draft and the published version of the code in ascending pk order.
    """
    code = model._default_manager.filter(pk=item_id).values_list("code", flat=True)
    locked = versions_get_for_update(
        model=model, code=code.first() or "", extra_pk=item_id
    )
    item = _pick(locked, item_id, model)
    if not can_proceed(item.publish):
        raise InvalidTransition(subject=item, transition="publish")
    ready_check(item)
    now = timezone.now()
    for previous in locked:
        if previous.pk != item.pk and previous.is_published:
            previous.retire(at=now)
            previous.save(
                update_fields=["lifecycle_status", "retired_at", "updated_at"]
            )
            audit_record(
                subject=previous,
                action=retired_action,
                actor=actor,
                from_state=LifecycleStatus.PUBLISHED,
                to_state=previous.lifecycle_status,
                reason=f"Superseded by version {item.version}.",
                data={"superseded_by_id": item.pk},
                at=now,
            )
    from_state = item.lifecycle_status
    item.publish(at=now)
    item.save(update_fields=["lifecycle_status", "published_at", "updated_at"])
    audit_record(
        subject=item,
        action=published_action,
        actor=actor,
        from_state=from_state,
        to_state=item.lifecycle_status,
        data={"code": item.code, "version": item.version},
        at=now,
    )
    return item


def _pick(locked: list[Any], item_id: int, model: type[V]) -> V:
    for candidate in locked:
        if candidate.pk == item_id:
            return candidate  # type: ignore[no-any-return]
    raise NotFound(f"{model._meta.verbose_name} {item_id} does not exist.")


def item_retire(
    *, model: type[V], item_id: int, actor: Actor, action: str, reason: str
) -> V:
    """Retire a published item: it stays readable but is no longer offered."""
    item = lock_one(model._default_manager.all(), pk=item_id, label=model.__name__)
    if not can_proceed(item.retire):
        raise InvalidTransition(subject=item, transition="retire")
    from_state = item.lifecycle_status
    item.retire(at=timezone.now())
    item.save(update_fields=["lifecycle_status", "retired_at", "updated_at"])
    audit_record(
        subject=item,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=item.lifecycle_status,
        reason=reason,
    )
    return item


def item_new_version_prepare(*, model: type[V], item_id: int) -> tuple[V, V]:
    """Lock the source and return it with an unsaved draft copy one version above all."""
    source = lock_one(model._default_manager.all(), pk=item_id, label=model.__name__)
    if source.is_draft:
        raise InvalidTransition(subject=source, transition="new_version")
    versions = model._default_manager.filter(code=source.code)
    if versions.filter(lifecycle_status=LifecycleStatus.DRAFT).exists():
        raise DraftVersionExists(
            f"{source.code} already has a draft version; edit or delete it first."
        )
    latest = versions.aggregate(latest=Max("version"))["latest"] or source.version
    copy_values = {
        field.attname: getattr(source, field.attname)
        for field in model._meta.concrete_fields
        if field.name not in LIFECYCLE_FIELDS | {"id", "created_at", "updated_at"}
    }
    draft = model(**copy_values, version=latest + 1)
    return source, draft
