"""Pure decisions of fallout handling: the route a fallout takes when the fallout_routing
table has no answer, reading the table's outputs, and the aging buckets.

No ORM and no clock here: callers pass plain values and `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ROUTING_TABLE_KEY = "fallout_routing"
# Where a fallout goes when no rule names a group (or names one that does not exist).
DEFAULT_WORK_GROUP_CODE = "fallout_desk"
DEFAULT_TYPE_CODE = "provisioning_failure"
REPORTED_TYPE_CODE = "data_error"
# The type of an automated failure by the adapter that failed, when no rule says.
TYPE_BY_ADAPTER: Mapping[str, str] = {
    "billing_activation": "billing_issue",
    "inventory_allocation": "inventory_allocation_failure",
}


@dataclass(frozen=True)
class RouteDecision:
    """Codes and priority chosen for a fallout; `rule` says which table row (or "")."""

    type_code: str
    work_group_code: str
    priority: int
    rule: str = ""


def fallout_route_default(
    *, adapter: str, reported: bool, task_priority: int
) -> RouteDecision:
    """The route of a fallout no rule matched: the default desk, a type by its adapter
    (a data error when an agent reported it) and its task's priority."""
    if reported:
        type_code = REPORTED_TYPE_CODE
    else:
        type_code = TYPE_BY_ADAPTER.get(adapter, DEFAULT_TYPE_CODE)
    return RouteDecision(
        type_code=type_code,
        work_group_code=DEFAULT_WORK_GROUP_CODE,
        priority=task_priority,
    )


def fallout_route_merge(
    *,
    default: RouteDecision,
    outputs: Mapping[str, Any] | None,
    row: int | None,
    known_types: set[str],
    known_groups: set[str],
) -> RouteDecision:
    """Take what a matched rule says and fill the gaps from `default`: a blank or
    unknown type or group, or a priority that is not a small number, falls back."""
    if not outputs:
        return default
    type_code = str(outputs.get("fallout_type") or "").strip()
    group_code = str(outputs.get("work_group") or "").strip()
    priority = _priority(outputs.get("priority"), default=default.priority)
    return RouteDecision(
        type_code=type_code if type_code in known_types else default.type_code,
        work_group_code=(
            group_code if group_code in known_groups else default.work_group_code
        ),
        priority=priority,
        rule=f"{ROUTING_TABLE_KEY}#{row}" if row is not None else ROUTING_TABLE_KEY,
    )


def _priority(value: Any, *, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 <= number <= 9 else default


# (label, lower bound inclusive, upper bound exclusive) of an open fallout's age.
AGING_BUCKETS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("< 1 h", timedelta(0), timedelta(hours=1)),
    ("1–4 h", timedelta(hours=1), timedelta(hours=4)),
    ("4–24 h", timedelta(hours=4), timedelta(hours=24)),
    ("> 1 day", timedelta(hours=24), None),
)


def aging_bucket(*, opened_at: datetime, now: datetime) -> str:
    """Return the label of the aging bucket a fallout opened at `opened_at` is in."""
    age = now - opened_at
    for label, low, high in AGING_BUCKETS:
        if age >= low and (high is None or age < high):
            return label
    return AGING_BUCKETS[0][0]
