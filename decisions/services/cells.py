"""Columns and rows of a draft: every cell is checked and stored in canonical form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import Max

from decisions.conditions import condition_format, condition_parse, output_to_json
from decisions.models import (
    DecisionAuditAction,
    DecisionColumn,
    DecisionColumnDirection,
    DecisionDataType,
    DecisionRow,
    DecisionTable,
)
from decisions.rules import row_cells_problems
from decisions.selectors import (
    decision_column_get,
    decision_row_get,
    decision_table_get_for_update,
)
from decisions.services.shared import (
    fields_apply,
    model_check,
    require_draft,
    table_touch,
)
from decisions.spec import ColumnSpec
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import ValidationFailed
from ordermgmt.locking import lock_many, lock_one

# --- Columns --------------------------------------------------------------------------


def decision_column_add(
    *,
    table_id: int,
    direction: str,
    code: str,
    actor: Actor,
    data_type: str = DecisionDataType.TEXT,
    label: str = "",
    position: int | None = None,
) -> DecisionColumn:
    """Add an input or output column to a draft."""
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        siblings = DecisionColumn.objects.filter(table=table, direction=direction)
        _require_free_code(siblings, code=code, direction=direction)
        if position is None:
            position = (siblings.aggregate(last=Max("position"))["last"] or 0) + 1
        column = DecisionColumn(
            table=table,
            direction=direction,
            code=code,
            label=label,
            data_type=data_type,
            position=position,
        )
        model_check(column, exclude=["table"])
        column.save()
        table_touch(table)
        audit_record(
            subject=table,
            action=DecisionAuditAction.COLUMN_ADDED,
            actor=actor,
            data={"direction": direction, "code": code, "data_type": data_type},
        )
    return column


def decision_column_change(
    *,
    column_id: int,
    actor: Actor,
    code: str | None = None,
    label: str | None = None,
    data_type: str | None = None,
    position: int | None = None,
) -> DecisionColumn:
    """Change a draft's column; a new code is carried into every row's cells.

    Locks the table, then the column, then the table's rows.
    """
    table_id = decision_column_get(column_id=column_id).table_id
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        column = lock_one(DecisionColumn.objects.all(), pk=column_id, label="Column")
        old_code = column.code
        if code is not None and code != old_code:
            _require_free_code(
                DecisionColumn.objects.filter(table=table, direction=column.direction),
                code=code,
                direction=column.direction,
            )
        changes = fields_apply(
            column, code=code, label=label, data_type=data_type, position=position
        )
        if not changes:
            return column
        model_check(column, exclude=["table"])
        column.save(update_fields=[*changes, "updated_at"])
        if "code" in changes:
            _rows_rename_cell(table, column=column, old_code=old_code)
        table_touch(table)
        audit_record(
            subject=table,
            action=DecisionAuditAction.COLUMN_CHANGED,
            actor=actor,
            data={"column": old_code, "changed": changes},
        )
    return column


def decision_column_remove(*, column_id: int, actor: Actor) -> None:
    """Remove a draft's column and its cell from every row.

    Locks the table, then the column, then the table's rows.
    """
    table_id = decision_column_get(column_id=column_id).table_id
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        column = lock_one(DecisionColumn.objects.all(), pk=column_id, label="Column")
        _rows_rename_cell(table, column=column, old_code=column.code, drop=True)
        audit_record(
            subject=table,
            action=DecisionAuditAction.COLUMN_REMOVED,
            actor=actor,
            data={"direction": column.direction, "code": column.code},
        )
        column.delete()
        table_touch(table)


def _require_free_code(
    siblings: models.QuerySet[DecisionColumn], *, code: str, direction: str
) -> None:
    if siblings.filter(code=code).exists():
        raise ValidationFailed(
            f"The table already has an {direction} column {code}.",
            errors={"code": [f"The table already has an {direction} column {code}."]},
        )


def _rows_rename_cell(
    table: DecisionTable, *, column: DecisionColumn, old_code: str, drop: bool = False
) -> None:
    field = (
        "conditions" if column.direction == DecisionColumnDirection.INPUT else "outputs"
    )
    for row in lock_many(DecisionRow.objects.filter(table=table)):
        cells = dict(getattr(row, field))
        if old_code not in cells:
            continue
        value = cells.pop(old_code)
        if not drop:
            cells[column.code] = value
        setattr(row, field, cells)
        row.save(update_fields=[field, "updated_at"])


# --- Rows -----------------------------------------------------------------------------


def decision_row_add(
    *,
    table_id: int,
    actor: Actor,
    conditions: Mapping[str, str] | None = None,
    outputs: Mapping[str, Any] | None = None,
    position: int | None = None,
    priority: int = 0,
    note: str = "",
) -> DecisionRow:
    """Add a rule to a draft; conditions are stored in their canonical text."""
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        inputs, output_columns = _column_specs(table)
        if position is None:
            last = DecisionRow.objects.filter(table=table).aggregate(
                last=Max("position")
            )
            position = (last["last"] or 0) + 1
        row = DecisionRow(
            table=table,
            position=position,
            priority=priority,
            conditions=_conditions_canonical(inputs, conditions or {}),
            outputs=_outputs_canonical(output_columns, outputs or {}),
            note=note,
        )
        model_check(row, exclude=["table"])
        row.save()
        table_touch(table)
        audit_record(
            subject=table,
            action=DecisionAuditAction.ROW_ADDED,
            actor=actor,
            data=_row_data(row),
        )
    return row


def decision_row_change(
    *,
    row_id: int,
    actor: Actor,
    conditions: Mapping[str, str] | None = None,
    outputs: Mapping[str, Any] | None = None,
    position: int | None = None,
    priority: int | None = None,
    note: str | None = None,
) -> DecisionRow:
    """Change a draft's rule; given conditions or outputs replace the old ones whole.

    Locks the table, then the row.
    """
    table_id = decision_row_get(row_id=row_id).table_id
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        row = lock_one(DecisionRow.objects.all(), pk=row_id, label="Row")
        inputs, output_columns = _column_specs(table)
        changes = fields_apply(
            row,
            conditions=(
                None
                if conditions is None
                else _conditions_canonical(inputs, conditions)
            ),
            outputs=(
                None if outputs is None else _outputs_canonical(output_columns, outputs)
            ),
            position=position,
            priority=priority,
            note=note,
        )
        if not changes:
            return row
        model_check(row, exclude=["table"])
        row.save(update_fields=[*changes, "updated_at"])
        table_touch(table)
        audit_record(
            subject=table,
            action=DecisionAuditAction.ROW_CHANGED,
            actor=actor,
            data={**_row_data(row), "changed": changes},
        )
    return row


def decision_row_remove(*, row_id: int, actor: Actor) -> None:
    """Remove a rule from a draft. Locks the table, then the row."""
    table_id = decision_row_get(row_id=row_id).table_id
    with transaction.atomic():
        table = decision_table_get_for_update(table_id=table_id)
        require_draft(table)
        row = lock_one(DecisionRow.objects.all(), pk=row_id, label="Row")
        audit_record(
            subject=table,
            action=DecisionAuditAction.ROW_REMOVED,
            actor=actor,
            data=_row_data(row),
        )
        row.delete()
        table_touch(table)


def _column_specs(
    table: DecisionTable,
) -> tuple[tuple[ColumnSpec, ...], tuple[ColumnSpec, ...]]:
    columns = list(
        DecisionColumn.objects.filter(table=table).order_by("position", "id")
    )
    return (
        tuple(
            ColumnSpec(code=c.code, data_type=c.data_type)
            for c in columns
            if c.direction == DecisionColumnDirection.INPUT
        ),
        tuple(
            ColumnSpec(code=c.code, data_type=c.data_type)
            for c in columns
            if c.direction == DecisionColumnDirection.OUTPUT
        ),
    )


def _conditions_canonical(
    inputs: tuple[ColumnSpec, ...], conditions: Mapping[str, str]
) -> dict[str, str]:
    """Check each condition cell and keep its canonical text; "any" cells are dropped."""
    _require_valid_cells(
        row_cells_problems(
            inputs=inputs, outputs=(), conditions=conditions, output_values={}
        )
    )
    types = {column.code: column.data_type for column in inputs}
    canonical = {}
    for code, text in conditions.items():
        condition = condition_parse(text, types[code], column=code)
        if not condition.is_any:
            canonical[code] = condition_format(condition, types[code])
    return canonical


def _outputs_canonical(
    outputs: tuple[ColumnSpec, ...], values: Mapping[str, Any]
) -> dict[str, Any]:
    _require_valid_cells(
        row_cells_problems(
            inputs=(), outputs=outputs, conditions={}, output_values=values
        )
    )
    types = {column.code: column.data_type for column in outputs}
    return {
        code: output_to_json(value, types[code], column=code)
        for code, value in values.items()
    }


def _require_valid_cells(problems: dict[str, list[str]]) -> None:
    if problems:
        messages = [message for found in problems.values() for message in found]
        raise ValidationFailed(" ".join(messages), errors=problems)


def _row_data(row: DecisionRow) -> dict[str, Any]:
    return {
        "row_id": row.pk,
        "position": row.position,
        "priority": row.priority,
        "conditions": row.conditions,
        "outputs": row.outputs,
    }
