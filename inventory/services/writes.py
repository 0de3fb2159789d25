"""Save many rows after one transition each, in one UPDATE guarded by their read states.

`bulk_update` skips `Model.save()`, so two things `save()` does are done here: `auto_now`
(updated_at is set explicitly) and the state guard of django-fsm's
`ConcurrentTransitionMixin`: the UPDATE only matches rows still in the state they were read
in, and fewer matched rows raise `ConcurrentTransition` as a row's own `save()` would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import reduce
from operator import or_
from typing import TypeVar

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

    `from_states` gives each row's state before its transition; `fields` the fields the
    transitions set (with "state"). Lock the rows first.
    """
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
