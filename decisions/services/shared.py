"""Steps every decisions service shares: the draft check, field updates, validation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

from decisions.exceptions import DecisionTableImmutable
from decisions.models import DecisionTable, DecisionTableState
from ordermgmt.exceptions import ValidationFailed


def require_draft(table: DecisionTable) -> None:
    """Refuse any change to a published or retired version."""
    if table.state != DecisionTableState.DRAFT:
        raise DecisionTableImmutable(
            f"{table.key} v{table.version} is {table.get_state_display().lower()} and "
            "can no longer change; make a new version to edit it.",
            table_id=table.pk,
            state=table.state,
        )


def fields_apply(instance: models.Model, **values: Any) -> list[str]:
    """Set the given (non-None) values that differ; return the names of changed fields."""
    changed = []
    for field, value in values.items():
        if value is not None and getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def table_touch(table: DecisionTable) -> None:
    """Bump updated_at: the table's last edit, whichever of its rows changed."""
    table.save(update_fields=["updated_at"])


def model_check(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's field validation and raise ValidationFailed with its messages."""
    try:
        instance.full_clean(
            exclude=exclude, validate_unique=False, validate_constraints=False
        )
    except DjangoValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
        messages = [message for found in errors.values() for message in found]
        raise ValidationFailed(" ".join(messages), errors=errors) from exc
