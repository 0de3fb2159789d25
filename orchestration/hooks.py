"""Hooks: how orchestration tells lower apps (orders, inventory) and later ones (fallout)
what happened, without importing them.

Receivers run inside the orchestration service's transaction, after its row locks
(orders → domain orders → tasks), so what they write commits or rolls back with it, and
each event is sent exactly once. The roll-up hooks carry every item one transaction
decided, so a receiver writes them in a constant number of statements however many
orders the engine completed together (docs/adr/0018). Connect receivers in an
AppConfig.ready():

    ORDER_LINES_DONE.connect(my_receiver)

Receiver keyword arguments:
- ORDER_LINES_DONE: items (list[LineDone]), actor, at
- ORDERS_DONE: items (list[OrderDone]), actor, at
- ORDER_LINES_PONR: items (list[LinePonr]: each line's first PONR task), actor, at
- DOMAIN_ORDERS_CLOSED: items (list[DomainOrderClosed]), actor, at
- ORDER_TASK_FAILED: order_id, task_id, error_code, error, actor, at (retries used up)
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.rules import LineOutcome, OrderOutcome
from ordermgmt.hooks import Hook


@dataclass(frozen=True)
class LineDone:
    order_id: int
    line_id: int
    outcome: LineOutcome


@dataclass(frozen=True)
class OrderDone:
    order_id: int
    outcome: OrderOutcome


@dataclass(frozen=True)
class LinePonr:
    order_id: int
    line_id: int
    task_id: int


@dataclass(frozen=True)
class DomainOrderClosed:
    order_id: int
    line_id: int
    domain_order_id: int


ORDER_LINES_DONE = Hook("order_lines_done")
ORDERS_DONE = Hook("orders_done")
ORDER_LINES_PONR = Hook("order_lines_ponr")
DOMAIN_ORDERS_CLOSED = Hook("domain_orders_closed")
ORDER_TASK_FAILED = Hook("order_task_failed")
