"""Roll-up of priced lines: bundle parents total their descendants, the order its roots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from orders.pricing.values import (
    DEFAULT_TERM_MONTHS,
    MONTHS_PER_YEAR,
    ZERO,
    LinePrice,
    LineToPrice,
    OrderPrice,
)


def lines_parents_first(lines: Sequence[LineToPrice]) -> list[LineToPrice]:
    """The lines depth-first from the roots; a line whose parent is absent is a root."""
    keys = {line.key for line in lines}
    children: dict[int | None, list[LineToPrice]] = {}
    for line in lines:
        parent = line.parent_key if line.parent_key in keys else None
        children.setdefault(parent, []).append(line)
    ordered: list[LineToPrice] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        line = stack.pop()
        ordered.append(line)
        stack.extend(reversed(children.get(line.key, [])))
    if len(ordered) != len(lines):
        raise ValueError("Bundle lines name each other as parents in a cycle.")
    return ordered


def order_roll_up(
    *, lines: Sequence[LineToPrice], own: Mapping[int, LinePrice]
) -> OrderPrice:
    """Parents total their own and all descendants' totals; the order its root lines.

    A line whose parent is not among `lines` counts as a root. A line without a
    contract term inherits its parent's, else DEFAULT_TERM_MONTHS.
    """
    children: dict[int, list[int]] = {}
    roots: list[int] = []
    for line in lines:
        if line.parent_key is not None and line.parent_key in own:
            children.setdefault(line.parent_key, []).append(line.key)
        else:
            roots.append(line.key)
    rolled: dict[int, LinePrice] = {}
    contract_value = ZERO

    def roll(key: int, inherited_term: int | None) -> LinePrice:
        nonlocal contract_value
        price = own[key]
        term = price.term_months or inherited_term or DEFAULT_TERM_MONTHS
        contract_value += price.own_one_time_total + price.own_recurring_total * term
        below = [roll(child, term) for child in children.get(key, [])]
        rolled[key] = replace(
            price,
            one_time_total=price.own_one_time_total
            + sum((b.one_time_total for b in below), ZERO),
            recurring_total=price.own_recurring_total
            + sum((b.recurring_total for b in below), ZERO),
            term_months=term,
        )
        return rolled[key]

    root_prices = [roll(key, None) for key in roots]
    monthly = sum((price.recurring_total for price in root_prices), ZERO)
    return OrderPrice(
        lines=tuple(rolled.get(line.key, own[line.key]) for line in lines),
        one_time_total=sum((price.one_time_total for price in root_prices), ZERO),
        monthly_recurring_total=monthly,
        annual_total=monthly * MONTHS_PER_YEAR,
        total_contract_value=contract_value,
    )
