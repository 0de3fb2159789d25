"""What a channel (workspace, portal, TMF622, import) hands to `order_capture` per line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orders.models import LineAction


@dataclass(frozen=True)
class LineInput:
    """One line as a client sent it; `ref` is the client's item id, unique in the order."""

    ref: str
    action: str = LineAction.ADD
    # None is allowed: a TMF order may name only item ids and actions.
    offering_id: int | None = None
    quantity: int = 1
    characteristics: Mapping[str, Any] = field(default_factory=dict)
    inventory_item_id: int | None = None
    # The ref of the bundle line this line is an explicit child of.
    parent_ref: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
