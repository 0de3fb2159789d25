"""Pricing of a draft, delegated to `orders.pricing`.

A draft for which no price list applies keeps zero prices (logged) rather than refusing
the change: the agent can still build it, and the approval policy sees its totals.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from orders.models import CustomerOrder, CustomerOrderLine
from orders.pricing import (
    PRICE_FIELDS_LINE,
    PRICE_FIELDS_ORDER,
    NoPriceList,
    order_pricing_apply,
)

logger = logging.getLogger(__name__)


def draft_prices_set(
    *, order: CustomerOrder, lines: Sequence[CustomerOrderLine], at: datetime
) -> tuple[list[str], list[str]]:
    """Price the order and lines in memory; return the order and line fields it set."""
    try:
        order_pricing_apply(order=order, lines=list(lines), at=at)
    except NoPriceList as exc:
        logger.warning("Order %s stays unpriced: %s", order, exc)
        return [], []
    return list(PRICE_FIELDS_ORDER), list(PRICE_FIELDS_LINE)


def draft_reprice(
    *, order: CustomerOrder, lines: Sequence[CustomerOrderLine], at: datetime
) -> None:
    """Price a locked draft and save the prices of the order and its lines."""
    order_fields, line_fields = draft_prices_set(order=order, lines=lines, at=at)
    if order_fields:
        order.save(update_fields=[*order_fields, "updated_at"])
    if line_fields and lines:
        CustomerOrderLine.objects.bulk_update(list(lines), fields=line_fields)
