"""The audit events of one order service call, kept in order and written in one INSERT.

Steps of a service (capture, submit, enrichment, approval) record into an `AuditBuffer`
as they transition the order, its lines and its tasks in memory; the service writes the
rows, then calls `flush()` inside its transaction. Subjects are read for their pk at
flush, and `data` may be a function returning the dict, for values (such as task or line
ids) that exist only once the rows are written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import models

from ordermgmt.actor import Actor
from ordermgmt.audit import AuditEntry, audit_record_batch

AuditData = Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None


class AuditBuffer:
    """Audit events waiting for their subjects to be saved; `flush()` writes them."""

    def __init__(self) -> None:
        self._pending: list[tuple[models.Model, dict[str, Any], AuditData]] = []

    def __len__(self) -> int:
        return len(self._pending)

    def record(
        self,
        *,
        subject: models.Model,
        action: str,
        actor: Actor,
        from_state: str = "",
        to_state: str = "",
        reason: str = "",
        data: AuditData = None,
        at: datetime | None = None,
    ) -> None:
        """Keep one event on `subject` (as `audit_record` would write it)."""
        fields = {
            "action": action,
            "actor": actor,
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
            "at": at,
        }
        self._pending.append((subject, fields, data))

    def record_many(
        self,
        *,
        subjects: Sequence[models.Model],
        action: str,
        actor: Actor,
        from_states: Sequence[str] | None = None,
        to_state: str = "",
        reason: str = "",
        data: AuditData = None,
        at: datetime | None = None,
    ) -> None:
        """Keep the same event on many subjects (as `audit_record_many` would write it)."""
        if from_states is not None and len(from_states) != len(subjects):
            raise ValueError("from_states must give one state per subject.")
        for index, subject in enumerate(subjects):
            self.record(
                subject=subject,
                action=action,
                actor=actor,
                from_state=from_states[index] if from_states is not None else "",
                to_state=to_state,
                reason=reason,
                data=data,
                at=at,
            )

    def flush(self) -> list[int]:
        """Write every kept event in one INSERT, in the order recorded; empty the buffer.
        Returns the events' ids."""
        resolved: dict[int, dict[str, Any]] = {}
        entries = []
        for subject, fields, data in self._pending:
            if callable(data):
                # One call per function: a record_many shares one data dict.
                key = id(data)
                if key not in resolved:
                    resolved[key] = dict(data())
                payload = resolved[key]
            else:
                payload = dict(data) if data else None
            entries.append(AuditEntry(subject=subject, data=payload, **fields))
        self._pending = []
        return audit_record_batch(events=entries)
