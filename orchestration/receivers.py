"""What orchestration does when orders tells it an order was acknowledged."""

from __future__ import annotations

from typing import Any

from orchestration.services.pump import fulfillment_request


def order_acknowledged(*, order_id: int, **_: Any) -> None:
    """Queue the order for the fulfillment pump, in the approval's transaction."""
    fulfillment_request(order_id=order_id)
