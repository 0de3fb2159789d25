"""Reads of the decisions app: evaluation by key (the API other apps use) and row locks."""

from __future__ import annotations

from django.db.models import QuerySet

from decisions.evaluator import (
    DecisionResult,
    decision_evaluate,
    decision_published_compiled,
    decision_table_compiled,
    decision_table_evaluate,
    decision_table_spec,
)
from decisions.models import DecisionColumn, DecisionRow, DecisionTable
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_many, lock_one

__all__ = [
    "DecisionResult",
    "decision_column_get",
    "decision_evaluate",
    "decision_published_compiled",
    "decision_row_get",
    "decision_table_compiled",
    "decision_table_evaluate",
    "decision_table_get",
    "decision_table_get_for_update",
    "decision_table_spec",
    "decision_table_versions",
    "decision_tables_get_for_update",
]


def decision_table_get(*, table_id: int) -> DecisionTable:
    """Return one table version; raise NotFound."""
    try:
        return DecisionTable.objects.get(pk=table_id)
    except DecisionTable.DoesNotExist as exc:
        raise NotFound(f"Decision table {table_id} does not exist.") from exc


def decision_table_versions(*, key: str) -> QuerySet[DecisionTable]:
    """Return every version of the table `key`, newest first."""
    return DecisionTable.objects.filter(key=key).order_by("-version")


def decision_table_get_for_update(*, table_id: int) -> DecisionTable:
    """Lock one table version (the parent of its columns and rows) for a write."""
    return lock_one(DecisionTable.objects.all(), pk=table_id, label="Decision table")


def decision_tables_get_for_update(
    *, queryset: QuerySet[DecisionTable]
) -> list[DecisionTable]:
    """Lock several table versions in ascending pk order."""
    return lock_many(queryset)


def decision_column_get(*, column_id: int) -> DecisionColumn:
    """Return one column; raise NotFound."""
    try:
        return DecisionColumn.objects.get(pk=column_id)
    except DecisionColumn.DoesNotExist as exc:
        raise NotFound(f"Decision column {column_id} does not exist.") from exc


def decision_row_get(*, row_id: int) -> DecisionRow:
    """Return one row; raise NotFound."""
    try:
        return DecisionRow.objects.get(pk=row_id)
    except DecisionRow.DoesNotExist as exc:
        raise NotFound(f"Decision row {row_id} does not exist.") from exc
