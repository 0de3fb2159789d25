"""Services of the decomposition app: decompose an order, release staggered domain orders,
and one service per domain order transition (see services/transitions.py)."""

from decomposition.services.corrections import domain_order_characteristics_correct
from decomposition.services.decompose import order_decompose
from decomposition.services.inventory_link import domain_orders_inventory_link
from decomposition.services.release import domain_order_information_receive
from decomposition.services.transitions import (
    domain_order_cancel,
    domain_order_cancellation_start,
    domain_order_close,
    domain_order_hold,
    domain_order_resume,
    domain_order_schedule,
    domain_order_start,
    domain_orders_close,
    domain_orders_start,
)

__all__ = [
    "domain_order_cancel",
    "domain_order_cancellation_start",
    "domain_order_characteristics_correct",
    "domain_order_close",
    "domain_order_hold",
    "domain_order_information_receive",
    "domain_order_resume",
    "domain_order_schedule",
    "domain_order_start",
    "domain_orders_close",
    "domain_orders_inventory_link",
    "domain_orders_start",
    "order_decompose",
]
