"""audit_record(): the one way services write the audit trail, in their own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ordermgmt.actor import Actor
from ordermgmt.models import AuditEvent


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Make Decimal, dates and UUIDs JSON-safe the same way everywhere."""
    encoder = DjangoJSONEncoder()
    return {
        key: (
            value
            if isinstance(value, (str, int, float, bool, list, dict, type(None)))
            else encoder.default(value)
        )
        for key, value in data.items()
    }


def audit_record(
    *,
    subject: models.Model,
    action: str,
    actor: Actor,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Record one business event on `subject`; must run inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record() must run inside the service's transaction.")
    return AuditEvent.objects.create(
        subject_type=ContentType.objects.get_for_model(
            subject, for_concrete_model=False
        ),
        subject_id=str(subject.pk),
        action=str(action),
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        reason=reason,
        data=_plain(data or {}),
        occurred_at=at or timezone.now(),
    )


def audit_history(*, subject: models.Model) -> models.QuerySet[AuditEvent]:
    """Return the audit trail of one object, oldest first."""
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(
            subject, for_concrete_model=False
        ),
        subject_id=str(subject.pk),
    ).select_related("actor_user")


def audit_record_many(
    *,
    subjects: Sequence[models.Model],
    action: str,
    actor: Actor,
    from_states: Sequence[str] | None = None,
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> list[AuditEvent]:
    """Record the same business event on many objects (e.g. an order's lines) in one insert."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit_record_many() must run inside the service's transaction."
        )
    if from_states is not None and len(from_states) != len(subjects):
        raise ValueError("from_states must give one state per subject.")
    if not subjects:
        return []
    content_types = ContentType.objects.get_for_models(
        *subjects, for_concrete_models=False
    )
    when = at or timezone.now()
    payload = _plain(data or {})
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                subject_type=content_types[subject],
                subject_id=str(subject.pk),
                action=str(action),
                from_state=str(from_states[index]) if from_states is not None else "",
                to_state=str(to_state or ""),
                actor_user_id=actor.user_id,
                actor_label=actor.label,
                reason=reason,
                data=payload,
                occurred_at=when,
            )
            for index, subject in enumerate(subjects)
        ]
    )
