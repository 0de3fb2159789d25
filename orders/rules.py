"""Pure decisions of order capture: offering eligibility and MACD targets (no ORM, no clock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orders.models import LineAction

# The inventory item states each MACD action may act on (inventory.InventoryItemState).
MACD_ITEM_STATES: dict[str, frozenset[str]] = {
    LineAction.CHANGE: frozenset({"active"}),
    LineAction.DELETE: frozenset({"active", "suspended"}),
    LineAction.SUSPEND: frozenset({"active"}),
    LineAction.RESUME: frozenset({"suspended"}),
    LineAction.NO_CHANGE: frozenset({"active", "suspended"}),
}


def offering_eligibility_errors(
    *,
    lifecycle_status: str,
    is_sellable: bool,
    valid_from: datetime | None,
    valid_to: datetime | None,
    eligible_segments: Sequence[str],
    eligible_regions: Sequence[str],
    segment: str,
    region: str,
    at: datetime,
) -> list[str]:
    """Return why an offering may not be ordered by this customer at `at` (empty: it may)."""
    if lifecycle_status != "published":
        return ["The offering is not published."]
    errors: list[str] = []
    if not is_sellable:
        errors.append("The offering is not sold on its own.")
    if valid_from is not None and at < valid_from:
        errors.append(f"The offering is sold from {valid_from:%Y-%m-%d}.")
    if valid_to is not None and at >= valid_to:
        errors.append(f"The offering was sold until {valid_to:%Y-%m-%d}.")
    if eligible_segments and segment not in eligible_segments:
        errors.append(f"The offering is not sold to the {segment} segment.")
    if eligible_regions and region not in eligible_regions:
        errors.append(f"The offering is not sold in region {region or '(none)'}.")
    return errors


def macd_item_errors(*, action: str, item_state: str) -> list[str]:
    """Return why an action may not target an item in `item_state` (empty: it may)."""
    allowed = MACD_ITEM_STATES.get(action)
    if allowed is None or item_state in allowed:
        return []
    return [
        f"A {action.replace('_', ' ')} line needs an item that is "
        f"{' or '.join(sorted(allowed))}; this one is {item_state.replace('_', ' ')}."
    ]
