"""audit_record(): the one way services write the audit trail, in their own transaction."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
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


# Events held by `audit_batched()` until its block ends; None outside such a block.
_PENDING: ContextVar[list[AuditEvent] | None] = ContextVar(
    "ordermgmt_audit_pending", default=None
)


@contextmanager
def audit_batched() -> Iterator[None]:
    """Inside a service's transaction, hold the events recorded in the block and write
    them in one insert when the block ends without an error (none when it fails, as the
    transaction rolls back). For hot paths whose code catches no error inside the block
    (the task engine); a nested block joins the outer one."""
    if _PENDING.get() is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_batched() must run inside the service's transaction.")
    pending: list[AuditEvent] = []
    token = _PENDING.set(pending)
    try:
        yield
    finally:
        _PENDING.reset(token)
    _pending_write(pending)


def _pending_write(pending: list[AuditEvent]) -> None:
    if pending:
        AuditEvent.objects.bulk_create(pending)
        pending.clear()


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
    event = AuditEvent(
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
    pending = _PENDING.get()
    if pending is not None:
        pending.append(event)
    else:
        event.save(force_insert=True)
    return event


def audit_history(*, subject: models.Model) -> models.QuerySet[AuditEvent]:
    """Return the audit trail of one object, oldest first."""
    pending = _PENDING.get()
    if pending is not None:
        _pending_write(pending)
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
    events = [
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
    pending = _PENDING.get()
    if pending is not None:
        pending.extend(events)
        return events
    return AuditEvent.objects.bulk_create(events)


@dataclass(frozen=True)
class AuditEntry:
    """One event for `audit_record_batch`; the subject's pk is read when it is written, so
    an entry may name an object that is saved later in the same transaction."""

    subject: models.Model
    action: str
    actor: Actor
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    data: dict[str, Any] | None = None
    at: datetime | None = None


def audit_record_batch(*, events: Sequence[AuditEntry]) -> list[int]:
    """Record several business events, on any subjects and with any actions, in one
    insert and in the given order; must run inside the service's transaction. Returns
    the new events' ids.

    On PostgreSQL the rows travel as one jsonb parameter (the driver binds parameters
    in Python, and an order's capture writes a score of events per request).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit_record_batch() must run inside the service's transaction."
        )
    if not events:
        return []
    pending = _PENDING.get()
    if pending is not None:
        # Written first, so the trail keeps the order the events happened in.
        _pending_write(pending)
    content_type_for = ContentType.objects.get_for_model
    now = timezone.now()
    rows = []
    for event in events:
        if event.subject.pk is None:
            raise ValueError(f"Save {event.subject!r} before recording its events.")
        rows.append(
            {
                "subject_type_id": content_type_for(
                    event.subject, for_concrete_model=False
                ).pk,
                "subject_id": str(event.subject.pk),
                "action": str(event.action),
                "from_state": str(event.from_state or ""),
                "to_state": str(event.to_state or ""),
                "actor_user_id": event.actor.user_id,
                "actor_label": event.actor.label,
                "reason": event.reason,
                "data": _plain(event.data or {}),
                "occurred_at": event.at or now,
            }
        )
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return [
            event.pk
            for event in AuditEvent.objects.bulk_create(
                [AuditEvent(**row) for row in rows]
            )
        ]
    for row in rows:
        row["occurred_at"] = row["occurred_at"].isoformat()
    with _prepared_cursor(connection) as cursor:
        cursor.execute(_batch_insert_sql(connection.vendor), [json.dumps(rows)])
        # Ids are drawn in insertion order, which is the order of `events`.
        return sorted(row[0] for row in cursor.fetchall())


class _PreparingCursor(psycopg.Cursor):
    # Binds on the server and prepares on first use: the statement text never changes.
    # (The same as orders.selectors.prepared_cursor, which the kernel cannot import.)
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        result = super().execute(query, params, prepare=True)
        # What Django's query log reads; psycopg leaves it unset for a prepared one.
        self._query = _LoggedQuery(self.connection, query, params)
        return result


class _LoggedQuery:
    __slots__ = ("_connection", "_params", "_sql")

    def __init__(self, connection: Any, sql: str, params: Any) -> None:
        self._connection = connection
        self._sql = sql
        self._params = params

    @property
    def query(self) -> bytes:
        text = psycopg.ClientCursor(self._connection).mogrify(self._sql, self._params)
        return text.encode()


def _prepared_cursor(connection: Any) -> Any:
    """A cursor whose statements PostgreSQL parses and plans once per connection when
    the connection has a prepare_threshold (settings), else Django's cursor."""
    connection.ensure_connection()
    if getattr(connection.connection, "prepare_threshold", None) is None:
        return connection.cursor()
    return connection._prepare_cursor(_PreparingCursor(connection.connection))


@functools.cache
def _batch_insert_sql(vendor: str) -> str:
    # Built once per database vendor (PostgreSQL only calls it).
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    record = ", ".join(
        f"{quote(field.column)} {field.db_type(connection)}" for field in fields
    )
    return (
        f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
        f"RETURNING {quote(AuditEvent._meta.pk.column)}"
    )
