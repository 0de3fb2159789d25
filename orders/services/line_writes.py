"""Write an order's lines after one transition in one UPDATE, however many lines there are.

`bulk_update` skips `Model.save()`, so two things `save()` did for a line are done here:
`auto_now` (updated_at is set explicitly) and the state guard of django-fsm's
`ConcurrentTransitionMixin` (the UPDATE only matches a line still in the state it was read
in; fewer matched rows raise `ConcurrentTransition`, as a line's `save()` would). The order
row itself keeps going through `save()` and so keeps the mixin's own guard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Q
from django_fsm import ConcurrentTransition

from orders.models import CustomerOrderLine


def _still_in_read_states(
    *, lines: Sequence[CustomerOrderLine], from_states: Sequence[str]
) -> Q:
    # One condition per distinct source state (few), not per line.
    pks_by_state: dict[str, list[int]] = defaultdict(list)
    for line, from_state in zip(lines, from_states, strict=True):
        pks_by_state[from_state].append(line.pk)
    return reduce(
        or_,
        (Q(state=state, pk__in=pks) for state, pks in sorted(pks_by_state.items())),
    )


def lines_save_transitioned(
    *,
    lines: Sequence[CustomerOrderLine],
    from_states: Sequence[str],
    fields: Sequence[str],
    at: datetime,
) -> None:
    """Save lines that each went through a transition, in one UPDATE guarded by state.

    `from_states` gives each line's state before its transition; `fields` the fields the
    transition set (with "state"). Lock the lines first (`order_lines_for_update`).
    """
    if not lines:
        return
    for line in lines:
        line.updated_at = at
    updated = CustomerOrderLine.objects.filter(
        _still_in_read_states(lines=lines, from_states=from_states)
    ).bulk_update(lines, fields=[*fields, "updated_at"])
    if updated != len(lines):
        raise ConcurrentTransition(
            "Cannot save order lines! A line's state has changed since it was read."
        )
    for line in lines:
        # What save() does after writing, so the instance may be transitioned and saved again.
        line._update_initial_state()
