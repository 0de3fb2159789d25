"""Write orders or lines after one transition each in one UPDATE, however many rows there
are, guarded by the states they were read in (ordermgmt.writes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ordermgmt.writes import rows_save_transitioned
from orders.models import CustomerOrder, CustomerOrderLine


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
    rows_save_transitioned(rows=lines, from_states=from_states, fields=fields, at=at)


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
    rows_save_transitioned(rows=orders, from_states=from_states, fields=fields, at=at)
