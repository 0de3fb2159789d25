"""Insert new rows of one model in one statement, cheaply in Python.

`rows_insert(objs)` does what `Model.objects.bulk_create(objs)` does for the models the
order capture writes (order, lines, enrichment tasks): fields' `pre_save` (auto_now_add),
foreign keys taken from related objects saved meanwhile, primary keys set on the objects.
On PostgreSQL the rows travel as ONE jsonb parameter expanded by `jsonb_to_recordset`:
the database driver binds parameters in Python, so one parameter instead of one per
column (or an array per column) is what keeps an order's writes within the CPU budget of
POST productOrder (bench/capture_http.py). Elsewhere it is `bulk_create`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connection, models

from orders.selectors import prepared_cursor

_specs: dict[type[models.Model], _InsertSpec] = {}


@dataclass(frozen=True)
class _InsertSpec:
    sql: str
    # column, field, attribute name, how the value is read (see _JSON, _PRE_SAVE, _PLAIN)
    fields: tuple[tuple[str, models.Field, str, int], ...]


_PLAIN = 0  # the attribute, converted to a JSON value like get_db_prep_save would
_JSON = 1  # a JSONField: the attribute as it is (json.dumps refuses what Django would)
_PRE_SAVE = 2  # a field whose pre_save sets the value (auto_now, auto_now_add)


def _reading(field: models.Field) -> int:
    if isinstance(field, models.JSONField):
        return _JSON
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return _PRE_SAVE
    return _PLAIN


def _spec(model: type[models.Model]) -> _InsertSpec:
    spec = _specs.get(model)
    if spec is not None:
        return spec
    quote = connection.ops.quote_name
    fields = tuple(
        (field.column, field, field.attname, _reading(field))
        for field in model._meta.concrete_fields
        if not field.primary_key
    )
    columns = ", ".join(quote(column) for column, *_ in fields)
    record = ", ".join(
        f"{quote(column)} {field.db_type(connection)}" for column, field, *_ in fields
    )
    pk = model._meta.pk
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
        f"RETURNING {quote(pk.column)}"
    )
    spec = _specs[model] = _InsertSpec(sql=sql, fields=fields)
    return spec


def _plain(field: models.Field, value: Any) -> Any:
    # The common types pass as they are (str subclasses such as choices included);
    # anything else goes through the field's own conversion first.
    if value is None or isinstance(value, str):
        return value
    kind = type(value)
    if kind is int or kind is bool or kind is float:
        return value
    if kind is Decimal:
        return str(value)
    if kind is datetime:
        return value.isoformat()
    value = field.get_db_prep_save(value, connection)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"rows_insert cannot write a {type(value).__name__}.")


def rows_insert(objs: Sequence[models.Model]) -> None:
    """Insert new objects of one model in one statement and set their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    spec = _spec(model)
    rows = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError("rows_insert writes objects of one model at a time.")
        obj._prepare_related_fields_for_save(operation_name="rows_insert")
        values = obj.__dict__
        row = {}
        for column, field, attname, reading in spec.fields:
            if reading == _JSON:
                row[column] = field.get_prep_value(values[attname])
            elif reading == _PRE_SAVE:
                row[column] = _plain(field, field.pre_save(obj, add=True))
            else:
                row[column] = _plain(field, values[attname])
        rows.append(row)
    with prepared_cursor() as cursor:
        cursor.execute(spec.sql, [json.dumps(rows)])
        # Keys are drawn in the order the rows are inserted, which is the list's order.
        keys = sorted(row[0] for row in cursor.fetchall())
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
