"""Pure decisions of order capture: offering eligibility, MACD targets and typed
characteristic values (no ORM, no clock)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

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


def value_is_blank(value: Any) -> bool:
    """True when a characteristic has no value (absent, None or blank text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def characteristic_value_typed(*, definition: Any, text: Any) -> Any:
    """Read a policy's text value as the characteristic's type (text when unknown).

    Choice values take the allowed value they spell, so 500 stays a number.
    """
    if definition is None or not isinstance(text, str):
        return text
    raw = text.strip()
    value_type = definition.value_type
    try:
        if value_type == "boolean":
            return raw.lower() in {"true", "yes", "1"}
        if value_type == "integer":
            return int(raw)
        if value_type == "decimal":
            return str(Decimal(raw))
        if value_type in {"object", "address"}:
            return json.loads(raw)
    except (ValueError, ArithmeticError):
        return raw
    if value_type == "choice":
        for allowed in definition.allowed_values:
            if str(allowed) == raw:
                return allowed
    return raw
