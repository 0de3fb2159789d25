"""Write orders or lines after one transition each in one UPDATE, however many rows there are.

`bulk_update` skips `Model.save()`, so two things `save()` did for a row are done here:
`auto_now` (updated_at is set explicitly) and the state guard of django-fsm's
`ConcurrentTransitionMixin` (the UPDATE only matches a row still in the state it was read
in; fewer matched rows raise `ConcurrentTransition`, as a row's `save()` would).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import reduce
from operator import or_
from typing import TypeVar

from django.db.models import Q
from django_fsm import ConcurrentTransition

from orders.models import CustomerOrder, CustomerOrderLine

R = TypeVar("R", CustomerOrder, CustomerOrderLine)


def _still_in_read_states(*, rows: Sequence[R], from_states: Sequence[str]) -> Q:
    # One condition per distinct source state (few), not per row.
    pks_by_state: dict[str, list[int]] = defaultdict(list)
    for row, from_state in zip(rows, from_states, strict=True):
        pks_by_state[from_state].append(row.pk)
    return reduce(
        or_,
        (Q(state=state, pk__in=pks) for state, pks in sorted(pks_by_state.items())),
    )


def _rows_save_transitioned(
    *,
    rows: Sequence[R],
    from_states: Sequence[str],
    fields: Sequence[str],
    at: datetime,
) -> None:
    if not rows:
        return
    model = type(rows[0])
    for row in rows:
        row.updated_at = at
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


def lines_save_transitioned(
    *,
    lines: Sequence[CustomerOrderLine],
    from_states: Sequence[str],
    fields: Sequence[str],
    at: datetime,
) -> None:
    """Save lines that each went through a transition, in one UPDATE guarded by state.

    `from_states` gives each line's state before its transition (its current state for a
    write that changes no state); `fields` the fields written (with "state" after a
    transition); `at` becomes updated_at. Lock the lines first (`order_lines_for_update`).
    """
    _rows_save_transitioned(rows=lines, from_states=from_states, fields=fields, at=at)


def orders_save_transitioned(
    *,
    orders: Sequence[CustomerOrder],
    from_states: Sequence[str],
    fields: Sequence[str],
    at: datetime,
) -> None:
    """Save orders that each went through a transition, in one UPDATE guarded by state.

    As `lines_save_transitioned`; lock the orders first (`orders_get_for_update`).
    """
    _rows_save_transitioned(rows=orders, from_states=from_states, fields=fields, at=at)
