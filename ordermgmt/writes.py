"""Save many rows after one transition each, in one UPDATE guarded by their read states.

A set-based write skips `Model.save()`, so two things `save()` does are done here:
`auto_now` (updated_at is set explicitly) and the state guard of django-fsm's
`ConcurrentTransitionMixin`: the UPDATE only matches rows still in the state they were read
in, and fewer matched rows raise `ConcurrentTransition` as a row's own `save()` would.

On PostgreSQL the rows are written with one `UPDATE … FROM (VALUES …)` that carries each
row's values and read state; Django's `bulk_update` builds a CASE per field and row, whose
cost in Python grows with the batch and dominated the task engine's batches (ADR 0018).
Other databases use `bulk_update` with the guard as a filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Q
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin

R = TypeVar("R", bound=ConcurrentTransitionMixin)


def _still_in_read_states(*, rows: Sequence[R], from_states: Sequence[str]) -> Q:
    # One condition per distinct source state (few), not per row.
    pks_by_state: dict[str, list[int]] = defaultdict(list)
    for row, from_state in zip(rows, from_states, strict=True):
        pks_by_state[from_state].append(row.pk)
    return reduce(
        or_,
        (Q(state=state, pk__in=pks) for state, pks in sorted(pks_by_state.items())),
    )


def rows_save_transitioned(
    *,
    rows: Sequence[R],
    from_states: Sequence[str],
    fields: Sequence[str],
    at: datetime,
) -> None:
    """Save rows of one model that each went through a transition, in one UPDATE.

    `from_states` gives each row's state before its transition (its current state for a
    write that changes no state); `fields` the fields the transitions set (with
    "state"); `at` becomes updated_at. Lock the rows first.
    """
    if not rows:
        return
    model = type(rows[0])
    for row in rows:
        row.updated_at = at
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        updated = _values_update(
            connection=connection,
            rows=rows,
            from_states=from_states,
            fields=[*fields, "updated_at"],
        )
    else:
        updated = model._default_manager.filter(
            _still_in_read_states(rows=rows, from_states=from_states)
        ).bulk_update(rows, fields=[*fields, "updated_at"])
    if updated != len(rows):
        raise ConcurrentTransition(
            f"Cannot save {model._meta.verbose_name_plural}! "
            "A row's state has changed since it was read."
        )
    for row in rows:
        # What save() does after writing, so the row may be transitioned and saved again.
        row._update_initial_state()


def _values_update(
    *,
    connection: Any,
    rows: Sequence[R],
    from_states: Sequence[str],
    fields: Sequence[str],
) -> int:
    meta = type(rows[0])._meta
    quote = connection.ops.quote_name
    pk = meta.pk
    state = meta.get_field("state")
    columns = [meta.get_field(name) for name in dict.fromkeys(fields)]
    casts = [pk.cast_db_type(connection), state.cast_db_type(connection)] + [
        field.cast_db_type(connection) for field in columns
    ]
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    params: list[Any] = []
    for row, from_state in zip(rows, from_states, strict=True):
        params.append(pk.get_db_prep_value(row.pk, connection))
        params.append(from_state)
        params.extend(
            field.get_db_prep_save(getattr(row, field.attname), connection)
            for field in columns
        )
    names = ["_pk", "_from_state"] + [f"_v{i}" for i in range(len(columns))]
    assignments = ", ".join(
        f"{quote(field.column)} = v._v{i}" for i, field in enumerate(columns)
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
        f"FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v({', '.join(names)}) "
        f"WHERE t.{quote(pk.column)} = v._pk AND t.{quote(state.column)} = v._from_state"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
