"""Table versions: create, change and delete drafts, publish, retire, copy to a new version."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from decisions.evaluator import decision_published_forget
from decisions.exceptions import (
    DecisionDraftExists,
    DecisionKeyTaken,
    DecisionTableInvalid,
)
from decisions.models import (
    DecisionAuditAction,
    DecisionColumn,
    DecisionHitPolicy,
    DecisionRow,
    DecisionTable,
    DecisionTablePurpose,
    DecisionTableState,
)
from decisions.rules import table_problems
from decisions.selectors import (
    decision_table_get,
    decision_table_get_for_update,
    decision_table_spec,
    decision_tables_get_for_update,
)
from decisions.services.shared import fields_apply, model_check, require_draft
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition, NotFound


def decision_table_create(
    *,
    key: str,
    name: str,
    actor: Actor,
    purpose: str = DecisionTablePurpose.OTHER,
    hit_policy: str = DecisionHitPolicy.FIRST,
    description: str = "",
) -> DecisionTable:
    """Start a new decision table `key` as draft version 1."""
    with transaction.atomic():
        if DecisionTable.objects.filter(key=key).exists():
            raise DecisionKeyTaken(
                f"A decision table {key} exists already; make a new version of it "
                "instead of a new table.",
                key=key,
            )
        table = DecisionTable(
            key=key,
            name=name,
            purpose=purpose,
            hit_policy=hit_policy,
            description=description,
            version=1,
        )
        model_check(table, exclude=["state"])
        table.save()
        audit_record(
            subject=table,
            action=DecisionAuditAction.TABLE_CREATED,
            actor=actor,
            to_state=table.state,
            data={"key": key, "version": table.version},
        )
    return table


def decision_table_change(
    *,
    table_id: int,
    actor: Actor,
    name: str | None = None,
    purpose: str | None = None,
    hit_policy: str | None = None,
    description: str | None = None,
) -> DecisionTable:
    """Change the name, purpose, hit policy or description of a draft."""
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        changes = fields_apply(
            table,
            name=name,
            purpose=purpose,
            hit_policy=hit_policy,
            description=description,
        )
        if not changes:
            return table
        model_check(table, exclude=["state"])
        table.save(update_fields=[*changes, "updated_at"])
        audit_record(
            subject=table,
            action=DecisionAuditAction.TABLE_CHANGED,
            actor=actor,
            data={"changed": changes},
        )
    return table


def decision_table_delete(*, table_id: int, actor: Actor) -> None:
    """Delete a draft version with its columns and rows."""
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        audit_record(
            subject=table,
            action=DecisionAuditAction.TABLE_DELETED,
            actor=actor,
            from_state=table.state,
            data={"key": table.key, "version": table.version},
        )
        table.delete()


def decision_table_publish(
    *, table_id: int, actor: Actor, reason: str = ""
) -> DecisionTable:
    """Publish a valid draft; the key's previously published version is retired.

    Locks every version of the key in ascending pk order: a filter on the published
    state alone would miss a version another transaction publishes meanwhile.
    """
    key = decision_table_get(table_id=table_id).key
    with transaction.atomic():
        locked = decision_tables_get_for_update(
            queryset=DecisionTable.objects.filter(key=key)
        )
        table = next((other for other in locked if other.pk == table_id), None)
        if table is None:
            raise NotFound(f"Decision table {table_id} does not exist.")
        if not can_proceed(table.publish):
            raise InvalidTransition(subject=table, transition="publish")
        problems = table_problems(decision_table_spec(table=table))
        if problems:
            count = sum(len(messages) for messages in problems.values())
            raise DecisionTableInvalid(
                f"Cannot publish {table.key} v{table.version}: "
                f"{count} problem{'s' if count != 1 else ''} to fix first.",
                errors=problems,
            )
        now = timezone.now()
        superseded = [
            other
            for other in locked
            if other.pk != table_id and other.state == DecisionTableState.PUBLISHED
        ]
        for previous in superseded:
            # retire first: the one-published-per-key constraint is checked per row
            _retire(
                previous,
                actor=actor,
                at=now,
                reason=reason or f"Superseded by version {table.version}.",
            )
        from_state = table.state
        table.publish(at=now)
        table.save(update_fields=["state", "published_at", "updated_at"])
        audit_record(
            subject=table,
            action=DecisionAuditAction.TABLE_PUBLISHED,
            actor=actor,
            from_state=from_state,
            to_state=table.state,
            reason=reason,
            data={
                "version": table.version,
                "superseded_versions": [other.version for other in superseded],
            },
            at=now,
        )
        transaction.on_commit(lambda: decision_published_forget(key=key))
    return table


def decision_table_retire(
    *, table_id: int, actor: Actor, reason: str = ""
) -> DecisionTable:
    """Retire the published version, leaving its key with no published version."""
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        _retire(table, actor=actor, at=timezone.now(), reason=reason)
        key = table.key
        transaction.on_commit(lambda: decision_published_forget(key=key))
    return table


def _retire(table: DecisionTable, *, actor: Actor, at: Any, reason: str) -> None:
    if not can_proceed(table.retire):
        raise InvalidTransition(subject=table, transition="retire")
    from_state = table.state
    table.retire(at=at)
    table.save(update_fields=["state", "retired_at", "updated_at"])
    audit_record(
        subject=table,
        action=DecisionAuditAction.TABLE_RETIRED,
        actor=actor,
        from_state=from_state,
        to_state=table.state,
        reason=reason,
        data={"version": table.version},
        at=at,
    )


def decision_table_new_version(*, table_id: int, actor: Actor) -> DecisionTable:
    """Copy a version, columns and rows, into a new draft numbered after the highest.

    Locks every version of the key in ascending pk order, so two copies cannot race.
    """
    key = decision_table_get(table_id=table_id).key
    with transaction.atomic():
        versions = decision_tables_get_for_update(
            queryset=DecisionTable.objects.filter(key=key)
        )
        source = next((v for v in versions if v.pk == table_id), None)
        if source is None:
            raise NotFound(f"Decision table {table_id} does not exist.")
        draft = next((v for v in versions if v.state == DecisionTableState.DRAFT), None)
        if draft is not None:
            raise DecisionDraftExists(
                f"{key} already has draft version {draft.version}; edit or delete it "
                "before starting another.",
                draft_id=draft.pk,
            )
        table = DecisionTable.objects.create(
            key=source.key,
            name=source.name,
            purpose=source.purpose,
            description=source.description,
            hit_policy=source.hit_policy,
            version=max(version.version for version in versions) + 1,
        )
        _copy_cells(source=source, target=table)
        audit_record(
            subject=table,
            action=DecisionAuditAction.VERSION_CREATED,
            actor=actor,
            to_state=table.state,
            data={
                "version": table.version,
                "copied_from_id": source.pk,
                "copied_from_version": source.version,
            },
        )
    return table


def _copy_cells(*, source: DecisionTable, target: DecisionTable) -> None:
    DecisionColumn.objects.bulk_create(
        DecisionColumn(
            table=target,
            direction=column.direction,
            code=column.code,
            label=column.label,
            data_type=column.data_type,
            position=column.position,
        )
        for column in DecisionColumn.objects.filter(table=source).order_by("pk")
    )
    DecisionRow.objects.bulk_create(
        DecisionRow(
            table=target,
            position=row.position,
            priority=row.priority,
            conditions=row.conditions,
            outputs=row.outputs,
            note=row.note,
        )
        for row in DecisionRow.objects.filter(table=source).order_by("pk")
    )
