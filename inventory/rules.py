"""Pure decisions of the inventory services: item trees of an order, contract terms."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from inventory.inputs import ItemInput, ItemKey
from inventory.models import InventoryItemKind
from ordermgmt.exceptions import CycleError, ValidationFailed

CONTRACT_TERM_CHARACTERISTIC = "contract_term"


def item_input_errors(items: Sequence[ItemInput]) -> list[str]:
    """Return what is wrong with a set of item inputs, taken one by one and together."""
    errors: list[str] = []
    keys = [item.key for item in items]
    seen: set[ItemKey] = set()
    for key in keys:
        if key in seen:
            errors.append(f"Item key {key!r} is given twice.")
        seen.add(key)
    domain_orders: set[int] = set()
    for item in items:
        if item.kind not in InventoryItemKind.values:
            errors.append(f"Item {item.key!r}: unknown kind {item.kind!r}.")
        if item.quantity < 1:
            errors.append(f"Item {item.key!r}: quantity must be at least 1.")
        if item.parent_key is not None and item.parent_item_id is not None:
            errors.append(f"Item {item.key!r}: give a parent key or a parent item.")
        if item.parent_key is not None and item.parent_key not in seen:
            errors.append(f"Item {item.key!r}: parent {item.parent_key!r} is unknown.")
        if item.parent_key == item.key:
            errors.append(f"Item {item.key!r} is its own parent.")
        if item.source_domain_order_id is not None:
            if item.source_domain_order_id in domain_orders:
                errors.append(
                    f"Domain order {item.source_domain_order_id} is given twice."
                )
            domain_orders.add(item.source_domain_order_id)
    return errors


def item_input_levels(items: Sequence[ItemInput]) -> list[list[int]]:
    """Group item inputs (by position) into levels, parents before their children.

    Level 0 holds the items without a parent in the set; level n those whose parent is on
    level n - 1. Raise ValidationFailed for bad inputs and CycleError for a loop.
    """
    errors = item_input_errors(items)
    if errors:
        raise ValidationFailed(
            "The inventory items cannot be created.", errors={"items": errors}
        )
    position_by_key = {item.key: position for position, item in enumerate(items)}
    depths: dict[int, int] = {}
    for start in range(len(items)):
        path: list[int] = []
        position: int | None = start
        while position is not None and position not in depths:
            if position in path:
                raise CycleError(f"Item {items[position].key!r} is its own ancestor.")
            path.append(position)
            parent_key = items[position].parent_key
            position = None if parent_key is None else position_by_key[parent_key]
        depth = -1 if position is None else depths[position]
        for walked in reversed(path):
            depth += 1
            depths[walked] = depth
    levels: list[list[int]] = [[] for _ in range(max(depths.values(), default=-1) + 1)]
    for position in range(len(items)):
        levels[depths[position]].append(position)
    return levels


def months_after(start: date, months: int) -> date:
    """Return the same day `months` later, or that month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def contract_end_date(*, start_date: date, term_months: int | None) -> date | None:
    """Return the last day of a term (the day before its anniversary); None if open-ended."""
    if not term_months:
        return None
    return months_after(start_date, term_months) - timedelta(days=1)


def _term_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def contract_term_months(*, characteristics: Iterable[Mapping[str, Any]]) -> int | None:
    """Return the longest `contract_term` (months) among sold items' values, if any."""
    terms = [
        term
        for values in characteristics
        if (term := _term_value(values.get(CONTRACT_TERM_CHARACTERISTIC))) is not None
        and term > 0
    ]
    return max(terms, default=None)
